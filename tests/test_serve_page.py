"""The page `kg serve` serves (graph/page): the project's query library beside the bundled YASGUI,
library queries run with their parameters bound by the server, result IRIs linked to entity pages.

* In the real browser (Playwright + Debian Chromium) against `kg serve` of the corpus graph: the page
  loads with no request to another site and no console error, knows the project's prefixes and
  queries, runs a library query and a parameterised one, and a result link leads to the entity's
  description with its facts and evidence.
* In process, the front's new routes as a WSGI app in front of a writable Oxigraph holding a hostile
  graph: escaping, unknown query 404, bad parameter 400 (one line), the page's security headers.
* The failures of `kg serve` are one line whatever RUST_BACKTRACE says: a taken port, a graph that
  does not parse, a folder that is not a store, a missing binary.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
from html.parser import HTMLParser
from wsgiref.headers import Headers
from wsgiref.util import setup_testing_defaults

import pytest

import graph.serve as serve_module
from conftest import KG, ROOT, free_port, run_kg, start_oxigraph, stop
from graph import vocab
from graph.errors import KGError
from graph.front import Front
from graph.page import ENTITY_CSP, PAGE_CSP, YASGUI_STYLE_HASHES, static_dir
from graph.query import list_queries, run_query
from graph.serve import find_oxigraph, load_into, oxigraph_message

AKR = vocab.AKR
INCIRLIK = AKR + "incirlik-air-base"
#: the rows of shared-bases on the corpus graph, as the result table shows them (prefixed IRIs, labels)
SHARED_BASES = [
    ["akr:al-udeid-air-base", "Al Udeid Air Base", "akr:qatar", "Qatar", "akr:united-states", "United States"],
    ["akr:incirlik-air-base", "Incirlik Air Base", "akr:turkey", "Turkey", "akr:germany", "Germany"],
    ["akr:prince-sultan-air-base", "Prince Sultan Air Base", "akr:saudi-arabia", "Saudi Arabia",
     "akr:united-states", "United States"],
]
INCIRLIK_SENTENCE = ("As an example, the German forces are based in Incirlik Air Base, in NATO ally Turkey, "
                     "reflecting a broader strategic alliance.")
HOSTILE = 'x" } ; DELETE WHERE { ?s ?p ?o } #'
PAGE_FILES = {"/", "/yasgui.min.css", "/page.css", "/yasgui.min.js", "/page.js", "/library"}


# --------------------------------------------------------------------------- kg serve of the corpus graph


@pytest.fixture(scope="module")
def served(built_graph, tmp_path_factory):
    """`kg serve` of the corpus graph on a free loopback port: its base URL."""
    tmpdir = tmp_path_factory.mktemp("serve-page")
    env = {**os.environ, "TMPDIR": str(tmpdir), "COLUMNS": "200"}
    port = free_port()
    proc = subprocess.Popen([*KG, "serve", "--graph", str(built_graph), "--bind", f"127.0.0.1:{port}"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # printed once the endpoint answers through the front
        assert first.strip() == f"SPARQL endpoint (read-only): http://127.0.0.1:{port}/query", proc.stderr.read()
        second = proc.stdout.readline()
        assert second.strip() == (f"Query page: http://127.0.0.1:{port}/  "
                                  "(the query library, an editor and entity pages; offline)")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 0


class Visit:
    """A browser page on the server, recording requests to other sites (aborted) and errors."""

    def __init__(self, browser, base: str):
        self.base, self.errors, self.foreign, self.local = base, [], [], []
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("dialog", lambda d: (self.errors.append(f"dialog: {d.message}"), d.dismiss()))
        self.page.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base + "/"):
            self.local.append(urllib.parse.urlsplit(url).path)
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def wait(self, expression: str, timeout: float = 60.0):
        """Poll a JS expression until truthy (the page's CSP forbids the eval that wait_for_function uses)."""
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression):
            assert time.monotonic() < deadline, f"timed out waiting for {expression}"
            self.page.wait_for_timeout(50)

    def open(self):
        self.page.goto(self.base + "/")
        self.wait("!!(window.kgPage && window.kgPage.ready)")
        return self

    def run(self, name: str, **params):
        runs = self.page.evaluate("kgPage.runs")
        self.page.click(f"#queries button[data-query='{name}']")
        for key, value in params.items():
            self.page.fill(f"#param-{key}", value)
        self.page.click("#run")
        self.wait(f"kgPage.runs > {runs}")
        return self.page.text_content("#status")

    def rows(self) -> list[list[str]]:
        """The result table's rows (without YASR's row-number column)."""
        self.wait("document.querySelector('.yasr table.dataTable tbody') !== null")
        return self.page.evaluate("""() => [...document.querySelectorAll('.yasr table.dataTable tbody tr')]
            .filter(tr => !tr.querySelector('td.dt-empty'))
            .map(tr => [...tr.querySelectorAll('td')].slice(1).map(td => td.innerText.trim()))""")


