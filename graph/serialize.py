"""Deterministic serialisation of a built dataset: blank nodes labelled from their content,
subjects and named graphs sorted, line formats sorted line by line, so that the same corpus gives
the same bytes; and the check, before any work, that an output file can be written.

>>> from rdflib import Dataset, URIRef
>>> ds = Dataset()
>>> ds.graph(URIRef("urn:g")).add((URIRef("urn:s"), URIRef("urn:p"), URIRef("urn:o")))  # doctest: +ELLIPSIS
<Graph identifier=urn:g ...>
>>> serialize(ds, "nquads")
b'<urn:s> <urn:p> <urn:o> <urn:g> .\\n'
"""

from __future__ import annotations

import os
from pathlib import Path

from rdflib import Dataset, Graph

from .errors import KGError
from .rdfio import nt_lines, output_format as format_for, sorted_ntriples, stable_graphs  # noqa: F401 (format_for: kept as a name)


def _bound(g: Graph, ds: Dataset) -> Graph:
    for prefix, ns in ds.namespaces():
        g.bind(prefix, ns, override=True, replace=True)
    return g


def _union_of(graphs: list[Graph], ds: Dataset) -> Graph:
    u = _bound(Graph(), ds)
    for g in graphs:
        u.addN((s, p, o, u) for s, p, o in g)
    return u


def _trig(graphs: list[Graph], ds: Dataset) -> str:
    """TriG with the named graphs in IRI order (rdflib's own TriG writer orders them at random)."""
    prefixes: set[str] = set()
    blocks = []
    for g in graphs:
        body = _bound(Graph(), ds)
        body.addN((s, p, o, body) for s, p, o in g)
        lines = body.serialize(format="turtle").splitlines()
        prefixes.update(line for line in lines if line.startswith("@prefix"))
        blocks.append("")
        blocks.append(f"<{g.identifier}> {{")
        blocks.extend("    " + line for line in lines if line.strip() and not line.startswith("@prefix"))
        blocks.append("}")
    return "\n".join(sorted(prefixes) + blocks) + "\n"


def _sorted_jsonld(g: Graph) -> str:
    """JSON-LD with nodes sorted by @id and every value list sorted."""
    import json

    doc = json.loads(g.serialize(format="json-ld"))
    nodes = doc if isinstance(doc, list) else doc.get("@graph", [doc])
    key = lambda v: json.dumps(v, sort_keys=True)  # noqa: E731
    for node in nodes:
        for prop, values in node.items():
            if isinstance(values, list):
                node[prop] = sorted(values, key=key)
    nodes.sort(key=lambda n: (n.get("@id", ""), key(n)))
    return json.dumps(nodes, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def serialize(ds: Dataset, fmt: str) -> bytes:
    """Serialise deterministically: blank nodes labelled from their content, subjects and graphs sorted,
    line formats sorted line by line."""
    graphs = stable_graphs(ds)
    if fmt == "turtle":
        return _union_of(graphs, ds).serialize(format="turtle").encode("utf-8")
    if fmt == "trig":
        return _trig(graphs, ds).encode("utf-8")
    if fmt == "nt":
        return sorted_ntriples(line for g in graphs for line in nt_lines(g.serialize(format="nt")))
    if fmt == "nquads":
        return sorted_ntriples(line[:-1] + f"<{g.identifier}> ." for g in graphs
                             for line in nt_lines(g.serialize(format="nt")))
    if fmt == "json-ld":
        return _sorted_jsonld(_union_of(graphs, ds)).encode("utf-8")
    raise KGError(f"unsupported output format {fmt}")


def spool_writer(spool, fmt: str):
    """A function writing a build's spool (:class:`graph.spool.QuadSpool`) in ``fmt`` to a binary file:
    the same bytes as :func:`serialize` of the same graphs. Turtle and the line formats stream through
    external sorts (:mod:`graph.turtle`, :mod:`graph.extsort`), in bounded memory; TriG and JSON-LD go
    through an rdflib Dataset, in memory."""
    if fmt in ("nt", "nquads"):
        from .extsort import write_sorted_lines

        lines = spool.triple_lines if fmt == "nt" else spool.quad_lines
        return lambda out: write_sorted_lines(lines(), out, spool.dir)
    if fmt == "turtle":
        from .turtle import write_turtle

        return lambda out: write_turtle(spool.triple_lines(), out, project_namespaces(), spool.dir)
    return lambda out: out.write(serialize(spool.dataset(), fmt))


def project_namespaces() -> list[tuple[str, str]]:
    """The prefix bindings of a built dataset (rdflib's defaults and the project's prefixes), as
    :func:`serialize` binds them."""
    from .namespaces import PREFIXES

    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns, override=True, replace=True)
    return [(prefix, str(ns)) for prefix, ns in ds.namespaces()]


def check_output_path(path: str | Path, what: str = "--out") -> None:
    """Refuse, before any work, an output file that cannot be written: a folder in its place, a file
    where a parent folder should be, or a folder that cannot be written.

    >>> check_output_path("out/kg.ttl")
    """
    path = Path(path)
    if path.is_dir():
        raise KGError(f"{what} names a folder, not a file", path=path)
    if path.exists() and not path.is_file():
        raise KGError(f"{what} names something that is not a regular file", path=path)
    parent = path.parent
    while not parent.exists():
        if parent.is_symlink():  # a dangling link
            raise KGError(f"cannot create the folder {parent}: it is a broken symbolic link", path=path)
        parent = parent.parent
    if not parent.is_dir():
        raise KGError(f"cannot write {what}: {parent} is a file, not a folder", path=path)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise KGError(f"cannot write {what}: the folder {parent} is not writable", path=path)
