"""Build: extracted facts -> an RDF dataset typed by the ontology, with evidence.

Every fact is written twice, in the style of Wikidata's statement model:

* a direct triple (``akr:incirlik-air-base akg:hostsForcesOf akr:germany``) for easy queries;
* a statement node (``akg:Statement``) naming subject, property and object, with
  ``prov:wasDerivedFrom`` links to one ``akg:Evidence`` per sentence that states it
  (``oa:hasSource`` the document, ``oa:TextQuoteSelector`` the sentence,
  ``oa:TextPositionSelector`` its character offsets).

What a document states goes into that document's named graph; the ontology into
its own graph. A Turtle file holds the union.

This module runs the build (extraction in one or more processes, then the dataset);
the RDF of a fact is in :mod:`graph.build_rdf`, the merging of entities and the
resolution of conflicts between documents in :mod:`graph.build_merge`, and the
deterministic serialisation in :mod:`graph.serialize` (all importable from here).

>>> from graph.corpus import parse_document
>>> doc = parse_document("a.md", "Kuwait hosts U.S. Army units at Camp Arifjan.")
>>> ds = build_dataset([doc]).dataset
>>> from graph.namespaces import AKR, AKG
>>> any(ds.quads((AKR["camp-arifjan"], AKG.hostsForcesOf, AKR["united-states"], None)))
True
"""

from __future__ import annotations

import gc
import os
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph

# the IRI functions, check_output_path and write_atomic: importable from here too
from .build_merge import MergeIndex
from .build_rdf import LITERAL_PROPS, document_iri, entity_iri, evidence_iri, statement_iri  # noqa: F401
from .corpus import Corpus, Document, DocumentFile
from .extract import Extraction, extract_document
from .lexicon import ONTOLOGY_FILE, load_lexicon, parse_turtle
from .build_stream import StreamedRDF
from .rdfio import write_atomic
from .serialize import check_output_path, format_for, serialize  # noqa: F401
from .spool import ExtractionSpool, QuadSpool
from .staged import STAGED_FORMATS
from .stages import Stages


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
    """A built graph: its named graphs in a spool (:class:`graph.spool.QuadSpool`, what ``kg build``
    writes from), the summary, the extractions, and what reasoning and validation found."""

    spool: QuadSpool
    summary: Summary
    extractions: ExtractionSpool  #: every document's extraction (iterable, in document order; read from disk)
    facts: dict = field(default_factory=dict)  #: every distinct fact -> (document, sentence) of its first evidence
    report: object = None  #: the validation report (graph.validate.ValidationReport) when validated
    changes: object = None  #: what changed since the last build (graph.cache.Changes), when built with a cache
    cache: object = None  #: the cache it was built with (graph.cache.ExtractionCache), or None
    stages: Stages = field(default_factory=Stages)  #: the time each stage took
    rdf: object = None  #: the streamed RDF stage (graph.build_stream.StreamedRDF), until reasoned
    staged: object = None  #: the output file being written beside validation (graph.staged.StagedWrite), or None
    _dataset: Dataset | None = None

    @property
    def dataset(self) -> Dataset:
        """The built graphs as an rdflib ``Dataset`` (read from the spool once, on first use, and kept:
        for the Python API; ``kg build`` writes from the spool and never makes it)."""
        if self._dataset is None:
            self._dataset = self.spool.dataset()
        return self._dataset

    def close(self) -> None:
        """Remove the build's temporary files (its spools, a staged output not committed); the summary
        and reports stay."""
        if self.staged is not None:
            self.staged.abort()
        self.spool.close()
        self.extractions.close()

    def commit_cache(self) -> list[str]:
        """Record this build in its cache as the last one (once the graph is written; see
        :func:`build_graph`'s ``commit``); nothing without a cache. Returns what went wrong on the way
        (a cache that could not be written: the graph is written all the same)."""
        if self.cache is None:
            return []
        before = len(self.cache.notes)
        with self.cache.lock():
            self.cache.commit(self.extractions.documents, self.facts)
        return self.cache.notes[before:]


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


