"""The whole-build benchmark (:mod:`benchmarks.incremental`) judged against the goals of issue 16 and
written as Markdown, into its own delimited section of ``docs/performance.md``.

A run (the dict :func:`benchmarks.incremental.measure` returns, or its ``--json`` file) holds, per
corpus size, the builds it ran (``builds``; all three unless ``--builds`` named fewer, and runs written
before it was recorded hold all three): ``clean_jobs1``, ``clean_jobs2`` and ``added`` (one document
added, the cache of ``clean_jobs2`` in place), each with ``wall_s``, ``stages`` (name -> seconds, in
the order ``kg build`` printed them), ``maxrss_mb`` and ``tree_mb``. A goal whose builds the run did
not make is n/a, "not measured in this run" naming them. Definitions:

- *after extraction*: the sum of every stage but ``read`` and ``extract`` (whatever the others are
  called: merging, RDF, reasoning, validation, writing, loading a store ...);
- *docs/s*: the build's documents over its wall time (the whole process, imports included);
- *peak*: the larger of the largest process's peak (``maxrss_mb``) and the sampled peak of the whole
  process tree, extraction workers included (``tree_mb``).

>>> run = {"sizes": [{"documents": 10, "builds": {
...     "clean_jobs1": {"documents": 10, "wall_s": 4.0, "stages": {"read": 0.5, "extract": 2.0, "write": 1.0},
...                     "maxrss_mb": 300.0, "tree_mb": None},
...     "clean_jobs2": {"documents": 10, "wall_s": 2.0, "stages": {}, "maxrss_mb": 310.0, "tree_mb": 500.0},
...     "added": {"documents": 11, "wall_s": 1.0, "stages": {}, "maxrss_mb": 305.0, "tree_mb": 320.0}}}]}
>>> [(g["ratio_text"], g["met"]) for g in goals(run)]
[('', None), ('', None), ('0.50', False), ('2.00x', True), ('', None)]
"""

from __future__ import annotations

from pathlib import Path

#: the lines that open and close the section of docs/performance.md this module writes
BEGIN = ("<!-- BEGIN whole-build benchmark, written by `python -m benchmarks.incremental --markdown-into`: "
         "edit benchmarks/incremental_doc.py, not the text down to the END marker -->")
END = "<!-- END whole-build benchmark -->"
#: the first line of one run's block in that section, followed by its sizes: ``<!-- whole-build run: 1000 10000 -->``
RUN = "<!-- whole-build run:"
BUILDS = {"clean_jobs1": "clean, `--jobs 1`", "clean_jobs2": "clean, `--jobs 2`", "added": "one document added, `--jobs 2`"}
#: the stages that are not "after extraction"
BEFORE = ("read", "extract")

PEAK_AT, PEAK_MB = 100_000, 2048
SCALE_AT, SCALE_MIN = 100_000, 0.90
AFTER_MAX = 0.25
JOBS_MIN = 1.7
ADDED_AT, ADDED_MAX = 10_000, 0.05


def after_extraction(stages: dict[str, float]) -> float:
    """Seconds of every stage but read and extraction.

    >>> after_extraction({"read": 1.0, "extract": 10.0, "merge and RDF": 2.0, "load": 0.5})
    2.5
    """
    return sum(s for name, s in stages.items() if name not in BEFORE)


def docs_per_s(build: dict) -> float:
    """The build's documents over its wall seconds.

    >>> docs_per_s({"documents": 1000, "wall_s": 40.0})
    25.0
    """
    return build["documents"] / build["wall_s"]


def peak_mb(build: dict) -> float:
    """The build's peak memory: its largest process or its whole process tree, whichever is larger.

    >>> peak_mb({"maxrss_mb": 900.0, "tree_mb": 1400.0}), peak_mb({"maxrss_mb": 900.0, "tree_mb": None})
    (1400.0, 900.0)
    """
    return max(build["maxrss_mb"], build.get("tree_mb") or 0.0)


def _n(n: int) -> str:
    return f"{n:,}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _goal(goal: str, measured: str, ratio: float | None = None, ratio_text: str = "", met: bool | None = None) -> dict:
    return {"goal": goal, "measured": measured, "ratio": ratio, "ratio_text": ratio_text, "met": met}


