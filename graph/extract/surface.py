"""The surface rules over one sentence, clause by clause: where a base is ("<base> in <country>",
"<country>'s <base>"), whose forces are at it ("German troops are based at <base>"), which
countries are allies, which concepts an organisation covers; and, over the whole document, the
country a section's heading names and the host that is no foreign partner.

>>> text = "Qatar hosts Al Udeid; Bahrain hosts NSA Bahrain, while Kuwait hosts Camp Arifjan."
>>> [text[a:b] for a, b in _clauses(text)]
['Qatar hosts Al Udeid', ' Bahrain hosts NSA Bahrain', 'Kuwait hosts Camp Arifjan.']
>>> from graph.corpus import parse_document
>>> from graph.extract import extract_document
>>> doc = parse_document("a.md", "German troops are based at Incirlik Air Base in Turkey.")
>>> [(f.key, f.evidence.rule) for f in extract_document(doc, parse=False).facts]
[(('incirlik-air-base', 'locatedIn', 'turkey'), 'base-in-place'), (('incirlik-air-base', 'hostsForcesOf', 'germany'), 'forces-at-base')]
"""

from __future__ import annotations

import re

from ..corpus import Sentence
from .cues import (_ALLIANCE_BETWEEN, _ALLIANCE_CUE, _ALLIED_GAP, _ALLIED_TAIL, _APPOS_LOC_GAP, _BASE_COREF,
                   _CITY_COUNTRY_GAP, _FORCE_AFTER, _FORCE_DIRECT, _HOST_OWN, _HOST_VERB, _LOC_GAP, _MODAL,
                   _NEAR_CITY_GAP, _NEGATION, _OPERATOR_VERB, _ORG_COREF, _OWNED_BASE_GAP, _PLURAL_ORG_COREF,
                   _POSSESSIVE_GAP, _PRESENCE, _SHARE_VERB, FORCE_NOUN)
from .lists import _list_after
from .mentions import _DATELINE
from .model import Mention, _is_base, _is_country, _is_org, _is_place
from .windows import _in_window, _windows


def _force_like(text: str, men: Mention, mentions: list[Mention]) -> bool:
    """Does this country mention stand for armed forces ("German forces", "the Royal Navy")?"""
    if men.via == "force":
        return True
    after = text[men.end:men.end + 60]
    if men.via == "demonym":
        if _FORCE_AFTER.match(after):
            return True
        nxt = [x for x in mentions if x.start >= men.end]
        if nxt and _is_base(nxt[0]) and _OWNED_BASE_GAP.fullmatch(text[men.end:nxt[0].start]):
            return True  # "the British HMS Jufair", "the French base at Chabelley"
        return False
    if _FORCE_DIRECT.match(after) or _FORCE_AFTER.match(after):
        return True
    if re.search(rf"\b{FORCE_NOUN}\s+(?:of|from)\s+(?:the\s+)?$", text[max(0, men.start - 40):men.start], re.I):
        return True  # "the air forces of Qatar"
    nxt = [x for x in mentions if x.start >= men.end]
    return bool(nxt and _is_base(nxt[0]) and re.fullmatch(r"\s*", text[men.end:nxt[0].start]))  # "US Naval Support Activity Bahrain"


def _gap_text(text: str, mentions: list[Mention], i: int, j: int) -> str:
    """Text between mentions i and j, the mentions in between replaced by CITY or ENT."""
    parts, pos = [], mentions[i].end
    for x in mentions[i + 1:j]:
        parts.append(text[pos:x.start])
        parts.append("CITY" if x.kind == "City" else "ENT")
        pos = x.end
    parts.append(text[pos:mentions[j].start])
    return "".join(parts)


def _bases_for_partner(text: str, men: Mention, bases: list[Mention], rule: str) -> list[Mention]:
    """The bases of a clause that a partner mention speaks of.

    A partner named before or after all bases (a subject, "share ... such as") goes with every base;
    one between two bases goes with the next base when it modifies it ("the French base at X"),
    else with the previous one (an apposition: "Camp Lemonnier, the largest American ...").
    """
    if len(bases) == 1 or rule == "share-bases-such-as":
        return bases
    if men.end <= bases[0].start or men.start >= bases[-1].end:
        return bases
    nxt = next(x for x in bases if x.start >= men.end)
    prev = [x for x in bases if x.end <= men.start][-1]
    between = text[men.end:nxt.start]
    if "," not in between and (len(between.split()) <= 3 or _PRESENCE.search(between)):
        return [nxt]  # "the French base at X", "Turkish troops have been deployed to X"
    return [prev]


