"""Which store the options name: ``--graph FILE``, ``--store DIR``, ``--endpoint URL`` (with
``--update-endpoint``, ``--graph-store``, ``--auth``, ``--token``), or, when none is given, the
environment variables ``KG_STORE`` / ``KG_ENDPOINT`` (``KG_UPDATE_ENDPOINT``, ``KG_GRAPH_STORE``,
``KG_AUTH``, ``KG_TOKEN``), then ``out/kg.ttl``. Every command opens its store here.

>>> open_store(graph="out/kg.ttl")                                          # doctest: +SKIP
<MemoryStore out/kg.ttl>
>>> open_store(store="out/kg.db")                                           # doctest: +SKIP
<OxigraphStore store out/kg.db>
>>> open_store(endpoint="http://127.0.0.1:7878/query", env={})
<EndpointStore endpoint http://127.0.0.1:7878/query>
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from ..errors import KGError
from .base import Store, is_store

ENV_VARS = ("KG_STORE", "KG_ENDPOINT", "KG_UPDATE_ENDPOINT", "KG_GRAPH_STORE", "KG_AUTH", "KG_TOKEN")


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
    from ..query import DEFAULT_GRAPH

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


def open_store(graph=None, *, store: str | Path | None = None, endpoint: str | None = None,
               update_endpoint: str | None = None, graph_store: str | None = None, auth: str | None = None,
               token: str | None = None, writable: bool = False, env: Mapping[str, str] | None = None) -> Store:
    """The store the options name: ``graph`` (a file, loaded in memory; a folder opens as a store
    folder; a store already open is given back, a bare pyoxigraph Store wrapped), ``store`` (an
    Oxigraph store folder) or ``endpoint`` (a SPARQL 1.1 endpoint).

    With none of the three, the environment decides (``KG_STORE``, then ``KG_ENDPOINT`` with
    ``KG_UPDATE_ENDPOINT``, ``KG_GRAPH_STORE``, ``KG_AUTH``, ``KG_TOKEN``), then ``out/kg.ttl``.
    ``writable`` opens a store folder for writing (creating it) and an endpoint for updates.

    >>> import pyoxigraph as ox
    >>> open_store(ox.Store()).description
    'a pyoxigraph Store'
    >>> open_store(graph="out/kg.ttl", writable=True)
    Traceback (most recent call last):
    ...
    graph.errors.KGError: a graph file is written by `kg build --out FILE`, not opened for writing
    """
    from .endpoint import EndpointStore
    from .memory import PyoxigraphStore, memory_store
    from .oxigraph import disk_store

    if is_store(graph):
        if store or endpoint:
            raise KGError("give one of --graph, --store, --endpoint, not a store and "
                          + ("--store" if store else "--endpoint"))
        return graph if isinstance(graph, Store) else PyoxigraphStore(graph, "a pyoxigraph Store")
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
