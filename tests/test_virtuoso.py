"""The graph in Virtuoso Open Source 7.2 (Debian's ``virtuoso-opensource``), beside Oxigraph.

One server for the module (``benchmarks/virtuoso.py``: its own folder and ``virtuoso.ini``, HTTP and
ISQL on free loopback ports, stopped and removed at the end). ``kg build --endpoint`` writes the
corpus's named graphs with the Graph Store Protocol (``/sparql-graph-crud-auth``, HTTP Digest as
``dba``), twice; then every library query, ``kg view``, ``kg export`` and ``kg validate`` must answer
through ``/sparql`` as they do from the TriG file the same build wrote. Also: what Virtuoso does
differently, each shown on the server itself (no answer to an ``application/sparql-query`` POST, Basic
refused without a challenge, its time limit and "anytime" partial answers, rows cut at
``ResultSetMaxRows``, wrong property-path answers with vectored execution, its error format), and that
none of it reaches a user as an answer. The two differences left are asserted as such: no
``xsd:boolean`` (1 and 0) and WKT points in single precision.

Missing Virtuoso: the tests are skipped, and fail under ``CI=true`` (``make virtuoso`` installs it).
"""

from __future__ import annotations

import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from types import SimpleNamespace

import pyoxigraph as ox
import pytest

from benchmarks.virtuoso import Virtuoso, installed
from graph.errors import KGError, QueryTimeout
from graph.query import load_store, run_query
from graph.stores import EndpointStore

from conftest import COUNT_BOUND, CORPUS, HOSTILE, LIBRARY_PARAMS, OPTIONAL_PARAMS, library_cases, run_kg

PARAMS, OPTIONAL = LIBRARY_PARAMS, OPTIONAL_PARAMS
LIBRARY = library_cases()
IDS = [f"{n}{'+' if i >= len(LIBRARY) - len(OPTIONAL) else ''}" for i, (n, _) in enumerate(LIBRARY)]

GRAPH_NS = "https://w3id.org/alliance-kg/graph/"
#: the triples of the project's graphs, counted by the server (its own system graphs left out)
COUNT_PROJECT = (f'SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), "{GRAPH_NS}")) }}')
#: a three-way cross product of everything: far over the server's 5 s limit
SLOW_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
WKT_LITERAL = "http://www.opengis.net/ont/geosparql#wktLiteral"


# --------------------------------------------------------------------------- the server and the build


def _require_virtuoso() -> None:
    if not installed():
        msg = "Virtuoso (virtuoso-t, isql-vt) is missing: `make virtuoso` installs Debian's virtuoso-opensource"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """A writable Virtuoso server (MaxQueryExecutionTime 5 s) for the module, its folder in pytest's
    temporary folder (removed when it stops; swept by pytest should a killed run leave it)."""
    _require_virtuoso()
    with Virtuoso(max_seconds=5, max_rows=100_000, parent=tmp_path_factory.mktemp("server")) as v:
        yield v


@pytest.fixture(scope="module")
def built(virtuoso, tmp_path_factory):
    """`kg build --endpoint` of corpus/ into the server, twice (a rebuild): (the TriG file the rebuild also
    wrote, the two builds' outputs)."""
    trig = tmp_path_factory.mktemp("virtuoso") / "kg.trig"
    first = run_kg("build", "--corpus", CORPUS, *virtuoso.build_args())
    assert first.returncode == 0, first.stderr
    again = run_kg("build", "--corpus", CORPUS, *virtuoso.build_args(), "--out", trig)
    assert again.returncode == 0, again.stderr
    return SimpleNamespace(trig=trig, outputs=(first.stdout, again.stdout))


@pytest.fixture(scope="module")
def remote(virtuoso, built):
    return EndpointStore(virtuoso.query_url)


@pytest.fixture(scope="module")
def local(built):
    return load_store(built.trig)


def count(store, text=COUNT_PROJECT) -> int:
    return run_query(store, text).rows()[0]["n"]


