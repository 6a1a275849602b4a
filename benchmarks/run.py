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

Usage::

    python -m benchmarks.run                 # the full run (about 15-20 minutes on 2 cores)
    python -m benchmarks.run --quick         # tiny sizes, for development (not written to results.json)
    python -m benchmarks.run --quick --stages serve   # one stage only (results.json only with --out)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
KG = Path(sys.executable).parent / "kg"

#: values for the parameterised library queries (all exist in every generated graph)
QUERY_PARAMS = {
    "bases-by-country": {"country": "Qatar"},
    "bases-shared-with": {"partner": "United States"},
    "memberships-of": {"member": "Turkey"},
    "entity-facts": {"entity_iri": "akr:turkey"},
    "entity-subgraph": {"entity_iri": "akr:turkey"},
    "evidence": {"entity_iri": "akr:incirlik-air-base"},
}
#: queries that join several patterns and sort or filter (the "join" goal: >= 100x faster than rdflib)
JOIN_QUERIES = ("base-locations", "shared-bases", "memberships", "bases-shared-with", "evidence")
#: the lower bound of `memberships` on any engine run from Python: its single relation pattern alone
FLOOR_QUERY = "SELECT ?member ?organization WHERE { ?member akg:memberOf ?organization }"
CHROMIUM = "/usr/bin/chromium"
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
#: the figures of the issue-14 review, before the guarded front (8 clients, memberships)
SERVE_BEFORE = {"corpus": "about 1,200 req/s, p99 28 ms", "generated": "40 req/s, p99 1.05 s"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def _maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _emit(obj: dict) -> None:
    print("RESULT " + json.dumps(obj), flush=True)


# =========================================================================== workers (subprocesses)


def to_oxigraph(ds):
    """The union of an rdflib Dataset's graphs as a pyoxigraph Store (default graph, duplicates merged)."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    cache: dict = {}

    def term(t):
        hit = cache.get(t)
        if hit is not None:
            return hit
        if isinstance(t, URIRef):
            out = ox.NamedNode(str(t))
        elif isinstance(t, BNode):
            out = ox.BlankNode(str(t))
        elif isinstance(t, Literal):
            if t.language:
                out = ox.Literal(str(t), language=t.language)
            elif t.datatype:
                out = ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
            else:
                out = ox.Literal(str(t))
        else:  # pragma: no cover - rdflib variables never occur in data
            raise TypeError(t)
        if not isinstance(t, Literal):
            cache[t] = out
        return out

    store = ox.Store()
    store.extend(ox.Quad(term(s), term(p), term(o)) for s, p, o, _g in ds.quads((None, None, None, None)))
    return store


def worker_build(a: dict) -> None:
    """Generate, read, extract, build, load into Oxigraph, score; write graph.nt (and kg.ttl)."""
    import pyoxigraph as ox

    from benchmarks.generate import generate_corpus, read_gold
    from benchmarks.score import gold_facts, predicted_facts, score
    from graph.build import build_dataset, gc_paused, write_dataset
    from graph.corpus import read_corpus

    out = Path(a["dir"])
    r: dict = {"documents": a["n"]}
    t = time.perf_counter()
    stats = generate_corpus(out, a["n"], a["seed"])
    r["generate_s"] = time.perf_counter() - t
    r["text_mb"] = stats.bytes / 1e6
    r["planted_facts"] = stats.facts
    t = time.perf_counter()
    docs = read_corpus(out / "corpus")
    r["read_s"] = time.perf_counter() - t
    last = [0.0]
    t = time.perf_counter()
    res = build_dataset(docs, progress=lambda _d: last.__setitem__(0, time.perf_counter()))
    end = time.perf_counter()
    r["extract_s"] = last[0] - t
    r["rdf_s"] = end - last[0]
    r["build_s"] = end - t  # extraction + RDF, as build_dataset does it
    r["quads"] = len(res.dataset)
    r["maxrss_after_build_mb"] = _maxrss_mb()
    if a.get("nquads"):
        write_dataset(res.dataset, out / "kg.nq")
    if a.get("turtle"):
        t = time.perf_counter()
        write_dataset(res.dataset, out / "kg.ttl")
        r["write_turtle_s"] = time.perf_counter() - t
        r["turtle_mb"] = (out / "kg.ttl").stat().st_size / 1e6
    t = time.perf_counter()
    with gc_paused():
        store = to_oxigraph(res.dataset)
    r["to_oxigraph_s"] = time.perf_counter() - t
    r["triples"] = len(store)
    del res, docs
    t = time.perf_counter()
    pred = predicted_facts(store)
    r["score_queries_s"] = time.perf_counter() - t
    r["score"] = score(pred, gold_facts(read_gold(out / "gold.tsv")))
    store.dump(str(out / "graph.nt"), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    r["maxrss_mb"] = _maxrss_mb()
    _emit(r)


def worker_pipeline(a: dict) -> None:
    """The whole ``kg build`` (graph.build.build_graph's stages, then the Turtle writer), stage by stage,
    on a corpus the build worker generated: read, extract + RDF, OWL-RL reasoning, SHACL validation,
    Turtle serialisation and atomic write."""
    from graph.build import build_dataset, gc_paused, write_dataset
    from graph.corpus import read_corpus
    from graph.reason import add_inferences
    from graph.validate import SHAPES_FILE, validate_dataset

    folder = Path(a["dir"])
    r: dict = {"documents": a["n"]}
    with gc_paused():  # as build_graph runs it
        t = time.perf_counter()
        docs = read_corpus(folder / "corpus")
        r["read_s"] = time.perf_counter() - t
        t = time.perf_counter()
        res = build_dataset(docs)
        r["build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        r["inferred"] = add_inferences(res.dataset)
        r["reason_s"] = time.perf_counter() - t
        t = time.perf_counter()
        report = validate_dataset(res.dataset, SHAPES_FILE)
        r["validate_s"] = time.perf_counter() - t
        r["conforms"], r["findings"] = report.conforms, len(report.findings)
    t = time.perf_counter()
    write_dataset(res.dataset, folder / "kg-reasoned.ttl")
    r["write_s"] = time.perf_counter() - t
    r["total_s"] = r["read_s"] + r["build_s"] + r["reason_s"] + r["validate_s"] + r["write_s"]
    r["quads"] = len(res.dataset)
    r["maxrss_mb"] = _maxrss_mb()
    (folder / "kg-reasoned.ttl").unlink()
    _emit(r)


def worker_replicate(a: dict) -> None:
    """Copy a graph with renamed data IRIs until it holds at least ``target`` triples; write Turtle."""
    import pyoxigraph as ox

    from graph.namespaces import AKR, PREFIXES

    akr = str(AKR)
    src = ox.Store()
    src.bulk_load(path=a["src"], format=ox.RdfFormat.N_TRIPLES)
    triples = [q.triple for q in src]
    copies = max(1, math.ceil(a["target"] / len(triples)))

    def rename(term, k):
        if isinstance(term, ox.NamedNode) and term.value.startswith(akr) and k:
            return ox.NamedNode(f"{term.value}-c{k}")
        return term

    dst = ox.Store()
    for k in range(copies):
        dst.extend(ox.Quad(rename(t.subject, k), t.predicate, rename(t.object, k)) for t in triples)
    dst.dump(a["out"], ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes={k: str(v) for k, v in PREFIXES.items()})
    _emit({"copies": copies, "triples": len(dst), "turtle_mb": Path(a["out"]).stat().st_size / 1e6,
           "maxrss_mb": _maxrss_mb()})


def worker_quads(a: dict) -> None:
    """A contract query on the same graph written as Turtle and as N-Quads (one named graph per document).

    ``graph.query`` evaluates over the union of the named graphs (``use_default_graph_as_union``),
    where a triple stated in several document graphs matches once per graph, so joins multiply.
    The address space is capped (``RLIMIT_AS``) so a blow-up ends the process instead of the machine.
    """
    limit = int(a["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from graph.query import load_store, run_query

    store = load_store(a["graph"])
    _emit({"graph": Path(a["graph"]).name, "quads": len(store)})
    t = time.perf_counter()
    rows = len(run_query(store, a["query"]))
    _emit({"graph": Path(a["graph"]).name, "query": a["query"], "s": time.perf_counter() - t, "rows": rows})


def _median_time(fn, repeat: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), value


def worker_oxigraph(a: dict) -> None:
    """Load a graph once; each library query through graph.query.run_query and through raw pyoxigraph."""
    import pyoxigraph as ox

    from graph.namespaces import PREFIXES
    from graph.query import list_queries, load_store, prepare, run_query

    t = time.perf_counter()
    store = load_store(a["graph"])
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    raw = ox.Store()
    raw.bulk_load(path=a["graph"], format=ox.RdfFormat.TURTLE if a["graph"].endswith(".ttl") else ox.RdfFormat.N_TRIPLES)
    raw_load_s = time.perf_counter() - t
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    _emit({"load_kg_s": load_s, "load_raw_s": raw_load_s, "triples": len(store)})

    def raw_run(text):
        res = raw.query(text, use_default_graph_as_union=True, prefixes=prefixes)
        if isinstance(res, ox.QuerySolutions):
            names = [v for v in res.variables]
            return sum(1 for sol in res if [sol[v] for v in names] is not None)
        if isinstance(res, ox.QueryBoolean):
            return 1
        return sum(1 for _ in res)

    for q in list_queries():
        params = QUERY_PARAMS.get(q.name)
        _q, text = prepare(q.name, params)
        kg_s, res = _median_time(lambda: run_query(store, q.name, params), a["repeat"])
        raw_s, n = _median_time(lambda: raw_run(text), a["repeat"])
        _emit({"query": q.name, "kg_s": kg_s, "raw_s": raw_s, "rows": len(res), "raw_rows": n})
    # the floor under `memberships`: its one relation pattern alone, every solution read into Python
    floor_s, n = _median_time(lambda: raw_run(FLOOR_QUERY), max(a["repeat"], 5))
    _emit({"floor_query": FLOOR_QUERY, "floor_s": floor_s, "floor_rows": n})
    _emit({"maxrss_mb": _maxrss_mb()})


class _Timeout(Exception):
    pass


def worker_rdflib(a: dict) -> None:
    """Parse a graph into rdflib's Memory store; run the library queries with a per-query time limit."""
    import signal

    import rdflib

    from graph.namespaces import PREFIXES
    from graph.query import list_queries, prepare

    start = t = time.perf_counter()
    budget = float(a.get("budget", 1e9))
    g = rdflib.Graph()
    g.parse(a["graph"], format="turtle" if a["graph"].endswith(".ttl") else "nt")
    _emit({"parse_s": time.perf_counter() - t, "triples": len(g), "maxrss_mb": _maxrss_mb()})

    def alarm(_sig, _frame):
        raise _Timeout()

    signal.signal(signal.SIGALRM, alarm)
    skip = set(a.get("skip", ()))
    for q in sorted(list_queries(), key=lambda q: (JOIN_QUERIES.index(q.name) if q.name in JOIN_QUERIES else 99, q.name)):  # the join queries first
        if q.name in skip:
            continue
        _q, text = prepare(q.name, QUERY_PARAMS.get(q.name))
        t = time.perf_counter()
        limit = min(float(a["timeout"]), budget - (t - start))
        if limit < 5:
            _emit({"query": q.name, "error": f"not run: the rdflib budget of {budget:.0f} s for this graph is spent"})
            continue
        signal.alarm(max(1, int(limit)))
        try:
            n = len(list(g.query(text, initNs=PREFIXES)))
            signal.alarm(0)
            _emit({"query": q.name, "s": time.perf_counter() - t, "rows": n})
        except _Timeout:
            _emit({"query": q.name, "timeout_s": max(1, int(limit))})
        except Exception as exc:  # noqa: BLE001 - e.g. syntax rdflib does not know (LATERAL)
            signal.alarm(0)
            _emit({"query": q.name, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:80]}"})
    signal.alarm(0)
    _emit({"maxrss_mb": _maxrss_mb()})


def worker_view(a: dict) -> None:
    """Network pages of n nodes: Python time, HTML size, time to first frame in headless Chromium."""
    import networkx as nx

    from graph.export import to_networkx
    from graph.view import write_html

    from graph.query import load_store

    t = time.perf_counter()
    store = load_store(a["graph"])
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    G = to_networkx(store)
    _emit({"load_s": load_s, "to_networkx_s": time.perf_counter() - t, "nodes": G.number_of_nodes(),
           "edges": G.number_of_edges()})
    del store
    # the n best-connected nodes (ties by key): a dense, realistic neighbourhood of the graph
    order = sorted(G.nodes, key=lambda n: (-G.degree(n), str(n)))
    pages = []
    for n in a["sizes"]:
        if n > len(order):
            _emit({"view_nodes": n, "error": f"graph has only {len(order)} nodes"})
            continue
        H = nx.MultiDiGraph(G.subgraph(order[:n]))
        path = Path(a["dir"]) / f"network-{n}.html"
        cache = Path(a["dir"]) / f"layout-cache-{n}"
        shutil.rmtree(cache, ignore_errors=True)
        t = time.perf_counter()
        write_html(H, path, cache_dir=cache)
        pages.append((n, path, H.number_of_edges(), time.perf_counter() - t))
    first_frames = _first_frames([p for _, p, _, _ in pages], a.get("browser_timeout", 120))
    for (n, path, edges, py_s), ff in zip(pages, first_frames):
        _emit({"view_nodes": n, "edges": edges, "python_s": py_s, "html_mb": path.stat().st_size / 1e6, **ff})
    _emit({"maxrss_mb": _maxrss_mb()})


def _first_frames(paths: list[Path], timeout_s: float) -> list[dict]:
    """For each page: ms from navigation start until the page says it is ready and a frame is painted."""
    if not Path(CHROMIUM).exists():
        return [{"browser_error": f"{CHROMIUM} not found"} for _ in paths]
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for path in paths:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.route("http*://**", lambda route: route.abort())  # offline: no request may leave
                try:
                    t = time.perf_counter()
                    page.goto(path.resolve().as_uri(), timeout=timeout_s * 1000)
                    page.wait_for_selector("body[data-ready='true']", state="attached", timeout=timeout_s * 1000)
                    ms = page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))")
                    out.append({"first_frame_s": ms / 1000, "wall_s": time.perf_counter() - t})
                except Exception as exc:  # noqa: BLE001 - reported in the table
                    out.append({"browser_error": str(exc).splitlines()[0][:120]})
                finally:
                    page.close()
        finally:
            browser.close()
    return out


