"""The graph behind a real SPARQL 1.1 endpoint: the Oxigraph server (`oxigraph serve`), and `kg serve`.

Each server runs on a free loopback port, is waited for with a bounded poll and is always stopped
in teardown. `kg build --endpoint` writes the documents' named graphs with the Graph Store Protocol
(or SPARQL Update); the whole query library must then answer through `--endpoint` exactly as it
does in process on the TriG file the same build wrote.
"""

from __future__ import annotations

import json
import os
import re
import signal
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
from graph.query import load_store, run_query
from graph.stores import EndpointStore, derived_urls, open_store, strip_lateral
from graph.stores.http import EndpointError

from conftest import (COUNT_BOUND, CORPUS, HOSTILE, KG, LIBRARY_PARAMS, OPTIONAL_PARAMS, ROOT, free_port, library_cases,
                      run_kg, start_oxigraph, stop)

PARAMS, OPTIONAL = LIBRARY_PARAMS, OPTIONAL_PARAMS
LIBRARY = library_cases()

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


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
    if name == "entity-facts":  # the Turtle file (graphs merged) agrees, but cannot tell inferred triples
        strip = lambda res: [{k: v for k, v in r.items() if k != "inferred"} for r in res.rows()]  # noqa: E731
        assert strip(run_query(merged, name, params)) == strip(here)
        assert {r.get("inferred") for r in run_query(merged, name, params).rows()} == {None}
    else:
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
    assert strip_lateral(text) == 'SELECT * WHERE {  { ?s ?p "LATERAL {" } <urn:LATERAL> ?q ?o }'


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
        assert headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert headers["Accept"] == "application/sparql-results+json"
        # the parameter travels as a serialised literal in a VALUES block inside the WHERE
        assert 'WHERE { VALUES (?_partner) { ("Germany") }' in urllib.parse.parse_qs(body)["query"][0]
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


class _BasicRefused(BaseHTTPRequestHandler):
    """A stand-in for Virtuoso's /sparql-auth as it is: a Basic header is answered with a bare 401 (no
    challenge to answer); only a request without credentials draws the Digest challenge; a Digest answer
    is checked (user dba, password s3cret)."""

    seen: list = []  # (method, the scheme of its Authorization header or None, nc, body)
    CHALLENGE = 'Digest realm="SPARQL", nonce="n0nce", opaque="0paque", qop="auth", algorithm="MD5"'

    def _answer(self, status: int, challenge: bool = False) -> None:
        self.send_response(status)
        if challenge:
            self.send_header("WWW-Authenticate", self.CHALLENGE)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _signed(self) -> bool:
        import hashlib

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()

        f = urllib.request.parse_keqv_list(urllib.request.parse_http_list(self.headers["Authorization"][7:]))
        expected = md5(":".join([md5("dba:SPARQL:s3cret"), "n0nce", f["nc"], f["cnonce"], "auth",
                                 md5(f"{self.command}:{self.path}")]))
        return f["username"] == "dba" and f["uri"] == self.path and f["response"] == expected

    def _handle(self) -> None:
        auth = self.headers.get("Authorization")
        scheme = auth.split()[0] if auth else None
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        nc = re.search(r"\bnc=(\w+)", auth).group(1) if scheme == "Digest" else None
        _BasicRefused.seen.append((self.command, scheme, nc, body))
        if scheme == "Digest" and self._signed():
            self._answer(200)
        else:
            self._answer(401, challenge=scheme is None)

    do_POST = do_HEAD = _handle  # noqa: N815 - http.server API

    def log_message(self, *args):
        pass


