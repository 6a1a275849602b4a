"""View: the entity graph as ONE self-contained, offline HTML network page (and in notebooks).

The page inlines vis-network (the copy bundled with the installed pyvis package, no CDN, no
Bootstrap) and its own small script; the graph goes in as JSON inside
``<script type="application/json">`` and every text from a document is put on the page with
``textContent``, never parsed as HTML. Nodes are coloured and shaped by ontology class (legend with
a filter by type), edges are directed and labelled, hovering shows the evidence sentences, clicking
a node highlights its neighbourhood, and a search box finds a node by name. Above
:data:`LAYOUT_THRESHOLD` nodes the layout is computed in Python (cached by graph content) and
physics is off, so big graphs show in seconds.

>>> from graph.export import to_networkx
>>> G = to_networkx("out/kg.ttl")                       # doctest: +SKIP
>>> write_html(G, "out/network.html")                   # doctest: +SKIP
>>> show(G)                     # in Jupyter            # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from pathlib import Path
from typing import Any, Iterable

from .errors import KGError
from .resources import template_path

#: above this many nodes the layout is computed in Python and physics is off
LAYOUT_THRESHOLD = 300
#: version of the layout algorithm; part of the cache key
LAYOUT_VERSION = "grid-fr-1"

#: colour and vis-network shape of each ontology class, in legend order
STYLES: dict[str, tuple[str, str]] = {
    "Country": ("#4e79a7", "dot"),
    "City": ("#76b7b2", "dot"),
    "MilitaryBase": ("#e15759", "square"),
    "AirBase": ("#f28e2b", "triangle"),
    "NavalBase": ("#2f4b7c", "diamond"),
    "Organization": ("#59a14f", "hexagon"),
    "Alliance": ("#8cd17d", "hexagon"),
    "MilitaryAlliance": ("#b07aa1", "star"),
    "AllianceNetwork": ("#d4a6c8", "star"),
    "HistoricalPeriod": ("#9c755f", "square"),
    "CooperationArea": ("#edc948", "dot"),
    "Threat": ("#ad2b2b", "triangleDown"),
    "Purpose": ("#86bcb6", "diamond"),
    "Literal": ("#7f7f7f", "text"),
}
OTHER_STYLE = ("#9d9d9d", "dot")
#: legend glyph of each shape
GLYPHS = {
    "dot": "\u25cf", "square": "\u25a0", "triangle": "\u25b2", "triangleDown": "\u25bc",
    "diamond": "\u25c6", "star": "\u2605", "hexagon": "\u2b22", "text": "T",
}

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_TEMPLATE = "network.html"


# --------------------------------------------------------------------------- safe embedding


def script_json(obj: Any) -> str:
    """JSON for a ``<script type="application/json">`` element: ``<``, ``>``, ``&``, U+2028/9 escaped.

    >>> script_json({"a": "</script><b>&"})
    '{"a":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group()], text)


def _vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS from the installed pyvis package (found without importing pyvis)."""
    import importlib.util

    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise KGError("pyvis is not installed; it provides the vis-network script the page inlines")
    lib = Path(list(spec.submodule_search_locations)[0]) / "lib" / "vis-9.1.2"
    try:
        js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
        css = (lib / "vis-network.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise KGError(f"cannot read vis-network from pyvis: {exc}", path=lib) from None
    js = re.sub(r"//# sourceMappingURL=\S*", "", js)  # no request for a source map, ever
    css = re.sub(r"/\*# sourceMappingURL=\S*\s*\*/", "", css)
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.I)
    css = re.sub(r"</(style)", r"<\\/\1", css, flags=re.I)
    # line breaks as the HTML parser hands them to the script (vis-network ships some CRLF lines): the
    # page's hashes are computed over exactly the text the browser hashes
    return _newlines(js), _newlines(css)


def _newlines(text: str) -> str:
    """CRLF and lone CR as LF: the HTML parser's input-stream normalisation, done beforehand."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _template() -> str:
    return template_path(_TEMPLATE).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- layout


