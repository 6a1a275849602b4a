"""Any SPARQL 1.1 endpoint (``--endpoint URL``): the SPARQL 1.1 Protocol and the Graph Store Protocol.

Queries are POSTed as a form (``query=...``, ``application/x-www-form-urlencoded``: Virtuoso 7.2
never answers an ``application/sparql-query`` POST) and read as SPARQL JSON results or N-Triples.
Named graphs are written with the Graph Store Protocol (``PUT ?graph=IRI``,
``application/n-triples``) when a Graph Store URL is known, else with SPARQL Update
(``DROP SILENT GRAPH <g> ; INSERT { GRAPH <g> { ... } } WHERE { }``: blank nodes allowed, which
Virtuoso refuses in ``INSERT DATA``). The HTTP side (credentials, redirects, time limits, partial
answers, errors) is :mod:`graph.stores.http`.

What engines answer differently is handled here, told by the answer, never by the engine's name:
blank nodes named ``nodeID://b1`` (Virtuoso) are read as ``_:b1``; the datatype Virtuoso gives back
for every ``geo:wktLiteral`` (``virtrdf:Geometry``) is named ``geo:wktLiteral`` again (its
coordinates stay rounded to single precision); an HTTP 500 ``Virtuoso S1T00``/``S1TAT`` error is a
:class:`~graph.errors.QueryTimeout`; an error that echoes the query (a blank line, ``SPARQL query:``
and the text) loses the echo, and Virtuoso's ``SP030`` syntax error is a QuerySyntaxError at the
line of the text the user wrote.

>>> derived_urls("http://127.0.0.1:7878/query")
('http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store')
>>> store = EndpointStore("http://127.0.0.1:7878/query")
>>> store.description, store.read_only, store.fork_safe
('endpoint http://127.0.0.1:7878/query', True, False)
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Mapping

from ..errors import KGError, QuerySyntaxError, QueryTimeout
from ..vocab import OWL_ONTOLOGY, RDF_TYPE
from .base import Store, check_graph_iri
from .http import EndpointError, HttpClient

_JSON = "application/sparql-results+json"
_WKT_LITERAL = "http://www.opengis.net/ont/geosparql#wktLiteral"
_VIRTRDF_GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"  #: Virtuoso's name for it
#: Virtuoso's syntax error: ``Virtuoso 37000 Error SP030: SPARQL compiler, line N: MESSAGE``
_VIRTUOSO_SYNTAX = re.compile(r"Virtuoso \w+ Error SP030: SPARQL compiler, line (\d+): (.*)", re.S)


def derived_urls(endpoint: str) -> tuple[str, str | None]:
    """The update endpoint and the Graph Store Protocol endpoint that go with a query endpoint.

    Oxigraph (``.../query``) has ``/update`` and ``/store``; Fuseki (``/DATASET/sparql`` or
    ``/DATASET/query``) ``/DATASET/update`` and ``/DATASET/data``. Anything else (Virtuoso's
    ``/sparql``) takes updates at the same URL and has no Graph Store endpoint we can guess.

    >>> derived_urls("http://host:3030/kg/sparql")
    ('http://host:3030/kg/update', 'http://host:3030/kg/data')
    >>> derived_urls("http://host:8890/sparql")
    ('http://host:8890/sparql', None)
    """
    parts = urllib.parse.urlsplit(endpoint)
    segments = parts.path.rstrip("/").split("/")
    last = segments[-1] if segments else ""

    def at(name: str) -> str:
        return urllib.parse.urlunsplit(parts._replace(path="/".join(segments[:-1] + [name]), query=""))

    if last == "query" and len(segments) == 2:  # Oxigraph: /query, /update, /store
        return at("update"), at("store")
    if last in ("sparql", "query") and len(segments) >= 3:  # Fuseki: /DATASET/sparql
        return at("update"), at("data")
    return endpoint, None


def strip_lateral(text: str) -> str:
    """The query with each ``LATERAL {`` turned into a plain ``{`` (same rows, SPARQL 1.1); the word
    inside a string or an IRI is left alone.

    >>> strip_lateral('SELECT * WHERE { ?s ?p ?o LATERAL { SELECT ?o WHERE { ?o ?q "LATERAL {" } } }')
    'SELECT * WHERE { ?s ?p ?o  { SELECT ?o WHERE { ?o ?q "LATERAL {" } } }'
    """
    from ..query import _tokens

    toks = _tokens(text)
    out, last = [], 0
    for i, tok in enumerate(toks):
        if tok.kind == "word" and tok.text.upper() == "LATERAL" and i + 1 < len(toks) and toks[i + 1].text == "{":
            out.append(text[last:tok.start])
            last = tok.start + len(tok.text)
    return "".join(out) + text[last:]


def _parse_json(data: bytes, endpoint: str):
    """SPARQL JSON results, read with the names some engines give terms put right (see the module).

    >>> sol = next(iter(_parse_json(b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": '
    ...                             b'{"type": "bnode", "value": "nodeID://b10002"}}]}}', "http://h/q")))
    >>> sol["s"]
    <BlankNode value=b10002>
    """
    import json

    import pyoxigraph as ox

    if b'"nodeID://' in data or _VIRTRDF_GEOMETRY.encode() in data:
        try:
            doc = json.loads(data)
            for row in doc["results"]["bindings"]:
                for term in row.values():
                    if term.get("type") == "bnode" and term.get("value", "").startswith("nodeID://"):
                        term["value"] = term["value"][len("nodeID://"):]
                    if term.get("datatype") == _VIRTRDF_GEOMETRY:
                        term["datatype"] = _WKT_LITERAL
            data = json.dumps(doc).encode("utf-8")
        except (ValueError, KeyError, TypeError, AttributeError):
            pass  # not results as expected: the parser below says what is wrong
    try:
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as exc:
        raise KGError(f"the endpoint {endpoint} sent an answer that is not SPARQL JSON results: {exc}") from None


class EndpointStore(Store):
    """A SPARQL 1.1 endpoint, spoken to over HTTP (no rdflib SPARQLStore).

    The queries read the endpoint's default graph, which must be the union of the named graphs
    (Oxigraph ``--union-default-graph``, Fuseki ``tdb2:unionDefaultGraph true``; Virtuoso's
    default graph is the union of all graphs when no ``default-graph-uri`` is given). The first
    query checks this and fails with a clear message when the ontology is only in a named graph.
    An engine that refuses SPARQL 1.2's ``LATERAL`` (HTTP 400) gets the query again without it.

    >>> EndpointStore("http://host:3030/kg/sparql", read_only=False).graph_store
    'http://host:3030/kg/data'
    """

    fork_safe = False
    read_only = True  #: set per store in __init__ (``read_only=False`` for ``kg build --endpoint``)

    def __init__(self, endpoint: str, update_endpoint: str | None = None, graph_store: str | None = None, *,
                 auth: str | None = None, token: str | None = None, timeout: float | None = 60.0,
                 read_only: bool = True):
        if not re.match(r"https?://", endpoint or ""):
            raise KGError(f"--endpoint must be an http:// or https:// URL, not {endpoint!r}")
        update_guess, store_guess = derived_urls(endpoint)
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or update_guess
        self.graph_store = graph_store if graph_store is not None else (None if update_endpoint else store_guess)
        self.description = f"endpoint {endpoint}"
        self.read_only = read_only
        self._lateral = True  # until the endpoint refuses it
        self._checked_union = False
        self.http: HttpClient | None = HttpClient(auth=auth, token=token, timeout=timeout,
                                                  sites=(self.endpoint, self.update_endpoint, self.graph_store))

    def _request(self, method: str, url: str, body: bytes | None, content_type: str | None = None,
                 accept: str | None = None, ok_missing: bool = False) -> bytes:
        if self.http is None:
            raise KGError(f"{self.description} is closed")
        return self.http.request(method, url, body, content_type, accept, ok_missing)

    # ---------------------------------------------------------------- reading

    def _send(self, text: str, accept: str) -> bytes:
        # a form POST (SPARQL 1.1 Protocol, "query via URL-encoded POST"), which every engine takes
        body = urllib.parse.urlencode({"query": text}).encode("ascii")
        try:
            return self._request("POST", self.endpoint, body, "application/x-www-form-urlencoded", accept)
        except EndpointError as exc:
            if exc.status == 400 and self._lateral and re.search(r"\bLATERAL\b", text, re.I):
                # SPARQL 1.2's LATERAL is Oxigraph-only: retry the same query without it
                portable = strip_lateral(text)
                if portable != text:
                    self._lateral = False
                    return self._send(portable, accept)
            detail = re.split(r"\n\s*\nSPARQL query:\n", exc.detail, maxsplit=1)[0].strip()  # no echoed query
            if exc.status == 500 and re.match(r"Virtuoso S1T(00|AT) ", detail):
                raise QueryTimeout(f"the SPARQL endpoint {self.endpoint} stopped the query at its time limit "
                                   f"({detail.splitlines()[0]})") from None
            if detail != exc.detail:
                raise EndpointError(exc.status, exc.url, detail) from None
            raise

    def query(self, text: str, *, use_default_graph_as_union: bool = True,
              prefixes: Mapping[str, str] | None = None):
        import pyoxigraph as ox

        from ..query import format_syntax_error, query_form

        if use_default_graph_as_union and not self._checked_union:
            self._checked_union = True
            self.check_union_default_graph()
        form = query_form(text)
        full = text if self._lateral else strip_lateral(text)
        if prefixes:  # on one line, so an error's line number is off by exactly one
            full = " ".join(f"PREFIX {p}: <{ns}>" for p, ns in prefixes.items()) + "\n" + full
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        try:
            data = self._send(full, "application/n-triples" if graph_form else _JSON)
        except EndpointError as exc:
            m = _VIRTUOSO_SYNTAX.match(exc.detail)
            if m:  # no column given: the line of the text the user wrote, without a caret
                line = int(m.group(1)) - (1 if prefixes else 0)
                lines = text.splitlines() or [""]
                shown = f"\n  {line} | {lines[line - 1]}" if 0 < line <= len(lines) else ""
                raise QuerySyntaxError(f"SPARQL syntax error at line {line} (from the endpoint): "
                                       f"{' '.join(m.group(2).split())}{shown}") from None
            if exc.status == 400:  # the server's syntax error, told against the text the user wrote
                m = re.search(r"error at (\d+):(\d+)(-\d+:\d+)?:?(.*)", exc.detail, re.S)
                if m and prefixes:
                    line = int(m.group(1)) - 1
                    raise QuerySyntaxError(format_syntax_error(SyntaxError(f"error at {line}:{m.group(2)}:{m.group(4)}"),
                                                      text)) from None
                if m:
                    raise QuerySyntaxError(format_syntax_error(SyntaxError(m.group(0)), text)) from None
            raise
        if not graph_form:
            return _parse_json(data, self.endpoint)
        data = data.replace(b'"^^<' + _VIRTRDF_GEOMETRY.encode() + b'>', b'"^^<' + _WKT_LITERAL.encode() + b'>')
        try:
            return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
        except (SyntaxError, ValueError) as exc:
            raise KGError(f"the endpoint {self.endpoint} sent an answer that is not N-Triples: {exc}") from None

    def ask(self, text: str) -> bool:
        """The answer of an ASK query, sent as it is."""
        return bool(_parse_json(self._send(text, _JSON), self.endpoint))

    def _count(self, text: str) -> int:
        sol = next(iter(_parse_json(self._send(text, _JSON), self.endpoint)))
        return int(sol["n"].value)

    def check_union_default_graph(self) -> None:
        """Fail when the ontology sits in a named graph the default graph does not include."""
        if self.ask(f"ASK {{ ?o <{RDF_TYPE}> <{OWL_ONTOLOGY}> }}"):
            return
        if self.ask(f"ASK {{ GRAPH ?g {{ ?o <{RDF_TYPE}> <{OWL_ONTOLOGY}> }} }}"):
            raise KGError(
                f"the default graph of {self.endpoint} is not the union of its named graphs, so queries "
                "would see nothing: start Oxigraph with --union-default-graph, set tdb2:unionDefaultGraph "
                "true on a Fuseki TDB2 dataset (see README, 'Working with a database')")

    def count(self) -> int:
        """The number of triples in the default (union) graph."""
        return self._count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")

    def __len__(self) -> int:
        """The number of quads in the named graphs (the default graph is their union, not counted again)."""
        return self._count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")

    def check_whole_graph(self, received: int) -> None:
        """Fail when ``received``, the distinct triples a ``CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }``
        brought, are fewer than the endpoint's own count: a limit on answers (Virtuoso's
        ``ResultSetMaxRows``) cut the answer without saying so."""
        expected = self._count("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
        if received < expected:
            raise KGError(f"the SPARQL endpoint {self.endpoint} sent {received:,} of the {expected:,} triples of "
                          "the graph (a limit on answers, such as Virtuoso's ResultSetMaxRows, cut it)")

    def graphs(self) -> list[str]:
        data = self._send("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", _JSON)
        return sorted(sol["g"].value for sol in _parse_json(data, self.endpoint) if sol["g"] is not None)

    def graph_sizes(self, iris: list[str], batch: int = 200) -> dict[str, int]:
        """How many triples each of these named graphs holds (a graph that is missing or empty: 0),
        counted by the endpoint with SPARQL ``COUNT``, a few hundred graphs per query."""
        sizes = dict.fromkeys(iris, 0)
        for i in range(0, len(iris), batch):
            chunk = iris[i:i + batch]
            for iri in chunk:
                check_graph_iri(iri)
            values = " ".join(f"<{iri}>" for iri in chunk)
            data = self._send(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} "
                              "GROUP BY ?g", _JSON)
            for sol in _parse_json(data, self.endpoint):
                if sol["g"] is not None and sol["g"].value in sizes and sol["n"] is not None:
                    sizes[sol["g"].value] = int(sol["n"].value)
        return sizes

    # ---------------------------------------------------------------- writing

    def update(self, text: str) -> None:
        self.check_writable()
        self._request("POST", self.update_endpoint, text.encode("utf-8"), "application/sparql-update")

    def _graph_url(self, iri: str) -> str:
        sep = "&" if "?" in (self.graph_store or "") else "?"
        return f"{self.graph_store}{sep}{urllib.parse.urlencode({'graph': iri})}"

    def replace_graph(self, iri: str, ntriples: bytes) -> None:
        check_graph_iri(iri)
        self.check_writable()
        if self.graph_store:
            self._request("PUT", self._graph_url(iri), ntriples, "application/n-triples")
        else:
            # INSERT ... WHERE { } (one empty solution: the template written once, its blank nodes fresh),
            # not INSERT DATA, which Virtuoso refuses with blank nodes
            self.update(f"DROP SILENT GRAPH <{iri}> ;\nINSERT {{ GRAPH <{iri}> {{\n"
                        + ntriples.decode("utf-8") + "\n} } WHERE { }")

    def drop_graph(self, iri: str) -> None:
        check_graph_iri(iri)
        self.check_writable()
        if self.graph_store:
            self._request("DELETE", self._graph_url(iri), None, ok_missing=True)
        else:
            self.update(f"DROP SILENT GRAPH <{iri}>")

    def close(self) -> None:
        """Forget the client (every request opens and closes its own connection); the store answers no more."""
        self.http = None
