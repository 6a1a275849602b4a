"""The pyvis model of a network page: a ``pyvis.network.Network`` built from the NetworkX export.

:func:`to_network` adds the graph's nodes and edges one by one with the attributes the page needs
(integer ids, label, shape and colour by ontology class, size by degree, evidence references) and
sets vis-network's options through pyvis's API. The result is a :class:`KGNetwork`, a pyvis
``Network`` whose template is the project's own offline page (``graph/templates/network.html``,
through pyvis's ``set_template_dir``): change it with pyvis's API (``set_options``, ``toggle_physics``,
``add_node``, ``show_buttons``...) and render it again with ``generate_html``, ``write_html`` or ``show``.

>>> from graph.export import to_networkx
>>> net = to_network(to_networkx("out/kg.ttl"))          # doctest: +SKIP
>>> net.toggle_physics(False)                            # doctest: +SKIP
>>> net.write_html("out/network.html")                   # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from pyvis.edge import Edge
from pyvis.network import Network

from . import netdata
from .netdata import COMMUNITY_LIMIT, LAYOUT_THRESHOLD, OVERVIEW_THRESHOLD
from .resources import template_path


class KGNetwork(Network):
    """A pyvis ``Network`` rendered with alliance-kg's offline page template.

    ``kg`` holds the page's tables beside pyvis's nodes and edges: the evidence sentences, the
    clusters, the map outlines. Rendering (:meth:`generate_html`) goes through pyvis's template
    environment (``templateEnv``, ``path``) with the page's data as escaped JSON and its
    Content-Security-Policy (see :func:`graph.view.render_network`).
    """

    def __init__(self, title: str = "alliance-kg network", **kwargs):
        kwargs.setdefault("directed", True)
        super().__init__(height="100%", width="100%", heading=title, cdn_resources="in_line", **kwargs)
        tpl = template_path("network.html")
        self.set_template_dir(str(tpl.parent) + "/", tpl.name)
        self.kg: dict = {}

    def generate_html(self, name: str = "index.html", local: bool = True, notebook: bool = False) -> str:
        """The page as a string (pyvis's entry point, rendered with the project's template)."""
        from .view import render_network

        self.html = render_network(self)
        return self.html

    def write_html(self, name, local: bool = True, notebook: bool = False, open_browser: bool = False) -> Path:
        """Write the page atomically to ``name`` (a path); ``open_browser`` opens it."""
        from .rdfio import write_atomic

        path = Path(name)
        write_atomic(path, self.generate_html().encode("utf-8"))
        if open_browser:
            import webbrowser

            webbrowser.open(path.resolve().as_uri())
        return path

    def show(self, name: str = "network.html", local: bool = True, notebook: bool = True, height: int = 650):
        """In a notebook: the page in a sandboxed ``<iframe srcdoc>`` (nothing written)."""
        from IPython.display import HTML

        from .view import srcdoc_iframe

        return HTML(srcdoc_iframe(self.generate_html(), height=height))


def _options(net: KGNetwork, physics: bool, n_nodes: int) -> None:
    """vis-network options through pyvis's option objects (what ``net.options`` holds afterwards)."""
    net.force_atlas_2based(gravity=-150, central_gravity=0.015, spring_length=140, spring_strength=0.06,
                           damping=0.4, overlap=0.6)
    net.options.physics.enabled = physics
    net.options.physics.stabilization.iterations = 400
    net.options.physics.stabilization.updateInterval = 50
    net.options.edges.smooth.enabled = False  # parallel facts get their own curve (edge option)
    net.options.edges.color.inherit = False
    net.options.edges.width = 1.3
    net.options.edges.selectionWidth = 2
    net.options.edges.font = {"size": 12, "color": "#555", "strokeWidth": 3, "strokeColor": "#ffffff", "align": "middle"}
    net.options.edges.arrows = {"to": {"enabled": True, "scaleFactor": 0.6}}
    net.options.nodes = {"borderWidth": 1, "font": {"size": 17, "strokeWidth": 4, "strokeColor": "#ffffff"}}
    net.options.interaction.hover = True
    net.options.interaction.tooltipDelay = 150
    net.options.interaction.hideEdgesOnDrag = n_nodes > 1000
    net.options.interaction.navigationButtons = False
    net.options.layout = {"randomSeed": 7, "improvedLayout": physics and n_nodes <= 100}


def to_network(G, title: str = "alliance-kg network", cache_dir: str | Path | None = None,
               layout: bool | None = None, overview: bool | None = None) -> KGNetwork:
    """The pyvis model of the page for a NetworkX graph from :mod:`graph.export` (or :mod:`graph.select`).

    ``layout``: positions computed in Python, physics off (default: above :data:`LAYOUT_THRESHOLD`
    nodes; cached in ``cache_dir``). ``overview``: open on clusters (default: above
    :data:`OVERVIEW_THRESHOLD` nodes). Nodes get integer ids (node keys sorted), so no two nodes
    can collide whatever their text.
    """
    from .layout import cached_layout
    from .select import concept_nodes

    n = G.number_of_nodes()
    if layout is None:
        layout = n > LAYOUT_THRESHOLD
    if overview is None:
        overview = n > OVERVIEW_THRESHOLD
    positions = cached_layout(G, cache_dir) if layout else None
    net = KGNetwork(title=title)
    _options(net, physics=not layout, n_nodes=n)
    keys = sorted(G.nodes, key=str)
    ids = {k: i for i, k in enumerate(keys)}
    for row in netdata.node_rows(G, keys, positions, concept_nodes(G)):
        net.add_node(row.pop("id"), label=row.pop("label"), shape=row.pop("shape"), **row)
    evidence = netdata.EvidenceTable()
    for row in netdata.edge_rows(G, ids, evidence):
        # pyvis's add_edge checks each end against a list of node ids (O(n) a call): the rows' ends
        # are ids added above, so the Edge goes in directly, as add_edge would put it
        net.edges.append(Edge(row.pop("from"), row.pop("to"), False, **row).options)  # arrows: the edges option
    years = sorted({y for e in net.edges for y in (e.get("sy"), e.get("ey")) if y is not None})
    net.kg = {
        "evidence": evidence.tables(),
        "groups": netdata.cluster_groups(G, keys, ids, communities=overview and n <= COMMUNITY_LIMIT) if n else {},
        "overview": bool(overview),
        "default_cluster": "community" if overview and n <= COMMUNITY_LIMIT else "country",
        "years": [years[0], years[-1]] if years and years[0] != years[-1] else None,
    }
    return net
