"""The network page: self-contained, safe (escaped document text), deterministic, cached layout, notebooks."""

from __future__ import annotations

import html
import json
import random
import re
import subprocess
import sys

import networkx as nx
import pytest

from conftest import ROOT, run_kg
from graph.errors import KGError
from graph.export import to_networkx
from graph.view import (LAYOUT_THRESHOLD, _vis_assets, graph_hash, page_data, render_html, script_json, show,
                        view_graph)

AKR = "https://w3id.org/alliance-kg/id/"
IMG, SCRIPT, HREF = "<img src=x onerror=alert(1)>", '"><script>alert(2)</script>', "href=javascript:alert(3)"

#: a document whose title, section and fact sentences carry the three payloads
XSS_DOC = f"""# Bases {IMG} {SCRIPT}

## Hosting {HREF} {SCRIPT}

German forces are based at Incirlik Air Base in Turkey {IMG}.

U.S. forces are based at Al Udeid Air Base in Qatar {SCRIPT} and <a {HREF}>here</a>.
"""

#: a hand-written graph whose labels and IRIs carry the payloads (the extractor never makes such names)
XSS_LABELS_TTL = f"""
@prefix akg: <https://w3id.org/alliance-kg/ontology#> .
@prefix akr: <https://w3id.org/alliance-kg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/alliance-kg/id/camp-'x'> a akg:MilitaryBase ; rdfs:label {json.dumps('Camp ' + SCRIPT)} ;
    akg:hostsForcesOf akr:land .
akr:land a akg:Country ; rdfs:label {json.dumps('Land ' + IMG)} .
akr:doc-x akg:mentions akr:land .
akr:stmt-1 a akg:Statement ; akg:statementSubject <https://w3id.org/alliance-kg/id/camp-'x'> ;
    akg:statementProperty akg:hostsForcesOf ; akg:statementObject akr:land ; prov:wasDerivedFrom akr:ev-1 .
akr:ev-1 a akg:Evidence ; oa:hasSource akr:doc-x ; oa:hasSelector akr:ev-1-quote .
akr:ev-1-quote a oa:TextQuoteSelector ; oa:exact {json.dumps('Land hosts forces at the camp ' + HREF + ' ' + IMG)} .
akr:doc-x a akg:Document ; dcterms:title {json.dumps('Doc ' + SCRIPT)} ; akg:path "x.md" .
"""


def build_xss_graph(folder):
    """`kg build` on a one-document corpus holding the payloads; returns the graph file."""
    corpus = folder / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / "xss.md").write_text(XSS_DOC, encoding="utf-8")
    out = folder / "xss.ttl"
    r = run_kg("build", "--corpus", corpus, "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    return out


def write_labels_graph(folder):
    path = folder / "labels.ttl"
    path.write_text(XSS_LABELS_TTL, encoding="utf-8")
    return path


def synthetic_graph(n_bases=300, n_countries=60, n_orgs=10, seed=3) -> nx.MultiDiGraph:
    """A KG-shaped graph of n_bases + n_countries + n_orgs nodes (bases in and hosting countries, memberships)."""
    rnd = random.Random(seed)
    G = nx.MultiDiGraph()
    countries = [f"{AKR}country-{i}" for i in range(n_countries)]
    orgs = [f"{AKR}org-{i}" for i in range(n_orgs)]
    for i, c in enumerate(countries):
        G.add_node(c, label=f"Country {i}", type="Country")
    for i, o in enumerate(orgs):
        G.add_node(o, label=f"Alliance {i}", type="MilitaryAlliance")
    for i in range(n_bases):
        b = f"{AKR}base-{i}"
        G.add_node(b, label=f"Base {i}", type=rnd.choice(["AirBase", "NavalBase", "MilitaryBase"]))
        G.add_edge(b, rnd.choice(countries), key="locatedIn", relation="locatedIn", label="located in", evidence=[])
        G.add_edge(b, rnd.choice(countries), key="hostsForcesOf", relation="hostsForcesOf", label="hosts forces of",
                   evidence=[])
    for c in countries:
        for o in rnd.sample(orgs, 2):
            G.add_edge(c, o, key="memberOf", relation="memberOf", label="member of", evidence=[])
    return G


def evidence_of(data: dict, edge: dict) -> list[dict]:
    """An edge's evidence items, rebuilt from the page's tables (documents, sections, sentences, items)."""
    ev = data["evidence"]
    out = []
    for i in edge["ev"]:
        doc, sec, start, end, quote = ev["items"][i]
        title, path = ev["docs"][doc]
        item = {"quote": ev["quotes"][quote], "title": title, "path": path}
        if sec >= 0:
            item["section"] = ev["sections"][sec]
        if start >= 0:
            item["start"], item["end"] = start, end
        out.append(item)
    return out


def data_block(page: str) -> tuple[str, str]:
    """(the JSON text of the data block, the page without it)."""
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, flags=re.S)
    assert m, "no data block"
    return m.group(1), page[:m.start()] + page[m.end():]