def test_digest_drawn_with_a_head_when_basic_is_refused_without_a_challenge():
    """The bare 401 to Basic: the challenge is drawn with a HEAD, the password tried on a second HEAD, then
    every request carries its Digest answer up front (the nonce counted up); a wrong password is one line."""
    httpd = HTTPServer(("127.0.0.1", 0), _BasicRefused)
    Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        _BasicRefused.seen.clear()
        url = f"http://127.0.0.1:{httpd.server_port}/sparql-auth"
        store = EndpointStore(url, auth="dba:s3cret", read_only=False)
        store.update("DROP SILENT GRAPH <urn:g>")
        store.update("DROP SILENT GRAPH <urn:h>")
        assert _BasicRefused.seen == [
            ("POST", "Basic", None, "DROP SILENT GRAPH <urn:g>"), ("HEAD", None, None, ""),
            ("HEAD", "Digest", "00000001", ""), ("POST", "Digest", "00000002", "DROP SILENT GRAPH <urn:g>"),
            ("POST", "Digest", "00000003", "DROP SILENT GRAPH <urn:h>")]
        _BasicRefused.seen.clear()
        with pytest.raises(EndpointError) as err:
            EndpointStore(url, auth="dba:wrong", read_only=False).update("DROP SILENT GRAPH <urn:g>")
        assert str(err.value) == (f"the SPARQL endpoint {url} answered HTTP 401: HTTP Digest: the server refused "
                                  "the user and password of --auth")
        assert [m for m, *_ in _BasicRefused.seen] == ["POST", "HEAD", "HEAD"]  # the update is not sent again
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
        out, _err = _stop_kg_serve(proc)
    assert "Stopped." in out
    assert list(tmpdir.iterdir()) == []  # temporary store and log removed
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2)


