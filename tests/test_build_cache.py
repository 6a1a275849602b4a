"""The extraction cache of `kg build` (graph/cache.py) and the build lock (graph/buildlock.py).

A build with the cache is byte-identical to a clean build after a document is added, changed or
removed, for one or two extraction processes; it says what changed; a corrupt, truncated or
foreign cache file is read again, never trusted; a build killed at any moment leaves the previous
output and a usable cache; a second build into the same output waits, then stops with one line.

The subprocess tests drive the library through a small script (DRIVER) doing what `kg build` does:
the output's lock, the build with the cache, the atomic write, then the cache's commit.
"""

from __future__ import annotations

import ast
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.build import build_graph, write_dataset
from graph.buildlock import BuildLock, output_lock
from graph.cache import (ExtractionCache, FactChange, _pack, default_cache_dir, encode_extraction,
                         extractor_fingerprint, format_changes)
from graph.corpus import read_corpus
from graph.errors import KGError

ROOT = Path(__file__).resolve().parent.parent

DOCS = {
    "a.md": "# A\n\nGerman forces are based at Incirlik Air Base in Turkey.\n",
    "b.md": "# B\n\nFinland joined NATO in 2023.\n",
    "c.md": "# C\n\nAviano Air Base is located in Italy.\n",
}

DRIVER = """
import sys
from pathlib import Path
from graph.build import build_graph, write_dataset
from graph.buildlock import output_lock
from graph.cache import default_cache_dir
corpus, out, refresh = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "refresh"
with output_lock(out):
    result = build_graph(corpus, cache=default_cache_dir(out=out), refresh=refresh, commit=False, jobs=2)
    write_dataset(result.dataset, out)
    result.commit_cache()
print(result.changes.extracted, result.changes.reused)
"""

HOLD = """
import sys, time
from graph.buildlock import BuildLock
lock = BuildLock(sys.argv[1], target=sys.argv[2]).acquire()
print("held", flush=True)
time.sleep(float(sys.argv[3]))
"""


