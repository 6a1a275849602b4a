"""Discourse: what "it", "its", "there", "the base" and "the alliance" stand for.

Within a section, a referring word resolves to the most recent compatible mention before it
(a base for "there", "here", "the base", "the facility"; an organisation for "the alliance",
"the group", "the organisation"; either for "it" and "its"); when the section has none yet, to
the entity its heading names, then to the one the document title names.

>>> d = Discourse()
>>> d.start_section(["nato"])
>>> d.resolve("base") is None, d.resolve("org")
(True, 'nato')
>>> d.saw("ramstein-air-base", "base", 3); d.resolve("any")
'ramstein-air-base'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: referring nouns after "the"/"this" and what they can stand for
BASE_NOUNS = ("base", "air base", "airbase", "facility", "installation", "airfield", "station", "camp",
              "garrison", "naval base", "air station", "outpost", "site", "complex")
ORG_NOUNS = ("alliance", "organisation", "organization", "pact", "bloc", "coalition", "group", "grouping",
             "treaty", "union", "league", "council", "community", "partnership", "arrangement", "arrangements",
             "body", "forum", "bloc")

_NOUN_ALT = "|".join(sorted({re.escape(n) for n in BASE_NOUNS + ORG_NOUNS}, key=lambda s: (-len(s), s)))
#: words that may refer back; a sentence with one of these and one mention is worth parsing
REFERRING = re.compile(
    rf"\b(?:[Ii]ts?|[Tt]here|[Hh]ere|[Ww]here|(?:[Tt]he|[Tt]his|[Tt]hat)\s+(?:{_NOUN_ALT}))\b"
)


@dataclass
class Discourse:
    """Recent mentions of bases and organisations, for one document, reset at each section.

    Each entry is (entity id, 'base'|'org', index of the sentence that mentions it).
    """

    recent: list[tuple[str, str, int]] = field(default_factory=list)
    heading: list[tuple[str, str, int]] = field(default_factory=list)
    title: list[tuple[str, str, int]] = field(default_factory=list)
    group: tuple[list[str], int] | None = None  #: the last coordinated list of countries, and its sentence

    def start_document(self, title_entities):
        self.title = [_entry(e) for e in title_entities]
        self.recent = []
        self.heading = []
        self.group = None

    def start_section(self, heading_entities):
        """A new section: forget the previous section's mentions, remember the heading's."""
        self.heading = [_entry(e) for e in heading_entities]
        self.recent = []
        self.group = None

    def saw(self, entity: str, kind: str, sentence: int = -1):
        self.recent.append((entity, kind, sentence))

    def resolve(self, want: str) -> str | None:
        """The entity a referring word of class ``want`` ('base', 'org' or 'any') stands for."""
        found = self.resolve_with_sentence(want)
        return found[0] if found else None

    def topic(self, want: str) -> str | None:
        """What the section or the document is about (its heading's, else its title's entity), else the
        most recent mention: the owner of a list set out under a label ("members - (35) ...")."""
        for pool in (self.heading, self.title, self.recent):
            for eid, kind, _sentence in pool:
                if want == "any" or kind == want:
                    return eid
        return None

    def resolve_with_sentence(self, want: str) -> tuple[str, int] | None:
        """(entity, index of the sentence that named it) for a referring word of class ``want``."""
        for pool in (self.recent, self.heading, self.title):
            for eid, kind, sentence in reversed(pool):
                if want == "any" or kind == want:
                    return eid, sentence
        return None


def _entry(e) -> tuple[str, str, int]:
    if isinstance(e, str):  # an organisation id (doctest convenience)
        return (e, "org", -1)
    return (e[0], e[1], e[2] if len(e) > 2 else -1)


def referring_tokens(doc):
    """(token, class) for the referring words of a parsed sentence: 'it'/'its' -> any,
    'there'/'here'/'where' -> base, 'the base' -> base, 'the alliance' -> org."""
    out = []
    for tok in doc:
        low = tok.lower_
        if low in ("it", "its") and tok.pos_ == "PRON":
            out.append((tok, "any"))
        elif low in ("there", "here") and tok.dep_ == "advmod":
            out.append((tok, "base"))
        elif tok.pos_ == "NOUN" and tok.dep_ not in ("appos", "attr") and any(
                c.lower_ in ("the", "this", "that") and c.dep_ == "det" for c in tok.children):
            if any(c.dep_ in ("compound", "amod", "nmod", "poss") and c.pos_ == "PROPN" for c in tok.children):
                continue  # "the Ramstein base" names it
            phrase = low
            comp = [c for c in tok.children if c.dep_ == "compound" and c.i == tok.i - 1]
            if comp:
                phrase = comp[0].lower_ + " " + low
            if phrase in BASE_NOUNS or low in BASE_NOUNS:
                out.append((tok, "base"))
            elif low in ORG_NOUNS:
                out.append((tok, "org"))
    return out


_JOIN_VERBS = ("join", "accede", "rejoin")
_JOIN_NOUNS = ("accession", "admission", "membership", "enlargement", "expansion")


def _into_membership(prep) -> bool:
    """'admitted into full membership': the preposition names membership, not the organisation."""
    return any(c.dep_ == "pobj" and c.lemma_.lower() in ("membership", "member") for c in prep.children)


def implicit_org_tokens(doc):
    """Joining verbs and accession nouns that leave the organisation unsaid ('Finland joined in
    2023', 'the accession of Estonia'): the organisation is the one the discourse speaks of."""
    out = []
    for tok in doc:
        lemma = tok.lemma_.lower()
        passive_admit = lemma in ("admit", "accept", "induct") and any(c.dep_ == "nsubjpass" for c in tok.children)
        if tok.pos_ == "VERB" and (lemma in _JOIN_VERBS or passive_admit):
            if any(c.dep_ in ("dobj", "attr") or (c.dep_ == "prep" and c.lower_ in ("to", "into", "as")
                                                   and not _into_membership(c)) for c in tok.children):
                continue
            out.append(tok)
        elif (tok.pos_ == "NOUN" and lemma in ("country", "state", "nation", "member") and tok.tag_ == "NNS"
              and (lemma == "member" or any(c.dep_ == "compound" and c.lemma_.lower() == "member" for c in tok.children))
              and tok.dep_ in ("nsubj", "nsubjpass")
              and not any(c.dep_ in ("prep", "poss") for c in tok.children)
              and any(c.lower_ == "the" and c.dep_ == "det" for c in tok.children)):
            out.append(tok)  # "The ten member countries are A, B and C": the members of what the text is about
        elif tok.pos_ == "NOUN" and lemma in _JOIN_NOUNS:
            if any(c.dep_ in ("prep",) and c.lower_ in ("to", "into", "in") for c in tok.children):
                continue
            if any(c.dep_ in ("compound", "poss") and c.pos_ == "PROPN" for c in tok.children):
                continue  # "NATO membership" names it
            out.append(tok)
    return out


_GROUP_NOUNS = ("nation", "country", "state", "member", "ally", "government", "signatory", "founder", "power")


def plural_group_tokens(doc):
    """Plural nouns that stand for a group of countries named before: "these nations", "both
    countries", "the three states", "all four members (of the X)"."""
    out = []
    for tok in doc:
        if tok.pos_ != "NOUN" or tok.tag_ != "NNS" or tok.lemma_.lower() not in _GROUP_NOUNS:
            continue
        if any(c.dep_ == "compound" and c.lemma_.lower() == "member" for c in tok.children):
            continue  # "the ten member countries" are the organisation's members (implicit_org_tokens)
        kids = {c.lower_ for c in tok.children if c.dep_ in ("det", "predet")}
        numbered = any(c.dep_ == "nummod" for c in tok.children)
        if kids & {"these", "those", "both"} or (numbered and kids & {"the", "all"}) or (
                "all" in kids and any(c.dep_ == "prep" and c.lower_ == "of" for c in tok.children)):
            out.append(tok)
    return out
