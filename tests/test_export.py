"""The NetworkX export: entity nodes, fact edges with evidence, GraphML / GEXF / node-link JSON files."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from conftest import CORPUS, run_kg
from graph.errors import KGError
from graph.export import FORMATS, from_construct, read_graph, to_networkx

AKR = "https://w3id.org/alliance-kg/id/"
AKV = "https://w3id.org/alliance-kg/vocab/"
INCIRLIK, GERMANY, TURKEY, NATO = (AKR + x for x in ("incirlik-air-base", "germany", "turkey", "nato"))


@pytest.fixture(scope="module")
def G(built_graph):
    return to_networkx(built_graph)


def _edges(G, relation):
    return {(u.removeprefix(AKR), v.removeprefix(AKR)) for u, v, k in G.edges(keys=True) if k == relation}


def test_edges_are_the_facts_the_corpus_states(G):
    # corpus/shared-military-bases.md: "Al Udeid Air Base in Qatar and Prince Sultan Air Base in Saudi Arabia"
    # shared with the U.S.; "the German forces are based in Incirlik Air Base, in NATO ally Turkey"
    assert _edges(G, "hostsForcesOf") == {
        ("al-udeid-air-base", "united-states"), ("incirlik-air-base", "germany"),
        ("prince-sultan-air-base", "united-states"),
    }
    assert _edges(G, "locatedIn") == {
        ("al-udeid-air-base", "qatar"), ("incirlik-air-base", "turkey"), ("prince-sultan-air-base", "saudi-arabia"),
    }
    assert ("turkey", "nato") in _edges(G, "memberOf")
    assert {k for _, _, k in G.edges(keys=True)} <= {
        "locatedIn", "hostsForcesOf", "memberOf", "alliedWith", "coversArea", "addressesThreat",
        "servesPurpose", "formedIn"}


def test_nodes_are_entities_with_class_label_and_reference_data(G):
    inc = G.nodes[INCIRLIK]
    assert (inc["label"], inc["type"], inc["iri"]) == ("Incirlik Air Base", "AirBase", INCIRLIK)
    assert "MilitaryBase" not in inc["type"] and inc["lat"] == pytest.approx(37.0, abs=0.1)
    assert G.nodes[TURKEY]["type"] == "Country" and G.nodes[TURKEY]["wikidata"] == "Q43"
    assert G.nodes[NATO]["type"] == "MilitaryAlliance"
    assert G.nodes[AKV + "cold-war"]["type"] == "HistoricalPeriod"
    for n, d in G.nodes(data=True):
        assert n.startswith((AKR, AKV)), n
        assert d["type"] not in ("Statement", "Evidence", "Document", "Literal", "Entity"), (n, d["type"])
        assert not n.startswith((AKR + "stmt-", AKR + "ev-", AKR + "doc-"))


def test_edge_evidence_is_the_sentence_at_its_offsets(G):
    d = G.edges[INCIRLIK, GERMANY, "hostsForcesOf"]
    assert d["label"] == "hosts forces of" and d["relation"] == "hostsForcesOf"
    assert d["statement"].startswith(AKR + "stmt-")
    [ev] = d["evidence"]
    assert ev["path"] == "shared-military-bases.md"
    assert ev["title"] == "Shared Military Bases in Islamic Nations"
    assert ev["quote"] == ("As an example, the German forces are based in Incirlik Air Base, in NATO ally Turkey, "
                           "reflecting a broader strategic alliance.")
    text = (CORPUS / ev["path"]).read_text(encoding="utf-8")
    assert text[ev["start"]:ev["end"]] == ev["quote"]
    for _, _, data in G.edges(data=True):
        assert data["evidence"], data  # every exported fact has its evidence


def test_edge_count_equals_statement_count(built_graph, G):
    from graph.query import load_store, query_rows

    rows = query_rows("""
        PREFIX akg: <https://w3id.org/alliance-kg/ontology#>
        SELECT (COUNT(DISTINCT ?st) AS ?n) WHERE {
          VALUES ?p { akg:locatedIn akg:hostsForcesOf akg:memberOf akg:alliedWith akg:coversArea
                      akg:addressesThreat akg:servesPurpose akg:formedIn }
          ?st akg:statementProperty ?p ; akg:statementObject ?o . FILTER isIRI(?o) }""", load_store(built_graph))
    assert G.number_of_edges() == rows[0]["n"] > 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_kg_export_reopens_in_networkx_with_same_counts(built_graph, G, tmp_path, fmt):
    out = tmp_path / f"kg.{fmt}"
    r = run_kg("export", "--graph", built_graph, "--format", fmt, "--out", out)
    assert r.returncode == 0, r.stderr
    if fmt == "graphml":
        H = nx.read_graphml(out, force_multigraph=True)
    elif fmt == "gexf":
        H = nx.read_gexf(out)
    else:
        H = nx.node_link_graph(json.loads(out.read_text(encoding="utf-8")), directed=True, multigraph=True,
                               edges="edges")
    assert (H.number_of_nodes(), H.number_of_edges()) == (G.number_of_nodes(), G.number_of_edges())
    assert set(H.nodes) == set(G.nodes)
    assert H.is_directed()
    assert H.nodes[INCIRLIK]["type"] == "AirBase"
    [(_, _, data)] = [e for e in H.edges(data=True) if e[0] == INCIRLIK and e[1] == GERMANY]
    evidence = data["evidence"] if fmt == "json" else json.loads(data["evidence"])  # XML formats: JSON text
    assert "German forces are based in Incirlik Air Base" in evidence[0]["quote"]
    assert read_graph(out).number_of_edges() == G.number_of_edges()
    again = tmp_path / f"again.{fmt}"
    assert run_kg("export", "--graph", built_graph, "--format", fmt, "--out", again).returncode == 0
    assert again.read_bytes() == out.read_bytes()  # same input, same bytes


def test_kg_export_bad_input_is_one_line_error_and_no_file(built_graph, tmp_path):
    out = tmp_path / "kg.xyz"
    r = run_kg("export", "--graph", built_graph, "--format", "xyz", "--out", out)
    assert r.returncode != 0 and "unknown --format 'xyz'" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()
    r = run_kg("export", "--graph", tmp_path / "missing.ttl", "--format", "json", "--out", tmp_path / "x.json")
    assert r.returncode != 0 and "missing.ttl" in r.stderr and "graph file not found" in r.stderr
    assert not (tmp_path / "x.json").exists()


COLLIDE_TTL = """
@prefix akg: <https://w3id.org/alliance-kg/ontology#> .
@prefix akr: <https://w3id.org/alliance-kg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
akr:base-a a akg:AirBase ; rdfs:label "Base A" ; akg:locatedIn akr:land-b ;
    rdfs:comment "https://w3id.org/alliance-kg/id/land-b" .