WORKERS = {"build": worker_build, "pipeline": worker_pipeline, "replicate": worker_replicate, "oxigraph": worker_oxigraph,
           "rdflib": worker_rdflib, "view": worker_view, "quads": worker_quads}


# =========================================================================== orchestration


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


def _merged(results: list[dict]) -> dict:
    out: dict = {}
    for r in results:
        if "query" not in r and "view_nodes" not in r:
            out.update(r)
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


def _serve_rows(res: dict) -> list[tuple[dict, str, dict, float | None, float | None]]:
    """(graph entry, target, figures of its last round, server RSS MB, server peak MB) per graph and target."""
    rows = []
    for entry in (res.get("serve") or {}).get("graphs", {}).values():
        runs = entry.get("results") or {}
        rss, peak = entry.get("rss_mb") or {}, entry.get("peak_mb") or {}
        for target in ("oxigraph", "kg serve"):
            if not runs.get(target):
                continue
            if target == "oxigraph":
                mem, top = rss.get("oxigraph (direct)"), peak.get("oxigraph (direct)")
            else:  # the front and the Oxigraph behind it
                parts = [rss.get("kg serve (front)"), rss.get("kg serve (its oxigraph)")]
                tops = [peak.get("kg serve (front)"), peak.get("kg serve (its oxigraph)")]
                mem = sum(x for x in parts if x is not None) if any(x is not None for x in parts) else None
                top = sum(x for x in tops if x is not None) if any(x is not None for x in tops) else None
            rows.append((entry, target, runs[target][-1], mem, top))
    return rows


