"""The graph behind a real SPARQL 1.1 endpoint: the Oxigraph server (`oxigraph serve`), and `kg serve`.

Each server runs on a free loopback port, is waited for with a bounded poll and is always stopped
in teardown. `kg build --endpoint` writes the documents' named graphs with the Graph Store Protocol
(or SPARQL Update); the whole query library must then answer through `--endpoint` exactly as it
does in process on the TriG file the same build wrote.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from threading import Thread

import pytest

from graph.errors import KGError
from graph.query import list_queries, load_store, run_query
from graph.serve import find_oxigraph, server_command, wait_ready
from graph.store import EndpointStore, _strip_lateral, derived_urls, open_store

from conftest import CORPUS, KG, ROOT, run_kg

#: a value for each required parameter of the library (and the optional ones, once)
PARAMS = {
    "bases-shared-with": {"partner": "United States"},
    "memberships-of": {"member": "Turkey"},
    "entity-facts": {"entity_iri": "akr:germany"},
    "entity-subgraph": {"entity_iri": "akr:turkey"},
}
OPTIONAL = [("bases-by-country", {"country": "Qatar"}), ("evidence", {"entity_iri": "akr:incirlik-air-base"})]
LIBRARY = [(q.name, PARAMS.get(q.name, {})) for q in list_queries()] + OPTIONAL

#: bases hosting a given partner's forces: the VALUES block must sit inside the WHERE, under the COUNT
COUNT_BOUND = """SELECT (COUNT(DISTINCT ?base) AS ?n) WHERE {
  ?base akg:hostsForcesOf ?partner . ?partner rdfs:label|skos:altLabel ?_partner
}"""
HOSTILE = 'x" } ; DELETE WHERE { ?s ?p ?o } #'
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_oxigraph(location: Path, union: bool = True):
    """`oxigraph serve` (writable) on a free loopback port; returns (process, query URL)."""
    port = free_port()
    cmd = server_command(find_oxigraph(), location, "127.0.0.1", port, timeout=60, writable=True)
    if not union:
        cmd.remove("--union-default-graph")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        wait_ready(proc, url, deadline_s=20)
    except BaseException:
        stop(proc)
        raise
    return proc, url


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A writable Oxigraph server with the union default graph, holding `kg build --endpoint` of corpus/,
    and the TriG file the same build wrote."""
    tmp = tmp_path_factory.mktemp("endpoint")
    proc, url = start_oxigraph(tmp / "db")
    try:
        trig = tmp / "kg.trig"
        r = run_kg("build", "--corpus", CORPUS, "--endpoint", url, "--out", trig)
        assert r.returncode == 0, r.stderr
        assert "5 named graphs replaced" in r.stdout
        yield url, trig
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def remote(server):
    return EndpointStore(server[0])


@pytest.fixture(scope="module")
def local(server):
    return load_store(server[1])


@pytest.fixture(scope="module")
def merged(built_graph):
    return load_store(built_graph)


def count(store, text=COUNT_ALL) -> int:
    return run_query(store, text).rows()[0]["n"]


# --------------------------------------------------------------------------- the library, same rows


def test_build_wrote_every_named_graph(remote, local):
    assert remote.graphs() == sorted(g.value for g in local.named_graphs())
    assert remote.graphs() == [
        "https://w3id.org/alliance-kg/graph/doc/shared-military-bases",
        "https://w3id.org/alliance-kg/graph/doc/strategic-military-alliances",
        "https://w3id.org/alliance-kg/graph/entities",
        "https://w3id.org/alliance-kg/graph/inferred",
        "https://w3id.org/alliance-kg/graph/ontology",
    ]
    assert count(remote, COUNT_QUADS) == len(local) == count(remote)


@pytest.mark.parametrize("name, params", LIBRARY, ids=[f"{n}{'+' if i >= len(LIBRARY) - 2 else ''}"
                                                         for i, (n, _) in enumerate(LIBRARY)])
def test_library_query_gives_the_same_answer_through_the_endpoint(remote, local, merged, name, params):
    here = run_query(local, name, params)
    there = run_query(remote, name, params)
    assert there.kind == here.kind
    assert run_query(merged, name, params).data == here.data  # the Turtle file (graphs merged) agrees too
    if here.kind == "graph":
        assert there.data == here.data and there.data  # sorted N-Triples, byte for byte
    else:
        assert there.variables == here.variables
        assert there.rows() == here.rows() and here.rows()