@pytest.fixture(scope="module")
def G(built_graph):
    return to_networkx(built_graph)


@pytest.fixture(scope="module")
def xss_graph(tmp_path_factory):
    return build_xss_graph(tmp_path_factory.mktemp("xss"))


# --------------------------------------------------------------------------- embedding


def test_script_json_escapes_what_could_end_the_script():
    value = {"s": "</script><!-- & \u2028\u2029 'q' \"dq\""}
    text = script_json(value)
    assert not re.search("[<>&\u2028\u2029]", text)
    assert "\\u003c/script\\u003e" in text and "\\u0026" in text and "\\u2028" in text
    assert json.loads(text) == value


def test_page_is_one_self_contained_file_with_no_external_url(G):
    page = render_html(G)
    assert not re.search(r"<(script|img|iframe|link)[^>]*\s(src|href)\s*=", page, flags=re.I)
    assert not re.search(r"\bhref\s*=", page, flags=re.I)
    assert "@import" not in page and not re.search(r"\burl\(\s*(?!['\"]?data:)", page)
    assert "sourceMappingURL" not in page
    assert "bootstrap" not in page.lower()
    block, rest = data_block(page)
    # the only URLs outside the data are the licence comments and the SVG namespace of vis-network itself
    vis_js = _vis_assets()[0]
    urls = set(re.findall(r"https?://[^\s\"'<>)*]+", rest))
    assert urls <= set(re.findall(r"https?://[^\s\"'<>)*]+", vis_js)), urls
    assert urls <= {"http://almende.com", "http://opensource.org/licenses/MIT", "http://www.apache.org/licenses/LICENSE-2.0",
                    "http://www.w3.org/2000/svg", "http://visjs.org/", "https://github.com/visjs",
                    "https://github.com/visjs/vis-util",
                    "https://github.com/zloirock/core-js", "https://github.com/zloirock/core-js/blob/v3.51.0/LICENSE",
                    "https://visjs.github.io/vis-network/"}, urls
    assert "default-src 'none'" in page  # CSP: nothing may be fetched even if something tried
    assert "vis-network" in page and "new vis.Network(" in page  # vis-network inlined
    assert json.loads(block) == json.loads(json.dumps(page_data(G)))


def csp_of(page: str) -> str:
    metas = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert len(metas) == 1, metas
    return html.unescape(metas[0])


def sha256_source(text: str) -> str:
    import base64
    import hashlib

    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


@pytest.mark.parametrize("which", ["small", "large"])
def test_page_csp_allows_exactly_its_own_inline_blocks_by_hash(G, which):
    page = render_html(G if which == "small" else synthetic_graph(n_bases=400, n_countries=80, n_orgs=12),
                       title="Title \r\n <script>x</script> @@CSP@@")
    directives = [d.strip() for d in csp_of(page).split(";")]
    # every executed block (no type attribute) and every style block, hashed independently here
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    styles = re.findall(r"<style>(.*?)</style>", page, flags=re.S)
    assert len(scripts) == 2 and len(styles) == 2  # vis-network + the page's own, of each
    _, rest = data_block(page)
    rest = re.sub(r"<(script|style)>.*?</\1>", "", rest, flags=re.S)
    assert not re.search(r"<(script|style)\b", rest, flags=re.I)  # no block left without a hash
    assert directives == [
        "default-src 'none'",
        "script-src " + " ".join(sorted(sha256_source(t) for t in scripts)),
        "style-src " + " ".join(sorted(sha256_source(t) for t in styles)),
        "img-src data:",
        "font-src data:",
        "base-uri 'none'",
        "form-action 'none'",
        "object-src 'none'",
    ]
    assert "unsafe-" not in page.split("</head>")[0]  # no 'unsafe-inline', 'unsafe-eval' nor 'unsafe-hashes'
    assert "\r" not in page  # the text the browser hashes after its newline normalisation is the text hashed
    assert render_html(G if which == "small" else synthetic_graph(n_bases=400, n_countries=80, n_orgs=12),
                       title="Title \r\n <script>x</script> @@CSP@@") == page  # deterministic