def _serve_errors(entry: dict) -> int:
    return sum(m["errors"] for runs in (entry.get("results") or {}).values() for m in runs)


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


def _fmt_s(x) -> str:
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 1:
        return f"{x:.2f}"
    if x >= 0.001:
        return f"{x * 1000:.1f}ms"
    return f"{x * 1e6:.0f}us"


def _pipeline_rows(res: dict) -> list[dict]:
    return [r for w in res.get("pipeline", []) for r in [_merged(w["results"])] if "total_s" in r]


def goals(res: dict) -> list[tuple[str, str, bool | None]]:
    """(goal, what was measured, met?) for the project's performance goals."""
    out: list[tuple[str, str, bool | None]] = []
    builds = [_merged(b["results"]) for b in res.get("build", [])]
    builds = [b for b in builds if "build_s" in b]
    if len(builds) >= 2:
        rates = [b["documents"] / (b["read_s"] + b["build_s"]) for b in builds]
        drop = rates[-1] / max(rates)
        out.append(("build throughput linear in documents (docs/s at the largest size >= 80% of the best)",
                    ", ".join(f"{b['documents']:,}: {r:.0f} docs/s" for b, r in zip(builds, rates)), drop >= 0.8))
    rows = _pipeline_rows(res)
    if len(rows) >= 2:
        rates = [r["documents"] / r["total_s"] for r in rows]
        out.append(("whole `kg build` (with reasoning, validation, Turtle) linear in documents (docs/s at the "
                    "largest size >= 80% of the best)",
                    ", ".join(f"{r['documents']:,}: {x:.1f} docs/s" for r, x in zip(rows, rates)),
                    rates[-1] / max(rates) >= 0.8))
    big = list(res.get("queries", {}).items())[-1:] if res.get("queries") else []
    for label, q in big:
        kg = {r["query"]: r for r in q["oxigraph"]["results"] if "query" in r}
        rd = {r["query"]: r for r in (q["rdflib"]["results"] if q["rdflib"] else []) if "query" in r}
        joins = [n for n in JOIN_QUERIES if n in kg]
        worst = max(joins, key=lambda n: kg[n]["kg_s"] / kg[n]["raw_s"])
        ratio = kg[worst]["kg_s"] / kg[worst]["raw_s"]
        out.append((f"join queries within 1.3x of raw pyoxigraph on {label}",
                    f"worst {worst} {ratio:.2f}x", ratio <= 1.3))
        parts, ok = [], True
        for n in joins:
            r = rd.get(n)
            if r and "s" in r:
                x = r["s"] / kg[n]["kg_s"]
                parts.append(f"{n} {x:,.0f}x")
                ok = ok and x >= 100
            elif r and "timeout_s" in r:
                parts.append(f"{n} >{r['timeout_s'] / kg[n]['kg_s']:,.0f}x (rdflib stopped at {r['timeout_s']} s)")
            elif n in q["rdflib_skipped"]:
                parts.append(f"{n} skipped in rdflib")
            else:
                parts.append(f"{n} not comparable")
        floor = next((r for r in q["oxigraph"]["results"] if "floor_s" in r), None)
        m = rd.get("memberships")
        if floor and m and "s" in m:
            parts.append(f"(floor: the bare `?m akg:memberOf ?o` pattern alone takes {floor['floor_s'] * 1000:.2f} ms in raw "
                         f"pyoxigraph for {floor['floor_rows']:,} rows; 100x rdflib's memberships would need "
                         f"{m['s'] * 10:.2f} ms for the whole query)")
        out.append((f"join queries >= 100x faster than rdflib Memory on {label}", "; ".join(parts), ok))
    v = res.get("view") or {}
    pages = [r for r in v.get("results", []) if "view_nodes" in r and "first_frame_s" in r]
    if pages:
        top = max(pages, key=lambda r: r["view_nodes"])
        out.append((f"{top['view_nodes']:,}-node page ready in the browser in under 3 s",
                    f"first frame {top['first_frame_s']:.2f} s after navigation (writing the page took "
                    f"{top['python_s']:.2f} s more in Python)", top["first_frame_s"] < 3))
    elif res.get("build"):
        out.append(("5,000-node page ready in under 3 s", "not measured: view not available", None))
    serve = (res.get("serve") or {}).get("graphs", {})
    if serve:
        parts, ok = [], True
        for key, entry in serve.items():
            f = (entry.get("results") or {}).get("kg serve")
            if "error" in entry or not f:
                parts.append(f"{entry.get('label', key)}: {entry.get('error', 'not measured')}")
                ok = False
                continue
            n = _serve_errors(entry)
            ok = ok and n == 0
            parts.append(f"{entry['label']}: {sum(m['requests'] for runs in entry['results'].values() for m in runs):,} "
                         f"requests to both targets, {n} errors; kg serve {f[-1]['rps']:,.0f} req/s, p99 {f[-1]['p99_ms']:,.0f} ms")
        out.append((f"kg serve under load ({(res.get('serve') or {}).get('clients', SERVE_CLIENTS)} clients on loopback) "
                    "answers every request", "; ".join(parts), ok))
    c = res.get("cold_build", {}).get("default", {})
    if "median_s" in c:
        # the goal of issue [1 of 7]: under 2 s with the spaCy pipeline (it takes about 0.7 s to load)
        out.append(("cold `kg build` of corpus/ under 2 s", f"median {c['median_s']:.2f} s", c["median_s"] < 2.0))
    return out


