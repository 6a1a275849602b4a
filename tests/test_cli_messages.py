"""The CLI says what it is doing and why an answer is empty (issue [5 of 7]): hints for parameter values
that match no entity (--strict makes them errors), an empty page said so, labels-only tables, formats in
any case, -v/-q on every command, --open without a browser."""

from __future__ import annotations

import pytest

from conftest import run_kg


def test_a_value_that_matches_no_entity_is_a_warning_naming_the_closest(built_graph):
    r = run_kg("query", "entity-facts", "-p", "entity_iri=akr:turkye", "-g", built_graph, "-f", "csv")
    assert r.returncode == 0
    assert r.stdout == "direction,property,value,valueLabel,document,inferred\n"
    assert r.stderr == "warning: no entity 'akr:turkye'; did you mean akr:turkey (Turkey) or akr:qatar (Qatar)?\n"


def test_strict_makes_it_an_error_with_exit_1(built_graph):
    r = run_kg("query", "bases-shared-with", "-p", "partner=Germny", "-g", built_graph, "--strict")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == "error: parameter 'partner': no entity is named 'Germny'; did you mean 'Germany' (akr:germany)?\n"


def test_a_value_that_matches_says_nothing(built_graph):
    r = run_kg("query", "bases-shared-with", "-p", "partner=germany", "-g", built_graph, "-f", "csv", "--strict")
    assert r.returncode == 0 and r.stderr == "" and "Incirlik Air Base" in r.stdout


def test_an_empty_page_is_said_so(built_graph, tmp_path):
    r = run_kg("view", "-g", built_graph, "--query", "bases-shared-with", "-p", "partner=Narnia", "-o", tmp_path / "v.html")
    assert r.returncode == 0
    assert "warning: the query 'bases-shared-with' with partner=Narnia selects no entity: the page will be empty" in r.stderr
    r = run_kg("view", "-g", built_graph, "--query", "bases-shared-with", "-p", "partner=Narnia", "--strict",
               "-o", tmp_path / "w.html")
    assert r.returncode == 1 and not (tmp_path / "w.html").exists()


def test_labels_only_tables(built_graph):
    r = run_kg("query", "shared-bases", "-g", built_graph, "--labels")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert "akr:" not in r.stdout and "baseLabel" not in r.stdout
    assert any("base" in line and "host" in line and "partner" in line for line in lines[:4])
    assert any("Incirlik Air Base" in line and "Turkey" in line and "Germany" in line for line in lines)


def test_labels_only_is_the_default_when_the_iris_would_not_fit(built_graph):
    narrow = run_kg("query", "shared-bases", "-g", built_graph, env={"COLUMNS": "60"}).stdout
    assert max(len(line) for line in narrow.splitlines()) <= 60
    assert "akr:" not in narrow and "Prince Sultan Air Base" in narrow  # a table, labels only, not blocks
    wide = run_kg("query", "shared-bases", "-g", built_graph, env={"COLUMNS": "120"}).stdout
    assert "akr:prince-sultan-air-base" in wide  # labels over compact IRIs when they fit
    assert "akr:prince-sultan-air-base" in run_kg("query", "shared-bases", "-g", built_graph, "--iris",
                                                  env={"COLUMNS": "60"}).stdout


@pytest.mark.parametrize("fmt", ["CSV", "Csv"])
def test_format_in_any_case(built_graph, fmt):
    r = run_kg("query", "shared-bases", "-g", built_graph, "-f", fmt)
    assert r.returncode == 0 and r.stdout.startswith("base,baseLabel,host,hostLabel,partner,partnerLabel\n")


def test_verbose_logs_what_is_done_and_quiet_prints_only_errors(built_graph, tmp_path):
    r = run_kg("query", "shared-bases", "-g", built_graph, "-f", "csv", "-vv")
    assert r.returncode == 0
    assert "graph.query.run: query shared-bases ran in" in r.stderr
    assert "graph.query.run: query shared-bases: select answer, 3 rows" in r.stderr
    r = run_kg("query", "shared-bases", "-g", built_graph, "-f", "csv")
    assert r.stderr == ""
    r = run_kg("export", "-g", built_graph, "-o", tmp_path / "g.graphml", "-q")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "" and (tmp_path / "g.graphml").exists()
    r = run_kg("query", "entity-facts", "-p", "entity_iri=akr:turkye", "-g", built_graph, "-q", "-f", "csv")
    assert r.stderr.startswith("warning: no entity 'akr:turkye'")  # a warning is about the answer: kept
    assert r.stdout.startswith("direction,")


@pytest.mark.parametrize("command", ["build", "query", "queries", "export", "view", "validate", "serve", "explain"])
def test_every_command_takes_verbose_and_quiet(command):
    r = run_kg(command, "--help")
    assert r.returncode == 0 and "--verbose" in r.stdout and "--quiet" in r.stdout


def test_open_without_a_browser_says_so(built_graph, tmp_path, monkeypatch):
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda *a, **k: False)
    r = run_kg("view", "-g", built_graph, "-o", tmp_path / "n.html", "--open")
    assert r.returncode == 0
    assert f"warning: no web browser found to open the page; open {tmp_path / 'n.html'} yourself" in r.stderr


def test_build_says_how_long_each_stage_took_and_logs_them_with_verbose(tmp_path):
    from conftest import CORPUS

    r = run_kg("build", "--corpus", CORPUS, "--out", tmp_path / "kg.ttl", "--no-cache")
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("stages: "))
    assert [part.split(" ")[0] for part in line[len("stages: "):].split(", ")] == [
        "read", "extract", "merge", "reason", "validate", "write"]
    r = run_kg("build", "--corpus", CORPUS, "--out", tmp_path / "kg.ttl", "-v")
    for stage in ("read", "extract", "merge and RDF", "reason", "validate", "write"):
        assert f"graph.stages: {stage}: " in r.stderr
    assert "read 0 documents, 2 from the cache" in r.stdout  # the second build takes both from the cache


@pytest.mark.parametrize("flag, expected", [("--overview", True), ("--no-overview", False)])
def test_kg_view_takes_the_overview_switch(built_graph, tmp_path, flag, expected):
    import json
    import re

    r = run_kg("view", "-g", built_graph, "-o", tmp_path / "n.html", flag)
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "n.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S).group(1))
    assert data["overview"] is expected  # the demo graph opens on every node by default (28 nodes)