def test_the_page_loads_offline_and_knows_the_project(browser, served):
    visit = Visit(browser, served).open()
    page = visit.page
    names = sorted(q.name for q in list_queries())
    assert len(names) == 11
    assert page.evaluate("[...document.querySelectorAll('#queries button')].map(b => b.textContent)") == names
    summaries = page.evaluate("[...document.querySelectorAll('#queries .summary')].map(s => s.textContent)")
    assert summaries == [q.summary for q in sorted(list_queries(), key=lambda q: q.name)]
    # the editor starts with the project's prefixes declared, and YASQE reads them as the query's
    text = page.evaluate("kgPage.yasgui.getTab().getYasqe().getValue()")
    block = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in vocab.PREFIXES.items())
    assert text.startswith(block + "\n\nSELECT ")
    assert page.evaluate("kgPage.yasgui.getTab().getYasqe().getPrefixesFromQuery()") == vocab.PREFIXES
    # completions come from the project's prefixes only (no prefix.cc, no LOV service)
    assert page.evaluate("kgPage.yasgui.getTab().getYasqe().config.autocompleters") == ["kgPrefixes", "variables"]
    assert page.evaluate("[...document.querySelectorAll('#prefixes dt')].map(d => d.textContent)") == \
        [f"{p}:" for p in vocab.PREFIXES]
    # the editor's own run button asks this server's /query (the front), nothing else
    page.click(".yasqe .yasqe_queryButton")
    visit.wait("document.querySelectorAll('.yasr table.dataTable tbody tr').length > 0")
    assert visit.rows() == [[r[0], r[1], r[4], r[5]] for r in SHARED_BASES]  # the starting query
    assert visit.foreign == [] and visit.errors == []
    assert set(visit.local) == PAGE_FILES | {"/query"}
    assert visit.page.evaluate("kgPage.yasgui.getTab().getEndpoint()") == served + "/query"


