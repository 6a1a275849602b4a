"""Where the graph lives: a graph file, an on-disk Oxigraph store, or any SPARQL 1.1 endpoint.

Every command reads and writes the graph through one small interface, :class:`GraphStore`:

* ``query(text, use_default_graph_as_union=True, prefixes=None)`` answers a SPARQL query over
  the union of the named graphs, as pyoxigraph does (``QuerySolutions``, ``QueryBoolean`` or
  an iterable of ``Triple``), so :mod:`graph.query`, :mod:`graph.export` and :mod:`graph.view`
  run unchanged on any store;
* ``replace_graph(iri, ntriples)`` replaces one named graph with N-Triples bytes;
* ``drop_graph(iri)``, ``graphs()`` and ``close()``.

Three implementations: :class:`OxigraphStore` over an in-memory store loaded from a file
(``--graph FILE``) or a persistent store folder (``--store DIR``), and :class:`EndpointStore`
(``--endpoint URL``), a small SPARQL 1.1 Protocol / Graph Store Protocol client on urllib.
:func:`open_store` picks one from the options or the ``KG_STORE`` / ``KG_ENDPOINT`` /
``KG_UPDATE_ENDPOINT`` / ``KG_GRAPH_STORE`` / ``KG_AUTH`` / ``KG_TOKEN`` environment variables.

>>> store = open_store(graph="out/kg.ttl")                                  # doctest: +SKIP
>>> store = open_store(store="out/kg.db")                                   # doctest: +SKIP
>>> store = open_store(endpoint="http://127.0.0.1:7878/query")              # doctest: +SKIP
>>> from graph.query import run_query
>>> run_query(store, "bases-shared-with", {"partner": "USA"}).rows()        # doctest: +SKIP
"""

from __future__ import annotations

import base64
import os
import re
import urllib.parse
from pathlib import Path
from typing import Any, Mapping, Protocol, runtime_checkable

from .errors import KGError

#: the project's named graphs live under this IRI (ontology, inferred, doc/<slug>)
GRAPH_NS = "https://w3id.org/alliance-kg/graph/"
OWL_ONTOLOGY = "http://www.w3.org/2002/07/owl#Ontology"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

ENV_VARS = ("KG_STORE", "KG_ENDPOINT", "KG_UPDATE_ENDPOINT", "KG_GRAPH_STORE", "KG_AUTH", "KG_TOKEN")


@runtime_checkable
class GraphStore(Protocol):
    """What every command needs from the place the graph lives."""

    description: str  #: how messages name it: a file, ``store DIR`` or ``endpoint URL``
    read_only: bool

    def query(self, text: str, *, use_default_graph_as_union: bool = True,
              prefixes: Mapping[str, str] | None = None) -> Any:
        """Answer a SPARQL query over the union of the named graphs (pyoxigraph result types)."""

    def replace_graph(self, iri: str, ntriples: bytes) -> None:
        """Make the named graph ``iri`` hold exactly these N-Triples."""

    def drop_graph(self, iri: str) -> None:
        """Remove the named graph ``iri`` (no error when it is missing)."""

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""

    def close(self) -> None:
        """Release the store (files, connections)."""


# --------------------------------------------------------------------------- Oxigraph, in process


class OxigraphStore:
    """A pyoxigraph Store: in memory (loaded from a graph file) or on disk (a store folder).

    >>> import pyoxigraph as ox
    >>> s = OxigraphStore(ox.Store(), "memory")
    >>> s.replace_graph("http://example.org/g", b"<http://a> <http://b> <http://c> .\\n")
    >>> s.graphs(), len(s)
    (['http://example.org/g'], 1)
    """

    def __init__(self, inner, description: str, read_only: bool = False, fork_safe: bool = True):
        self.inner = inner
        self.description = description
        self.read_only = read_only
        #: an in-memory store can be queried in a forked child (timeouts that really stop);
        #: an on-disk RocksDB store is queried in a thread instead
        self.fork_safe = fork_safe

    def query(self, text: str, *, use_default_graph_as_union: bool = True,
              prefixes: Mapping[str, str] | None = None):
        return self.inner.query(text, use_default_graph_as_union=use_default_graph_as_union,
                                prefixes=dict(prefixes) if prefixes else None)

    def update(self, text: str) -> None:
        if self.read_only:
            raise KGError(f"{self.description} is open read-only")
        self.inner.update(text)

    def __len__(self) -> int:
        return len(self.inner)

    def replace_graph(self, iri: str, ntriples: bytes) -> None:
        import pyoxigraph as ox

        g = ox.NamedNode(iri)
        self.drop_graph(iri)
        try:
            self.inner.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=g)
        except (SyntaxError, ValueError, OSError) as exc:
            raise KGError(f"cannot write graph <{iri}> to {self.description}: {exc}") from None

    def drop_graph(self, iri: str) -> None:
        import pyoxigraph as ox

        g = ox.NamedNode(iri)
        if self.inner.contains_named_graph(g):
            self.inner.remove_graph(g)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.inner.named_graphs() if hasattr(g, "value"))

    def close(self) -> None:
        if not self.read_only and hasattr(self.inner, "flush"):
            self.inner.flush()
        self.inner = None