def load_ontology(path: str | Path = ONTOLOGY_FILE) -> Graph:
    """Parse the ontology; a syntax error names the file and line."""
    return parse_turtle(path)


def build_dataset(docs: list[Document], ontology: str | Path = ONTOLOGY_FILE, progress=None,
                  jobs: int = 1, cache=None, stages: Stages | None = None) -> BuildResult:
    """Extract every document (taking from ``cache``, a :class:`graph.cache.ExtractionCache`, what it
    holds) and write the dataset (ontology graph + one graph per document); ``stages`` times the
    extraction and the RDF (:class:`graph.stages.Stages`)."""
    with gc_paused():
        return _build_dataset(docs, ontology, progress, jobs, cache, stages or Stages())


def default_jobs(n_docs: int) -> int:
    """Processes for extraction by default: one per core, one for a small corpus (under 8 documents).

    >>> default_jobs(3)
    1
    """
    return 1 if n_docs < 8 else max(1, min(os.cpu_count() or 1, n_docs))


#: the lexicon a worker process extracts with (set once per worker, inherited through fork)
_WORKER_LEXICON = None


def _extract_one(doc: Document, lexicon) -> Extraction:
    """One document's extraction; a failure is a KGError that names the document."""
    from .errors import KGError

    try:
        return extract_document(doc, lexicon)
    except KGError as exc:
        if exc.path is not None:
            raise
        raise type(exc)(exc.message, path=doc.path, line=exc.line) from None
    except Exception as exc:  # a bug of the extractor on this document: name it, stop the build
        raise KGError(f"extraction failed: {type(exc).__name__}: {exc}", path=doc.path) from exc


def _loaded(doc):
    """A document, read and parsed if it is a :class:`graph.corpus.DocumentFile` (a failure names it)."""
    return doc.load() if isinstance(doc, DocumentFile) else doc


def _extract_in_worker(item: tuple[int, Document]) -> tuple[int, Extraction]:
    return item[0], _extract_one(_loaded(item[1]), _WORKER_LEXICON)


def extract_all(docs: list[Document], lexicon, jobs: int = 1, progress=None, done=None) -> list[Extraction]:
    """Every document's extraction, in order (see :func:`iter_extract`)."""
    return list(iter_extract(docs, lexicon, jobs=jobs, progress=progress, done=done))


