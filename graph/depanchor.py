"""Anchoring: where a mention sits on the dependency parse and what role it plays there.

A conjunct climbs to the first member of its coordination (so "founded by A, B and C" gives every
member the path of A); a country that modifies a force noun ("German troops", "the forces of
Italy") is anchored on that noun with the role FORCE; one that modifies a base noun ("a U.S. Navy
base") has the role OWNER; an adjective ("the German government") has the role ADJ.

>>> from graph.nlp import load_pipeline
>>> from graph.deprules import load_rules
>>> from graph.extract import Mention
>>> doc = load_pipeline()("German troops are at Ramstein Air Base.")
>>> a = anchor(doc, Mention(0, 6, "germany", "Country", "demonym", "German"), rules_vocab(load_rules()))
>>> a.role, doc[a.token].text
('FORCE', 'troops')
"""

from __future__ import annotations

from dataclasses import dataclass

from .deprules import RuleSet


@dataclass(frozen=True)
class Anchored:
    """A mention placed on the parse: the token its paths start from and its role there.

    ``own`` is the mention's own head when it is a conjunct and ``token`` the first member of
    its coordination: paths are tried from ``own`` first, then from ``token`` for what the
    coordination shares (never into the first member's own dependents).
    """

    mention: object  #: graph.extract.Mention (kept generic to avoid an import cycle)
    token: int
    role: str  #: BASE, ORG, COUNTRY, FORCE, OWNER, CITY, ADJ
    own: int | None = None

    def starts(self) -> tuple[int, ...]:
        return (self.token,) if self.own is None or self.own == self.token else (self.own, self.token)


_KIND_ROLE = {"MilitaryBase": "BASE", "AirBase": "BASE", "NavalBase": "BASE", "Organization": "ORG",
              "MilitaryAlliance": "ORG", "City": "CITY", "Country": "COUNTRY"}
_MODIFIER_DEPS = ("compound", "amod", "poss", "nmod", "npadvmod", "nummod")


def _climb_conj(tok):
    while tok.dep_ == "conj" and tok.head.i != tok.i:
        tok = tok.head
    return tok


def _span(doc, men):
    return doc.char_span(men.start, men.end, alignment_mode="expand")


def anchor(doc, men, vocab: dict, spans: dict | None = None) -> Anchored | None:
    """Where a mention sits on the parse and what role it plays there (see the module docstring).

    ``spans`` maps the tokens of the sentence's other mentions to their kind ('BASE', 'COUNTRY', ...).
    """
    span = _span(doc, men)
    if span is None or not len(span):
        return None
    role = _KIND_ROLE.get(men.kind)
    if role is None:
        return None
    spans = spans or {}
    root = span.root
    tok = _climb_conj(root)
    if role == "COUNTRY":  # "Argentina, The Bahamas, Bolivia": a list misread as apposition
        while tok.dep_ == "appos" and spans.get(tok.head.i) == "COUNTRY":
            tok = _climb_conj(tok.head)
    if role == "ORG" and men.via == "implicit":
        return Anchored(men, root.i, "ORG_IMPLICIT")
    if role == "BASE" and root.dep_ in ("compound", "nmod") and _noun_lemma(root.head) in vocab["base_nouns"]:
        root = root.head  # "the HMS Jufair naval support facility": the facility is the base
        tok = _climb_conj(root)
    if role == "ORG" and root.dep_ == "compound" and root.head.pos_ == "PROPN" and root.head.i > root.i:
        root = root.head  # "the ANZUS Council": the name goes on
        tok = _climb_conj(root)
    if role != "COUNTRY":
        return Anchored(men, tok.i, role, root.i)
    role = "FORCE" if men.via == "force" else "COUNTRY"
    if tok.dep_ == "appos" and _noun_lemma(tok.head) in vocab["group_nouns"]:
        tok = _climb_conj(tok.head)  # "Turkic countries: Azerbaijan, Kazakhstan ...": the list spells out the noun
    if (tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.i != tok.head.i
            and _noun_lemma(tok.head.head) in vocab["group_nouns"] and tok.head.head.pos_ == "NOUN"):
        tok = _climb_conj(tok.head.head)  # "the nations of Algeria, Libya and Tunisia"
    if (men.via == "name" and tok.dep_ == "compound" and spans.get(tok.head.i) == "BASE"
            and tok.i < tok.head.i):  # "United States Naval Station Guantanamo Bay": the owner names the base
        return Anchored(men, tok.head.i, "OWNER", root.i)
    head = None
    if tok.dep_ == "appos" and _noun_lemma(tok.head) in vocab["force_nouns"] and men.via == "name":
        return Anchored(men, _climb_conj(tok.head).i, "FORCE", root.i)  # "the 2nd Infantry Division (United States)"
    if tok.dep_ in _MODIFIER_DEPS and tok.head.i != tok.i:
        head = tok.head
    elif tok.dep_ == "pobj" and tok.head.lower_ in ("of", "from") and tok.head.dep_ == "prep":
        head = tok.head.head  # "the forces of Italy", "troops from Germany"
    if head is not None:
        while head.dep_ in ("compound", "nmod") and head.head.i != head.i and head.head.pos_ in ("NOUN", "PROPN"):
            head = head.head
        lemma = _noun_lemma(head)
        if lemma in vocab["force_nouns"]:
            return Anchored(men, _climb_conj(head).i, "FORCE")
        if lemma in vocab["base_nouns"] and head.pos_ != "PROPN":  # "a U.S. Navy base", not "Spain's Rota Base"
            return Anchored(men, head.i, "OWNER")
        if lemma in vocab["state_nouns"] and tok.dep_ == "pobj":  # "the leaders of Iran" act for Iran
            return Anchored(men, _climb_conj(head).i, role)
    if men.via == "demonym":
        # an adjective ("the German government") says nothing of forces; a people noun
        # ("the Danes operated ...") stands for the country
        is_people = (tok.pos_ in ("NOUN", "PROPN") and tok.dep_ not in _MODIFIER_DEPS
                     and (tok.lower_.endswith("s") or any(c.lower_ == "the" for c in tok.children)))
        return Anchored(men, tok.i, "COUNTRY" if is_people else "ADJ", root.i)
    return Anchored(men, tok.i, role, root.i)


def _noun_lemma(tok) -> str:
    """Lemma of a noun, singular also for capitalised plurals the tagger left alone ('Forces')."""
    lemma = tok.lemma_.lower()
    if tok.pos_ == "PROPN" and lemma.endswith("s") and not lemma.endswith("ss"):
        return lemma[:-1]
    return lemma


def rules_vocab(rules: RuleSet) -> dict:
    """Word classes the anchoring needs (force nouns, base nouns), from the rule file's [words]."""
    return {"force_nouns": rules.words.get("FORCE_NOUN", frozenset()),
            "base_nouns": rules.words.get("BASE_NOUN", frozenset()),
            "state_nouns": rules.words.get("STATE_NOUN", frozenset()),
            "group_nouns": rules.words.get("GROUP_NOUN", frozenset())}
