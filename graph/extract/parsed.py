"""The driver of the rules over the dependency parse: which sentences are worth parsing, the
text the parser sees, and, sentence by sentence, the readings of :func:`graph.depmatch.read_relations`
made facts (with the mentions referring words stand for, and the list rules that need the discourse).

>>> text = "Camp Lemonnier (ICAO: HDAM) is in Djibouti."
>>> _for_parse(text, [])
'Camp Lemonnier              is in Djibouti.'
"""

from __future__ import annotations

import re

from ..discourse import REFERRING, Discourse
from .lists import _coordinated_countries, _shared_places
from .mentions import find_mentions
from .model import Mention, _is_base, _is_org
from .windows import _in_window, _shift, _windows

_JOIN_CUE = re.compile(r"\b(?:join(?:s|ed)?|acceded?|accession|admi(?:tted|ssion)|rejoin(?:s|ed)?)\b", re.I)
_PARSE_KINDS = ("Country", "Organization", "MilitaryAlliance", "MilitaryBase", "AirBase", "NavalBase")


def extractor_name() -> str:
    """'en_core_web_sm 3.8.0 (spaCy 3.8.x); relation rules <sha1>': what read the documents."""
    import hashlib

    from ..depmatch import RULES_FILE
    from ..nlp import pipeline_name

    digest = hashlib.sha1(RULES_FILE.read_bytes()).hexdigest()[:12]
    return f"{pipeline_name()}; relation rules {digest}"


_PARENTHETICAL = re.compile(r"\(([^()]{0,160})\)")


def _for_parse(text: str, mentions: list[Mention]) -> str:
    """The sentence as the parser sees it: parentheticals that name no base, organisation or country
    ("(ICAO: LGSA)", "(also spelled Tongduchon)", a pronunciation) are blanked out, character for
    character, so that they do not break the parse and offsets stay the same."""
    def blank(mt):
        inside = [x for x in mentions if mt.start() <= x.start and x.end <= mt.end()
                  and x.via in ("name", "pattern", "acronym") and x.kind in _PARSE_KINDS]
        return mt.group(0) if inside else " " * len(mt.group(0))
    return _PARENTHETICAL.sub(blank, text)


def _year_near(doc, reading) -> int | None:
    """A year attached by 'in' to a word on the rule's path ('Finland joined NATO in 2023')."""
    for t in (reading.subject.token, reading.object.token):
        tok = doc[t]
        for anc in [tok, *tok.ancestors][:4]:
            for child in anc.children:
                if child.dep_ == "prep" and child.lower_ == "in":
                    for obj in child.children:
                        if obj.dep_ == "pobj" and re.fullmatch(r"1[89]\d\d|20\d\d", obj.text):
                            return int(obj.text)
    return None


class _ParseRules:
    """Part of :class:`graph.extract.document._Reader`: the rules over the parse. Sets the reader's
    ``parsed`` (sentence index -> [(offset, spaCy Doc)]), ``coref`` (the mentions referring words
    stand for) and ``antecedents``; uses ``doc``, ``sentence_mentions``, ``state``, ``ents``, ``m``,
    ``fact`` and the rules of :class:`graph.extract.lists._ListRules` and
    :class:`graph.extract.referring._Referring`."""

    def sentences_to_parse(self) -> list[int]:
        """Indices of the sentences that could state a fact: two or more mentions (a referring word
        such as 'it' or 'the base' counts) with at least one base, organisation or country."""
        out = []
        for s, mentions in zip(self.doc.sentences, self.sentence_mentions):
            if s.heading:
                continue
            key = [x for x in mentions if x.kind in _PARSE_KINDS]
            n = len([x for x in mentions if x.via != "concept"]) + (1 if REFERRING.search(s.text) else 0) + (
                1 if _JOIN_CUE.search(s.text) else 0)
            if (key or REFERRING.search(s.text)) and n >= 2:
                out.append(s.index)
        return out

    def _parse_rules(self, parsed: dict | None):
        from ..depmatch import read_relations

        wanted = self.sentences_to_parse()
        parsed = dict(parsed or {})
        missing = [i for i in wanted if i not in parsed]
        if missing:
            from ..nlp import parse

            by_index = {s.index: s for s in self.doc.sentences}
            jobs = []  # (sentence, window start, text to parse)
            for i in missing:
                text = _for_parse(by_index[i].text, self.sentence_mentions[i])
                jobs.extend((i, a, text[a:b]) for a, b in _windows(text))
            for (i, a, _text), d in zip(jobs, parse([j[2] for j in jobs])):
                parsed.setdefault(i, []).append((a, d))
        self.parsed = parsed
        self.coref: dict[int, list[Mention]] = {}
        self.antecedents: dict[tuple[int, int], int] = {}  #: (sentence, offset of a referring word) -> sentence
        disc = Discourse()
        title = [x for x in self.doc.sentences[:1] if x.heading and x.text == self.doc.title]
        title_mentions = find_mentions(title[0].text, self.state, self.ents, self.m) if title else []
        disc.start_document(self._kinds_of(title_mentions, 0))
        section = None
        for s, mentions in zip(self.doc.sentences, self.sentence_mentions):
            if s.heading:
                if s.text == self.doc.title and s.index == 0:
                    continue
                disc.start_section(self._kinds_of(mentions, s.index))
                section = s.section
                continue
            if s.section != section:
                section = s.section
                disc.start_section([])
            self._label_list(s, mentions, disc)
            self._colon_list(s, mentions, disc)
            self._dateline(s, mentions)
            for a, d in parsed.get(s.index, ()):
                local = _in_window(mentions, a, a + len(d.text))
                extra = self._referring_mentions(d, local, disc, s.index, a)
                self.coref.setdefault(s.index, []).extend(_shift(x, a) for x in extra)
                readings = read_relations(d, [*local, *extra])
                readings += _shared_places(d, local, readings)
                for r in readings:
                    subj, obj = r.subject.mention, r.object.mention
                    if r.relation == "hostsForcesOf" and obj.kind != "Country":
                        continue
                    year = _year_near(d, r) if r.relation == "memberOf" else None
                    ante = self.antecedents.get((s.index, a + subj.start)) if subj.via in ("coref", "implicit") else None
                    if ante is None and obj.via in ("coref", "implicit"):
                        ante = self.antecedents.get((s.index, a + obj.start))
                    self.fact(s, subj.entity, r.relation, obj.entity, r.rule, start_year=year, antecedent=ante)
            for men in mentions:
                if _is_base(men):
                    disc.saw(men.entity, "base", s.index)
                elif _is_org(men):
                    disc.saw(men.entity, "org", s.index)
            group = _coordinated_countries(parsed.get(s.index, ()), mentions)
            if len(group) >= 2:
                disc.group = (group, s.index)
