"""Issue 14, the Lower findings about the CLI and files.

* one-line errors, never a traceback: a non-UTF-8 file name, argument or ``--param`` value, a lone
  surrogate, ``--timeout nan|inf|1e300``, a malformed endpoint URL or ``KG_ENDPOINT``, a closed
  stdout, a full disk, and a bad ``--out`` (reported before the build runs);
* ``--out`` written whole or not at all: fsync before the rename, a SIGKILL at any moment of the
  write leaves the old file or the complete new one, and the temporary file a killed writer leaves
  is removed by the next write;
* query names stay in ``queries/``; a ``.rq`` file is given by its path;
* a corpus symlink to a file outside the corpus is skipped with a warning; ``.txt`` files are read;
* control characters and escape sequences from documents and file names never reach the terminal;
* ``kg validate`` never fetches a remote JSON-LD ``@context``.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from graph.errors import CorpusError, KGError, not_text, terminal_safe

from conftest import CORPUS, KG, ROOT, run_kg

DOC = CORPUS / "shared-military-bases.md"


def one_line_error(r, *needles: str, code: int = 2) -> str:
    """The command failed with ``code`` and one line on stderr holding every needle, no traceback."""
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    err = r.stderr.strip()
    assert "Traceback" not in r.stderr and "╭" not in r.stderr, r.stderr
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: "), err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


# --------------------------------------------------------------------------- 1. one-line errors


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e300", "0", "-3", "86401"])
def test_a_timeout_that_is_not_a_sensible_number_of_seconds_is_refused(built_graph, value):
    r = run_kg("query", "memberships", "--graph", built_graph, "--timeout", value)
    one_line_error(r, "--timeout")


def test_a_timeout_within_the_range_still_works(built_graph):
    r = run_kg("query", "memberships", "--graph", built_graph, "--timeout", "30", "--format", "csv")
    assert r.returncode == 0, r.stderr


def test_check_timeout_in_the_library():
    from graph.query import call_with_timeout, check_timeout

    for bad in (float("nan"), float("inf"), 1e300, 0, -1):
        with pytest.raises(KGError, match="--timeout"):
            check_timeout(bad)
        with pytest.raises(KGError, match="--timeout"):
            call_with_timeout(lambda: 1, bad)
    assert call_with_timeout(lambda: 7, 5, in_child=False) == 7


@pytest.mark.parametrize(
    "args, needle",
    [
        (["query", "bases-by-country", "--param", "country=\udcff"], "--param country"),  # b"\xff"
        (["query", "entity-facts", "--param", "entity=akr:\udced\udca0\udc80"], "--param entity"),  # CESU surrogate
        (["query", "bases-by-country", "--param", "\udcff=Qatar"], "--param"),
        (["query", "-e", 'SELECT * WHERE { ?s ?p "\udcff" }'], "query text"),
        (["explain", "Finland joined NATO \udcff."], "the text"),
    ],
    ids=["param-value", "param-surrogate", "param-name", "expression", "explain"],
)
def test_arguments_that_are_not_utf8_are_one_line_errors(built_graph, args, needle):
    extra = ["--graph", built_graph] if args[0] == "query" else []
    r = run_kg(*args, *extra)
    err = one_line_error(r, needle, "not UTF-8", "byte 0x")
    assert "\udcff" not in err and "\ufffd" not in err


def test_lone_surrogates_in_the_library_are_errors_not_crashes():
    from graph.query import Param, make_query, param_term

    with pytest.raises(KGError, match="lone surrogate"):
        param_term(Param("x", "_x", kind="literal"), "a\ud800b")
    with pytest.raises(KGError, match="lone surrogate"):
        make_query('SELECT * WHERE { ?s ?p "\ud800" }')
    assert not_text("ok") is None
    assert "lone surrogate" in not_text("\ud800")


def test_a_lone_surrogate_in_a_graph_file_is_a_one_line_error_for_validate(tmp_path):
    g = tmp_path / "g.ttl"
    g.write_text('<http://a/s> <http://www.w3.org/2000/01/rdf-schema#label> "x\\uD800y" .\n')
    one_line_error(run_kg("validate", "--graph", g), str(g), "not valid Unicode")
    one_line_error(run_kg("query", "-e", "SELECT * WHERE { ?s ?p ?o }", "--graph", g), "malformed graph")


def test_a_corpus_file_name_that_is_not_utf8_is_a_one_line_error(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(DOC, corpus)
    shutil.copy(DOC, corpus / "caf\udce9.md")  # b"caf\xe9.md": Latin-1, not UTF-8
    out = tmp_path / "kg.ttl"
    err = one_line_error(run_kg("build", "--corpus", corpus, "--out", out), "caf\\xe9.md", "not UTF-8")
    assert "rename" in err
    assert not out.exists()


def test_a_graph_file_name_that_is_not_utf8_is_read(built_graph, tmp_path):
    g = tmp_path / "kg\udcff.ttl"
    shutil.copy(built_graph, g)
    r = run_kg("validate", "--graph", g)
    assert r.returncode == 0, r.stderr
    assert "kg\\xff.ttl conforms" in r.stdout
    assert run_kg("query", "memberships", "--graph", g, "--format", "csv").returncode == 0


@pytest.mark.parametrize(
    "url, needle",
    [
        ("http://[::1", "not a valid URL"),
        ("http://host:99999/query", "not a valid URL"),
        ("http://", "names no host"),
        ("http://a b/query", "space"),
        ("http://x/\x01", "control character"),
        ("http://x/\u00e9", "beyond ASCII"),
        ("http://x/\udcff", "not UTF-8"),
        ("ftp://x/query", "http:// or https://"),
        ("localhost:7878/query", "http:// or https://"),
    ],
)
def test_malformed_endpoint_urls_are_one_line_errors(url, needle):
    one_line_error(run_kg("query", "memberships", "--endpoint", url), "--endpoint", needle)
    one_line_error(run_kg("query", "memberships", env={"KG_ENDPOINT": url}), "KG_ENDPOINT", needle)


@pytest.mark.parametrize("command", [["export", "--format", "json"], ["validate"], ["view"]])
def test_kg_endpoint_is_checked_by_every_command(command, tmp_path):
    out = ["--out", tmp_path / "x.out"] if command[0] != "validate" else []
    one_line_error(run_kg(*command, *out, env={"KG_ENDPOINT": "http://[::1"}), "KG_ENDPOINT")


def test_build_checks_its_endpoint_settings_before_it_builds(tmp_path):
    r = run_kg("build", "--endpoint", "http://127.0.0.1:1/query", "--update-endpoint", "http://a b/update",
               "--corpus", tmp_path / "missing")
    one_line_error(r, "--update-endpoint", "space")
    r = run_kg("query", "memberships", "--endpoint", "http://127.0.0.1:1/query", "--token", "a b")
    one_line_error(r, "--token")


def _sh(command: str) -> subprocess.CompletedProcess:
    kg = " ".join(map(str, KG))
    return subprocess.run(["bash", "-c", command.replace("KG", kg)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200"})


@pytest.mark.parametrize("args", ["query memberships --graph G", "query memberships --graph G --format csv",
                                  "queries", "validate --graph G", "explain 'Finland joined NATO in 2023.'"])
def test_a_closed_stdout_ends_quietly(built_graph, args):
    args = args.replace("G", str(built_graph))
    for pipe in ("| head -c 0", ">&-"):
        r = _sh(f"set -o pipefail; KG {args} {pipe}")
        assert r.stderr == "", (pipe, r.stderr)
        assert r.returncode in (0, 1), (pipe, r.returncode)
    assert _sh(f"KG {args} >&-").returncode == 0  # nothing to say: a closed stdout is not an error


def test_a_closed_stdout_gives_no_file_descriptor_1_to_the_output(tmp_path):
    """With stdout closed, the first file the command opens would get descriptor 1 and receive what it
    prints; /dev/null is put there first."""
    out = tmp_path / "kg.ttl"
    r = _sh(f"KG build --corpus {CORPUS} --out {out} >&-")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes().startswith(b"@prefix")
    assert b"Built " not in out.read_bytes()


def test_a_bad_out_is_reported_before_the_build_runs(tmp_path):
    """The corpus holds a document that stops the build (a binary file): the error is the one about
    --out, so the check came first."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(DOC, corpus)
    (corpus / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    a_file = tmp_path / "taken"
    a_file.write_text("a file\n")
    a_folder = tmp_path / "folder.ttl"
    a_folder.mkdir()
    one_line_error(run_kg("build", "--corpus", corpus, "--out", a_file / "kg.ttl"), "is a file, not a folder")
    one_line_error(run_kg("build", "--corpus", corpus, "--out", a_file / "sub" / "kg.ttl"), "is a file, not a folder")
    one_line_error(run_kg("build", "--corpus", corpus, "--out", a_folder), "names a folder")
    assert a_file.read_text() == "a file\n" and a_folder.is_dir() and not any(a_folder.iterdir())
    # the binary document is what stops a build with a good --out
    one_line_error(run_kg("build", "--corpus", corpus, "--out", tmp_path / "ok.ttl"), "binary file")


@pytest.mark.parametrize("command", [["export", "--format", "json"], ["view"]])
def test_export_and_view_check_out_first(built_graph, tmp_path, command):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dir.out").mkdir()
    one_line_error(run_kg(*command, "--graph", built_graph, "--out", tmp_path / "file" / "a.out"), "not a folder")
    one_line_error(run_kg(*command, "--graph", built_graph, "--out", tmp_path / "dir.out"), "names a folder")


def _enospc(fd, data):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_is_one_line_and_leaves_the_old_file(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import graph.rdfio
    from graph.cli import app

    out = tmp_path / "kg.ttl"
    out.write_bytes(b"the previous build\n")
    monkeypatch.setattr(graph.rdfio, "_write_all", _enospc)
    r = CliRunner().invoke(app, ["build", "--corpus", str(CORPUS), "--out", str(out), "-q"])
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.exception is None or isinstance(r.exception, SystemExit)
    err = r.stderr.strip()
    assert err.splitlines() == [f"error: {out}: cannot write: No space left on device"]
    assert out.read_bytes() == b"the previous build\n"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".kg-cache")) == ["kg.ttl"]  # no temporary file left


