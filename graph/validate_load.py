"""Loading for validation: the SHACL shapes, and a graph file of any format as one graph (named
graphs merged); parse errors name the file and the line.

>>> shapes = load_shapes()
>>> from rdflib.namespace import SH
>>> len(set(shapes.subjects(RDF.type, SH.NodeShape))) > 5
True
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Dataset, Graph, Literal
from rdflib.namespace import RDF, SH, XSD

from .errors import KGError, OntologyError
from .namespaces import PREFIXES
from .rdfio import QUAD_FORMATS, check_graph_file, rdflib_format, remote_context_hint
from .resources import shapes_path
from .validate_sparql import _rdflib_term

SHAPES_FILE = shapes_path()


def _parse_error(exc: Exception, path, cls=KGError) -> KGError:
    raw = str(exc).strip()
    bad = re.search(r"Bad syntax \(([^)]*)\)", raw)
    text = f"bad syntax ({bad.group(1)})" if bad else (raw.splitlines()[0][:200] if raw else type(exc).__name__)
    m = re.search(r"line (\d+)", raw)
    return cls(f"cannot parse: {text}", path=path, line=int(m.group(1)) if m else None)


def load_shapes(path: str | Path = SHAPES_FILE) -> Graph:
    """Parse a SHACL shapes file (Turtle); errors name the file and line."""
    path = Path(path)
    if not path.is_file():
        raise OntologyError("shapes file not found", path=path)
    g = Graph()
    try:
        g.parse(str(path), format="turtle")
    except Exception as exc:
        raise _parse_error(exc, path, OntologyError) from None
    if not any(g.subjects(RDF.type, SH.NodeShape)):
        raise OntologyError("no sh:NodeShape in the shapes file", path=path)
    return g


def union_graph(ds: Dataset) -> Graph:
    """All triples of all graphs of a dataset in one graph."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
    for s, p, o, _c in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def load_graph(path: str | Path) -> Graph:
    """Read a graph file (.ttl, .trig, .nq, .nt, .jsonld, ...) as one graph (named graphs merged)."""
    path = check_graph_file(path)
    fmt = rdflib_format(path)
    base = path.absolute().as_uri()  # relative IRIs resolve against the file, as rdflib does with a path
    try:
        # opened here, not by rdflib from a name: a file name that is not UTF-8 is read all the same
        with open(path, "rb") as fh:
            if fmt == "json-ld":  # read by Oxigraph as the other commands do: a remote @context is refused
                return _jsonld_graph(fh, base)
            if fmt in QUAD_FORMATS:
                ds = Dataset()
                ds.parse(fh, format=fmt, publicID=base)
                return union_graph(ds)
            g = Graph()
            for prefix, ns in PREFIXES.items():
                g.bind(prefix, ns, override=True, replace=True)
            g.parse(fh, format=fmt, publicID=base)
            return g
    except Exception as exc:
        raise _parse_error(exc, path) from None


def _jsonld_graph(fh, base: str) -> Graph:
    """A JSON-LD file as one rdflib graph (named graphs merged), parsed by Oxigraph: it never fetches a
    remote ``@context`` (rdflib's JSON-LD parser would request any URL the file names)."""
    import pyoxigraph as ox


    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
    try:
        quads = list(ox.parse(fh, format=ox.RdfFormat.JSON_LD, base_iri=base))
    except (SyntaxError, ValueError) as exc:
        raise ValueError(remote_context_hint(exc)) from None
    def term(t):  # as rdflib's own parsers give terms: a simple literal has no datatype
        if isinstance(t, ox.Literal) and not t.language and t.datatype.value == str(XSD.string):
            return Literal(t.value)
        return _rdflib_term(t)

    g.addN((term(q.subject), term(q.predicate), term(q.object), g) for q in quads)
    return g
