"""The output written beside validation (graph.staged): in place only once the graph conforms, the old
output left whole otherwise, and nothing left behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, run_kg
from graph.errors import KGError
from graph.rdfio import write_atomic
from graph.staged import StagedWrite


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_committed_write_replaces_the_file(tmp_path):
    out = tmp_path / "kg.ttl"
    out.write_bytes(b"old\n")
    staged = StagedWrite(out, lambda fh: fh.write(b"new\n"))
    staged.commit()
    assert out.read_bytes() == b"new\n"
    assert _leftovers(tmp_path) == []
    with pytest.raises(KGError, match="already committed"):
        staged.commit()


def test_an_aborted_write_leaves_the_old_file(tmp_path):
    out = tmp_path / "kg.ttl"
    out.write_bytes(b"old\n")

    def slow(fh):
        fh.write(b"half")
        time.sleep(30)

    staged = StagedWrite(out, slow)
    started = time.monotonic()
    staged.abort()
    assert time.monotonic() - started < 10
    assert out.read_bytes() == b"old\n"
    assert _leftovers(tmp_path) == []


def test_a_failing_writer_is_one_error_naming_the_file(tmp_path):
    out = tmp_path / "kg.ttl"
    out.write_bytes(b"old\n")

    def broken(fh):
        fh.write(b"half")
        raise KGError("cannot write: the sort failed")

    with pytest.raises(KGError) as err:
        StagedWrite(out, broken).commit()
    assert err.value.message == "cannot write: the sort failed"
    assert str(out) in str(err.value)
    assert out.read_bytes() == b"old\n"
    assert _leftovers(tmp_path) == []


def test_a_killed_builds_staging_file_goes_with_the_next_write(tmp_path):
    out = tmp_path / "kg.ttl"
    code = ("import sys, os; sys.path.insert(0, %r); from graph.staged import StagedWrite; "
            "s = StagedWrite(%r, lambda fh: fh.write(b'x')); s._wait(); os.kill(os.getpid(), 9)") % (str(ROOT), str(out))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert [n for n in _leftovers(tmp_path) if n.endswith(".staged.tmp")]
    assert not out.exists()
    write_atomic(out, b"next\n")
    assert out.read_bytes() == b"next\n"
    assert _leftovers(tmp_path) == []


SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix akg: <https://w3id.org/alliance-kg/ontology#> .
<urn:x:CountryShape> a sh:NodeShape ; sh:targetClass akg:Country ;
    sh:property [ sh:path akg:neverStated ; sh:minCount 1 ; sh:message "A country needs akg:neverStated." ] .
"""


def test_a_build_with_two_jobs_that_fails_validation_keeps_the_old_output(tmp_path):
    out = tmp_path / "kg.ttl"
    out.write_bytes(b"old\n")
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(SHAPES, encoding="utf-8")
    r = run_kg("build", "--corpus", ROOT / "corpus", "--out", out, "--shapes", shapes, "--jobs", "2", "--no-cache", "-q")
    assert r.returncode != 0
    assert "A country needs akg:neverStated." in r.stderr
    assert "nothing written" in r.stderr
    assert out.read_bytes() == b"old\n"
    assert [n for n in _leftovers(tmp_path) if ".kg-tmp." in n] == []


def test_two_jobs_write_the_same_turtle_as_one(tmp_path):
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"kg{jobs}.ttl"
        r = run_kg("build", "--corpus", ROOT / "corpus", "--out", out, "--jobs", jobs, "--no-cache", "-q")
        assert r.returncode == 0, r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert [n for n in _leftovers(tmp_path) if ".kg-tmp." in n] == []
