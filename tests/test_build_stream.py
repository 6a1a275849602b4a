"""The streamed build: what the spool holds and what is written from it equals what rdflib writes of
the same graphs."""

from __future__ import annotations

import pytest

from conftest import CORPUS
from graph.build import build_graph, write_built
from graph.serialize import serialize
from graph.spool import QuadSpool


def test_the_spool_splits_lines_at_newlines_only():
    # rdflib leaves U+2028, U+0085 and form feeds raw inside literals; str.splitlines would cut there
    lines = ['<urn:s> <urn:p> "a\u2028b\x85c\x0cd" .', '<urn:s> <urn:q> "e" .']
    with QuadSpool() as spool:
        spool.add_graph("urn:g", lines)
        assert spool.graph_lines("urn:g") == lines
        assert list(spool.graph_ntriples()) == [("urn:g", ("\n".join(sorted(lines)) + "\n").encode("utf-8"))]
        assert len(spool.dataset()) == 2


@pytest.mark.parametrize("ext, fmt", [("ttl", "turtle"), ("nq", "nquads"), ("nt", "nt"), ("trig", "trig")])
def test_what_the_build_writes_is_what_rdflib_writes(tmp_path, ext, fmt):
    result = build_graph(CORPUS)
    try:
        write_built(result, tmp_path / f"kg.{ext}")
        assert (tmp_path / f"kg.{ext}").read_bytes() == serialize(result.dataset, fmt)
    finally:
        result.close()


def test_a_closed_build_leaves_no_temporary_folder():
    result = build_graph(CORPUS, reason=False, validate=False)
    folders = [result.spool.dir, result.extractions.dir]
    assert all(f.is_dir() for f in folders)
    result.close()
    assert not any(f.exists() for f in folders)


def test_a_spool_folder_left_by_a_dead_process_is_removed_and_a_live_ones_kept(tmp_path):
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"kg-spool-{int(done.stdout)}-abc"
    live = tmp_path / f"kg-spool-{os.getppid()}-def"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "quads.nq").write_text("x", encoding="utf-8")
    with QuadSpool(tmp_path) as spool:
        assert spool.dir.parent == tmp_path
        assert not dead.exists() and live.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name]


def test_a_process_that_never_closes_its_spool_leaves_no_folder(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from graph.spool import QuadSpool, ExtractionSpool; "
            "s, e = QuadSpool(sys.argv[1]), ExtractionSpool(sys.argv[1]); s.add_graph('urn:g', ['<urn:s> <urn:p> <urn:o> .']); "
            "print(s.dir.is_dir() and e.dir.is_dir())")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
    assert list(tmp_path.iterdir()) == []
