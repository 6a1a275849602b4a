"""The whole ``kg build`` as a user runs it (issue 16), at one or more corpus sizes in one run. Per
size, three builds side by side: a clean build with ``--jobs 1``, a clean build with ``--jobs 2``,
and the rebuild after adding one document (the extraction cache of the ``--jobs 2`` build in place).
Each build is its own ``kg build`` process (imports and spaCy included); for each: its wall time,
the time of every stage (read from the ``stages:`` line it prints, whatever the stages are called),
documents/s, and its peak memory, both of its largest process (``os.wait4``) and of its whole
process tree, extraction workers included (the sum of their proportional set sizes, sampled every
second from ``/proc``). ``--builds`` runs only some of the three (``added`` needs ``clean_jobs2``,
whose cache it reuses). The goals of issue 16 are judged from the same run
(:func:`benchmarks.incremental_doc.goals`).

    python -m benchmarks.incremental --docs 1000 --docs 10000               # Markdown on stdout
    python -m benchmarks.incremental --docs 100000 --builds clean_jobs2,added --json out/b.json \
        --markdown-into docs/performance.md
    python -m benchmarks.incremental --from-json out/b.json --markdown-into docs/performance.md

The corpus (``benchmarks.generate``, seed 0) and the builds' outputs are written under a temporary
folder (in ``--work-dir``, default the system's temporary folder), removed afterwards, whether the
run succeeds or not. A build that fails stops the run: one line on stderr, exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KG = [sys.executable, "-m", "graph.cli"]
ADDED = "# An added article\n\nCamp Lemonnier in Djibouti hosts the forces of the United States.\n"
SAMPLE_S = 1.0  #: seconds between two samples of a build's process tree
_STAGE = re.compile(r"(.+) (\d+(?:\.\d+)?) s")
#: the builds of one size, in the order they run: name, output folder, options of ``kg build``
PLAN = (("clean_jobs1", "a", ("--jobs", "1", "--no-cache")),
        ("clean_jobs2", "b", ("--jobs", "2", "--no-cache")),
        ("added", "b", ("--jobs", "2")))
NAMES = tuple(name for name, _folder, _extra in PLAN)


class BuildFailed(Exception):
    """A ``kg build`` of the benchmark failed; the message is one line."""


# --------------------------------------------------------------------------- one build


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from ``/proc/PID/task/TID/children`` (empty once it is gone)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return out


def tree_pss_mb(pid: int) -> float | None:
    """The memory of ``pid`` and its descendants now: the sum of their proportional set sizes (pages
    shared by forked workers counted once in all), in MB; None where ``/proc`` does not tell it.

    >>> tree_pss_mb(os.getpid()) > 1
    True
    """
    total, seen = 0, False
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        seen = True
                        break
        except (OSError, ValueError):
            continue
    return total / 1024 if seen else None


class _Sampler(threading.Thread):
    """The peak of :func:`tree_pss_mb` of a process while it runs."""

    def __init__(self, pid: int, every: float):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak = pid, every, None
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            mb = tree_pss_mb(self.pid)
            if mb is not None and (self.peak is None or mb > self.peak):
                self.peak = mb
            self.done.wait(self.every)


def parse_stages(stdout: str) -> dict[str, float]:
    """The stage times of the ``stages:`` line ``kg build`` printed, by name, in its order.

    >>> parse_stages("Built out/kg.ttl\\nstages: read 0.04 s, extract 1.23 s, merge and RDF 0.50 s\\n")
    {'read': 0.04, 'extract': 1.23, 'merge and RDF': 0.5}
    """
    line = next((x for x in stdout.splitlines() if x.startswith("stages: ")), None)
    if line is None:
        raise BuildFailed("kg build printed no 'stages:' line")
    out = {}
    for part in line[len("stages: "):].split(", "):
        m = _STAGE.fullmatch(part.strip())
        if not m:
            raise BuildFailed(f"kg build printed a stage this benchmark cannot read: {part!r}")
        out[m.group(1)] = float(m.group(2))
    return out


def run_build(corpus: Path, out: Path, *extra: str, logs: Path, every: float = SAMPLE_S) -> dict:
    """One ``kg build`` process: its wall seconds, stage seconds and peak memory (MB) of its largest
    process (``maxrss_mb``) and of its process tree (``tree_mb``, sampled). Its output goes to files
    in ``logs`` (a pipe could fill up and stall it); a failure raises BuildFailed with its last line."""
    logs.mkdir(parents=True, exist_ok=True)
    cmd = [*KG, "build", "--corpus", str(corpus), "--out", str(out), *extra]
    with open(logs / "stdout", "wb") as so, open(logs / "stderr", "wb") as se:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=so, stderr=se, stdin=subprocess.DEVNULL)
        sampler = _Sampler(proc.pid, every)
        sampler.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # interrupted (Ctrl-C): the build goes too, and nothing is left running
            proc.kill()
            proc.wait()
            raise
        finally:
            wall = time.perf_counter() - started
            sampler.done.set()
            sampler.join()
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    stdout = (logs / "stdout").read_text(encoding="utf-8", errors="replace")
    if code:
        err = (logs / "stderr").read_text(encoding="utf-8", errors="replace").strip().splitlines()
        last = err[-1].strip() if err else "(nothing on stderr)"
        raise BuildFailed(f"kg build {' '.join(extra)} of {corpus} failed (exit {code}): {last}")
    return {"wall_s": wall, "stages": parse_stages(stdout), "maxrss_mb": usage.ru_maxrss / 1024,
            "tree_mb": sampler.peak}


# --------------------------------------------------------------------------- a run


def parse_builds(text: str) -> list[str]:
    """The builds ``--builds NAME[,NAME...]`` names, in the order they run; KGError (one line) for a
    name that is not a build, or for ``added`` without ``clean_jobs2`` (it reuses that build's cache).

    >>> parse_builds("added,clean_jobs2")
    ['clean_jobs2', 'added']
    """
    from graph.errors import KGError

    names = [x.strip() for x in text.split(",")]
    unknown = [x for x in names if x not in NAMES]
    if unknown:
        raise KGError(f"--builds: no build is called {unknown[0]!r} (the builds: {', '.join(NAMES)})")
    if "added" in names and "clean_jobs2" not in names:
        raise KGError("--builds: added reuses the cache of clean_jobs2: name clean_jobs2 too")
    return [x for x in NAMES if x in names]


def measure_size(n: int, work: Path, seed: int = 0, say=print, builds=NAMES) -> dict:
    """Generate ``n`` documents under ``work`` and run the builds named in ``builds`` on them."""
    from benchmarks.generate import generate_corpus

    say(f"{n:,} documents: generating ...")
    stats = generate_corpus(work / "generated", n, seed=seed)
    corpus = work / "generated" / "corpus"
    plan = [(key, work / folder, list(extra)) for key, folder, extra in PLAN if key in builds]
    made = {}
    for key, folder, extra in plan:
        if key == "added":
            (corpus / "zz-added.md").write_text(ADDED, encoding="utf-8")
        say(f"{n:,} documents: kg build {' '.join(extra)} ...")
        b = run_build(corpus, folder / "kg.ttl", *extra, logs=work / "logs" / key)
        b["documents"] = n + (key == "added")
        made[key] = b
        say(f"{n:,} documents: kg build {' '.join(extra)}: {b['wall_s']:.1f} s, {b['maxrss_mb']:,.0f} MB")
        if key == "clean_jobs1":
            shutil.rmtree(folder)  # its output is not needed again: disk for the next builds
    return {"documents": n, "text_mb": stats.bytes / 1e6, "builds": made}


def machine() -> dict:
    """Where the run happens: cores, CPU, memory, Python, library versions, commit, load average."""
    from benchmarks.run import machine as base

    m = base()
    try:
        m["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                     text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        m["commit"] = "?"
    return m


def measure(sizes: list[int], work_dir: str | Path | None = None, seed: int = 0, say=print,
            builds=NAMES) -> dict:
    """The run: every size in ``sizes``, each in its own temporary folder under ``work_dir``, with the
    builds named in ``builds`` (recorded in the run's ``builds``, in the order they ran)."""
    from benchmarks.incremental_doc import goals

    started, t0 = time.strftime("%Y-%m-%d %H:%M"), time.perf_counter()
    run = {"started": started, "machine": machine(), "seed": seed, "builds": [x for x in NAMES if x in builds],
           "sizes": []}
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="kg-bench-build-", dir=work_dir) as tmp:
            run["sizes"].append(measure_size(n, Path(tmp), seed, say, builds))
    run["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    run["total_s"] = time.perf_counter() - t0
    run["goals"] = goals(run)
    return run


# --------------------------------------------------------------------------- the command


def _read_run(path: Path) -> dict:
    from graph.errors import KGError

    try:
        run = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise KGError(f"cannot read: {exc.strerror}", path=path) from None
    except ValueError:
        raise KGError("not JSON", path=path) from None
    if not isinstance(run, dict) or not isinstance(run.get("sizes"), list):
        raise KGError("not a results file of benchmarks.incremental (no 'sizes' list)", path=path)
    return run


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.incremental [--docs N ...] [--builds NAME,...] [--json FILE] [--markdown-into DOC]``;
    the exit status."""
    from benchmarks.incremental_doc import check_doc, goals, markdown, write_into
    from graph.serialize import check_output_path
    from graph.errors import KGError
    from graph.rdfio import write_atomic

    ap = argparse.ArgumentParser(prog="python -m benchmarks.incremental", description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, action="append", metavar="N",
                    help="a corpus size; repeat for several (default: 1000)")
    ap.add_argument("--builds", metavar="NAME[,NAME...]",
                    help=f"run only these builds of each size (of {', '.join(NAMES)}; default all three; "
                         "added needs clean_jobs2)")
    ap.add_argument("--seed", type=int, default=0, help="the generator's seed (default 0)")
    ap.add_argument("--work-dir", type=Path, help="where the temporary folder goes (default: the system's)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="write the run's results to FILE")
    ap.add_argument("--markdown-into", type=Path, metavar="DOC",
                    help="write the run into the whole-build section of DOC (docs/performance.md)")
    ap.add_argument("--from-json", type=Path, metavar="FILE", help="do not measure: take the run from FILE")
    args = ap.parse_args(argv)
    sizes = sorted(set(args.docs or [1000]))
    if sizes[0] < 1:
        ap.error(f"--docs takes a number of documents of at least 1, not {sizes[0]}")
    if args.from_json and args.docs:
        ap.error("--from-json takes the run from the file: give no --docs")
    try:
        if args.from_json and args.builds is not None:
            raise KGError("--from-json takes the run from the file: give no --builds")
        builds = NAMES if args.builds is None else parse_builds(args.builds)
        if args.json:
            check_output_path(args.json, "--json")
        if args.markdown_into:
            check_doc(args.markdown_into)
        if args.work_dir and not args.work_dir.is_dir():
            raise KGError("--work-dir names no folder", path=args.work_dir)
        if args.from_json:
            run = _read_run(args.from_json)
        else:
            run = measure(sizes, args.work_dir, args.seed, say=lambda s: print(s, file=sys.stderr, flush=True),
                          builds=builds)
        run["goals"] = goals(run)
        if args.json:
            write_atomic(args.json, (json.dumps(run, indent=1) + "\n").encode("utf-8"))
        print(markdown(run), end="")
        if args.markdown_into:
            write_into(args.markdown_into, run)
            print(f"wrote {args.markdown_into}")
    except BuildFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KGError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
