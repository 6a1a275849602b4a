"""IRIs of the ontology, the vocabularies and the data, and the prefixes users see.

>>> str(AKG.locatedIn)
'https://w3id.org/alliance-kg/ontology#locatedIn'
>>> str(AKR["united-states"])
'https://w3id.org/alliance-kg/id/united-states'
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD, DCTERMS, PROV

AKG = Namespace("https://w3id.org/alliance-kg/ontology#")  #: the ontology
AKV = Namespace("https://w3id.org/alliance-kg/vocab/")  #: concept schemes and their concepts
AKR = Namespace("https://w3id.org/alliance-kg/id/")  #: entities, documents, statements, evidence
GRAPH = Namespace("https://w3id.org/alliance-kg/graph/")  #: named graphs
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
WGS = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
WD = Namespace("http://www.wikidata.org/entity/")
ORG = Namespace("http://www.w3.org/ns/org#")

ONTOLOGY_GRAPH = GRAPH["ontology"]
INFERRED_GRAPH = GRAPH["inferred"]
ENTITIES_GRAPH = GRAPH["entities"]  #: entities (labels, types, reference data) and facts (direct triples, statements), once


def document_graph(doc_slug: str):
    """Named graph that holds what one document states."""
    return GRAPH["doc/" + doc_slug]


#: prefixes bound in every output and used to compact IRIs in tables
PREFIXES: dict[str, str] = {
    "akg": str(AKG),
    "akv": str(AKV),
    "akr": str(AKR),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "oa": str(OA),
    "schema": str(SCHEMA),
    "geo": str(GEO),
    "wgs": str(WGS),
    "wd": str(WD),
    "org": str(ORG),
}

__all__ = [
    "AKG", "AKV", "AKR", "GRAPH", "OA", "SCHEMA", "GEO", "WGS", "WD", "ORG", "PREFIXES",
    "ONTOLOGY_GRAPH", "INFERRED_GRAPH", "ENTITIES_GRAPH", "document_graph", "RDF", "RDFS", "OWL", "SKOS", "XSD", "DCTERMS", "PROV",
]