def graph_hash(G) -> str:
    """A content hash of the graph's structure (node keys and edges), the layout cache key."""
    h = hashlib.sha256(LAYOUT_VERSION.encode())
    for n in sorted(map(str, G.nodes)):
        h.update(b"n\x1f" + n.encode("utf-8") + b"\x1e")
    for u, v in sorted((str(u), str(v)) for u, v in G.edges()):
        h.update(b"e\x1f" + u.encode("utf-8") + b"\x1f" + v.encode("utf-8") + b"\x1e")
    return h.hexdigest()


def _same_cell_pairs(cid):
    """Index arrays (i, j), i != j, of every ordered pair of nodes in the same grid cell (vectorised)."""
    import numpy as np

    order = np.argsort(cid, kind="stable")
    _, start, size = np.unique(cid[order], return_index=True, return_counts=True)
    group_size = np.repeat(size, size)  # for each sorted position: its cell's size
    group_start = np.repeat(start, size)
    i = np.repeat(np.arange(len(cid)), group_size)
    offset = np.arange(len(i)) - np.repeat(np.cumsum(group_size) - group_size, group_size)
    j = np.repeat(group_start, group_size) + offset
    keep = i != j
    return order[i[keep]], order[j[keep]]


def force_layout(nodes: list[str], edges: Iterable[tuple[str, str]], seed: int = 7, iterations: int = 60):
    """Fruchterman-Reingold with grid-approximated repulsion: O(n * cells) per step, numpy only.

    Each node is repelled by the centre of mass of every grid cell (its own cell without itself)
    and pulled along its edges; a weak gravity keeps components together. Deterministic for a seed.
    Returns ``{node: (x, y)}`` in pixels (ideal edge length about 90 px).

    >>> pos = force_layout(["a", "b", "c"], [("a", "b"), ("b", "c")])
    >>> sorted(pos) == ["a", "b", "c"]
    True
    """
    import numpy as np

    n = len(nodes)
    if n == 0:
        return {}
    index = {k: i for i, k in enumerate(nodes)}
    pairs = np.array([(index[u], index[v]) for u, v in edges if u != v], dtype=np.int64).reshape(-1, 2)
    rng = np.random.default_rng(seed)
    side = math.sqrt(n)
    pos = rng.uniform(0, side, size=(n, 2))
    cells = max(1, int(round(math.sqrt(n / 4))))
    temp = side / 8
    for step in range(iterations):
        lo = pos.min(axis=0)
        span = np.maximum(pos.max(axis=0) - lo, 1e-9)
        cell = np.minimum((((pos - lo) / span) * cells).astype(np.int64), cells - 1)
        cid = cell[:, 0] * cells + cell[:, 1]
        mass = np.bincount(cid, minlength=cells * cells).astype(float)
        sx = np.bincount(cid, weights=pos[:, 0], minlength=cells * cells)
        sy = np.bincount(cid, weights=pos[:, 1], minlength=cells * cells)
        used = mass > 0
        m, cx, cy = mass[used], sx[used] / mass[used], sy[used] / mass[used]
        disp = np.zeros_like(pos)
        for a in range(0, n, 1024):  # chunks keep memory small
            p = pos[a:a + 1024]
            dx = p[:, :1] - cx[None, :]
            dy = p[:, 1:] - cy[None, :]
            d2 = dx * dx + dy * dy + 1e-3
            disp[a:a + 1024, 0] = (m * dx / d2).sum(axis=1)
            disp[a:a + 1024, 1] = (m * dy / d2).sum(axis=1)
        # own cell: replace its mean-field term by exact repulsion between the nodes in it
        own_m = mass[cid]
        own_c = np.stack([sx[cid] / own_m, sy[cid] / own_m], axis=1)
        d = pos - own_c
        disp -= own_m[:, None] * d / ((d * d).sum(axis=1, keepdims=True) + 1e-3)
        i, j = _same_cell_pairs(cid)
        if len(i):
            d = pos[i] - pos[j]
            np.add.at(disp, i, d / ((d * d).sum(axis=1, keepdims=True) + 1e-3))
        if len(pairs):
            delta = pos[pairs[:, 0]] - pos[pairs[:, 1]]
            dist = np.sqrt((delta * delta).sum(axis=1, keepdims=True)) + 1e-9
            pull = delta * dist  # |d|^2 / k with k = 1, along the edge
            np.add.at(disp, pairs[:, 0], -pull)
            np.add.at(disp, pairs[:, 1], pull)
        disp -= 0.05 * (pos - pos.mean(axis=0)) * math.sqrt(side)
        length = np.sqrt((disp * disp).sum(axis=1, keepdims=True)) + 1e-9
        pos += disp / length * np.minimum(length, temp)
        temp = max(temp * 0.93, 0.01)
    pos = (pos - pos.mean(axis=0)) * 90.0
    return {k: (round(float(pos[i, 0]), 1), round(float(pos[i, 1]), 1)) for k, i in index.items()}


