"""Query answers: :class:`QueryResult`, read once from the engine and held as Python objects.

A SELECT answer keeps the engine's solutions (pyoxigraph ``QuerySolution`` objects, one per row):
``len()`` costs nothing, :meth:`QueryResult.rows` turns the terms into plain Python values when asked,
and the W3C formats (SPARQL Results JSON, CSV, TSV, XML) are written only when asked
(:meth:`QueryResult.serialize`). A CONSTRUCT/DESCRIBE answer is held as sorted N-Triples.

>>> r = QueryResult.of_boolean(True)
>>> r.kind, r.boolean, r.serialize("json")
('ask', True, b'{"head":{},"boolean":true}')
>>> compact_iri("https://w3id.org/alliance-kg/id/turkey")
'akr:turkey'
"""

from __future__ import annotations

import re
from json.encoder import encode_basestring as _quoted  # json.dumps's own string escaper (C)
from typing import TYPE_CHECKING, Any, Iterable

from ..errors import BadOption
from ..vocab import PREFIXES, RDF_TYPE, XSD
from .sparqltext import query_form

if TYPE_CHECKING:
    from .library import NamedQuery

#: --format values for SELECT/ASK answers -> pyoxigraph QueryResultsFormat (``table`` is ours)
RESULTS_FORMATS = {"table": None, "csv": "CSV", "tsv": "TSV", "json": "JSON", "xml": "XML"}
#: --format values for CONSTRUCT/DESCRIBE answers -> pyoxigraph RdfFormat
GRAPH_FORMATS = {"turtle": "TURTLE", "ntriples": "N_TRIPLES", "jsonld": "JSON_LD"}


