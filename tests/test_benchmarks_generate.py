"""The synthetic corpus generator of the benchmarks: deterministic, well-formed, and its planted
facts are what extraction finds (fast: a dozen small documents)."""

from __future__ import annotations

import re

import pytest

from benchmarks.generate import (
    BASE_PATTERNS,
    RELATIONS,
    generate_corpus,
    invented_names,
    make_world,
    read_gold,
)
from benchmarks.score import gold_facts, predicted_facts, prf, score
from graph.lexicon import load_lexicon, name_key


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_corpus_and_gold(tmp_path):
    a = generate_corpus(tmp_path / "a", 8, seed=3)
    b = generate_corpus(tmp_path / "b", 8, seed=3)
    fa, fb = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(fa) == ["corpus/doc-00001.md", "corpus/doc-00002.md", "corpus/doc-00003.md", "corpus/doc-00004.md",
                          "corpus/doc-00005.md", "corpus/doc-00006.md", "corpus/doc-00007.md", "corpus/doc-00008.md",
                          "gold.tsv"]
    assert fa == fb
    assert a == b


def test_another_seed_gives_another_corpus(tmp_path):
    generate_corpus(tmp_path / "a", 4, seed=1)
    generate_corpus(tmp_path / "b", 4, seed=2)
    assert _files(tmp_path / "a")["corpus/doc-00001.md"] != _files(tmp_path / "b")["corpus/doc-00001.md"]
    assert _files(tmp_path / "a")["gold.tsv"] != _files(tmp_path / "b")["gold.tsv"]


def test_gold_rows_name_things_their_document_states(tmp_path):
    stats = generate_corpus(tmp_path, 6, seed=5)
    rows = read_gold(tmp_path / "gold.tsv")
    assert len(rows) == stats.gold_rows > 0
    assert {r[0] for r in rows} == set(RELATIONS)
    for rel, subj, obj, doc in rows:
        text = (tmp_path / "corpus" / doc).read_text(encoding="utf-8")
        assert subj in text, (rel, subj, doc)
        if rel == "hosts_forces_of":  # partners may be written as a demonym ("French troops")
            continue
        assert obj in text, (rel, obj, doc)
    assert (tmp_path / "gold.tsv").read_text(encoding="utf-8").startswith("# relation\tsubject\tobject\tdocument\n")


def test_documents_look_like_the_corpus(tmp_path):
    generate_corpus(tmp_path, 3, seed=0)
    text = (tmp_path / "corpus" / "doc-00001.md").read_text(encoding="utf-8")
    assert text.startswith("# ")
    assert len(re.findall(r"^## ", text, flags=re.M)) == 3
    assert 800 < len(text) < 6000


def test_invented_base_names_are_new_and_follow_the_recognised_patterns():
    lex = load_lexicon()
    known = lex.by_name()
    world = make_world(0, 200, lex)
    invented = [b for b in world.bases if name_key(b.label) not in known]
    assert len(invented) >= 100
    shapes = [re.escape(p).replace(r"\{\}", "[A-Z][a-z]+") for p in BASE_PATTERNS]
    for base in invented:
        assert any(re.fullmatch(s, base.label) for s in shapes), base.label
        assert base.host not in base.partners
    import random

    names = invented_names(random.Random(1), 50, lex)
    assert len(set(names)) == 50
    assert not {n.lower() for n in names} & {w.lower() for k in known for w in k.split()}


def test_read_gold_names_a_bad_line(tmp_path):
    path = tmp_path / "gold.tsv"
    path.write_text("# relation\tsubject\tobject\tdocument\nmember_of\tQatar\tNATO\ta.md\nlocated in\tX\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"gold.tsv:3: expected relation<TAB>subject<TAB>object<TAB>document"):
        read_gold(path)


def test_prf_counts():
    s = prf({("member_of", "a", "b"), ("member_of", "c", "d")}, {("member_of", "a", "b"), ("member_of", "e", "f")})
    assert (s["tp"], s["predicted"], s["gold"], s["precision"], s["recall"], s["f1"]) == (1, 2, 2, 0.5, 0.5, 0.5)


def test_planted_facts_are_extracted_from_a_tiny_corpus(tmp_path):
    """Build the graph from 12 generated articles and score the contract queries against gold.tsv."""
    from graph.build import build_dataset, write_dataset
    from graph.corpus import read_corpus
    from graph.query import load_store

    generate_corpus(tmp_path, 12, seed=7)
    docs = read_corpus(tmp_path / "corpus")
    write_dataset(build_dataset(docs).dataset, tmp_path / "kg.ttl")
    pred = predicted_facts(load_store(tmp_path / "kg.ttl"))
    gold = gold_facts(read_gold(tmp_path / "gold.tsv"))
    s = score(pred, gold)
    assert s["all"]["gold"] >= 60
    for rel in (*RELATIONS, "all"):
        assert s[rel]["precision"] >= 0.95 and s[rel]["recall"] >= 0.95, (rel, s[rel], sorted(pred ^ gold)[:10])
    # the distractors ("<host> no longer hosts <demonym> troops at <base>") state no fact
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((tmp_path / "corpus").glob("*.md")))
    distractors = re.findall(r"no longer hosts (\w+) troops at ([^.]+)\.", text)
    assert distractors
    lex = load_lexicon()
    by_demonym = {d: e.label for e in lex.entities.values() for d in e.demonyms}
    for demonym, base in distractors:
        assert ("hosts_forces_of", name_key(base), name_key(by_demonym[demonym])) not in gold
        assert ("hosts_forces_of", name_key(base), name_key(by_demonym[demonym])) not in pred
