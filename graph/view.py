"""View: render a graph as ONE self-contained, offline HTML network page (and in notebooks).

The page is a pyvis ``Network`` (:func:`network`, built in :mod:`graph.network` from the NetworkX
export) rendered with the project's own template through pyvis's template mechanism. It inlines
vis-network (a copy shipped in ``graph/templates/vendor/``, no CDN, no Bootstrap) and its own
script; the graph goes in as JSON inside ``<script type="application/json">`` and every text from a
document is put on the page with ``textContent``, never parsed as HTML. A Content-Security-Policy
lets only the page's own blocks run and forbids every request.

What it shows: nodes coloured and shaped by ontology class (legend with a filter by type), arrows
coloured by relation (legend with a filter by relation), a year filter where facts carry years,
evidence on hover and in the side panel, a search box, PNG export, and a map of the bases and
countries (:mod:`graph.mapdata`). Big graphs open on an overview of clusters (by country, type or
community) that open on click; clicking a node expands its neighbours. Concepts (areas, threats,
purposes) are attributes of their alliance in the side panel, drawn as nodes on demand.

Which graph to show is :mod:`graph.select`'s business (:func:`view_graph` is re-exported here).

>>> from graph.export import to_networkx
>>> G = to_networkx("out/kg.ttl")                       # doctest: +SKIP
>>> write_html(G, "out/network.html")                   # doctest: +SKIP
>>> net = network(G); net.toggle_physics(False)         # doctest: +SKIP
>>> write_html(net, "out/network.html")                 # doctest: +SKIP
>>> show(G)                     # in Jupyter            # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any

from .errors import KGError
from .layout import cached_layout, force_layout, graph_hash  # noqa: F401  (public names of the view)
from .netdata import (EVIDENCE_PER_EDGE, GLYPHS, LAYOUT_THRESHOLD, OTHER_STYLE, OVERVIEW_THRESHOLD,  # noqa: F401
                      OWN_KEYS, STYLES, humanize_type)
from .resources import template_path
from .select import prune_bookkeeping, view_graph  # noqa: F401  (kept importable from graph.view)

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}

# --------------------------------------------------------------------------- safe embedding


def script_json(obj: Any) -> str:
    """JSON for a ``<script type="application/json">`` element: ``<``, ``>``, ``&``, U+2028/9 escaped.

    >>> script_json({"a": "</script><b>&"})
    '{"a":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group()], text)


def _newlines(text: str) -> str:
    """CRLF and lone CR as LF: the HTML parser's input-stream normalisation, done beforehand."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _asset(name: str) -> str:
    try:
        return template_path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise KGError(f"cannot read the page asset {name}: {exc}", path=template_path(name)) from None


def _vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS, shipped as package data (``graph/templates/vendor/``), ready to inline."""
    js, css = _asset("vendor/vis-network.min.js"), _asset("vendor/vis-network.min.css")
    js = re.sub(r"//# sourceMappingURL=\S*", "", js)  # no request for a source map, ever
    css = re.sub(r"/\*# sourceMappingURL=\S*\s*\*/", "", css)
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.I)
    css = re.sub(r"</(style)", r"<\\/\1", css, flags=re.I)
    # line breaks as the HTML parser hands them to the script: the page's hashes are computed over
    # exactly the text the browser hashes
    return _newlines(js), _newlines(css)


def _page_assets() -> tuple[str, str]:
    """The page's own script (network.js, then map.js, in one function) and style sheet."""
    js = "(function () {\n  \"use strict\";\n" + _asset("network.js") + _asset("map.js") + "})();"
    return _newlines(js), _newlines(_asset("network.css"))


# --------------------------------------------------------------------------- the pyvis model


def network(G, title: str = "alliance-kg network", cache_dir: str | Path | None = None,
            layout: bool | None = None, overview: bool | None = None):
    """The page's pyvis model (a :class:`graph.network.KGNetwork`, a ``pyvis.network.Network``).

    ``layout``: compute positions in Python and turn physics off (default: above
    :data:`LAYOUT_THRESHOLD` nodes; cached in ``cache_dir``). ``overview``: open on clusters
    (default: above 300 nodes).

    >>> import networkx as nx
    >>> net = network(nx.MultiDiGraph([("a", "b")]))
    >>> type(net).__mro__[1].__module__, net.num_nodes(), net.num_edges()
    ('pyvis.network', 2, 1)
    """
    from .network import to_network

    return to_network(G, title=title, cache_dir=cache_dir, layout=layout, overview=overview)


def _is_network(obj) -> bool:
    return hasattr(obj, "templateEnv") and hasattr(obj, "get_network_data")


def page_data(G, title: str = "alliance-kg network", **kwargs) -> dict:
    """Everything the page script needs, as plain JSON-able data (what the page's data block holds).

    ``G``: a NetworkX graph (``kwargs`` as for :func:`network`) or a pyvis ``Network``.
    """
    return network_data(G if _is_network(G) else network(G, title=title, **kwargs))