def test_a_library_query_runs_and_its_links_lead_to_the_entity_page(browser, served, built_graph):
    visit = Visit(browser, served).open()
    page = visit.page
    assert visit.run("shared-bases") == "shared-bases: 3 results"
    assert visit.rows() == SHARED_BASES
    grip = page.locator(".yasr .grip-handle").nth(1).bounding_box()  # resize a column (YASGUI adds <style>s)
    page.mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + 5)
    page.mouse.down()
    page.mouse.move(grip["x"] + 60, grip["y"] + 5, steps=5)
    page.mouse.up()
    assert page.evaluate("kgPage.yasgui.getTab().getYasqe().getValue()") == \
        (ROOT / "queries" / "shared-bases.rq").read_text(encoding="utf-8")
    link = page.locator(".yasr a.iri", has_text="akr:incirlik-air-base")
    assert link.get_attribute("href") == "/entity?iri=" + urllib.parse.quote(INCIRLIK, safe="")
    link.click()
    page.wait_for_url("**/entity?iri=*")
    assert page.text_content("h1#label") == "Incirlik Air Base"
    assert page.evaluate("[...document.querySelectorAll('#types a')].map(a => a.textContent)") == \
        ["air base", "military base", "place"]
    facts = _table(page, "facts")
    assert ["Incirlik Air Base", "akg:locatedIn", "Turkey", "akr:doc-shared-military-bases"] in facts
    assert ["Germany", "akg:hasForcesAt", "Incirlik Air Base", ""] in facts
    # the evidence table: every row the evidence query gives in process, the sentence as it stands
    local = run_query(built_graph, "evidence", {"entity_iri": INCIRLIK}).rows()
    evidence = _table(page, "evidence")
    assert evidence == [[r["subjectLabel"], _compact(r["property"]), r["objectLabel"], r["sentence"],
                         _compact(r["document"]), f"{r['start']}\u2013{r['end']}", r["rule"]] for r in local]
    assert [row[3] for row in evidence] == [INCIRLIK_SENTENCE, INCIRLIK_SENTENCE]
    assert [row[6] for row in evidence] == ["forces-at-base", "base-in-place"]
    page.locator("#facts a").filter(has_text=re.compile(r"^Turkey$")).first.click()  # and on from there
    page.wait_for_url("**/entity?iri=*turkey")
    assert page.text_content("h1#label") == "Turkey"
    assert visit.foreign == [] and visit.errors == []


def test_a_parameterised_query_runs_with_its_parameter(browser, served):
    visit = Visit(browser, served).open()
    page = visit.page
    assert visit.run("bases-shared-with", partner="germany") == "bases-shared-with: 1 result"
    assert page.evaluate("[...document.querySelectorAll('#param-fields label')].map(l => l.textContent)") == \
        ["partner (literal)"]
    assert visit.rows() == [["akr:incirlik-air-base", "Incirlik Air Base", "akr:turkey", "Turkey", "akr:germany",
                             "Germany"]]
    assert visit.run("bases-shared-with", partner=HOSTILE) == "bases-shared-with: 0 results"  # a value, never text
    assert visit.rows() == []
    assert visit.run("entity-facts", entity_iri="not an iri") == \
        "parameter 'entity_iri': not an IRI: 'not an iri' holds the character ' '"
    assert page.get_attribute("#status", "class") == "error"
    assert visit.run("shared-bases") == "shared-bases: 3 results"  # still answering
    # the browser logs the refused request itself; the page had no error of its own
    assert visit.foreign == [] and visit.errors == [
        "console.error: Failed to load resource: the server responded with a status of 400 (Bad Request)"]


def _table(page, element_id: str) -> list[list[str]]:
    return page.evaluate(f"""() => [...document.querySelectorAll('#{element_id} tbody tr')]
        .map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent))""")


def _compact(iri: str) -> str:
    ns = max((n for n in vocab.PREFIXES.values() if iri.startswith(n)), key=len)
    return next(p for p, n in vocab.PREFIXES.items() if n == ns) + ":" + iri[len(ns):]


# --------------------------------------------------------------------------- the routes, in process