class QueryResult:
    """The answer to a query.

    ``kind`` is ``"select"``, ``"ask"``, ``"graph"`` (CONSTRUCT/DESCRIBE) or ``"update"`` (an allowed
    SPARQL Update: ``changed`` quads added minus removed). ``variables`` are a SELECT's columns in
    the query's order. ``data`` is the answer in a W3C format: SPARQL 1.1 Query Results JSON for
    SELECT and ASK, sorted N-Triples for a graph (written on first use for SELECT).

    ``QueryResult(kind, data, variables)`` reads such bytes back (as an endpoint returns them).

    >>> r = QueryResult("select", b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal",'
    ...                 b'"value":"2","datatype":"http://www.w3.org/2001/XMLSchema#integer"}}]}}', ["n"])
    >>> len(r), r.rows()
    (1, [{'n': 2}])
    >>> r.serialize("csv")
    b'n\\r\\n2\\r\\n'
    """

    def __init__(self, kind: str, data: bytes = b"", variables: Iterable[str] | None = None, changed: int = 0):
        self.kind = kind
        self.variables: list[str] = list(variables or [])
        self.changed = changed
        self._solutions: list = []
        self._boolean: bool | None = None
        self._data: bytes | None = None
        self._triples: list | None = None
        self._size = 1
        if kind in ("select", "ask") and data:
            import pyoxigraph as ox

            parsed = ox.parse_query_results(data, ox.QueryResultsFormat.JSON)
            if kind == "ask":
                self._boolean = bool(parsed)
            else:
                self.variables = [v.value for v in parsed.variables]
                self._solutions = list(parsed)
            self._data = bytes(data)
        elif kind == "graph":
            self._data = bytes(data)
            self._size = self._data.count(b"\n")

    # ------------------------------------------------------------------ made from the engine's answer

    @classmethod
    def of_solutions(cls, variables: Iterable[str], solutions: list) -> QueryResult:
        """A SELECT answer from its variables and solutions (``QuerySolution`` objects, kept as they are)."""
        res = cls("select", variables=variables)
        res._solutions = solutions
        return res

    @classmethod
    def of_boolean(cls, value: bool) -> QueryResult:
        """An ASK answer."""
        res = cls("ask")
        res._boolean = bool(value)
        return res

    @classmethod
    def of_triples(cls, triples: Iterable) -> QueryResult:
        """A CONSTRUCT/DESCRIBE answer: the triples as N-Triples lines, each once, sorted."""
        import pyoxigraph as ox

        lines = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).splitlines(keepends=True)
        return cls("graph", b"".join(sorted(set(lines))))

    @classmethod
    def of_update(cls, changed: int) -> QueryResult:
        """What an allowed SPARQL Update did: ``changed`` quads added minus quads removed."""
        return cls("update", changed=changed)

    @classmethod
    def of_answer(cls, answer) -> QueryResult:
        """A store's answer to a query (pyoxigraph ``QuerySolutions``, ``QueryBoolean`` or triples), read once."""
        import pyoxigraph as ox

        if isinstance(answer, ox.QuerySolutions):
            return cls.of_solutions([v.value for v in answer.variables], list(answer))
        if isinstance(answer, ox.QueryBoolean):
            return cls.of_boolean(bool(answer))
        return cls.of_triples(answer)

    # ------------------------------------------------------------------ reading it

    @property
    def data(self) -> bytes:
        """The answer in a W3C format: Query Results JSON (SELECT, ASK), sorted N-Triples (graph)."""
        if self._data is None:
            if self.kind == "select":
                self._data = _results_json(self.variables, self._solutions)
            elif self.kind == "ask":
                self._data = b'{"head":{},"boolean":%s}' % (b"true" if self._boolean else b"false")
            else:
                self._data = b""
        return self._data

    @property
    def boolean(self) -> bool | None:
        """The answer of an ASK query (None for other kinds)."""
        return self._boolean if self.kind == "ask" else None

    def bindings(self) -> list:
        """SELECT solutions as pyoxigraph ``QuerySolution`` objects: ``sol["var"]`` (or ``sol[i]``) is a
        term, None where unbound."""
        return list(self._solutions) if self.kind == "select" else []

    def solutions(self) -> list[tuple]:
        """SELECT solutions as tuples of pyoxigraph terms (None where unbound), in order."""
        return [tuple(sol) for sol in self._solutions] if self.kind == "select" else []

    def triples(self) -> list:
        """CONSTRUCT/DESCRIBE triples (pyoxigraph Triples), sorted."""
        if self.kind != "graph":
            return []
        if self._triples is None:
            import pyoxigraph as ox

            self._triples = list(ox.parse(self._data, ox.RdfFormat.N_TRIPLES))
        return list(self._triples)

    def rows(self, compact: bool = False) -> list[dict[str, Any]]:
        """SELECT solutions as plain dicts: IRIs as strings, numbers and booleans as Python values.

        ``compact=True`` writes IRIs with the project's prefixes (``akr:turkey``).
        """
        if self.kind != "select":
            return []
        names = self.variables
        return [{v: to_python(t, compact) for v, t in zip(names, sol)} for sol in self._solutions]

    def __len__(self) -> int:
        if self.kind == "select":
            return len(self._solutions)
        return self._size

    def serialize(self, fmt: str) -> bytes:
        """The answer in a W3C format: csv, tsv, json, xml (SELECT/ASK) or turtle, ntriples, jsonld.

        SELECT/ASK answers go through pyoxigraph's QueryResultsFormat serializers, graphs
        through its RDF serializers (Turtle with the project's prefixes).
        """
        import pyoxigraph as ox

        if self.kind == "graph":
            if fmt not in GRAPH_FORMATS:
                raise BadOption(f"--format {fmt} is for SELECT/ASK answers; a graph answer takes "
                                f"{', '.join(GRAPH_FORMATS)}")
            if fmt == "ntriples":
                return self.data
            if fmt == "jsonld":
                return compact_jsonld(self.data)
            triples = self.triples()
            prefixes = _used_prefixes(triples) if fmt == "turtle" else None
            return ox.serialize(triples, format=getattr(ox.RdfFormat, GRAPH_FORMATS[fmt]), prefixes=prefixes)
        if fmt not in RESULTS_FORMATS or RESULTS_FORMATS[fmt] is None:
            raise BadOption(f"--format {fmt} is not for {self.kind.upper()} answers; use "
                            f"{', '.join(k for k in RESULTS_FORMATS)}")
        if fmt == "json":
            return self.data
        parsed = ox.parse_query_results(self.data, ox.QueryResultsFormat.JSON)
        return parsed.serialize(format=getattr(ox.QueryResultsFormat, RESULTS_FORMATS[fmt]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueryResult):
            return NotImplemented
        return (self.kind, self.variables, self.changed, self.data) == (
            other.kind, other.variables, other.changed, other.data)

    __hash__ = None  # type: ignore[assignment]

    def to_dataframe(self, compact: bool = True):
        """A SELECT answer as a pandas DataFrame, columns in the query's order (IRIs compacted to
        ``akr:...`` unless ``compact=False``). Needs pandas."""
        try:
            import pandas as pd
        except ImportError:
            from ..errors import MissingDependency

            raise MissingDependency("to_dataframe needs pandas: pip install 'alliance-kg[pandas]'") from None
        if self.kind != "select":
            raise BadOption(f"only a SELECT answer is a table; this one is {self.kind.upper()}")
        return pd.DataFrame(self.rows(compact=compact), columns=self.variables)

    def _repr_html_(self) -> str:
        """The answer as an HTML table in Jupyter (every value escaped)."""
        from .table import result_html

        return result_html(self)

    def __repr__(self) -> str:
        size = f", {len(self)} solutions" if self.kind == "select" else ""
        return f"QueryResult(kind={self.kind!r}, variables={self.variables!r}{size})"

    def __getstate__(self) -> tuple:  # pickled as its W3C bytes (QuerySolution objects do not pickle)
        return self.kind, self.variables, self.data, self.changed

    def __setstate__(self, state: tuple) -> None:
        kind, variables, data, changed = state
        self.__init__(kind, data, variables, changed)


_XSD_STRING = XSD + "string"


def _json_term(term, ox) -> str:
    """One term as SPARQL 1.1 Query Results JSON text (RDF 1.2 triple terms and base directions too)."""
    kind = type(term)
    if kind is ox.NamedNode:
        return '{"type":"uri","value":' + _quoted(term.value) + "}"
    if kind is ox.Literal:
        out = '{"type":"literal","value":' + _quoted(term.value)
        if term.language:
            out += ',"xml:lang":' + _quoted(term.language)
            direction = getattr(term, "direction", None)  # pyoxigraph 0.5 (RDF 1.2) has base directions
            if direction is not None:
                out += ',"its:dir":' + _quoted(str(direction))
        elif term.datatype.value != _XSD_STRING:
            out += ',"datatype":' + _quoted(term.datatype.value)
        return out + "}"
    if kind is ox.BlankNode:
        return '{"type":"bnode","value":' + _quoted(term.value) + "}"
    if kind is ox.Triple:
        return ('{"type":"triple","value":{"subject":' + _json_term(term.subject, ox) + ',"predicate":'
                + _json_term(term.predicate, ox) + ',"object":' + _json_term(term.object, ox) + "}}")
    raise TypeError(f"not an RDF term: {term!r}")


def _results_json(variables: list[str], solutions: list) -> bytes:
    """SELECT solutions as SPARQL 1.1 Query Results JSON, byte for byte as pyoxigraph writes it (strings
    escaped as ``json.dumps(..., ensure_ascii=False)`` does, by the same C function)."""
    import pyoxigraph as ox

    keys = [_quoted(v) + ":" for v in variables]
    rows = ["{" + ",".join(k + _json_term(t, ox) for k, t in zip(keys, sol) if t is not None) + "}"
            for sol in solutions]
    head = '{"head":{"vars":[' + ",".join(_quoted(v) for v in variables) + ']},"results":{"bindings":['
    return (head + ",".join(rows) + "]}}").encode("utf-8")


def compact_jsonld(ntriples: bytes) -> bytes:
    """Sorted N-Triples as indented JSON-LD, compacted with the project's ``@context`` (the prefixes
    the triples use): ``akr:turkey`` instead of the full IRI, one node object per subject, sorted.

    >>> print(compact_jsonld(b'<https://w3id.org/alliance-kg/id/a> <http://www.w3.org/2000/01/rdf-schema#label> "A" .\\n').decode())
    {
      "@context": {
        "akr": "https://w3id.org/alliance-kg/id/",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#"
      },
      "@graph": [
        {
          "@id": "akr:a",
          "rdfs:label": "A"
        }
      ]
    }
    <BLANKLINE>
    """
    import json

    import pyoxigraph as ox

    triples = list(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    used = {term.value for t in triples for term in (t.subject, t.predicate, t.object)
            if isinstance(term, ox.NamedNode)}
    used |= {t.object.datatype.value for t in triples
             if isinstance(t.object, ox.Literal) and not t.object.language and t.object.datatype.value != _XSD_STRING}
    context = {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in used)}
    nodes: dict[str, dict] = {}

    def ref(term) -> str:
        return compact_iri(term.value) if isinstance(term, ox.NamedNode) else f"_:{term.value}"

    def value(term):
        if isinstance(term, (ox.NamedNode, ox.BlankNode)):
            return {"@id": ref(term)}
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value != _XSD_STRING:
            return {"@value": term.value, "@type": compact_iri(term.datatype.value)}
        return term.value

    for t in triples:
        node = nodes.setdefault(ref(t.subject), {"@id": ref(t.subject)})
        key = "@type" if t.predicate.value == RDF_TYPE and not isinstance(t.object, ox.Literal) else \
            compact_iri(t.predicate.value)
        node.setdefault(key, []).append(ref(t.object) if key == "@type" else value(t.object))
    graph = []
    for sid in sorted(nodes):
        node = nodes[sid]
        graph.append({k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in node.items()})
    doc = {"@context": dict(sorted(context.items())), "@graph": graph}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def resolve_format(query: NamedQuery, fmt: str | None) -> str:
    """The output format for a query: ``fmt`` checked against the query's form, or its default
    (``table`` for SELECT/ASK, ``turtle`` for CONSTRUCT/DESCRIBE).

    >>> from graph.query import make_query
    >>> resolve_format(make_query("CONSTRUCT WHERE { ?s ?p ?o }"), None)
    'turtle'
    """
    graph_form = query_form(query.text) in ("CONSTRUCT", "DESCRIBE")
    allowed = list(GRAPH_FORMATS) if graph_form else list(RESULTS_FORMATS)
    if fmt is None:
        return allowed[0]
    fmt = fmt.lower() if fmt.lower() in GRAPH_FORMATS or fmt.lower() in RESULTS_FORMATS else fmt  # CSV is csv
    if fmt not in allowed:
        kind = "CONSTRUCT/DESCRIBE" if graph_form else "SELECT/ASK"
        other = fmt in GRAPH_FORMATS or fmt in RESULTS_FORMATS
        what = f"--format {fmt} does not suit" if other else f"unknown --format {fmt!r} for"
        raise BadOption(f"{what} a {kind} query; use {', '.join(allowed)}")
    return fmt


# --------------------------------------------------------------------------- terms as Python values


def _used_prefixes(triples) -> dict[str, str]:
    iris = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if hasattr(term, "datatype"):
                term = term.datatype
            if type(term).__name__ == "NamedNode":
                iris.add(term.value)
    return {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}


def compact_iri(iri: str) -> str:
    """``akr:incirlik-air-base`` for a full IRI in a known namespace (the longest match wins).

    >>> compact_iri("https://w3id.org/alliance-kg/id/incirlik-air-base")
    'akr:incirlik-air-base'
    """
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    local = iri[len(best):]
    if not re.fullmatch(r"[\w\-.]*", local) or local.endswith("."):
        return iri
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{local}"


_INT_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_FLOAT_TYPES = {XSD + t for t in ("decimal", "double", "float")}


def to_python(term, compact: bool = False) -> Any:
    """A plain Python value for a pyoxigraph term: IRI -> str, ``xsd:integer`` -> int,
    ``xsd:decimal``/``double`` -> float, ``xsd:boolean`` -> bool, other literals -> their text,
    blank node -> ``_:id``, unbound -> None.

    >>> import pyoxigraph as ox
    >>> to_python(ox.Literal("3", datatype=ox.NamedNode(XSD + "integer")))
    3
    >>> to_python(ox.NamedNode("https://w3id.org/alliance-kg/id/nato"), compact=True)
    'akr:nato'
    """
    if term is None:
        return None
    kind = type(term).__name__
    if kind == "NamedNode":
        return compact_iri(term.value) if compact else term.value
    if kind == "BlankNode":
        return f"_:{term.value}"
    if kind == "Literal":
        dt = term.datatype.value
        try:
            if dt in _INT_TYPES:
                return int(term.value)
            if dt in _FLOAT_TYPES:
                return float(term.value)
            if dt == XSD + "boolean":
                return term.value in ("true", "1")
        except ValueError:
            return term.value
        return term.value
    return str(term)


def display_text(term) -> str:
    """How a term reads in a table: compact IRI, literal text, ``_:id``; '' when unbound."""
    if term is None:
        return ""
    if type(term).__name__ == "NamedNode":
        return compact_iri(term.value)
    if type(term).__name__ == "BlankNode":
        return f"_:{term.value}"
    if type(term).__name__ == "Literal":
        return term.value
    return str(term)