akr:land-b a akg:Country ; rdfs:label "Land B" .
"""


def test_construct_result_graph_keeps_literals_apart_from_iris(tmp_path):
    path = tmp_path / "g.ttl"
    path.write_text(COLLIDE_TTL, encoding="utf-8")
    H = from_construct(path, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    lit = '"https://w3id.org/alliance-kg/id/land-b"'
    assert set(H.nodes) == {AKR + "base-a", AKR + "land-b", lit}
    assert H.nodes[lit]["type"] == "Literal" and H.nodes[lit]["label"] == AKR + "land-b"
    assert H.nodes[AKR + "land-b"]["type"] == "Country" and H.nodes[AKR + "land-b"]["label"] == "Land B"
    assert set(H.edges(keys=True)) == {(AKR + "base-a", AKR + "land-b", "locatedIn"), (AKR + "base-a", lit, "comment")}


def test_construct_result_edges_take_evidence_from_the_statements(built_graph):
    H = from_construct(built_graph, """PREFIX akg: <https://w3id.org/alliance-kg/ontology#>
        CONSTRUCT { ?b akg:hostsForcesOf ?c } WHERE { ?b akg:hostsForcesOf ?c }""")
    assert H.number_of_edges() == 3
    assert H.nodes[INCIRLIK]["label"] == "Incirlik Air Base"  # labels looked up in the store
    assert "German forces" in H.edges[INCIRLIK, GERMANY, "hostsForcesOf"]["evidence"][0]["quote"]


def test_construct_rejects_a_select_query(built_graph):
    with pytest.raises(KGError, match="not a CONSTRUCT"):
        from_construct(built_graph, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")


def test_trig_with_named_graphs_exports_the_same_graph(built_trig, G):
    T = to_networkx(built_trig)
    assert set(T.nodes) == set(G.nodes)
    assert set(T.edges(keys=True)) == set(G.edges(keys=True))