def _stop_kg_serve(proc: subprocess.Popen) -> tuple[str, str]:
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate(timeout=10)
        raise
    assert proc.returncode == 0, err
    return out, err


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _gone(pid: int) -> bool:
    """True when the process has exited (gone, or a zombie nobody reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True


def _oxigraph_child(proc: subprocess.Popen) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for pid in _children(proc.pid):
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1:2] == [b"serve-read-only"]:
                    return pid
            except OSError:
                pass
        time.sleep(0.1)
    raise AssertionError("no Oxigraph child of kg serve")


def _private_url(pid: int) -> str:
    args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    bind = args[args.index("--bind") + 1]
    assert bind.startswith("127.0.0.1:")  # Oxigraph listens on loopback only
    return f"http://{bind}/query"


def _answer(url, data=None, headers=None, method=None, timeout=30) -> tuple[int, str]:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _post_query(url, text, **headers):
    return _answer(url, text.encode(), {"Content-Type": "application/sparql-query", "Accept": "text/csv", **headers})


def _form_query(url, text, **headers):
    return _answer(url, urllib.parse.urlencode({"query": text}).encode(),
                   {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv", **headers})


ASK = "ASK { ?s ?p ?o }"
#: issue 14: a 6 KB form POST nested 3,000 braces deep aborted Oxigraph (stack overflow)
DEEP = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000
#: a three-way cross product of the corpus graph: far over a 2 s limit, as a count or streamed row by row
SLOW_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SLOW_ROWS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def guarded(built_graph, tmp_path_factory):
    """`kg serve` of the corpus graph with a 2 s query limit: (process, URL, temporary folder)."""
    tmpdir = tmp_path_factory.mktemp("guarded")
    env = {**os.environ, "TMPDIR": str(tmpdir), "COLUMNS": "200"}
    proc, url = _start_kg_serve(["--graph", str(built_graph), "--timeout", "2"], env)
    try:
        yield proc, url, tmpdir
    finally:
        _stop_kg_serve(proc)


def test_the_front_refuses_a_deeply_nested_query_and_the_server_keeps_answering(guarded):
    """Issue 14: the 6 KB request that killed `kg serve` is a 400 from the front; Oxigraph never sees it."""
    proc, url, _ = guarded
    child = _oxigraph_child(proc)
    assert len(DEEP) < 6100
    for send in (_form_query, _post_query):
        status, body = send(url, DEEP)
        assert status == 400, body
        assert body.startswith("query nested too deeply at line 1, column ") and body.count("\n") == 1
    status, body = _answer(url + "?" + urllib.parse.urlencode({"query": DEEP}))
    assert status == 400 and "nested too deeply" in body
    assert _post_query(url, ASK)[0] == 200
    assert _oxigraph_child(proc) == child and not _gone(child)  # the same server, never restarted


def test_the_front_refuses_service_updates_and_other_content_types(guarded):
    _, url, _ = guarded
    base = url.rsplit("/", 1)[0]
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    for send in (_post_query, _form_query):
        status, body = send(url, service)
        assert status == 400 and body.startswith("SERVICE is refused") and "--allow-service" in body
    # the bypasses of the old regex check: a comment ended by a carriage return
    status, _ = _post_query(url, "SELECT * { ?s ?p ?o } # x\rSERVICE <http://127.0.0.1:9/> { ?s ?p ?o }")
    assert status == 400
    for update in ("DELETE WHERE { ?s ?p ?o }", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DROP ALL"):
        for send in (_post_query, _form_query):
            status, body = send(url, update)
            assert status == 403 and "read-only" in body, (update, body)
    assert _answer(url, b"update=DROP+ALL", {"Content-Type": "application/x-www-form-urlencoded"})[0] == 403
    assert _answer(base + "/sparql", b"DROP ALL", {"Content-Type": "application/sparql-update"})[0] == 403
    assert _answer(base + "/update", b"DROP ALL", {"Content-Type": "application/sparql-update"})[0] == 403
    for ctype in ("text/plain", "application/json", "multipart/form-data; boundary=x"):
        status, body = _answer(url, ASK.encode(), {"Content-Type": ctype})
        assert status == 415 and body.startswith(f"Content-Type '{ctype}' is not one of"), body
    status, _ = _answer(url, ASK.encode(), {"Content-Type": "application/sparql-query; charset=latin-1"})
    assert status == 415
    status, body = _post_query(url, "SELECT * WHERE { ?s ?p ?o } # " + "x" * (64 * 1024))
    assert status == 413 and body.startswith("query larger than 64 KB")
    assert _answer(url, ASK.encode(), method="PUT", headers={"Content-Type": "application/sparql-query"})[0] == 405
    assert _answer(base + "/nothing-here")[0] == 404
    assert _post_query(url, "SELECT * WHERE { ?s ?p }")[0] == 400  # a syntax error: Oxigraph's own 400


def test_the_front_refuses_other_web_origins(guarded):
    _, url, _ = guarded
    port = urllib.parse.urlsplit(url).port
    evil = ({"Origin": "http://evil.example"}, {"Origin": "null"}, {"Origin": f"http://evil.example:{port}"},
            {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
            {"Origin": f"http://localhost:{port + 1 if port < 65535 else port - 1}"},
            {"Host": f"evil.example:{port}"})  # a DNS-rebinding page: its own name for our address
    for headers in evil:
        for send in (_post_query, _form_query):
            status, body = send(url, ASK, **headers)
            assert status == 403 and ("refused" in body or "not this server" in body), (headers, status, body)
        assert _answer(url + "?query=ASK%7B%7D", headers=headers)[0] == 403, headers
    assert _answer(url.rsplit("/", 1)[0] + "/", headers={"Origin": "http://evil.example"})[0] == 403
    same = ({}, {"Origin": f"http://127.0.0.1:{port}"}, {"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"},
            {"Sec-Fetch-Site": "same-origin", "Origin": f"http://127.0.0.1:{port}"}, {"Sec-Fetch-Site": "none"})
    for headers in same:
        for send in (_post_query, _form_query):
            assert send(url, ASK, **headers)[0] == 200, headers
        status, body = _answer(url + "?" + urllib.parse.urlencode({"query": ASK}), headers={"Accept": "text/csv", **headers})
        assert status == 200, (headers, body)


def test_the_front_keeps_the_protocol_and_the_page(guarded, built_graph):
    _, url, _ = guarded
    base = url.rsplit("/", 1)[0]
    local = load_store(built_graph)
    served = EndpointStore(url)
    assert run_query(served, "memberships").rows() == run_query(local, "memberships").rows()
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    get = _answer(url + "?" + urllib.parse.urlencode({"query": q}), headers={"Accept": "text/csv"})
    assert get == _post_query(url, q) == _form_query(url, q) == _answer(base + "/sparql", q.encode(), {
        "Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert get[0] == 200 and int(get[1].split()[1]) == count(local)
    status, description = _answer(url, headers={"Accept": "application/n-triples"})  # the service description
    assert status == 200 and f"<{url}>" in description  # names the front's URL, not Oxigraph's private one
    status, page = _answer(base + "/")
    assert status == 200 and "yasgui.min.js" in page
    assert _answer(base + "/yasgui.min.js")[0] == 200
    status, quads = _answer(base + "/store", headers={"Accept": "application/n-quads"})
    assert status == 200 and len(quads.splitlines()) >= len(local)


def test_a_query_over_the_time_limit_is_an_error_not_a_truncated_200(guarded):
    """Issue 14: Oxigraph answered 200 with a body cut short by 'The SPARQL operation has been cancelled'."""
    _, url, _ = guarded
    for text in (SLOW_COUNT, SLOW_ROWS):
        start = time.monotonic()
        status, body = _post_query(url, text)
        assert status == 503, (status, body[:200])
        assert body == "query timeout: the query ran longer than 2 s and was stopped (kg serve --timeout sets the limit)\n"
        assert time.monotonic() - start < 15
    assert _post_query(url, ASK)[0] == 200


def test_kg_serve_restarts_oxigraph_when_it_dies(built_graph, tmp_path):
    """The front checks every request, but if the engine dies all the same, kg serve says so and
    starts it again (requests meanwhile get 503, never a hang)."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir), "COLUMNS": "200"}
    proc, url = _start_kg_serve(["--graph", str(built_graph)], env)
    try:
        first = _oxigraph_child(proc)
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:
            status, _ = _post_query(url, ASK)
            if status == 200:
                break
            assert status == 503 and time.monotonic() < deadline, status
            time.sleep(0.2)
        assert _oxigraph_child(proc) != first
    finally:
        out, err = _stop_kg_serve(proc)
    lines = err.splitlines()
    assert any(line.startswith("warning: the Oxigraph server stopped (killed by SIGKILL") and
               line.endswith("; restarting it") for line in lines), err
    assert f"the Oxigraph server answers again on {url}" in lines
    assert list(tmpdir.iterdir()) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_killing_kg_serve_takes_oxigraph_with_it(built_graph, tmp_path):
    """Issue 14: SIGKILL of kg serve left the Oxigraph server running on the port; and the next kg serve
    removes the temporary folder the killed one left."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir), "COLUMNS": "200"}
    proc, url = _start_kg_serve(["--graph", str(built_graph)], env)
    child = _oxigraph_child(proc)
    private = _private_url(child)
    assert _answer(private + "?query=ASK%7B%7D")[0] == 200
    proc.kill()
    proc.communicate(timeout=10)
    deadline = time.monotonic() + 5
    while not _gone(child):
        assert time.monotonic() < deadline, "the Oxigraph server outlived kg serve"
        time.sleep(0.05)
    with pytest.raises(OSError):  # URLError (refused), or a reset
        urllib.request.urlopen(private + "?query=ASK%7B%7D", timeout=2)
    left = list(tmpdir.iterdir())
    assert len(left) == 1 and left[0].name.startswith("kg-serve-")  # SIGKILL: nothing could clean up
    again, _ = _start_kg_serve(["--graph", str(built_graph)], env)
    try:
        assert left[0] not in list(tmpdir.iterdir())  # swept by the next kg serve
    finally:
        _stop_kg_serve(again)
    assert list(tmpdir.iterdir()) == []


def test_a_second_kg_serve_on_a_taken_port_fails_before_its_banner(guarded, built_graph):
    _, url, _ = guarded
    port = urllib.parse.urlsplit(url).port
    r = run_kg("serve", "--graph", built_graph, "--bind", f"127.0.0.1:{port}")
    assert r.returncode == 2 and r.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}"), r.stderr
    assert "SPARQL endpoint" not in r.stdout


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


#: issue 14: a second corpus, to rebuild a served store with
SPAIN_DOC = """# Bases in Spain

