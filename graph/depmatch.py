"""Relation rules over the dependency parse: a generic engine, the rules are data.

Each rule (``graph/rules/relations.toml``, read by :mod:`graph.deprules`) names a relation and a
pattern over the *dependency path* between two mentions of one sentence. The path is written as a
string: the subject's role, then one step per edge (``<dep`` climbs from a token to its head,
``>dep`` goes down to a child), with the word (lemma) of every token passed on the way, and
the object's role at the end. For "Aviano Air Base is located in Italy":

    BASE <nsubjpass locate >prep in >pobj COUNTRY

Before the path is read, each mention is *anchored* (:mod:`graph.depanchor`): a conjunct climbs to
the first member of its coordination (so "founded by A, B and C" gives every member the path of A);
a country that modifies a force noun ("German troops", "the forces of Italy") is anchored on that
noun with the role FORCE; one that modifies a base noun ("a U.S. Navy base") has the role OWNER.
Patterns are regular expressions over the path with ``{MACRO}`` parts defined once in the
rule file. Rules are tried in file order; the first that matches a pair gives the fact its
rule id (the one precedence policy). A path through a negated or modal word yields nothing.

This module holds the paths over a parse and the matching of every pair of mentions; the rule
file's loading and the anchoring are re-exported from their modules.

>>> r = load_rules()
>>> r.first("locatedIn", "BASE <nsubjpass locate >prep in >pobj COUNTRY").id
'base-located-in'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .depanchor import _KIND_ROLE, Anchored, _span, anchor, rules_vocab
from .deprules import RELATION_ROLES, RULES_FILE, Example, Rule, RuleSet, load_rules

__all__ = ["RULES_FILE", "RELATION_ROLES", "Example", "Rule", "RuleSet", "load_rules", "Tree", "path_between",
           "canonical_path", "Anchored", "anchor", "rules_vocab", "Reading", "PairPath", "pair_paths",
           "read_relations", "MAX_PATH_EDGES"]

# --------------------------------------------------------------------------- paths over a parse


class Tree:
    """A parsed sentence as plain lists (heads, labels, words), read once: paths between many
    pairs of tokens are then cheap.

    >>> from graph.nlp import load_pipeline
    >>> tree = Tree(load_pipeline()("Finland joined NATO."))
    >>> tree.heads, tree.deps
    ([1, 1, 1, 1], ['nsubj', 'ROOT', 'dobj', 'punct'])
    >>> path_between(tree, 0, 2, "COUNTRY", "ORG", {})
    ('COUNTRY <nsubj join >dobj ORG', [0, 1, 2])
    """

    def __init__(self, doc):
        self.doc = doc
        self.heads = [t.head.i for t in doc]
        self.deps = [t.dep_ for t in doc]
        self.words = [_word(t) for t in doc]
        for t in doc:  # phrasal verbs read as one word: "took over" -> take_over, "pulled out" -> pull_out
            prt = [c for c in t.children if c.dep_ == "prt"]
            if prt and t.pos_ in ("VERB", "AUX"):
                self.words[t.i] = f"{self.words[t.i]}_{prt[0].lower_}"
        self._ancestors: dict[int, list[int]] = {}

    def chain(self, t: int) -> list[int]:
        """``t`` and its ancestors up to the root (cached)."""
        out = self._ancestors.get(t)
        if out is None:
            out = [t]
            while self.heads[out[-1]] != out[-1] and len(out) <= len(self.heads):
                out.append(self.heads[out[-1]])
            self._ancestors[t] = out
        return out


def path_between(tree, start: int, end: int, start_role: str, end_role: str, words: dict[int, str]) -> tuple[str, list[int]]:
    """The dependency path from token ``start`` to token ``end`` as a string, and the tokens on it.

    ``tree`` is a :class:`Tree` (or a spaCy Doc); ``words`` gives the word to write for a token (a role
    for other mentions); others are lemmas.
    """
    if not isinstance(tree, Tree):
        tree = Tree(tree)
    if start == end:
        return "", []
    up_all = tree.chain(start)
    down_all = tree.chain(end)
    on_down = set(down_all)
    common = next((t for t in up_all if t in on_down), None)
    if common is None:
        return "", []
    up = up_all[: up_all.index(common) + 1]
    down = down_all[: down_all.index(common)]

    def word(t: int) -> str:
        if t == end:
            return end_role
        return words.get(t) or tree.words[t]

    parts = [start_role]
    for t in up[:-1]:
        parts.append("<" + tree.deps[t])
        parts.append(word(tree.heads[t]))
    for t in reversed(down):
        parts.append(">" + tree.deps[t])
        parts.append(word(t))
    return " ".join(parts), up + list(reversed(down))


def _word(tok) -> str:
    if tok.pos_ == "PROPN":
        return "PROPN"
    if tok.pos_ == "NUM" or tok.like_num:
        return "NUM"
    lemma = tok.lemma_.lower() or tok.text.lower()
    return re.sub(r"\s+", "_", lemma) or "_"


_DEF_START = re.compile(r"^(\S+) (?:<nsubj (?:be|remain|become) >attr|>appos) \S+(?= |$)")
_DEF_END = re.compile(r" \S+ (?:<attr (?:be|remain|become) >nsubj|<appos) (\S+)$")


def canonical_path(path: str) -> str:
    """The path with a definition folded into the entity it defines: 'ORG is an organisation
    that ...' and 'ORG, an alliance of ...' read as 'ORG ...'.

    >>> canonical_path("COUNTRY <pobj by <agent found <relcl organization <attr be >nsubj ORG")
    'COUNTRY <pobj by <agent found <relcl ORG'
    """
    path = _DEF_END.sub(r" \1", path)
    return _DEF_START.sub(r"\1", path)


# --------------------------------------------------------------------------- reading the pairs


@dataclass(frozen=True)
class Reading:
    """One relation read from a sentence by a rule."""

    subject: Anchored
    relation: str
    object: Anchored
    rule: str
    path: str


MAX_PATH_EDGES = 9


def _blocked(doc, tokens: list[int], rules: RuleSet) -> bool:
    """A path through a negated or modal word ('not', 'no longer', 'plans', 'candidate') states no fact."""
    blockers = rules.blockers
    for t in tokens[1:-1] if len(tokens) > 2 else ():
        tok = doc[t]
        if tok.lemma_.lower() in blockers or tok.lower_ in blockers:
            return True
    scope = list(tokens)
    top = min(tokens, key=lambda t: len(list(doc[t].ancestors)))
    verb = doc[top]
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i and verb.dep_ not in ("relcl", "acl", "advcl"):
        verb = verb.head  # the clause the path sits in: "X no longer hosts [troops at Y]"
    if verb.pos_ in ("VERB", "AUX"):
        scope.append(verb.i)
    for t in scope:  # "admitted to O as a guest country", "joined as an observer"
        for prep in doc[t].children:
            if prep.dep_ == "prep" and prep.lower_ == "as":
                for obj in prep.children:
                    words = [obj, *[c for c in obj.children if c.dep_ in ("compound", "amod")]]
                    if any(w.lemma_.lower() in blockers or w.lower_ in blockers for w in words):
                        return True
    for t in scope:
        for child in doc[t].children:
            if child.dep_ in ("neg", "aux", "auxpass", "advmod", "det", "amod", "compound", "acomp") and (
                    child.lower_ in blockers or child.lemma_.lower() in blockers):
                if child.dep_ == "det" and child.lower_ != "no":
                    continue
                return True
    return False


@dataclass(frozen=True)
class PairPath:
    """A candidate pair of one relation, its path, and what the rules made of it."""

    subject: Anchored
    relation: str
    object: Anchored
    path: str
    rule: str | None  #: the first rule that matched, if any
    blocked: bool  #: a negation or modal word on the path cancelled it


def pair_paths(doc, mentions, rules: RuleSet | None = None) -> list[PairPath]:
    """Every candidate pair of every relation in one parsed sentence, with its path and verdict."""
    rules = rules or load_rules()
    vocab = rules_vocab(rules)
    words: dict[int, str] = {}
    for m in mentions:
        span = _span(doc, m)
        if span is not None:
            for t in range(span.start, span.end):
                words.setdefault(t, _KIND_ROLE.get(m.kind, "X"))
    anchored = [a for a in (anchor(doc, m, vocab, words) for m in mentions) if a is not None]
    tree = Tree(doc)
    cache: dict = {}
    out: list[PairPath] = []
    for rel, (subj_roles, obj_roles) in RELATION_ROLES.items():
        for s in anchored:
            if s.role not in subj_roles:
                continue
            for o in anchored:
                if o.role not in obj_roles or o.mention.entity == s.mention.entity:
                    continue
                if o.token == s.token:  # "the British HMS Jufair facility": the owner modifies the base itself
                    if o.role == "OWNER":
                        path = f"{s.role} = {o.role}"
                        rule = rules.first(rel, path)
                        out.append(PairPath(s, rel, o, path, rule.id if rule else None, False))
                    continue
                if rel == "locatedIn" and o.mention.via not in ("name", "coref"):
                    continue
                best = None
                for a in s.starts():
                    for b in o.starts():
                        if _private(tree, a, s, b) or _private(tree, b, o, a):
                            continue
                        key = (rel, a, b, s.role, o.role)
                        if key not in cache:
                            cache[key] = _try_pair(tree, rel, a, b, s.role, o.role, words, rules)
                        found = cache[key]
                        if found and (best is None or (best[1] is None and found[1] is not None)):
                            best = found
                        if best and best[1]:
                            break
                    if best and best[1]:
                        break
                if best is None:
                    continue
                path, rule, toks = best
                out.append(PairPath(s, rel, o, path, rule.id if rule else None,
                                    rule is not None and _blocked(doc, toks, rules)))
    return out


def _private(tree: Tree, start: int, anch: Anchored, other: int) -> bool:
    """From the first member of a coordination, the other mention may not sit among that
    member's own dependents ("X in Qatar and Y in Saudi Arabia": Y is not in Qatar)."""
    if anch.own is None or start == anch.own or start != anch.token:
        return False
    ancestors = tree.chain(other)[1:]
    return start in ancestors and anch.own not in ancestors


