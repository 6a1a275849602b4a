"""The store contract (graph.stores.Store), kept alike by all three back ends: a graph in memory, an
on-disk Oxigraph store folder, and a SPARQL endpoint (a real `oxigraph serve` on loopback).

Each test gets an empty place to write to: a fresh pyoxigraph Store, a fresh folder, or the one
module-wide server emptied with `DROP ALL`. `backend.open()` opens a store on that place (writable
by default); opening it again sees what an earlier, closed store wrote.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.errors import KGError, ReadOnlyStoreError
from graph.query import run_query
from graph.stores import EndpointStore, MemoryStore, Store, disk_store, write_to_store

from conftest import start_oxigraph, stop

DOC = "https://w3id.org/alliance-kg/graph/doc/"
A, B = DOC + "a", DOC + "b"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
HOSTS = "<https://w3id.org/alliance-kg/ontology#hostsForcesOf>"
A_DATA = (f'<urn:x:incirlik> {HOSTS} <urn:x:usa> .\n'
          f'<urn:x:incirlik> {LABEL} "Incirlik Air Base"@en .\n').encode()
B_DATA = (f'<urn:x:ramstein> {HOSTS} <urn:x:usa> .\n'
          f'<urn:x:ramstein> {HOSTS} <urn:x:germany> .\n'
          f'<urn:x:ramstein> {LABEL} "Ramstein Air Base" .\n').encode()
HOSTED = f"SELECT ?base ?partner WHERE {{ ?base {HOSTS} ?partner }} ORDER BY ?base ?partner"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One writable Oxigraph server (union default graph) for the module; stopped at the end."""
    proc, url = start_oxigraph(tmp_path_factory.mktemp("contract") / "db")
    try:
        yield url
    finally:
        stop(proc)


class Backend:
    """A place a store lives: ``open(read_only=False)`` gives a new store on it."""

    def __init__(self, kind: str, where):
        self.kind, self.where = kind, where

    def open(self, read_only: bool = False) -> Store:
        if self.kind == "memory":
            assert not read_only, "a store in memory is always writable"
            return MemoryStore(self.where)
        if self.kind == "oxigraph":
            return disk_store(self.where, writable=not read_only)
        return EndpointStore(self.where, read_only=read_only)


@pytest.fixture(params=["memory", "oxigraph", "endpoint"])
def backend(request, tmp_path):
    if request.param == "memory":
        yield Backend("memory", ox.Store())
    elif request.param == "oxigraph":
        yield Backend("oxigraph", tmp_path / "db")
    else:
        url = request.getfixturevalue("server")
        EndpointStore(url, read_only=False).update("DROP ALL")
        yield Backend("endpoint", url)


@pytest.fixture
def store(backend):
    """A writable store on an empty place, holding the graphs A and B; closed after the test."""
    s = backend.open()
    s.replace_graph(A, A_DATA)
    s.replace_graph(B, B_DATA)
    yield s
    s.close()


def rows(result) -> list[tuple]:
    return [tuple(sol[v].value if sol[v] is not None else None for v in result.variables) for sol in result]


def test_every_store_keeps_the_contract(backend):
    s = backend.open()
    assert isinstance(s, Store)
    assert isinstance(s.read_only, bool) and isinstance(s.fork_safe, bool) and isinstance(s.description, str)
    assert (s.read_only, s.fork_safe) == {"memory": (False, True), "oxigraph": (False, False),
                                          "endpoint": (False, False)}[backend.kind]
    assert s.graphs() == [] and len(s) == 0
    s.close()


def test_query_returns_the_same_rows(store):
    assert rows(store.query(HOSTED)) == [
        ("urn:x:incirlik", "urn:x:usa"),
        ("urn:x:ramstein", "urn:x:germany"),
        ("urn:x:ramstein", "urn:x:usa"),
    ]
    assert bool(store.query("ASK { <urn:x:ramstein> ?p <urn:x:germany> }")) is True
    assert bool(store.query("ASK { <urn:x:incirlik> ?p <urn:x:germany> }")) is False
    triples = sorted(str(t) for t in store.query(f"CONSTRUCT {{ ?b {LABEL} ?l }} WHERE {{ ?b {LABEL} ?l }}"))
    assert triples == [f'<urn:x:incirlik> {LABEL} "Incirlik Air Base"@en',
                       f'<urn:x:ramstein> {LABEL} "Ramstein Air Base"']
    # with the project's prefixes, through the query API every command uses
    result = run_query(store, "SELECT ?l WHERE { ?b akg:hostsForcesOf ?p ; rdfs:label ?l } ORDER BY ?l")
    assert result.rows() == [{"l": "Incirlik Air Base"}, {"l": "Ramstein Air Base"}, {"l": "Ramstein Air Base"}]
    named = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
                        use_default_graph_as_union=False)
    assert rows(named) == [(A, "2"), (B, "3")]


