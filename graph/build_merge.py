"""Entities merged over documents, and the conflicts between documents resolved: one country per
base or city, one start and one end year per organisation and per fact (the shapes require it);
what is set aside is reported.

>>> from graph.corpus import parse_document
>>> from graph.extract import extract_document
>>> exs = [extract_document(parse_document(f"{i}.md", text), parse=False) for i, text in enumerate([
...     "Osan Air Base in South Korea hosts U.S. forces.", "Osan Air Base in South Korea is busy.",
...     "Osan Air Base in Japan is busy."])]
>>> entities = merge_entities(exs)
>>> one_country_per_place(exs, entities)
['Osan Air Base: located in South Korea (2 sentences), not Japan (1)']
"""

from __future__ import annotations

from collections import Counter

from .build_rdf import LITERAL_PROPS
from .extract import Extraction
from .lexicon import Entity


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
