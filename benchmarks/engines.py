"""Oxigraph beside Virtuoso Open Source 7.2 on the generated benchmark graph: the load through the project
and the five join queries, in one run.

1. Generate N documents (:mod:`benchmarks.generate`, default 10,000), read and build them
   (``graph.build.build_dataset``: extraction and RDF, no reasoning) and serialise the named graphs
   once (``graph.rdfio.dataset_graphs``, timed apart).
2. Load them through the project, ``graph.stores.write_to_store`` as ``kg build --endpoint`` does
   (each named graph replaced with a Graph Store Protocol PUT, then every graph counted back), into:
   an Oxigraph server (``oxigraph serve``, union default graph) and a Virtuoso server (``/sparql-graph-crud-auth``,
   HTTP Digest, the settings of ``benchmarks/virtuoso.py``: no vectored execution). Beside them, for
   reference, ``kg build --store``'s writer (``write_store_folder``, Oxigraph in process) and Virtuoso's
   own bulk loader (``ld_dir`` + ``rdf_loader_run`` of the N-Quads file) into a second Virtuoso left
   with its default vectored execution.
3. The join queries (``benchmarks.workers.JOIN_QUERIES``, parameters as in ``make bench``) through
   ``graph.query.run_query`` on each: one warm-up run, then the median of ``--repeat`` runs, the number
   of rows, and whether the rows are Oxigraph's.

Usage::

    python -m benchmarks.engines                      # 10,000 documents (about 15 minutes on 2 cores)
    python -m benchmarks.engines --docs 500 --markdown /tmp/engines.md --json /tmp/engines.json
"""

from __future__ import annotations

import argparse
import gc
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

from benchmarks.servers import start_oxigraph, stop
from benchmarks.workers import JOIN_QUERIES, QUERY_PARAMS


def _timed(fn):
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def _queries(store, repeat: int) -> dict[str, dict]:
    """Each join query on ``store``: median seconds of ``repeat`` runs after one warm-up, and the rows."""
    from graph.query import run_query

    out = {}
    for name in JOIN_QUERIES:
        params = QUERY_PARAMS.get(name)
        try:
            rows = run_query(store, name, params).rows()
            times = [_timed(lambda: run_query(store, name, params))[0] for _ in range(repeat)]
            out[name] = {"s": statistics.median(times), "rows": len(rows), "answer": rows}
        except Exception as exc:  # noqa: BLE001 - an engine's failure is a measurement here
            out[name] = {"error": " ".join(str(exc).split())[:200]}
    return out


def _load(ds_graphs, target) -> float:
    """``write_to_store`` of the already serialised graphs into ``target`` (seconds)."""
    import graph.rdfio as rdfio
    from graph.stores import write_to_store

    original = rdfio.dataset_graphs
    rdfio.dataset_graphs = lambda _ds: ds_graphs
    try:
        seconds, counts = _timed(lambda: write_to_store(None, target))
    finally:
        rdfio.dataset_graphs = original
    assert counts["graphs"] == len(ds_graphs), counts
    return seconds