def test_page_markup_has_no_event_handler_or_style_attribute(G):
    page = render_html(G)
    markup = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", "", page, flags=re.S)
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", markup, flags=re.I)
    assert not re.search(r"<[^>]*\sstyle\s*=", markup, flags=re.I)
    own_script = re.findall(r"<script>(.*?)</script>", page, flags=re.S)[-1]
    assert not re.search(r"\.on[a-z]+\s*=|setAttribute\(\s*[\"'](on|style)|innerHTML|outerHTML|insertAdjacentHTML"
                         r"|document\.write|eval\(|new Function", own_script)


def test_page_data_has_every_node_and_edge_with_evidence(G):
    data = page_data(G)
    assert len(data["nodes"]) == G.number_of_nodes() and len(data["edges"]) == G.number_of_edges()
    byid = {n["id"]: n for n in data["nodes"]}
    inc = next(n for n in data["nodes"] if n["label"] == "Incirlik Air Base")
    assert inc["type"] == "AirBase" and inc["key"] == AKR + "incirlik-air-base"
    [edge] = [e for e in data["edges"] if e["from"] == inc["id"] and byid[e["to"]]["label"] == "Germany"]
    assert edge["label"] == "hosts forces of"
    assert "German forces are based in Incirlik Air Base" in evidence_of(data, edge)[0]["quote"]
    assert evidence_of(data, edge)[0]["path"] == "shared-military-bases.md"
    assert [len(evidence_of(data, e)) for e in data["edges"]] == [
        len(d["evidence"]) for _, _, _, d in sorted(G.edges(keys=True, data=True), key=lambda e: e[:3])]
    assert {t["type"] for t in data["types"]} == {d["type"] for _, d in G.nodes(data=True)}
    assert data["physics"] is True and "x" not in inc  # small graph: vis lays it out


# --------------------------------------------------------------------------- safety


def test_payloads_reach_the_built_graph(xss_graph):
    X = to_networkx(xss_graph)
    quotes = [ev["quote"] for _, _, d in X.edges(data=True) for ev in d["evidence"]]
    titles = {ev["title"] for _, _, d in X.edges(data=True) for ev in d["evidence"]}
    sections = {ev["section"] for _, _, d in X.edges(data=True) for ev in d["evidence"]}
    assert any(IMG in q for q in quotes) and any(SCRIPT in q for q in quotes) and any(HREF in q for q in quotes)
    assert titles == {f"Bases {IMG} {SCRIPT}"}
    assert sections == {f"Hosting {HREF} {SCRIPT}"}


@pytest.mark.parametrize("which", ["built", "labels"])
def test_document_text_is_only_ever_json_data(xss_graph, tmp_path, which):
    source = xss_graph if which == "built" else write_labels_graph(tmp_path)
    page = render_html(view_graph(source), title=f"Title {SCRIPT}")
    block, rest = data_block(page)
    assert "<title>Title &quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;</title>" in rest
    rest = rest.replace("<title>Title &quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;</title>", "")
    assert not re.search(r"alert\([123]\)", rest)
    assert IMG not in rest and SCRIPT not in rest and HREF not in rest
    assert "<" not in block and ">" not in block and "&" not in block
    data = json.loads(block)
    texts = json.dumps(data, ensure_ascii=False)
    assert IMG in texts and SCRIPT in texts and HREF in texts  # shown as text, not dropped


# --------------------------------------------------------------------------- CLI, determinism, cache