def cached_layout(G, cache_dir: str | Path | None = None) -> dict[str, tuple[float, float]]:
    """Positions for every node of ``G``, read from / written to ``cache_dir/<graph hash>.json``."""
    from .rdfio import write_atomic

    key = graph_hash(G)
    path = Path(cache_dir) / f"{key}.json" if cache_dir else None
    if path is not None and path.exists():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            if set(saved) == set(map(str, G.nodes)):
                return {k: tuple(v) for k, v in saved.items()}
        except (OSError, ValueError):
            pass  # a broken cache entry is recomputed
    pos = force_layout(sorted(map(str, G.nodes)), ((str(u), str(v)) for u, v in G.edges()))
    if path is not None:
        write_atomic(path, json.dumps(pos, sort_keys=True).encode("utf-8"))
    return pos


# --------------------------------------------------------------------------- page data


def humanize_type(name: str) -> str:
    """``AirBase`` -> ``air base``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


#: evidence sentences embedded per edge: the page shows at most this many (details panel) and says how
#: many more there are. A fact stated in hundreds of documents would otherwise put every sentence in
#: the page: the 5,000-node page of the 10,000-document benchmark was 41 MB that way.
EVIDENCE_PER_EDGE = 20


def _evidence_items(evidence: list[dict], limit: int = EVIDENCE_PER_EDGE) -> list[dict]:
    keep = ("quote", "title", "path", "section", "start", "end")
    return [{k: e[k] for k in keep if k in e} for e in (evidence or [])[:limit]]


def _info(d: dict) -> list[list[str]]:
    rows = []
    if d.get("wikidata"):
        rows.append(["Wikidata", str(d["wikidata"])])
    if d.get("iso_code"):
        rows.append(["ISO code", str(d["iso_code"])])
    if d.get("lat") is not None and d.get("lon") is not None:
        rows.append(["Coordinates", f"{d['lat']:.3f}, {d['lon']:.3f}"])
    if d.get("start_year") is not None:
        rows.append(["Since", str(d["start_year"])])
    if d.get("end_year") is not None:
        rows.append(["Until", str(d["end_year"])])
    if d.get("documents"):
        docs = d["documents"]
        rows.append(["Mentioned in", ", ".join(map(str, docs)) if isinstance(docs, list) else str(docs)])
    return rows


def page_data(G, title: str = "alliance-kg network", positions: dict | None = None) -> dict:
    """Everything the page script needs, as plain JSON-able data (nodes get integer ids)."""
    keys = sorted(G.nodes, key=str)
    ids = {k: i for i, k in enumerate(keys)}
    degree = dict(G.degree())
    counts: dict[str, int] = {}
    nodes = []
    for k in keys:
        d = G.nodes[k]
        t = str(d.get("type") or "Entity")
        counts[t] = counts.get(t, 0) + 1
        node = {
            "id": ids[k], "key": str(k), "label": str(d.get("label") or k), "type": t,
            "size": round(12 + 4 * math.sqrt(degree.get(k, 0)), 1), "info": _info(d),
        }
        if positions is not None:
            node["x"], node["y"] = positions[str(k)]
        nodes.append(node)
    edges = []
    pair_count: dict[tuple[int, int], int] = {}
    for u, v, key, d in sorted(G.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2]))):
        a, b = ids[u], ids[v]
        pair = (min(a, b), max(a, b))
        nth = pair_count.get(pair, 0)
        pair_count[pair] = nth + 1
        evidence = d.get("evidence") or []
        if isinstance(evidence, str):  # a graph read back from GraphML/GEXF
            try:
                evidence = json.loads(evidence)
            except ValueError:
                evidence = []
        edge = {
            "id": len(edges), "from": a, "to": b, "label": str(d.get("label") or key),
            "relation": str(d.get("relation") or key), "nth": nth, "evidence": _evidence_items(evidence),
            "evidence_total": len(evidence),
        }
        for y in ("start_year", "end_year"):
            if d.get(y) is not None:
                edge[y] = str(d[y])
        edges.append(edge)
    order = [t for t in STYLES if t in counts] + sorted(t for t in counts if t not in STYLES)
    types = []
    for t in order:
        color, shape = STYLES.get(t, OTHER_STYLE)
        types.append({"type": t, "label": humanize_type(t), "color": color, "shape": shape,
                      "glyph": GLYPHS.get(shape, GLYPHS["dot"]), "count": counts[t]})
    return {"title": title, "physics": positions is None, "nodes": nodes, "edges": edges, "types": types}


# --------------------------------------------------------------------------- page


def render_html(G, title: str = "alliance-kg network", cache_dir: str | Path | None = None,
                layout: bool | None = None) -> str:
    """The page as a string: one file, no external URL; same graph -> same bytes.

    ``layout``: compute positions in Python and turn physics off (default: above
    :data:`LAYOUT_THRESHOLD` nodes). ``cache_dir``: where computed layouts are cached.
    """
    if layout is None:
        layout = G.number_of_nodes() > LAYOUT_THRESHOLD
    positions = cached_layout(G, cache_dir) if layout else None
    data = page_data(G, title=title, positions=positions)
    js, css = _vis_assets()
    parts = {"TITLE": html.escape(_newlines(title), quote=True), "VIS_CSS": css, "VIS_JS": js,
             "DATA": script_json(data), "CSP": "@@CSP@@"}
    page = re.sub(r"@@([A-Z_]+)@@", lambda m: parts[m.group(1)], _template())
    # the policy's placeholder is in the <meta> of <head>, before anything inserted above
    return page.replace("@@CSP@@", content_security_policy(page), 1)


#: the page's own inline code: ``<script>`` (no attribute: executed) and ``<style>`` blocks
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
#: the graph as JSON: not executed, so it needs no hash (its text has no "<", see script_json)
_DATA_BLOCK = re.compile(r'<script type="application/json" id="kg-data">[^<]*</script>')


def csp_hash(text: str) -> str:
    """A CSP source expression for one inline block: ``'sha256-<base64 of the UTF-8 text's digest>'``."""
    import base64

    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(page: str) -> str:
    """The page's Content-Security-Policy: nothing is fetched, only the page's own blocks run.

    Scripts and styles are allowed by the SHA-256 of each inline ``<script>``/``<style>`` block (no
    ``'unsafe-inline'``, no ``'unsafe-eval'``, so no event-handler or ``style=`` attribute and no
    injected script would run); the JSON data block is not executed and needs none. Images and fonts
    only from ``data:`` (vis-network's CSS), and no ``<base>``, form target or plugin. The hashes
    depend only on the page's text: the same graph gives the same bytes.
    """
    body = page.split("@@CSP@@", 1)[-1]
    scripts = sorted(dict.fromkeys(csp_hash(t) for t in _INLINE_SCRIPT.findall(body)))
    styles = sorted(dict.fromkeys(csp_hash(t) for t in _INLINE_STYLE.findall(body)))
    rest = _INLINE_STYLE.sub("", _INLINE_SCRIPT.sub("", _DATA_BLOCK.sub("", body)))
    stray = re.search(r"<(?:script|style)\b[^>]*>", rest, flags=re.I)
    if stray:  # a template change that would leave a block without its hash (it would not run)
        raise KGError(f"the page template has an inline block {stray.group()!r} that gets no hash")
    return "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(scripts),
        "style-src " + " ".join(styles),
        "img-src data:",
        "font-src data:",
        "base-uri 'none'",
        "form-action 'none'",
        "object-src 'none'",
    ])