U.S. forces are based at Rota Naval Base in Spain.

German forces are based at Moron Air Base in Spain.
"""
HOSTS = ("SELECT ?base ?partner WHERE { ?base <https://w3id.org/alliance-kg/ontology#hostsForcesOf> ?partner } "
         "ORDER BY ?base ?partner")


def test_kg_serve_store_follows_a_rebuild_without_a_failed_request(tmp_path):
    """Issue 14: `kg serve --store` kept serving its starting snapshot after `kg build --store`. The
    rebuilt store is served within 15 s, and a client polling all along never sees an error."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir), "COLUMNS": "200"}
    db = tmp_path / "db"
    assert run_kg("build", "--corpus", CORPUS, "--store", db, "-q").returncode == 0
    before = run_query(open_store(store=db), HOSTS).rows()
    spain = tmp_path / "spain"
    spain.mkdir()
    (spain / "spain.md").write_text(SPAIN_DOC, encoding="utf-8")
    proc, url = _start_kg_serve(["--store", str(db)], env)
    answers: list[tuple[float, int, str]] = []
    stop_polling = False

    def poll():
        while not stop_polling:
            status, body = _post_query(url, HOSTS)
            answers.append((time.monotonic(), status, body))

    poller = Thread(target=poll, daemon=True)
    try:
        first_child = _oxigraph_child(proc)
        status, old_csv = _post_query(url, HOSTS)
        assert status == 200 and len(old_csv.splitlines()) == 1 + len(before) == 4
        poller.start()
        r = run_kg("build", "--corpus", spain, "--store", db, "-q")
        assert r.returncode == 0, r.stderr
        rebuilt = time.monotonic()
        after = run_query(open_store(store=db), HOSTS).rows()
        assert after != before and len(after) == 2
        new_csv = None
        deadline = rebuilt + 15
        while new_csv is None:
            assert time.monotonic() < deadline, "the rebuilt store is not served after 15 s"
            time.sleep(0.1)
            seen = [body for _, status, body in answers[-5:] if status == 200 and body != old_csv]
            new_csv = seen[-1] if seen else None
        switched = time.monotonic()
        time.sleep(1.0)  # the old server is stopped meanwhile: still no error
        stop_polling = True
        poller.join(timeout=30)
        assert new_csv.splitlines()[1:] == [f"{row['base']},{row['partner']}" for row in after]
        assert new_csv.splitlines()[1:] == ["https://w3id.org/alliance-kg/id/moron-air-base,"
                                            "https://w3id.org/alliance-kg/id/germany",
                                            "https://w3id.org/alliance-kg/id/naval-station-rota,"
                                            "https://w3id.org/alliance-kg/id/united-states"]
        assert len(answers) > 20
        assert [(s, b[:200]) for _, s, b in answers if s != 200] == []  # no failed request
        bodies = [b for _, _, b in answers]
        assert set(bodies) == {old_csv, new_csv}  # the old graph or the new one, never a mix
        first_new = bodies.index(new_csv)
        assert all(b == new_csv for b in bodies[first_new:])  # once switched, never back
        assert _post_query(url, HOSTS) == (200, new_csv)
        assert _oxigraph_child(proc) != first_child and _gone(first_child)
        assert switched - rebuilt < 15
    finally:
        stop_polling = True
        out, err = _stop_kg_serve(proc)
    assert "The store folder was rebuilt: serving the new store on " + url in out
    assert list(tmpdir.iterdir()) == []
