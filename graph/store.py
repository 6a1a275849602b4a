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

from .durable import fsync_folder
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

    #: an on-disk store opened read-only keeps its folder open (see :func:`_open_read_only`)
    _dir_fd: int | None = None

    def close(self) -> None:
        if not self.read_only and self.inner is not None and hasattr(self.inner, "flush"):
            self.inner.flush()
        self.inner = None
        self._close_dir()

    def _close_dir(self) -> None:
        fd, self._dir_fd = self._dir_fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def __del__(self):
        self.inner = None  # the database first, then the folder it was opened through
        self._close_dir()


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
            check_store_target(path)
            path.mkdir(parents=True, exist_ok=True)
            return OxigraphStore(ox.Store(str(path)), f"store {path}", read_only=False, fork_safe=False)
        where = path
        if not path.exists() and store_siblings(path)["old"].is_dir():
            where = store_siblings(path)["old"]  # `kg build --store` stopped between the two renames of a swap
        elif not path.is_dir():
            raise KGError("store folder not found; build it first with `kg build --store DIR`", path=path)
        elif not is_store_folder(path):
            raise KGError("not an Oxigraph store folder; build one with `kg build --store DIR`", path=path)
        inner, dir_fd = _open_read_only(where)
    except (OSError, ValueError, RuntimeError) as exc:
        raise KGError(f"cannot open the Oxigraph store: {exc}", path=path) from None
    store = OxigraphStore(inner, f"store {path}", read_only=True, fork_safe=False)
    store._dir_fd = dir_fd
    return store


