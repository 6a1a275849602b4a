"""The IRIs of what a build writes (entities, documents, statements, evidence), one function each.
A document's extraction is written (by :mod:`graph.quads`) as the description of each entity and
every fact twice, in the style of Wikidata's statement model:

* a direct triple (``akr:incirlik-air-base akg:hostsForcesOf akr:germany``) for easy queries;
* a statement node (``akg:Statement``) naming subject, property and object, with
  ``prov:wasDerivedFrom`` links to one ``akg:Evidence`` per sentence that states it
  (``oa:hasSource`` the document, ``oa:TextQuoteSelector`` the sentence,
  ``oa:TextPositionSelector`` its character offsets).

>>> document_iri("news/2024-01.md")
rdflib.term.URIRef('https://w3id.org/alliance-kg/id/doc-news-2024-01')
>>> statement_iri(AKR.finland, AKG.memberOf, AKR.nato).n3()
'<https://w3id.org/alliance-kg/id/stmt-...>'
"""

from __future__ import annotations

import hashlib

from rdflib import URIRef
from rdflib.namespace import XSD

from .lexicon import Entity, slugify
from .namespaces import AKG, AKR  # noqa: F401 (AKG: the docstring's example)

#: datatype properties whose facts carry a literal object
LITERAL_PROPS = {"startYear": XSD.gYear, "endYear": XSD.gYear}


# --------------------------------------------------------------------------- IRIs


def entity_iri(ent_or_id: Entity | str) -> URIRef:
    """IRI of an entity: concepts live in the vocabulary namespace, the rest in ``akr:``."""
    if isinstance(ent_or_id, Entity):
        return URIRef(ent_or_id.iri) if ent_or_id.iri else AKR[ent_or_id.id]
    return AKR[ent_or_id]


def document_iri(doc_path: str) -> URIRef:
    return AKR["doc-" + slugify(doc_path.rsplit(".", 1)[0])]


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def statement_iri(subj: URIRef, prop: URIRef, obj) -> URIRef:
    return AKR["stmt-" + _digest(str(subj), str(prop), obj.n3())]


def evidence_iri(stmt: URIRef, doc_path: str, start: int, end: int) -> URIRef:
    return AKR["ev-" + _digest(str(stmt), doc_path, str(start), str(end))]
