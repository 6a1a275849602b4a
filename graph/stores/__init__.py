"""Where the graph lives: a graph file, an on-disk Oxigraph store folder, or any SPARQL 1.1 endpoint.

* :mod:`graph.stores.base`: the contract, :class:`Store` (query, update, replace and drop named
  graphs, ``len``, ``graph_sizes``, ``read_only``, ``fork_safe``, close), and :func:`write_to_store`;
* :mod:`graph.stores.memory`: :class:`MemoryStore`, a graph file loaded in memory (``--graph FILE``);
* :mod:`graph.stores.oxigraph`: :class:`OxigraphStore`, a store folder (``--store DIR``), its lock
  and the atomic swap of ``kg build --store``;
* :mod:`graph.stores.endpoint`: :class:`EndpointStore` (``--endpoint URL``), over the HTTP client of
  :mod:`graph.stores.http`;
* :mod:`graph.stores.registry`: :func:`open_store`, which picks one from the options or the environment.

>>> store = open_store(graph="out/kg.ttl")                                  # doctest: +SKIP
>>> store = open_store(store="out/kg.db")                                   # doctest: +SKIP
>>> store = open_store(endpoint="http://127.0.0.1:7878/query")              # doctest: +SKIP
>>> from graph.query import run_query
>>> run_query(store, "bases-shared-with", {"partner": "USA"}).rows()        # doctest: +SKIP
"""

from __future__ import annotations

from .base import GRAPH_NS, Store, check_written, describe, is_store, write_to_store
from .endpoint import EndpointStore, derived_urls, strip_lateral
from .http import EndpointError, EndpointRedirect, HttpClient
from .memory import MemoryStore, PyoxigraphStore, memory_store
from .oxigraph import (OxigraphStore, StoreLock, check_store_target, disk_store, is_store_folder, lock_store,
                       store_siblings, write_store_folder)
from .registry import ENV_VARS, chosen, open_store

__all__ = [
    "GRAPH_NS", "Store", "check_written", "describe", "is_store", "write_to_store",
    "EndpointStore", "derived_urls", "strip_lateral", "EndpointError", "EndpointRedirect", "HttpClient",
    "MemoryStore", "PyoxigraphStore", "memory_store",
    "OxigraphStore", "StoreLock", "check_store_target", "disk_store", "is_store_folder", "lock_store",
    "store_siblings", "write_store_folder",
    "ENV_VARS", "chosen", "open_store",
]