def test_a_full_disk_raised_bare_still_names_the_cause(tmp_path, monkeypatch):
    import graph.build
    import graph.rdfio

    monkeypatch.setattr(graph.rdfio, "_write_all", lambda fd, data: (_ for _ in ()).throw(OSError(errno.ENOSPC)))
    with pytest.raises(KGError, match="No space left on device"):
        graph.build.write_atomic(tmp_path / "x.json", b"{}")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- 2. atomic --out


def test_write_atomic_syncs_the_file_and_the_folder(tmp_path, monkeypatch):
    import graph.build

    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.path.isdir(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else None)
        real_fsync(fd)

    monkeypatch.setattr(graph.build.os, "fsync", fsync)
    graph.build.write_atomic(tmp_path / "a.ttl", b"data\n")
    assert (tmp_path / "a.ttl").read_bytes() == b"data\n"
    assert len(synced) == 2
    if synced[0] is not None:
        assert synced == [False, True]  # the file before the rename, its folder after
    assert oct((tmp_path / "a.ttl").stat().st_mode & 0o777) != "0o600"


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_the_next_write_removes_the_temporaries_of_a_killed_writer(tmp_path):
    from graph.build import write_atomic

    target = tmp_path / "kg.ttl"
    target.write_text("old\n")
    dead = tmp_path / f".kg.ttl.kg-tmp.{_dead_pid()}.abc123.tmp"
    dead.write_text("half a grap")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".kg.ttl.kg-tmp.{sleeper.pid}.def456.tmp"  # another writer, still running
        live.write_text("in progress")
        other = tmp_path / ".kg.ttl.something-else.tmp"  # not ours
        other.write_text("x")
        neighbour = tmp_path / f".other.ttl.kg-tmp.{_dead_pid()}.abc123.tmp"  # another target's
        neighbour.write_text("x")
        write_atomic(target, b"new\n")
        assert target.read_text() == "new\n"
        assert not dead.exists()
        assert live.exists() and other.exists() and neighbour.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.fixture(scope="module")