def test_kg_view_writes_the_page_byte_identical(built_graph, tmp_path):
    out = tmp_path / "out" / "network.html"
    r = run_kg("view", "--graph", built_graph, "--out", out)
    assert r.returncode == 0, r.stderr
    assert "nodes" in r.stdout and out.exists()
    first = out.read_bytes()
    assert run_kg("view", "--graph", built_graph, "--out", out).returncode == 0
    assert out.read_bytes() == first
    assert [p.name for p in out.parent.iterdir()] == ["network.html"]  # no temp file left, no cache needed


def test_large_graph_gets_a_cached_python_layout_and_no_physics(tmp_path, monkeypatch):
    big = synthetic_graph()
    assert big.number_of_nodes() > LAYOUT_THRESHOLD
    cache = tmp_path / ".layout-cache"
    page = render_html(big, cache_dir=cache)
    data = json.loads(data_block(page)[0])
    assert data["physics"] is False
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in data["nodes"])
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == big.number_of_nodes()  # nobody on top of another
    assert [p.name for p in cache.iterdir()] == [graph_hash(big) + ".json"]

    import graph.layout as layout

    def no_layout(*a, **k):
        raise AssertionError("layout recomputed despite the cache")

    monkeypatch.setattr(layout, "force_layout", no_layout)
    assert render_html(big, cache_dir=cache) == page


def test_layout_is_deterministic_without_cache():
    big = synthetic_graph(n_bases=320)
    assert render_html(big) == render_html(big)


# --------------------------------------------------------------------------- queries


def test_view_of_a_select_query_is_the_subgraph_of_its_iris(built_graph):
    V = view_graph(built_graph, query="shared-bases")
    assert {n.removeprefix(AKR) for n in V} == {
        "al-udeid-air-base", "prince-sultan-air-base", "incirlik-air-base",
        "qatar", "saudi-arabia", "turkey", "united-states", "germany"}
    assert ("incirlik-air-base", "germany", "hostsForcesOf") in {
        (u.removeprefix(AKR), v.removeprefix(AKR), k) for u, v, k in V.edges(keys=True)}


def test_view_of_a_construct_query_with_a_bound_parameter(built_graph, tmp_path):
    rq = tmp_path / "around.rq"
    rq.write_text("#+ params: ?_base_iri (IRI)\nPREFIX akg: <https://w3id.org/alliance-kg/ontology#>\n"
                  "CONSTRUCT { ?_base_iri ?p ?o } WHERE { ?_base_iri ?p ?o . FILTER isIRI(?o) }\n", encoding="utf-8")
    V = view_graph(built_graph, query=str(rq), params={"base": "akr:incirlik-air-base"})
    names = {V.nodes[n]["label"] for n in V}
    assert {"Incirlik Air Base", "Germany", "Turkey"} <= names
    assert all(V.nodes[n]["type"] not in ("Document", "Statement", "Evidence") for n in V)  # bookkeeping pruned
    assert "German forces" in V.edges[AKR + "incirlik-air-base", AKR + "germany", "hostsForcesOf"]["evidence"][0]["quote"]
    out = tmp_path / "q.html"
    r = run_kg("view", "--graph", built_graph, "--query", rq, "--param", "base=akr:incirlik-air-base", "--out", out)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(data_block(out.read_text(encoding="utf-8"))[0])["nodes"]) == V.number_of_nodes()


