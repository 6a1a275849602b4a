"""Names a document defines for itself: an acronym in parentheses ("the Central Treaty
Organization (CENTO)") or up front ("NORDEFCO, officially the ..."), and the distinctive word of
a base's name ("Camp Humphreys" makes a later "Humphreys" the same base).

>>> from graph.corpus import parse_document
>>> from graph.extract import extract_document
>>> doc = parse_document("a.md", "The Baghdad Pact (METO) was formed in 1955. Iran joined METO in 1955.")
>>> sorted(f.key for f in extract_document(doc, parse=False).facts if f.prop == "memberOf")
[('iran', 'memberOf', 'baghdad-pact')]
"""

from __future__ import annotations

import re

from .mentions import _BASE_PREFIX, _BASE_SUFFIX, _GENERIC_NAME_WORDS, _LEADING_STOP, find_mentions
from .model import Mention, _is_base, _is_org

#: "ALBA or ALBA-TCP, formally the ...", "NORDEFCO, officially the ...": an acronym defined up front
_ACRONYM_LEAD = re.compile(r"^(?:The\s+)?([A-Z][A-Z0-9&\-]{1,9})\b[^.;:]{0,40}?,?\s+(?:formally|officially|in\s+full|"
                           r"short\s+for|which\s+stands\s+for)\s+(?:known\s+as\s+)?(?:the\s+)?")
_ACRONYM_RE = re.compile(r"\(\s*(?:the\s+)?([A-Z][A-Z.&\-]{1,9})\s*\)")


class _DocumentNames:
    """Part of :class:`graph.extract.document._Reader`: the aliases a document defines (kept in
    ``state.aliases``). Uses the reader's ``m`` (the lexicon's matcher), ``lex``, ``ents`` and ``state``.
    """

    def _short_part(self, label: str) -> str | None:
        part = re.sub(rf"^(?:{_BASE_PREFIX})\s+|\s+(?:{_BASE_SUFFIX})(?:\s+\d+)?$", "", label)
        if (part != label and re.fullmatch(r"[A-Z][a-z\u00e0-\u00ff'\u2019\-]{3,}", part) and part not in self.m.forms
                and part not in _GENERIC_NAME_WORDS and part not in _LEADING_STOP):
            return part
        return None

    def _same_base(self, mentions: list[Mention]) -> list[Mention]:
        """'RAF Geilenkirchen' after 'NATO Air Base Geilenkirchen': a base name the document made up of
        the same distinctive word as a base it already named is that base."""
        out = []
        for men in mentions:
            if _is_base(men) and men.via == "pattern" and men.entity not in self.lex.entities:
                part = self._short_part(self.entity(men.entity).label)
                same = self.state.aliases.get(part) if part else None
                if same and same != men.entity:
                    men = Mention(men.start, men.end, same, self.entity(same).kind, men.via, men.text)
            out.append(men)
        return out

    def _short_names(self, mentions: list[Mention]):
        """'Camp Humphreys' makes a later bare 'Humphreys' the same base in this document (a
        one-word distinctive name that is no other known name)."""
        for men in mentions:
            if not _is_base(men) or men.via not in ("pattern", "name"):
                continue
            part = self._short_part(self.entity(men.entity).label)
            if part:
                self.state.aliases.setdefault(part, men.entity)

    def _define_acronyms(self, text: str):
        """'the Central Treaty Organization (CENTO)' makes CENTO an alias in this document, and so does
        'ALBA or ALBA-TCP, formally the Bolivarian Alliance for the Peoples of Our America'."""
        lead = _ACRONYM_LEAD.match(text)
        if lead and lead.group(1) not in self.m.forms:
            after = find_mentions(text[lead.end():], self.state, self.ents, self.m)
            if after and after[0].start == 0 and _is_org(after[0]):
                self.state.aliases[lead.group(1)] = after[0].entity
        for mt in _ACRONYM_RE.finditer(text):
            acro = mt.group(1)
            if acro in self.m.forms:
                continue
            before = find_mentions(text[: mt.start()].rstrip(), self.state, self.ents, self.m)
            if before and before[-1].end >= len(text[: mt.start()].rstrip()) and not before[-1].via == "concept":
                self.state.aliases[acro] = before[-1].entity
                ent = self.ents.get(before[-1].entity)
                if ent is not None and acro not in ent.aliases and before[-1].entity not in self.lex.entities:
                    ent.aliases = tuple(sorted({*ent.aliases, acro}))
