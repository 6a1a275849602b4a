"""The rdflib view of :mod:`graph.vocab`: namespaces as rdflib ``Namespace`` objects.

>>> str(AKG.locatedIn)
'https://w3id.org/alliance-kg/ontology#locatedIn'
>>> str(AKR["united-states"])
'https://w3id.org/alliance-kg/id/united-states'
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD, DCTERMS, PROV

from . import vocab
from .vocab import PREFIXES

AKG = Namespace(vocab.AKG)  #: the ontology
AKV = Namespace(vocab.AKV)  #: concept schemes and their concepts
AKR = Namespace(vocab.AKR)  #: entities, documents, statements, evidence
GRAPH = Namespace(vocab.GRAPH)  #: named graphs
OA = Namespace(vocab.OA)
SCHEMA = Namespace(vocab.SCHEMA)
GEO = Namespace(vocab.GEO)
WGS = Namespace(vocab.WGS)
WD = Namespace(vocab.WD)
ORG = Namespace(vocab.ORG)

ONTOLOGY_GRAPH = URIRef(vocab.ONTOLOGY_GRAPH)
INFERRED_GRAPH = URIRef(vocab.INFERRED_GRAPH)
ENTITIES_GRAPH = URIRef(vocab.ENTITIES_GRAPH)  #: entities (labels, types, reference data) and facts, once


def document_graph(doc_slug: str) -> URIRef:
    """Named graph that holds what one document states."""
    return URIRef(vocab.document_graph_iri(doc_slug))


__all__ = [
    "AKG", "AKV", "AKR", "GRAPH", "OA", "SCHEMA", "GEO", "WGS", "WD", "ORG", "PREFIXES",
    "ONTOLOGY_GRAPH", "INFERRED_GRAPH", "ENTITIES_GRAPH", "document_graph", "RDF", "RDFS", "OWL", "SKOS", "XSD", "DCTERMS", "PROV",
]
