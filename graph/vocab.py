"""The project's vocabulary as plain strings: one source for every IRI, prefix and name.

Dependency-free (no rdflib), so that any module (the query text builder, the store, the exporter,
the served page) can use it. :mod:`graph.namespaces` is its rdflib view.

>>> AKG + "locatedIn"
'https://w3id.org/alliance-kg/ontology#locatedIn'
>>> prefix_block(("akg", "rdfs")).splitlines()[0]
'PREFIX akg: <https://w3id.org/alliance-kg/ontology#>'
>>> graph_iri("doc/a")
'https://w3id.org/alliance-kg/graph/doc/a'
"""

from __future__ import annotations

from typing import Iterable

# ----------------------------------------------------------------------------- namespaces
AKG = "https://w3id.org/alliance-kg/ontology#"  #: the ontology
AKV = "https://w3id.org/alliance-kg/vocab/"  #: concept schemes and their concepts
AKR = "https://w3id.org/alliance-kg/id/"  #: entities, documents, statements, evidence
GRAPH = "https://w3id.org/alliance-kg/graph/"  #: named graphs
SHAPES = "https://w3id.org/alliance-kg/shapes#"  #: the SHACL shapes

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
SCHEMA = "https://schema.org/"
GEO = "http://www.opengis.net/ont/geosparql#"
WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
WD = "http://www.wikidata.org/entity/"
ORG = "http://www.w3.org/ns/org#"

#: prefixes bound in every output and used to compact IRIs in tables
PREFIXES: dict[str, str] = {
    "akg": AKG, "akv": AKV, "akr": AKR,
    "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS, "dcterms": DCTERMS,
    "prov": PROV, "oa": OA, "schema": SCHEMA, "geo": GEO, "wgs": WGS, "wd": WD, "org": ORG,
}

# ----------------------------------------------------------------------------- terms used by code
RDF_TYPE = RDF + "type"
RDFS_LABEL = RDFS + "label"
SKOS_PREFLABEL = SKOS + "prefLabel"
OWL_ONTOLOGY = OWL + "Ontology"
WGS_LAT = WGS + "lat"
WGS_LONG = WGS + "long"

#: the relations between entities, exported as edges (akg:mentions and the year literals are not)
RELATIONS: tuple[str, ...] = (
    "locatedIn", "hostsForcesOf", "memberOf", "alliedWith",
    "coversArea", "addressesThreat", "servesPurpose", "formedIn",
)

#: classes that are bookkeeping (provenance), never nodes of the entity graph
BOOKKEEPING: tuple[str, ...] = ("Document", "Statement", "Evidence")

# ----------------------------------------------------------------------------- named graphs
ONTOLOGY_GRAPH = GRAPH + "ontology"
INFERRED_GRAPH = GRAPH + "inferred"
ENTITIES_GRAPH = GRAPH + "entities"  #: entities (labels, types, reference data) and facts, once


def graph_iri(name: str) -> str:
    """The IRI of the project's named graph ``name``.

    >>> graph_iri("inferred") == INFERRED_GRAPH
    True
    """
    return GRAPH + name


def document_graph_iri(doc_slug: str) -> str:
    """The named graph that holds what one document states.

    >>> document_graph_iri("nato")
    'https://w3id.org/alliance-kg/graph/doc/nato'
    """
    return GRAPH + "doc/" + doc_slug


def prefix_block(names: Iterable[str] | None = None) -> str:
    """SPARQL ``PREFIX`` lines for ``names`` (all of :data:`PREFIXES` when None), in that order.

    >>> prefix_block(["wgs"])
    'PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#>\\n'
    """
    chosen = PREFIXES if names is None else {n: PREFIXES[n] for n in names}
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in chosen.items())


__all__ = [
    "AKG", "AKV", "AKR", "GRAPH", "SHAPES", "RDF", "RDFS", "OWL", "XSD", "SKOS", "DCTERMS", "PROV", "OA",
    "SCHEMA", "GEO", "WGS", "WD", "ORG", "PREFIXES", "RDF_TYPE", "RDFS_LABEL", "SKOS_PREFLABEL",
    "OWL_ONTOLOGY", "WGS_LAT", "WGS_LONG", "RELATIONS", "BOOKKEEPING", "ONTOLOGY_GRAPH",
    "INFERRED_GRAPH", "ENTITIES_GRAPH", "graph_iri", "document_graph_iri", "prefix_block",
]