def print_tables(res: dict) -> None:
    m = res["machine"]
    print()
    print(f"alliance-kg benchmarks: {m['nproc']} cores ({m['cpu']}), {m['ram']}, Python {m['python']}, "
          f"rdflib {m['rdflib']}, pyoxigraph {m['pyoxigraph']}; load average {m['loadavg_at_start'][0]} at start, "
          f"{m.get('loadavg_at_end', ['?'])[0]} at end")
    print()
    if res.get("build"):
        _print_build_tables(res)
    if res.get("serve"):
        _print_serve_table(res)
    if res.get("cold_build"):
        c = res["cold_build"]
        print("Cold `kg build` of corpus/ (whole process, imports included)")
        for label, r in c.items():
            if "median_s" in r:
                print(f"  {label:<22} median {_fmt_s(r['median_s'])} (min {_fmt_s(r['min_s'])}, max {_fmt_s(r['max_s'])}, {r['runs']} runs), peak {r['maxrss_mb']:.0f} MB")
            else:
                print(f"  {label:<22} failed: {r.get('error')}")
        print("  imports (fresh interpreter): " + ", ".join(f"{k} {_fmt_s(v)}" for k, v in res["imports"].items()))
        print()
    print("Goals")
    for goal, measured, met in res.get("goals", []):
        mark = "met" if met else ("NOT met" if met is False else "n/a")
        print(f"  [{mark:^7}] {goal}: {measured}")
    print(f"\nTotal {res['total_s'] / 60:.1f} min")