def _open_read_only(path: Path, attempts: int = 5):
    """Open a store folder read-only as one folder, even while `kg build --store` swaps a new one in.

    On Linux the folder is opened first and RocksDB is given ``/proc/self/fd/N``, so every file it reads
    comes from that one folder whatever is renamed meanwhile (RocksDB opens all its files at once, so
    the old folder's removal after a swap does not disturb it either). Returns (store, the folder's
    descriptor, to be closed with the store, or None). An open that fails while the folder was being
    swapped is tried again.
    """
    import pyoxigraph as ox

    for attempt in range(attempts):
        fd = None
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            proc = f"/proc/self/fd/{fd}"
            if not os.path.isdir(proc):  # no /proc: open by name
                os.close(fd)
                fd = None
            return ox.Store.read_only(proc if fd is not None else str(path)), fd
        except (OSError, RuntimeError):
            swapped = True
            try:
                swapped = fd is None or not os.path.samestat(os.fstat(fd), os.stat(path))
            except OSError:
                pass
            if fd is not None:
                os.close(fd)
            if not swapped or attempt == attempts - 1:
                raise
            import time

            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


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
        redirects = _redirect_policy()
        self._opener = urllib.request.build_opener(redirects)
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
            self._opener = urllib.request.build_opener(redirects, urllib.request.HTTPDigestAuthHandler(passwords))
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
            if 300 <= exc.code < 400:  # a redirect not followed (any method but GET), or another 3xx
                location = exc.headers.get("Location") if exc.headers else None
                exc.close()
                raise EndpointRedirect(exc.code, method, url, location) from None
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

    def graph_sizes(self, iris: list[str], batch: int = 200) -> dict[str, int]:
        """How many triples each of these named graphs holds (a graph that is missing or empty: 0),
        counted by the endpoint with SPARQL ``COUNT``, a few hundred graphs per query."""
        import pyoxigraph as ox

        sizes = dict.fromkeys(iris, 0)
        for i in range(0, len(iris), batch):
            chunk = iris[i:i + batch]
            for iri in chunk:
                _check_graph_iri(iri)
            values = " ".join(f"<{iri}>" for iri in chunk)
            data = self._send(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} "
                              "GROUP BY ?g", "application/sparql-results+json")
            try:
                for sol in ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON):
                    if sol["g"] is not None and sol["g"].value in sizes and sol["n"] is not None:
                        sizes[sol["g"].value] = int(sol["n"].value)
            except (SyntaxError, ValueError) as exc:
                raise KGError(f"the endpoint {self.endpoint} sent an answer that is not SPARQL JSON results: {exc}") \
                    from None
        return sizes

    def close(self) -> None:
        pass


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of a URL (the port made explicit), as browsers compare origins.

    >>> _origin("http://Example.org/q") == _origin("http://example.org:80/update")
    True
    >>> _origin("http://example.org/q") == _origin("https://example.org/q")
    False
    """
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or default


def _redirect_policy():
    """A urllib redirect handler that follows a redirect only for a GET or HEAD to the same origin.

    urllib's own handler turns a POST answered 301/302/303 into an empty GET (an update "succeeds"
    and writes nothing) and sends the ``Authorization`` header to wherever the redirect points.
    Here any other redirect is an error naming its ``Location`` (see :class:`EndpointRedirect`).
    """
    import urllib.request

    class RedirectPolicy(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            method = req.get_method()
            if method in ("GET", "HEAD") and _origin(newurl) == _origin(req.full_url):
                return super().redirect_request(req, fp, code, msg, headers, newurl)
            fp.close()
            raise EndpointRedirect(code, method, req.full_url, newurl)

    return RedirectPolicy()


class EndpointError(KGError):
    """The endpoint answered with an HTTP error status."""

    def __init__(self, status: int, url: str, detail: str):
        self.status, self.url, self.detail = status, url, detail
        first = " ".join(detail.split())[:300]
        super().__init__(f"the SPARQL endpoint {url} answered HTTP {status}" + (f": {first}" if first else ""))


class EndpointRedirect(EndpointError):
    """The endpoint answered a redirect that is not followed: any 3xx to a POST, PUT or DELETE (a query,
    an update, a Graph Store write), and a redirect of a GET to another origin (where the credentials
    must not go)."""

    def __init__(self, status: int, method: str, url: str, location: str | None):
        self.status, self.url, self.detail = status, url, ""
        self.method, self.location = method, urllib.parse.urljoin(url, location) if location else None
        if self.location is None:
            why = f"HTTP {status} without a Location"
        elif method in ("GET", "HEAD"):
            why = (f"a redirect (HTTP {status}) to another origin, {self.location}, not followed so that "
                   "credentials stay with the endpoint")
        else:
            why = f"a redirect (HTTP {status}) to {self.location}, not followed for a {method}; give that URL instead"
        KGError.__init__(self, f"the SPARQL endpoint {url} answered {why}")


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
    sizes = getattr(target, "graph_sizes", None)
    if sizes is not None:  # an endpoint: check that what it accepted is what it holds
        check_written(target, {iri: data.count(b"\n") for iri, data in produced} | dict.fromkeys(stale, 0),
                      sizes(sorted(names | set(stale))))
    return {"graphs": len(produced), "dropped": len(stale), "triples": triples}


def check_written(target, expected: Mapping[str, int], found: Mapping[str, int]) -> None:
    """Fail when the graphs a store holds after a write are not the ones written (a server that
    answered success but stored nothing, or stored part).

    >>> check_written(None, {"urn:g": 3}, {"urn:g": 3})
    >>> check_written(None, {"urn:g": 3, "urn:h": 1}, {"urn:g": 0, "urn:h": 0})
    Traceback (most recent call last):
    ...
    graph.errors.KGError: the graph: the write did not land: graph <urn:g> holds 0 triples after 3 were written (and 1 more graph differs)
    """
    wrong = [(iri, n, found.get(iri, 0)) for iri, n in sorted(expected.items()) if found.get(iri, 0) != n]
    if not wrong:
        return
    iri, n, got = wrong[0]
    more = f" (and {len(wrong) - 1} more graph{'s' if len(wrong) > 2 else ''} differ{'' if len(wrong) > 2 else 's'})" \
        if len(wrong) > 1 else ""
    what = f"holds {got} triples after {n} were written" if n else f"still holds {got} triples after it was dropped"
    raise KGError(f"the write did not land: graph <{iri}> {what}{more}", path=describe(target))


# --------------------------------------------------------------------------- writing a store folder atomically
#
# `kg build --store DIR` never writes into DIR itself. Under a lock taken before the build runs, it
# writes a complete new store in the sibling folder `.DIR.kg-new` (the graphs it built, plus every
# graph of the old store outside the project's namespace), flushes and fsyncs it, and swaps it
# in with one atomic rename (Linux renameat2 RENAME_EXCHANGE; elsewhere two renames, DIR to
# `.DIR.kg-old` then `.DIR.kg-new` to DIR, undone by the next build or read if interrupted between
# them). Only then is the old store removed. A reader opens either the old folder or the new one,
# never a half-written one; a kill at any moment leaves the old store as it was.


def store_siblings(path: str | Path) -> dict[str, Path]:
    """The lock file and the two work folders that go with a store folder, next to it.

    >>> sorted((k, p.name) for k, p in store_siblings("out/kg.db").items())
    [('lock', '.kg.db.kg-lock'), ('new', '.kg.db.kg-new'), ('old', '.kg.db.kg-old')]
    """
    path = Path(path)
    return {kind: path.parent / f".{path.name}.kg-{kind}" for kind in ("lock", "new", "old")}


def is_store_folder(path: str | Path) -> bool:
    """Whether ``path`` is an Oxigraph (RocksDB) store folder: it has a ``CURRENT`` file naming a manifest."""
    try:
        with open(Path(path) / "CURRENT", "rb") as fh:
            return fh.read(9) == b"MANIFEST-"
    except OSError:
        return False


def check_store_target(path: str | Path) -> None:
    """Refuse a ``--store`` target that is not a store folder, a new folder or an empty one."""
    path = Path(path)
    if not path.exists():  # a new store (or one whose swap stopped between its renames: put back later)
        return
    if not path.is_dir():
        raise KGError("not a folder; --store takes an Oxigraph store folder (or a new or empty one)", path=path)
    if is_store_folder(path):
        return
    try:
        empty = not any(path.iterdir())
    except OSError as exc:
        raise KGError(f"cannot read the folder: {exc.strerror or exc}", path=path) from None
    if not empty:
        raise KGError("not empty and not an Oxigraph store folder; --store writes only to a store "
                      "built by `kg build --store` or to a new or empty folder", path=path)


class StoreLock:
    """An exclusive lock on a store folder, held by one writer (``kg build --store``) at a time.

    The lock is ``flock`` on the sibling file ``.DIR.kg-lock`` (not a file inside DIR: the folder is
    swapped). The operating system releases it when the process dies, however it dies; the file is
    removed on release, and a lock taken on a file removed meanwhile is taken again.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.lock_file = store_siblings(os.path.realpath(self.path))["lock"]  # a link's target's lock
        self._fd: int | None = None

    def acquire(self) -> "StoreLock":
        try:
            import fcntl
        except ImportError:  # Windows: no flock; a single writer is up to the user
            return self
        try:
            self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise KGError(f"cannot create the folder: {exc.strerror or exc}", path=self.lock_file.parent) from None
        while True:
            try:
                fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise KGError(f"cannot create the store's lock file: {exc.strerror or exc}",
                              path=self.lock_file) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise KGError("another `kg build` is writing this store (its lock "
                              f"{self.lock_file.name} is held); try again when it has finished",
                              path=self.path) from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.lock_file))
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                return self
            os.close(fd)  # the file was removed by the writer that held it: take the new one

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.unlink(self.lock_file)
        except OSError:
            pass
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> "StoreLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def lock_store(path: str | Path) -> StoreLock:
    """Take a store folder's lock (before a build runs), refuse a folder that is not a store, and undo
    what a writer killed earlier left behind: the old store back in place if the swap stopped between
    its two renames, the work folders removed."""
    check_store_target(path)
    lock = StoreLock(path).acquire()
    try:
        _recover(Path(os.path.realpath(path)))
    except BaseException:
        lock.release()
        raise
    return lock


