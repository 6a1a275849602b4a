"""What referring words stand for: "it", "there", "the alliance", "these nations", and a subject
left implicit ("Finland joined in 2023"), resolved with :class:`graph.discourse.Discourse`; the
sentence that named the antecedent becomes part of the fact's evidence. Also the document's
informal alliance network ("Alliances of Islamic nations").

>>> from graph.corpus import parse_document
>>> from graph.extract import extract_document
>>> doc = parse_document("a.md", "NATO is an alliance. Finland joined it in 2023.")
>>> [(f.key, f.antecedent.quote) for f in extract_document(doc).facts if f.prop == "memberOf"]
[(('finland', 'memberOf', 'nato'), 'NATO is an alliance.')]
"""

from __future__ import annotations

import re
from collections import Counter

from ..discourse import Discourse, implicit_org_tokens, plural_group_tokens, referring_tokens
from ..lexicon import Entity, slugify
from .model import Mention, _is_base, _is_org

_GROUP_RE = re.compile(r"\b([A-Z][a-z]+)\s+(nations|states|countries)\b")


class _Referring:
    """Part of :class:`graph.extract.document._Reader`: mentions for referring words and their
    antecedent sentences (``antecedents``). Uses the reader's ``doc``, ``ents``, ``result`` and ``state``.
    """

    def _referring_mentions(self, d, mentions: list[Mention], disc: Discourse, index: int,
                            offset: int = 0) -> list[Mention]:
        """Mentions for the referring words of a parsed sentence ('it', 'there', 'the alliance');
        ``d`` is the part of sentence ``index`` that starts at ``offset``, ``mentions`` in its coordinates."""
        out = []
        found = [(tok, want, "coref") for tok, want in referring_tokens(d)]
        found += [(tok, "org", "implicit") for tok in implicit_org_tokens(d)]  # "Finland joined in 2023"
        for tok in plural_group_tokens(d):  # "these nations", "all four members of the Visegrad Group"
            if any(x.start <= tok.idx < x.end for x in mentions):
                continue
            orgs = [x for x in mentions if _is_org(x) and x.start > tok.idx and x.start - tok.idx < 40
                    and re.fullmatch(r"\w*\s+of\s+(?:the\s+)?", d.text[tok.idx:x.start])]
            if orgs and tok.lemma_.lower() in ("member", "state", "country", "nation"):
                members = sorted({f.subject for f in self.result.facts
                                  if f.prop == "memberOf" and f.object == orgs[0].entity
                                  and self.entity(f.subject).kind == "Country"})
                sentence = None
            elif disc.group is not None and not orgs:
                members, sentence = disc.group
            else:
                continue
            for eid in members:
                out.append(Mention(tok.idx, tok.idx + len(tok.text), eid, "Country", "coref", tok.text))
                if sentence is not None:
                    self.antecedents[(index, offset + tok.idx)] = sentence
        for tok, want, via in found:
            if via == "coref" and any(x.start <= tok.idx < x.end for x in mentions):
                continue
            before = [x for x in mentions if x.end <= tok.idx]
            if via == "implicit" and tok.pos_ == "NOUN" and tok.lemma_.lower() in ("country", "state", "nation", "member"):
                eid = disc.topic("org")  # "The ten member countries are ...": the members of what the text is about
                if eid is not None:
                    out.append(Mention(tok.idx, tok.idx + len(tok.text), eid, self.entity(eid).kind, via, tok.text))
                continue
            eid = self._recent_in(before, want)
            if eid is None:
                hit = disc.resolve_with_sentence(want)
                if hit is None:
                    continue
                eid, sentence = hit
                self.antecedents[(index, offset + tok.idx)] = sentence
            out.append(Mention(tok.idx, tok.idx + len(tok.text), eid, self.entity(eid).kind, via, tok.text))
        return out

    def _recent_in(self, mentions: list[Mention], want: str) -> str | None:
        for men in reversed(mentions):
            if (want in ("base", "any") and _is_base(men)) or (want in ("org", "any") and _is_org(men)):
                return men.entity
        return None

    @staticmethod
    def _kinds_of(mentions: list[Mention], sentence: int = -1) -> list[tuple[str, str, int]]:
        return [(m.entity, "base" if _is_base(m) else "org", sentence) for m in mentions if _is_base(m) or _is_org(m)]

    def _network_entity(self) -> str | None:
        """Label of the doc's informal alliance network, named after the group it speaks of most
        ("Islamic nations" -> "Alliances of Islamic nations")."""
        groups = Counter(f"{g} {kind}" for g, kind in _GROUP_RE.findall(self.doc.text) if g not in ("United",))
        if not groups:
            return None
        group = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        return f"Alliances of {group}"

    def _ensure_network(self) -> str | None:
        """The document's alliance network entity, created when a fact first needs it."""
        label = self.state.network
        if label is None:
            return None
        eid = slugify(label)
        if eid not in self.ents:
            self.ents[eid] = Entity(eid, label, "AllianceNetwork")
        return eid