def builds_run(run: dict) -> list[str]:
    """The builds the run made, in the order they run: its ``builds``, or for a run written before that
    was recorded, those its sizes hold.

    >>> builds_run({"builds": ["added", "clean_jobs2"], "sizes": []})
    ['clean_jobs2', 'added']
    """
    names = run.get("builds") or [key for s in run["sizes"] for key in s["builds"]]
    return [key for key in BUILDS if key in names]


def _with(sizes: dict, *keys: str) -> dict:
    """The sizes holding every build of ``keys``."""
    return {n: b for n, b in sizes.items() if all(k in b for k in keys)}


def _not_run(sizes: dict, *keys: str) -> str | None:
    """The measured text of a goal when some of its builds ran at no size of a run that has sizes."""
    missing = [k for k in BUILDS if k in keys and not any(k in b for b in sizes.values())]
    return f"not measured in this run ({'; '.join(BUILDS[k] for k in missing)})" if sizes and missing else None


def goals(run: dict) -> list[dict]:
    """The five goals of issue 16, judged from this run alone; a goal whose size is not in the run is
    ``met: None`` (n/a), its measured text saying what the run shows instead; so is a goal whose builds
    the run did not make (``--builds``).

    >>> [g["goal"] for g in goals({"sizes": []})][3]
    '`--jobs 2` at least 1.7x `--jobs 1` (wall time of the clean builds)'
    """
    sizes = {s["documents"]: s["builds"] for s in run["sizes"] if s["builds"]}
    largest = max(sizes, default=None)
    return [_peak_goal(sizes, largest), _scale_goal(sizes), _after_goal(sizes), _jobs_goal(sizes),
            _added_goal(sizes)]


def _peak_goal(sizes: dict, largest: int | None) -> dict:
    text = f"peak memory under 2 GB ({PEAK_MB:,} MB) at {_n(PEAK_AT)} documents"
    if PEAK_AT not in sizes:
        seen = (f"; at {_n(largest)}: {max(peak_mb(b) for b in sizes[largest].values()):,.0f} MB" if largest else "")
        return _goal(text, f"not measured in this run{seen}")
    key, build = max(sizes[PEAK_AT].items(), key=lambda kv: peak_mb(kv[1]))
    peak = peak_mb(build)
    return _goal(text, f"{peak:,.0f} MB ({BUILDS[key]})", peak / PEAK_MB, f"{peak / PEAK_MB:.2f}", peak < PEAK_MB)


def _scale_goal(sizes: dict) -> dict:
    text = f"documents/s at {_n(SCALE_AT)} documents at least {SCALE_MIN:.0%} of the best size's (clean, `--jobs 2`)"
    if why := _not_run(sizes, "clean_jobs2"):
        return _goal(text, why)
    rates = {n: docs_per_s(b["clean_jobs2"]) for n, b in sorted(_with(sizes, "clean_jobs2").items())}
    listed = ", ".join(f"{_n(n)}: {r:,.1f}" for n, r in rates.items())
    if SCALE_AT not in rates or len(rates) < 2:
        why = "only one size in this run" if SCALE_AT in rates else f"{_n(SCALE_AT)} not measured in this run"
        return _goal(text, f"{why}" + (f" ({listed} docs/s)" if rates else ""))
    ratio = rates[SCALE_AT] / max(rates.values())
    return _goal(text, f"{listed} docs/s", ratio, f"{ratio:.2f}", ratio >= SCALE_MIN)


def _after_goal(sizes: dict) -> dict:
    text = (f"the stages after extraction add at most {AFTER_MAX:.0%} to extraction's time "
            "(clean, `--jobs 1`; every stage but read and extract)")
    if why := _not_run(sizes, "clean_jobs1"):
        return _goal(text, why)
    parts, ratios = [], []
    for n, b in sorted(_with(sizes, "clean_jobs1").items()):
        stages = b["clean_jobs1"]["stages"]
        if not stages.get("extract"):
            return _goal(text, f"{_n(n)}: no 'extract' stage in the build's summary")
        ratios.append(after_extraction(stages) / stages["extract"])
        parts.append(f"{_n(n)}: {after_extraction(stages):,.1f} s after {stages['extract']:,.1f} s ({ratios[-1]:.2f})")
    if not ratios:
        return _goal(text, "no size measured")
    worst = max(ratios)
    return _goal(text, "; ".join(parts), worst, f"{worst:.2f}", worst <= AFTER_MAX)


