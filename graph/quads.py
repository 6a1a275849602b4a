"""One document's extraction as RDF, written as N-Triples text rather than rdflib objects, so that a
build streams: each document's own triples go to the spool (:mod:`graph.spool`) as soon as they are
made, and only the triples documents share (entities and facts, the *entities graph*) stay in
memory, once each.

The terms are spelled exactly as rdflib's N-Triples writer spells them (``tests/test_build_stream.py``
compares the two on whole corpora), so the files a build writes are the same bytes as when the
dataset was an rdflib ``Dataset``. What a document states, and how (the statement model with its
evidence), is described in :mod:`graph.build_rdf`.

>>> literal('He said "no"\\n')
'"He said \\\\"no\\\\"\\\\n"'
>>> literal("2019", XSD_GYEAR)
'"2019"^^<http://www.w3.org/2001/XMLSchema#gYear>'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .build_rdf import LITERAL_PROPS, _digest, document_iri, entity_iri, evidence_iri, statement_iri
from .extract import Extraction
from .lexicon import Entity
from .namespaces import AKG, AKR, DCTERMS, GEO, OA, PROV, RDF, RDFS, SKOS, WD, WGS, XSD

XSD_GYEAR, XSD_INTEGER, XSD_DECIMAL = str(XSD.gYear), str(XSD.integer), str(XSD.decimal)


def iri(value: str) -> str:
    """An IRI as N-Triples spells it.

    >>> iri("urn:x")
    '<urn:x>'
    """
    return "<" + value + ">"


def literal(text: str, datatype: str | None = None) -> str:
    """A literal as rdflib's N-Triples writer spells it (backslash, newline, quote and carriage return
    escaped; other characters as they are)."""
    quoted = '"' + text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r") + '"'
    return quoted if datatype is None else quoted + "^^<" + datatype + ">"


def integer(n: int) -> str:
    """An ``xsd:integer`` literal.

    >>> integer(12)
    '"12"^^<http://www.w3.org/2001/XMLSchema#integer>'
    """
    return '"%d"^^<%s>' % (n, XSD_INTEGER)


#: predicates and classes, spelled once
_T = {name: iri(str(term)) for name, term in {
    "type": RDF.type, "label": RDFS.label, "altLabel": SKOS.altLabel, "title": DCTERMS.title,
    "Document": AKG.Document, "Statement": AKG.Statement, "Evidence": AKG.Evidence,
    "path": AKG.path, "characterCount": AKG.characterCount, "sha256": AKG.sha256,
    "extractedWith": AKG.extractedWith, "mentions": AKG.mentions, "isoCode": AKG.isoCode,
    "wikidata": AKG.wikidata, "lat": WGS.lat, "long": WGS.long, "hasGeometry": GEO.hasGeometry,
    "Geometry": GEO.Geometry, "asWKT": GEO.asWKT, "statementSubject": AKG.statementSubject,
    "statementProperty": AKG.statementProperty, "statementObject": AKG.statementObject,
    "startYear": AKG.startYear, "endYear": AKG.endYear, "wasDerivedFrom": PROV.wasDerivedFrom,
    "antecedent": AKG.antecedent, "hasSource": OA.hasSource, "section": AKG.section, "rule": AKG.rule,
    "hasSelector": OA.hasSelector, "TextQuoteSelector": OA.TextQuoteSelector, "exact": OA.exact,
    "TextPositionSelector": OA.TextPositionSelector, "start": OA.start, "end": OA.end,
}.items()}
_WKT, _AKR, _AKG, _WD = str(GEO.wktLiteral), str(AKR), str(AKG), str(WD)


@dataclass
class DocumentQuads:
    """What one document adds: the triples of its own named graph (N-Triples lines, each once, in the
    order made) and the triples of the shared entities graph (``(s, p, o)`` N-Triples terms)."""

    graph: str  #: the document graph's IRI
    document: str  #: the document node, N-Triples
    lines: list[str] = field(default_factory=list)
    shared: list[tuple[str, str, str]] = field(default_factory=list)
    evidence: int = 0  #: pieces of evidence (distinct statement-evidence links)

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o} .")


def describe(ent: Entity) -> list[tuple[str, str, str]]:
    """The triples describing an entity (none for a concept, which the ontology describes).

    >>> from graph.lexicon import Entity
    >>> [p.rsplit("#", 1)[-1] for _, p, _ in describe(Entity(id="nato", label="NATO", kind="Alliance"))]
    ['type>', 'label>']
    """
    if ent.iri:
        return []
    s = iri(_AKR + ent.id)
    out = [(s, _T["type"], iri(_AKG + ent.kind)), (s, _T["label"], literal(ent.label))]
    out.extend((s, _T["altLabel"], literal(alias)) for alias in sorted(set(ent.aliases)))
    if ent.iso3:
        out.append((s, _T["isoCode"], literal(ent.iso3)))
    if ent.wikidata:
        out.append((s, _T["wikidata"], iri(_WD + ent.wikidata)))
    if ent.lat is not None and ent.lon is not None:
        out.append((s, _T["lat"], literal(f"{ent.lat:.3f}", XSD_DECIMAL)))
        out.append((s, _T["long"], literal(f"{ent.lon:.3f}", XSD_DECIMAL)))
        geom = iri(_AKR + ent.id + "-geometry")
        out.append((s, _T["hasGeometry"], geom))
        out.append((geom, _T["type"], _T["Geometry"]))
        out.append((geom, _T["asWKT"], literal(f"POINT({ent.lon:.3f} {ent.lat:.3f})", _WKT)))
    return out


def document_quads(ex: Extraction, entities: dict[str, Entity], graph: str) -> DocumentQuads:
    """One document's triples (see :class:`DocumentQuads`), the same as :mod:`graph.build_rdf` wrote."""
    doc = ex.doc
    d = iri(str(document_iri(doc.path)))
    out = DocumentQuads(graph=graph, document=d)
    add = out.add
    add(d, _T["type"], _T["Document"])
    add(d, _T["title"], literal(doc.title))
    add(d, _T["label"], literal(doc.title))
    add(d, _T["path"], literal(doc.path))
    add(d, _T["characterCount"], integer(len(doc.text)))
    if doc.sha256:
        add(d, _T["sha256"], literal(doc.sha256))
    if ex.extractor:
        add(d, _T["extractedWith"], literal(ex.extractor))
    used = set(ex.mentions) | {f.subject for f in ex.facts} | {f.object for f in ex.facts if f.prop not in LITERAL_PROPS}
    shared = out.shared
    for eid in sorted(used):
        ent = entities.get(eid)
        if ent is None:
            continue
        shared.extend(describe(ent))
        if not ent.iri:
            add(d, _T["mentions"], iri(_AKR + ent.id))
    links: set[str] = set()
    for fact in ex.facts:
        s_ref = entity_iri(entities[fact.subject])
        p_ref = AKG[fact.prop]
        if fact.prop in LITERAL_PROPS:
            o_text = literal(fact.object, str(LITERAL_PROPS[fact.prop]))
            st_ref = statement_iri(s_ref, p_ref, _Spelled(o_text))
        else:
            o_ref = entity_iri(entities[fact.object])
            o_text = iri(str(o_ref))
            st_ref = statement_iri(s_ref, p_ref, o_ref)
        s, p, st = iri(str(s_ref)), iri(str(p_ref)), iri(str(st_ref))
        shared.append((s, p, o_text))
        shared.append((st, _T["type"], _T["Statement"]))
        shared.append((st, _T["statementSubject"], s))
        shared.append((st, _T["statementProperty"], p))
        shared.append((st, _T["statementObject"], o_text))
        if fact.start_year:
            shared.append((st, _T["startYear"], literal(str(fact.start_year), XSD_GYEAR)))
        if fact.end_year:
            shared.append((st, _T["endYear"], literal(str(fact.end_year), XSD_GYEAR)))
        ev = fact.evidence
        e_ref = evidence_iri(st_ref, ev.doc, ev.start, ev.end)
        e = iri(str(e_ref))
        if e not in links:
            links.add(e)
            out.evidence += 1
        add(st, _T["wasDerivedFrom"], e)
        _evidence(add, e_ref, d, ev)
        if fact.antecedent is not None:  # "It hosts ...": the sentence that named what "it" is
            a = fact.antecedent
            ea_ref = AKR["ev-" + _digest(str(st_ref), a.doc, str(a.start), str(a.end), "antecedent")]
            add(e, _T["antecedent"], iri(str(ea_ref)))
            _evidence(add, ea_ref, d, a)
    out.lines = list(dict.fromkeys(out.lines))  # each triple once, in the order made
    return out


class _Spelled:
    """A term whose N-Triples spelling is known (what :func:`graph.build_rdf.statement_iri` hashes)."""

    def __init__(self, text: str):
        self.text = text

    def n3(self) -> str:
        return self.text


def _evidence(add, e_ref, d: str, ev) -> None:
    """An akg:Evidence node with its source, section, rule and the quote and position selectors."""
    e = iri(str(e_ref))
    local = _AKR + str(e_ref).rsplit("/", 1)[-1]
    q, pos = iri(local + "-quote"), iri(local + "-position")
    add(e, _T["type"], _T["Evidence"])
    add(e, _T["hasSource"], d)
    add(e, _T["section"], literal(ev.section))
    add(e, _T["rule"], literal(ev.rule))
    add(e, _T["hasSelector"], q)
    add(e, _T["hasSelector"], pos)
    add(q, _T["type"], _T["TextQuoteSelector"])
    add(q, _T["exact"], literal(ev.quote))
    add(pos, _T["type"], _T["TextPositionSelector"])
    add(pos, _T["start"], integer(ev.start))
    add(pos, _T["end"], integer(ev.end))
