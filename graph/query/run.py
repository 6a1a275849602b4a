"""Running queries: a graph file loaded into a store, a :class:`PreparedQuery` run on any store
(with a time limit that really stops the work), and the short forms notebooks use.

Every caller runs a query the same way: a :class:`~graph.query.library.NamedQuery` (a library
name, a ``.rq`` file or text) is prepared once (checked, parameters bound) and run on a store:

>>> from graph.query import get_query
>>> prepared = get_query("bases-shared-with").prepare({"partner": "Germany"})
>>> prepared.form
'SELECT'
>>> store = load_store("out/kg.ttl")                                     # doctest: +SKIP
>>> prepared.run(store, timeout=30).rows(compact=True)                   # doctest: +SKIP
[{'base': 'akr:incirlik-air-base', 'baseLabel': 'Incirlik Air Base', ...}]

:func:`run_query`, :func:`query_rows` and :func:`query_df` are the same in one call.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..errors import (BadOption, KGError, MissingDependency, QueryFailed, QuerySyntaxError, QueryTimeout,
                      ReadOnlyViolation, ServiceRefused, WrongQueryForm)
from ..rdfio import RDFLIB_FORMATS, load_graph_file, remote_context_hint
from ..vocab import PREFIXES
from .library import NamedQuery, resolve_query
from .params import bind_params, match_params
from .results import QueryResult
from .sparqltext import check_nesting, check_syntax, forbidden_operations, format_syntax_error, query_form, with_limit

DEFAULT_GRAPH = Path("out/kg.ttl")
_log = logging.getLogger(__name__)

RDF_FORMATS = RDFLIB_FORMATS  # the extensions a graph file may have (graph.rdfio's one table)

#: the longest --timeout taken (seconds): a day; for no limit at all, give no --timeout
MAX_TIMEOUT = 86_400


# --------------------------------------------------------------------------- stores


def load_store(path: str | Path = DEFAULT_GRAPH):
    """Load a graph file (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML) into an in-memory Oxigraph
    store (:func:`graph.rdfio.load_graph_file`)."""
    return load_graph_file(path)


def open_source(source) -> Any:
    """A store to query from what a caller holds: a store (``graph.stores``, or a pyoxigraph Store) as
    it is, a graph file loaded by :func:`load_store`, an rdflib Graph or Dataset copied into memory."""
    if isinstance(source, (str, Path)):
        return load_store(source)
    rdflib = sys.modules.get("rdflib")  # not imported: the source cannot be an rdflib graph
    if rdflib is not None and isinstance(source, rdflib.Graph):
        import pyoxigraph as ox

        quads = isinstance(source, (rdflib.Dataset, rdflib.ConjunctiveGraph))
        with warnings.catch_warnings():  # rdflib's N-Quads writer calls its own deprecated Dataset.contexts
            warnings.simplefilter("ignore", DeprecationWarning)
            data = source.serialize(format="nquads" if quads else "nt", encoding="utf-8")
        store = ox.Store()
        store.load(data, format=ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES)
        return store
    return source


def _store_flags(store) -> tuple[bool, bool]:
    """(read_only, fork_safe): a pyoxigraph Store is writable and may be queried in a forked child;
    a store of ``graph.stores`` says both itself."""
    import pyoxigraph as ox

    if isinstance(store, ox.Store):
        return False, True
    return store.read_only, store.fork_safe


# --------------------------------------------------------------------------- preparing


@dataclass(frozen=True)
class PreparedQuery:
    """A query checked and with its parameters bound (:meth:`NamedQuery.prepare`): ``text`` is what runs,
    ``form`` is ``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE`` or ``UPDATE``. Run it on any store, as
    often as wanted."""

    query: NamedQuery
    text: str
    form: str | None
    #: the parameter values bound (``Param`` -> the value given), for hints on values that match nothing
    bindings: Mapping = field(default_factory=dict)

    def run(self, store, *, timeout: float | None = None) -> QueryResult:
        """The answer over the union of the store's named graphs, stopped after ``timeout`` seconds
        (:class:`~graph.errors.QueryTimeout`). ``store`` is a store of ``graph.stores``, a pyoxigraph
        Store, a graph file or an rdflib Graph. An (allowed) update changes the store and gives a result
        of kind ``"update"``; on a store opened for reading only it is a
        :class:`~graph.errors.ReadOnlyViolation`."""
        check_timeout(timeout)
        store = open_source(store)
        started = time.perf_counter()
        try:
            result = self._run(store, timeout)
        finally:
            _log.info("query %s ran in %.1f ms", self.query.name, 1000 * (time.perf_counter() - started))
        _log.debug("query %s: %s answer, %d %s", self.query.name, result.kind, len(result),
                   "rows" if result.kind == "select" else "items")
        return result

    def _run(self, store, timeout: float | None) -> QueryResult:
        read_only, fork_safe = _store_flags(store)
        if self.form == "UPDATE":
            if read_only:  # a store folder or endpoint opened for reading: never changed here
                raise ReadOnlyViolation(f"'{self.query.name}' is a SPARQL update: {store.description} is opened for "
                                        "reading only (--allow-update works on the in-memory copy of a graph file)")
            return QueryResult.of_update(call_with_timeout(lambda: update(store, self.text), timeout, in_child=False))
        if timeout is not None and _forks(fork_safe):  # the child sends the answer as bytes, read here once
            kind, variables, data = _call_in_child(lambda: _answer_bytes(store, self.text), timeout)
            return QueryResult(kind, data, variables)
        # an on-disk store or an endpoint is not safe to use from a forked child: its timeout runs in a thread
        return call_with_timeout(lambda: _evaluate(store, self.text), timeout, in_child=False)


def prepare_query(q: NamedQuery, params: Mapping[str, str] | None = None, *, limit: int | None = None,
                  allow_update: bool = False, allow_service: bool = False) -> PreparedQuery:
    """See :meth:`NamedQuery.prepare`."""
    check_nesting(q.text)  # before any parser or engine sees the text
    ops = forbidden_operations(q.text)
    updates = [o for o in ops if o != "SERVICE"]
    if updates and not allow_update:
        raise ReadOnlyViolation(f"'{q.name}' is a SPARQL update ({', '.join(updates)}): kg query only reads the "
                                "graph; pass --allow-update to run it on the in-memory copy (the graph file is "
                                "never changed)")
    if "SERVICE" in ops and not allow_service:
        raise ServiceRefused(f"'{q.name}' calls a remote SPARQL SERVICE: refused; pass --allow-service to allow it")
    if updates:
        return PreparedQuery(q, q.text, "UPDATE")
    if "SERVICE" not in ops:  # checking evaluates an ASK on an empty store: no remote call for that
        check_syntax(q.text)
    bindings = match_params(q, params)
    text = bind_params(q.text, bindings)
    if limit is not None:
        text = with_limit(text, limit)
    return PreparedQuery(q, text, query_form(q.text), bindings)


def prepare(query: str | NamedQuery, params: Mapping[str, str] | None = None, *, limit: int | None = None,
            allow_update: bool = False, allow_service: bool = False) -> PreparedQuery:
    """A library name, ``.rq`` path or SPARQL text, prepared (:meth:`NamedQuery.prepare`).

    >>> prepare("SELECT ?s WHERE { ?s ?p ?_v }", {"v": "x"}).text
    'SELECT ?s WHERE { VALUES (?_v) { ("x") } ?s ?p ?_v }'
    """
    return resolve_query(query).prepare(params, limit=limit, allow_update=allow_update, allow_service=allow_service)


# --------------------------------------------------------------------------- running


def _evaluate(store, text: str) -> QueryResult:
    try:
        return QueryResult.of_answer(store.query(text, use_default_graph_as_union=True, prefixes=PREFIXES))
    except SyntaxError as exc:
        raise QuerySyntaxError(format_syntax_error(exc, text)) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryFailed(f"query failed: {exc}") from None


def _answer_bytes(store, text: str) -> tuple[str, list[str], bytes]:
    """The answer as (kind, variables, W3C bytes): what a forked child sends its parent (the engine
    writes the bytes; the parent reads them once)."""
    import pyoxigraph as ox

    try:
        answer = store.query(text, use_default_graph_as_union=True, prefixes=PREFIXES)
        if isinstance(answer, (ox.QuerySolutions, ox.QueryBoolean)):
            variables = [v.value for v in answer.variables] if isinstance(answer, ox.QuerySolutions) else []
            kind = "select" if isinstance(answer, ox.QuerySolutions) else "ask"
            return kind, variables, answer.serialize(format=ox.QueryResultsFormat.JSON)
        return "graph", [], QueryResult.of_triples(answer).data
    except SyntaxError as exc:
        raise QuerySyntaxError(format_syntax_error(exc, text)) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryFailed(f"query failed: {exc}") from None


def evaluate(store, text: str) -> QueryResult:
    """Run query text as it is (no parameters bound, no checks but its nesting) over the union of the
    store's graphs. Prefer :meth:`NamedQuery.prepare`, which checks and binds."""
    check_nesting(text)
    return _evaluate(store, text)