def _jobs_goal(sizes: dict) -> dict:
    text = f"`--jobs 2` at least {JOBS_MIN}x `--jobs 1` (wall time of the clean builds)"
    if why := _not_run(sizes, "clean_jobs1", "clean_jobs2"):
        return _goal(text, why)
    parts, ratios = [], []
    for n, b in sorted(_with(sizes, "clean_jobs1", "clean_jobs2").items()):
        one, two = b["clean_jobs1"]["wall_s"], b["clean_jobs2"]["wall_s"]
        ratios.append(one / two)
        parts.append(f"{_n(n)}: {one:,.1f} s / {two:,.1f} s = {ratios[-1]:.2f}x")
    if not ratios:
        return _goal(text, "no size measured")
    worst = min(ratios)
    return _goal(text, "; ".join(parts), worst, f"{worst:.2f}x", worst >= JOBS_MIN)


def _added_goal(sizes: dict) -> dict:
    text = (f"adding one document to a {_n(ADDED_AT)}-document build takes under {ADDED_MAX:.0%} "
            "of a clean build (wall time, `--jobs 2`)")

    def ratio(b: dict) -> float:
        return b["added"]["wall_s"] / b["clean_jobs2"]["wall_s"]

    if why := _not_run(sizes, "clean_jobs2", "added"):
        return _goal(text, why)
    sizes = _with(sizes, "clean_jobs2", "added")
    if ADDED_AT not in sizes:
        seen = "; ".join(f"{_n(n)}: {ratio(b):.2f}" for n, b in sorted(sizes.items()))
        return _goal(text, f"{_n(ADDED_AT)} not measured in this run" + (f" ({seen})" if seen else ""))
    b = sizes[ADDED_AT]
    r = ratio(b)
    return _goal(text, f"{b['added']['wall_s']:,.1f} s against {b['clean_jobs2']['wall_s']:,.1f} s", r, f"{r:.3f}",
                 r < ADDED_MAX)


# --------------------------------------------------------------------------- Markdown