def iter_extract(docs: list[Document], lexicon, jobs: int = 1, progress=None, done=None):
    """Extract every document, in ``jobs`` processes when more than one, yielding the extractions in
    document order whatever the number of jobs (so the graph is the same). ``done`` is called with
    each extraction as soon as it is made (the cache keeps it), so a document that fails (a KGError
    naming it stops the build) leaves those already done with ``done``."""
    jobs = max(1, min(jobs, len(docs)))
    docs = docs.files if isinstance(docs, Corpus) else docs  # files are read where they are extracted
    if jobs == 1:
        for doc in docs:
            ex = _extract_one(_loaded(doc), lexicon)
            if done:
                done(ex)
            if progress:
                progress(ex.doc)
            yield ex
        return
    import multiprocessing

    from .nlp import load_pipeline

    global _WORKER_LEXICON
    load_pipeline()  # loaded once here; forked workers share it
    _WORKER_LEXICON = lexicon
    ctx = multiprocessing.get_context("fork")
    waiting: dict[int, Extraction] = {}  # finished out of order: held until those before them are given
    following = 0
    with ctx.Pool(jobs) as pool:
        for i, ex in pool.imap_unordered(_extract_in_worker, enumerate(docs),
                                         chunksize=max(1, min(16, len(docs) // (jobs * 4) or 1))):
            if done:
                done(ex)
            if progress:
                progress(ex.doc)
            waiting[i] = ex
            while following in waiting:
                yield waiting.pop(following)
                following += 1


def _build_dataset(docs: list[Document], ontology: str | Path, progress, jobs: int, cache,
                   stages: Stages, reason: bool = False, fork: bool = False) -> BuildResult:
    """Extract, then the RDF stage; with ``reason`` and ``fork`` (where the platform forks) the RDF and
    reasoning stages run in a forked process (:mod:`graph.build_child`) and the result comes back
    reasoned (its ``rdf`` None)."""
    with stages.stage("extract", total=len(docs)) as advance:
        def tick(doc):
            advance(doc)
            if progress:
                progress(doc)

        onto, index, kept = _extract(docs, ontology, tick, jobs, cache)
    if reason and fork:
        from .build_child import forking, run_forked

        if forking():
            spool = QuadSpool()
            try:
                summary, facts = run_forked(lambda: _rdf(onto, docs, index, kept, True, spool),
                                            lambda result: result.rdf.reason(), spool, kept.flush, stages)
            except BaseException:
                spool.close()
                kept.close()
                raise
            return BuildResult(spool=spool, summary=summary, extractions=kept, facts=facts, stages=stages)
    with stages.stage("merge and RDF"):
        result = _rdf(onto, docs, index, kept, reason)
    result.stages = stages
    return result


def _extract(docs: list[Document], ontology: str | Path, progress, jobs: int, cache):
    """Extract (or take from the cache) every document, counting each into a :class:`MergeIndex`
    and keeping it on disk (:class:`graph.spool.ExtractionSpool`) as it comes."""
    onto = load_ontology(ontology)
    lexicon = load_lexicon(Path(ontology))
    if cache is not None:
        made = cache.iter_extract(docs, lexicon, jobs=jobs, progress=progress)
    else:
        made = iter_extract(docs, lexicon, jobs=jobs, progress=progress)
    index, kept = MergeIndex(), ExtractionSpool()
    try:
        for ex in made:
            index.add(ex)
            kept.append(ex)
    except BaseException:
        kept.close()
        raise
    return onto, index, kept


def _rdf(onto: Graph, docs: list[Document], index: MergeIndex, kept: ExtractionSpool, reason: bool,
         spool: QuadSpool | None = None) -> BuildResult:
    entities = index.entities
    summary = Summary(documents=len(docs))
    summary.conflicts = index.resolve()
    spool = spool if spool is not None else QuadSpool()
    rdf = StreamedRDF(spool, onto, reason=reason)
    seen_entities: set[str] = set()
    facts: dict[tuple[str, str, str], tuple[str, str]] = {}
    for ex in kept:
        ex = index.apply(ex)
        summary.evidence += rdf.add_document(ex, entities)
        if not ex.mentions:
            summary.empty_documents.append(ex.doc.path)
        seen_entities.update(ex.mentions)
        for f in ex.facts:
            facts.setdefault(f.key, (f.evidence.doc, f.evidence.quote))
            seen_entities.add(f.subject)
            if f.prop not in LITERAL_PROPS:
                seen_entities.add(f.object)
    for eid in seen_entities:
        ent = entities.get(eid)
        if ent is not None and not ent.iri:
            summary.entities[ent.kind] += 1
    summary.facts = Counter(p for _, p, _ in facts)
    summary.triples = rdf.finish()
    return BuildResult(spool=spool, summary=summary, extractions=kept, facts=facts, rdf=rdf if reason else None)


def build_graph(corpus, ontology: str | Path = ONTOLOGY_FILE, *, reason: bool = True, validate: bool = True,
                shapes: str | Path | None = None, progress=None, jobs: int | None = 1, warn=None,
                cache: str | Path | None = None, refresh: bool = False, commit: bool = True,
                lock_wait: float | None = None, stages: Stages | None = None,
                write_beside: str | Path | None = None) -> BuildResult:
    """The whole build as ``kg build`` runs it: read the corpus folder(s), extract, write the RDF
    dataset, add the OWL-RL inferences and check the SHACL shapes. ``warn`` is told about the files
    of the corpus that are skipped (:func:`graph.corpus.find_documents`). ``jobs`` processes extract
    (None: :func:`default_jobs` of the corpus read).

    With a ``cache`` folder (:func:`graph.cache.default_cache_dir`), only the documents it does not
    hold are extracted (all of them with ``refresh``, ``kg build --no-cache``), under the folder's
    lock (waiting up to ``lock_wait`` seconds for another build), and the graph is the same, byte for
    byte; ``result.changes`` tells what changed since the last build recorded there. With ``commit``
    this build is recorded at once; with ``commit=False`` the caller records it once the graph is
    written (:meth:`BuildResult.commit_cache`), as ``kg build`` does.

    Raises ``graph.validate.ValidationFailed`` (its ``report`` lists the violations) when the graph does
    not conform, so that callers write nothing.

    ``write_beside``: an output file (Turtle, N-Triples or N-Quads) to write in a forked process while
    the graph is validated, when more than one job runs; ``result.staged`` then holds it, for
    :func:`graph.publish.publish` to put in place once the graph conforms (it is dropped otherwise).

    >>> result = build_graph("corpus")                   # doctest: +SKIP
    >>> result.summary.inferred, result.report.conforms  # doctest: +SKIP
    (40, True)
    """
    from contextlib import nullcontext

    from .corpus import read_corpus

    stages = stages or Stages()
    store = None
    if cache is not None:
        from .cache import ExtractionCache, extractor_fingerprint

        store = ExtractionCache(cache, extractor_fingerprint(ontology), refresh=refresh)
    with gc_paused(), stages.stage("read"):
        docs = read_corpus(corpus, warn=warn)
    with gc_paused(), (store.lock(lock_wait) if store is not None else nullcontext()):
        jobs = jobs or default_jobs(len(docs))  # None: one process per core (one for a small corpus)
        with gc_paused():  # RDF and reasoning in a forked process: what they allocate is not kept
            result = _build_dataset(docs, ontology, progress, jobs, store, stages, reason=reason, fork=True)
        if store is not None:
            result.cache, result.changes = store, store.changes(result.extractions.documents, result.facts)
        if reason and result.rdf is not None:  # not reasoned yet (no fork on this platform)
            with stages.stage("reason"):
                result.summary.inferred = result.rdf.reason()
            result.rdf = None
        if validate:
            from .validate import SHAPES_FILE, require_conformance
            from .validate_spool import validate_spool

            if write_beside is not None and jobs > 1 and format_for(write_beside) in STAGED_FORMATS:
                from .serialize import spool_writer
                from .staged import StagedWrite

                result.staged = StagedWrite(write_beside, spool_writer(result.spool.finish(), format_for(write_beside)))
            try:
                with stages.stage("validate"):  # on Oxigraph, batch by batch: pyshacl sees the entities, SPARQL the rest
                    report = validate_spool(result.spool, shapes or SHAPES_FILE, jobs=jobs)
                result.report = require_conformance(report)
            except BaseException:
                if result.staged is not None:
                    result.staged.abort()
                    result.staged = None
                raise
        if store is not None and commit:
            store.commit(result.extractions.documents, result.facts)
    return result


def write_built(result: BuildResult, path: str | Path) -> None:
    """Write a build's graphs (its spool) by the file's extension, atomically: the same bytes as
    :func:`write_dataset` of the same graphs."""
    from .serialize import spool_writer

    with gc_paused():
        write_atomic(path, spool_writer(result.spool, format_for(path)))


def write_dataset(ds: Dataset, path: str | Path) -> None:
    """Serialise by the file's extension (.ttl, .trig, .nq, .nt, .jsonld) and write atomically."""
    with gc_paused():
        data = serialize(ds, format_for(path))
    write_atomic(path, data)
