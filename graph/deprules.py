"""The relation rules over the dependency parse, read from their file and compiled.

Each rule of ``graph/rules/relations.toml`` names a relation and a pattern over the dependency
path between two mentions (see :mod:`graph.depmatch`). Patterns are regular expressions over the
path with ``{MACRO}`` parts defined once in the file (``[macros]``, and a macro per word class of
``[words]``); ``[filters] blocking_lemmas`` are the words that cancel a path. Rules are kept in
file order: the first that matches a pair gives the fact its rule id. Errors name the file and the rule.

>>> r = load_rules()
>>> r.first("memberOf", "COUNTRY <nsubj join >dobj ORG").id
'join-verb-org'
>>> [x.id for x in r.match("locatedIn", "BASE <nsubjpass locate >prep in >pobj COUNTRY")][:1]
['base-located-in']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import KGError
from .resources import rules_path

RULES_FILE = rules_path()

#: relation (ontology property) -> (roles a subject may have, roles an object may have)
RELATION_ROLES = {
    "locatedIn": ({"BASE"}, {"COUNTRY"}),
    "hostsForcesOf": ({"BASE"}, {"FORCE", "OWNER", "COUNTRY"}),
    "memberOf": ({"COUNTRY", "ORG"}, {"ORG", "ORG_IMPLICIT"}),
}


def _toml():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    return tomllib


@dataclass(frozen=True)
class Example:
    text: str
    subject: str  #: label (or id) of the subject entity
    object: str


@dataclass(frozen=True)
class Rule:
    """One named relation rule: a regular expression over dependency paths, with its examples."""

    id: str
    relation: str
    path: str  #: the pattern as written, macros unexpanded
    regex: re.Pattern = field(compare=False, repr=False)
    description: str = ""
    examples: tuple[Example, ...] = ()
    counter_examples: tuple[Example, ...] = ()

    def matches(self, path: str) -> bool:
        return self.regex.fullmatch(path) is not None


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    macros: dict = field(default_factory=dict, compare=False)
    blockers: frozenset = frozenset()  #: lemmas that cancel a path (modality, negation words)
    words: dict = field(default_factory=dict, compare=False)  #: word class name -> lemmas

    def match(self, relation: str, path: str) -> list[Rule]:
        """Rules of ``relation`` whose pattern matches ``path``, in precedence order."""
        return [r for r in self.rules if r.relation == relation and r.matches(path)]

    def first(self, relation: str, path: str) -> Rule | None:
        for r in self.rules:
            if r.relation == relation and r.matches(path):
                return r
        return None


def _expand(pattern: str, macros: dict[str, str], where: str) -> str:
    for _ in range(10):  # macros may use macros
        new = re.sub(r"\{([A-Z_]+)\}", lambda m: _macro(m.group(1), macros, where), pattern)
        if new == pattern:
            return new
        pattern = new
    raise KGError(f"{where}: macros nest too deeply")


def _macro(name: str, macros: dict[str, str], where: str) -> str:
    if name not in macros:
        raise KGError(f"{where}: unknown macro {{{name}}}")
    return f"(?:{macros[name]})"


def _examples(raw, where: str) -> tuple[Example, ...]:
    out = []
    for ex in raw or ():
        try:
            out.append(Example(ex["text"], ex["fact"][0], ex["fact"][1]))
        except (KeyError, IndexError, TypeError):
            raise KGError(f"{where}: an example needs text = '...' and fact = ['subject', 'object']") from None
    return tuple(out)


@lru_cache(maxsize=4)
def load_rules(path: Path | None = None) -> RuleSet:
    """Read and compile the rule file (cached); errors name the file and the rule."""
    path = Path(path or RULES_FILE)
    try:
        data = _toml().loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KGError(f"{path}: cannot read rule file: {exc.strerror}") from None
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise KGError(f"{path}: malformed TOML: {exc}") from None
    words = {k: frozenset(str(w) for w in v) for k, v in data.get("words", {}).items()}
    macros = {k: "|".join(re.escape(w) for w in sorted(v, key=lambda w: (-len(w), w))) for k, v in words.items()}
    macros.update({k: str(v) for k, v in data.get("macros", {}).items()})
    rules, seen = [], set()
    for n, raw in enumerate(data.get("rule", []), 1):
        where = f"{path.name}: rule {raw.get('id', f'#{n}')}"
        rid, rel, pat = raw.get("id"), raw.get("relation"), raw.get("path")
        if not rid or not rel or not pat:
            raise KGError(f"{where}: needs id, relation and path")
        if rid in seen:
            raise KGError(f"{where}: duplicate rule id")
        if rel not in RELATION_ROLES:
            raise KGError(f"{where}: unknown relation '{rel}' (known: {', '.join(RELATION_ROLES)})")
        seen.add(rid)
        expanded = _expand(pat, macros, where)
        try:
            regex = re.compile(expanded)
        except re.error as exc:
            raise KGError(f"{where}: bad pattern: {exc}") from None
        rules.append(Rule(rid, rel, pat, regex, raw.get("description", ""),
                          _examples(raw.get("examples"), where), _examples(raw.get("counter_examples"), where)))
    blockers = frozenset(str(w) for w in data.get("filters", {}).get("blocking_lemmas", []))
    return RuleSet(tuple(rules), macros, blockers, words)