def _s(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def _sizes_text(ns: list[int]) -> str:
    return _and([_n(n) for n in ns] or ["no"])


def markdown(run: dict) -> str:
    """One run as a block of Markdown: its marker line, a heading, the machine (and the builds, when the
    run made only some), the table of builds and the goals (ends with a newline)."""
    ns = [s["documents"] for s in run["sizes"]]
    names = list(dict.fromkeys(name for s in run["sizes"] for b in s["builds"].values() for name in b["stages"]))
    L = [f"{RUN} {' '.join(map(str, ns))} -->", f"### `kg build` of {_sizes_text(ns)} generated documents", ""]
    m = run.get("machine", {})
    took = f", {run['total_s'] / 60:,.1f} min in all" if run.get("total_s") else ""
    made = builds_run(run)
    only = ("" if made in ([], list(BUILDS)) else
            f"Only some builds were run: `--builds {','.join(made)}`. ")
    L.append(f"*Run started {run.get('started', '?')}{took}; commit {m.get('commit', '?')}; {m.get('nproc', '?')} cores "
             f"({m.get('cpu') or '?'}), {m.get('ram') or '?'} RAM, Python {m.get('python', '?')}; load average "
             f"{m.get('loadavg_at_start', ['?'])[0]} at the start, {m.get('loadavg_at_end', ['?'])[0]} at the end. "
             f"{only}Times in seconds; each build is one `kg build` process.*")
    L.append("")
    L.append("| documents | build | " + " | ".join(names) + " | after extraction | wall | docs/s | peak MB | all processes MB |")
    L.append("|---:|---|" + "---:|" * (len(names) + 5))
    for s in run["sizes"]:
        for key, label in BUILDS.items():
            if key not in s["builds"]:
                continue
            b = s["builds"][key]
            cells = [_s(b["stages"].get(name)) for name in names]
            tree = "-" if b.get("tree_mb") is None else f"{b['tree_mb']:,.0f}"
            L.append(f"| {_n(b['documents'])} | {label} | " + " | ".join(cells) + f" | {_s(after_extraction(b['stages']))} | "
                     f"{_s(b['wall_s'])} | {docs_per_s(b):,.1f} | {b['maxrss_mb']:,.0f} | {tree} |")
    L += ["", "| goal | measured | ratio | result |", "|---|---|---:|---|"]
    for g in goals(run):
        result = "met" if g["met"] else "n/a" if g["met"] is None else "**not met**"
        L.append(f"| {g['goal']} | {g['measured']} | {g['ratio_text']} | {result} |")
    return "\n".join(L) + "\n"


# --------------------------------------------------------------------------- the section of the doc


def _markers(lines: list[str], where: str) -> tuple[int, int]:
    from benchmarks.perfdoc import _find_markers

    return _find_markers(lines, where, name="whole-build", writer="benchmarks.incremental")


def _blocks(lines: list[str]) -> dict[tuple[int, ...], str]:
    """The run blocks of a section's lines, keyed by their sizes (text before the first one dropped)."""
    out: dict[tuple[int, ...], list[str]] = {}
    current = None
    for line in lines:
        if line.startswith(RUN):
            current = tuple(int(x) for x in line[len(RUN):].replace("-->", "").split())
            out[current] = []
        if current is not None:
            out[current].append(line)
    return {k: "".join(v).rstrip("\n") + "\n" for k, v in out.items()}


def render_section(existing: str, run: dict, where: str = "docs/performance.md") -> str:
    """``existing`` with this run's block put into the section between the markers: the block of a run
    of the same sizes is replaced, the blocks of other sizes are kept, ordered by sizes; every line
    outside the markers is kept byte for byte.

    >>> doc = "# P\\n" + BEGIN + "\\n*No run written yet.*\\n" + END + "\\nafter\\n"
    >>> build = {"documents": 5, "wall_s": 1.0, "stages": {"extract": 1.0}, "maxrss_mb": 90.0}
    >>> lines = render_section(doc, {"sizes": [{"documents": 5, "builds": dict.fromkeys(BUILDS, build)}]}).splitlines()
    >>> lines[1:4] == [BEGIN, "", "<!-- whole-build run: 5 -->"], lines[-2:] == [END, "after"]
    (True, True)
    """
    lines = existing.splitlines(keepends=True)
    b, e = _markers(lines, where)
    blocks = _blocks(lines[b + 1:e])
    blocks[tuple(s["documents"] for s in run["sizes"])] = markdown(run)
    body = "\n".join(blocks[k] for k in sorted(blocks))
    return "".join(lines[:b + 1]) + "\n" + body + "\n" + "".join(lines[e:])


def check_doc(path: Path) -> None:
    """Refuse, before a run, a Markdown file the run could not write into (KGError naming the file):
    one that cannot be read or written, or that lacks the two marker lines."""
    from graph.serialize import check_output_path
    from graph.errors import KGError

    path = Path(path)
    check_output_path(path, "--markdown-into")
    try:
        _markers(path.read_text(encoding="utf-8").splitlines(), str(path))
    except OSError as exc:
        raise KGError(f"cannot read: {exc.strerror}", path=path) from None
    except UnicodeDecodeError:
        raise KGError("cannot read: not UTF-8", path=path) from None
    except ValueError as exc:
        raise KGError(str(exc).split(": ", 1)[1], path=path) from None


def write_into(path: Path, run: dict) -> None:
    """Write ``run`` into the section of the Markdown file ``path``, whole or not at all."""
    from graph.rdfio import write_atomic

    check_doc(path)
    text = Path(path).read_text(encoding="utf-8")
    write_atomic(path, render_section(text, run, str(path)).encode("utf-8"))