HOSTILE_TTL = r"""
@prefix akg: <https://w3id.org/alliance-kg/ontology#> .
@prefix akr: <https://w3id.org/alliance-kg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .

akr:evil a akg:MilitaryBase ; rdfs:label "<script>alert('label')</script> & co" ;
    akg:locatedIn <https://w3id.org/alliance-kg/id/o'place> .
<https://w3id.org/alliance-kg/id/o'place> a akg:Country ; rdfs:label "<img src=x onerror=alert('place')>" .
akr:st a akg:Statement ; akg:statementSubject akr:evil ; akg:statementProperty akg:locatedIn ;
    akg:statementObject <https://w3id.org/alliance-kg/id/o'place> ; prov:wasDerivedFrom akr:ev .
akr:ev oa:hasSource akr:doc ; oa:hasSelector akr:quote , akr:position ; akg:rule "<b onmouseover=alert(1)>rule</b>" .
akr:quote a oa:TextQuoteSelector ; oa:exact "He said \"</td></tr></table><script>alert('sentence')</script>\"." .
akr:position a oa:TextPositionSelector ; oa:start 0 ; oa:end 10 .
"""
FRONT_PORT = 7878  # the port the front believes it listens on (requests name it in Host)


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    """The front as a WSGI app, in front of a writable Oxigraph holding the hostile graph."""
    tmp = tmp_path_factory.mktemp("hostile")
    (tmp / "hostile.ttl").write_text(HOSTILE_TTL, encoding="utf-8")
    load_into(find_oxigraph(), tmp / "hostile.ttl", tmp / "store")
    proc, url = start_oxigraph(tmp / "store")
    app = Front("127.0.0.1", FRONT_PORT, timeout=30, workdir=str(tmp))
    app.switch(url.rsplit("/", 1)[0])
    try:
        yield app
    finally:
        app.close()
        stop(proc)


def call(app, path: str, query: str = "", method: str = "GET", **headers) -> tuple[int, Headers, str]:
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update({"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
                    "HTTP_HOST": f"127.0.0.1:{FRONT_PORT}"})
    environ.update({"HTTP_" + k.upper(): v for k, v in headers.items()})
    got = {}

    def start_response(status, response_headers):
        got["status"], got["headers"] = status, Headers(list(response_headers))  # names in any case

    body = app(environ, start_response)
    try:
        data = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return int(got["status"].split()[0]), got["headers"], data.decode("utf-8")


def test_the_entity_page_escapes_every_text_of_the_graph(front):
    status, headers, body = call(front, "/entity", "iri=" + urllib.parse.quote(AKR + "evil"))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Content-Security-Policy"] == ENTITY_CSP
    assert "<script" not in body and "<img" not in body and "<b " not in body
    assert "<title>&lt;script&gt;alert(&#x27;label&#x27;)&lt;/script&gt; &amp; co - alliance-kg</title>" in body
    assert '<h1 id="label">&lt;script&gt;alert(&#x27;label&#x27;)&lt;/script&gt; &amp; co</h1>' in body
    place = "https://w3id.org/alliance-kg/id/o'place"
    assert (f'<a href="/entity?iri={urllib.parse.quote(place, safe="")}" title="https://w3id.org/alliance-kg/id/'
            f'o&#x27;place">&lt;img src=x onerror=alert(&#x27;place&#x27;)&gt;</a>') in body
    assert ('<td class="sentence">He said &quot;&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;'
            'alert(&#x27;sentence&#x27;)&lt;/script&gt;&quot;.</td>') in body
    assert "<td>&lt;b onmouseover=alert(1)&gt;rule&lt;/b&gt;</td>" in body
    tags = _tags(body)
    assert {t for t, _ in tags} <= {"html", "head", "meta", "title", "link", "body", "header", "a", "span", "main",
                                    "h1", "p", "code", "h2", "table", "thead", "tr", "th", "tbody", "td"}
    assert [a for _, attrs in tags for a in attrs if a[0].startswith("on") or a[0] == "style"] == []


def test_the_entity_page_of_an_unknown_or_bad_iri(front):
    status, headers, body = call(front, "/entity", "iri=akr:nothing-here")
    assert status == 404 and '<p class="note" id="unknown">The graph holds nothing about this IRI.</p>' in body
    assert '<h1 id="label">akr:nothing-here</h1>' in body
    for query, message in (("", "give one IRI: /entity?iri=IRI (full, or compact such as akr:turkey)\n"),
                           ("iri=a&iri=b", "give one IRI: /entity?iri=IRI (full, or compact such as akr:turkey)\n"),
                           ("iri=" + urllib.parse.quote("<a b>"),
                            "parameter 'iri': not an IRI: '<a b>' holds the character ' '\n")):
        assert call(front, "/entity", query)[::2] == (400, message)


