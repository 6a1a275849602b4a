"""Lists and coordination: "A, B and the C", the members a label or a colon spells out
("Member states: A, B, C", "four Central European countries: A, B, C and D"), the countries a
sentence coordinates (what a later "these nations" stands for) and a place shared by coordinated bases.

>>> from graph.extract.model import _DocState, _is_country
>>> from graph.extract.mentions import find_mentions
>>> text = "Poland, Hungary and the Czech Republic joined NATO in 1999."
>>> ms = find_mentions(text, _DocState(), {})
>>> [m.text for m in _list_after(text, ms, 0, _is_country)]
['Poland', 'Hungary', 'Czech Republic']
"""

from __future__ import annotations

import bisect
import re

from ..corpus import Sentence
from ..discourse import Discourse
from .cues import _COLON_JOIN, _COLON_LIST, _LABEL_LIST, _LIST_GAP, _MODAL, _PREP_BEFORE
from .model import Mention, _is_country, _is_org


def _list_after(text: str, mentions: list[Mention], i: int, pred) -> list[Mention]:
    """Mentions from index i on that form a list ("A, B and the C")."""
    out = []
    prev_end = None
    for men in mentions[i:]:
        if prev_end is not None and not _LIST_GAP.match(text[prev_end:men.start]):
            break
        if not pred(men):
            break
        out.append(men)
        prev_end = men.end
    return out


def _list_before(text: str, mentions: list[Mention], j: int, pred) -> list[Mention]:
    """Mentions ending at index j (inclusive), going backwards, that form a list."""
    out = []
    nxt_start = None
    for men in reversed(mentions[: j + 1]):
        if nxt_start is not None and not _LIST_GAP.match(text[men.end:nxt_start]):
            break
        if not pred(men):
            break
        if out and _PREP_BEFORE.search(text[max(0, men.start - 16):men.start]):
            break  # "... independence from the United Kingdom, and Vietnam joined": not one list
        out.append(men)
        nxt_start = men.start
    return list(reversed(out))


def _shared_places(d, mentions: list[Mention], readings) -> list:
    """'Misawa Air Base and Yokota Air Base in Japan': a place after the last of coordinated bases
    belongs to all of them when none of the others has a place of its own."""
    from ..depmatch import Reading

    out = []
    placed = {r.subject.mention.entity for r in readings if r.relation == "locatedIn"}
    for r in readings:
        if r.relation != "locatedIn" or r.rule != "base-prep-place":
            continue
        last = d.char_span(r.subject.mention.start, r.subject.mention.end, alignment_mode="expand")
        if last is None or last.root.dep_ != "conj":
            continue
        chain, tok = [], last.root
        while tok.dep_ == "conj" and tok.head.i != tok.i:
            tok = tok.head
            chain.append(tok.i)
        if any(c.dep_ == "conj" and c.i > last.root.i for c in last.root.children):
            continue  # not the last member of the coordination
        for men in mentions:
            if men.kind not in ("MilitaryBase", "AirBase", "NavalBase") or men.entity in placed:
                continue
            span = d.char_span(men.start, men.end, alignment_mode="expand")
            if span is None or span.root.i not in chain:
                continue
            if any(c.dep_ in ("prep", "acl", "relcl", "appos") for c in span.root.children):
                continue  # it has a place (or a description) of its own
            out.append(Reading(r.subject.__class__(men, span.root.i, "BASE", span.root.i), "locatedIn", r.object,
                               "coordinated-bases-share-place", r.path))
    return out


def _coordinated_countries(windows, mentions: list[Mention]) -> list[str]:
    """The countries a sentence names as one coordinated list ("Poland, Hungary and the Czech
    Republic"), in order: what a later "these nations" or "the three countries" stands for."""
    best: list[str] = []
    for a, d in windows:
        heads: dict[int, list[str]] = {}
        for men in mentions:
            if not (_is_country(men) and men.via == "name") or not (a <= men.start and men.end <= a + len(d.text)):
                continue
            span = d.char_span(men.start - a, men.end - a, alignment_mode="expand")
            if span is None:
                continue
            tok = span.root
            while tok.dep_ == "conj" and tok.head.i != tok.i:
                tok = tok.head
            heads.setdefault(tok.i, [])
            if men.entity not in heads[tok.i]:
                heads[tok.i].append(men.entity)
        for group in heads.values():
            if len(group) > len(best):
                best = group
    return best


