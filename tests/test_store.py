"""The persistent embedded store (`--store DIR`, an on-disk Oxigraph store) and the store interface.

`kg build --store DIR` replaces each named graph it writes (documents, ontology, inferences) and
drops the graphs of documents no longer in the corpus; every other command opens the folder
read-only and answers exactly as it does from the file the same build writes.
"""

from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest

from graph.errors import KGError
from graph.query import list_queries, load_store, run_query
from graph.stores import GRAPH_NS, OxigraphStore, Store, chosen, disk_store, open_store

from conftest import CORPUS, run_kg
from test_endpoint import COUNT_BOUND, LIBRARY

DOC = GRAPH_NS + "doc/"
GERMAN = "As an example, the German forces are based in Incirlik Air Base"


@pytest.fixture(scope="module")
def built_store(tmp_path_factory):
    """`kg build --store DIR --out FILE.trig`: the store and the file of the same build."""
    tmp = tmp_path_factory.mktemp("store")
    db, trig = tmp / "db", tmp / "kg.trig"
    r = run_kg("build", "--corpus", CORPUS, "--store", db, "--out", trig)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"Built {trig}: 2 documents")
    assert f"store {db}: 5 named graphs replaced, 0 stale graphs dropped" in r.stdout
    return db, trig


def quads(db) -> dict[str, int]:
    """Triples per named graph of a store folder."""
    st = disk_store(db)
    try:
        return {g: len(list(st.inner.quads_for_pattern(None, None, None, ox.NamedNode(g)))) for g in st.graphs()}
    finally:
        st.close()


def test_stores_share_one_interface(built_store):
    db, trig = built_store
    for st in (open_store(store=db), open_store(graph=trig), open_store(endpoint="http://127.0.0.1:1/query")):
        assert isinstance(st, Store)


def test_rebuild_replaces_graphs_and_never_duplicates(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    db = tmp_path / "db"
    assert run_kg("build", "--corpus", corpus, "--store", db, "-q").returncode == 0
    first = quads(db)
    assert sorted(first) == [DOC + "shared-military-bases", DOC + "strategic-military-alliances",
                             GRAPH_NS + "entities", GRAPH_NS + "inferred", GRAPH_NS + "ontology"]
    assert run_kg("build", "--corpus", corpus, "--store", db, "-q").returncode == 0
    assert quads(db) == first  # the same build twice: the same triples, none twice

    # change one document: drop the sentence about German forces at Incirlik
    doc = corpus / "shared-military-bases.md"
    text = doc.read_text(encoding="utf-8")
    start = text.index(GERMAN)
    doc.write_text(text[:start] + text[text.index(".", start) + 1:], encoding="utf-8")
    r = run_kg("build", "--corpus", corpus, "--store", db, "--out", tmp_path / "changed.trig")
    assert r.returncode == 0, r.stderr
    changed = quads(db)
    fresh = load_store(tmp_path / "changed.trig")
    assert changed == {g.value: len(list(fresh.quads_for_pattern(None, None, None, g))) for g in fresh.named_graphs()}
    assert changed[DOC + "shared-military-bases"] < first[DOC + "shared-military-bases"]
    assert changed[DOC + "strategic-military-alliances"] == first[DOC + "strategic-military-alliances"]
    st = open_store(store=db)
    assert run_query(st, COUNT_BOUND, {"partner": "Germany"}).rows() == [{"n": 0}]
    st.close()

    # remove a document: its graph goes too
    (corpus / "strategic-military-alliances.md").unlink()
    r = run_kg("build", "--corpus", corpus, "--store", db)
    assert r.returncode == 0, r.stderr
    assert "4 named graphs replaced, 1 stale graphs dropped" in r.stdout
    assert DOC + "strategic-military-alliances" not in quads(db)


def test_graphs_outside_the_project_namespace_are_left_alone(tmp_path):
    db = tmp_path / "db"
    st = disk_store(db, writable=True)
    st.replace_graph("urn:team:notes", b"<urn:a> <urn:b> \"kept\" .\n")
    st.close()
    assert run_kg("build", "--corpus", CORPUS, "--store", db, "-q").returncode == 0
    assert quads(db)["urn:team:notes"] == 1


@pytest.mark.parametrize("name, params", LIBRARY, ids=[n for n, _ in LIBRARY])
def test_library_answers_the_same_from_the_store(built_store, name, params):
    db, trig = built_store
    st = open_store(store=db)
    assert st.read_only and isinstance(st, OxigraphStore)
    here, there = run_query(load_store(trig), name, params), run_query(st, name, params, timeout=30)
    assert (there.kind, there.variables, there.data) == (here.kind, here.variables, here.data)
    assert here.data


def test_bound_count_from_the_store(built_store):
    st = open_store(store=built_store[0])
    assert run_query(st, COUNT_BOUND, {"partner": "United States"}).rows() == [{"n": 2}]


def test_query_view_export_validate_from_the_store(built_store, tmp_path):
    db, trig = built_store
    r1 = run_kg("query", "bases-shared-with", "--param", "partner=USA", "--store", db)
    r2 = run_kg("query", "bases-shared-with", "--param", "partner=USA", "--graph", trig)
    assert r1.returncode == 0 and r1.stdout == r2.stdout and "Al Udeid Air Base" in r1.stdout
    for cmd, ext in (("view", "html"), ("export", "gexf")):
        a, b = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
        ra = run_kg(cmd, "--store", db, "--out", a)
        rb = run_kg(cmd, "--graph", trig, "--out", b)
        assert ra.returncode == 0 and rb.returncode == 0, ra.stderr + rb.stderr
        assert a.read_bytes() == b.read_bytes(), cmd
    ra, rb = run_kg("validate", "--store", db), run_kg("validate", "--graph", trig)
    assert ra.returncode == rb.returncode == 0
    assert ra.stdout.replace(f"store {db}", "X") == rb.stdout.replace(str(trig), "X")


def test_store_from_the_environment_and_read_only(built_store):
    db, trig = built_store
    r = run_kg("query", "shared-bases", "--format", "json", env={"KG_STORE": str(db)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == run_query(load_store(trig), "shared-bases").serialize("json").decode().strip()
    r = run_kg("query", "-e", "DELETE WHERE { ?s ?p ?o }", "--allow-update", "--store", db)
    assert r.returncode == 2 and "opened for reading only" in r.stderr
    assert chosen(graph="x.ttl", env={"KG_STORE": "db"}) == ("graph", "x.ttl")  # an explicit option wins


def test_store_errors(tmp_path):
    r = run_kg("query", "shared-bases", "--store", tmp_path / "missing")
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: {tmp_path / 'missing'}: store folder not found; build it first with `kg build --store DIR`"
    r = run_kg("build", "--corpus", CORPUS, "--store", tmp_path / "db", "--endpoint", "http://127.0.0.1:1/query")
    assert r.returncode == 2 and "give one of --graph, --store, --endpoint" in r.stderr
    assert not (tmp_path / "db").exists()
    with pytest.raises(KGError, match="not opened for writing"):
        open_store(graph="out/kg.ttl", writable=True)


def test_failed_validation_writes_nothing_to_the_store(tmp_path):
    shapes = tmp_path / "strict.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix akg: <https://w3id.org/alliance-kg/ontology#> .\n"
        "<urn:s> a sh:NodeShape ; sh:targetClass akg:Country ; sh:property [ sh:path akg:noSuchProperty ; sh:minCount 1 ] .\n",
        encoding="utf-8")
    r = run_kg("build", "--corpus", CORPUS, "--store", tmp_path / "db", "--shapes", shapes)
    assert r.returncode == 1
    assert not (tmp_path / "db").exists()