def run(docs: int, seed: int, repeat: int, workdir: Path) -> dict:
    from benchmarks.generate import generate_corpus
    from benchmarks.virtuoso import Virtuoso
    from graph.build import build_dataset
    from graph.corpus import read_corpus
    from graph.rdfio import dataset_graphs
    from graph.stores import EndpointStore, disk_store, write_store_folder

    res: dict = {"documents": docs, "seed": seed, "repeat": repeat, "loads": {}, "queries": {}}
    print(f"generating and building {docs:,} documents ...", flush=True)
    generate_corpus(workdir, docs, seed)
    res["build_s"], ds = _timed(lambda: build_dataset(read_corpus(workdir / "corpus")).dataset)
    res["serialise_s"], graphs = _timed(lambda: dataset_graphs(ds))
    res["graphs"] = len(graphs)
    res["triples"] = sum(data.count(b"\n") for _, data in graphs)
    print(f"  {res['graphs']:,} named graphs, {res['triples']:,} triples", flush=True)

    print("Oxigraph store folder (write_store_folder) ...", flush=True)
    folder = workdir / "kg.db"
    res["loads"]["oxigraph-folder"], _ = _timed(lambda: write_store_folder(ds, folder))
    del ds
    gc.collect()
    nquads = workdir / "kg.nq"
    import pyoxigraph as ox

    ox.Store.read_only(str(folder)).dump(str(nquads), ox.RdfFormat.N_QUADS)
    store = disk_store(folder)
    res["queries"]["oxigraph-folder"] = _queries(store, repeat)
    store.close()

    def oxigraph_server():
        proc, url = start_oxigraph(workdir / "oxigraph-server", query_timeout=600, ready_s=30)
        try:
            res["loads"]["oxigraph-server"] = _load(graphs, EndpointStore(url, timeout=600, read_only=False))
            res["queries"]["oxigraph-server"] = _queries(EndpointStore(url, timeout=600), repeat)
        finally:
            stop(proc, timeout=30)

    def virtuoso():
        with Virtuoso(max_seconds=600, max_rows=10_000_000, buffers=250_000, parent=workdir) as v:
            target = EndpointStore(v.query_url, v.update_url, v.graph_store_url, auth=v.auth, timeout=600,
                                   read_only=False)
            res["loads"]["virtuoso"] = _load(graphs, target)
            res["queries"]["virtuoso"] = _queries(EndpointStore(v.query_url, timeout=600), repeat)
            res["virtuoso_db_mb"] = round((v.dir / "virtuoso.db").stat().st_size / 1e6)

    def virtuoso_bulk():
        with Virtuoso(max_seconds=600, max_rows=10_000_000, buffers=250_000, vectored=True, parent=workdir) as v:
            shutil.move(str(nquads), str(v.dir / "kg.nq"))
            res["loads"]["virtuoso-bulk"], _ = _timed(lambda: v.bulk_load(v.dir / "kg.nq"))
            loaded = EndpointStore(v.query_url, timeout=600).graph_sizes([iri for iri, _ in graphs])
            assert sum(loaded.values()) == res["triples"], (sum(loaded.values()), res["triples"])
            res["queries"]["virtuoso-vectored"] = _queries(EndpointStore(v.query_url, timeout=600), repeat)

    res["errors"] = {}
    for title, stage in (("Oxigraph server (oxigraph serve, Graph Store Protocol)", oxigraph_server),
                         ("Virtuoso (Graph Store Protocol, HTTP Digest; VectorSize 1)", virtuoso),
                         ("Virtuoso (bulk loader; default vectored execution)", virtuoso_bulk)):
        print(f"{title} ...", flush=True)
        try:
            stage()
        except Exception as exc:  # noqa: BLE001 - one engine's failure is reported; the others still run
            res["errors"][title] = " ".join(str(exc).split())[:300]
            print(f"  ! {res['errors'][title]}", flush=True)
    res["version"] = {"virtuoso": subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True)
                      .stderr.splitlines()[1].strip(),
                      "pyoxigraph": ox.__version__, "python": platform.python_version(),
                      "cores": os.cpu_count()}
    base = {name: a.get("answer") for name, a in res["queries"]["oxigraph-folder"].items()}
    for answers in res["queries"].values():
        for name, a in answers.items():
            if "answer" in a:
                a["same"] = a.pop("answer") == base[name]
    return res


def markdown(res: dict) -> str:
    """The run as Markdown: the load table and the query table."""
    v = res["version"]
    L = [f"*{res['documents']:,} generated documents (seed {res['seed']}): {res['graphs']:,} named graphs, "
         f"{res['triples']:,} triples; build (extraction and RDF) {res['build_s']:.0f} s, N-Triples of the graphs "
         f"{res['serialise_s']:.1f} s. Virtuoso Open Source {v['virtuoso']}; pyoxigraph {v['pyoxigraph']}; Python {v['python']}; "
         f"{v['cores']} cores. Queries: median of {res['repeat']} runs after a warm-up.*", "",
         "| load | seconds | triples/s |", "|---|---:|---:|"]
    names = {"oxigraph-folder": "Oxigraph store folder (`kg build --store`, in process)",
             "oxigraph-server": "Oxigraph server, Graph Store Protocol (`kg build --endpoint`)",
             "virtuoso": "Virtuoso, Graph Store Protocol + Digest (`kg build --endpoint`)",
             "virtuoso-bulk": "Virtuoso bulk loader (`ld_dir` + `rdf_loader_run`, N-Quads file)"}
    for k, s in res["loads"].items():
        L.append(f"| {names[k]} | {s:.1f} | {res['triples'] / s:,.0f} |")
    engines = list(res["queries"])
    short = {"oxigraph-folder": "Oxigraph, store folder", "oxigraph-server": "Oxigraph server",
             "virtuoso": "Virtuoso (VectorSize 1)", "virtuoso-vectored": "Virtuoso, vectored (default)"}
    L += ["", "| query | " + " | ".join(short[e] for e in engines) + " |", "|---|" + "---:|" * len(engines)]
    for name in JOIN_QUERIES:
        cells = []
        for e in engines:
            a = res["queries"][e][name]
            if "error" in a:
                cells.append(f"error: {a['error'][:60]}")
            else:
                cells.append(f"{a['s'] * 1000:,.1f} ms ({a['rows']:,} rows{'' if a.get('same', True) else ', WRONG'})")
        L.append(f"| {name} | " + " | ".join(cells) + " |")
    L += [f"\n**{title} failed:** {err}" for title, err in res.get("errors", {}).items()]
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.engines", description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    ap.add_argument("--markdown", type=Path, default=None, help="also write the tables to this file")
    ap.add_argument("--json", type=Path, default=None, help="also write the measurements to this file")
    args = ap.parse_args(argv)
    from benchmarks.virtuoso import installed

    if not installed():
        print("error: Virtuoso is not installed (virtuoso-t, isql-vt): `make virtuoso`", file=sys.stderr)
        return 2
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="kg-engines-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        res = run(args.docs, args.seed, args.repeat, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    text = markdown(res)
    print(text)
    from graph.rdfio import write_atomic

    if args.markdown:
        write_atomic(args.markdown, text.encode("utf-8"))
    if args.json:
        write_atomic(args.json, (json.dumps(res, indent=1) + "\n").encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