def update(store, text: str) -> int:
    """Run a SPARQL Update on the (in-memory) store; returns the change in the number of quads."""
    check_nesting(text)
    before = len(store)
    try:
        store.update(text)
    except SyntaxError as exc:
        raise QuerySyntaxError(format_syntax_error(exc, text, "SPARQL update syntax error")) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryFailed(f"update failed: {exc}") from None
    return len(store) - before


def run_query(store, query: str | NamedQuery, params: Mapping[str, str] | None = None, *,
              timeout: float | None = None, limit: int | None = None,
              allow_update: bool = False, allow_service: bool = False) -> QueryResult:
    """Run a library query (name), a ``.rq`` file or SPARQL text over ``store``: prepare, then run.

    ``params`` maps parameter names to values (``{"partner": "Germany"}``); ``timeout``
    is in seconds (see :func:`call_with_timeout`); ``limit`` caps the number of solutions.
    A SPARQL Update (only with ``allow_update``) changes the in-memory store and gives
    a result of kind ``"update"``.

    >>> import pyoxigraph as ox
    >>> run_query(ox.Store(), "SELECT ?x WHERE { BIND(?_n AS ?x) }", {"n": "a"}).rows()
    [{'x': 'a'}]
    """
    prepared = resolve_query(query).prepare(params, limit=limit, allow_update=allow_update,
                                            allow_service=allow_service)
    return prepared.run(store, timeout=timeout)