def test_replace_leaves_no_duplicates(store, backend):
    store.replace_graph(B, B_DATA)  # the same graph again: nothing doubled
    assert store.graph_sizes([A, B]) == {A: 2, B: 3}
    assert len(store) == 5
    store.replace_graph(B, f"<urn:x:ramstein> {HOSTS} <urn:x:poland> .\n".encode())  # other triples: the old go
    assert store.graph_sizes([A, B]) == {A: 2, B: 1}
    assert len(store) == 3
    assert rows(store.query(HOSTED)) == [("urn:x:incirlik", "urn:x:usa"), ("urn:x:ramstein", "urn:x:poland")]
    assert store.graphs() == [A, B]


def test_drop(store):
    store.drop_graph(A)
    assert store.graphs() == [B]
    assert store.graph_sizes([A, B]) == {A: 0, B: 3}
    assert len(store) == 3
    store.drop_graph(A)  # a graph that is not there: no error
    store.drop_graph(DOC + "never-written")
    assert store.graphs() == [B]
    assert rows(store.query(HOSTED)) == [("urn:x:ramstein", "urn:x:germany"), ("urn:x:ramstein", "urn:x:usa")]


def test_len_and_graph_sizes(store):
    assert len(store) == 5
    assert store.graph_sizes([A, B, DOC + "missing"]) == {A: 2, B: 3, DOC + "missing": 0}
    assert store.graph_sizes([]) == {}
    with pytest.raises(KGError, match="not a graph IRI"):
        store.drop_graph("urn:x> } ; DROP ALL #")
    assert len(store) == 5


def test_update_and_write_to_store(store):
    store.update(f"INSERT DATA {{ GRAPH <{A}> {{ <urn:x:incirlik> {HOSTS} <urn:x:spain> }} }}")
    assert store.graph_sizes([A]) == {A: 3}
    from rdflib import Dataset, URIRef

    ds = Dataset()
    ds.graph(URIRef(A)).add((URIRef("urn:x:s"), URIRef("urn:x:p"), URIRef("urn:x:o")))
    # B is a project graph the "build" did not produce: dropped; A replaced
    assert write_to_store(ds, store) == {"graphs": 1, "dropped": 1, "triples": 1}
    assert store.graphs() == [A] and len(store) == 1


@pytest.mark.parametrize("kind", ["oxigraph", "endpoint"])
def test_read_only_refuses_updates_with_a_typed_error(kind, tmp_path, request):
    where = tmp_path / "db" if kind == "oxigraph" else request.getfixturevalue("server")
    backend = Backend(kind, where)
    if kind == "endpoint":
        EndpointStore(where, read_only=False).update("DROP ALL")
    with backend.open() as writer:
        writer.replace_graph(A, A_DATA)
    reader = backend.open(read_only=True)
    assert reader.read_only is True and reader.fork_safe is False
    for write in (lambda: reader.update(f"DROP GRAPH <{A}>"), lambda: reader.replace_graph(A, B_DATA),
                  lambda: reader.replace_graph(B, B_DATA), lambda: reader.drop_graph(A)):
        with pytest.raises(ReadOnlyStoreError) as caught:
            write()
        assert str(caught.value) == f"{reader.description} is opened for reading only"
    assert reader.graph_sizes([A, B]) == {A: 2, B: 0}  # nothing changed
    reader.close()


def test_a_store_in_memory_is_writable():
    s = MemoryStore()
    assert s.read_only is False
    s.update("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }")
    assert s.graphs() == ["urn:g"] and len(s) == 1


def test_close(backend):
    with backend.open() as s:
        s.replace_graph(A, A_DATA)
    with pytest.raises(KGError, match="is closed"):
        s.query(HOSTED)
    with pytest.raises(KGError, match="is closed"):
        s.replace_graph(B, B_DATA)
    s.close()  # closing twice does nothing
    again = backend.open()  # what was written before the close is there for the next opener
    assert again.graph_sizes([A, B]) == {A: 2, B: 0}
    assert rows(again.query(HOSTED)) == [("urn:x:incirlik", "urn:x:usa")]
    again.close()