def test_the_library_lists_the_queries_and_the_prefixes(front):
    status, headers, body = call(front, "/library")
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    library = json.loads(body)
    assert library["prefixes"] == vocab.PREFIXES
    assert [q["name"] for q in library["queries"]] == [q.name for q in list_queries()]
    shared = next(q for q in library["queries"] if q["name"] == "bases-shared-with")
    assert shared["params"] == [{"name": "partner", "kind": "literal", "required": True,
                                 "description": "the partner country's name, e.g. Germany"}]
    assert shared["text"] == (ROOT / "queries" / "bases-shared-with.rq").read_text(encoding="utf-8")


def test_a_library_query_runs_with_its_parameters_bound_by_the_server(front):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = call(front, "/query", urllib.parse.urlencode({"query": count}), ACCEPT="text/csv")
    assert before[::2] == (200, "n\r\n19\r\n")  # the hostile graph's 19 triples
    status, headers, body = call(front, "/library/entity-facts", "entity_iri=akr:evil")
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    rows = json.loads(body)["results"]["bindings"]
    assert sorted(r["property"]["value"].rsplit("#", 1)[1] for r in rows) == ["label", "locatedIn", "type"]
    status, headers, body = call(front, "/library/bases-shared-with", "partner=" + urllib.parse.quote(HOSTILE),
                                 ACCEPT="text/csv")
    assert (status, body) == (200, "base,baseLabel,host,hostLabel,partner,partnerLabel\r\n")
    assert call(front, "/query", urllib.parse.urlencode({"query": count}), ACCEPT="text/csv")[::2] == before[::2]
    status, headers, body = call(front, "/library/entity-subgraph", "entity_iri=akr:evil")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle") and "evil" in body


@pytest.mark.parametrize("path, query, status, message", [
    ("/library/nope", "", 404, "unknown query 'nope': GET /library lists the library's queries"),
    ("/library/../../etc/passwd", "", 404,
     "unknown query '../../etc/passwd': GET /library lists the library's queries"),
    ("/library/shared-bases.rq", "", 404, "unknown query 'shared-bases.rq': GET /library lists the library's queries"),
    ("/library/bases-shared-with", "", 400,
     "missing parameter 'partner' for query 'bases-shared-with' (add ?partner=VALUE to the URL)"),
    ("/library/bases-shared-with", "partner=a&partner=b", 400, "parameter 'partner' given twice"),
    ("/library/shared-bases", "year=1", 400, "unknown parameter 'year' for query 'shared-bases'; its parameters: none"),
    ("/library/entity-facts", "entity_iri=not%20an%20iri", 400,
     "parameter 'entity_iri': not an IRI: 'not an iri' holds the character ' '"),
    ("/library/entity-facts", "entity_iri=%FF", 400, "the URL query string is not a valid UTF-8 form"),
])
def test_library_errors_are_one_line(front, path, query, status, message):
    got = call(front, path, query)
    assert (got[0], got[2]) == (status, message + "\n")
    assert got[1]["Content-Type"] == "text/plain; charset=utf-8"


def test_the_page_routes_keep_the_fronts_guards(front):
    assert call(front, "/library/shared-bases", method="POST")[:1] == (405,)
    assert call(front, "/", method="DELETE")[0] == 405
    for path in ("/", "/library", "/library/shared-bases", "/entity"):
        status, _, body = call(front, path, "iri=akr:evil", ORIGIN="http://evil.example")
        assert status == 403 and body == "requests from other web origins are refused (Origin: http://evil.example)\n"
        assert call(front, path, "iri=akr:evil", SEC_FETCH_SITE="cross-site")[0] == 403
    assert call(front, "/logo.svg")[0] == 404  # Oxigraph's own page is no longer served
    status, headers, body = call(front, "/library/shared-bases", method="HEAD")
    assert status == 200 and body == ""


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.data.append(data)


