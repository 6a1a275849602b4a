"""A pyoxigraph Store held in this process; in memory, loaded from a graph file (``--graph FILE``).

>>> s = MemoryStore.from_ntriples("urn:g", b"<urn:a> <urn:b> <urn:c> .\\n")
>>> s.query("ASK { <urn:a> ?p ?o }").__bool__(), len(s)
(True, 1)
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from ..errors import KGError
from .base import Store


class PyoxigraphStore(Store):
    """A :class:`Store` over a pyoxigraph ``Store`` (``inner``): in memory here, on disk in
    :class:`graph.stores.oxigraph.OxigraphStore`.

    >>> import pyoxigraph as ox
    >>> s = PyoxigraphStore(ox.Store(), "scratch")
    >>> s.replace_graph("urn:g", b"<urn:a> <urn:b> <urn:c> .\\n<urn:a> <urn:b> <urn:d> .\\n")
    >>> s.replace_graph("urn:g", b"<urn:a> <urn:b> <urn:c> .\\n")
    >>> s.graph_sizes(["urn:g"]), len(s)
    ({'urn:g': 1}, 1)
    """

    def __init__(self, inner, description: str, read_only: bool = False, fork_safe: bool = True):
        self.inner = inner
        self.description = description
        self._read_only = read_only
        self._fork_safe = fork_safe

    @property
    def read_only(self) -> bool:
        return self._read_only

    @property
    def fork_safe(self) -> bool:
        return self._fork_safe

    def _open(self):
        if self.inner is None:
            raise KGError(f"{self.description} is closed")
        return self.inner

    def pyoxigraph(self):
        """The pyoxigraph ``Store`` this wraps."""
        return self._open()

    def query(self, text: str, *, use_default_graph_as_union: bool = True,
              prefixes: Mapping[str, str] | None = None):
        return self._open().query(text, use_default_graph_as_union=use_default_graph_as_union,
                                  prefixes=dict(prefixes) if prefixes else None)

    def update(self, text: str) -> None:
        self.check_writable()
        self._open().update(text)

    def __len__(self) -> int:
        return len(self._open())

    def replace_graph(self, iri: str, ntriples: bytes) -> None:
        import pyoxigraph as ox

        self.drop_graph(iri)
        try:
            self._open().load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
        except (SyntaxError, ValueError, OSError) as exc:
            raise KGError(f"cannot write graph <{iri}> to {self.description}: {exc}") from None

    def drop_graph(self, iri: str) -> None:
        import pyoxigraph as ox

        self.check_writable()
        try:
            g = ox.NamedNode(iri)
        except ValueError:
            raise KGError(f"not a graph IRI: {iri!r}") from None
        if self._open().contains_named_graph(g):
            self.inner.remove_graph(g)

    def graphs(self) -> list[str]:
        import pyoxigraph as ox

        return sorted(g.value for g in self._open().named_graphs() if isinstance(g, ox.NamedNode))

    def graph_sizes(self, iris: list[str]) -> dict[str, int]:
        import pyoxigraph as ox

        inner = self._open()
        return {iri: sum(1 for _ in inner.quads_for_pattern(None, None, None, ox.NamedNode(iri))) for iri in iris}

    def close(self) -> None:
        if self.inner is not None and not self.read_only:
            self.inner.flush()
        self.inner = None


class MemoryStore(PyoxigraphStore):
    """An in-memory pyoxigraph Store: writable, and queried in a forked child when a query has a time limit.

    >>> MemoryStore().graphs(), MemoryStore().description
    ([], 'memory')
    """

    def __init__(self, inner=None, description: str = "memory"):
        if inner is None:
            import pyoxigraph as ox

            inner = ox.Store()
        super().__init__(inner, description, read_only=False, fork_safe=True)

    @classmethod
    def from_file(cls, path: str | Path) -> "MemoryStore":
        """A graph file (Turtle, TriG, N-Triples, N-Quads, JSON-LD) loaded into memory; messages name the file."""
        from ..rdfio import load_graph_file

        return cls(load_graph_file(path), str(path))

    @classmethod
    def from_ntriples(cls, iri: str, ntriples: bytes) -> "MemoryStore":
        """A store holding one named graph (handy in tests and examples)."""
        store = cls()
        store.replace_graph(iri, ntriples)
        return store


def memory_store(path: str | Path) -> MemoryStore:
    """A graph file (Turtle, TriG, N-Triples, N-Quads, JSON-LD) loaded into an in-memory store.

    >>> memory_store("out/kg.ttl").description                                 # doctest: +SKIP
    'out/kg.ttl'
    """
    return MemoryStore.from_file(path)
