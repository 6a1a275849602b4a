"""The surface rules about organisations: who is a member ("A joined O in 2004", "O's members
include A, B and C", "A withdrew from O"), when an organisation was founded or dissolved (and in
which historical period), and a new name ("the alliance was renamed the X").

>>> from graph.corpus import parse_document
>>> from graph.extract import extract_document
>>> doc = parse_document("a.md", "Greece and Turkey joined NATO in 1952.")
>>> [(f.subject, f.evidence.rule, f.start_year) for f in extract_document(doc, parse=False).facts]
[('greece', 'joined-org', 1952), ('turkey', 'joined-org', 1952)]
"""

from __future__ import annotations

import re

from ..corpus import Sentence
from .cues import (_APPOS_TAIL, _DISSOLVED, _FOUNDED, _LEFT_CUE, _MEMBER_APPOS, _MEMBER_COREF_CUE, _MEMBER_LIST_CUE,
                   _MEMBER_OF_CUE, _MEMBERS_OF_ORG, _MEMBERS_OF_TAIL, _MODAL, _ORG_COREF, _ORG_MEMBER_GAP, _RENAMED)
from .lists import _list_after, _list_before
from .model import Mention, _is_base, _is_country, _is_org


def _year_after(text: str, pos: int, limit: int = 40) -> int | None:
    mt = re.match(r"^[^.;]{0,%d}?\bin\s+(1[89]\d\d|20\d\d)\b" % limit, text[pos:])
    return int(mt.group(1)) if mt else None


