"""The network page in a real browser (Playwright + Debian Chromium), fully offline.

Every request except the page's own file:// load is aborted and recorded; console errors, page
errors and dialogs are recorded too. A screenshot goes to test-artifacts/network.png.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT
from graph.export import to_networkx
from graph.view import view_graph, write_html
from test_view import HREF, IMG, SCRIPT, build_xss_graph, synthetic_graph, write_labels_graph

AKR = "https://w3id.org/alliance-kg/id/"
INCIRLIK = AKR + "incirlik-air-base"
#: a JS test of a node id: is it one of the page's concept nodes (areas, threats, purposes, periods)?
CONCEPT_JS = "JSON.parse(document.getElementById('kg-data').textContent).nodes.find(n => n.id === id).concept === 1"
ARTIFACTS = ROOT / "test-artifacts"


@dataclass
class Log:
    errors: list = field(default_factory=list)  #: console errors and uncaught page errors
    requests: list = field(default_factory=list)  #: every request other than the page itself (aborted)
    dialogs: list = field(default_factory=list)  #: alert/confirm/prompt dialogs (dismissed)


def open_page(browser, path: Path, width=1400, height=850):
    url = path.resolve().as_uri()
    page = browser.new_page(viewport={"width": width, "height": height})
    log = Log()
    page.on("console", lambda m: log.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: log.errors.append(f"pageerror: {e}"))

    def on_dialog(d):
        log.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)

    def route(r):
        if r.request.url == url:
            r.continue_()
        else:
            log.requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url)
    wait_js(page, "!!(window.kgView && window.kgView.ready === true)")
    return page, log


def wait_js(page, expression: str, timeout: float = 60.0):
    """Poll a JS expression until truthy. (Playwright's wait_for_function polls with eval, which the
    page's Content-Security-Policy rightly forbids; page.evaluate goes through the debugger protocol.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def id_point(page, node_id, scale: float | None = None):
    """Viewport coordinates of a node of the DataSet by its vis id (e.g. a cluster's "c:3")."""
    return page.evaluate("""([id, scale]) => {
        if (scale) network.moveTo({position: network.getPositions([id])[id], scale: scale, animation: false});
        const p = network.canvasToDOM(network.getPositions([id])[id]);
        const r = document.querySelector('#graph canvas').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""", [node_id, scale])


def node_point(page, key: str, scale: float | None = None):
    """Viewport coordinates of a node (optionally after centring it at a zoom scale)."""
    return page.evaluate("""([key, scale]) => {
        const id = kgView.ids[key];
        if (scale) network.moveTo({position: network.getPositions([id])[id], scale: scale, animation: false});
        const p = network.canvasToDOM(network.getPositions([id])[id]);
        const r = document.querySelector('#graph canvas').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""", [key, scale])


def move_off(page):
    """Move the mouse onto an empty corner of the canvas: the tooltip goes away."""
    x, y = page.evaluate("(() => { const r = document.querySelector('#graph canvas').getBoundingClientRect();"
                         " return [r.left + 2, r.top + 2]; })()")
    page.mouse.move(x, y)
    page.wait_for_selector("div.vis-tooltip", state="hidden", timeout=5_000)


_MOUSE: dict[int, tuple[float, float]] = {}  # where hover() last put each page's mouse


def hover(page, x: float, y: float) -> None:
    """Move the mouse to (x, y) and remember it, so that tooltip_text can move it again if need be."""
    _MOUSE[id(page)] = (x, y)
    page.mouse.move(x, y)


def tooltip_text(page) -> str:
    """The tooltip's text once it shows. vis-network shows it after a hover delay, on a mouse *move*:
    on a loaded machine the first move can come before the page is ready, so the mouse is moved by a
    pixel and back every 1.5 s (up to 15 s) until it shows."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(10):
        try:
            page.wait_for_selector("div.vis-tooltip", state="visible", timeout=1_500)
            return page.inner_text("div.vis-tooltip")
        except PlaywrightTimeout:
            if id(page) not in _MOUSE or attempt == 9:
                raise
            x, y = _MOUSE[id(page)]
            page.mouse.move(x + 1, y)
            page.mouse.move(x, y)
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def G(built_graph):
    return to_networkx(built_graph)


@pytest.fixture(scope="module")
def page_file(built_graph, tmp_path_factory):
    out = tmp_path_factory.mktemp("page") / "network.html"
    write_html(view_graph(built_graph), out)
    return out


def test_page_loads_offline_with_no_error_and_all_nodes_and_edges(browser, page_file, G):
    page, log = open_page(browser, page_file)
    counts = page.evaluate("[network.body.data.nodes.length, network.body.data.edges.length]")
    assert counts == [G.number_of_nodes(), G.number_of_edges()]
    keys = page.evaluate("Object.keys(kgView.ids).sort()")
    assert keys == sorted(G.nodes)
    assert page.evaluate("network.physics.options.enabled") is False  # stabilised, then still
    legend = page.inner_text("#legend")
    assert "air base" in legend and "country" in legend
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "network.png"))
    assert log.errors == [] and log.requests == [] and log.dialogs == []
    page.close()


def test_click_selects_a_node_and_highlights_its_neighbours(browser, page_file, G):
    page, log = open_page(browser, page_file)
    x, y = node_point(page, INCIRLIK, scale=1.5)
    page.mouse.click(x, y)
    wait_js(page, "kgView.selected !== null")
    selected = page.evaluate("network.getSelectedNodes().map(id => Object.keys(kgView.ids).find(k => kgView.ids[k] === id))")
    assert selected == [INCIRLIK]
    expected = sorted(set(G.successors(INCIRLIK)) | set(G.predecessors(INCIRLIK)))
    assert expected == [AKR + "germany", AKR + "turkey"]
    assert page.evaluate("kgView.highlighted") == expected
    colours = page.evaluate("""() => Object.fromEntries(Object.entries(kgView.ids).map(
        ([k, id]) => [k, network.body.data.nodes.get(id).color.background]))""")
    for key, colour in colours.items():
        dimmed = key not in expected and key != INCIRLIK
        assert (colour == "#e4e4e4") == dimmed, (key, colour)
    details = page.inner_text("#details")
    assert "Incirlik Air Base" in details and "German forces are based in Incirlik Air Base" in details
    page.screenshot(path=str(ARTIFACTS / "network-selected.png"))
    assert log.errors == [] and log.requests == []
    page.close()


def test_hover_shows_the_evidence_of_a_node_and_of_an_edge(browser, page_file):
    page, log = open_page(browser, page_file)
    x, y = node_point(page, INCIRLIK, scale=1.2)
    hover(page, x, y)
    text = tooltip_text(page)
    assert text.startswith("Incirlik Air Base") and "air base" in text
    assert "Incirlik Air Base \u2192 hosts forces of \u2192 Germany" in text
    assert text.count("German forces are based in Incirlik Air Base") == 1  # one sentence, two facts: shown once
    assert "German forces are based in Incirlik Air Base" in text
    assert "Shared Military Bases in Islamic Nations" in text and "shared-military-bases.md" in text
    page.screenshot(path=str(ARTIFACTS / "network-hover.png"))
    move_off(page)
    # the edge Incirlik -> Germany: hover a point on it, a quarter of the way from the base
    (ax, ay), (bx, by) = node_point(page, INCIRLIK), node_point(page, AKR + "germany")
    hover(page, ax + (bx - ax) * 0.3, ay + (by - ay) * 0.3)
    text = tooltip_text(page)
    assert "Incirlik Air Base \u2192 hosts forces of \u2192 Germany" in text
    assert "German forces are based in Incirlik Air Base" in text
    assert log.errors == [] and log.requests == []
    page.close()


def test_search_box_finds_incirlik_air_base(browser, page_file):
    page, log = open_page(browser, page_file)
    page.fill("#search", "Incirlik Air Base")
    page.press("#search", "Enter")
    assert page.inner_text("#search-status") == "found: Incirlik Air Base"
    assert page.evaluate("network.getSelectedNodes()") == [page.evaluate(f"kgView.ids[{INCIRLIK!r}]")]
    assert page.evaluate("kgView.selected") == INCIRLIK
    page.fill("#search", "no such place")
    page.press("#search", "Enter")
    assert "no node matches" in page.inner_text("#search-status")
    page.fill("#search", "Incirlik Air Base")
    page.press("#search", "Enter")
    page.evaluate("network.fit({animation: false})")
    page.screenshot(path=str(ARTIFACTS / "network-search.png"))  # the whole graph, the base's neighbourhood lit
    options = page.evaluate("Array.from(document.querySelectorAll('#node-names option')).map(o => o.value)")
    assert "Incirlik Air Base" in options
    assert log.errors == [] and log.requests == []
    page.close()


def test_type_filter_hides_and_shows_a_class(browser, page_file, G):
    page, log = open_page(browser, page_file)
    n_air = sum(1 for _, t in G.nodes(data="type") if t == "AirBase")
    hidden = "network.body.data.nodes.get().filter(n => n.hidden).map(n => n.id)"
    concepts = sorted(page.evaluate(f"Object.values(kgView.ids).filter(id => {CONCEPT_JS})"))
    assert sorted(page.evaluate(hidden)) == concepts  # concepts start folded into the side panel
    page.uncheck("#legend input[data-type='AirBase']")
    air = sorted(page.evaluate("Object.values(kgView.ids).filter(id => network.body.data.nodes.get(id).shape === 'triangle')"))
    assert len(air) == n_air == 3
    assert sorted(page.evaluate(hidden)) == sorted(concepts + air)
    page.check("#legend input[data-type='AirBase']")
    assert sorted(page.evaluate(hidden)) == concepts
    assert log.errors == [] and log.requests == []
    page.close()


@pytest.mark.parametrize("which", ["built-from-document", "labels-and-iris"])
def test_payloads_in_documents_open_no_dialog(browser, tmp_path, which):
    source = build_xss_graph(tmp_path) if which == "built-from-document" else write_labels_graph(tmp_path)
    out = tmp_path / "xss.html"
    write_html(view_graph(source), out, title=f"Payload {SCRIPT} {IMG}")
    page, log = open_page(browser, out)
    keys = page.evaluate("Object.keys(kgView.ids).sort()")
    seen = []
    for key in keys:  # hover and click every node: tooltips and the details panel get built
        x, y = node_point(page, key, scale=1.2)
        hover(page, x, y)
        seen.append(tooltip_text(page))
        page.mouse.click(x, y)
        seen.append(page.inner_text("#details"))
        move_off(page)
    page.fill("#search", "Camp" if which == "labels-and-iris" else "Incirlik")
    page.press("#search", "Enter")
    page.wait_for_timeout(300)
    if page.is_visible("#tab-map"):  # the map: hover and click every marker (tooltip, side panel)
        page.click("#tab-map")
        wait_js(page, "kgMap.markers.length > 0")
        left, top = page.evaluate("(() => { const r = document.getElementById('map-canvas').getBoundingClientRect(); return [r.left, r.top]; })()")
        for m in page.evaluate("kgMap.markers"):
            page.mouse.move(left + m["x"], top + m["y"])
            seen.append(page.inner_text("#map-tip"))
            page.mouse.click(left + m["x"], top + m["y"])
            seen.append(page.inner_text("#details"))
        assert which == "labels-and-iris" or len(page.evaluate("kgMap.markers")) >= 2
    with page.expect_download():
        page.click("#png")
    assert log.dialogs == []  # no payload ran
    text = "\n".join(seen)
    assert IMG in text and SCRIPT in text and HREF in text  # shown as plain text
    assert page.evaluate("document.querySelectorAll('img, a, iframe').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 3  # data, vis-network, the page's own
    assert page.title() == f"Payload {SCRIPT} {IMG}"
    assert log.dialogs == [] and log.errors == [] and log.requests == []
    page.close()


def test_csp_blocks_what_the_page_does_not_hash(browser, page_file, tmp_path):
    # the policy is the one the browser enforces: an injected inline script, an event-handler
    # attribute, a style attribute and a <base> are refused (each a console error), the page still works
    page_text = page_file.read_text(encoding="utf-8")
    injected = ('<div id="probe" onclick="window.handlerRan = true" style="color: rgb(255, 0, 0)">probe</div>'
                '<script>window.injectedRan = true;</script><base href="https://example.invalid/">')
    out = tmp_path / "injected.html"
    out.write_text(page_text.replace("<main>", injected + "<main>", 1), encoding="utf-8")
    page, log = open_page(browser, out)
    csp = page.evaluate("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content")
    assert "'unsafe-inline'" not in csp and "base-uri 'none'" in csp and "form-action 'none'" in csp
    page.click("#probe")
    page.wait_for_timeout(200)
    assert page.evaluate("[window.injectedRan === undefined, window.handlerRan === undefined]") == [True, True]
    assert page.evaluate("getComputedStyle(document.getElementById('probe')).color") != "rgb(255, 0, 0)"
    assert page.evaluate("document.baseURI") == out.resolve().as_uri()
    violations = " ".join(log.errors)
    assert "script-src" in violations and "style-src" in violations and "base-uri" in violations, log.errors
    assert page.evaluate("network.body.data.nodes.length") > 0 and log.requests == []
    page.close()


def test_large_graph_shows_with_python_layout_and_no_physics(browser, tmp_path):
    big = synthetic_graph(n_bases=400, n_countries=80, n_orgs=12)
    out = tmp_path / "big.html"
    write_html(big, out, overview=False)  # every node drawn (the overview of clusters: the tests below)
    page, log = open_page(browser, out)
    assert page.evaluate("[network.body.data.nodes.length, network.body.data.edges.length]") == [
        big.number_of_nodes(), big.number_of_edges()]
    assert page.evaluate("network.physics.options.enabled") is False
    page.screenshot(path=str(ARTIFACTS / "network-large.png"))
    assert log.errors == [] and log.requests == []
    page.close()


def test_construct_view_with_a_literal_that_spells_an_iri(browser, tmp_path):
    # pyvis keys nodes by their text, so a literal "https://.../land-b" and the IRI collide and the
    # page goes blank; here nodes get integer ids and literals their own N-Triples keys
    from test_export import COLLIDE_TTL

    graph = tmp_path / "g.ttl"
    graph.write_text(COLLIDE_TTL, encoding="utf-8")
    rq = tmp_path / "all.rq"
    rq.write_text("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }\n", encoding="utf-8")
    V = view_graph(graph, query=str(rq))
    assert V.number_of_nodes() == 3 and V.number_of_edges() == 2
    out = tmp_path / "v.html"
    write_html(V, out)
    page, log = open_page(browser, out)
    assert page.evaluate("[network.body.data.nodes.length, network.body.data.edges.length]") == [3, 2]
    labels = page.evaluate("network.body.data.nodes.get().map(n => n.label).sort()")
    assert labels == ["Base A", "Land B", AKR + "land-b"]
    assert log.errors == [] and log.requests == []
    page.close()


def test_notebook_iframe_renders_the_page(browser, built_graph, G, tmp_path):
    from graph.view import show

    host = tmp_path / "notebook.html"
    host.write_text("<!DOCTYPE html><html><body>" + show(built_graph, height=600).data + "</body></html>",
                    encoding="utf-8")
    url = host.resolve().as_uri()
    page = browser.new_page(viewport={"width": 1200, "height": 700})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.route("**/*", lambda r: r.continue_() if r.request.url == url else (requests.append(r.request.url), r.abort()))
    page.goto(url)
    deadline = time.monotonic() + 60
    frame = None
    while frame is None or not frame.evaluate("!!(window.kgView && window.kgView.ready)"):
        assert time.monotonic() < deadline, "the iframe never got ready"
        page.wait_for_timeout(100)
        frames = [f for f in page.frames if f != page.main_frame]
        frame = frames[0] if frames else None
    assert frame.evaluate("[network.body.data.nodes.length, network.body.data.edges.length]") == [
        G.number_of_nodes(), G.number_of_edges()]
    assert errors == [] and requests == []
    page.close()


def test_an_edge_with_more_sentences_than_embedded_says_how_many_more(browser, tmp_path, edge_with_35_sentences):
    G = edge_with_35_sentences
    out = write_html(G, tmp_path / "many.html")
    page, log = open_page(browser, out)
    x, y = node_point(page, "a", scale=1.0)
    hover(page, x, y)
    text = tooltip_text(page)
    assert "Evidence (up to 35 sentences)" in text and "\u2026 and 32 more" in text  # 3 shown in a tooltip
    move_off(page)
    page.mouse.click(x, y)
    details = page.inner_text("#details")
    assert details.count("Sentence ") == 20 and "\u2026 and 15 more" in details
    assert log.errors == [] and log.requests == []
    page.close()


# --------------------------------------------------------------------------- overview, filters, map, PNG

SHOWN_IDS = "network.body.data.nodes.getIds()"


@pytest.fixture(scope="module")
def big_page(tmp_path_factory):
    """A 492-node graph: above the overview threshold, so the page opens on clusters (by community)."""
    from graph.view import page_data

    big = synthetic_graph(n_bases=400, n_countries=80, n_orgs=12)
    out = write_html(big, tmp_path_factory.mktemp("big") / "big.html")
    return big, page_data(big), out


def test_big_graph_opens_on_clusters_that_open_on_click(browser, big_page):
    big, data, out = big_page
    of = data["groups"]["community"]["of"]
    size = {g: of.count(g) for g in set(of)}
    assert data["overview"] is True and data["default_cluster"] == "community"
    expected = sorted([f"c:{g}" for g, k in size.items() if k > 1] + [i for i, g in enumerate(of) if size[g] == 1], key=str)
    page, log = open_page(browser, out)
    assert page.evaluate("kgView.mode") == "community"
    assert sorted(page.evaluate(SHOWN_IDS), key=str) == expected
    g = max(size, key=lambda g: (size[g], -g))  # the biggest cluster
    label = page.evaluate(f"network.body.data.nodes.get('c:{g}').label")
    assert label == f"{data['groups']['community']['names'][g]} ({size[g]})"
    page.screenshot(path=str(ARTIFACTS / "network-overview.png"))
    x, y = id_point(page, f"c:{g}", scale=0.6)
    page.mouse.click(x, y)
    wait_js(page, "kgView.opened.length === 1")
    shown = page.evaluate(SHOWN_IDS)
    members = [i for i, h in enumerate(of) if h == g]
    assert f"c:{g}" not in shown and set(members) <= set(shown)
    assert sorted(page.evaluate("kgView.added")) == members  # exactly the cluster's nodes came in
    assert log.errors == [] and log.requests == [] and log.dialogs == []
    page.close()


def test_clicking_a_node_expands_exactly_its_neighbours(browser, big_page):
    big, data, out = big_page
    of = data["groups"]["community"]["of"]
    keys = [n["key"] for n in data["nodes"]]
    page, log = open_page(browser, out)
    g = max(set(of), key=lambda g: (of.count(g), -g))
    x, y = id_point(page, f"c:{g}", scale=0.6)
    page.mouse.click(x, y)
    wait_js(page, "kgView.opened.length === 1")
    before = set(page.evaluate(SHOWN_IDS))
    # a member of the opened cluster with neighbours still inside other, closed clusters
    member = next(i for i, h in enumerate(of) if h == g and any(
        of[keys.index(m)] != g for m in nx_neighbours(big, keys[i])))
    neighbours = {keys.index(m) for m in nx_neighbours(big, keys[member])}
    x, y = id_point(page, member, scale=1.5)
    page.mouse.click(x, y)
    wait_js(page, f"kgView.selected === {keys[member]!r}")
    after = set(page.evaluate(SHOWN_IDS))
    assert {i for i in after - before if isinstance(i, int)} == neighbours - before != set()
    assert sorted(page.evaluate("kgView.added")) == sorted(neighbours - before)
    assert all(i in after for i in neighbours)
    assert log.errors == [] and log.requests == [] and log.dialogs == []
    page.close()


def nx_neighbours(G, key):
    return sorted(set(G.successors(key)) | set(G.predecessors(key)))


def years_graph():
    """Five countries, an alliance, memberships and alliances that start and end in given years."""
    import networkx as nx

    G = nx.MultiDiGraph()
    for c in "ABCDE":
        G.add_node(f"{AKR}c-{c}", label=f"Country {c}", type="Country")
    G.add_node(AKR + "pact", label="Pact", type="MilitaryAlliance")
    spans = {"A": (1950, None), "B": (1960, 1990), "C": (1995, None), "D": (None, 1970), "E": (None, None)}
    for c, (sy, ey) in spans.items():
        attrs = {"relation": "memberOf", "label": "member of", "evidence": []}
        if sy:
            attrs["start_year"] = sy
        if ey:
            attrs["end_year"] = ey
        G.add_edge(f"{AKR}c-{c}", AKR + "pact", key="memberOf", **attrs)
    G.add_edge(f"{AKR}c-A", f"{AKR}c-B", key="alliedWith", relation="alliedWith", label="allied with", evidence=[],
               start_year=1980)
    G.add_edge(f"{AKR}c-C", f"{AKR}c-D", key="hostsForcesOf", relation="hostsForcesOf", label="hosts forces of", evidence=[])
    return G


def test_relation_and_year_filters_hide_exactly_the_matching_edges(browser, tmp_path):
    G = years_graph()
    out = write_html(G, tmp_path / "years.html")
    page, log = open_page(browser, out)
    edge_ids = page.evaluate("""Object.fromEntries(JSON.parse(document.getElementById('kg-data').textContent).edges.map(
        e => [e.id, Object.keys(kgView.ids).find(k => kgView.ids[k] === e.from).split('/').pop() + ' ' + e.relation + ' '
              + Object.keys(kgView.ids).find(k => kgView.ids[k] === e.to).split('/').pop()]))""")
    hidden = "network.body.data.edges.get().filter(e => e.hidden).map(e => edge_names[e.id]).sort()"
    page.evaluate(f"window.edge_names = {json.dumps(edge_ids)}")
    assert page.evaluate(hidden) == []
    page.uncheck("#relations input[data-relation='memberOf']")
    assert page.evaluate(hidden) == sorted(f"c-{c} memberOf pact" for c in "ABCDE")
    page.check("#relations input[data-relation='memberOf']")
    assert page.evaluate(hidden) == []
    assert page.evaluate("[document.getElementById('year').min, document.getElementById('year').max]") == ["1950", "1995"]
    page.check("#year-on")

    def at(year):
        page.evaluate(f"(() => {{ const r = document.getElementById('year'); r.value = '{year}';"
                      " r.dispatchEvent(new Event('input')); })()")
        return page.evaluate(hidden)

    # a fact is hidden when it starts after the year or ends before it; a fact without years never is
    assert at(1955) == sorted(["c-A alliedWith c-B", "c-B memberOf pact", "c-C memberOf pact"])
    assert at(1975) == sorted(["c-A alliedWith c-B", "c-C memberOf pact", "c-D memberOf pact"])
    assert at(1995) == sorted(["c-B memberOf pact", "c-D memberOf pact"])
    assert page.inner_text("#year-value") == "1995"
    page.uncheck("#year-on")
    assert page.evaluate(hidden) == []
    assert log.errors == [] and log.requests == [] and log.dialogs == []
    page.close()


def test_map_draws_one_marker_per_base_at_its_coordinates(browser, page_file, G):
    page, log = open_page(browser, page_file)
    assert page.is_visible("#tab-map") and not page.is_visible("#map-canvas")
    page.click("#tab-map")
    wait_js(page, "kgMap.view !== null && kgMap.markers.length > 0")
    bases = {n: d for n, d in G.nodes(data=True) if d["type"] in ("AirBase", "NavalBase", "MilitaryBase")}
    placed = {n: (d["lon"], d["lat"]) for n, d in bases.items() if d.get("lat") is not None}
    assert len(placed) == 3
    markers = page.evaluate("kgMap.markers.filter(m => m.base)")
    assert sorted(m["key"] for m in markers) == sorted(placed)  # one marker per base with coordinates
    view = page.evaluate("kgMap.view")
    colour = {m["key"]: page.evaluate(f"""(() => {{
        const c = document.getElementById('map-canvas'), r = window.devicePixelRatio || 1;
        const d = c.getContext('2d').getImageData(Math.round({m['x']} * r), Math.round({m['y']} * r), 1, 1).data;
        return '#' + [d[0], d[1], d[2]].map(v => v.toString(16).padStart(2, '0')).join('');
    }})()""") for m in markers}
    for m in markers:
        lon, lat = placed[m["key"]]
        # equirectangular: x = (lon - west) * scale, y = (north - lat) * scale (canvas pixels)
        assert abs(m["x"] - (lon - view["west"]) * view["scale"]) < 2 and abs(m["y"] - (view["north"] - lat) * view["scale"]) < 2
        assert colour[m["key"]] == "#f28e2b", (m, colour)  # the air base colour is drawn right there
    w, h = page.evaluate("[document.getElementById('map-canvas').clientWidth, document.getElementById('map-canvas').clientHeight]")
    assert all(0 < m["x"] < w and 0 < m["y"] < h for m in markers)
    assert page.evaluate("kgMap.arcs") == 3  # one arc per base -> partner country fact
    # a click on a marker opens its side panel, as on the network
    inc = next(m for m in markers if m["key"] == INCIRLIK)
    box = page.evaluate("(() => { const r = document.getElementById('map-canvas').getBoundingClientRect(); return [r.left, r.top]; })()")
    page.mouse.click(box[0] + inc["x"], box[1] + inc["y"])
    assert "Incirlik Air Base" in page.inner_text("#details") and page.evaluate("kgView.selected") == INCIRLIK
    page.screenshot(path=str(ARTIFACTS / "network-map.png"))
    assert log.errors == [] and log.requests == [] and log.dialogs == []
    page.close()


@pytest.mark.parametrize("view", ["network", "map"])
def test_png_export_saves_a_non_empty_image(browser, page_file, tmp_path, view):
    page, log = open_page(browser, page_file)
    if view == "map":
        page.click("#tab-map")
        wait_js(page, "kgMap.markers.length > 0")
    with page.expect_download() as info:
        page.click("#png")
    path = tmp_path / "saved.png"
    info.value.save_as(path)
    png = path.read_bytes()
    assert info.value.suggested_filename == f"{view}.png"
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    import struct

    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk: the canvas's size
    assert width > 500 and height > 400
    assert log.errors == [] and log.requests == [] and log.dialogs == []
    page.close()