def write_html(G, path: str | Path = "out/network.html", title: str = "alliance-kg network",
               cache_dir: str | Path | None = None, layout: bool | None = None) -> Path:
    """Write the page atomically; layouts are cached in ``<folder of path>/.layout-cache/``."""
    from .rdfio import write_atomic

    path = Path(path)
    if cache_dir is None:
        cache_dir = path.parent / ".layout-cache"
    write_atomic(path, render_html(G, title=title, cache_dir=cache_dir, layout=layout).encode("utf-8"))
    return path


def srcdoc_iframe(page: str, height: int = 650) -> str:
    """An ``<iframe srcdoc>`` holding the page (html-escaped), sandboxed to scripts only."""
    return (f'<div class="alliance-kg-view"><iframe srcdoc="{html.escape(page, quote=True)}" '
            f'sandbox="allow-scripts" style="width:100%;height:{int(height)}px;border:1px solid #ddd">'
            '</iframe></div>')


def show(graph=None, height: int = 650, title: str = "alliance-kg network", **kwargs):
    """The page for a notebook (JupyterLab, VS Code, Colab): an ``IPython.display.HTML`` iframe.

    ``graph``: a NetworkX graph, or a graph file/store (default ``out/kg.ttl``); ``kwargs`` go to
    :func:`view_graph` (``query=``, ``params=``).
    """
    from IPython.display import HTML

    from .stores import is_store

    if graph is None or isinstance(graph, (str, Path)) or is_store(graph):
        graph = view_graph(graph if graph is not None else "out/kg.ttl", **kwargs)
    return HTML(srcdoc_iframe(render_html(graph, title=title), height=height))


