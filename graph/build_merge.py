"""Entities merged over documents, and the conflicts between documents resolved: one country per
base or city, one start and one end year per organisation and per fact (the shapes require it);
what is set aside is reported.

A :class:`MergeIndex` sees each extraction once, in document order, and keeps only what the
decisions need (the merged entities and counters per place, organisation and fact), so that a build
need not hold its extractions: :meth:`MergeIndex.resolve` decides, :meth:`MergeIndex.apply` then
applies the decisions to each extraction as it is read back.

>>> from graph.corpus import parse_document
>>> from graph.extract import extract_document
>>> index = MergeIndex()
>>> for i, text in enumerate(["Osan Air Base in South Korea hosts U.S. forces.",
...                           "Osan Air Base in South Korea is busy.", "Osan Air Base in Japan is busy."]):
...     index.add(extract_document(parse_document(f"{i}.md", text), parse=False))
>>> index.resolve()
['Osan Air Base: located in South Korea (2 sentences), not Japan (1)']
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from .build_rdf import LITERAL_PROPS
from .extract import Extraction
from .lexicon import Entity


def _majority(counter: Counter):
    return sorted(counter, key=lambda v: (-counter[v], v))[0]


class MergeIndex:
    """What the cross-document decisions need, gathered one extraction at a time (in document order)."""

    def __init__(self):
        self.entities: dict[str, Entity] = {}  #: one Entity per id; a discovered name keeps its smallest spelling
        self._places: dict[str, Counter] = {}  #: place -> Counter(located-in object)
        self._order: dict[tuple[str, str], int] = {}  #: (place, object) -> first seen
        self._years: dict[tuple[str, str], Counter] = {}  #: (organisation, startYear|endYear) -> Counter(year)
        self._quals: dict[tuple, dict[str, Counter]] = {}  #: fact key -> qualifier -> Counter(year)
        self._drop: set[tuple[str, str]] = set()
        self._chosen: dict[tuple[str, str], int] = {}
        self._fixed: dict[tuple, tuple] = {}

    def add(self, ex: Extraction) -> None:
        """Count one extraction in."""
        for eid, ent in ex.entities.items():
            prev = self.entities.get(eid)
            if prev is None:
                self.entities[eid] = Entity(**{k: getattr(ent, k) for k in ent.__dataclass_fields__})
            else:
                if ent.label < prev.label and not prev.iri and not prev.wikidata:
                    prev.label = ent.label
                prev.aliases = tuple(sorted({*prev.aliases, *ent.aliases}))
        for f in ex.facts:
            if f.prop == "locatedIn":
                self._places.setdefault(f.subject, Counter())[f.object] += 1
                self._order.setdefault((f.subject, f.object), len(self._order))
            if f.prop in LITERAL_PROPS:
                self._years.setdefault((f.subject, f.prop), Counter())[int(f.object)] += 1
            for q in ("start_year", "end_year"):
                if getattr(f, q) is not None:
                    self._quals.setdefault(f.key, {}).setdefault(q, Counter())[getattr(f, q)] += 1

    def resolve(self) -> list[str]:
        """Decide every conflict; return the notes saying what was set aside."""
        return self._one_country_per_place() + self._one_value_per_year()

    def _one_country_per_place(self) -> list[str]:
        """One country per base or city (the ontology's shapes require it): when documents place a
        base in two countries, the country stated by more sentences wins (ties: the first in document
        order); the other facts are dropped."""
        entities, notes = self.entities, []
        for place, stated in sorted(self._places.items()):
            counter = Counter({c: n for c, n in stated.items() if entities.get(c) and entities[c].kind == "Country"})
            if len(counter) < 2:
                continue
            keep = sorted(counter, key=lambda c: (-counter[c], self._order[(place, c)]))[0]
            for country in sorted(counter):
                if country != keep:
                    self._drop.add((place, country))
                    notes.append(f"{entities[place].label}: located in {entities[keep].label} "
                                 f"({counter[keep]} sentences), not {entities[country].label} ({counter[country]})")
        return notes

    def _one_value_per_year(self) -> list[str]:
        """One start and one end year per organisation and per fact, the end not before the start:
        the year most sentences state wins (ties: the earlier year)."""
        entities, notes = self.entities, []
        chosen = {k: _majority(c) for k, c in self._years.items()}
        for (subj, prop), c in sorted(self._years.items()):
            if len(c) > 1:
                notes.append(f"{entities[subj].label}: {prop} {chosen[(subj, prop)]}, not "
                             + ", ".join(str(y) for y in sorted(c) if y != chosen[(subj, prop)]))
        for subj in sorted({s for s, _ in chosen}):
            start, end = chosen.get((subj, "startYear")), chosen.get((subj, "endYear"))
            if start is not None and end is not None and end < start:
                notes.append(f"{entities[subj].label}: end year {end} before start year {start}, end year dropped")
                del chosen[(subj, "endYear")]
        for key, qs in self._quals.items():
            if key[1] == "locatedIn" and (key[0], key[2]) in self._drop:
                continue  # set aside whole
            start = _majority(qs["start_year"]) if "start_year" in qs else None
            end = _majority(qs["end_year"]) if "end_year" in qs else None
            if start is not None and end is not None and end < start:
                end = None
            self._fixed[key] = (start, end)
        self._chosen = chosen
        return notes

    def apply(self, ex: Extraction) -> Extraction:
        """The extraction with the decisions applied (its facts replaced; call :meth:`resolve` first)."""
        out = []
        for f in ex.facts:
            if f.prop == "locatedIn" and (f.subject, f.object) in self._drop:
                continue
            if f.prop in LITERAL_PROPS and self._chosen.get((f.subject, f.prop)) != int(f.object):
                continue
            if f.key in self._fixed:
                start, end = self._fixed[f.key]
                f = dataclasses.replace(
                    f, start_year=start if f.start_year is not None else None,
                    end_year=end if f.end_year is not None else None)
            out.append(f)
        ex.facts = out
        return ex
