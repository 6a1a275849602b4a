"""The documentation is checked against the code: every `kg` command and option is in docs/cli.md,
every library query in docs/queries.md, every relative link (and its #anchor) resolves, the measured
part of docs/performance.md is what the benchmark runner writes from benchmarks/results.json, and the
`kg` commands of the README's shell blocks run, in order, in a fresh folder (in process)."""

from __future__ import annotations

import doctest
import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from graph.cli import app
from graph.query import list_queries

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MARKDOWN = [README, *sorted(DOCS.glob("*.md"))]
COMMANDS = typer.main.get_command(app).commands
FENCE = re.compile(r"^(```|~~~)")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _prose(text: str) -> list[str]:
    """The lines of a Markdown text outside fenced code blocks."""
    out, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            out.append(line)
    return out


def _section(text: str, heading: str) -> str:
    """The text under the line ``heading`` down to the next heading of the same or a higher level."""
    lines = text.splitlines()
    assert lines.count(heading) == 1, f"expected one heading {heading!r}, found {lines.count(heading)}"
    start = lines.index(heading)
    level = len(heading) - len(heading.lstrip("#"))
    end = next((i for i in range(start + 1, len(lines))
                if re.match(rf"#{{1,{level}}} ", lines[i]) and not _in_fence(lines, i)), len(lines))
    return "\n".join(lines[start + 1:end])


def _in_fence(lines: list[str], i: int) -> bool:
    return sum(1 for x in lines[:i] if FENCE.match(x.strip())) % 2 == 1


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.

    >>> slug("## Serving the graph: `kg serve`"), slug("### Any SPARQL 1.1 endpoint: `--endpoint URL`")
    ('serving-the-graph-kg-serve', 'any-sparql-11-endpoint---endpoint-url')
    """
    text = heading.lstrip("#").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file (a repeated one gets -1, -2, ...)."""
    seen: dict[str, int] = {}
    out = set()
    for line in _prose(path.read_text(encoding="utf-8")):
        if re.match(r"#{1,6} ", line):
            s = slug(line)
            n = seen.get(s, 0)
            out.add(s if n == 0 else f"{s}-{n}")
            seen[s] = n + 1
    return out


# --------------------------------------------------------------------------- docs/cli.md


