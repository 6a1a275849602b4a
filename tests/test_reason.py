"""Reasoning: the wanted OWL-RL inferences in their own named graph, and none of the pitfalls."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from conftest import ROOT, run_kg
from graph.build import load_ontology
from graph.namespaces import AKG, AKR, INFERRED_GRAPH, ONTOLOGY_GRAPH, ORG, SCHEMA, WD
from graph.reason import ReasoningError, add_inferences, infer

ONTOLOGY = ROOT / "ontology" / "alliances.ttl"

# A small corpus whose facts imply one inference of each wanted kind.
DOCS = {
    "bahrain.md": (
        "# Bases in Bahrain\n\n"
        "Naval Support Activity Bahrain, located in Manama, Bahrain, hosts the U.S. Navy's Fifth Fleet. "
        "British forces are stationed at HMS Jufair, located in Manama.\n"
    ),
    "allies.md": (
        "# Allies\n\n"
        "Turkey and Pakistan are close allies. "
        "German forces are based at Incirlik Air Base in Turkey.\n"
    ),
}

# Every inference the small corpus should yield through an ontology property (the akg: part of the
# inferred graph), worked out by hand from the sentences above and the ontology axioms.
EXPECTED_AKG = {
    # subclassing: AirBase/NavalBase -> MilitaryBase -> Place, Country/City -> Place
    (AKR["incirlik-air-base"], RDF.type, AKG.MilitaryBase),
    (AKR["incirlik-air-base"], RDF.type, AKG.Place),
    (AKR["naval-support-activity-bahrain"], RDF.type, AKG.MilitaryBase),
    (AKR["naval-support-activity-bahrain"], RDF.type, AKG.Place),
    (AKR["hms-jufair"], RDF.type, AKG.MilitaryBase),
    (AKR["hms-jufair"], RDF.type, AKG.Place),
    (AKR["manama"], RDF.type, AKG.Place),
    *((AKR[c], RDF.type, AKG.Place) for c in ("bahrain", "united-states", "united-kingdom", "turkey", "pakistan", "germany")),
    # inverse of hostsForcesOf
    (AKR["germany"], AKG.hasForcesAt, AKR["incirlik-air-base"]),
    (AKR["united-states"], AKG.hasForcesAt, AKR["naval-support-activity-bahrain"]),
    (AKR["united-kingdom"], AKG.hasForcesAt, AKR["hms-jufair"]),
    # symmetric alliedWith
    (AKR["pakistan"], AKG.alliedWith, AKR["turkey"]),
    # transitive locatedIn: HMS Jufair in Manama, Manama in Bahrain
    (AKR["hms-jufair"], AKG.locatedIn, AKR["bahrain"]),
}


def _write_corpus(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _graphs(trig: Path) -> tuple[Graph, Graph]:
    """(inferred graph, union of every other graph) of a TriG file."""
    ds = Dataset()
    ds.parse(str(trig), format="trig")
    inferred, asserted = Graph(), Graph()
    for s, p, o, c in ds.quads((None, None, None, None)):
        name = getattr(c, "identifier", c)
        (inferred if name == INFERRED_GRAPH else asserted).add((s, p, o))
    return inferred, asserted


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reason")
    corpus = _write_corpus(tmp / "corpus", DOCS)
    out = tmp / "kg.trig"
    r = run_kg("build", "--corpus", corpus, "--out", out)
    assert r.returncode == 0, r.stderr
    inferred, asserted = _graphs(out)
    return inferred, asserted, r.stdout


def test_each_wanted_inference_is_in_the_inferred_graph(small_build):
    inferred, asserted, _ = small_build
    akg_part = {t for t in inferred if t[1] == RDF.type or str(t[1]).startswith(str(AKG))}
    assert akg_part == EXPECTED_AKG
    # each of them is new: not stated by a document
    assert not any(t in asserted for t in EXPECTED_AKG)
    # what the documents state is there, so the inferences follow from it
    assert (AKR["turkey"], AKG.alliedWith, AKR["pakistan"]) in asserted
    assert (AKR["hms-jufair"], AKG.locatedIn, AKR["manama"]) in asserted
    assert (AKR["manama"], AKG.locatedIn, AKR["bahrain"]) in asserted
    assert (AKR["incirlik-air-base"], RDF.type, AKG.AirBase) in asserted


def test_super_property_inferences(small_build):
    inferred, _, _ = small_build
    # rdfs:subPropertyOf: akg:locatedIn is a schema:containedInPlace, akg:wikidata a skos:closeMatch
    assert (AKR["hms-jufair"], SCHEMA.containedInPlace, AKR["bahrain"]) in inferred
    assert (AKR["hms-jufair"], SCHEMA.containedInPlace, AKR["manama"]) in inferred
    assert (AKR["turkey"], URIRef("http://www.w3.org/2004/02/skos/core#closeMatch"), WD.Q43) in inferred
    # only the ontology's own properties and their declared super-properties
    allowed = {str(AKG), str(SCHEMA), str(ORG), "http://www.w3.org/2004/02/skos/core#"}
    for _, p, _ in inferred:
        if p != RDF.type:
            assert any(str(p).startswith(ns) for ns in allowed), p


def test_no_noise_in_the_inferred_graph(small_build):
    inferred, asserted, _ = small_build
    onto = load_ontology(ONTOLOGY)
    terms = set(onto.subjects())
    assert len(inferred) > len(EXPECTED_AKG)
    for s, p, o in inferred:
        assert p != OWL.sameAs
        assert (s, p, o) not in asserted  # nothing already asserted
        assert s not in terms  # nothing about ontology terms
        assert not isinstance(s, BNode) and not isinstance(o, Literal)  # no datatype axioms, no literals
        if p == RDF.type:
            assert str(o).startswith(str(AKG)), o  # no owl:Thing, rdfs:Resource, schema:Place, prov:Entity ...
        assert s != o  # no self-loops


def test_build_reports_the_inferred_count(small_build):
    inferred, _, stdout = small_build
    assert f", {len(inferred)} inferred" in stdout


def test_no_reason_writes_no_inferred_graph(tmp_path):
    corpus = _write_corpus(tmp_path / "corpus", DOCS)
    out = tmp_path / "kg.trig"
    r = run_kg("build", "--corpus", corpus, "--out", out, "--no-reason")
    assert r.returncode == 0, r.stderr
    assert "inferred" not in r.stdout
    inferred, asserted = _graphs(out)
    assert len(inferred) == 0
    assert (AKR["germany"], AKG.hasForcesAt, AKR["incirlik-air-base"]) not in asserted


def test_turtle_output_is_the_union(built_graph, built_trig):
    union = Graph().parse(str(built_graph), format="turtle")
    inferred, asserted = _graphs(built_trig)
    assert len(inferred) > 0
    assert all(t in union for t in inferred)
    assert len(union) == len(set(inferred) | set(asserted))


def test_corpus_inferences(built_trig):
    inferred, _ = _graphs(built_trig)
    assert (AKR["incirlik-air-base"], RDF.type, AKG.MilitaryBase) in inferred
    assert (AKR["germany"], AKG.hasForcesAt, AKR["incirlik-air-base"]) in inferred
    assert (AKR["united-states"], AKG.hasForcesAt, AKR["al-udeid-air-base"]) in inferred
    assert (AKR["nato"], AKG.hasMember, AKR["turkey"]) in inferred
    assert (AKR["turkey"], ORG.memberOf, AKR["nato"]) in inferred
    assert (AKR["nato"], RDF.type, AKG.Organization) in inferred  # MilitaryAlliance subClassOf Organization


# --------------------------------------------------------------------------- pitfalls (library level)

HAND = """
@prefix akg: <https://w3id.org/alliance-kg/ontology#> .
@prefix akr: <https://w3id.org/alliance-kg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
akr:incirlik-air-base a akg:AirBase ; rdfs:label "Incirlik Air Base" ;
    akg:hostsForcesOf akr:nato , akr:germany , akr:united-states .
