"""The workers of ``make bench`` (:mod:`benchmarks.run`): each runs in its own Python subprocess,
``python -m benchmarks.run --worker NAME JSON``, so that its peak memory (``ru_maxrss``) is its own, and
prints its measurements as ``RESULT {json}`` lines, read back by :func:`benchmarks.run.run_worker`.

>>> sorted(WORKERS)
['build', 'oxigraph', 'pipeline', 'quads', 'rdflib', 'replicate', 'view']
"""

from __future__ import annotations

import json
import math
import resource
import shutil
import statistics
import time
from pathlib import Path

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
        text = prepare(q.name, params).text
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
        text = prepare(q.name, QUERY_PARAMS.get(q.name)).text
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
    old_view = _before_view(Path(a["dir"])) if a.get("before", True) else None
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
        py_s = time.perf_counter() - t
        before = None
        if old_view is not None:  # the same subgraph through the page as it was before issue 18, beside it
            before = Path(a["dir"]) / f"network-{n}-before.html"
            shutil.rmtree(cache, ignore_errors=True)
            t = time.perf_counter()
            old_view.write_html(H, before, cache_dir=cache)
            before = (before, time.perf_counter() - t)
        pages.append((n, path, H.number_of_edges(), py_s, before))
    paths = [p for _, p, _, _, _ in pages] + [b[0] for *_, b in pages if b]
    first_frames = iter(_first_frames(paths, a.get("browser_timeout", 120)))
    now = [next(first_frames) for _ in pages]
    for (n, path, edges, py_s, before), ff in zip(pages, now):
        row = {"view_nodes": n, "edges": edges, "python_s": py_s, "html_mb": path.stat().st_size / 1e6, **ff}
        if before:
            old_ff = next(first_frames)
            row.update({"before_python_s": before[1], "before_html_mb": before[0].stat().st_size / 1e6,
                        **{f"before_{k}": v for k, v in old_ff.items()}})
        _emit(row)
    _emit({"maxrss_mb": _maxrss_mb(), **({"before_view": BEFORE_VIEW_COMMIT} if old_view else {})})


#: the commit whose graph/view.py and page template were the network page before issue 18 (all evidence per
#: edge, every node drawn, vis-network read from pyvis's folder): measured beside today's page in one run
BEFORE_VIEW_COMMIT = "68fd520"


def _before_view(workdir: Path):
    """graph/view.py and its template as of :data:`BEFORE_VIEW_COMMIT`, importable as a module (None without git)."""
    import importlib.util
    import subprocess

    root = Path(__file__).resolve().parent.parent
    out = workdir / "view_before"
    out.mkdir(parents=True, exist_ok=True)
    try:
        for src, dst in (("graph/view.py", "view_before.py"), ("graph/templates/network.html", "network.html")):
            text = subprocess.run(["git", "show", f"{BEFORE_VIEW_COMMIT}:{src}"], cwd=root, capture_output=True,
                                  text=True, check=True).stdout
            (out / dst).write_text(text, encoding="utf-8")
    except (OSError, subprocess.CalledProcessError):
        return None
    text = (out / "view_before.py").read_text(encoding="utf-8")
    text = text.replace("from .resources import template_path",
                        "template_path = lambda name: Path(__file__).with_name(name)")
    text = text.replace("from .", "from graph.")
    (out / "view_before.py").write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("view_before", out / "view_before.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
