"""The contract every store keeps: :class:`Store`, and what is written through it.

A store is where the graph lives: a graph file loaded in memory (:mod:`graph.stores.memory`), an
on-disk Oxigraph store folder (:mod:`graph.stores.oxigraph`) or a SPARQL 1.1 endpoint
(:mod:`graph.stores.endpoint`). Every command reads and writes the graph through this one
interface, so :mod:`graph.query`, :mod:`graph.export` and :mod:`graph.view` run unchanged on any of them.

>>> from graph.stores import MemoryStore
>>> with MemoryStore() as s:
...     s.replace_graph("urn:g", b"<urn:a> <urn:b> <urn:c> .\\n")
...     s.graphs(), len(s), s.graph_sizes(["urn:g", "urn:h"]), s.read_only, s.fork_safe
(['urn:g'], 1, {'urn:g': 1, 'urn:h': 0}, False, True)
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any, Mapping

from ..errors import KGError, ReadOnlyStoreError
from ..vocab import GRAPH as GRAPH_NS


class Store(ABC):
    """Where the graph lives; what every command needs from it.

    * ``description``: how messages name the store: a graph file, ``store DIR`` or ``endpoint URL``.
    * :attr:`read_only`: True when the store refuses every write (:meth:`update`, :meth:`replace_graph`,
      :meth:`drop_graph`) with :class:`~graph.errors.ReadOnlyStoreError`.
    * :attr:`fork_safe`: True when a query may run in a forked child process (an in-memory store,
      whose timeouts then really stop the query); False for a store that holds files or connections
      (queried in a thread instead).
    * :meth:`query` answers SPARQL over the union of the named graphs with pyoxigraph's result types
      (``QuerySolutions``, ``QueryBoolean``, an iterable of ``Triple``); :meth:`update` runs SPARQL Update.
    * :meth:`replace_graph` makes one named graph hold exactly the N-Triples given (loaded, never
      added to what was there); :meth:`drop_graph` removes one (no error when it is missing);
      :meth:`graphs` lists the named graphs; :meth:`graph_sizes` counts triples per named graph;
      ``len(store)`` counts the quads the store holds.
    * :meth:`pyoxigraph` gives the pyoxigraph ``Store`` beneath, for what reads it in place (scaled
      validation), or None (an endpoint).
    * :meth:`close` releases files and connections; a store is a context manager that closes on exit.
    """

    description: str = "the graph"

    @property
    @abstractmethod
    def read_only(self) -> bool:
        """Whether every write is refused with :class:`~graph.errors.ReadOnlyStoreError`."""

    @property
    @abstractmethod
    def fork_safe(self) -> bool:
        """Whether a query may run in a forked child process."""

    @abstractmethod
    def query(self, text: str, *, use_default_graph_as_union: bool = True,
              prefixes: Mapping[str, str] | None = None) -> Any:
        """Answer a SPARQL query over the union of the named graphs (pyoxigraph result types)."""

    @abstractmethod
    def update(self, text: str) -> None:
        """Run a SPARQL Update; refused on a read-only store."""

    @abstractmethod
    def replace_graph(self, iri: str, ntriples: bytes) -> None:
        """Make the named graph ``iri`` hold exactly these N-Triples."""

    @abstractmethod
    def drop_graph(self, iri: str) -> None:
        """Remove the named graph ``iri`` (no error when it is missing)."""

    @abstractmethod
    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""

    @abstractmethod
    def graph_sizes(self, iris: list[str]) -> dict[str, int]:
        """How many triples each of these named graphs holds (a missing or empty graph: 0)."""

    @abstractmethod
    def __len__(self) -> int:
        """The number of quads the store holds."""

    @abstractmethod
    def close(self) -> None:
        """Release the store (files, connections); closing twice does nothing."""

    def check_whole_graph(self, received: int) -> None:
        """Fail when ``received``, the distinct triples a whole-graph ``CONSTRUCT`` brought, are fewer
        than the store holds: an endpoint may cut an answer at its own limit without a word. A store in
        this process answers whole: nothing to check."""

    def pyoxigraph(self) -> Any:
        """The pyoxigraph ``Store`` in this process that holds the graph, or None (the default: an
        endpoint, whose graph is only reached by queries)."""
        return None

    def check_writable(self) -> None:
        """Raise :class:`~graph.errors.ReadOnlyStoreError` when the store is read-only."""
        if self.read_only:
            raise ReadOnlyStoreError(f"{self.description} is opened for reading only")

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.description}>"


def is_store(source) -> bool:
    """Whether ``source`` is a store (a :class:`Store` or a bare pyoxigraph Store), not a path or a graph.

    >>> from graph.stores import MemoryStore
    >>> is_store(MemoryStore()), is_store("out/kg.ttl")
    (True, False)
    """
    if isinstance(source, Store):
        return True
    import pyoxigraph as ox

    return isinstance(source, ox.Store)


def describe(source) -> str:
    """How messages name a store: its file, ``store DIR`` or ``endpoint URL``.

    >>> describe(None)
    'the graph'
    """
    return source.description if isinstance(source, Store) else "the graph"


def check_graph_iri(iri: str) -> None:
    """Refuse a graph name that cannot be written between ``<`` and ``>`` in SPARQL.

    >>> check_graph_iri("urn:g")
    >>> check_graph_iri("urn:g> } ; DROP ALL #")
    Traceback (most recent call last):
    ...
    graph.errors.KGError: not a graph IRI: 'urn:g> } ; DROP ALL #'
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|^`\\]*", iri):
        raise KGError(f"not a graph IRI: {iri!r}")


def write_to_store(ds, target: Store) -> dict[str, int]:
    """Write a built dataset into a store: each of its named graphs replaces the graph of the same IRI,
    and project graphs (``https://w3id.org/alliance-kg/graph/...``) the build did not produce (a
    document no longer in the corpus) are dropped. Other graphs are left alone. Then every graph
    written or dropped is counted back (:meth:`Store.graph_sizes`), so that a server that answered
    success but stored nothing is an error.

    Returns counts: ``{"graphs": written, "dropped": removed, "triples": written triples}``.

    >>> from rdflib import Dataset, URIRef
    >>> from graph.stores import MemoryStore
    >>> ds = Dataset()
    >>> _ = ds.graph(URIRef(GRAPH_NS + "doc/a")).add((URIRef("urn:s"), URIRef("urn:p"), URIRef("urn:o")))
    >>> write_to_store(ds, MemoryStore())
    {'graphs': 1, 'dropped': 0, 'triples': 1}
    """
    from ..rdfio import dataset_graphs

    if hasattr(ds, "graph_ntriples"):  # a build's spool: one graph in memory at a time
        sizes, produced = ds.graph_sizes(), ds.graph_ntriples()
    else:
        produced = dataset_graphs(ds)
        sizes = {iri: data.count(b"\n") for iri, data in produced}
    stale = [g for g in target.graphs() if g.startswith(GRAPH_NS) and g not in sizes]
    for iri, data in produced:
        target.replace_graph(iri, data)
    for iri in stale:
        target.drop_graph(iri)
    check_written(target, sizes | dict.fromkeys(stale, 0), target.graph_sizes(sorted(set(sizes) | set(stale))))
    return {"graphs": len(sizes), "dropped": len(stale), "triples": sum(sizes.values())}


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