def _corpus(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for p in folder.iterdir():
        p.unlink()
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _outputs(result, folder: Path, name: str) -> tuple[bytes, bytes]:
    """The Turtle and TriG bytes of a build."""
    folder.mkdir(parents=True, exist_ok=True)
    for ext in ("ttl", "trig"):
        write_dataset(result.dataset, folder / f"{name}.{ext}")
    return (folder / f"{name}.ttl").read_bytes(), (folder / f"{name}.trig").read_bytes()


# --------------------------------------------------------------------------- incremental = clean


@pytest.mark.parametrize("jobs", [1, 2])
def test_add_change_delete_give_the_clean_build_bytes_and_say_what_changed(tmp_path, jobs):
    corpus, cache, outs = tmp_path / "corpus", tmp_path / "cache", tmp_path / "outs"
    steps = [
        ("first", dict(DOCS)),
        ("add", {**DOCS, "d.md": "# D\n\nKuwait hosts U.S. Army units at Camp Arifjan.\n"}),
        ("change", {**DOCS, "d.md": "# D\n\nKuwait hosts U.S. Army units at Camp Arifjan.\n",
                    "b.md": "# B\n\nSweden joined NATO in 2024.\n"}),
        ("delete", {k: v for k, v in DOCS.items() if k != "a.md"}),
    ]
    seen = {}
    for name, docs in steps:
        _corpus(corpus, docs)
        clean = _outputs(build_graph(corpus, jobs=jobs), outs, f"{name}-clean")
        cached = build_graph(corpus, jobs=jobs, cache=cache)
        assert _outputs(cached, outs, f"{name}-cached") == clean
        seen[name] = cached.changes
    first, add, change, delete = (seen[s] for s, _ in steps)
    assert (first.previous, first.extracted, first.reused) == (False, 3, 0)
    assert format_changes(first) == ["no earlier build in the cache: every document read",
                                     "read 3 documents, 0 from the cache"]
    assert (add.added, add.changed, add.removed, add.unchanged, add.extracted, add.reused) == (
        ["d.md"], [], [], 3, 1, 3)
    arifjan = "Kuwait hosts U.S. Army units at Camp Arifjan."
    assert add.facts_added == [FactChange("camp-arifjan", "hostsForcesOf", "united-states", "d.md", arifjan),
                               FactChange("camp-arifjan", "locatedIn", "kuwait", "d.md", arifjan)]
    assert add.facts_removed == []
    assert (change.added, change.changed, change.removed, change.unchanged, change.extracted, change.reused) == (
        [], ["b.md"], [], 3, 1, 3)
    assert change.facts_added == [FactChange("sweden", "memberOf", "nato", "b.md", "Sweden joined NATO in 2024.")]
    assert change.facts_removed == [FactChange("finland", "memberOf", "nato", "b.md", "Finland joined NATO in 2023.")]
    assert format_changes(change) == [
        "since the last build: 0 documents added, 1 changed (b.md), 0 removed, 3 unchanged",
        "read 1 document, 3 from the cache",
        "1 fact added:",
        '  + sweden memberOf nato: "Sweden joined NATO in 2024." (b.md)',
        "1 fact removed:",
        '  - finland memberOf nato: "Finland joined NATO in 2023." (b.md)',
    ]
    incirlik = "German forces are based at Incirlik Air Base in Turkey."
    assert (delete.added, delete.changed, delete.removed, delete.unchanged, delete.extracted, delete.reused) == (
        [], ["b.md"], ["a.md", "d.md"], 1, 1, 1)
    assert delete.facts_removed == [
        FactChange("camp-arifjan", "hostsForcesOf", "united-states", "d.md", arifjan),
        FactChange("camp-arifjan", "locatedIn", "kuwait", "d.md", arifjan),
        FactChange("incirlik-air-base", "hostsForcesOf", "germany", "a.md", incirlik),
        FactChange("incirlik-air-base", "locatedIn", "turkey", "a.md", incirlik),
        FactChange("sweden", "memberOf", "nato", "b.md", "Sweden joined NATO in 2024.")]
    assert delete.facts_added == [FactChange("finland", "memberOf", "nato", "b.md", "Finland joined NATO in 2023.")]
    # entries of the documents gone are pruned: one per document of the last build
    assert len(list((cache / "entries").glob("*.kgx"))) == 2


def test_refresh_reads_every_document_again_and_gives_the_same_bytes(tmp_path):
    corpus = _corpus(tmp_path / "corpus", DOCS)
    first = _outputs(build_graph(corpus, cache=tmp_path / "cache"), tmp_path, "first")
    again = build_graph(corpus, cache=tmp_path / "cache", refresh=True)
    assert (again.changes.extracted, again.changes.reused, again.changes.unchanged) == (3, 0, 3)
    assert _outputs(again, tmp_path, "again") == first


def test_an_uncommitted_build_is_not_the_last_build(tmp_path):
    corpus = _corpus(tmp_path / "corpus", DOCS)
    build_graph(corpus, cache=tmp_path / "cache")
    (corpus / "a.md").unlink()
    pending = build_graph(corpus, cache=tmp_path / "cache", commit=False)
    assert pending.changes.removed == ["a.md"]
    assert build_graph(corpus, cache=tmp_path / "cache", commit=False).changes.removed == ["a.md"]
    pending.commit_cache()
    assert build_graph(corpus, cache=tmp_path / "cache").changes.removed == []


# --------------------------------------------------------------------------- files not trusted


def _entry(cache: Path, corpus: Path, name: str) -> Path:
    doc = next(d for d in read_corpus(corpus) if d.path == name)
    return cache / "entries" / (ExtractionCache(cache, extractor_fingerprint()).key(doc) + ".kgx")


def _foreign(cache: Path, corpus: Path, path: Path) -> None:
    """A well-formed entry, checksum right, under b.md's key, but recording c.md."""
    c = next(d for d in read_corpus(corpus) if d.path == "c.md")
    from graph.build import extract_document

    path.write_bytes(_pack(path.stem, encode_extraction(extract_document(c))))


@pytest.mark.parametrize("damage", ["flipped", "truncated", "empty", "other-key", "foreign", "pickle"])
def test_a_bad_entry_is_read_again_never_trusted(tmp_path, damage):
    corpus, cache = _corpus(tmp_path / "corpus", DOCS), tmp_path / "cache"
    clean = _outputs(build_graph(corpus, cache=cache), tmp_path, "clean")
    entry = _entry(cache, corpus, "b.md")
    data = entry.read_bytes()
    if damage == "flipped":  # one fact's object changed in place: the checksum no longer matches
        entry.write_bytes(data.replace(b'"nato"', b'"otan"', 1))
    elif damage == "truncated":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "other-key":  # a's entry copied over b's
        entry.write_bytes(_entry(cache, corpus, "a.md").read_bytes())
    elif damage == "foreign":
        _foreign(cache, corpus, entry)
    else:
        import pickle

        entry.write_bytes(pickle.dumps({"facts": []}))
    again = build_graph(corpus, cache=cache)
    why = {"flipped": "checksum does not match (corrupt or truncated)",
           "truncated": "checksum does not match (corrupt or truncated)",
           "empty": "not a cache file of this version", "other-key": "written for another key",
           "foreign": "not a record of this document (ValueError)",
           "pickle": "not a cache file of this version"}[damage]
    assert again.changes.notes == [f"{cache}: entry of b.md not trusted ({why}): read again"]
    assert (again.changes.extracted, again.changes.reused) == (1, 2)
    assert _outputs(again, tmp_path, "again") == clean
    assert entry.read_bytes() == data  # written anew
    assert build_graph(corpus, cache=cache).changes.notes == []


def test_a_cache_of_another_format_or_a_broken_manifest_is_rebuilt(tmp_path):
    corpus, cache = _corpus(tmp_path / "corpus", DOCS), tmp_path / "cache"
    clean = _outputs(build_graph(corpus, cache=cache), tmp_path, "clean")
    (cache / "kg-cache.json").write_text('{"format": 0}\n')
    (cache / "notes.txt").write_text("mine\n")
    again = build_graph(corpus, cache=cache)
    assert again.changes.notes == [f"{cache}: not a cache of this version: rebuilt"]
    assert (again.changes.previous, again.changes.extracted) == (False, 3)
    assert _outputs(again, tmp_path, "again") == clean
    assert (cache / "notes.txt").read_text() == "mine\n"  # not ours: left alone
    (cache / "manifest").write_bytes((cache / "manifest").read_bytes()[:-5])
    third = build_graph(corpus, cache=cache)
    assert third.changes.notes == [f"{cache}: manifest not trusted (checksum does not match (corrupt or truncated)):"
                                   " changes told against no earlier build"]
    assert (third.changes.previous, third.changes.reused) == (False, 3)


def test_the_fingerprint_follows_the_ontology_and_the_extraction_sources(tmp_path):
    from graph.lexicon import ONTOLOGY_FILE

    other = tmp_path / "alliances.ttl"
    other.write_bytes(ONTOLOGY_FILE.read_bytes() + b"\n# a comment\n")
    assert extractor_fingerprint(other) != extractor_fingerprint(ONTOLOGY_FILE)
    corpus, cache = _corpus(tmp_path / "corpus", DOCS), tmp_path / "cache"
    build_graph(corpus, cache=cache)
    changed = build_graph(corpus, other, cache=cache)  # another ontology: every document read again
    assert (changed.changes.extractor_changed, changed.changes.extracted, changed.changes.reused) == (True, 3, 0)
    assert format_changes(changed.changes)[1:3] == [
        "the extractor changed since the last build (code, rules, lexicon, ontology or model)",
        "read 3 documents, 0 from the cache"]
    assert build_graph(corpus, other, cache=cache).changes.extractor_changed is False
    # every module of the package that extraction imports is in the fingerprint
    from graph import cache as cache_module

    graph_dir = ROOT / "graph"
    covered = {graph_dir / m for m in cache_module._EXTRACTOR_MODULES} | set((graph_dir / "extract").glob("*.py"))
    imported = set()
    for path in covered:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = path.parent
                for _ in range(node.level - 1):
                    base = base.parent
                target = base.joinpath(*(node.module or "").split("."))
                imported |= {p for p in (target.with_suffix(".py"), target / "__init__.py") if p.is_file()}
    # errors and file locations, and graph.build for read_corpus's check of document IRIs
    helpers = {graph_dir / "errors.py", graph_dir / "resources.py", graph_dir / "__init__.py", graph_dir / "build.py"}
    assert sorted(p.name for p in imported - covered - helpers) == []


def test_a_document_that_fails_names_itself_and_the_others_stay_cached(tmp_path, monkeypatch):
    import graph.build as build_module

    real = build_module.extract_document
    docs = {**DOCS, "z.md": "# Z\n\nSweden joined NATO in 2024.\n"}
    corpus, cache = _corpus(tmp_path / "corpus", docs), tmp_path / "cache"

    def failing(doc, lexicon=None, **kw):
        if doc.path == "z.md":
            raise RuntimeError("boom")
        return real(doc, lexicon, **kw)

    monkeypatch.setattr(build_module, "extract_document", failing)
    with pytest.raises(KGError) as err:
        build_graph(corpus, cache=cache, jobs=1)
    assert str(err.value) == "z.md: extraction failed: RuntimeError: boom"
    monkeypatch.setattr(build_module, "extract_document", real)
    again = build_graph(corpus, cache=cache)
    assert (again.changes.extracted, again.changes.reused) == (1, 3)


def test_a_failure_in_a_worker_process_names_the_document(tmp_path, monkeypatch):
    import graph.build as build_module

    real = build_module.extract_document

    def failing(doc, lexicon=None, **kw):
        if doc.path == "b.md":
            raise RuntimeError("boom")
        return real(doc, lexicon, **kw)

    monkeypatch.setattr(build_module, "extract_document", failing)
    with pytest.raises(KGError) as err:
        build_graph(_corpus(tmp_path / "corpus", DOCS), cache=tmp_path / "cache", jobs=2)
    assert str(err.value) == "b.md: extraction failed: RuntimeError: boom"


# --------------------------------------------------------------------------- the lock


def _hold(lock_file: Path, target: str, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(lock_file), target, str(seconds)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_build_into_the_same_output_waits_then_stops_with_one_line(tmp_path):
    out = tmp_path / "out" / "kg.ttl"
    holder = _hold(output_lock(out).lock_file, str(out), 60)
    try:
        start = time.monotonic()
        with pytest.raises(KGError) as err:
            output_lock(out, wait=0.5).acquire()
        assert time.monotonic() - start >= 0.5
        assert str(err.value) == f"another kg build is writing {out} (pid {holder.pid}); try again when it ends"
    finally:
        holder.kill()
        holder.wait()
    with output_lock(out, wait=0) as lock:  # the holder is gone: the lock is free
        assert lock.held
    assert not output_lock(out).lock_file.exists()


def test_a_second_build_waits_for_the_first_to_end(tmp_path):
    out = tmp_path / "kg.ttl"
    holder = _hold(output_lock(out).lock_file, str(out), 0.5)
    try:
        start = time.monotonic()
        with output_lock(out, wait=30) as lock:
            assert lock.held and time.monotonic() - start > 0.1
    finally:
        holder.wait()


def test_a_build_using_a_cache_another_build_holds_stops_with_one_line(tmp_path):
    corpus, cache = _corpus(tmp_path / "corpus", DOCS), tmp_path / "cache"
    holder = _hold(tmp_path / "cache.lock", "x", 60)
    try:
        with pytest.raises(KGError) as err:
            build_graph(corpus, cache=cache, lock_wait=0.2)
        assert str(err.value) == f"another kg build is using the cache {cache} (pid {holder.pid}); try again when it ends"
    finally:
        holder.kill()
        holder.wait()
    assert build_graph(corpus, cache=cache, lock_wait=0).changes.extracted == 3


def test_the_lock_file_and_the_cache_folder_sit_beside_the_output():
    assert default_cache_dir(out=Path("out/kg.trig")) == Path("out/.kg.trig.kg-cache")
    assert default_cache_dir(store=Path("data/kg.db")) == Path("data/.kg.db.kg-cache")
    assert default_cache_dir() is None
    assert BuildLock("x/lock").busy("").args == ("another kg build is writing x; try again when it ends",)


# --------------------------------------------------------------------------- killed builds


def _drive(corpus: Path, out: Path, refresh: bool = False) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", DRIVER, str(corpus), str(out), "refresh" if refresh else "-"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def test_a_build_killed_at_any_moment_leaves_the_output_and_a_usable_cache(tmp_path):
    from benchmarks.generate import generate_corpus

    generate_corpus(tmp_path / "gen", 60, 3)
    corpus = tmp_path / "gen" / "corpus"
    out = tmp_path / "out" / "kg.trig"
    start = time.monotonic()
    first = _drive(corpus, out)
    assert first.communicate(timeout=600)[0].split() == ["60", "0"]
    took = time.monotonic() - start
    before = out.read_bytes()
    # the next version of the corpus: one document added, one changed, one removed
    docs = sorted(corpus.glob("*.md"))
    (corpus / "doc-new.md").write_text(docs[0].read_text(encoding="utf-8").replace("#", "# New", 1), encoding="utf-8")
    docs[1].write_text(docs[1].read_text(encoding="utf-8") + "\nFinland joined NATO in 2023.\n", encoding="utf-8")
    docs[2].unlink()
    after = _outputs(build_graph(corpus, jobs=2), tmp_path / "clean", "clean")[1]
    assert after != before
    rng = random.Random(16)
    for i in range(3):  # every document read again (refresh): kills land in extraction and the writes
        proc = _drive(corpus, out, refresh=True)
        time.sleep(rng.uniform(0.1, 1.0) * took)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        assert out.read_bytes() in (before, after), f"kill {i}"  # whole: the old graph, or the new one
    last = _drive(corpus, out)
    extracted, reused = map(int, last.communicate(timeout=600)[0].split())
    assert last.returncode == 0 and extracted + reused == 60
    assert out.read_bytes() == after
    again = _drive(corpus, out)
    assert again.communicate(timeout=600)[0].split() == ["0", "60"]
    assert out.read_bytes() == after
    assert sorted(p.name for p in out.parent.iterdir()) == [".kg.trig.kg-cache", "kg.trig"]
    assert [p.name for p in (out.parent / ".kg.trig.kg-cache" / "entries").iterdir() if p.suffix != ".kgx"] == []