akr:al-udeid-air-base a akg:AirBase ; rdfs:label "Al Udeid Air Base" ; akg:hostsForcesOf akr:united-states .
akr:nato a akg:MilitaryAlliance ; rdfs:label "NATO" .
akr:germany a akg:Country ; rdfs:label "Germany" .
akr:united-states a akg:Country ; rdfs:label "United States" .
"""


def _hand_graph(extra: str = "") -> Graph:
    return Graph().parse(data=HAND + extra, format="turtle")


def test_domain_and_range_do_not_make_types():
    # hostsForcesOf has range akg:Country: a reasoner given the range would make NATO a Country
    out = infer(_hand_graph(), load_ontology(ONTOLOGY))
    assert (AKR["nato"], RDF.type, AKG.Country) not in out
    assert (AKR["nato"], AKG.hasForcesAt, AKR["incirlik-air-base"]) in out  # the inverse still holds
    assert {o for o in out.objects(AKR["nato"], RDF.type)} == {AKG.Organization, AKG.Alliance}


def test_no_individuals_merged_even_with_merging_axioms():
    onto = load_ontology(ONTOLOGY)
    onto.parse(data="""
        @prefix akg: <https://w3id.org/alliance-kg/ontology#> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        akg:hostsForcesOf a owl:FunctionalProperty .
        akg:hasForcesAt a owl:InverseFunctionalProperty .
        akg:MilitaryBase owl:hasKey ( akg:isoCode ) .
        akg:coHosts owl:propertyChainAxiom ( akg:hostsForcesOf akg:hasForcesAt ) .
    """, format="turtle")
    out = infer(_hand_graph(), onto)
    assert not list(out.triples((None, OWL.sameAs, None)))
    assert not [t for t in out if t[0] == t[2]]
    assert (AKR["germany"], RDF.type, AKG.MilitaryAlliance) not in out


def test_inconsistency_raises_with_the_reasoner_message():
    bad = _hand_graph("akr:germany a akg:MilitaryAlliance .")  # a place and an organisation: disjoint
    with pytest.raises(ReasoningError, match=r"Disjoint classes .* common individual https://w3id.org/alliance-kg/id/germany"):
        infer(bad, load_ontology(ONTOLOGY))


def test_add_inferences_fills_the_named_graph_once():
    ds = Dataset()
    onto = ds.graph(ONTOLOGY_GRAPH)
    for t in load_ontology(ONTOLOGY):
        onto.add(t)
    doc = ds.graph(URIRef("https://w3id.org/alliance-kg/graph/doc/x"))
    for t in _hand_graph():
        doc.add(t)
    n = add_inferences(ds)
    assert n == len(ds.graph(INFERRED_GRAPH)) > 0
    assert add_inferences(ds) == n  # a second run replaces, never doubles or re-infers its own output
    assert (AKR["al-udeid-air-base"], RDF.type, AKG.MilitaryBase, ds.graph(INFERRED_GRAPH)) in ds


def test_inconsistent_ontology_fails_the_build_and_writes_nothing(tmp_path):
    corpus = _write_corpus(tmp_path / "corpus", DOCS)
    onto = tmp_path / "bad-ontology.ttl"
    onto.write_text(
        ONTOLOGY.read_text(encoding="utf-8")
        + "\nakg:Country owl:disjointWith akg:Place .\n",  # every country is a place: contradiction
        encoding="utf-8",
    )
    out = tmp_path / "kg.ttl"
    r = run_kg("build", "--corpus", corpus, "--out", out, "--ontology", onto)
    assert r.returncode != 0
    assert "error:" in r.stderr and "Disjoint classes" in r.stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.glob(".kg.ttl.*")] in ([], [".kg.ttl.kg-cache"])  # no output; the extraction cache may stay


def test_reasoned_build_is_deterministic(tmp_path):
    corpus = _write_corpus(tmp_path / "corpus", DOCS)
    outs = []
    for i in range(2):
        out = tmp_path / f"kg{i}.trig"
        r = run_kg("build", "--corpus", corpus, "--out", out, "--no-validate", "-q")
        assert r.returncode == 0, r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def _inferred_lines(g: Graph) -> list[str]:
    return sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in g)


def test_the_shortcuts_yield_exactly_what_owlrl_yields(monkeypatch, tmp_path):
    """Super-property triples of properties with no other axiom, and the types of a node of one
    asserted type (worked out once per class), are written without owlrl; the result must be the same
    triples owlrl derives when it is given everything."""
    import graph.reason as reason
    from graph.build import build_dataset
    from graph.corpus import read_corpus

    docs = read_corpus(ROOT / "corpus") + read_corpus(_write_corpus(tmp_path / "c", DOCS))
    ds = build_dataset(docs).dataset
    ontology = load_ontology()
    data = Graph()
    for s, p, o, c in ds.quads((None, None, None, None)):
        if getattr(c, "identifier", c) != ONTOLOGY_GRAPH:
            data.add((s, p, o))
    fast = infer(data, ontology)
    monkeypatch.setattr(reason, "subproperty_only", lambda _onto: {})
    monkeypatch.setattr(reason.Reasoner, "typed_only", lambda *_args: None)  # every type through owlrl too
    full = infer(data, ontology)
    assert _inferred_lines(fast) == _inferred_lines(full)
    assert (None, SCHEMA.mentions, AKR["incirlik-air-base"]) in fast  # a mention, through the shortcut
    assert len(fast) > 40


def test_subproperty_only_properties_of_the_ontology():
    from graph.reason import subproperty_only

    found = {p: sorted(sups) for p, sups in subproperty_only(load_ontology()).items()}
    assert found == {
        AKG.mentions: [SCHEMA.mentions],
        AKG.wikidata: [URIRef("http://www.w3.org/2004/02/skos/core#closeMatch")],
        AKG.statementSubject: [RDF.subject],
        AKG.statementProperty: [RDF.predicate],
        AKG.statementObject: [RDF.object],
        # object properties with no axiom at all derive nothing
        AKG.addressesThreat: [], AKG.antecedent: [], AKG.coversArea: [], AKG.formedIn: [], AKG.servesPurpose: [],
    }
    # properties with an inverse, symmetry or transitivity are left to owlrl
    assert not {AKG.locatedIn, AKG.memberOf, AKG.hostsForcesOf, AKG.alliedWith} & set(found)


def test_add_inferences_reads_the_dataset_without_copying_it_and_skips_asserted_triples():
    from graph.build import build_dataset
    from graph.corpus import parse_document

    doc = parse_document("a.md", "# A\n\nGerman forces are based at Incirlik Air Base in Turkey.\n")
    ds = build_dataset([doc]).dataset
    ds.graph(AKR["extra"]).add((AKR["germany"], AKG.hasForcesAt, AKR["incirlik-air-base"]))  # asserted elsewhere
    add_inferences(ds)
    inferred = ds.graph(INFERRED_GRAPH)
    assert (AKR["germany"], AKG.hasForcesAt, AKR["incirlik-air-base"]) not in inferred
    assert (AKR["incirlik-air-base"], RDF.type, AKG.MilitaryBase) in inferred
    assert (None, SCHEMA.mentions, AKR["incirlik-air-base"]) in inferred