@pytest.mark.parametrize("name", ["entity-facts", "entity-subgraph"])
def test_lateral_queries_have_a_portable_form_with_the_same_answer(server, local, name):
    """Engines without SPARQL 1.2 LATERAL get the same query without it (the client retries on HTTP 400)."""
    portable = EndpointStore(server[0])
    portable._lateral = False  # as after an engine refused LATERAL
    here = run_query(local, name, PARAMS[name])
    there = run_query(portable, name, PARAMS[name])
    assert (there.data if here.kind == "graph" else there.rows()) == (here.data if here.kind == "graph" else here.rows())


def test_strip_lateral_keeps_strings_and_iris():
    text = 'SELECT * WHERE { LATERAL { ?s ?p "LATERAL {" } <urn:LATERAL> ?q ?o }'
    assert _strip_lateral(text) == 'SELECT * WHERE {  { ?s ?p "LATERAL {" } <urn:LATERAL> ?q ?o }'


def test_the_cli_prints_the_same_csv_for_every_library_query(server, local):
    url, _ = server
    for name, params in LIBRARY:
        args = [a for k, v in params.items() for a in ("--param", f"{k}={v}")]
        fmt = "ntriples" if name == "entity-subgraph" else "csv"
        r = run_kg("query", name, *args, "--endpoint", url, "--format", fmt)
        assert r.returncode == 0, (name, r.stderr)
        expected = run_query(local, name, params).serialize(fmt).decode("utf-8").replace("\r\n", "\n")
        assert r.stdout.rstrip("\n") == expected.rstrip("\n"), name  # (text mode reads CSV's CRLF as LF)


def test_bound_count_is_right_on_file_and_endpoint(remote, local):
    for store in (local, remote):
        assert run_query(store, COUNT_BOUND, {"partner": "United States"}).rows() == [{"n": 2}]
        assert run_query(store, COUNT_BOUND, {"partner": "Germany"}).rows() == [{"n": 1}]
        assert run_query(store, COUNT_BOUND, {"partner": "Narnia"}).rows() == [{"n": 0}]


