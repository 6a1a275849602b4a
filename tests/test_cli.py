"""The `kg` command line as a whole (issue 15): help and version, the store options declared once,
one error handler for every command (graph.errors.EXIT_CODES), graph.publish, and a few runs in a
real process where one matters (the console script, argv bytes that are not UTF-8, the in-process
helper agreeing with a process)."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from graph.stages import Stages

import pytest
import typer
from rdflib import URIRef

import graph.errors as errors
from graph.cli import app
from graph.publish import PublishReport, StoreOptions, publish
from graph.stores import GRAPH_NS, StoreLock, disk_store

from conftest import CORPUS, KG, ROOT, run_kg, run_kg_process

COMMANDS = typer.main.get_command(app).commands
READERS = ("query", "export", "view", "validate")  # the commands that read the graph where the options say


# --------------------------------------------------------------------------- help and version


def _help(*args: str):
    """`kg ARGS` in process, `kg serve --help` too (run_kg runs `serve` in a process)."""
    from typer.testing import CliRunner

    r = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"}, prog_name="kg")
    assert r.exit_code == 0 and r.stderr == "", (r.exit_code, r.stderr)
    return r.stdout


def test_version_prints_the_package_version():
    r = run_kg("--version")
    assert (r.returncode, r.stdout, r.stderr) == (0, f"alliance-kg {version('alliance-kg')}\n", "")


@pytest.mark.parametrize("args", [[], *([name] for name in sorted(COMMANDS))], ids=lambda a: " ".join(a) or "kg")
def test_dash_h_is_help(args):
    long, short = _help(*args, "--help"), _help(*args, "-h")
    assert short == long
    assert f"Usage: kg {' '.join(args)}".rstrip() + " [OPTIONS]" in long
    assert re.search(r"--help\s+-h\s+Show this message and exit\.", long)


def test_the_app_help_lists_every_command_and_the_version_option():
    out = _help("--help")
    assert re.search(r"--version\s+Print the version of alliance-kg and exit\.", out)
    for name in COMMANDS:
        assert re.search(rf"│ {name}\s", out), name


def test_queries_help_keeps_optional_in_brackets():
    assert "parameters ([optional])." in _help("queries", "--help")
    assert "parameters ([optional])." in _help("--help")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_flags_show_as_flags_and_options_show_their_type(name):
    out = _help(name, "--help")
    assert "<bool>" not in out
    for line in out.splitlines():
        if re.match(r"│ --(quiet|reason|validate|open|allow-update|allow-service|help)\b", line):
            assert "<" not in line, line


def test_build_help_shows_flag_pairs_and_typed_options():
    lines = {m.group(1): m.group(0) for m in re.finditer(r"│ (--[\w-]+).*", _help("build", "--help"))}
    assert re.search(r"--reason\s+--no-reason\s+Add OWL-RL inferences", lines["--reason"])
    assert re.search(r"--quiet\s+-q\s+Print nothing but the answer, warnings and errors\.", lines["--quiet"])
    assert "<path>" in lines["--out"] and "<str>" in lines["--endpoint"] and "<int range>" in lines["--jobs"]


# --------------------------------------------------------------------------- the store options, declared once


def _options(name: str) -> dict[str, str]:
    return {o: p.help for p in COMMANDS[name].params for o in getattr(p, "opts", []) if o.startswith("--")}


def test_every_reader_takes_the_same_store_options():
    shared = {"--store", "--endpoint", "--auth", "--token"}
    helps = [{o: h for o, h in _options(name).items() if o in shared} for name in (*READERS, "build")]
    assert all(h == helps[0] for h in helps) and set(helps[0]) == shared
    for name in READERS:
        assert "--graph" in _options(name) and "--update-endpoint" not in _options(name)
    assert {"--update-endpoint", "--graph-store"} <= set(_options("build")) and "--graph" not in _options("build")


def test_store_options_check_the_environment_when_no_option_names_the_graph():
    with pytest.raises(errors.KGError, match="^KG_ENDPOINT names no host"):
        StoreOptions().check(env={"KG_ENDPOINT": "http://"})
    with pytest.raises(errors.KGError, match="^KG_TOKEN cannot be sent in an HTTP header"):
        StoreOptions().check(env={"KG_ENDPOINT": "http://127.0.0.1:1/query", "KG_TOKEN": "a b"})
    StoreOptions(graph="x.ttl").check(env={"KG_ENDPOINT": "http://"})  # an option wins: nothing to check
    with pytest.raises(errors.KGError, match="^give one of --graph, --store, --endpoint, not --graph and --store"):
        StoreOptions(graph="x.ttl", store="db").check(env={})
    assert StoreOptions(store="db", auth="u:p").open_options() == {
        "store": "db", "endpoint": None, "update_endpoint": None, "graph_store": None, "auth": "u:p", "token": None}


# --------------------------------------------------------------------------- one error handler, one exit-code table


#: for each command: its arguments, and the library function it calls (patched to raise)
CALLS = {
    "build": (["--corpus", str(CORPUS), "--out", "{tmp}/kg.ttl"], "graph.build", "build_graph"),
    "query": (["memberships"], "graph.query", "get_query"),
    "queries": ([], "graph.query", "list_queries"),
    "export": (["--out", "{tmp}/kg.json", "--format", "json"], "graph.export", "to_networkx"),
    "view": (["--out", "{tmp}/kg.html"], "graph.view", "view_graph"),
    "validate": ([], "graph.validate_store", "validate_source"),
    "serve": ([], "graph.serve", "serve"),
    "explain": (["Finland joined NATO in 2023."], "graph.explain", "explain_text"),
}


def test_the_table_covers_every_command():
    assert sorted(CALLS) == sorted(COMMANDS)


@pytest.mark.parametrize("error, code", [("QueryTimeout", 3), ("ValidationFailed", 1), ("UnknownParameter", 2),
                                         ("KGError", 2)])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_command_turns_every_kg_error_into_its_line_and_exit_code(name, error, code, tmp_path, monkeypatch):
    import importlib

    from typer.testing import CliRunner

    from graph.validate import ValidationReport

    args, module, function = CALLS[name]
    cls = getattr(errors, error)
    exc = cls(ValidationReport((), shapes="s.ttl")) if cls is errors.ValidationFailed else cls("it went wrong")

    message = str(exc)

    def fail(*_args, **_kwargs):
        raise exc

    monkeypatch.setattr(importlib.import_module(module), function, fail)
    monkeypatch.chdir(tmp_path)  # the default graph, out/kg.ttl, is not there: no command gets past its call
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "kg.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    r = CliRunner().invoke(app, [name, *(a.format(tmp=tmp_path) for a in args)], env={"KG_STORE": None,
                                                                                      "KG_ENDPOINT": None})
    assert r.exit_code == code == errors.exit_code(exc), (r.exit_code, r.stdout, r.stderr, r.exception)
    if name == "build" and cls is errors.ValidationFailed:
        message += f"; nothing written to {tmp_path / 'kg.ttl'}"
    assert r.stderr.splitlines()[-1] == f"error: {message}"
    assert isinstance(r.exception, SystemExit) and "Traceback" not in r.stderr


# --------------------------------------------------------------------------- graph.publish


def _built(n_graphs: int = 2) -> SimpleNamespace:
    """A stand-in for a BuildResult: a spool of ``n_graphs`` project graphs of one triple each."""
    from graph.spool import QuadSpool

    spool = QuadSpool()
    for i in range(n_graphs):
        spool.add_graph(f"{GRAPH_NS}doc/d{i}", [f"<urn:s{i}> <urn:p> <urn:o> ."])
    return SimpleNamespace(spool=spool, summary=None, report=None, stages=Stages(), staged=None)


def test_publish_writes_a_file_and_a_store(tmp_path):
    out, db = tmp_path / "kg.nq", tmp_path / "db"
    report = publish(_built(), out=out, store=db)
    assert report == PublishReport(report.result, out, f"store {db}", 2, 0)
    assert report.described == str(out)
    assert sorted(out.read_text(encoding="utf-8").splitlines()) == [
        f"<urn:s{i}> <urn:p> <urn:o> <{GRAPH_NS}doc/d{i}> ." for i in range(2)]
    again = publish(_built(1), store=db)  # a rebuild without d1: its graph is dropped
    assert (again.out, again.graphs, again.dropped, again.described) == (None, 1, 1, f"store {db}")
    st = disk_store(db)
    try:
        assert st.graphs() == [f"{GRAPH_NS}doc/d0"]
    finally:
        st.close()


def test_publish_checks_and_locks_before_it_builds(tmp_path):
    calls = []
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(errors.KGError, match="is a file, not a folder"):
        publish(lambda: calls.append(1), out=a_file / "kg.ttl")
    with pytest.raises(errors.KGError, match="unknown output format '.xlsx'"):
        publish(lambda: calls.append(1), out=tmp_path / "kg.xlsx")
    with StoreLock(tmp_path / "db"), pytest.raises(errors.KGError, match="another `kg build` is writing this store"):
        publish(lambda: calls.append(1), store=tmp_path / "db")
    assert calls == []

    def build_while_locked():
        with pytest.raises(errors.KGError, match="another `kg build` is writing this store"):
            StoreLock(tmp_path / "db").acquire()
        calls.append("built")
        return _built()

    assert publish(build_while_locked, store=tmp_path / "db").graphs == 2 and calls == ["built"]


def test_publish_writes_nothing_when_the_build_fails_validation(tmp_path, monkeypatch):
    from graph.validate import ValidationReport

    monkeypatch.chdir(tmp_path)

    def invalid():
        raise errors.ValidationFailed(ValidationReport((), shapes="s.ttl"))

    for options, where in (({}, "out/kg.ttl"), ({"store": tmp_path / "db"}, "store")):
        with pytest.raises(errors.ValidationFailed) as caught:
            publish(invalid, **options)
        assert str(caught.value) == f"s.ttl: the graph does not conform to the shapes: 0 violations; nothing written to {where}"
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    with pytest.raises(errors.KGError, match="not opened for writing"):
        publish(_built(), graph="x.ttl")


def test_publish_module_examples():
    import doctest

    import graph.publish

    result = doctest.testmod(graph.publish, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result


# --------------------------------------------------------------------------- in a real process


def test_the_console_script_runs_kg():
    kg = Path(sys.executable).with_name("kg")
    assert kg.is_file(), f"{kg}: the console script is not installed (pip install -e .)"
    r = subprocess.run([str(kg), "--version"], capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"alliance-kg {version('alliance-kg')}\n", "")


def test_argv_bytes_that_are_not_utf8_are_a_one_line_error_in_a_process():
    r = subprocess.run([*KG, "explain", b"Finland joined NATO \xff."], cwd=ROOT, capture_output=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.decode() == "error: the text cannot be used: it is not UTF-8 (byte 0xff at character 21)\n"


@pytest.mark.parametrize("args", [["queries", "--tag", "contract"], ["query", "memberships", "-g", "missing.ttl"],
                                  ["build", "--corpus", "no-such-folder", "--out", "x.ttl"]])
def test_in_process_runs_give_what_a_process_gives(args, tmp_path):
    here, there = run_kg(*args, cwd=tmp_path), run_kg_process(*args, cwd=tmp_path)
    assert (here.returncode, here.stdout, here.stderr) == (there.returncode, there.stdout, there.stderr)
    assert here.stdout or here.stderr
