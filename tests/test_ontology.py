"""The ontology: it parses, documents every term, declares every term the data uses, and is consistent."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from conftest import ROOT
from graph.build import load_ontology
from graph.namespaces import AKG, AKV
from graph.reason import ERR, infer
from graph.validate import SHAPES_FILE, load_shapes

ONTOLOGY = ROOT / "ontology" / "alliances.ttl"
ONTOLOGY_IRI = URIRef("https://w3id.org/alliance-kg/ontology")


@pytest.fixture(scope="module")
def onto() -> Graph:
    return load_ontology(ONTOLOGY)


@pytest.fixture(scope="module")
def data(built_graph) -> Graph:
    return Graph().parse(str(built_graph), format="turtle")


def _terms(g: Graph) -> set[URIRef]:
    """Named terms the ontology defines: classes, properties, concept schemes, concepts."""
    return {s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith((str(AKG), str(AKV)))}


def _iris(g: Graph, ns) -> set[URIRef]:
    return {x for t in g for x in t if isinstance(x, URIRef) and str(x).startswith(str(ns))}


def test_the_ontology_parses(onto):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in onto
    kinds = {k: {s for s in onto.subjects(RDF.type, k) if isinstance(s, URIRef)} for k in
             (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, SKOS.ConceptScheme, SKOS.Concept)}
    assert {AKG.Country, AKG.MilitaryBase, AKG.AirBase, AKG.Statement, AKG.Evidence} <= kinds[OWL.Class]
    assert {AKG.locatedIn, AKG.hostsForcesOf, AKG.hasForcesAt, AKG.alliedWith, AKG.memberOf} <= kinds[OWL.ObjectProperty]
    assert {AKV.CooperationAreas, AKV.Threats, AKV.Purposes, AKV.Periods} == kinds[SKOS.ConceptScheme]
    assert AKV["intelligence-sharing"] in kinds[SKOS.Concept]


def test_the_wanted_axioms(onto):
    assert (AKG.AirBase, RDFS.subClassOf, AKG.MilitaryBase) in onto
    assert (AKG.hostsForcesOf, OWL.inverseOf, AKG.hasForcesAt) in onto
    assert (AKG.alliedWith, RDF.type, OWL.SymmetricProperty) in onto
    assert (AKG.locatedIn, RDF.type, OWL.TransitiveProperty) in onto


def test_every_term_has_a_label_and_a_comment(onto):
    terms = _terms(onto) | {ONTOLOGY_IRI}
    assert len(terms) > 60
    missing = [(str(t), p) for t in sorted(terms) for p in ("label", "comment")
               if not any(str(v).strip() for v in onto.objects(t, RDFS[p]))]
    assert missing == []


def test_every_concept_is_in_a_declared_scheme(onto):
    schemes = set(onto.subjects(RDF.type, SKOS.ConceptScheme))
    concepts = {s for s in _terms(onto) if str(s).startswith(str(AKV)) and s not in schemes}
    assert concepts
    for c in concepts:
        assert set(onto.objects(c, SKOS.inScheme)) & schemes, c
        assert onto.value(c, SKOS.prefLabel) is not None, c


def test_no_undeclared_term_in_the_built_data(onto, data):
    declared = _terms(onto)
    assert _iris(data, AKG) - declared == set()
    assert _iris(data, AKV) - declared == set()


def test_no_undeclared_term_in_the_shapes(onto):
    shapes = load_shapes(SHAPES_FILE)
    assert _iris(shapes, AKG) - _terms(onto) == set()


def test_the_reasoner_finds_no_inconsistency(onto, data):
    infer(data, onto)  # raises ReasoningError on an err:ErrorMessage
    # the full OWL-RL closure too (domain and range included), which the build does not use
    import owlrl

    g = Graph()
    for t in data:
        g.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False).expand(g)
    assert [str(m) for m in g.objects(None, ERR.error)] == []


def test_the_disjointness_axioms_catch_a_contradiction(onto):
    import owlrl

    g = Graph()
    for t in onto:
        g.add(t)
    g.add((URIRef("urn:x:thing"), RDF.type, AKG.Country))
    g.add((URIRef("urn:x:thing"), RDF.type, AKG.MilitaryBase))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False).expand(g)
    assert any("urn:x:thing" in str(m) for m in g.objects(None, ERR.error))