def _print_serve_table(res: dict) -> None:
    sv = res["serve"]
    print(f"`kg serve` under load (loopback, {sv['clients']} clients, each one keep-alive connection; query "
          f"{sv['query']} as `kg query --endpoint` sends it; last round; memory: RSS after the run / peak, "
          "kg serve = its front + the Oxigraph behind it)")
    print(f"  {'graph':<20} {'target':<9} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'server MB':>13}")
    for entry, target, m, mem, top in _serve_rows(res):
        memory = f"{mem:.0f} / {top:.0f}" if mem is not None and top is not None else "-"
        print(f"  {entry['label']:<20} {target:<9} {m['requests']:>8,} {m['errors']:>6} {m['rps']:>8,.1f} "
              f"{m['p50_ms']:>8.1f} {m['p99_ms']:>8.1f} {m['max_ms']:>8.1f} {memory:>13}")
    for key, entry in sv["graphs"].items():
        if "error" in entry:
            print(f"  {entry['label']}: {entry['error']}")
            continue
        extra = f"; kinds: {', '.join(k for runs in entry['results'].values() for m in runs for k in m['error_kinds'])}" \
            if _serve_errors(entry) else ""
        check = entry.get("check", {})
        print(f"  {entry['label']}: {entry['documents']} documents, {entry['graph_mb']:.1f} MB Turtle, answer "
              f"{entry['results']['kg serve'][-1]['answer_bytes']:,} bytes; the front costs "
              f"{entry['front_cost_ms']:+.1f} ms per request (mean latency), its query check "
              f"{check.get('first_seen_ms', '?')} ms for a new text, {check.get('cached_ms', '?')} ms again; "
              f"errors over all rounds: {_serve_errors(entry)}{extra}; before the front (issue 14 review): "
              f"{SERVE_BEFORE[key]}")
    print()