def _tags(body: str) -> list[tuple[str, list]]:
    parser = _Tags()
    parser.feed(body)
    return parser.tags


def test_the_page_is_served_with_its_policy_and_no_inline_script(front):
    status, headers, body = call(front, "/")
    assert status == 200 and headers["Content-Security-Policy"] == PAGE_CSP
    assert "script-src 'self';" in PAGE_CSP and "connect-src 'self';" in PAGE_CSP and "unsafe" not in PAGE_CSP
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    tags = _tags(body)
    scripts = [dict(attrs) for tag, attrs in tags if tag == "script"]
    assert [s["src"] for s in scripts] == ["/yasgui.min.js", "/page.js"]
    assert [a for _, attrs in tags for a in attrs if a[0].startswith("on") or a[0] == "style"] == []
    urls = [v for _, attrs in tags for k, v in attrs if k in ("src", "href")]
    assert urls and [u for u in urls if not u.startswith("/")] == []  # everything from this server
    for path in ("/page.js", "/yasgui.min.js"):
        status, headers, text = call(front, path)
        assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8"
        assert call(front, path, IF_NONE_MATCH=headers["ETag"])[:1] == (304,)
    page_js = (static_dir() / "page.js").read_text(encoding="utf-8")
    assert "innerHTML" not in page_js and "eval(" not in page_js and "http" not in page_js.replace("https?", "")


def test_the_bundled_yasgui_says_what_it_is(front):
    folder = static_dir() / "yasgui"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "**@zazuko/yasgui 4.6.2**" in readme and "https://github.com/rdfjs/Yasgui" in readme
    for name in ("yasgui.min.js", "yasgui.min.css"):  # the README's checksums are the files'
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert f"| {name} | `{digest}` |" in readme
    assert (folder / "LICENSE").read_text(encoding="utf-8").startswith("The MIT License (MIT)")
    assert "codemirror 5." in (folder / "THIRD-PARTY-LICENSES").read_text(encoding="utf-8")
    assert call(front, "/yasgui/LICENSE")[:1] == (200,)
    # the page's policy allows exactly the <style> texts the bundle's column resizer adds, by hash
    js = (folder / "yasgui.min.js").read_text(encoding="utf-8")
    grips = re.findall(r"createStyle\(a,`([^`]*)`\)", js)
    assert len(grips) == 1 and "dragCursor:`col-resize`" in js and "`*{cursor:`+n.opt.dragCursor+`!important}`" in js
    hashes = ["sha256-" + base64.b64encode(hashlib.sha256(t.encode()).digest()).decode()
              for t in (grips[0], "*{cursor:col-resize!important}")]
    assert tuple(hashes) == YASGUI_STYLE_HASHES and all(f"'{h}'" in PAGE_CSP for h in hashes)
    assert "4.6.2" in call(front, "/yasgui/README.md")[2]


# --------------------------------------------------------------------------- failures: one line


@pytest.fixture
def taken_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_a_taken_port_is_one_line_whatever_rust_backtrace_says(built_graph, taken_port):
    r = run_kg("serve", "--graph", built_graph, "--bind", f"127.0.0.1:{taken_port}", env={"RUST_BACKTRACE": "1"})
    assert (r.returncode, r.stderr) == (2, f"error: cannot listen on 127.0.0.1:{taken_port}: Address already in use\n")
    assert r.stdout == ""