def test_cli_md_has_a_section_for_every_command_and_no_other():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    documented = re.findall(r"^## `kg ([\w-]+)`$", text, re.M)
    assert sorted(documented) == sorted(COMMANDS)
    assert len(COMMANDS) >= 8


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_cli_md_names_every_option_of_the_command(name):
    section = _section((DOCS / "cli.md").read_text(encoding="utf-8"), f"## `kg {name}`")
    params = COMMANDS[name].params
    expected = set()
    for p in params:
        if p.param_type_name == "argument":
            expected.add(f"`{p.name.upper()}`")
        else:
            expected.update(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
    missing = sorted(x for x in expected if x not in section)
    assert not missing, f"docs/cli.md, kg {name}: not documented: {missing}"
    # and the option table names no option the command does not have
    real = {o for p in params for o in [*getattr(p, "opts", []), *getattr(p, "secondary_opts", [])]}
    table = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    stale = sorted(o for cell in table for o in re.findall(r"`(-[-\w]+)`", cell) if o not in real)
    assert table and not stale, f"docs/cli.md, kg {name}: options that do not exist: {stale}"


# --------------------------------------------------------------------------- docs/queries.md


def test_queries_md_describes_every_library_query_and_no_other():
    text = (DOCS / "queries.md").read_text(encoding="utf-8")
    library = list_queries()
    assert len(library) >= 11
    described = re.findall(r"^### `([\w-]+)`$", _section(text, "## The queries"), re.M)
    assert sorted(described) == sorted(q.name for q in library)
    for q in library:
        section = _section(text, f"### `{q.name}`")
        assert q.summary in section, f"docs/queries.md, {q.name}: the summary of its .rq file is not there"
        for p in q.params:
            assert f"`{p.name}` ({p.kind}, {'required' if p.required else 'optional'};" in section, (q.name, p.name)
        if not q.params:
            assert "Parameters: none." in section, q.name
        # the overview table links to it too
        assert f"[`{q.name}`](#{q.name})" in text, q.name


# --------------------------------------------------------------------------- links


def _links(path: Path) -> list[str]:
    prose = "\n".join(_prose(path.read_text(encoding="utf-8")))
    prose = re.sub(r"``[^`]*``|`[^`\n]*`(?!\])", "", prose)  # code spans, but not link text in backticks
    return LINK.findall(prose)


def test_markdown_files_are_found():
    names = {p.name for p in MARKDOWN}
    assert {"README.md", "cli.md", "queries.md", "extraction.md", "data-model.md", "stores.md",
            "reasoning-validation.md", "performance.md", "network.md"} <= names


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_an_existing_file_and_heading(path):
    links = _links(path)
    if path == README:
        assert len(links) >= 10
    bad = []
    for target in links:
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if not dest.exists():
            bad.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            bad.append(f"{target}: no heading #{anchor} in {dest.relative_to(ROOT)}")
    assert not bad, f"{path.relative_to(ROOT)}: {bad}"


def test_slug_and_link_finder():
    assert doctest.run_docstring_examples(slug, {"slug": slug}) is None
    assert slug("## `kg build`") == "kg-build"
    assert anchors(DOCS / "cli.md") >= {"kg-build", "kg-query", "kg-serve"}
    tmp = "[a](x.md) `[b](y.md)` ![c](docs/network.png) [`d`](#e) [w](https://example.org)"
    assert LINK.findall(re.sub(r"``[^`]*``|`[^`\n]*`(?!\])", "", tmp)) == ["x.md", "docs/network.png", "#e",
                                                                            "https://example.org"]


# --------------------------------------------------------------------------- docs/performance.md


def test_performance_md_holds_what_the_runner_writes_from_results_json():
    from benchmarks.perfdoc import render_doc
    from benchmarks.report import goals

    res = json.loads((ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    res["goals"] = goals(res)
    current = (DOCS / "performance.md").read_text(encoding="utf-8")
    assert render_doc(res, current) == current, (
        "docs/performance.md: the generated part differs from `python -m benchmarks.run --markdown "
        "--from-results benchmarks/results.json`; run it (and edit benchmarks/perfdoc.py, not the table)")
    assert "| 10,000 | 18.1 | 452.5ms | 119 | 84 | 5.97 | 80 |" in current  # the run in results.json
    assert "- met: cold `kg build` of corpus/ under 2 s: median 1.81 s" in current


def test_markdown_option_rewrites_only_the_generated_part(tmp_path, capsys):
    from benchmarks import run

    doc = tmp_path / "perf.md"
    doc.write_text("# Mine\n\nkept before\n<!-- BEGIN generated x -->\nold table\n<!-- END generated -->\nkept after\n",
                   encoding="utf-8")
    assert run.main(["--markdown", "--from-results", str(ROOT / "benchmarks" / "results.json"),
                     "--markdown-file", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Mine\n\nkept before\n<!-- BEGIN generated x -->\n\n*The run, started 2026-11-28")
    assert text.endswith("\n<!-- END generated -->\nkept after\n")
    assert "old table" not in text and "### Queries" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["perf.md"]  # no temporary file left
    assert capsys.readouterr().out == f"wrote {doc}\n"


def test_markdown_option_refuses_a_file_without_markers_and_a_bad_results_file(tmp_path, capsys):
    from benchmarks import run

    doc = tmp_path / "notes.md"
    doc.write_text("# Hand-written\n", encoding="utf-8")
    results = str(ROOT / "benchmarks" / "results.json")
    assert run.main(["--markdown", "--from-results", results, "--markdown-file", str(doc)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {doc}: expected one '<!-- BEGIN generated' line") and err.count("\n") == 1
    assert doc.read_text(encoding="utf-8") == "# Hand-written\n"
    bad = tmp_path / "r.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    assert run.main(["--from-results", str(bad)]) == 2
    assert capsys.readouterr().err == f"error: {bad}: not a results file of benchmarks.run (no 'machine' entry)\n"
    assert run.main(["--from-results", str(tmp_path / "missing.json")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'missing.json'}: cannot read: No such file or directory\n"


@pytest.mark.parametrize("module", ["benchmarks.perfdoc", "benchmarks.report", "benchmarks.workers"])
def test_benchmark_module_examples(module):
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0, result


# --------------------------------------------------------------------------- the README's commands


def readme_commands() -> list[list[str]]:
    """The arguments of every `kg` (or `.venv/bin/kg`) line of the README's shell blocks, in order."""
    out, lang = [], None
    for line in README.read_text(encoding="utf-8").splitlines():
        m = FENCE.match(line.strip())
        if m:
            lang = None if lang is not None else (line.strip()[3:].strip() or "text")
            continue
        if lang in ("sh", "bash", "shell") and re.match(r"(\.venv/bin/)?kg ", line.strip()):
            words = shlex.split(line.strip(), comments=True)
            assert not {"&&", "|", ";", ">"} & set(words), f"README: one command per line, please: {line}"
            out.append(words[1:])
    return out


def test_the_readme_commands_run_in_order_in_a_fresh_folder(tmp_path, monkeypatch):
    commands = readme_commands()
    assert ["build"] in commands and ["view"] in commands and len(commands) >= 10
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    for var in ("KG_STORE", "KG_ENDPOINT", "KG_UPDATE_ENDPOINT", "KG_GRAPH_STORE", "KG_AUTH", "KG_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()
    for args in commands:
        result = runner.invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, f"kg {shlex.join(args)} -> exit {result.exit_code}: {result.output}"
        if args[:2] == ["query", "shared-bases"]:
            assert "Incirlik Air Base" in result.output and "3 rows" in result.output
    assert (tmp_path / "out" / "kg.ttl").is_file() and (tmp_path / "out" / "network.html").is_file()
    assert (tmp_path / "out" / "turkey.html").is_file() and (tmp_path / "out" / "kg.db").is_dir()
