"""The relation rules of graph/rules/relations.toml, run on their own examples.

Every rule's examples must yield their fact, and the rule itself must match the example's
dependency path (so that no rule sits in the file without ever firing); counter examples
must not yield theirs.
"""

from __future__ import annotations

import pytest

from graph.corpus import parse_document
from graph.depmatch import canonical_path, load_rules, pair_paths
from graph.errors import KGError
from graph.extract import _Reader, _in_window
from graph.lexicon import name_key

RULES = load_rules()


def _same(entity, label: str) -> bool:
    key = name_key(label)
    return key == name_key(entity.label) or key in {name_key(a) for a in entity.aliases} or key == entity.id.replace("-", " ")


def _read(text: str):
    reader = _Reader(parse_document("example.md", text))
    result = reader.run()
    return reader, result


def _facts(reader, result, relation: str, subject: str, obj: str):
    return [f for f in result.facts if f.prop == relation and _same(reader.entity(f.subject), subject)
            and _same(reader.entity(f.object), obj)]


def _fires(rule, reader, subject: str, obj: str) -> bool:
    for s, mentions in zip(reader.doc.sentences, reader.sentence_mentions):
        for a, d in reader.parsed.get(s.index, ()):
            local = _in_window([*mentions, *reader.coref.get(s.index, [])], a, a + len(d.text))
            for pp in pair_paths(d, local, RULES):
                if pp.relation != rule.relation:
                    continue
                if not (_same(reader.entity(pp.subject.mention.entity), subject)
                        and _same(reader.entity(pp.object.mention.entity), obj)):
                    continue
                if rule.matches(pp.path) or rule.matches(canonical_path(pp.path)):
                    return True
    return False


EXAMPLES = [(r, ex) for r in RULES.rules for ex in r.examples]
COUNTER = [(r, ex) for r in RULES.rules for ex in r.counter_examples]


@pytest.mark.parametrize("rule, ex", EXAMPLES, ids=[f"{r.id}:{ex.text[:30]}" for r, ex in EXAMPLES])
def test_example_yields_its_fact(rule, ex):
    reader, result = _read(ex.text)
    assert _facts(reader, result, rule.relation, ex.subject, ex.object), (
        f"{rule.id}: no {rule.relation}({ex.subject}, {ex.object}) from {ex.text!r}")


@pytest.mark.parametrize("rule, ex", COUNTER, ids=[f"{r.id}:{ex.text[:30]}" for r, ex in COUNTER])
def test_counter_example_yields_nothing(rule, ex):
    reader, result = _read(ex.text)
    assert not _facts(reader, result, rule.relation, ex.subject, ex.object)


@pytest.mark.parametrize("rule", RULES.rules, ids=[r.id for r in RULES.rules])
def test_every_rule_fires_on_one_of_its_examples(rule):
    assert rule.examples, f"{rule.id} has no example"
    fired = []
    for ex in rule.examples:
        reader, _ = _read(ex.text)
        fired.append(_fires(rule, reader, ex.subject, ex.object))
    assert any(fired), f"{rule.id} matches none of its examples' paths"


def test_rule_ids_are_unique_and_relations_known():
    ids = [r.id for r in RULES.rules]
    assert len(ids) == len(set(ids))
    assert {r.relation for r in RULES.rules} == {"locatedIn", "hostsForcesOf", "memberOf"}


def test_precedence_is_file_order():
    path = "BASE <nsubjpass locate >prep in >pobj COUNTRY"
    matching = RULES.match("locatedIn", path)
    assert len(matching) >= 1 and RULES.first("locatedIn", path) is matching[0]
    order = [r.id for r in RULES.rules]
    assert [r.id for r in matching] == sorted((r.id for r in matching), key=order.index)


def test_canonical_path_folds_definitions():
    assert canonical_path("COUNTRY <pobj by <agent found <relcl organization <attr be >nsubj ORG") == \
        "COUNTRY <pobj by <agent found <relcl ORG"
    assert canonical_path("BASE <nsubj be >attr base >prep in >pobj COUNTRY") == "BASE >prep in >pobj COUNTRY"
    assert canonical_path("BASE >prep in >pobj COUNTRY") == "BASE >prep in >pobj COUNTRY"


@pytest.mark.parametrize("toml, message", [
    ("[[rule]]\nid = 'x'\nrelation = 'locatedIn'\n", "needs id, relation and path"),
    ("[[rule]]\nid = 'x'\nrelation = 'bogus'\npath = 'BASE'\n", "unknown relation 'bogus'"),
    ("[[rule]]\nid = 'x'\nrelation = 'locatedIn'\npath = 'BASE {NOPE}'\n", "unknown macro {NOPE}"),
    ("[[rule]]\nid = 'x'\nrelation = 'locatedIn'\npath = 'BASE ('\n", "bad pattern"),
    ("[[rule]]\nid = 'x'\nrelation = 'locatedIn'\npath = 'A'\n[[rule]]\nid = 'x'\nrelation = 'locatedIn'\npath = 'B'\n",
     "duplicate rule id"),
    ("[[rule]\n", "malformed TOML"),
])
def test_bad_rule_files_are_named_errors(tmp_path, toml, message):
    path = tmp_path / "rules.toml"
    path.write_text(toml)
    with pytest.raises(KGError, match=message.replace("{", r"\{").replace("(", r"\(")) as exc:
        load_rules(path)
    assert "rules.toml" in str(exc.value)