def _print_build_tables(res: dict) -> None:
    print("Extraction and build (one process per size; s = seconds)")
    hdr = f"{'docs':>7} {'MB':>6} {'read':>6} {'extract':>8} {'ex doc/s':>8} {'rdf':>7} {'docs/s':>7} {'MB/s':>6} {'quads':>9} {'ttl write':>9} {'peak MB':>8} {'P':>5} {'R':>5} {'F1':>5}"
    print(hdr)
    for b in res["build"]:
        r = _merged(b["results"])
        if "build_s" not in r:
            print(f"{b['documents']:>7} failed" + (" (timeout)" if b["timed_out"] else ""))
            continue
        sc = r["score"]["all"]
        total = r["read_s"] + r["build_s"]
        print(f"{r['documents']:>7} {r['text_mb']:>6.2f} {_fmt_s(r['read_s']):>6} {_fmt_s(r['extract_s']):>8} "
              f"{r['documents'] / r['extract_s']:>8.0f} {_fmt_s(r['rdf_s']):>7} "
              f"{r['documents'] / total:>7.0f} {r['text_mb'] / total:>6.3f} {r['quads']:>9,} {_fmt_s(r.get('write_turtle_s')):>9} "
              f"{r['maxrss_mb']:>8.0f} {sc['precision']:>5.3f} {sc['recall']:>5.3f} {sc['f1']:>5.3f}")
    print()
    rows = _pipeline_rows(res)
    if rows:
        print("Whole `kg build` (build_graph's stages and the Turtle writer, in one process)")
        print(f"{'docs':>7} {'read':>7} {'extract+RDF':>11} {'reason':>7} {'validate':>8} {'write ttl':>9} {'total':>7} {'docs/s':>7} {'peak MB':>8}")
        for r in rows:
            print(f"{r['documents']:>7} {_fmt_s(r['read_s']):>7} {_fmt_s(r['build_s']):>11} {_fmt_s(r['reason_s']):>7} "
                  f"{_fmt_s(r['validate_s']):>8} {_fmt_s(r['write_s']):>9} {_fmt_s(r['total_s']):>7} "
                  f"{r['documents'] / r['total_s']:>7.1f} {r['maxrss_mb']:>8.0f}")
        print()
    for label, q in res["queries"].items():
        oxr = _merged(q["oxigraph"]["results"])
        rdr = _merged(q["rdflib"]["results"]) if q["rdflib"] else {}
        print(f"Queries on {label}: {q['triples']:,} triples; load kg {_fmt_s(oxr.get('load_kg_s'))}, raw pyoxigraph "
              f"{_fmt_s(oxr.get('load_raw_s'))}, rdflib parse {_fmt_s(rdr.get('parse_s')) if rdr else 'not run'}; "
              f"peak MB oxigraph {oxr.get('maxrss_mb', 0):.0f}" + (f", rdflib {rdr.get('maxrss_mb', 0):.0f}" if rdr else ""))
        print(f"  {'query':<24} {'rows':>7} {'kg':>9} {'raw ox':>9} {'kg/raw':>7} {'rdflib':>9} {'rdflib/kg':>10}")
        rd = {r["query"]: r for r in (q["rdflib"]["results"] if q["rdflib"] else []) if "query" in r}
        errors: list[str] = []
        for r in q["oxigraph"]["results"]:
            if "query" not in r:
                continue
            x = rd.get(r["query"])
            if x and "s" in x:
                rs, ratio = _fmt_s(x["s"]), f"{x['s'] / r['kg_s']:,.0f}x"
            elif x and "timeout_s" in x:
                rs, ratio = f">{x['timeout_s']:.0f}", f">{x['timeout_s'] / r['kg_s']:,.0f}x"
            elif x:
                rs, ratio = "error", "(see below)"
                errors.append(f"  rdflib {r['query']}: {x['error']}")
            elif r["query"] in q["rdflib_skipped"]:
                rs, ratio = "skipped", ""
            else:
                rs, ratio = "-", ""
            print(f"  {r['query']:<24} {r['rows']:>7,} {_fmt_s(r['kg_s']):>9} {_fmt_s(r['raw_s']):>9} "
                  f"{r['kg_s'] / r['raw_s']:>6.2f}x {rs:>9} {ratio:>10}")
        if "floor_s" in oxr:
            print(f"  floor: `{oxr['floor_query']}` in raw pyoxigraph {_fmt_s(oxr['floor_s'])} ({oxr['floor_rows']:,} rows)")
        for name, why in q["rdflib_skipped"].items():
            print(f"  rdflib {name}: {why}")
        for line in errors:
            print(line)
        print()
    u = res.get("union")
    if u:
        print(f"Named graphs and union queries: shared-bases through graph.query on the {res['sizes'][0]}-document graph")
        for fmt, w in u.items():
            r = [x for x in w["results"] if "query" in x]
            if r:
                what = f"{_fmt_s(r[0]['s'])}, {r[0]['rows']} rows"
            elif w["timed_out"]:
                what = f"stopped after {w['wall_s']:.0f} s (no answer)"
            else:
                what = f"process died (exit {w['returncode']}; 3 GB address-space cap reached)"
            print(f"  kg.{fmt:<4} {what}")
        print()
    v = res.get("view")
    print("Network page (kg view's write_html on the best-connected nodes of the largest graph)")
    if not v or "results" not in v:
        print("  not measured: " + (v or {}).get("note", "view not available"))
    else:
        vr = _merged(v["results"])
        print(f"  graph file -> store (load_store): {_fmt_s(vr.get('load_s'))}; store -> NetworkX (to_networkx): "
              f"{_fmt_s(vr.get('to_networkx_s'))} for {vr.get('nodes', 0):,} nodes; peak {vr.get('maxrss_mb', 0):.0f} MB")
        print(f"  {'nodes':>6} {'edges':>7} {'python':>8} {'HTML MB':>8} {'first frame':>12}")
        for r in v["results"]:
            if "view_nodes" in r:
                ff = _fmt_s(r["first_frame_s"]) if "first_frame_s" in r else r.get("browser_error", r.get("error", "-"))
                print(f"  {r['view_nodes']:>6} {r.get('edges', 0):>7,} {_fmt_s(r.get('python_s')):>8} {r.get('html_mb', 0):>8.2f} {ff:>12}")
    kv = res.get("kg_view")
    if kv:
        if "wall_s" in kv:
            print(f"  whole `kg view` process on the largest graph: {_fmt_s(kv['wall_s'])}, peak {kv['maxrss_mb']:.0f} MB, "
                  f"{kv['html_mb']:.1f} MB HTML ({kv['said']})")
        else:
            print(f"  whole `kg view` process failed: {kv['error']}")
    print()