class _OrgRules:
    """Part of :class:`graph.extract.document._Reader`: memberships, founding and dissolution years and
    new names of organisations. Uses the reader's ``fact``, ``entity``, ``lex``, ``ents`` and ``state``."""

    def _org_for(self, text: str, mentions: list[Mention], upto: int) -> str | None:
        """The organisation a clause speaks of before position ``upto``: named, or by 'its'/'the alliance'."""
        orgs = [men for men in mentions if _is_org(men) and men.end <= upto]
        if orgs:
            return orgs[-1].entity
        if _ORG_COREF.search(text[:upto]) and self.state.last_org:
            return self.state.last_org
        return None

    def _memberships(self, s: Sentence, text: str, mentions: list[Mention]):
        member_pred = lambda x: _is_country(x) and x.via == "name" or _is_org(x)  # noqa: E731
        # 1. "<org> ... members were/include A, B and C" / "<org> brings together A, B, C"
        for cue in _MEMBER_LIST_CUE.finditer(text):
            org = self._org_for(text, mentions, cue.start())
            if not org:
                continue
            idx = next((k for k, x in enumerate(mentions) if x.start >= cue.end()), None)
            if idx is None or text[cue.end():mentions[idx].start].strip() not in ("", "the", ":"):
                continue
            for men in _list_after(text, mentions, idx, member_pred):
                if men.entity != org:
                    self.fact(s, men.entity, "memberOf", org, "members-list")
        # 2. "A (and B) joined / became a member of / signed <org> (in YEAR)"
        for j, org in enumerate(mentions):
            if not _is_org(org):
                continue
            before = text[: org.start]
            if re.search(r"non-$", before):
                continue
            cue = _MEMBER_OF_CUE.search(before)
            if cue:
                subj_idx = max((k for k, x in enumerate(mentions[:j]) if x.end <= cue.start()), default=None)
                if subj_idx is not None and re.search(r"\b(?:members|states|countries|nations|leaders|forces|troops)\s+of\s+"
                                                      r"(?:the\s+)?$", text[:mentions[subj_idx].start]):
                    subj_idx = None  # "All four members of the Visegrad Group joined ...": not the group itself
                if subj_idx is not None:
                    gap = text[mentions[subj_idx].end:cue.start()]
                    modal = _MODAL.search(text[mentions[subj_idx].end:cue.end()])
                    if not modal and (re.fullmatch(r"\s*(?:,[^,]{0,40},\s*)?(?:\w+\s+){0,2}", gap)
                                      or re.fullmatch(r"\s*,[^,]{0,60},\s*", gap)):
                        verb = cue.group(0)
                        rule = "joined-org" if re.search(r"join|acced|enter", verb) else (
                            "founded-org" if re.search(r"found|form|establish|creat|sign", verb) else "member-of-org")
                        dated = rule != "member-of-org" or re.search(r"became|become", verb)
                        year = _year_after(text, org.end) if dated else None
                        for men in _list_before(text, mentions, subj_idx, member_pred):
                            if men.entity != org.entity and not (rule == "founded-org" and not _is_country(men)):
                                self.fact(s, men.entity, "memberOf", org.entity, rule, start_year=year)
                        # "..., together with A, B and C"
                        tail = re.match(r"^\s*(?:\([^)]*\)\s*)?,?\s*(?:together\s+with|along\s+with|alongside|with)\s+(?:the\s+)?", text[org.end:])
                        if tail:
                            k = next((k for k, x in enumerate(mentions) if x.start >= org.end + tail.end()), None)
                            if k is not None and mentions[k].start == org.end + tail.end():
                                for men in _list_after(text, mentions, k, member_pred):
                                    self.fact(s, men.entity, "memberOf", org.entity, "member-together-with")
            # "NATO ally Turkey", "GCC members Qatar and Bahrain"
            if j + 1 < len(mentions) and _ORG_MEMBER_GAP.match(text[org.end:mentions[j + 1].start]):
                for men in _list_after(text, mentions, j + 1, lambda x: _is_country(x) and x.via == "name"):
                    self.fact(s, men.entity, "memberOf", org.entity, "org-ally-country")
            # "Turkey, a NATO member"
            if j > 0 and _is_country(mentions[j - 1]) and mentions[j - 1].via == "name":
                if _MEMBER_APPOS.match(text[mentions[j - 1].end:org.start]) and _APPOS_TAIL.match(text[org.end:]):
                    self.fact(s, mentions[j - 1].entity, "memberOf", org.entity, "country-appositive-member")
        # "Members of the Arab League include A, B and C"
        for j, org in enumerate(mentions):
            if _is_org(org) and _MEMBERS_OF_ORG.search(text[: org.start]):
                tail = _MEMBERS_OF_TAIL.match(text[org.end:])
                k = j + 1
                if tail and k < len(mentions) and mentions[k].start == org.end + tail.end():
                    for men in _list_after(text, mentions, k, member_pred):
                        self.fact(s, men.entity, "memberOf", org.entity, "members-of-org-include")
        # "Afghanistan joined the coalition in 2017", "Saudi Arabia leads the coalition"
        if self.state.last_org or any(_is_org(x) for x in mentions):
            for cue in _MEMBER_COREF_CUE.finditer(text):
                org = self._org_for(text, mentions, cue.start()) or self.state.last_org
                subj_idx = max((k for k, x in enumerate(mentions) if x.end <= cue.start()), default=None)
                if org is None or subj_idx is None:
                    continue
                if not re.fullmatch(r"\s*(?:\w+\s+){0,2}", text[mentions[subj_idx].end:cue.start()]):
                    continue
                year = _year_after(text, cue.end()) if re.match(r"joined|acceded|became", cue.group(0)) else None
                for men in _list_before(text, mentions, subj_idx, member_pred):
                    if men.entity != org:
                        self.fact(s, men.entity, "memberOf", org, "member-of-coreferent-org", start_year=year)
        # 3. "A withdrew from <org> in YEAR" / "After A withdrew in YEAR, the alliance ..."
        for cue in _LEFT_CUE.finditer(text):
            subj = [x for x in mentions if x.end <= cue.start() and _is_country(x) and x.via == "name"]
            if not subj or not re.fullmatch(r"\s*(?:\w+\s+){0,2}", text[subj[-1].end:cue.start()]):
                continue
            orgs_after = [x for x in mentions if _is_org(x) and x.start >= cue.end()]
            org = None
            if orgs_after and re.fullmatch(r"\s*(?:from\s+)?(?:the\s+)?", text[cue.end():orgs_after[0].start]):
                org = orgs_after[0].entity
            elif self.state.last_org and re.match(
                r"^\s*(?:(?:from\s+)?(?:the|this)\s+(?:alliance|pact|organi[sz]ation|coalition|bloc|treaty|council|league|"
                r"union|group|community)\s*)?(?:in\s+(?:[A-Z][a-z]+\s+)?\d{4}\s*)?[,.;]", text[cue.end():]
            ):
                org = self.state.last_org
            if org:
                year = _year_after(text, cue.end(), 60)
                self.fact(s, subj[-1].entity, "memberOf", org, "withdrew-from-org", end_year=year)

    def _org_years(self, s: Sentence, text: str, mentions: list[Mention]):
        """Founding and dissolution years of the organisation the sentence is about."""
        for rx, prop in ((_FOUNDED, "startYear"), (_DISSOLVED, "endYear")):
            for mt in rx.finditer(text):
                org = self._org_for(text, mentions, mt.start())
                if org is None and re.match(r"\s*(?:It|It was)\b", text) and self.state.last_org:
                    org = self.state.last_org
                if org is None:
                    continue
                between = [x for x in mentions if x.start > (max((x.end for x in mentions if x.entity == org and x.end <= mt.start()), default=0)) and x.end <= mt.start() and (_is_country(x) or _is_base(x))]
                if between:
                    continue
                year = mt.group(1)
                self.fact(s, org, prop, year, "org-founded-in" if prop == "startYear" else "org-dissolved-in")
                if prop == "startYear":
                    for period in self._periods_of_year(int(year)):
                        self.fact(s, org, "formedIn", period, "founding-year-in-period")

    def _periods_of_year(self, year: int) -> list[str]:
        out = []
        for ent in self.lex.entities.values():
            if ent.kind == "HistoricalPeriod" and ent.start_year is not None:
                if ent.start_year <= year <= (ent.end_year if ent.end_year is not None else 9999):
                    out.append(ent.id)
        return sorted(out)

    def _renamed(self, s: Sentence, text: str, mentions: list[Mention]):
        """'the alliance was renamed the X': X names the same organisation."""
        for j, men in enumerate(mentions):
            if not _is_org(men) or not _RENAMED.search(text[: men.start]):
                continue
            prev = self._org_for(text, mentions[:j], men.start)
            if prev and prev != men.entity and men.entity in self.ents and men.entity not in self.lex.entities:
                ent = self.ents.pop(men.entity)
                target = self.entity(prev)
                if target.id in self.ents and target.id not in self.lex.entities:
                    target.aliases = tuple(sorted({*target.aliases, ent.label, *ent.aliases}))
                self.state.aliases[ent.label] = prev
                for alias in ent.aliases:
                    self.state.aliases[alias] = prev
                for k, v in list(self.state.aliases.items()):
                    if v == men.entity:
                        self.state.aliases[k] = prev