def _post(url, data: bytes, content_type: str, accept: str = "text/csv", timeout: float = 30):
    req = urllib.request.Request(url, data=data, headers={"Content-Type": content_type, "Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")


def _form(url, **fields):
    return _post(url, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")


# --------------------------------------------------------------------------- the server itself


def test_the_server_listens_on_loopback_only_with_every_file_in_its_folder(virtuoso):
    ini = (virtuoso.dir / "virtuoso.ini").read_text(encoding="utf-8")
    paths = re.findall(r"^\w+\s*=\s*(/\S*)", ini, re.M)
    assert len(paths) == 9 and all(p.startswith(f"{virtuoso.dir}/") for p in paths), paths
    assert re.search(rf"^DirsAllowed\s*=\s*\., {re.escape(str(virtuoso.dir))}$", ini, re.M)
    assert re.search(rf"^ServerPort\s*=\s*127\.0\.0\.1:{virtuoso.http_port}$", ini, re.M)
    assert re.search(rf"^ServerPort\s*=\s*127\.0\.0\.1:{virtuoso.isql_port}$", ini, re.M)
    for port in (virtuoso.http_port, virtuoso.isql_port):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        with pytest.raises(OSError):  # another loopback address of this machine: nothing listens there
            socket.create_connection(("127.0.0.2", port), timeout=5).close()


def test_stopping_the_server_leaves_nothing_behind(tmp_path):
    _require_virtuoso()
    v = Virtuoso(parent=tmp_path).start()
    pid, folder, ports = v.proc.pid, v.dir, (v.http_port, v.isql_port)
    assert folder.parent == tmp_path and (folder / "virtuoso.db").is_file()
    assert _form(v.query_url, query="ASK { }")[0] == 200
    v.stop()
    assert not os.path.exists(f"/proc/{pid}") and list(tmp_path.iterdir()) == []
    for port in ports:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_the_query_endpoint_is_writable_without_credentials(virtuoso):
    """So that the hostile-parameter test below could fail: an injected update would run."""
    g = "urn:x-test:writable"
    status, _, body = _form(virtuoso.query_url, query=f"INSERT DATA {{ GRAPH <{g}> {{ <urn:a> <urn:b> <urn:c> }} }}")
    assert status == 200 and "Insert into <urn:x-test:writable>, 1 (or less) triples -- done" in body
    status, _, body = _form(virtuoso.query_url, query=f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
    assert body.split() == ['"n"', "1"]
    assert _form(virtuoso.query_url, query=f"DROP SILENT GRAPH <{g}>")[0] == 200


# --------------------------------------------------------------------------- what Virtuoso does differently


def test_virtuoso_never_answers_a_direct_post_of_the_query(virtuoso):
    """openlink/virtuoso-opensource#842: POST with Content-Type application/sparql-query gets no answer at
    all (the client sends queries as a form, `query=...`, which every SPARQL 1.1 server takes)."""
    with pytest.raises(TimeoutError):
        _post(virtuoso.query_url, b"ASK { }", "application/sparql-query", timeout=3)
    assert _form(virtuoso.query_url, query="ASK { }")[0] == 200


def test_virtuoso_refuses_basic_credentials_without_a_challenge(virtuoso):
    """A Basic header on /sparql-auth or /sparql-graph-crud-auth is a bare 401, with no WWW-Authenticate to
    answer; without it, the server asks for Digest."""
    import base64

    basic = "Basic " + base64.b64encode(virtuoso.auth.encode()).decode()
    for url, method in ((virtuoso.update_url, "POST"), (virtuoso.graph_store_url + "?graph=urn%3Ax", "DELETE")):
        req = urllib.request.Request(url, data=b"DROP SILENT GRAPH <urn:x>" if method == "POST" else None,
                                     method=method, headers={"Authorization": basic,
                                                             "Content-Type": "application/sparql-update"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 401 and err.value.headers.get("WWW-Authenticate") is None
        req.remove_header("Authorization")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 401 and err.value.headers["WWW-Authenticate"].startswith('Digest realm="SPARQL"')


def test_a_large_graph_is_written_with_digest(virtuoso):
    """Virtuoso answers a request (its 401 to Basic, its Digest challenge) before it has read a large body:
    a PUT of 12 MB failed with "Connection reset by peer". The challenge is drawn without a body first."""
    from graph.stores.http import EndpointError

    g = "urn:x-test:large"
    data = b"".join(b'<urn:s%d> <urn:p> "%s" .\n' % (i, b"x" * 100) for i in range(40_000))  # 5 MB
    args = (virtuoso.query_url, virtuoso.update_url, virtuoso.graph_store_url)
    store = EndpointStore(*args, auth=virtuoso.auth, read_only=False)
    try:
        store.replace_graph(g, data)
        assert store.graph_sizes([g]) == {g: 40_000}
        with pytest.raises(EndpointError, match=r"answered HTTP 401: HTTP Digest: the server refused the user and password"):
            EndpointStore(*args, auth="dba:wrong", read_only=False).replace_graph(g, data)
    finally:  # never leave the graph for the tests after this one (they read the whole store)
        store.drop_graph(g)
    assert store.graph_sizes([g]) == {g: 0}


def test_virtuoso_time_limit_and_its_partial_answers(virtuoso):
    """MaxQueryExecutionTime stops a query with HTTP 500 (SQL state S1T00); a request that names its own
    `timeout` gets the "anytime" answer instead: HTTP 200, X-SQL-State S1TAT and what was found so far
    (for this COUNT: no row, or a number far below the true one). Neither may reach a user as an answer."""
    status, _, body = _form(virtuoso.query_url, query=SLOW_COUNT)
    assert status == 500 and body.startswith("Virtuoso S1T00 Error SR171: Transaction timed out")
    triples = int(_form(virtuoso.query_url, query="SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[2].split()[1])
    status, headers, body = _form(virtuoso.query_url, query=SLOW_COUNT, timeout="1000")
    assert status == 200 and headers["X-SQL-State"] == "S1TAT" and body.split()[0] == '"n"'
    assert [int(n) < triples ** 3 for n in body.split()[1:]] in ([], [True])


# --------------------------------------------------------------------------- the build


def test_build_and_rebuild_replace_the_named_graphs(virtuoso, built, remote, local):
    for out in built.outputs:
        assert f"endpoint {virtuoso.query_url}: 5 named graphs replaced, 0 stale graphs dropped" in out
    names = sorted(g.value for g in local.named_graphs())
    assert [g for g in remote.graphs() if g.startswith(GRAPH_NS)] == names == [
        GRAPH_NS + "doc/shared-military-bases", GRAPH_NS + "doc/strategic-military-alliances",
        GRAPH_NS + "entities", GRAPH_NS + "inferred", GRAPH_NS + "ontology"]
    expected = {g: sum(1 for _ in local.quads_for_pattern(None, None, None, ox.NamedNode(g))) for g in names}
    assert remote.graph_sizes(names) == expected  # twice built, each graph held once
    assert count(remote) == len(local) == sum(expected.values())


def test_the_sparql_update_way_writes_the_same_graphs(virtuoso, built, remote, local):
    """No Graph Store URL: each graph replaced with DROP SILENT GRAPH + INSERT DATA on /sparql-auth (Digest)."""
    r = run_kg("build", "--corpus", CORPUS, "--endpoint", virtuoso.query_url, "--update-endpoint", virtuoso.update_url,
               "--auth", virtuoso.auth)
    assert r.returncode == 0, r.stderr
    assert f"endpoint {virtuoso.query_url}: 5 named graphs replaced, 0 stale graphs dropped" in r.stdout
    names = sorted(g.value for g in local.named_graphs())
    assert remote.graph_sizes(names) == {g: sum(1 for _ in local.quads_for_pattern(None, None, None, ox.NamedNode(g)))
                                         for g in names}


def test_virtuoso_holds_the_built_graphs_but_for_the_precision_of_wkt_points(remote, local):
    """Every triple written comes back (blank nodes aside), but a geo:wktLiteral: Virtuoso keeps it as its
    own geometry with single-precision coordinates ("POINT(51.315 25.117)" comes back as
    "POINT(51.314998626709 25.117000579834)"); wgs:lat and wgs:long, decimals, are exact."""
    def named(triples):
        return {t for t in triples if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)}

    points = 0
    for g in sorted(x.value for x in local.named_graphs()):
        mine = named(q.triple for q in local.quads_for_pattern(None, None, None, ox.NamedNode(g)))
        theirs = named(remote.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}",
                                    use_default_graph_as_union=False))
        assert len(theirs) == len(mine) > 30 and len(mine - theirs) == len(theirs - mine)
        for a, b in zip(sorted(mine - theirs, key=str), sorted(theirs - mine, key=str)):
            assert (a.subject, a.predicate) == (b.subject, b.predicate)
            assert a.object.datatype.value == b.object.datatype.value == WKT_LITERAL
            xy = [[float(n) for n in re.findall(r"-?[\d.]+", t.object.value)] for t in (a, b)]
            assert len(xy[0]) == 2 and all(abs(u - v) < 1e-5 for u, v in zip(*xy)) and xy[0] != xy[1]
            points += 1
    assert points == 8


# --------------------------------------------------------------------------- the library, same rows


@pytest.mark.parametrize("name, params", LIBRARY, ids=IDS)
def test_library_query_gives_the_same_answer_on_virtuoso(remote, local, name, params):
    here = run_query(local, name, params)
    there = run_query(remote, name, params)
    assert there.kind == here.kind
    if here.kind == "graph":
        assert there.data == here.data and there.data  # sorted N-Triples, byte for byte
    else:
        assert there.variables == here.variables
        assert there.rows() == [_no_booleans(row) for row in here.rows()] and here.rows()


def _no_booleans(row: dict) -> dict:
    """A row as Virtuoso 7.2 gives it: it has no xsd:boolean, so true and false come back as the integers
    1 and 0 (entity-facts' `inferred`)."""
    return {k: int(v) if isinstance(v, bool) else v for k, v in row.items()}


def _no_boolean_text(text: str, fmt: str) -> str:
    """`kg query` output with xsd:boolean values written as Virtuoso gives them (1 and 0, xsd:integer)."""
    if fmt == "csv":
        return re.sub(r",(true|false)$", lambda m: ",1" if m.group(1) == "true" else ",0", text, flags=re.M)
    return re.sub(r'"value":"(true|false)","datatype":"http://www.w3.org/2001/XMLSchema#boolean"',
                  lambda m: '"value":"%d","datatype":"http://www.w3.org/2001/XMLSchema#integer"'
                  % (m.group(1) == "true"), text)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_cli_prints_the_same_for_every_library_query(virtuoso, built, fmt):
    """`kg query NAME --endpoint` against `kg query NAME --graph kg.trig`, the file the rebuild wrote (TriG:
    entity-facts tells inferred triples by their named graph, which a Turtle file does not keep)."""
    for name, params in LIBRARY:
        args = [a for k, v in params.items() for a in ("--param", f"{k}={v}")]
        form = "ntriples" if name == "entity-subgraph" else fmt
        there = run_kg("query", name, *args, "--endpoint", virtuoso.query_url, "--format", form)
        here = run_kg("query", name, *args, "--graph", built.trig, "--format", form)
        assert there.returncode == 0 and here.returncode == 0, (name, there.stderr, here.stderr)
        expected = _no_boolean_text(here.stdout, form) if name == "entity-facts" else here.stdout
        assert there.stdout == expected, name
        assert '"bindings":[{' in here.stdout if form == "json" else len(here.stdout.splitlines()) > 1, name


def test_lateral_is_refused_and_the_portable_form_gives_the_same_rows(virtuoso, built, local):
    status, _, body = _form(virtuoso.query_url, query="SELECT * WHERE { ?s ?p ?o LATERAL { ?s ?p ?o } }")
    assert status == 400 and "syntax error at 'LATERAL'" in body
    fresh = EndpointStore(virtuoso.query_url)
    assert fresh._lateral
    for name in ("entity-facts", "entity-subgraph"):
        here, there = run_query(local, name, PARAMS[name]), run_query(fresh, name, PARAMS[name])
        if here.kind == "graph":
            assert there.data == here.data
        else:
            assert there.rows() == [_no_booleans(row) for row in here.rows()]
    assert fresh._lateral is False  # refused once (HTTP 400), then sent without it


def test_bound_count_is_right_on_virtuoso(remote, local):
    for store in (local, remote):
        assert run_query(store, COUNT_BOUND, {"partner": "United States"}).rows() == [{"n": 2}]
        assert run_query(store, COUNT_BOUND, {"partner": "Germany"}).rows() == [{"n": 1}]
        assert run_query(store, COUNT_BOUND, {"partner": "Narnia"}).rows() == [{"n": 0}]


def test_hostile_parameter_changes_nothing_on_the_writable_server(virtuoso, remote):
    before, everything = count(remote), count(remote, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert before > 1000 and everything > before
    r = run_kg("query", "bases-shared-with", "--param", f"partner={HOSTILE}", "--endpoint", virtuoso.query_url,
           "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "base,baseLabel,host,hostLabel,partner,partnerLabel"
    assert run_query(remote, COUNT_BOUND, {"partner": HOSTILE}).rows() == [{"n": 0}]
    assert count(remote) == before
    assert count(remote, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == everything


def test_updates_are_refused_by_kg_query(virtuoso, remote):
    before = count(remote)
    r = run_kg("query", "-e", "DELETE WHERE { ?s ?p ?o }", "--allow-update", "--endpoint", virtuoso.query_url)
    assert r.returncode == 2 and "opened for reading only" in r.stderr
    assert count(remote) == before


def test_view_export_validate_through_virtuoso(virtuoso, built, tmp_path):
    for cmd, ext in (("view", "html"), ("export", "graphml")):
        a, b = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
        ra = run_kg(cmd, "--endpoint", virtuoso.query_url, "--out", a)
        rb = run_kg(cmd, "--graph", built.trig, "--out", b)
        assert ra.returncode == 0 and rb.returncode == 0, ra.stderr + rb.stderr
        assert a.read_bytes() == b.read_bytes(), cmd
        assert "28 nodes, 26 edges" in ra.stdout
    r = run_kg("validate", "--endpoint", virtuoso.query_url)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith(f"endpoint {virtuoso.query_url} conforms: 0 violations, 0 warnings")


# --------------------------------------------------------------------------- limits and errors


def test_a_query_over_the_time_limit_is_a_timeout_not_an_empty_answer(virtuoso, remote):
    start = time.monotonic()
    r = run_kg("query", "-e", SLOW_COUNT, "--endpoint", virtuoso.query_url, "--format", "csv")
    assert (r.returncode, r.stdout) == (3, "")
    assert r.stderr == (f"error: the SPARQL endpoint {virtuoso.query_url} stopped the query at its time limit "
                        "(Virtuoso S1T00 Error SR171: Transaction timed out)\n")
    assert time.monotonic() - start < 30
    # an endpoint URL that asks Virtuoso for its "anytime" answers: the partial answer is refused too
    anytime = EndpointStore(virtuoso.query_url + "?timeout=1000")
    with pytest.raises(QueryTimeout, match=r"sent only part of the answer \(X-SQL-State: S1TAT\)"):
        run_query(anytime, SLOW_COUNT)
    assert count(remote) > 1000  # the server answers on


def test_an_answer_cut_at_the_row_limit_is_an_error(virtuoso):
    """ResultSetMaxRows (here lowered per request with `maxrows`) cuts a SELECT with only a header to say so."""
    cut = EndpointStore(virtuoso.query_url + "?maxrows=10")
    with pytest.raises(KGError, match=r"cut the answer at 10 rows \(its ResultSetMaxRows\); the answer would be "
                                      "incomplete"):
        run_query(cut, "SELECT * WHERE { ?s ?p ?o }")
    assert len(run_query(cut, "SELECT * WHERE { ?s ?p ?o } LIMIT 9").rows()) == 9


@pytest.fixture(scope="module")
def default_server(tmp_path_factory):
    """A second server with two of Virtuoso's own settings: vectored execution, and ResultSetMaxRows 1,000
    (under the 3,880 triples its union graph holds once corpus/ is loaded)."""
    _require_virtuoso()
    with Virtuoso(vectored=True, max_rows=1000, parent=tmp_path_factory.mktemp("vectored")) as v:
        r = run_kg("build", "--corpus", CORPUS, *v.build_args(), "-q")
        assert r.returncode == 0, r.stderr
        yield v


def test_vectored_execution_answers_property_paths_wrongly(default_server):
    """Why the server runs with VectorSize = MaxVectorSize = 1: with Virtuoso's default vectored execution,
    base-locations (`a/rdfs:subClassOf*` and `akg:locatedIn+` joined) loses bases."""
    assert "VectorSize" not in (default_server.dir / "virtuoso.ini").read_text(encoding="utf-8")
    rows = run_query(EndpointStore(default_server.query_url), "base-locations").rows()
    assert 0 < len(rows) < 3  # of Al Udeid, Incirlik and Prince Sultan


def test_a_graph_cut_at_the_row_limit_is_not_validated(default_server):
    """Virtuoso cuts a CONSTRUCT at ResultSetMaxRows with no header at all: `kg validate` would check part
    of the graph and could say it conforms."""
    url = default_server.query_url
    status, headers, body = _post(url, urllib.parse.urlencode({"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"})
                                  .encode(), "application/x-www-form-urlencoded", accept="application/n-triples")
    assert status == 200 and body.count("\n") == 1001 and not [h for h in headers if h.startswith("X-")]  # (sic)
    r = run_kg("validate", "--endpoint", url)
    assert r.returncode == 2 and r.stdout == ""
    assert re.fullmatch(rf"error: the SPARQL endpoint {re.escape(url)} sent 1,001 of the 3,880 triples of the graph "
                        r"\(a limit on answers, such as Virtuoso's ResultSetMaxRows, cut it\)\n", r.stderr), r.stderr


def test_wrong_credentials_are_one_line(virtuoso):
    args = ["--endpoint", virtuoso.query_url, "--update-endpoint", virtuoso.update_url,
            "--graph-store", virtuoso.graph_store_url, "--auth", "dba:wrong-password"]
    r = run_kg("build", "--corpus", CORPUS, *args, "-q")
    first = urllib.parse.quote(GRAPH_NS + "doc/shared-military-bases", safe="")
    assert (r.returncode, r.stderr) == (2, f"error: the SPARQL endpoint {virtuoso.graph_store_url}?graph={first} answered "
                                           "HTTP 401: HTTP Digest: the server refused the user and password of --auth\n")


def test_a_syntax_virtuoso_lacks_is_one_clear_error(virtuoso):
    """ADJUST (Oxigraph's, SPARQL 1.2) passes the local syntax check; Virtuoso refuses it with HTTP 400."""
    text = 'SELECT (ADJUST(NOW(), "PT0S"^^xsd:dayTimeDuration) AS ?x) WHERE { }'
    r = run_kg("query", "-e", text, "--endpoint", virtuoso.query_url)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == ("error: SPARQL syntax error at line 1 (from the endpoint): syntax error at 'ADJUST' before '('\n"
                        f"  1 | {text}\n")
    status, _, body = _form(virtuoso.query_url, query=text.replace("xsd:", "<http://www.w3.org/2001/XMLSchema#")
                            .replace("Duration)", "Duration>)"))
    assert status == 400 and body.startswith("Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error at "
                                             "'ADJUST' before '('\n\nSPARQL query:\n")


def test_other_virtuoso_errors_are_one_line_without_the_query(virtuoso):
    """A `+` path with neither end bound: Virtuoso's error, without the query it echoes after it."""
    r = run_kg("query", "-e", "SELECT * WHERE { ?a rdfs:subClassOf+ ?b }", "--endpoint", virtuoso.query_url)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == (f"error: the SPARQL endpoint {virtuoso.query_url} answered HTTP 500: Virtuoso 37000 Error TR...: "
                        "transitive start not given\n")