def _clauses(text: str) -> list[tuple[int, int]]:
    """Split a sentence at clause boundaries that separate independent statements."""
    spans, start = [], 0
    for mt in re.finditer(r";|,\s+(?:while|whereas|but|when|after|before|until|although|though)\s+|\s+while\s+|\s+whereas\s+", text):
        spans.append((start, mt.start()))
        start = mt.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if b > a]


class _SurfaceRules:
    """Part of :class:`graph.extract.document._Reader`: the rules over the words of a sentence.
    Uses the reader's ``fact``, ``entity``, ``m``, ``doc``, ``result``, ``state``, ``section_mentions``
    and ``base_sentence``, and the rules of :class:`graph.extract.orgs._OrgRules`."""

    def _sentence(self, s: Sentence, all_mentions: list[Mention]):
        """The surface rules, on the sentence (or, for a very long one, on each part of it as the
        parser sees it, so that the work grows with the length and not with its square)."""
        for w0, w1 in _windows(s.text):
            text = s.text[w0:w1]
            mentions = _in_window(all_mentions, w0, w1) if w0 or w1 < len(s.text) else all_mentions
            self._locations(s, text, mentions)
            for a, b in _clauses(text):
                sub = [men for men in mentions if men.start >= a and men.end <= b]
                self._hosting(s, text, sub, a, b)
            self._memberships(s, text, mentions)
            self._org_years(s, text, mentions)
            self._renamed(s, text, mentions)
            self._allied(s, text, mentions)
            self._concepts(s, text, mentions)

    def _locations(self, s: Sentence, text: str, mentions: list[Mention]):
        for i, men in enumerate(mentions):
            if not _is_base(men):
                continue
            # "<base> in <country>", "<base>, located in <city>, <country>", "<base>, a ... base in <country>",
            # "<base>, near <city> in southern <country>", "<base>, in NATO ally <country>"
            for j in range(i + 1, min(i + 6, len(mentions))):
                nxt = mentions[j]
                if _is_base(nxt):
                    break
                if not (_is_place(nxt) and nxt.via == "name"):
                    continue
                gap = _gap_text(text, mentions, i, j)
                rule = None
                if "CITY" not in gap and (_LOC_GAP.match(gap) or _APPOS_LOC_GAP.match(gap)):
                    rule = "base-in-place"
                elif nxt.kind == "Country" and _NEAR_CITY_GAP.match(gap):
                    rule = "base-near-city-in-country"
                if rule is None:
                    if nxt.kind == "Country" and not _force_like(text, nxt, mentions):
                        break  # a place we cannot attach: stop looking further
                    continue
                self.fact(s, men.entity, "locatedIn", nxt.entity, rule)
                if nxt.kind == "City" and j + 1 < len(mentions):
                    after = mentions[j + 1]
                    if _is_country(after) and after.via == "name" and _CITY_COUNTRY_GAP.match(text[nxt.end:after.start]):
                        self.fact(s, nxt.entity, "locatedIn", after.entity, "city-country")
                        self.fact(s, men.entity, "locatedIn", after.entity, "base-in-city-country")
                break
            # "<base>, Qatar's largest military facility, ..."
            if i + 1 < len(mentions) and _is_country(mentions[i + 1]) and mentions[i + 1].via == "name":
                if re.fullmatch(r"\s*,\s*(?:the\s+)?", text[men.end:mentions[i + 1].start]) and re.match(
                        r"['\u2019]s\s", text[mentions[i + 1].end:]):
                    self.fact(s, men.entity, "locatedIn", mentions[i + 1].entity, "base-appositive-country-possessive")
            # "In Saudi Arabia, Prince Sultan Air Base hosts ..."
            lead = re.match(r"^(?:In|Inside|Within)\s+(?:the\s+)?", text)
            if lead and mentions and mentions[0].kind == "Country" and mentions[0].via == "name" \
                    and mentions[0].start == lead.end() and re.match(r"\s*,", text[mentions[0].end:]) \
                    and not any(f.subject == men.entity and f.prop == "locatedIn" and f.evidence.start == s.start
                                for f in self.result.facts):
                self.fact(s, men.entity, "locatedIn", mentions[0].entity, "sentence-opens-in-country")
            # "<country>'s <base>"
            if i > 0:
                prev = mentions[i - 1]
                if _is_country(prev) and prev.via == "name" and _POSSESSIVE_GAP.match(text[prev.end:men.start]):
                    self.fact(s, men.entity, "locatedIn", prev.entity, "country-possessive-base")

    def _hosting(self, s: Sentence, text: str, mentions: list[Mention], a: int, b: int):
        clause = text[a:b]
        if not _PRESENCE.search(clause) or _NEGATION.search(clause):
            return
        bases = [men for men in mentions if _is_base(men)]
        if not bases:
            coref = _BASE_COREF.search(clause)
            if coref and self.state.last_base:
                bases = [Mention(a + coref.start(), a + coref.end(), self.state.last_base,
                                 self.entity(self.state.last_base).kind, "coref", coref.group(0))]
            else:
                return
        countries = [men for men in mentions if _is_country(men)]
        located = set()
        for i, men in enumerate(mentions):
            if _is_place(men) and i > 0:
                prev = [x for x in mentions[:i] if _is_base(x) or _is_place(x)]
                if prev and _LOC_GAP.match(text[prev[-1].end:men.start]):
                    located.add(men.start)
        hosts, partners = set(), {}
        for men in countries:
            if men.start in located:
                continue
            after = text[men.end:b]
            if men.via == "name" and _HOST_VERB.match(after):
                hosts.add(men.entity)
                for base in bases:
                    if base.start > men.end:
                        self.fact(s, base.entity, "locatedIn", men.entity, "host-hosts-at-base")
                continue
        listed = set()  # "aircraft from the United States, France and the United Kingdom"
        for k, men in enumerate(mentions):
            if _is_country(men) and _force_like(text, men, mentions):
                listed.update(x.start for x in _list_after(text, mentions, k, _is_country))
        for men in countries:
            if men.start in located or men.entity in hosts:
                continue
            before = text[a:men.start]
            after = text[men.end:b]
            rule = None
            if men.via in ("demonym", "force") and (men.via == "force" or _FORCE_DIRECT.match(after)) \
                    and not _HOST_OWN.search(text[max(0, men.start - 30):men.start]):
                rule = "forces-at-base"  # "Indian troops", "the Luftwaffe": forces named as such
            elif re.search(r"\b(?:hosts|hosted|houses|housed|welcomes)\s+(?:\w+\s+){0,3}$", before) and hosts:
                rule = "host-hosts-partner"
            elif men.via == "name" and _OPERATOR_VERB.match(after) and any(x.start > men.end for x in bases):
                rule = "country-operates-base"
            elif _SHARE_VERB.search(after[:40]) and men.via in ("name", "demonym"):
                rule = "share-bases-such-as"
            if rule:
                for base in _bases_for_partner(text, men, bases, rule):
                    self.fact(s, base.entity, "hostsForcesOf", men.entity, rule)

    def _allied(self, s: Sentence, text: str, mentions: list[Mention]):
        for i in range(len(mentions) - 1):
            a, b = mentions[i], mentions[i + 1]
            if not (_is_country(a) and _is_country(b) and a.via == "name" and b.via == "name"):
                continue
            if _ALLIED_GAP.match(text[a.end:b.start]) and (
                _ALLIED_TAIL.match(text[b.end:]) or _ALLIANCE_BETWEEN.search(text[: a.start])
            ):
                self.fact(s, a.entity, "alliedWith", b.entity, "allies-pair")

    def _concepts(self, s: Sentence, text: str, mentions: list[Mention]):
        concepts = [men for men in mentions if men.via == "concept"]
        if not concepts:
            return
        first = concepts[0].start
        orgs = [men for men in mentions if _is_org(men)]
        subjects = [men.entity for men in orgs if men.start < first] or [men.entity for men in orgs]
        rule = "alliance-named"
        coref = _ORG_COREF.search(text)
        if coref and coref.start() < first and self.state.last_org and not any(men.start < coref.start() for men in orgs):
            subjects, rule = [self.state.last_org], "alliance-coref"
        elif not subjects and _PLURAL_ORG_COREF.search(text) and self.state.orgs_seen:
            subjects, rule = list(self.state.orgs_seen), "these-alliances"
        elif not subjects and _ORG_COREF.search(text) and self.state.last_org:
            subjects, rule = [self.state.last_org], "alliance-coref"
        elif not subjects and _ALLIANCE_CUE.search(text) and self.state.network:
            subjects, rule = [self._ensure_network()], "alliance-network"
        if not subjects:
            return
        prop_of = {"CooperationArea": "coversArea", "Threat": "addressesThreat", "Purpose": "servesPurpose",
                   "HistoricalPeriod": "formedIn"}
        for men in concepts:
            ent = self.entity(men.entity)
            for kind in ent.kinds or (ent.kind,):
                for subj in subjects:
                    self.fact(s, subj, prop_of[kind], men.entity, f"{rule}-{prop_of[kind]}")

    def _dateline(self, s: Sentence, mentions: list[Mention]):
        """'CAMP HUMPHREYS, South Korea -- ...': a dateline that opens with a base places it."""
        if (len(mentions) >= 2 and mentions[0].start == 0 and _is_base(mentions[0]) and _is_country(mentions[1])
                and mentions[1].via == "name" and _DATELINE.match(s.text)
                and re.fullmatch(r",\s*", s.text[mentions[0].end:mentions[1].start])
                and re.match(r"\s*(?:--|\u2014|\u2013|-)\s", s.text[mentions[1].end:])):
            self.fact(s, mentions[0].entity, "locatedIn", mentions[1].entity, "dateline-base-country")
        if mentions and mentions[0].start == 0 and _is_base(mentions[0]) and _DATELINE.match(s.text):
            # the forces a dateline story names act at the dateline's base ("KUNSAN AIR BASE, ... --
            # U.S. Air Force F-16s returned ..."), unless the clause is negated or a plan
            body = s.text[mentions[0].end:]
            if not _NEGATION.search(body) and not _MODAL.search(body):
                for men in mentions[1:]:
                    if _is_country(men) and (men.via == "force" or (
                            men.via == "demonym" and _FORCE_DIRECT.match(s.text[men.end:men.end + 40]))):
                        self.fact(s, mentions[0].entity, "hostsForcesOf", men.entity, "dateline-base-forces")

    def _section_country_locations(self):
        """A base whose country no sentence states, under a heading that is just a country's name
        ("## Kuwait", "## The United Arab Emirates"), is located in that country."""
        located = {f.subject for f in self.result.facts if f.prop == "locatedIn"}
        for eid, s in sorted(self.base_sentence.items()):
            if eid in located:
                continue
            for heading in dict.fromkeys((s.section, self.doc.title)):  # the section's heading, then the title
                heads = [x for x in self.section_mentions.get(heading, []) if x.via != "concept"]
                if len(heads) != 1 or heads[0].kind != "Country" or heads[0].via != "name":
                    continue
                before = heading[: heads[0].start].strip().lower()
                after = heading[heads[0].end:].strip()
                # "## Kuwait", "## Bases in the UAE", "# Foreign forces in Japan"
                if not after and (before in ("", "the") or re.search(r"(?:^|\s)in(?:\s+the)?$", before)):
                    self.fact(s, eid, "locatedIn", heads[0].entity, "section-heading-country")
                    break

    def _drop_hosts_that_are_locations(self):
        """A country whose forces are at a base it is itself the location of is not a foreign partner;
        nor is the country whose service names the base ("RMAF Butterworth" is Malaysia's own)."""
        loc = {(f.subject, f.object) for f in self.result.facts if f.prop == "locatedIn"}
        for f in self.result.facts:
            if f.prop == "hostsForcesOf":
                label = self.entity(f.subject).label
                for mt in self.m.name_re.finditer(label):
                    eid, via = self.m.forms[mt.group(0)]
                    if via == "force" and mt.start() == 0:
                        loc.add((f.subject, eid))
        self.result.facts = [
            f for f in self.result.facts if not (f.prop == "hostsForcesOf" and (f.subject, f.object) in loc)
        ]
