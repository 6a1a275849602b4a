"""Build: extracted facts -> an RDF dataset typed by the ontology, with evidence.

Every fact is written twice, in the style of Wikidata's statement model:

* a direct triple (``akr:incirlik-air-base akg:hostsForcesOf akr:germany``) for easy queries;
* a statement node (``akg:Statement``) naming subject, property and object, with
  ``prov:wasDerivedFrom`` links to one ``akg:Evidence`` per sentence that states it
  (``oa:hasSource`` the document, ``oa:TextQuoteSelector`` the sentence,
  ``oa:TextPositionSelector`` its character offsets).

What a document states goes into that document's named graph; the ontology into
its own graph. A Turtle file holds the union.

>>> from graph.corpus import parse_document
>>> doc = parse_document("a.md", "Kuwait hosts U.S. Army units at Camp Arifjan.")
>>> ds = build_dataset([doc]).dataset
>>> from graph.namespaces import AKR, AKG
>>> any(ds.quads((AKR["camp-arifjan"], AKG.hostsForcesOf, AKR["united-states"], None)))
True
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from .corpus import Document
from .errors import KGError
from .extract import Extraction, Fact, extract_document
from .lexicon import ONTOLOGY_FILE, Entity, load_lexicon, parse_turtle, slugify
from .namespaces import AKG, AKR, AKV, ENTITIES_GRAPH, GEO, OA, ONTOLOGY_GRAPH, PREFIXES, WD, WGS, document_graph
from .rdfio import output_format, sorted_ntriples, stable_graphs, write_atomic  # write_atomic: importable from here too

#: datatype properties whose facts carry a literal object
LITERAL_PROPS = {"startYear": XSD.gYear, "endYear": XSD.gYear}



@dataclass
class Summary:
    """What a build made, for the CLI to print."""

    documents: int = 0
    entities: Counter = field(default_factory=Counter)  #: by class
    facts: Counter = field(default_factory=Counter)  #: by property (distinct facts)
    evidence: int = 0
    triples: int = 0
    inferred: int = 0
    empty_documents: list[str] = field(default_factory=list)  #: documents with no recognisable entity
    conflicts: list[str] = field(default_factory=list)  #: facts set aside because documents disagree


@dataclass
class BuildResult:
    dataset: Dataset
    summary: Summary
    extractions: list[Extraction]
    report: object = None  #: the validation report (graph.validate.ValidationReport) when validated


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector for a stage that allocates millions of small objects.

    The triples, terms and index entries a build makes hold no reference cycles, yet every few
    hundred allocations the collector walks the young objects and, more and more often as the heap
    grows, all of them: on 10,000 documents that was a third of the RDF stage and made its cost per
    document grow with the corpus. The collector is switched back on (if it was on) at the end,
    so nested uses are harmless.

    >>> with gc_paused():
    ...     gc.isenabled()
    False
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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


def load_ontology(path: str | Path = ONTOLOGY_FILE) -> Graph:
    """Parse the ontology; a syntax error names the file and line."""
    return parse_turtle(path)


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


def merge_entities(extractions: list[Extraction]) -> dict[str, Entity]:
    """One Entity per id over all documents; a discovered name keeps its smallest spelling."""
    out: dict[str, Entity] = {}
    for ex in extractions:
        for eid, ent in ex.entities.items():
            prev = out.get(eid)
            if prev is None:
                out[eid] = Entity(**{k: getattr(ent, k) for k in ent.__dataclass_fields__})
            else:
                if ent.label < prev.label and not prev.iri and not prev.wikidata:
                    prev.label = ent.label
                prev.aliases = tuple(sorted({*prev.aliases, *ent.aliases}))
    return out


def one_country_per_place(extractions: list[Extraction], entities: dict[str, Entity]) -> list[str]:
    """Keep one country per base or city (the ontology's shapes require it).

    When documents place a base in two countries, the country stated by more sentences wins (ties:
    the first in document order); the other facts are dropped and reported.
    """
    votes: dict[str, Counter] = {}
    order: dict[tuple[str, str], int] = {}
    for ex in extractions:
        for f in ex.facts:
            if f.prop == "locatedIn" and entities.get(f.object) and entities[f.object].kind == "Country":
                votes.setdefault(f.subject, Counter())[f.object] += 1
                order.setdefault((f.subject, f.object), len(order))
    drop: dict[str, str] = {}
    notes = []
    for place, counter in sorted(votes.items()):
        if len(counter) < 2:
            continue
        keep = sorted(counter, key=lambda c: (-counter[c], order[(place, c)]))[0]
        for country in sorted(counter):
            if country != keep:
                drop[(place, country)] = keep
                notes.append(f"{entities[place].label}: located in {entities[keep].label} "
                             f"({counter[keep]} sentences), not {entities[country].label} ({counter[country]})")
    if drop:
        for ex in extractions:
            ex.facts = [f for f in ex.facts if not (f.prop == "locatedIn" and (f.subject, f.object) in drop)]
    return notes


def _majority(counter: Counter):
    return sorted(counter, key=lambda v: (-counter[v], v))[0]


def one_value_per_year(extractions: list[Extraction], entities: dict[str, Entity]) -> list[str]:
    """One start and one end year per organisation and per fact (the shapes require it), the end not
    before the start: the year most sentences state wins (ties: the earlier year)."""
    import dataclasses

    notes = []
    years: dict[tuple[str, str], Counter] = {}
    quals: dict[tuple, dict[str, Counter]] = {}
    for ex in extractions:
        for f in ex.facts:
            if f.prop in LITERAL_PROPS:
                years.setdefault((f.subject, f.prop), Counter())[int(f.object)] += 1
            for q in ("start_year", "end_year"):
                if getattr(f, q) is not None:
                    quals.setdefault(f.key, {}).setdefault(q, Counter())[getattr(f, q)] += 1
    chosen = {k: _majority(c) for k, c in years.items()}
    for (subj, prop), c in sorted(years.items()):
        if len(c) > 1:
            notes.append(f"{entities[subj].label}: {prop} {chosen[(subj, prop)]}, not "
                         + ", ".join(str(y) for y in sorted(c) if y != chosen[(subj, prop)]))
    for subj in sorted({s for s, _ in chosen}):
        start, end = chosen.get((subj, "startYear")), chosen.get((subj, "endYear"))
        if start is not None and end is not None and end < start:
            notes.append(f"{entities[subj].label}: end year {end} before start year {start}, end year dropped")
            del chosen[(subj, "endYear")]
    fixed = {}
    for key, qs in quals.items():
        start = _majority(qs["start_year"]) if "start_year" in qs else None
        end = _majority(qs["end_year"]) if "end_year" in qs else None
        if start is not None and end is not None and end < start:
            end = None
        fixed[key] = (start, end)
    for ex in extractions:
        out = []
        for f in ex.facts:
            if f.prop in LITERAL_PROPS and chosen.get((f.subject, f.prop)) != int(f.object):
                continue
            if f.key in fixed:
                start, end = fixed[f.key]
                f = dataclasses.replace(
                    f, start_year=start if f.start_year is not None else None,
                    end_year=end if f.end_year is not None else None)
            out.append(f)
        ex.facts = out
    return notes


def build_dataset(docs: list[Document], ontology: str | Path = ONTOLOGY_FILE, progress=None,
                  jobs: int = 1) -> BuildResult:
    """Extract every document and write the dataset (ontology graph + one graph per document)."""
    with gc_paused():
        return _build_dataset(docs, ontology, progress, jobs)


def default_jobs(n_docs: int) -> int:
    """Processes for extraction by default: one per core, one for a small corpus (under 8 documents)."""
    import os

    return 1 if n_docs < 8 else max(1, min(os.cpu_count() or 1, n_docs))


#: the lexicon a worker process extracts with (set once per worker, inherited through fork)
_WORKER_LEXICON = None


def _extract_in_worker(doc: Document) -> Extraction:
    return extract_document(doc, _WORKER_LEXICON)


def extract_all(docs: list[Document], lexicon, jobs: int = 1, progress=None) -> list[Extraction]:
    """Extract every document, in ``jobs`` processes when more than one; the result (and so the
    graph) is the same, in the same order, for any number of jobs."""
    jobs = max(1, min(jobs, len(docs)))
    if jobs == 1:
        out = []
        for doc in docs:
            out.append(extract_document(doc, lexicon))
            if progress:
                progress(doc)
        return out
    import multiprocessing

    from .nlp import load_pipeline

    global _WORKER_LEXICON
    load_pipeline()  # loaded once here; forked workers share it
    _WORKER_LEXICON = lexicon
    ctx = multiprocessing.get_context("fork")
    out = []
    with ctx.Pool(jobs) as pool:
        for ex in pool.imap(_extract_in_worker, docs, chunksize=max(1, min(16, len(docs) // (jobs * 4) or 1))):
            out.append(ex)
            if progress:
                progress(ex.doc)
    return out


def _build_dataset(docs: list[Document], ontology: str | Path, progress, jobs: int = 1) -> BuildResult:
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns, override=True, replace=True)
    onto = ds.graph(ONTOLOGY_GRAPH)
    for t in load_ontology(ontology):
        onto.add(t)
    lexicon = load_lexicon(Path(ontology))
    extractions = extract_all(docs, lexicon, jobs=jobs, progress=progress)
    entities = merge_entities(extractions)
    summary = Summary(documents=len(docs))
    summary.conflicts = one_country_per_place(extractions, entities) + one_value_per_year(extractions, entities)
    described = ds.graph(ENTITIES_GRAPH)
    for ex in extractions:
        g = ds.graph(document_graph(slugify(ex.doc.path.rsplit(".", 1)[0])))
        summary.evidence += _write_document(g, ex, entities, described)
        if not ex.mentions:
            summary.empty_documents.append(ex.doc.path)
    seen_entities = {e for ex in extractions for e in ex.mentions} | {
        x for ex in extractions for f in ex.facts for x in (f.subject, f.object) if f.prop not in LITERAL_PROPS
    }
    for eid in seen_entities:
        ent = entities.get(eid)
        if ent is not None and not ent.iri:
            summary.entities[ent.kind] += 1
    keys = {(f.subject, f.prop, f.object) for ex in extractions for f in ex.facts}
    summary.facts = Counter(p for _, p, _ in keys)
    summary.triples = len(ds)
    return BuildResult(dataset=ds, summary=summary, extractions=extractions)


def build_graph(corpus, ontology: str | Path = ONTOLOGY_FILE, *, reason: bool = True, validate: bool = True,
                shapes: str | Path | None = None, progress=None, jobs: int = 1, warn=None) -> BuildResult:
    """The whole build as ``kg build`` runs it: read the corpus folder(s), extract, write the RDF
    dataset, add the OWL-RL inferences and check the SHACL shapes. ``warn`` is told about the files
    of the corpus that are skipped (:func:`graph.corpus.find_documents`).

    Raises ``graph.validate.ValidationFailed`` (its ``report`` lists the violations) when the graph does
    not conform, so that callers write nothing.

    >>> result = build_graph("corpus")                   # doctest: +SKIP
    >>> result.summary.inferred, result.report.conforms  # doctest: +SKIP
    (40, True)
    """
    from .corpus import read_corpus

    with gc_paused():
        result = build_dataset(read_corpus(corpus, warn=warn), ontology=ontology, progress=progress, jobs=jobs)
        if reason:
            from .reason import add_inferences

            result.summary.inferred = add_inferences(result.dataset)
        if validate:
            from .validate import SHAPES_FILE, require_conformance, validate_dataset

            result.report = require_conformance(validate_dataset(result.dataset, shapes or SHAPES_FILE))
    return result


def _bound(g: Graph, ds: Dataset) -> Graph:
    for prefix, ns in ds.namespaces():
        g.bind(prefix, ns, override=True, replace=True)
    return g


def _union_of(graphs: list[Graph], ds: Dataset) -> Graph:
    u = _bound(Graph(), ds)
    for g in graphs:
        u.addN((s, p, o, u) for s, p, o in g)
    return u


def _trig(graphs: list[Graph], ds: Dataset) -> str:
    """TriG with the named graphs in IRI order (rdflib's own TriG writer orders them at random)."""
    prefixes: set[str] = set()
    blocks = []
    for g in graphs:
        body = _bound(Graph(), ds)
        body.addN((s, p, o, body) for s, p, o in g)
        lines = body.serialize(format="turtle").splitlines()
        prefixes.update(line for line in lines if line.startswith("@prefix"))
        blocks.append("")
        blocks.append(f"<{g.identifier}> {{")
        blocks.extend("    " + line for line in lines if line.strip() and not line.startswith("@prefix"))
        blocks.append("}")
    return "\n".join(sorted(prefixes) + blocks) + "\n"


def _sorted_jsonld(g: Graph) -> str:
    """JSON-LD with nodes sorted by @id and every value list sorted."""
    import json

    doc = json.loads(g.serialize(format="json-ld"))
    nodes = doc if isinstance(doc, list) else doc.get("@graph", [doc])
    key = lambda v: json.dumps(v, sort_keys=True)  # noqa: E731
    for node in nodes:
        for prop, values in node.items():
            if isinstance(values, list):
                node[prop] = sorted(values, key=key)
    nodes.sort(key=lambda n: (n.get("@id", ""), key(n)))
    return json.dumps(nodes, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def serialize(ds: Dataset, fmt: str) -> bytes:
    """Serialise deterministically: blank nodes labelled from their content, subjects and graphs sorted,
    line formats sorted line by line."""
    graphs = stable_graphs(ds)
    if fmt == "turtle":
        return _union_of(graphs, ds).serialize(format="turtle").encode("utf-8")
    if fmt == "trig":
        return _trig(graphs, ds).encode("utf-8")
    if fmt == "nt":
        return sorted_ntriples(line for g in graphs for line in g.serialize(format="nt").splitlines())
    if fmt == "nquads":
        return sorted_ntriples(line[:-1] + f"<{g.identifier}> ." for g in graphs
                             for line in g.serialize(format="nt").splitlines() if line.strip())
    if fmt == "json-ld":
        return _sorted_jsonld(_union_of(graphs, ds)).encode("utf-8")
    raise KGError(f"unsupported output format {fmt}")


def format_for(path: str | Path) -> str:
    """rdflib's name for the output format of ``path`` (:func:`graph.rdfio.output_format`)."""
    return output_format(path)


def check_output_path(path: str | Path, what: str = "--out") -> None:
    """Refuse, before any work, an output file that cannot be written: a folder in its place, a file
    where a parent folder should be, or a folder that cannot be written.

    >>> check_output_path("out/kg.ttl")
    """
    path = Path(path)
    if path.is_dir():
        raise KGError(f"{what} names a folder, not a file", path=path)
    if path.exists() and not path.is_file():
        raise KGError(f"{what} names something that is not a regular file", path=path)
    parent = path.parent
    while not parent.exists():
        if parent.is_symlink():  # a dangling link
            raise KGError(f"cannot create the folder {parent}: it is a broken symbolic link", path=path)
        parent = parent.parent
    if not parent.is_dir():
        raise KGError(f"cannot write {what}: {parent} is a file, not a folder", path=path)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise KGError(f"cannot write {what}: the folder {parent} is not writable", path=path)


def write_dataset(ds: Dataset, path: str | Path) -> None:
    """Serialise by the file's extension (.ttl, .trig, .nq, .nt, .jsonld) and write atomically."""
    with gc_paused():
        data = serialize(ds, format_for(path))
    write_atomic(path, data)