# --------------------------------------------------------------------------- which graph


def view_graph(source="out/kg.ttl", query: str | None = None, params: dict[str, str] | None = None):
    """The graph a page shows: the entity graph, or the subgraph a named query returns.

    A CONSTRUCT query shows its result triples; a SELECT query shows the entity graph induced by
    the IRIs its rows contain.
    """
    from .export import from_triples, induced_by_terms, to_networkx
    from .stores import open_store

    store = open_store(source)
    base = to_networkx(store)
    if query is None:
        if params:
            raise KGError("--param needs --query")
        return base
    from .query import WrongQueryForm, resolve_query

    # graph.query binds the parameters (a VALUES block of serialised terms inside the WHERE
    # group) and refuses SPARQL Update and SERVICE: a page never changes or leaves the graph
    q = resolve_query(query)
    result = q.prepare(params or {}).run(store)
    if result.kind == "ask":
        raise WrongQueryForm(f"query '{q.name}' is an ASK query; kg view needs a CONSTRUCT or SELECT query")
    if result.kind == "select":
        terms = {t.value for sol in result.solutions() for t in sol if t is not None}
        G = induced_by_terms(base, terms)
    else:
        G = prune_bookkeeping(from_triples(result.triples(), store=store, base=base))
    G.graph["name"] = q.summary or q.name
    return G


from .vocab import BOOKKEEPING  # node types (statements, evidence, documents) a network view leaves out  # noqa: E402


def prune_bookkeeping(G):
    """Drop statement, evidence and document nodes and the parts that hang only off them.

    Their content is not lost: the entity edges carry the evidence. What remains is every weakly
    connected piece that holds at least one entity (a node that is not a literal or bookkeeping).
    """
    import networkx as nx

    H = G.copy()
    H.remove_nodes_from([n for n, t in G.nodes(data="type") if t in BOOKKEEPING])
    for part in list(nx.weakly_connected_components(H)):
        if all(H.nodes[n].get("type") in ("Literal", "Entity") for n in part):
            H.remove_nodes_from(part)
    return H