def markdown(res: dict) -> str:
    """The results as Markdown tables (for README "## Performance")."""
    L: list[str] = []
    if not res.get("build"):
        return _markdown_serve(res, L)
    L.append("| documents | text MB | read | extract | extract docs/s | RDF | docs/s | MB/s | quads | Turtle write | peak MB | P | R | F1 |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for b in res["build"]:
        r = _merged(b["results"])
        if "build_s" not in r:
            continue
        sc = r["score"]["all"]
        total = r["read_s"] + r["build_s"]
        L.append(f"| {r['documents']:,} | {r['text_mb']:.1f} | {_fmt_s(r['read_s'])} | {_fmt_s(r['extract_s'])} | "
                 f"{r['documents'] / r['extract_s']:.0f} | {_fmt_s(r['rdf_s'])} | {r['documents'] / total:.0f} | "
                 f"{r['text_mb'] / total:.2f} | {r['quads']:,} | {_fmt_s(r.get('write_turtle_s'))} | {r['maxrss_mb']:,.0f} | "
                 f"{sc['precision']:.3f} | {sc['recall']:.3f} | {sc['f1']:.3f} |")
    L.append("")
    rows = _pipeline_rows(res)
    if rows:
        L.append("**Whole `kg build`** (reading, extraction and RDF, OWL-RL reasoning, SHACL validation, Turtle "
                 "serialisation and write, in one process)")
        L.append("")
        L.append("| documents | read | extract + RDF | reason | validate | write Turtle | total | docs/s | peak MB |")
        L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            L.append(f"| {r['documents']:,} | {_fmt_s(r['read_s'])} | {_fmt_s(r['build_s'])} | {_fmt_s(r['reason_s'])} | "
                     f"{_fmt_s(r['validate_s'])} | {_fmt_s(r['write_s'])} | {_fmt_s(r['total_s'])} | "
                     f"{r['documents'] / r['total_s']:.1f} | {r['maxrss_mb']:,.0f} |")
        L.append("")
    for label, q in res["queries"].items():
        oxr = _merged(q["oxigraph"]["results"])
        rdr = _merged(q["rdflib"]["results"]) if q["rdflib"] else {}
        L.append(f"**Queries on {label}** ({q['triples']:,} triples). Load: graph.query {_fmt_s(oxr.get('load_kg_s'))}, "
                 f"raw pyoxigraph {_fmt_s(oxr.get('load_raw_s'))}, rdflib parse "
                 f"{_fmt_s(rdr.get('parse_s')) if rdr else 'not run'}. Peak memory: Oxigraph worker {oxr.get('maxrss_mb', 0):,.0f} MB"
                 + (f", rdflib worker {rdr.get('maxrss_mb', 0):,.0f} MB." if rdr else "."))
        L.append("")
        L.append("| query | rows | graph.query | raw pyoxigraph | ratio | rdflib Memory | rdflib / graph.query |")
        L.append("|---|---:|---:|---:|---:|---:|---:|")
        rd = {r["query"]: r for r in (q["rdflib"]["results"] if q["rdflib"] else []) if "query" in r}
        for r in q["oxigraph"]["results"]:
            if "query" not in r:
                continue
            x = rd.get(r["query"])
            if x and "s" in x:
                rs, ratio = _fmt_s(x["s"]), f"{x['s'] / r['kg_s']:,.0f}x"
            elif x and "timeout_s" in x:
                rs, ratio = f"> {x['timeout_s']} s (stopped)", f"> {x['timeout_s'] / r['kg_s']:,.0f}x"
            elif x:
                rs, ratio = ("not run (budget)" if "budget" in x["error"] else "cannot parse (LATERAL)" if "LATERAL" in x["error"]
                             else "error"), ""
            elif r["query"] in q["rdflib_skipped"]:
                rs, ratio = "skipped", ""
            elif q["rdflib"]:
                rs, ratio = "-", ""
            else:
                rs, ratio = "not run", ""
            L.append(f"| {r['query']} | {r['rows']:,} | {_fmt_s(r['kg_s'])} | {_fmt_s(r['raw_s'])} | "
                     f"{r['kg_s'] / r['raw_s']:.2f}x | {rs} | {ratio} |")
        if "floor_s" in oxr:
            L.append(f"\n*Floor: `{oxr['floor_query']}` alone, in raw pyoxigraph: {_fmt_s(oxr['floor_s'])} "
                     f"({oxr['floor_rows']:,} rows).*")
        for name, why in q["rdflib_skipped"].items():
            L.append(f"\n*rdflib {name}: {why}.*")
        L.append("")
    v = res.get("view") or {}
    if "results" in v:
        vr = _merged(v["results"])
        loaded = (f"load_store {vr['load_s']:.2f} s, then to_networkx {vr.get('to_networkx_s', 0):.2f} s" if "load_s" in vr
                  else f"to_networkx from the file, reading included: {vr.get('to_networkx_s', 0):.2f} s")
        L.append(f"**Network page** (best-connected nodes of the {res['sizes'][-1]:,}-document graph; whole graph: {loaded} "
                 f"for {vr.get('nodes', 0):,} nodes)")
        L.append("")
        L.append("| nodes | edges | write_html (Python) | HTML MB | first frame in Chromium |")
        L.append("|---:|---:|---:|---:|---:|")
        for r in v["results"]:
            if "view_nodes" in r:
                ff = _fmt_s(r["first_frame_s"]) if "first_frame_s" in r else r.get("browser_error", r.get("error", "-"))
                L.append(f"| {r['view_nodes']:,} | {r.get('edges', 0):,} | {_fmt_s(r.get('python_s'))} | {r.get('html_mb', 0):.1f} | {ff} |")
        L.append("")
    return _markdown_serve(res, L)


def _markdown_serve(res: dict, L: list[str]) -> str:
    if res.get("serve"):
        sv = res["serve"]
        L.append(f"**`kg serve` under load** (loopback, {sv['clients']} clients, query `{sv['query']}`, last round; "
                 "server memory: RSS after the run / peak; kg serve = its front + the Oxigraph behind it)")
        L.append("")
        L.append("| graph | target | requests | errors | req/s | p50 ms | p99 ms | server MB | before the front |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|---|")
        keys = {id(e): k for k, e in sv["graphs"].items()}
        for entry, target, m, mem, top in _serve_rows(res):
            memory = f"{mem:.0f} / {top:.0f}" if mem is not None and top is not None else "-"
            before = SERVE_BEFORE.get(keys.get(id(entry)), "") if target == "kg serve" else ""
            L.append(f"| {entry['label']} | {target} | {m['requests']:,} | {m['errors']} | {m['rps']:,.1f} | "
                     f"{m['p50_ms']:.1f} | {m['p99_ms']:.1f} | {memory} | {before} |")
        L.append("")
    L.append("**Goals**")
    L.append("")
    for goal, measured, met in res.get("goals", []):
        L.append(f"- {'met' if met else ('**not met**' if met is False else 'n/a')}: {goal}: {measured}")
    return "\n".join(L) + "\n"


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
    ap.add_argument("--markdown", type=Path, default=None, help="print a results file as Markdown tables and exit")
    ap.add_argument("--stages", default=",".join(STAGES),
                    help=f"comma-separated stages to run (default all: {','.join(STAGES)}); with fewer, "
                         "results.json is written only with --out")
    ap.add_argument("--serve-docs", type=int, default=SERVE_DOCS,
                    help=f"generated documents of the second load-test graph (default {SERVE_DOCS})")
    args = ap.parse_args(argv)
    if args.markdown:
        res = json.loads(args.markdown.read_text(encoding="utf-8"))
        res["goals"] = goals(res)  # judged again from the measurements, with this version's rules
        print(markdown(res))
        return 0
    if args.worker:
        WORKERS[args.worker](json.loads(args.worker_args))
        return 0

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
    if out_file:
        out_file.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out_file}")
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


if __name__ == "__main__":
    sys.exit(main())