def _recover(path: Path) -> None:
    sib = store_siblings(path)
    if not path.exists() and sib["old"].is_dir():
        os.rename(sib["old"], path)
        fsync_folder(path.parent)
    for kind in ("new", "old"):
        if sib[kind].exists():
            _remove_tree(sib[kind])


def _remove_tree(path: Path) -> None:
    import shutil

    if path.is_symlink() or not path.is_dir():
        path.unlink()
    else:
        shutil.rmtree(path)


def _fsync_tree(path: Path) -> None:
    for entry in path.iterdir():
        if entry.is_file():
            with open(entry, "rb") as fh:
                os.fsync(fh.fileno())
    fsync_folder(path)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where that is not offered."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    import errno

    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # a file system or kernel without it
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(new: Path, path: Path) -> None:
    """Put the finished store ``new`` at ``path``; the old store, if any, is removed afterwards."""
    sib = store_siblings(path)
    if not path.exists():
        os.rename(new, path)
    elif _exchange(new, path):
        pass  # ``new`` now holds the old store
    else:
        os.rename(path, sib["old"])
        os.rename(new, path)  # killed between the two: the next build or read puts the old one back
        new = sib["old"]
    fsync_folder(path.parent)
    if new.exists():
        _remove_tree(new)


def write_store_folder(ds, path: str | Path, lock: StoreLock | None = None) -> dict[str, int]:
    """Write a built dataset as the store folder ``path``, atomically (see above), and return counts as
    :func:`write_to_store` does. Graphs of the old store outside the project's namespace (and its
    default graph) are carried over; project graphs the build did not produce are dropped.

    Takes the store's lock unless the caller holds it (``kg build`` takes it before building).
    """
    import pyoxigraph as ox

    path = Path(path)
    own = lock is None
    if own:
        lock = lock_store(path)
    try:
        real = Path(os.path.realpath(path))  # a symbolic link to a store: swap the folder it names
        check_store_target(real)
        _recover(real)
        produced = dataset_graphs(ds)
        names = {iri for iri, _ in produced}
        new = store_siblings(real)["new"]
        stale: list[str] = []
        target = old = None
        try:
            target = ox.Store(str(new))
            if real.is_dir() and is_store_folder(real):
                old = ox.Store.read_only(str(real))
                for g in old.named_graphs():
                    iri = getattr(g, "value", None)
                    if iri is not None and iri.startswith(GRAPH_NS):
                        if iri not in names:
                            stale.append(iri)
                        continue
                    target.extend(old.quads_for_pattern(None, None, None, g))
                target.extend(old.quads_for_pattern(None, None, None, ox.DefaultGraph()))
                old = None
            triples = 0
            for iri, data in produced:
                target.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
                triples += data.count(b"\n")
            target.flush()
            target = None  # closes the database
            _fsync_tree(new)
            _swap_in(new, real)
        except BaseException:
            target = old = None
            if new.exists():
                _remove_tree(new)
            raise
    except (OSError, SyntaxError, ValueError) as exc:
        raise KGError(f"cannot write the store: {getattr(exc, 'strerror', None) or exc}", path=path) from None
    finally:
        if own:
            lock.release()
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
    "validate_store", "ENV_VARS", "write_store_folder", "lock_store", "StoreLock", "is_store_folder",
    "check_store_target", "store_siblings",
]