def test_hostile_parameter_changes_nothing_on_a_writable_server(server, remote):
    url, _ = server
    before = count(remote)
    assert before > 1000
    r = run_kg("query", "bases-shared-with", "--param", f"partner={HOSTILE}", "--endpoint", url, "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "base,baseLabel,host,hostLabel,partner,partnerLabel"
    assert run_query(remote, COUNT_BOUND, {"partner": HOSTILE}).rows() == [{"n": 0}]
    assert count(remote) == before


def test_updates_are_refused_by_kg_query_on_an_endpoint(server, remote):
    before = count(remote)
    r = run_kg("query", "-e", "DELETE WHERE { ?s ?p ?o }", "--allow-update", "--endpoint", server[0])
    assert r.returncode == 2
    assert "opened for reading only" in r.stderr
    assert count(remote) == before


def test_view_export_validate_through_the_endpoint(server, tmp_path):
    url, trig = server
    for cmd, ext in (("view", "html"), ("export", "graphml")):
        a, b = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
        ra = run_kg(cmd, "--endpoint", url, "--out", a)
        rb = run_kg(cmd, "--graph", trig, "--out", b)
        assert ra.returncode == 0 and rb.returncode == 0, ra.stderr + rb.stderr
        assert a.read_bytes() == b.read_bytes(), cmd
        assert "28 nodes, 26 edges" in ra.stdout
    r = run_kg("validate", "--endpoint", url)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith(f"endpoint {url} conforms: 0 violations, 0 warnings")


def test_endpoint_from_the_environment(server, local):
    r = run_kg("query", "shared-bases", "--format", "csv", env={"KG_ENDPOINT": server[0]})
    assert r.returncode == 0, r.stderr
    expected = run_query(local, "shared-bases").serialize("csv").decode().replace("\r\n", "\n")
    assert r.stdout.rstrip("\n") == expected.rstrip("\n")


# --------------------------------------------------------------------------- writing, rebuilding, errors


def test_sparql_update_fallback_and_a_server_without_union_default_graph(tmp_path, local):
    """Written with DROP SILENT GRAPH + INSERT DATA (no Graph Store URL); a default graph that is not
    the union is reported instead of answering with nothing."""
    proc, url = start_oxigraph(tmp_path / "db", union=False)
    try:
        r = run_kg("build", "--corpus", CORPUS, "--endpoint", url, "--update-endpoint", url.replace("/query", "/update"))
        assert r.returncode == 0, r.stderr
        r = run_kg("build", "--corpus", CORPUS, "--endpoint", url, "--update-endpoint", url.replace("/query", "/update"))
        assert r.returncode == 0, r.stderr  # rebuilt: graphs replaced, not duplicated
        store = EndpointStore(url, url.replace("/query", "/update"))
        assert store.graph_store is None
        quads = store.query(COUNT_QUADS, use_default_graph_as_union=False)  # no union-graph check
        assert int(next(iter(quads))["n"].value) == len(local)
        r = run_kg("query", "shared-bases", "--endpoint", url)
        assert r.returncode == 2
        assert "is not the union of its named graphs" in r.stderr and "--union-default-graph" in r.stderr
    finally:
        stop(proc)


def test_unreachable_endpoint_and_bad_options():
    port = free_port()
    r = run_kg("query", "shared-bases", "--endpoint", f"http://127.0.0.1:{port}/query")
    assert r.returncode == 2 and r.stderr.startswith("error: cannot reach the SPARQL endpoint"), r.stderr
    r = run_kg("query", "shared-bases", "--endpoint", "ftp://x/query")
    assert r.returncode == 2 and "http:// or https:// URL" in r.stderr
    r = run_kg("query", "shared-bases", "--endpoint", f"http://127.0.0.1:{port}/query", "--graph", "out/kg.ttl")
    assert r.returncode == 2 and "give one of --graph, --store, --endpoint" in r.stderr
    with pytest.raises(KGError, match="not both"):
        EndpointStore("http://127.0.0.1:1/query", auth="a:b", token="t")


def test_derived_urls_for_other_engines():
    assert derived_urls("http://127.0.0.1:7878/query") == ("http://127.0.0.1:7878/update", "http://127.0.0.1:7878/store")
    assert derived_urls("http://host:3030/kg/sparql") == ("http://host:3030/kg/update", "http://host:3030/kg/data")
    assert derived_urls("http://host:8890/sparql") == ("http://host:8890/sparql", None)


class _Recorder(BaseHTTPRequestHandler):
    """A stand-in endpoint that records what the client sends and answers one empty result."""

    seen: list = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Recorder.seen.append((self.path, dict(self.headers), body.decode("utf-8")))
        data = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": []}}).encode()
        if "ASK" in body.decode("utf-8"):
            data = json.dumps({"head": {}, "boolean": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("opts, header", [({"auth": "alice:s3cret"}, "Basic YWxpY2U6czNjcmV0"),
                                          ({"token": "T0K"}, "Bearer T0K")])
def test_credentials_and_protocol_headers(opts, header):
    httpd = HTTPServer(("127.0.0.1", 0), _Recorder)
    Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        _Recorder.seen.clear()
        url = f"http://127.0.0.1:{httpd.server_port}/ds/sparql"
        store = open_store(endpoint=url, env={}, **opts)
        assert run_query(store, COUNT_BOUND, {"partner": "Germany"}).rows() == []
        path, headers, body = _Recorder.seen[-1]
        assert path == "/ds/sparql"
        assert headers["Authorization"] == header
        assert headers["Content-Type"] == "application/sparql-query"
        assert headers["Accept"] == "application/sparql-results+json"
        # the parameter travels as a serialised literal in a VALUES block inside the WHERE
        assert 'WHERE { VALUES (?_partner) { ("Germany") }' in body
    finally:
        httpd.shutdown()
        httpd.server_close()


class _DigestOnly(_Recorder):
    """A stand-in for Virtuoso's /sparql-auth: HTTP Digest only (a Basic header is answered 401)."""

    def do_POST(self):  # noqa: N802 - http.server API
        if not self.headers.get("Authorization", "").startswith("Digest "):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            _Recorder.seen.append((self.path, dict(self.headers), ""))
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Digest realm="SPARQL", nonce="n0nce", qop="auth", algorithm="MD5"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_POST()


def test_digest_authentication_when_the_server_asks_for_it():
    httpd = HTTPServer(("127.0.0.1", 0), _DigestOnly)
    Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        _Recorder.seen.clear()
        url = f"http://127.0.0.1:{httpd.server_port}/sparql-auth"
        store = EndpointStore(url, auth="dba:s3cret", read_only=False)
        store.update("DROP SILENT GRAPH <urn:g>")
        (_, first, _), (_, second, body) = _Recorder.seen
        assert first["Authorization"].startswith("Basic ")
        assert second["Authorization"].startswith('Digest username="dba", realm="SPARQL", nonce="n0nce"')
        assert body == "DROP SILENT GRAPH <urn:g>"  # the request body is sent again with the answer
    finally:
        httpd.shutdown()
        httpd.server_close()


# --------------------------------------------------------------------------- kg serve


def _start_kg_serve(args, env):
    port = free_port()
    proc = subprocess.Popen([*KG, "serve", *args, "--bind", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 60
    first = ""
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            line = proc.stdout.readline()  # the server prints its URL once it answers
            if line.startswith("SPARQL endpoint"):
                first = line
                break
        assert first.strip() == f"SPARQL endpoint (read-only): {url}", proc.stderr.read() if proc.poll() else first
    except BaseException:
        proc.kill()
        proc.wait(timeout=10)
        raise
    return proc, url


def _http_status(req) -> int:
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("source", ["graph", "store"])
def test_kg_serve_answers_refuses_updates_and_stops_cleanly_on_ctrl_c(server, built_graph, tmp_path, source):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir), "COLUMNS": "200"}
    if source == "store":
        db = tmp_path / "db"
        assert run_kg("build", "--corpus", CORPUS, "--store", db, "-q").returncode == 0
        args = ["--store", str(db)]
    else:
        args = ["--graph", str(built_graph)]
    proc, url = _start_kg_serve(args, env)
    try:
        served = EndpointStore(url)
        local = load_store(built_graph)
        n = count(served)
        assert n >= len(local)  # a store folder's union graph repeats what two documents both state
        assert run_query(served, "shared-bases").rows() == run_query(local, "shared-bases").rows()
        assert run_query(served, COUNT_BOUND, {"partner": "United States"}).rows() == [{"n": 2}]
        base = url.rsplit("/", 1)[0]
        update = urllib.request.Request(base + "/update", data=b"DELETE WHERE { ?s ?p ?o }", method="POST",
                                        headers={"Content-Type": "application/sparql-update"})
        assert _http_status(update) == 403
        put = urllib.request.Request(base + "/store?graph=urn%3Ax", data=b"<urn:a> <urn:b> <urn:c> .\n",
                                     method="PUT", headers={"Content-Type": "application/n-triples"})
        assert _http_status(put) == 403
        hostile = run_kg("query", "bases-shared-with", "--param", f"partner={HOSTILE}", "--endpoint", url)
        assert hostile.returncode == 0, hostile.stderr
        assert count(served) == n
        if source == "graph":
            assert [p.name for p in tmpdir.iterdir()][0].startswith("kg-serve-")  # the temporary store
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=10)
            raise
    assert proc.returncode == 0, err
    assert "Stopped." in out
    assert list(tmpdir.iterdir()) == []  # temporary store and log removed
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2)


def test_kg_serve_restarts_the_server_after_a_crashing_request(built_graph, tmp_path):
    """Issue 14: one 6 KB form POST nested 3,000 braces deep aborted Oxigraph and nothing restarted it.

    Requests still reach Oxigraph unchecked (kg serve has no front yet), so the request may crash
    it; kg serve then says so on stderr and starts it again on the same port.
    """
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir), "COLUMNS": "200"}
    proc, url = _start_kg_serve(["--graph", str(built_graph)], env)
    try:
        deep = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000
        form = urllib.parse.urlencode({"query": deep}).encode()
        try:
            urllib.request.urlopen(urllib.request.Request(url, data=form, headers={
                "Content-Type": "application/x-www-form-urlencoded"}), timeout=10).read()
        except (urllib.error.URLError, ConnectionError, OSError):
            pass  # the server died under the request
        served = EndpointStore(url)
        deadline = time.monotonic() + 30
        while True:
            try:
                assert count(served) > 0
                break
            except (KGError, AssertionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=10)
            raise
    assert proc.returncode == 0, err
    lines = err.splitlines()
    assert any(line.startswith("warning: the Oxigraph server stopped (killed by SIG") and
               line.endswith("; restarting it") for line in lines), err
    assert f"the Oxigraph server answers again on {url}" in lines
    assert list(tmpdir.iterdir()) == []


def test_kg_serve_errors(tmp_path):
    r = run_kg("serve", "--graph", tmp_path / "missing.ttl", "--bind", f"127.0.0.1:{free_port()}")
    assert r.returncode == 2 and "graph file not found" in r.stderr
    r = run_kg("serve", "--bind", "nonsense")
    assert r.returncode == 2 and "--bind takes HOST:PORT" in r.stderr
    r = run_kg("serve", "--store", tmp_path / "nope")
    assert r.returncode == 2 and "store folder not found" in r.stderr
    r = run_kg("serve", "--graph", "x.ttl", "--store", tmp_path)
    assert r.returncode == 2 and "not both" in r.stderr


def test_kg_serve_without_the_oxigraph_binary(tmp_path):
    """No `oxigraph` next to Python nor on PATH: one clear line."""
    code = ("import sys, graph.serve as s; sys.executable = '/nonexistent/python'; "
            "import os; os.environ['PATH'] = '/nonexistent'\n"
            "try:\n    s.find_oxigraph()\nexcept Exception as e:\n    print(e)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "the Oxigraph server is not installed: `pip install oxigraph`" in r.stdout