def corpus_200(generated_corpus_200) -> Path:
    return generated_corpus_200


@pytest.fixture(scope="module")
def out_files(tmp_path_factory, corpus_200):
    """The old X.ttl (corpus/, 2 documents) and the complete new one (200 documents), built once."""
    tmp = tmp_path_factory.mktemp("outs")
    files = {}
    for name, corpus in (("old", CORPUS), ("new", corpus_200)):
        r = run_kg("build", "--corpus", corpus, "--out", tmp / f"{name}.ttl", "-q", "--no-validate", "--no-reason")
        assert r.returncode == 0, r.stderr
        files[name] = (tmp / f"{name}.ttl").read_bytes()
    assert files["old"] != files["new"]
    return files


def _temporaries(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if ".kg-tmp." in n)


@pytest.mark.parametrize("when", ["extracting", "tmp+0", "tmp+0.002", "tmp+0.02", "tmp+0.1"])
def test_a_kill_during_kg_build_out_leaves_the_old_file_or_the_new_one(out_files, corpus_200, tmp_path, when):
    """SIGKILL at a few points of `kg build --out X.ttl` over an existing X.ttl: X.ttl is byte for byte
    the old file or the complete new one, never a part; a temporary file the kill left is removed by
    the next build."""
    out = tmp_path / "X.ttl"
    out.write_bytes(out_files["old"])
    proc = subprocess.Popen([*KG, "build", "--corpus", str(corpus_200), "--out", str(out), "-q", "--no-validate",
                             "--no-reason"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "COLUMNS": "200"})
    try:
        if when == "extracting":
            time.sleep(1.0)
        else:  # the write phase: from the moment its temporary file appears
            deadline = time.monotonic() + 240
            while not _temporaries(tmp_path) and proc.poll() is None:
                assert time.monotonic() < deadline, "the build never reached its write phase"
                time.sleep(0.0005)
            time.sleep(float(when.split("+")[1]))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    after = out.read_bytes()
    assert after in (out_files["old"], out_files["new"]), f"a partial file of {len(after)} bytes"
    if when == "extracting":
        assert after == out_files["old"]
    # the next write takes over: what the killed build left is removed
    r = run_kg("build", "--corpus", CORPUS, "--out", out, "-q", "--no-validate", "--no-reason")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == out_files["old"]
    assert _temporaries(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".kg-cache")) == ["X.ttl"]


