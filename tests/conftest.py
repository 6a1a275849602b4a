"""Shared fixtures: the graph built from corpus/ once per test session."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
KG = [sys.executable, "-m", "graph.cli"]


@dataclass
class KGRun:
    """A `kg` run as subprocess.CompletedProcess (text mode) gives it, and stdout as written (bytes)."""

    args: list
    returncode: int
    stdout: str
    stderr: str
    stdout_bytes: bytes = b""


def _as_text_mode(data: bytes) -> str:
    """Bytes as a text-mode pipe reads them: UTF-8, universal newlines (a CSV's CRLF becomes LF)."""
    return data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")


class _StderrNow(logging.Handler):
    """What logging prints in a `kg` process (its last-resort handler): WARNING and up, to stderr."""

    def emit(self, record):
        sys.stderr.write(self.format(record) + "\n")


def run_kg(*args, cwd=None, input=None, env=None):
    """Run the `kg` CLI in this process (typer's CliRunner) as the command `kg ARGS` in the folder
    ``cwd`` (default the project folder) with ``env`` added to the environment (and COLUMNS=200 unless
    set); returns a :class:`KGRun`. An exception that escapes the command is printed to stderr with its
    traceback and gives status 1, as in a process. `kg serve` (servers, signal handlers) runs as a
    process: :func:`run_kg_process`."""
    args = [str(a) for a in args]
    if args[:1] == ["serve"]:
        return run_kg_process(*args, cwd=cwd, input=input, env=env)
    from typer.testing import CliRunner

    from graph.cli import app

    overrides = {"COLUMNS": os.environ.get("COLUMNS", "200"), **(env or {})}
    handler = _StderrNow(logging.WARNING)
    before = os.getcwd()
    os.chdir(cwd or ROOT)
    logging.getLogger().addHandler(handler)
    try:
        r = CliRunner().invoke(app, args, input=input, env=overrides, prog_name="kg")
    finally:
        logging.getLogger().removeHandler(handler)
        os.chdir(before)
    stderr = _as_text_mode(r.stderr_bytes)
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*r.exc_info))
    return KGRun(args, r.exit_code, _as_text_mode(r.stdout_bytes), stderr, r.stdout_bytes)


def run_kg_process(*args, cwd=None, input=None, env=None):
    """Run the `kg` CLI as a subprocess (`python -m graph.cli`); returns CompletedProcess (text mode).
    For what needs a real process: signals, closed standard streams, `kg serve`, argv as bytes."""
    e = dict(os.environ)
    e.setdefault("COLUMNS", "200")
    if env:
        e.update(env)
    return subprocess.run([*KG, *map(str, args)], cwd=cwd or ROOT, capture_output=True, text=True,
                          input=input, env=e, timeout=300)


@pytest.fixture
def edge_with_35_sentences():
    """A two-node graph whose one edge has 35 evidence sentences, more than the page embeds per edge."""
    import networkx as nx

    G = nx.MultiDiGraph()
    G.add_node("a", label="Base A", type="MilitaryBase")
    G.add_node("b", label="Country B", type="Country")
    evidence = [{"quote": f"Sentence {i}.", "path": f"d{i:02}.md", "start": 0, "end": 12, "evidence": f"ev{i}"}
                for i in range(35)]
    G.add_edge("a", "b", key="hostsForcesOf", relation="hostsForcesOf", label="hosts forces of", evidence=evidence)
    return G


@pytest.fixture(scope="session")
def built_graph(tmp_path_factory) -> Path:
    """out/kg.ttl built from corpus/ into a temporary folder (Turtle, the default format)."""
    out = tmp_path_factory.mktemp("built") / "kg.ttl"
    r = run_kg("build", "--corpus", CORPUS, "--out", out)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="session")
def built_trig(tmp_path_factory) -> Path:
    """The same graph as TriG, with one named graph per document."""
    out = tmp_path_factory.mktemp("built") / "kg.trig"
    r = run_kg("build", "--corpus", CORPUS, "--out", out)
    assert r.returncode == 0, r.stderr
    return out


# --------------------------------------------------------------------------- an Oxigraph server on loopback


from benchmarks.servers import free_port, start_oxigraph, stop  # noqa: E402,F401 (the tests import them from here)

#: a value for each required parameter of the query library (and the optional ones, once), for the
#: tests that run every library query on an engine
LIBRARY_PARAMS = {
    "bases-shared-with": {"partner": "United States"},
    "memberships-of": {"member": "Turkey"},
    "entity-facts": {"entity_iri": "akr:germany"},
    "entity-subgraph": {"entity_iri": "akr:turkey"},
}
OPTIONAL_PARAMS = [("bases-by-country", {"country": "Qatar"}), ("evidence", {"entity_iri": "akr:incirlik-air-base"})]
#: bases hosting a given partner's forces: the VALUES block must sit inside the WHERE, under the COUNT
COUNT_BOUND = """SELECT (COUNT(DISTINCT ?base) AS ?n) WHERE {
  ?base akg:hostsForcesOf ?partner . ?partner rdfs:label|skos:altLabel ?_partner
}"""
HOSTILE = 'x" } ; DELETE WHERE { ?s ?p ?o } #'


def library_cases() -> list[tuple[str, dict]]:
    """(query name, parameters) for every library query, then the optional parameters once each."""
    from graph.query import list_queries

    return [(q.name, LIBRARY_PARAMS.get(q.name, {})) for q in list_queries()] + OPTIONAL_PARAMS


# --------------------------------------------------------------------------- browser (network page tests)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright; missing browser: fail under CI=true, else skip."""
    if not CHROMIUM.exists():
        msg = f"{CHROMIUM} is missing: install Debian's chromium (`make browser`) to run the browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def generated_corpus_200(tmp_path_factory):
    """200 generated documents (benchmarks.generate): a build whose write phase takes a moment
    (about 66,000 triples), for the kill tests of --out and --store."""
    from benchmarks.generate import generate_corpus

    out = tmp_path_factory.mktemp("c200")
    generate_corpus(out, 200)
    return out / "corpus"