def test_parameters_are_bound_as_terms_never_pasted(built_graph, tmp_path):
    rq = tmp_path / "named.rq"
    rq.write_text("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                  "SELECT ?c WHERE { ?c rdfs:label ?_name }\n", encoding="utf-8")
    V = view_graph(built_graph, query=str(rq), params={"name": "Germany"})
    assert list(V) == [AKR + "germany"]
    evil = 'Germany" } UNION { ?c ?p ?o } #'
    assert view_graph(built_graph, query=str(rq), params={"name": evil}).number_of_nodes() == 0


def test_kg_view_errors_are_one_line_and_write_nothing(built_graph, tmp_path):
    out = tmp_path / "n.html"
    cases = [
        (["--param", "name=x"], "--param needs --query"),
        (["--query", "shared-bases", "--param", "novalue"], "--param takes name=value"),
        (["--query", "no-such-query"], "unknown query 'no-such-query'"),
        (["--query", "shared-bases", "--param", "nope=1"], "unknown parameter 'nope'"),
        (["--query", "entity-subgraph"], "missing parameter 'entity_iri'"),
        (["--query", "entity-subgraph", "--param", "entity=plain text"], "not an IRI"),
    ]
    for args, message in cases:
        r = run_kg("view", "--graph", built_graph, "--out", out, *args)
        assert r.returncode != 0 and message in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    ask = tmp_path / "ask.rq"
    ask.write_text("ASK { ?s ?p ?o }\n", encoding="utf-8")
    r = run_kg("view", "--graph", built_graph, "--out", out, "--query", ask)
    assert r.returncode != 0 and "is an ASK query" in r.stderr
    r = run_kg("view", "--graph", tmp_path / "none.ttl", "--out", out)
    assert r.returncode != 0 and "none.ttl" in r.stderr
    assert not out.exists()
    update = tmp_path / "update.rq"
    update.write_text("DELETE WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(KGError, match="SPARQL update"):
        view_graph(built_graph, query=str(update))


# --------------------------------------------------------------------------- notebooks, imports


def test_show_is_an_iframe_with_the_escaped_page(G):
    obj = show(G, height=500)
    # sandboxed: scripts, and downloads for the PNG button; no same origin, no navigation of the notebook
    m = re.fullmatch(r'<div class="alliance-kg-view"><iframe srcdoc="([^"]*)" sandbox="allow-scripts allow-downloads" '
                     r'style="[^"]*height:500px[^"]*"></iframe></div>', obj.data)
    assert m, obj.data[:200]
    assert html.unescape(m.group(1)) == render_html(G)


def test_importing_the_view_loads_no_heavy_module():
    r = subprocess.run([sys.executable, "-c", "import sys, graph.view; print(sorted(m for m in "
                        "('pyvis', 'IPython', 'networkx', 'numpy', 'pandas', 'jinja2') if m in sys.modules))"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "[]", (r.stdout, r.stderr)


def test_an_edge_embeds_at_most_twenty_sentences_and_counts_the_rest(edge_with_35_sentences):
    from graph.view import EVIDENCE_PER_EDGE

    data = page_data(edge_with_35_sentences)
    [edge] = data["edges"]
    assert EVIDENCE_PER_EDGE == 20
    assert [e["quote"] for e in evidence_of(data, edge)] == [f"Sentence {i}." for i in range(20)]
    assert edge["evn"] == 35


# --------------------------------------------------------------------------- the pyvis model, selection, assets


def test_view_builds_a_pyvis_network_that_renders_again_after_a_change(G):
    from pyvis.network import Network

    from graph.view import network, write_html

    net = network(G)
    assert isinstance(net, Network)
    assert net.num_nodes() == G.number_of_nodes() and net.num_edges() == G.number_of_edges()
    keys = {n["key"]: n for n in net.nodes}
    assert keys[AKR + "incirlik-air-base"]["label"] == "Incirlik Air Base"
    assert net.generate_html() == render_html(G)  # pyvis's entry point renders the project's page
    before = json.loads(data_block(net.generate_html())[0])
    assert before["physics"] is True and before["options"]["physics"]["solver"] == "forceAtlas2Based"
    net.toggle_physics(False)  # pyvis's API
    net.options.interaction.navigationButtons = True
    after = json.loads(data_block(net.generate_html())[0])
    assert after["physics"] is False and after["options"]["interaction"]["navigationButtons"] is True
    assert {k: v for k, v in after.items() if k not in ("physics", "options")} == {
        k: v for k, v in before.items() if k not in ("physics", "options")}
    net.set_options('var options = {"physics": {"enabled": false}, "edges": {"smooth": false}}')  # a dict from now on
    assert json.loads(data_block(render_html(net))[0])["options"] == {"physics": {"enabled": False}, "edges": {"smooth": False}}


def test_nodes_added_through_pyvis_stay_text_in_the_page(G, tmp_path):
    from graph.view import network, write_html

    net = network(G)
    net.add_node(9999, label="Added " + IMG, title="<b>" + SCRIPT + "</b>", shape="box")
    net.add_edge(9999, 0, label=HREF)
    page = write_html(net, tmp_path / "n.html").read_text(encoding="utf-8")
    block, rest = data_block(page)
    assert IMG not in rest and SCRIPT not in rest and HREF not in rest and "<" not in block
    data = json.loads(block)
    added = next(n for n in data["nodes"] if n["id"] == 9999)
    assert (added["label"], added["title"], added["type"], added["key"]) == ("Added " + IMG, "<b>" + SCRIPT + "</b>", "Entity", "9999")
    assert data["edges"][-1]["label"] == HREF and data["edges"][-1]["from"] == 9999
    assert any(t["type"] == "Entity" and t["count"] == 1 for t in data["types"])


def test_evidence_sentences_are_stored_once(G):
    data = page_data(G)
    ev = data["evidence"]
    # one sentence states two facts about Incirlik (it hosts Germany's forces; it is in Turkey): one item, two references
    refs = [i for e in data["edges"] for i in e["ev"]]
    assert len(refs) > len(set(refs)) and sorted(set(refs)) == list(range(len(ev["items"])))
    assert len(ev["quotes"]) == len(set(ev["quotes"])) and len(ev["docs"]) == len(set(map(tuple, ev["docs"])))
    quote = ev["quotes"].index(next(q for q in ev["quotes"] if "German forces are based in Incirlik Air Base" in q))
    page = render_html(G)
    assert page.count(json.dumps(ev["quotes"][quote], ensure_ascii=False)[1:-1][:60]) == 1


def test_concepts_and_clusters_of_the_demo_graph(G):
    from graph.select import concept_nodes, country_groups

    concepts = concept_nodes(G)
    assert concepts == {n for n, t in G.nodes(data="type") if t in ("CooperationArea", "Threat", "Purpose", "HistoricalPeriod")}
    assert len(concepts) == 18
    data = page_data(G)
    assert sorted(n["key"] for n in data["nodes"] if n.get("concept")) == sorted(concepts)
    hub = next(n for n in data["nodes"] if n["label"] == "Alliances of Islamic nations")
    assert hub["deg"] == 0 and hub["size"] == 12.0  # its 21 concept leaves no longer make it the biggest node
    groups = country_groups(G)
    assert {k.removeprefix(AKR): v.removeprefix(AKR) for k, v in groups.items() if k != v} == {
        "incirlik-air-base": "turkey", "al-udeid-air-base": "qatar", "prince-sultan-air-base": "saudi-arabia"}
    assert data["overview"] is False and sorted(data["groups"]) == ["country"]
    big = page_data(synthetic_graph())
    assert big["overview"] is True and big["default_cluster"] == "community" and sorted(big["groups"]) == ["community", "country"]
    assert len(big["groups"]["community"]["of"]) == 370 and max(big["groups"]["community"]["of"]) >= 2


def test_vis_network_and_world_outlines_are_package_data():
    from graph.mapdata import bounds, rings, world
    from graph.resources import template_path

    js, css = _vis_assets()
    assert "@version 10.1.5" in js and ".vis-network" in css and "vis-tooltip" in css
    vendor = template_path("vendor/vis-network.min.js").parent
    assert {"LICENSE-MIT", "LICENSE-APACHE-2.0", "README.md"} <= {p.name for p in vendor.iterdir()}
    assert "site-packages/pyvis" not in str(vendor) and "pyvis" not in str(vendor)
    w = world()
    assert "Natural Earth" in w["source"] and w["scale"] == 10 and len(w["rings"]) == 288
    west, south, east, north = bounds(rings())
    # rings crossing the antimeridian also come shifted by 360 degrees (drawn whole on either side)
    assert -360 < west < -180 and 180 < east < 360 and south == -90 and 83 < north < 84
    assert (template_path("vendor").parent.parent / "data" / "SOURCE.md").is_file()


def test_view_select_and_export_import_nothing_from_build():
    import ast

    for name in ("view", "network", "netdata", "layout", "select", "export", "mapdata"):
        tree = ast.parse((ROOT / "graph" / f"{name}.py").read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {m for m in imported if m.split(".")[-1] == "build"}, (name, imported)