# --------------------------------------------------------------------------- time limits


def call_with_timeout(fn, timeout: float | None, in_child: bool = True):
    """``fn()``, stopped after ``timeout`` seconds with a :class:`QueryTimeout`.

    pyoxigraph has no query timeout of its own. Where ``fork`` exists (Linux) the call
    runs in a forked child process that sees the in-memory store for free (copy on
    write) and is killed at the deadline: the work really stops. Elsewhere, or for
    updates that must change this process's store, it runs in a daemon thread that is
    abandoned at the deadline (pyoxigraph releases the GIL while it evaluates, so the
    caller gets control back; the thread ends when the query does or the process exits).
    An on-disk store opened by another back end should use the thread (``in_child=False``).
    """
    if timeout is None:
        return fn()
    check_timeout(timeout)
    if _forks(in_child):
        return _call_in_child(fn, timeout)
    return _call_in_thread(fn, timeout)


def _forks(in_child: bool) -> bool:
    import multiprocessing as mp

    return in_child and sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()


def check_timeout(timeout: float | None) -> None:
    """Refuse a timeout that is not a number of seconds above 0 and at most :data:`MAX_TIMEOUT`
    (``nan``, ``inf`` and ``1e300`` included) with a one-line error naming ``--timeout``.

    >>> check_timeout(2.5)
    >>> check_timeout(float("nan"))
    Traceback (most recent call last):
    graph.errors.BadOption: --timeout must be a number of seconds above 0 and at most 86400 (a day), not nan
    """
    if timeout is None:
        return
    import math

    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) \
            or not 0 < timeout <= MAX_TIMEOUT:
        shown = f"{timeout:g}" if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) else repr(timeout)
        raise BadOption(f"--timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT} (a day), not {shown}")