_CLAUSE_LINKS = ("conj", "advcl", "ccomp", "parataxis")


def _borrows_a_subject(tree: Tree, toks: list[int]) -> bool:
    """A path that leaves a clause with a subject of its own ("..., while the Royal Navy operates from
    X") through a clause link may not end on the other clause's subject ("the Fifth Fleet is
    headquartered at Y"): each clause speaks of its own subject."""
    top = min(toks, key=lambda t: len(tree.chain(t)))
    k = toks.index(top)
    ups, downs = toks[:k + 1], toks[k:]
    for side, other in ((ups, downs), (list(reversed(downs)), list(reversed(ups)))):
        left = any(tree.deps[t] in _CLAUSE_LINKS and _has_subject(tree, t) for t in side[:-1])
        takes = any(tree.deps[t] in ("nsubj", "nsubjpass") for t in other[1:])
        if left and takes:
            return True
    return False


def _has_subject(tree: Tree, t: int) -> bool:
    return any(tree.heads[c] == t and c != t and tree.deps[c] in ("nsubj", "nsubjpass", "expl")
               for c in range(len(tree.heads)))


def _try_pair(tree, rel, a, b, role_a, role_b, words, rules):
    up, down = tree.chain(a), tree.chain(b)
    if abs(len(up) - len(down)) > MAX_PATH_EDGES:
        return None  # the two tokens are further apart than any rule reads
    path, toks = path_between(tree, a, b, role_a, role_b, words)
    if not path or len(toks) - 1 > MAX_PATH_EDGES or _borrows_a_subject(tree, toks):
        return None
    rule = rules.first(rel, path)
    if rule is None:
        alt = canonical_path(path)
        if alt != path:
            rule = rules.first(rel, alt)
            path = alt if rule else path
    return path, rule, toks


def read_relations(doc, mentions, rules: RuleSet | None = None) -> list[Reading]:
    """Every (subject, relation, object) that a rule reads between the mentions of one parsed sentence."""
    return [Reading(p.subject, p.relation, p.object, p.rule, p.path)
            for p in pair_paths(doc, mentions, rules) if p.rule and not p.blocked]