# --------------------------------------------------------------------------- 3. query names


def test_a_query_name_cannot_leave_the_library(built_graph, tmp_path):
    evil = Path("/tmp") / f"kg-escape-{os.getpid()}.rq"
    evil.write_text("SELECT ('escaped' AS ?x) WHERE {}\n")
    try:
        name = "../" * 8 + str(evil.with_suffix(""))[1:]
        r = run_kg("query", name, "--graph", built_graph)
        one_line_error(r, "not a query name", "path separator")
        assert "escaped" not in r.stdout
        one_line_error(run_kg("query", "..", "--graph", built_graph), "not a query name")
        one_line_error(run_kg("query", "sub/missing.rq", "--graph", built_graph), "query file not found")
        # given as the path of the .rq file it is, it runs
        r = run_kg("query", evil, "--graph", built_graph, "--format", "csv")
        assert r.returncode == 0, r.stderr
        assert "escaped" in r.stdout
    finally:
        evil.unlink()


def test_rq_paths_still_work(built_graph, tmp_path):
    from graph.query import get_query

    r = run_kg("query", "queries/memberships.rq", "--graph", built_graph, "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout == run_kg("query", "memberships", "--graph", built_graph, "--format", "csv").stdout
    assert get_query("memberships.rq").name == "memberships"  # a library name, with the suffix
    (tmp_path / "folder.rq").mkdir()
    with pytest.raises(KGError, match="not a query file"):
        get_query(str(tmp_path / "folder.rq"))
    with pytest.raises(KGError, match="not a query name"):
        get_query("queries/../queries/memberships")
    with pytest.raises(KGError, match="not a query name"):
        get_query("..\\..\\x")


# --------------------------------------------------------------------------- 4. corpus files


def test_a_symlink_out_of_the_corpus_is_skipped_with_a_warning(tmp_path):
    from graph.corpus import CorpusWarning, find_documents, read_corpus

    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.md").write_text("Qatar hosts Zanzibari forces at Camp Secretia.\n")
    corpus = tmp_path / "c"
    (corpus / "sub").mkdir(parents=True)
    shutil.copy(DOC, corpus / "a.md")
    (corpus / "leak.md").symlink_to(outside / "secret.md")
    (corpus / "linked").symlink_to(outside, target_is_directory=True)
    (corpus / "sub" / "inside.md").symlink_to(Path("..") / "a.md")  # a link within the corpus is read
    told = []
    files = find_documents(corpus, warn=told.append)
    assert [p.relative_to(corpus).as_posix() for p in files] == ["a.md", "sub/inside.md"]
    assert len(told) == 1 and str(corpus / "leak.md") in told[0] and "outside the corpus" in told[0]
    with pytest.warns(CorpusWarning, match="leak.md"):
        docs = read_corpus(corpus)
    assert "Secretia" not in "".join(d.text for d in docs)

    out = tmp_path / "kg.ttl"
    r = run_kg("build", "--corpus", corpus, "--out", out, "-q", "--no-validate")
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines() == [
        f"warning: {corpus / 'leak.md'}: skipped: a symbolic link to {outside / 'secret.md'}, outside the corpus folder"]
    assert "Secretia" not in out.read_text()


def test_a_corpus_given_through_a_symlink_is_read(tmp_path):
    from graph.corpus import find_documents

    real = tmp_path / "real"
    real.mkdir()
    shutil.copy(DOC, real / "a.md")
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [p.name for p in find_documents(tmp_path / "link")] == ["a.md"]


def test_plain_text_files_are_documents_in_sorted_order(tmp_path):
    from graph.corpus import find_documents, parse_document, read_corpus

    text = "Turkey hosts German forces at Incirlik Air Base.\n\nIt is near Adana.\n"
    (tmp_path / "b.txt").write_text(text)
    (tmp_path / "a.md").write_text("# A\n\nKuwait hosts U.S. Army units at Camp Arifjan.\n")
    (tmp_path / "c.TXT").write_text("Qatar hosts French forces at Al Udeid Air Base.\n")
    (tmp_path / "notes.csv").write_text("not a document\n")
    (tmp_path / ".hidden.txt").write_text("hidden\n")
    assert [p.name for p in find_documents(tmp_path)] == ["a.md", "b.txt", "c.TXT"]
    docs = read_corpus(tmp_path)
    assert [d.path for d in docs] == ["a.md", "b.txt", "c.TXT"]
    txt = docs[1]
    assert txt.sentences == parse_document("b.txt", text).sentences  # parsed as any document
    assert [s.text for s in txt.sentences] == ["Turkey hosts German forces at Incirlik Air Base.", "It is near Adana."]
    out = tmp_path.parent / f"{tmp_path.name}.ttl"
    r = run_kg("build", "--corpus", tmp_path, "--out", out, "-q")
    assert r.returncode == 0, r.stderr
    assert 'akg:path "b.txt"' in out.read_text()


def test_two_files_that_name_one_document_are_an_error(tmp_path):
    from graph.corpus import read_corpus

    (tmp_path / "a.md").write_text("Kuwait hosts U.S. Army units at Camp Arifjan.\n")
    (tmp_path / "a.txt").write_text("Qatar hosts French forces at Al Udeid Air Base.\n")
    with pytest.raises(CorpusError, match="names the same document"):
        read_corpus(tmp_path)


# --------------------------------------------------------------------------- 5. the terminal


def test_terminal_safe():
    assert terminal_safe("plain\ttext\nlines é 北京") == "plain\ttext\nlines é 北京"
    assert terminal_safe("\x1b[2J\x1b]0;title\x07") == "\\x1b[2J\\x1b]0;title\\x07"
    assert terminal_safe("a\rb\x08c\x7fd\x9be") == "a\\x0db\\x08c\\x7fd\\x9be"
    assert terminal_safe("abc\u202edef") == "abc\\u202edef"
    assert terminal_safe("x\udcff") == "x\\xff"
    assert terminal_safe(Path("p")) == "p"


EVIL = "\x1b]0;pwned\x07\x1b[2J\x1b[31m"


def _no_escapes(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text, repr(text)


def test_escape_sequences_from_file_names_and_text_are_shown_not_sent(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(DOC, corpus / "a.md")
    (corpus / f"empty{EVIL}.md").write_text(f"Nothing here {EVIL} at all.\n")
    (corpus / f"link{EVIL}.md").symlink_to(tmp_path / "outside.md")
    (tmp_path / "outside.md").write_text("x\n")
    out = tmp_path / "kg.ttl"
    r = run_kg("build", "--corpus", corpus, "--out", out)
    assert r.returncode == 0, r.stderr
    _no_escapes(r.stdout + r.stderr)
    assert "empty\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31m.md: no recognisable entities" in r.stdout
    assert "link\\x1b]0;pwned" in r.stderr
    # a query table of what the documents say
    q = "SELECT ?p WHERE { ?d <https://w3id.org/alliance-kg/ontology#path> ?p }"
    r = run_kg("query", "-e", q, "--graph", out)
    assert r.returncode == 0, r.stderr
    _no_escapes(r.stdout)
    assert "empty\\x1b]0;pwned" in r.stdout
    # explain: a file and its text
    r = run_kg("explain", corpus / f"empty{EVIL}.md")
    assert r.returncode == 0, r.stderr
    _no_escapes(r.stdout)
    r = run_kg("explain", f"Finland joined NATO in 2023.{EVIL}")
    _no_escapes(r.stdout + r.stderr)
    # errors that name a file
    (corpus / f"link{EVIL}.md").unlink()
    (corpus / f"bad{EVIL}.md").write_bytes(b"\x00")
    r = run_kg("build", "--corpus", corpus, "--out", out)
    err = one_line_error(r, "binary file")
    _no_escapes(err)
    r = run_kg("query", "memberships", "--graph", tmp_path / f"missing{EVIL}.ttl")
    _no_escapes(one_line_error(r, "not found"))


def test_rich_markup_in_a_file_name_is_printed_as_is(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(DOC, corpus / "a.md")
    (corpus / "[bold]x[red].md").write_text("Nothing here at all.\n")
    r = run_kg("build", "--corpus", corpus, "--out", tmp_path / "kg.ttl")
    assert r.returncode == 0, r.stderr
    assert "[bold]x[red].md: no recognisable entities" in r.stdout


def test_validation_findings_are_printed_safely(tmp_path):
    from graph.validate import Finding, ValidationReport, format_report

    report = ValidationReport((Finding("Violation", "akr:x", f"X{EVIL}", "akg:p", "v", "Bad.", "akgsh:S", "c",
                                       evidence=f"quote {EVIL}"),))
    text = terminal_safe(format_report(report))
    _no_escapes(text)
    assert "quote \\x1b]0;pwned" in text


# --------------------------------------------------------------------------- 6. remote JSON-LD contexts


@contextmanager
def recording_server():
    """An HTTP server on loopback that serves a JSON-LD context and records every request."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            body = json.dumps({"@context": {"label": "http://www.w3.org/2000/01/rdf-schema#label"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("context", ["url", "list", "nested", "import"])
def test_validate_never_fetches_a_remote_context(tmp_path, context):
    with recording_server() as (base, hits):
        url = f"{base}/context.jsonld"
        doc = {"@id": "http://a/s", "label": "x"}
        if context == "url":
            doc["@context"] = url
        elif context == "list":
            doc["@context"] = [{"x": "http://x/"}, url]
        elif context == "nested":
            doc = {"@context": {"label": "http://www.w3.org/2000/01/rdf-schema#label"},
                   "@id": "http://a/s", "http://a/p": {"@context": url, "label": "y"}}
        else:
            doc["@context"] = {"@version": 1.1, "@import": url}
        g = tmp_path / "g.jsonld"
        g.write_text(json.dumps(doc))
        r = run_kg("validate", "--graph", g)
        one_line_error(r, str(g), "remote JSON-LD @context is not fetched")
        for command in (["query", "-e", "SELECT * WHERE { ?s ?p ?o }"], ["export", "--format", "json", "--out",
                                                                          tmp_path / "x.json"]):
            one_line_error(run_kg(*command, "--graph", g), "remote JSON-LD @context is not fetched")
        assert hits == []


def test_validate_still_reads_a_jsonld_build(tmp_path):
    out = tmp_path / "kg.jsonld"
    r = run_kg("build", "--corpus", CORPUS, "--out", out, "-q")
    assert r.returncode == 0, r.stderr
    r = run_kg("validate", "--graph", out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "conforms: 0 violations" in r.stdout
    from graph.validate import load_graph

    assert len(load_graph(out)) == len(load_graph(tmp_path / "kg.jsonld"))
    r2 = run_kg("build", "--corpus", CORPUS, "--out", tmp_path / "kg.ttl", "-q")
    assert r2.returncode == 0
    assert len(load_graph(out)) == len(load_graph(tmp_path / "kg.ttl"))
