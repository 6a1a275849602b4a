"""``make bench``: the pipeline at scale, one table on the terminal and ``benchmarks/results.json``.

Every stage runs in its own Python subprocess (so its peak memory, ``ru_maxrss``, is its own):

1. **build**: generate N synthetic articles (:mod:`benchmarks.generate`), read them, extract and
   build the RDF dataset (``graph.build.build_dataset``), load it into Oxigraph and score the
   contract queries against the planted facts (P/R/F1); at the smaller sizes also write Turtle
   with the product's writer (``graph.build.write_dataset``).
1b. **pipeline** (sizes up to 1,000): the whole ``kg build`` stage by stage on the same corpus:
   extraction and RDF, OWL-RL reasoning, SHACL validation, Turtle serialisation.
2. **queries**: every query of ``queries/*.rq`` (parameterised ones with a fixed value) through
   ``graph.query.run_query``, through raw pyoxigraph (``Store.query`` on the same bound text) and
   through rdflib's Memory store (``Graph.query``), on the built graphs and on a one-million-triple
   graph (the 1,000-article graph copied with renamed IRIs). rdflib queries run with a time limit
   (``--rdflib-timeout``, default 60 s); one that is predicted to exceed it at 1M triples from its time
   at the smaller graph is skipped, and the table says so.
3. **view**: the network page (``graph.view.write_html``) for 500, 2,000 and 5,000 nodes of the
   10,000-article graph: Python time, HTML size and time to the first frame in headless Chromium.
4. **cold build**: ``kg build`` of ``corpus/`` as a whole process, median of several runs.
5. **serve**: a bounded load test of ``kg serve`` on loopback (:mod:`benchmarks.serve_load`): 8
   clients send the library query ``memberships`` to ``kg serve`` (the front and the Oxigraph behind
   it) and to a plain Oxigraph server, on the graph of ``corpus/`` and on a ``kg build`` of 500
   generated documents; a bounded number of requests and seconds per target. Throughput, p50/p99
   latency, errors and the servers' memory.

The workers are :mod:`benchmarks.workers`; the goals and the terminal tables :mod:`benchmarks.report`;
the Markdown of ``docs/performance.md`` :mod:`benchmarks.perfdoc`.

Usage::

    python -m benchmarks.run                 # the full run (about 15-20 minutes on 2 cores)
    python -m benchmarks.run --markdown      # the full run, then its tables written into docs/performance.md
    python -m benchmarks.run --quick         # tiny sizes, for development (not written to results.json)
    python -m benchmarks.run --quick --stages serve   # one stage only (results.json only with --out)
    python -m benchmarks.run --from-results benchmarks/results.json              # its tables, no measuring
    python -m benchmarks.run --markdown --from-results benchmarks/results.json   # docs/performance.md from it
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.perfdoc import DOC, check_doc, markdown, write_doc
from benchmarks.report import _merged, goals, print_tables
from benchmarks.workers import QUERY_PARAMS, WORKERS

__all__ = ["QUERY_PARAMS", "goals", "main", "markdown", "print_tables"]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
KG = Path(sys.executable).parent / "kg"
#: the stages of a run (``--stages``): build (generated corpora: build, whole kg build, queries,
#: union, view, which share the corpora), cold (cold kg build, imports), serve (kg serve under load)
STAGES = ("build", "cold", "serve")
#: the load test: clients, and per graph the requests per target and round (full run, --quick)
SERVE_CLIENTS = 8
SERVE_DOCS = 500
SERVE_PLAN = {"corpus": {"full": {"requests": 5000, "warmup": 300, "rounds": 2, "max_seconds": 60.0},
                         "quick": {"requests": 1000, "warmup": 100, "rounds": 1, "max_seconds": 20.0}},
              "generated": {"full": {"requests": 1000, "warmup": 40, "rounds": 2, "max_seconds": 60.0},
                            "quick": {"requests": 200, "warmup": 16, "rounds": 1, "max_seconds": 20.0}}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("worker_args", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="tiny sizes for development; results.json is not written")
    ap.add_argument("--sizes", default=None, help="comma-separated corpus sizes (default 100,1000,10000)")
    ap.add_argument("--million", type=int, default=None, help="triples of the big query graph (default 1,000,000)")
    ap.add_argument("--view-sizes", default=None, help="node counts of the network pages (default 500,2000,5000)")
    ap.add_argument("--rdflib-timeout", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help="results file (default benchmarks/results.json)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated corpora and graphs in this folder")
    ap.add_argument("--markdown", action="store_true",
                    help="write the measured tables into docs/performance.md (only its generated part, between the "
                         "markers; whole or not at all)")
    ap.add_argument("--markdown-file", type=Path, default=DOC, metavar="FILE",
                    help="the Markdown file --markdown writes (default docs/performance.md)")
    ap.add_argument("--from-results", type=Path, default=None, metavar="FILE",
                    help="measure nothing: print the tables of a results file (benchmarks/results.json), or with "
                         "--markdown write them")
    ap.add_argument("--stages", default=",".join(STAGES),
                    help=f"comma-separated stages to run (default all: {','.join(STAGES)}); with fewer, "
                         "results.json is written only with --out")
    ap.add_argument("--serve-docs", type=int, default=SERVE_DOCS,
                    help=f"generated documents of the second load-test graph (default {SERVE_DOCS})")
    args = ap.parse_args(argv)
    if args.worker:  # before importing graph.*: a worker's peak memory is its own work's
        WORKERS[args.worker](json.loads(args.worker_args))
        return 0
    from graph.build import write_atomic
    from graph.errors import KGError

    try:
        if args.markdown:
            check_doc(args.markdown_file)  # before a run of many minutes, not after it
        if args.from_results:
            return _from_results(args.from_results, args.markdown_file if args.markdown else None)
    except KGError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    sizes = [int(s) for s in (args.sizes or ("20,100" if args.quick else "100,1000,10000")).split(",")]
    million = args.million or (20_000 if args.quick else 1_000_000)
    view_sizes = [int(s) for s in (args.view_sizes or ("50,100" if args.quick else "500,2000,5000")).split(",")]
    stages = [x.strip() for x in args.stages.split(",") if x.strip()]
    unknown = sorted(set(stages) - set(STAGES))
    if unknown or not stages:
        ap.error(f"--stages takes some of {', '.join(STAGES)}, not {args.stages!r}")
    every = set(stages) == set(STAGES)
    out_file = args.out or (None if args.quick or not every else RESULTS)
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kg-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    t_all = time.perf_counter()
    res: dict = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                 "sizes": sizes, "seed": args.seed, "stages": stages}
    try:
        if "build" in stages:
            build_stages(res, args, sizes, million, view_sizes, workdir)
        if "cold" in stages:
            print("cold kg build ...", flush=True)
            res["cold_build"] = cold_build(5, workdir)
            res["imports"] = import_times()
        if "serve" in stages:
            print("kg serve under load ...", flush=True)
            res["serve"] = serve_stage(workdir, args.quick, docs=args.serve_docs, seed=args.seed)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    res["total_s"] = time.perf_counter() - t_all
    res["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    res["goals"] = goals(res)
    print_tables(res)
    try:
        if out_file:
            write_atomic(out_file, (json.dumps(res, indent=1) + "\n").encode("utf-8"))
            print(f"wrote {out_file}")
        if args.markdown:
            write_doc(res, args.markdown_file)
            print(f"wrote {args.markdown_file}")
    except KGError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _from_results(path: Path, doc: Path | None) -> int:
    """The tables of a results file: on the terminal, or (``doc``) written into that Markdown file."""
    from graph.errors import KGError

    try:
        res = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KGError(f"cannot read: {exc.strerror}", path=path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KGError(f"not a results file of benchmarks.run (not JSON: {exc})", path=path) from None
    if not isinstance(res, dict) or "machine" not in res:
        raise KGError("not a results file of benchmarks.run (no 'machine' entry)", path=path)
    try:
        res["goals"] = goals(res)  # judged again from the measurements, with this version's rules
        if doc is None:
            print_tables(res)
            return 0
        write_doc(res, doc)
    except (KeyError, TypeError, IndexError, ZeroDivisionError) as exc:
        raise KGError(f"not a results file of benchmarks.run ({type(exc).__name__}: {exc})", path=path) from None
    print(f"wrote {doc}")
    return 0


def build_stages(res: dict, args, sizes: list[int], million: int, view_sizes: list[int], workdir: Path) -> None:
    """The stages on generated corpora: build, whole kg build, queries, union, view."""
    res["build"] = []
    for n in sizes:
        print(f"build: {n} documents ...", flush=True)
        b = run_worker("build", {"n": n, "seed": args.seed, "dir": str(workdir / f"n{n}"), "turtle": n <= 1000,
                                 "nquads": n == sizes[0]},
                       timeout=1200)
        b["documents"] = n
        res["build"].append(b)
    res["pipeline"] = []
    for n in [n for n in sizes if n <= 1000]:
        print(f"kg build stages: {n} documents ...", flush=True)
        res["pipeline"].append(run_worker("pipeline", {"n": n, "dir": str(workdir / f"n{n}")}, timeout=1200))
    mid = [n for n in sizes if n <= 1000][-1]
    print(f"1M graph: copies of the {mid}-document graph ...", flush=True)
    rep = run_worker("replicate", {"src": str(workdir / f"n{mid}" / "graph.nt"), "target": million,
                                   "out": str(workdir / "million.ttl")}, timeout=600)
    res["million"] = rep
    big_label = f"{_merged(rep['results']).get('triples', million):,} triples (copies of {mid} docs)"
    graphs = {f"{n} docs": str(workdir / f"n{n}" / ("kg.ttl" if n <= 1000 else "graph.nt")) for n in sizes}
    graphs[big_label] = str(workdir / "million.ttl")
    rdflib_graphs = [f"{n} docs" for n in sizes if n <= 1000] + [big_label]
    res["queries"] = query_stage(graphs, rdflib_graphs, args.rdflib_timeout, repeat=3)
    print("union of named graphs ...", flush=True)
    res["union"] = {}
    for fmt in ("ttl", "nq"):
        res["union"][fmt] = run_worker("quads", {"graph": str(workdir / f"n{sizes[0]}" / f"kg.{fmt}"), "query": "shared-bases",
                                                 "memory_mb": 3000}, timeout=30)
    print("view ...", flush=True)
    if (ROOT / "graph" / "view.py").exists():
        res["view"] = run_worker("view", {"graph": str(workdir / f"n{sizes[-1]}" / "graph.nt"), "sizes": view_sizes,
                                          "dir": str(workdir / "view")}, timeout=1200)
        res["kg_view"] = kg_view_process(workdir / f"n{sizes[-1]}" / "graph.nt", workdir / "view" / "kg-view.html")
    else:
        res["view"] = {"note": "view not available"}


def run_worker(name: str, args: dict, timeout: float) -> dict:
    """Run one worker; its RESULT lines (even those printed before a timeout) and how it ended."""
    cmd = [sys.executable, "-m", "benchmarks.run", "--worker", name, json.dumps(args)]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        timed_out = True
    results = [json.loads(line[7:]) for line in stdout.splitlines() if line.startswith("RESULT ")]
    out = {"results": results, "wall_s": time.perf_counter() - t, "timed_out": timed_out, "returncode": proc.returncode}
    if proc.returncode and not timed_out:
        out["stderr"] = stderr.strip().splitlines()[-3:]
        print(f"  ! worker {name} failed: {' | '.join(out['stderr'])}", file=sys.stderr)
    return out


def cold_build(runs: int, workdir: Path) -> dict:
    """``kg build`` of corpus/ as whole processes: wall times and peak memory (os.wait4)."""
    out: dict = {}
    for label, extra in (("default", []), ("no_reason_no_validate", ["--no-reason", "--no-validate"])):
        times, rss = [], []
        for i in range(runs):
            target = workdir / f"cold-{label}-{i}.ttl"
            t = time.perf_counter()
            proc = subprocess.Popen([str(KG), "build", "--corpus", str(ROOT / "corpus"), "--out", str(target), "-q", *extra],
                                    cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _pid, status, usage = os.wait4(proc.pid, 0)
            times.append(time.perf_counter() - t)
            rss.append(usage.ru_maxrss / 1024)
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode:
                out[label] = {"error": proc.stderr.read().decode()[-300:]}
                break
        else:
            out[label] = {"runs": runs, "median_s": statistics.median(times), "min_s": min(times),
                          "max_s": max(times), "maxrss_mb": round(max(rss), 1)}
    return out


def kg_view_process(graph: Path, out: Path) -> dict:
    """``kg view`` of a whole graph as one process (no layout cache): wall time and peak memory."""
    shutil.rmtree(out.parent / ".layout-cache", ignore_errors=True)
    t = time.perf_counter()
    proc = subprocess.Popen([str(KG), "view", "--graph", str(graph), "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    said = proc.stdout.read().decode().strip()
    if os.waitstatus_to_exitcode(status):
        return {"error": proc.stderr.read().decode()[-300:]}
    return {"wall_s": wall, "maxrss_mb": round(usage.ru_maxrss / 1024, 1), "said": said,
            "html_mb": out.stat().st_size / 1e6}


def serve_stage(workdir: Path, quick: bool, docs: int = SERVE_DOCS, seed: int = 0) -> dict:
    """The load test of ``kg serve`` (benchmarks.serve_load, one process per graph) on the corpus
    graph and on a ``kg build`` of ``docs`` generated documents. Bounded: each run has a fixed number
    of requests per target and a time limit, and the process a timeout; loopback only."""
    folder = workdir / "serve"
    folder.mkdir(parents=True, exist_ok=True)
    out: dict = {"clients": SERVE_CLIENTS, "query": "memberships", "graphs": {}}
    graphs = {"corpus": (folder / "corpus.ttl", ROOT / "corpus"),
              "generated": (folder / f"n{docs}" / "kg.ttl", folder / f"n{docs}" / "corpus")}
    for key, (graph, corpus) in graphs.items():
        label = "corpus/" if key == "corpus" else f"{docs} generated docs"
        entry: dict = {"label": label, "documents": None}
        out["graphs"][key] = entry
        try:
            if key == "generated":
                subprocess.run([sys.executable, "-m", "benchmarks.generate", str(graph.parent), str(docs), str(seed)],
                               cwd=ROOT, check=True, capture_output=True, timeout=300)
            t = time.perf_counter()
            subprocess.run([str(KG), "build", "--corpus", str(corpus), "--out", str(graph), "-q"], cwd=ROOT,
                           check=True, capture_output=True, timeout=1200)
            entry["build_s"] = time.perf_counter() - t
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            entry["error"] = f"building the graph failed: {exc}"
            print(f"  ! serve: {entry['error']}", file=sys.stderr)
            continue
        entry["documents"] = len(list(corpus.glob("*.md")))
        entry["graph_mb"] = graph.stat().st_size / 1e6
        plan = SERVE_PLAN[key]["quick" if quick else "full"]
        print(f"  kg serve under load: {label}, {SERVE_CLIENTS} clients, {plan['requests']} requests per target "
              f"and round ...", flush=True)
        figures = folder / f"{key}.json"
        cmd = [sys.executable, "-m", "benchmarks.serve_load", "--graph", str(graph), "--clients", str(SERVE_CLIENTS),
               "--requests", str(plan["requests"]), "--warmup", str(plan["warmup"]), "--rounds", str(plan["rounds"]),
               "--max-seconds", str(plan["max_seconds"]), "--json", str(figures)]
        # warm-up and every round on both targets, each within max_seconds, plus starting the servers
        limit = (2 + 2 * plan["rounds"]) * plan["max_seconds"] + 180
        t = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=limit)
        except subprocess.TimeoutExpired:
            entry["error"] = f"the load test did not end within {limit:.0f} s"
            print(f"  ! serve: {entry['error']}", file=sys.stderr)
            continue
        entry["wall_s"] = time.perf_counter() - t
        entry["returncode"] = proc.returncode
        if figures.exists():
            entry.update(json.loads(figures.read_text(encoding="utf-8")))
        else:
            entry["error"] = "the load test wrote no figures: " + " | ".join(proc.stderr.strip().splitlines()[-3:])
            print(f"  ! serve: {entry['error']}", file=sys.stderr)
    return out


def import_times() -> dict:
    """Seconds to import graph.cli and graph.build in a fresh interpreter (median of 3)."""
    out = {}
    for mod in ("graph.cli", "graph.build", "graph.query"):
        times = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", f"import {mod}"], cwd=ROOT, check=True)
            times.append(time.perf_counter() - t)
        out[mod] = statistics.median(times)
    return out


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    import pyoxigraph
    import rdflib

    return {"nproc": os.cpu_count(), "cpu": cpu, "ram": mem, "python": platform.python_version(),
            "rdflib": rdflib.__version__, "pyoxigraph": pyoxigraph.__version__,
            "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]}


def query_stage(graphs: dict[str, str], rdflib_graphs: list[str], rdflib_timeout: float, repeat: int,
                rdflib_budget: float = 330.0) -> dict:
    """Every library query on every graph: graph.query, raw pyoxigraph and (some graphs) rdflib.

    rdflib skips a query when its time on the previous (smaller) rdflib graph, scaled by the
    ratio of the triple counts, already exceeds the time limit (or it timed out there).
    """
    out: dict = {}
    prev = None  # (label, triples, rdflib results) of the last graph rdflib ran on
    for label, path in graphs.items():
        print(f"  queries on {label} ...", flush=True)
        ox_run = run_worker("oxigraph", {"graph": path, "repeat": repeat}, timeout=900)
        triples = _merged(ox_run["results"]).get("triples", 0)
        entry = {"oxigraph": ox_run, "rdflib": None, "rdflib_skipped": {}, "triples": triples}
        if label in rdflib_graphs:
            skip = {}
            if prev is not None:
                p_label, p_triples, p_results = prev
                ratio = triples / p_triples if p_triples else 1.0
                for r in p_results:
                    if "query" not in r or "error" in r:
                        continue
                    if "timeout_s" in r:
                        skip[r["query"]] = f"skipped: over {r['timeout_s']:.0f} s already on {p_label}"
                    elif r["s"] * ratio > rdflib_timeout:
                        skip[r["query"]] = (f"skipped: predicted {r['s'] * ratio:,.0f} s > {rdflib_timeout:.0f} s "
                                            f"({r['s']:.1f} s on {p_label} x {ratio:.1f} triples)")
            entry["rdflib"] = run_worker("rdflib", {"graph": path, "timeout": rdflib_timeout, "skip": sorted(skip),
                                                    "budget": rdflib_budget},
                                         timeout=rdflib_budget + 120)
            entry["rdflib_skipped"] = skip
            done = [r for r in entry["rdflib"]["results"] if "query" in r]
            prev = (label, triples, done + [prev_r for prev_r in (prev[2] if prev else []) if prev_r.get("query") in skip])
        out[label] = entry
    return out


if __name__ == "__main__":
    sys.exit(main())