class _ListRules:
    """Part of :class:`graph.extract.document._Reader`: the rules that read a list of members.
    Uses the reader's ``fact``."""

    def _colon_list(self, s: Sentence, mentions: list[Mention], disc: Discourse):
        """'O is an alliance of four Central European countries: A, B, C and D': a list of
        countries after a colon that spells out the members of the organisation the sentence
        is about (named before the colon, or 'It'/'The alliance' for the section's)."""
        text = s.text
        cues = list(_COLON_LIST.finditer(text))
        joined = _COLON_JOIN.search(text)  # "Seven countries joined NATO in 2004: A, B, C"
        if joined:
            cues.append(joined)
        for cue in cues:
            head = text[:cue.start()]
            if _MODAL.search(head) or re.search(r"\b(?:observers?|partners?|associate|candidates?|non-?members?|"
                                                r"neighbou?rs?|except|excluding|other\s+than|outside)\b", head, re.I):
                continue
            orgs = [x for x in mentions if _is_org(x) and x.end <= cue.end()]
            if orgs:
                org = orgs[0].entity
            elif re.match(r"\s*(?:It|The\s+(?:alliance|organi[sz]ation|group|union|pact|bloc|treaty|coalition))\b", text):
                org = disc.resolve("org")
            else:
                org = None
            if org is None:
                continue
            listed, pos = [], cue.end()
            for men in (x for x in mentions if x.start >= cue.end()):
                gap = text[pos:men.start]
                if not re.fullmatch(r"\s*(?:,|;)?\s*(?:and\s+|&\s+)?(?:the\s+)?", gap):
                    break
                if not (_is_country(men) and men.via == "name"):
                    break
                listed.append(men)
                pos = men.end
            if len(listed) >= 2:
                for men in listed:
                    self.fact(s, men.entity, "memberOf", org, "org-colon-member-list")

    def _label_list(self, s: Sentence, mentions: list[Mention], disc: Discourse):
        """A 'Members'/'Member states' label followed by nothing but countries (an infobox or a list
        flattened into text): each is a member of the organisation named before the label, else of
        the one the section speaks of. Notes in parentheses are skipped; a repeated name (a flag's
        alt text) counts once; the list ends at the first other word ('Observers', 'Dissolved')."""
        text = s.text
        starts = [x.start for x in mentions]
        org_mentions = sorted((x for x in mentions if _is_org(x)), key=lambda x: x.end)
        org_ends = [x.end for x in org_mentions]
        for cue in _LABEL_LIST.finditer(text):
            context = text[max(0, cue.start() - 25):cue.end()]
            if re.search(r"\b(?:observers?|candidates?|applicants?|partners?|associate|affiliate|dialogue|aspiring|"
                         r"non-?members?)\b", context, re.I):
                continue
            k = bisect.bisect_right(org_ends, cue.start())
            last = org_mentions[k - 1] if k else None
            org = last.entity if last is not None and not text[last.end:cue.start()].strip(" :-") else disc.topic("org")
            if org is None:
                continue
            pos = cue.end()
            for men in mentions[bisect.bisect_left(starts, cue.end()):]:
                gap = text[pos:men.start]
                gap = re.sub(r"\([^()]{0,60}\)", " ", gap)
                # names the lexicon does not know ("Tokelau") may stand between members: skipped
                gap = re.sub(r"(?:^|,)\s*[A-Z][\w'\u2019.\-]*(?:\s+(?:and\s+|of\s+|the\s+)?[A-Z][\w'\u2019.\-]*){0,3}\s*(?=,)",
                             ",", gap)
                if gap.strip(" ,:\t\n\u2022*-") and gap.strip() not in ("and", "&"):
                    break
                if not (_is_country(men) and men.via == "name"):
                    break
                self.fact(s, men.entity, "memberOf", org, "members-label-list")
                pos = men.end