def network_data(net) -> dict:
    """The page's data from a pyvis ``Network``: its nodes, edges and options as pyvis holds them, with
    every node and edge given the page's defaults, and the tables of ``net.kg`` (evidence, clusters, map)."""
    from .mapdata import world
    from .netdata import legend

    options = net.options if isinstance(net.options, dict) else json.loads(net.options.to_json())
    physics = options.get("physics", {}).get("enabled", True) is not False
    nodes = []
    for n in net.nodes:
        row = dict(n)
        row.setdefault("key", str(row["id"]))
        row["label"] = str(row.get("label") if row.get("label") is not None else row["id"])
        row.setdefault("type", "Entity")
        row.setdefault("info", [])
        nodes.append(row)
    known = {n["id"] for n in nodes}
    edges = []
    for e in net.edges:
        if e.get("from") not in known or e.get("to") not in known:
            continue
        row = dict(e)
        row["id"] = len(edges)
        row["label"] = str(row.get("label") or "")
        row.setdefault("relation", row["label"] or "link")
        edges.append(row)
    types, relations = legend(nodes, edges)
    kg = dict(net.kg or {})
    data = {"title": str(net.heading or "network"), "options": options, "physics": physics, "nodes": nodes,
            "edges": edges, "types": types, "relations": relations, "own_keys": list(OWN_KEYS),
            "evidence": kg.get("evidence") or {"docs": [], "sections": [], "quotes": [], "items": []},
            "groups": kg.get("groups") or {}, "overview": bool(kg.get("overview")),
            "default_cluster": kg.get("default_cluster", "country"), "years": kg.get("years")}
    if any("lat" in n and "lon" in n for n in nodes):
        data["world"] = {"scale": world()["scale"], "rings": world()["rings"]}
    return data


# --------------------------------------------------------------------------- page


def render_network(net) -> str:
    """A pyvis ``Network``'s page as a string, through pyvis's template (``net.templateEnv``, ``net.path``).

    Every value goes in escaped (the title as HTML text, the data as :func:`script_json`), the
    Content-Security-Policy is computed over the result: same network, same bytes.
    """
    data = network_data(net)
    vis_js, vis_css = _vis_assets()
    page_js, page_css = _page_assets()
    template = net.templateEnv.get_template(net.path)
    page = template.render(title=html.escape(_newlines(data["title"]), quote=True), vis_css=vis_css, vis_js=vis_js,
                           page_css=page_css, page_js=page_js, data=script_json(data))
    if "@@CSP@@" not in page.split("<title>", 1)[0]:
        raise KGError("the page template needs its @@CSP@@ placeholder in a <meta> before <title>")
    # the policy's placeholder is in the <meta> of <head>, before anything inserted above
    return page.replace("@@CSP@@", content_security_policy(page), 1)


def render_html(G, title: str = "alliance-kg network", cache_dir: str | Path | None = None,
                layout: bool | None = None, overview: bool | None = None) -> str:
    """The page as a string: one file, no external URL; same graph -> same bytes.

    ``G``: a NetworkX graph (see :func:`network` for the other arguments) or a pyvis ``Network``.
    """
    net = G if _is_network(G) else network(G, title=title, cache_dir=cache_dir, layout=layout, overview=overview)
    return render_network(net)


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
               cache_dir: str | Path | None = None, layout: bool | None = None,
               overview: bool | None = None) -> Path:
    """Write the page atomically (``G``: a NetworkX graph or a pyvis ``Network``).

    Layouts are cached in ``<folder of path>/.layout-cache/``.
    """
    from .rdfio import write_atomic

    path = Path(path)
    if cache_dir is None:
        cache_dir = path.parent / ".layout-cache"
    write_atomic(path, render_html(G, title=title, cache_dir=cache_dir, layout=layout, overview=overview).encode("utf-8"))
    return path


def srcdoc_iframe(page: str, height: int = 650) -> str:
    """An ``<iframe srcdoc>`` holding the page (html-escaped), sandboxed to scripts only.

    >>> srcdoc_iframe("<p>a & b</p>", height=100)[:61]
    '<div class="alliance-kg-view"><iframe srcdoc="&lt;p&gt;a &amp'
    """
    return (f'<div class="alliance-kg-view"><iframe srcdoc="{html.escape(page, quote=True)}" '
            f'sandbox="allow-scripts allow-downloads" style="width:100%;height:{int(height)}px;border:1px solid #ddd">'
            '</iframe></div>')


def show(graph=None, height: int = 650, title: str = "alliance-kg network", **kwargs):
    """The page for a notebook (JupyterLab, VS Code, Colab): an ``IPython.display.HTML`` iframe.

    ``graph``: a NetworkX graph, a pyvis ``Network`` from :func:`network`, or a graph file/store
    (default ``out/kg.ttl``); ``kwargs`` go to :func:`view_graph` (``query=``, ``params=``).
    """
    from IPython.display import HTML

    from .stores import is_store

    if graph is None or isinstance(graph, (str, Path)) or is_store(graph):
        graph = view_graph(graph if graph is not None else "out/kg.ttl", **kwargs)
    return HTML(srcdoc_iframe(render_html(graph, title=title), height=height))