def test_oxigraphs_own_port_taken_is_one_line(built_graph, taken_port, tmp_path, monkeypatch):
    """Oxigraph's private port taken by another program (on every try): its Rust error, backtrace and
    all when RUST_BACKTRACE=1, becomes one sentence; the temporary folder is removed."""
    load_into(find_oxigraph(), built_graph, tmp_path / "s")
    raw = subprocess.run(serve_module.server_command(find_oxigraph(), tmp_path / "s", "127.0.0.1", taken_port),
                         capture_output=True, text=True, timeout=30, env={**os.environ, "RUST_BACKTRACE": "1"})
    assert "Stack backtrace:" in raw.stderr and "_start" in raw.stderr  # what the user used to see
    assert oxigraph_message(raw.stderr + raw.stdout) == "its address is already in use"
    monkeypatch.setenv("RUST_BACKTRACE", "1")
    monkeypatch.setattr(serve_module, "free_loopback_port", lambda: taken_port)
    monkeypatch.setattr(serve_module.tempfile, "tempdir", str(tmp_path))
    with pytest.raises(KGError) as info:
        serve_module.serve(graph=built_graph, bind=f"127.0.0.1:{free_port()}", echo=lambda m: None)
    assert str(info.value) == (f"the Oxigraph server cannot listen on its private address 127.0.0.1:{taken_port}: "
                               "the address is already in use (3 ports tried)")
    assert [p.name for p in tmp_path.iterdir()] == ["s"]  # the kg-serve-* folder is gone


def test_a_bad_graph_or_store_is_one_line_whatever_rust_backtrace_says(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle <<<\n", encoding="utf-8")
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "CURRENT").write_text("junk\n", encoding="utf-8")
    env = {"RUST_BACKTRACE": "1", "RUST_LIB_BACKTRACE": "1"}
    r = run_kg("serve", "--graph", bad, "--bind", f"127.0.0.1:{free_port()}", env=env)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert re.fullmatch(rf"error: {re.escape(str(bad))}: cannot load the graph: not valid RDF: Parser error at "
                        r"line 1 between columns \d+ and \d+: [^\n]+\n", r.stderr), r.stderr
    r = run_kg("serve", "--store", junk, "--bind", f"127.0.0.1:{free_port()}", env=env)
    assert (r.returncode, r.stderr) == (2, f"error: {junk}: not an Oxigraph store folder (it has no CURRENT file "
                                           "naming a manifest); build one with `kg build --store DIR`\n")
    (junk / "CURRENT").write_text("MANIFEST-000001\n", encoding="utf-8")  # a store folder, damaged
    r = run_kg("serve", "--store", junk, "--bind", f"127.0.0.1:{free_port()}", env=env)
    assert (r.returncode, r.stderr) == (2, "error: the Oxigraph server stopped at start (exit 1): not an Oxigraph "
                                           "store folder, or a damaged one (IO error: No such file or directory: "
                                           f"While opening a file for sequentially reading: {junk}/MANIFEST-000001: "
                                           "No such file or directory)\n")


def test_a_missing_binary_is_one_line(built_graph, tmp_path, monkeypatch):
    monkeypatch.setattr(serve_module, "find_oxigraph", lambda: str(tmp_path / "gone" / "oxigraph"))
    monkeypatch.setattr(serve_module.tempfile, "tempdir", str(tmp_path))
    with pytest.raises(KGError) as info:
        serve_module.serve(graph=built_graph, bind=f"127.0.0.1:{free_port()}", echo=lambda m: None)
    gone = tmp_path / "gone" / "oxigraph"
    assert str(info.value) == f"cannot run the Oxigraph server {gone}: No such file or directory"
    assert list(tmp_path.iterdir()) == []


def test_oxigraph_messages():
    assert oxigraph_message("") == "no message"
    backtrace = "Error: IO error: something\n\nCaused by:\n    x\n\nStack backtrace:\n   0: main\n   7: _start"
    assert oxigraph_message(backtrace) == "IO error: something"
    assert oxigraph_message("Error: Corruption: CURRENT file corrupted\n\nCaused by:\n    Corruption: CURRENT") == \
        "not an Oxigraph store folder, or a damaged one (Corruption: CURRENT file corrupted)"


@pytest.mark.parametrize("name", ["graph.page", "graph.serve", "graph.front"])
def test_docstring_examples(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
