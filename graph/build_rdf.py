"""The RDF a document's extraction is written as: IRIs of entities, documents, statements and
evidence, the description of each entity, and every fact twice, in the style of Wikidata's
statement model:

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

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from .extract import Extraction, Fact
from .lexicon import Entity, slugify
from .namespaces import AKG, AKR, GEO, OA, WD, WGS

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


# --------------------------------------------------------------------------- writing


def _describe(g: Graph, ent: Entity, entities: dict[str, Entity]):
    iri = entity_iri(ent)
    if ent.iri:  # concepts are described by the ontology itself
        return
    g.add((iri, RDF.type, AKG[ent.kind]))
    g.add((iri, RDFS.label, Literal(ent.label)))
    for alias in sorted(set(ent.aliases)):
        g.add((iri, SKOS.altLabel, Literal(alias)))
    if ent.iso3:
        g.add((iri, AKG.isoCode, Literal(ent.iso3)))
    if ent.wikidata:
        g.add((iri, AKG.wikidata, WD[ent.wikidata]))
    if ent.lat is not None and ent.lon is not None:
        g.add((iri, WGS.lat, Literal(f"{ent.lat:.3f}", datatype=XSD.decimal)))
        g.add((iri, WGS.long, Literal(f"{ent.lon:.3f}", datatype=XSD.decimal)))
        geom = AKR[ent.id + "-geometry"]
        g.add((iri, GEO.hasGeometry, geom))
        g.add((geom, RDF.type, GEO.Geometry))
        g.add((geom, GEO.asWKT, Literal(f"POINT({ent.lon:.3f} {ent.lat:.3f})", datatype=GEO.wktLiteral)))


def _object_term(fact: Fact, entities: dict[str, Entity]):
    if fact.prop in LITERAL_PROPS:
        return Literal(fact.object, datatype=LITERAL_PROPS[fact.prop])
    return entity_iri(entities[fact.object])


def _write_document(g: Graph, ex: Extraction, entities: dict[str, Entity], described: Graph) -> int:
    """Write one document's resource, mentions and evidence into ``g``; the entities it uses and the facts
    it states (direct triples and statement nodes) go into ``described``, one graph shared by all
    documents, so that the union of the named graphs holds every triple once. Return the evidence count."""
    doc = ex.doc
    d = document_iri(doc.path)
    g.add((d, RDF.type, AKG.Document))
    g.add((d, DCTERMS.title, Literal(doc.title)))
    g.add((d, RDFS.label, Literal(doc.title)))
    g.add((d, AKG.path, Literal(doc.path)))
    g.add((d, AKG.characterCount, Literal(len(doc.text))))
    if doc.sha256:
        g.add((d, AKG.sha256, Literal(doc.sha256)))
    if ex.extractor:
        g.add((d, AKG.extractedWith, Literal(ex.extractor)))
    used = set(ex.mentions) | {f.subject for f in ex.facts} | {f.object for f in ex.facts if f.prop not in LITERAL_PROPS}
    for eid in sorted(used):
        ent = entities.get(eid)
        if ent is None:
            continue
        _describe(described, ent, entities)
        if not ent.iri:
            g.add((d, AKG.mentions, entity_iri(ent)))
    n_evidence = 0
    for fact in ex.facts:
        s = entity_iri(entities[fact.subject])
        p = AKG[fact.prop]
        o = _object_term(fact, entities)
        described.add((s, p, o))
        st = statement_iri(s, p, o)
        described.add((st, RDF.type, AKG.Statement))
        described.add((st, AKG.statementSubject, s))
        described.add((st, AKG.statementProperty, p))
        described.add((st, AKG.statementObject, o))
        if fact.start_year:
            described.add((st, AKG.startYear, Literal(str(fact.start_year), datatype=XSD.gYear)))
        if fact.end_year:
            described.add((st, AKG.endYear, Literal(str(fact.end_year), datatype=XSD.gYear)))
        ev = fact.evidence
        e = evidence_iri(st, ev.doc, ev.start, ev.end)
        if (st, PROV.wasDerivedFrom, e) not in g:
            n_evidence += 1
        g.add((st, PROV.wasDerivedFrom, e))
        _write_evidence(g, e, d, ev)
        if fact.antecedent is not None:  # "It hosts ...": the sentence that named what "it" is
            a = fact.antecedent
            ea = AKR["ev-" + _digest(str(st), a.doc, str(a.start), str(a.end), "antecedent")]
            g.add((e, AKG.antecedent, ea))
            _write_evidence(g, ea, d, a)
    return n_evidence


def _write_evidence(g: Graph, e: URIRef, d: URIRef, ev) -> None:
    """An akg:Evidence node with its source, section, rule and the quote and position selectors."""
    g.add((e, RDF.type, AKG.Evidence))
    g.add((e, OA.hasSource, d))
    g.add((e, AKG.section, Literal(ev.section)))
    g.add((e, AKG.rule, Literal(ev.rule)))
    q, pos = AKR[e.split("/")[-1] + "-quote"], AKR[e.split("/")[-1] + "-position"]
    g.add((e, OA.hasSelector, q))
    g.add((e, OA.hasSelector, pos))
    g.add((q, RDF.type, OA.TextQuoteSelector))
    g.add((q, OA.exact, Literal(ev.quote)))
    g.add((pos, RDF.type, OA.TextPositionSelector))
    g.add((pos, OA.start, Literal(ev.start)))
    g.add((pos, OA.end, Literal(ev.end)))
