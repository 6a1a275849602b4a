"""An extraction as a JSON record and back, for the extraction cache (:mod:`graph.cache`): no pickle,
so a file planted in the cache folder cannot run code; entities of the lexicon are kept by their id.
"""

from __future__ import annotations

from dataclasses import fields

from .corpus import Document
from .extract import Evidence, Extraction, Fact
from .lexicon import Entity


def _entity_record(ent: Entity, lexicon) -> object:
    if lexicon is not None and lexicon.entities.get(ent.id) == ent:
        return ent.id  # the lexicon's own entity (or a copy from a worker process): by its id
    return {f.name: getattr(ent, f.name) for f in fields(Entity) if getattr(ent, f.name) != f.default}


def _entity(record, lexicon) -> Entity:
    if isinstance(record, str):
        return lexicon.entities[record]
    return Entity(**{k: tuple(v) if isinstance(v, list) else v for k, v in record.items()})


def _evidence(r) -> Evidence | None:
    return None if r is None else Evidence(*r[:6])


def _ev_record(ev: Evidence | None):
    return None if ev is None else [ev.doc, ev.start, ev.end, ev.quote, ev.section, ev.rule]


def encode_extraction(ex: Extraction, lexicon=None) -> dict:
    """An extraction as a JSON-ready record (its document by path and hash only: it is read anew).

    >>> from graph.corpus import parse_document
    >>> from graph.extract import extract_document
    >>> ex = extract_document(parse_document("a.md", "Finland joined NATO."), parse=False)
    >>> decode_extraction(encode_extraction(ex), ex.doc) == ex
    True
    """
    return {"path": ex.doc.path, "sha256": ex.doc.sha256, "extractor": ex.extractor,
            "entities": [[k, _entity_record(e, lexicon)] for k, e in ex.entities.items()],
            "facts": [[f.subject, f.prop, f.object, _ev_record(f.evidence), f.start_year, f.end_year,
                       _ev_record(f.antecedent)] for f in ex.facts],
            "mentions": [[k, n] for k, n in ex.mentions.items()]}


def decode_extraction(record: dict, doc: Document, lexicon=None) -> Extraction:
    """The extraction :func:`encode_extraction` recorded, for the document ``doc`` (KeyError, TypeError,
    ValueError or IndexError when the record is not one)."""
    from collections import Counter

    if record["path"] != doc.path or record["sha256"] != doc.sha256:
        raise ValueError("recorded for another document")
    ex = Extraction(doc=doc, extractor=record["extractor"])
    ex.entities = {k: _entity(r, lexicon) for k, r in record["entities"]}
    ex.facts = [Fact(s, p, o, _evidence(ev), sy, ey, _evidence(a)) for s, p, o, ev, sy, ey, a in record["facts"]]
    ex.mentions = Counter({k: n for k, n in record["mentions"]})
    if not all(isinstance(x, str) for f in ex.facts for x in f.key):
        raise TypeError("a fact that is not three strings")
    return ex