def memory_store(path: str | Path) -> OxigraphStore:
    """A graph file (Turtle, TriG, N-Triples, N-Quads, JSON-LD) loaded into an in-memory store."""
    from .query import load_store

    return OxigraphStore(load_store(path), str(path))


def disk_store(path: str | Path, writable: bool = False) -> OxigraphStore:
    """A persistent Oxigraph store folder; read-only unless ``writable`` (created if missing then)."""
    import pyoxigraph as ox

    path = Path(path)
    try:
        if writable:
            path.mkdir(parents=True, exist_ok=True)
            inner = ox.Store(str(path))
        else:
            if not path.is_dir():
                raise KGError("store folder not found; build it first with `kg build --store DIR`", path=path)
            inner = ox.Store.read_only(str(path))
    except (OSError, ValueError) as exc:
        raise KGError(f"cannot open the Oxigraph store: {exc}", path=path) from None
    return OxigraphStore(inner, f"store {path}", read_only=not writable, fork_safe=False)


# --------------------------------------------------------------------------- any SPARQL 1.1 endpoint


def derived_urls(endpoint: str) -> tuple[str, str | None]:
    """The update endpoint and the Graph Store Protocol endpoint that go with a query endpoint.

    Oxigraph (``.../query``) has ``/update`` and ``/store``; Fuseki (``/DATASET/sparql`` or
    ``/DATASET/query``) ``/DATASET/update`` and ``/DATASET/data``. Anything else (Virtuoso's
    ``/sparql``) takes updates at the same URL and has no Graph Store endpoint we can guess.

    >>> derived_urls("http://127.0.0.1:7878/query")
    ('http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store')
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


def _strip_lateral(text: str) -> str:
    """The query with each ``LATERAL {`` turned into a plain ``{`` (same rows, SPARQL 1.1)."""
    from .query import _tokens

    toks = _tokens(text)
    out, last = [], 0
    for i, tok in enumerate(toks):
        if tok.kind == "word" and tok.text.upper() == "LATERAL" and i + 1 < len(toks) and toks[i + 1].text == "{":
            out.append(text[last:tok.start])
            last = tok.start + len(tok.text)
    return "".join(out) + text[last:]


class EndpointStore:
    """A SPARQL 1.1 endpoint, spoken to with urllib (no rdflib SPARQLStore).

    Queries are POSTed as ``application/sparql-query`` and read as SPARQL JSON results or
    N-Triples. Named graphs are written with the Graph Store Protocol (``PUT ?graph=IRI``,
    ``application/n-triples``) when a Graph Store URL is known, else with SPARQL Update
    (``DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { ... } }``).

    The queries read the endpoint's default graph, which must be the union of the named graphs
    (Oxigraph ``--union-default-graph``, Fuseki ``tdb2:unionDefaultGraph true``; Virtuoso's
    default graph is the union of all graphs when no ``default-graph-uri`` is given). The first
    query checks this and fails with a clear message when the ontology is only in a named graph.
    """

    fork_safe = False

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
        self.timeout = timeout
        self._lateral = True  # until the endpoint refuses it
        self._checked_union = False
        import urllib.request  # here, not at the top: it costs ~0.1 s of start-up (ssl, http.client)

        self._headers: dict[str, str] = {"User-Agent": "alliance-kg"}
        self._opener = urllib.request.build_opener()
        if auth and token:
            raise KGError("give --auth USER:PASSWORD or --token TOKEN, not both")
        if auth:
            if ":" not in auth:
                raise KGError("--auth takes USER:PASSWORD")
            # HTTP Basic up front (Fuseki, GraphDB, ...); HTTP Digest when the server asks for it
            # (Virtuoso's /sparql-auth): urllib answers the challenge and sends the request again
            self._headers["Authorization"] = "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii")
            user, _, password = auth.partition(":")
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in (self.endpoint, self.update_endpoint, self.graph_store):
                if url:
                    root = urllib.parse.urlsplit(url)
                    passwords.add_password(None, f"{root.scheme}://{root.netloc}/", user, password)
            self._opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
        elif token:
            self._headers["Authorization"] = "Bearer " + token

    # ---------------------------------------------------------------- HTTP

    def _request(self, method: str, url: str, body: bytes | None, content_type: str | None = None,
                 accept: str | None = None, ok_missing: bool = False) -> bytes:
        import urllib.error
        import urllib.request

        headers = dict(self._headers)
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            if ok_missing and exc.code == 404:
                return b""
            detail = exc.read().decode("utf-8", "replace").strip()
            raise EndpointError(exc.code, url, detail) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise KGError(f"cannot reach the SPARQL endpoint {url}: {reason}") from None

    # ---------------------------------------------------------------- reading

    def _with_prefixes(self, text: str, prefixes: Mapping[str, str] | None) -> str:
        if not prefixes:
            return text
        # one line, so an error's line number is off by exactly one (see _send)
        return " ".join(f"PREFIX {p}: <{ns}>" for p, ns in prefixes.items()) + "\n" + text

    def _send(self, text: str, accept: str) -> bytes:
        try:
            return self._request("POST", self.endpoint, text.encode("utf-8"), "application/sparql-query", accept)
        except EndpointError as exc:
            if exc.status == 400 and self._lateral and re.search(r"\bLATERAL\b", text, re.I):
                # SPARQL 1.2's LATERAL is Oxigraph-only: retry the same query without it
                portable = _strip_lateral(text)
                if portable != text:
                    self._lateral = False
                    return self._send(portable, accept)
            raise

    def query(self, text: str, *, use_default_graph_as_union: bool = True,
              prefixes: Mapping[str, str] | None = None):
        import pyoxigraph as ox

        from .query import format_syntax_error, query_form

        if use_default_graph_as_union and not self._checked_union:
            self._checked_union = True
            self.check_union_default_graph()
        form = query_form(text)
        full = self._with_prefixes(text if self._lateral else _strip_lateral(text), prefixes)
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        accept = "application/n-triples" if graph_form else "application/sparql-results+json"
        try:
            data = self._send(full, accept)
        except EndpointError as exc:
            if exc.status == 400:
                m = re.search(r"error at (\d+):(\d+)(-\d+:\d+)?:?(.*)", exc.detail, re.S)
                if m and prefixes:
                    line = int(m.group(1)) - 1
                    raise KGError(format_syntax_error(SyntaxError(f"error at {line}:{m.group(2)}:{m.group(4)}"),
                                                      text)) from None
                if m:
                    raise KGError(format_syntax_error(SyntaxError(m.group(0)), text)) from None
            raise
        try:
            if graph_form:
                return [ox.Triple(q.subject, q.predicate, q.object)
                        for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise KGError(f"the endpoint {self.endpoint} sent an answer that is not "
                          f"{'N-Triples' if graph_form else 'SPARQL JSON results'}: {exc}") from None

    def ask(self, text: str) -> bool:
        import pyoxigraph as ox

        data = self._send(text, "application/sparql-results+json")
        return bool(ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON))

    def check_union_default_graph(self) -> None:
        """Fail when the ontology sits in a named graph the default graph does not include."""
        in_default = self.ask(f"ASK {{ ?o <{RDF_TYPE}> <{OWL_ONTOLOGY}> }}")
        if in_default:
            return
        in_named = self.ask(f"ASK {{ GRAPH ?g {{ ?o <{RDF_TYPE}> <{OWL_ONTOLOGY}> }} }}")
        if in_named:
            raise KGError(
                f"the default graph of {self.endpoint} is not the union of its named graphs, so queries "
                "would see nothing: start Oxigraph with --union-default-graph, set tdb2:unionDefaultGraph "
                "true on a Fuseki TDB2 dataset (see README, 'Working with a database')")

    def count(self) -> int:
        """The number of triples in the default (union) graph."""
        import pyoxigraph as ox

        data = self._send("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "application/sparql-results+json")
        sol = next(iter(ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)))
        return int(sol["n"].value)

    def graphs(self) -> list[str]:
        import pyoxigraph as ox

        data = self._send("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "application/sparql-results+json")
        return sorted(sol["g"].value for sol in ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
                      if sol["g"] is not None)

    # ---------------------------------------------------------------- writing

    def update(self, text: str) -> None:
        if self.read_only:
            raise KGError(f"{self.description} is open for reading only")
        self._request("POST", self.update_endpoint, text.encode("utf-8"), "application/sparql-update")

    def _graph_url(self, iri: str) -> str:
        sep = "&" if "?" in (self.graph_store or "") else "?"
        return f"{self.graph_store}{sep}{urllib.parse.urlencode({'graph': iri})}"

    def replace_graph(self, iri: str, ntriples: bytes) -> None:
        _check_graph_iri(iri)
        if self.graph_store:
            self._request("PUT", self._graph_url(iri), ntriples, "application/n-triples")
        else:
            self.update(f"DROP SILENT GRAPH <{iri}> ;\nINSERT DATA {{ GRAPH <{iri}> {{\n"
                        + ntriples.decode("utf-8") + "\n} }")

    def drop_graph(self, iri: str) -> None:
        _check_graph_iri(iri)
        if self.graph_store:
            self._request("DELETE", self._graph_url(iri), None, ok_missing=True)
        else:
            self.update(f"DROP SILENT GRAPH <{iri}>")

    def close(self) -> None:
        pass


class EndpointError(KGError):
    """The endpoint answered with an HTTP error status."""

    def __init__(self, status: int, url: str, detail: str):
        self.status, self.url, self.detail = status, url, detail
        first = " ".join(detail.split())[:300]
        super().__init__(f"the SPARQL endpoint {url} answered HTTP {status}" + (f": {first}" if first else ""))


def _check_graph_iri(iri: str) -> None:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|^`\\]*", iri):
        raise KGError(f"not a graph IRI: {iri!r}")


# --------------------------------------------------------------------------- choosing a store


def chosen(graph: str | Path | None = None, store: str | Path | None = None, endpoint: str | None = None,
           env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Which place the options (or, when none is given, the environment) name:
    ``("graph", FILE)``, ``("store", DIR)``, ``("endpoint", URL)`` or ``("default", "out/kg.ttl")``.

    >>> chosen(store="db", env={})
    ('store', 'db')
    >>> chosen(env={"KG_ENDPOINT": "http://127.0.0.1:7878/query"})
    ('endpoint', 'http://127.0.0.1:7878/query')
    >>> chosen(env={})
    ('default', 'out/kg.ttl')
    """
    from .query import DEFAULT_GRAPH

    env = os.environ if env is None else env
    given = [(k, str(v)) for k, v in (("graph", graph), ("store", store), ("endpoint", endpoint)) if v]
    if len(given) > 1:
        raise KGError(f"give one of --graph, --store, --endpoint, not {' and '.join('--' + k for k, _ in given)}")
    if given:
        return given[0]
    if env.get("KG_STORE"):
        return "store", env["KG_STORE"]
    if env.get("KG_ENDPOINT"):
        return "endpoint", env["KG_ENDPOINT"]
    return "default", str(DEFAULT_GRAPH)


def open_store(graph: str | Path | None = None, *, store: str | Path | None = None,
               endpoint: str | None = None, update_endpoint: str | None = None, graph_store: str | None = None,
               auth: str | None = None, token: str | None = None, writable: bool = False,
               env: Mapping[str, str] | None = None):
    """The store the options name: ``graph`` (a file, loaded in memory; a folder opens as a store),
    ``store`` (an Oxigraph store folder) or ``endpoint`` (a SPARQL 1.1 endpoint).

    With none of the three, the environment decides (``KG_STORE``, then ``KG_ENDPOINT`` with
    ``KG_UPDATE_ENDPOINT``, ``KG_GRAPH_STORE``, ``KG_AUTH``, ``KG_TOKEN``), then ``out/kg.ttl``.
    ``writable`` opens a store folder for writing (creating it) and an endpoint for updates.
    """
    env = os.environ if env is None else env
    kind, where = chosen(graph, store, endpoint, env)
    if kind == "store" or (kind == "graph" and Path(where).is_dir()):
        return disk_store(where, writable=writable)
    if kind == "endpoint":
        return EndpointStore(
            where,
            update_endpoint or env.get("KG_UPDATE_ENDPOINT") or None,
            graph_store or env.get("KG_GRAPH_STORE") or None,
            auth=auth or env.get("KG_AUTH") or None,
            token=token or env.get("KG_TOKEN") or None,
            read_only=not writable,
        )
    if writable:
        raise KGError("a graph file is written by `kg build --out FILE`, not opened for writing")
    return memory_store(where)


def validate_source(shapes, graph: str | Path | None = None, **options) -> tuple[Any, str]:
    """SHACL-validate the graph the options name (see :func:`open_store`): (report, its description).

    A graph file is parsed by rdflib directly (:func:`graph.validate.validate_file`); a store
    folder or an endpoint gives its union graph.
    """
    kind, where = chosen(graph, options.get("store"), options.get("endpoint"), options.get("env"))
    if kind in ("graph", "default") and not Path(where).is_dir():
        from .validate import validate_file

        return validate_file(where, shapes), where
    source = open_store(graph, **options)
    try:
        return validate_store(source, shapes), source.description
    finally:
        source.close()


def dataset_graphs(ds) -> list[tuple[str, bytes]]:
    """The named graphs of a built rdflib Dataset as (IRI, sorted N-Triples), in IRI order.

    Blank nodes get labels derived from the graph's content, as in the files ``kg build`` writes.
    """
    from . import build

    stable = getattr(build, "_stable_graphs", None)  # build.py's own relabelling, as its files use
    graphs = stable(ds) if stable is not None else list(ds.graphs())
    out = []
    for g in graphs:
        if len(g) == 0:
            continue
        iri = str(g.identifier)
        if iri.startswith("urn:x-rdflib:"):
            raise KGError("the built dataset has triples outside a named graph; cannot store them portably")
        lines = g.serialize(format="nt").splitlines()
        data = "\n".join(sorted(set(line for line in lines if line.strip()))) + "\n"
        out.append((iri, data.encode("utf-8")))
    return sorted(out)


def write_to_store(ds, target) -> dict[str, int]:
    """Write a built dataset into a store: each of its named graphs replaces the graph of the same IRI,
    and project graphs (``https://w3id.org/alliance-kg/graph/...``) the build did not produce (a
    document no longer in the corpus) are dropped. Other graphs are left alone.

    Returns counts: ``{"graphs": written, "dropped": removed, "triples": written triples}``.
    """
    produced = dataset_graphs(ds)
    names = {iri for iri, _ in produced}
    stale = [g for g in target.graphs() if g.startswith(GRAPH_NS) and g not in names]
    triples = 0
    for iri, data in produced:
        target.replace_graph(iri, data)
        triples += data.count(b"\n")
    for iri in stale:
        target.drop_graph(iri)
    return {"graphs": len(produced), "dropped": len(stale), "triples": triples}


def union_ntriples(source) -> bytes:
    """Every triple of the union graph of a store, as sorted N-Triples."""
    import pyoxigraph as ox

    res = source.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    lines = ox.serialize(list(res), format=ox.RdfFormat.N_TRIPLES).splitlines(keepends=True)
    return b"".join(sorted(set(lines)))


def rdflib_graph(source):
    """The union graph of a store as an rdflib Graph (for SHACL validation with pyshacl)."""
    from rdflib import Graph

    g = Graph()
    g.parse(data=union_ntriples(source).decode("utf-8"), format="nt")
    return g


def validate_store(source, shapes) -> Any:
    """SHACL-validate the union graph of a store (see :func:`graph.validate.validate_file`)."""
    from .validate import ValidationReport, load_shapes, validate_graph

    shapes_name, shapes_graph = str(shapes), load_shapes(shapes)
    report = validate_graph(rdflib_graph(source), shapes_graph)
    return ValidationReport(report.findings, shapes=shapes_name)


def describe(source) -> str:
    """How messages name a store: its file, ``store DIR`` or ``endpoint URL``."""
    return getattr(source, "description", "the graph")


__all__ = [
    "GraphStore", "OxigraphStore", "EndpointStore", "EndpointError", "open_store", "memory_store",
    "disk_store", "derived_urls", "chosen", "validate_source", "write_to_store", "dataset_graphs", "union_ntriples", "rdflib_graph",
    "validate_store", "ENV_VARS",
]