def _timeout_error(timeout: float) -> QueryTimeout:
    return QueryTimeout(f"query timed out after {timeout:g} seconds and was stopped "
                        "(raise --timeout, or add --limit / a narrower pattern)")


def _call_in_child(fn, timeout: float):
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            sender.send(("ok", fn()))
        except KGError as exc:  # sent whole: the parent raises the same type (graph.errors pickles it)
            try:
                sender.send(("kgerror", exc))
            except Exception:  # noqa: BLE001 - an attribute that does not pickle: the message still goes
                sender.send(("kgerror", KGError(str(exc))))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            sender.send(("error", f"{type(exc).__name__}: {exc}"))
        finally:
            sender.close()

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise _timeout_error(timeout)
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise QueryFailed(f"query process ended without an answer (exit code {proc.exitcode})") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receiver.close()
    if status == "ok":
        return payload
    if status == "kgerror":
        raise payload from None
    raise QueryFailed(f"query failed: {payload}")


def _call_in_thread(fn, timeout: float):
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            box["error"] = exc

    worker = threading.Thread(target=work, name="kg-query", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise _timeout_error(timeout)
    if "error" in box:
        raise box["error"]
    return box["value"]


# --------------------------------------------------------------------------- notebook API


def query_rows(query: str | NamedQuery, graph: str | Path | Any = DEFAULT_GRAPH,
               params: Mapping[str, str] | None = None, *, compact: bool = False,
               timeout: float | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Answer a SELECT query as a list of plain dicts, one per solution.

    ``query`` is a library name, a ``.rq`` path or SPARQL text; ``graph`` a graph file, a store
    from :func:`load_store` (load once, query many times) or an rdflib Graph.

    >>> import graph
    >>> graph.query_rows("bases-shared-with", "out/kg.ttl", {"partner": "Germany"}, compact=True)  # doctest: +SKIP
    [{'base': 'akr:incirlik-air-base', 'baseLabel': 'Incirlik Air Base', 'host': 'akr:turkey', ...}]
    """
    res = _select(query, graph, params, timeout, limit, "query_rows answers SELECT queries; this one is {} "
                                                        "(use run_query for ASK, CONSTRUCT and DESCRIBE)")
    return res.rows(compact=compact)


def query_df(query: str | NamedQuery, graph: str | Path | Any = DEFAULT_GRAPH,
             params: Mapping[str, str] | None = None, *, compact: bool = False,
             timeout: float | None = None, limit: int | None = None):
    """Answer a SELECT query as a pandas DataFrame (columns in the query's order).

    Needs pandas (``pip install 'alliance-kg[pandas]'``).

    >>> import graph
    >>> graph.query_df("base-locations", "out/kg.ttl")[["baseLabel", "countryLabel"]]  # doctest: +SKIP
    """
    try:
        import pandas as pd
    except ImportError:
        raise MissingDependency("query_df needs pandas: pip install 'alliance-kg[pandas]' "
                                "(or use query_rows)") from None
    res = _select(query, graph, params, timeout, limit, "query_df answers SELECT queries; this one is {}")
    return pd.DataFrame(res.rows(compact=compact), columns=res.variables)


def _select(query, graph, params, timeout, limit, refusal: str) -> QueryResult:
    store = open_source(graph)
    res = run_query(store, query, params, timeout=timeout, limit=limit)
    if res.kind != "select":
        raise WrongQueryForm(refusal.format(res.kind.upper()))
    return res
