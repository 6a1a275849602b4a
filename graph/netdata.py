"""Network data: the rows and tables a network page is made of, computed from a NetworkX graph.

:func:`graph.view.network` puts these rows into a ``pyvis.network.Network`` node by node and edge
by edge; the tables (evidence, legend, clusters) go beside them into the page. Evidence sentences
are stored once: a table of documents, one of section titles, one of sentence texts and one of
evidence items ``[document, section, start, end, sentence]``; an edge lists the indices of its items
(at most :data:`EVIDENCE_PER_EDGE`) and how many there are in all.

>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("a", label="A", type="AirBase"); G.add_node("b", label="B", type="Country")
>>> _ = G.add_edge("a", "b", key="locatedIn", evidence=[{"quote": "A is in B.", "path": "d.md", "start": 0, "end": 10}])
>>> t = EvidenceTable()
>>> t.refs(G.edges["a", "b", "locatedIn"]["evidence"])
[0]
>>> t.item(0)
{'quote': 'A is in B.', 'path': 'd.md', 'start': 0, 'end': 10}
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

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
#: colour of each relation's arrows (the relation legend), in legend order
RELATION_COLORS: dict[str, str] = {
    "hostsForcesOf": "#d62728",
    "locatedIn": "#7f7f7f",
    "memberOf": "#1f77b4",
    "alliedWith": "#9467bd",
    "formedIn": "#8c564b",
    "coversArea": "#bcbd22",
    "addressesThreat": "#e377c2",
    "servesPurpose": "#17becf",
}
OTHER_RELATION = "#aaaaaa"

#: above this many nodes the layout is computed in Python and physics is off
LAYOUT_THRESHOLD = 300
#: above this many nodes the page opens on an overview of clusters
OVERVIEW_THRESHOLD = 300
#: above this many nodes the overview offers no community clusters (Louvain would take too long)
COMMUNITY_LIMIT = 20_000

#: evidence items an edge references: the page shows at most this many (details panel) and says how many
#: more there are. A fact stated in hundreds of documents would otherwise put every sentence in the page.
EVIDENCE_PER_EDGE = 20

#: documents a node's side panel names ("Mentioned in"); the rest are counted (the export has them all)
DOCUMENTS_PER_NODE = 10

#: keys of a node or edge row that are the page's own, not vis-network options
OWN_KEYS = ("key", "type", "info", "deg", "concept", "lat", "lon", "relation", "nth", "ev", "evn", "sy", "ey")


def humanize_type(name: str) -> str:
    """``AirBase`` -> ``air base``.

    >>> humanize_type("MilitaryAlliance")
    'military alliance'
    """
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


def info_rows(d: dict) -> list[list[str]]:
    """The reference data of a node as ``[name, value]`` rows (Wikidata, ISO code, coordinates, years, documents)."""
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
        docs = d["documents"] if isinstance(d["documents"], list) else [d["documents"]]
        text = ", ".join(map(str, docs[:DOCUMENTS_PER_NODE]))
        if len(docs) > DOCUMENTS_PER_NODE:
            text += f" and {len(docs) - DOCUMENTS_PER_NODE:,} more"
        rows.append(["Mentioned in", text])
    return rows


def _index(table: list, where: dict, value) -> int:
    i = where.get(value)
    if i is None:
        i = where[value] = len(table)
        table.append(value)
    return i


class EvidenceTable:
    """Evidence sentences stored once, referenced by index (see the module's docstring)."""

    def __init__(self):
        self.docs: list = []  #: [title, path]
        self.sections: list = []
        self.quotes: list = []
        self.items: list = []  #: [doc, section, start, end, quote]; -1 where unknown
        self._where: dict[str, dict] = {"docs": {}, "sections": {}, "quotes": {}, "items": {}}

    def refs(self, evidence, limit: int = EVIDENCE_PER_EDGE) -> list[int]:
        """The indices of an edge's first ``limit`` evidence items (added to the tables as needed)."""
        out = []
        for e in (evidence or [])[:limit]:
            doc = _index(self.docs, self._where["docs"], (str(e.get("title") or ""), str(e.get("path") or "")))
            sec = _index(self.sections, self._where["sections"], str(e["section"])) if e.get("section") else -1
            quote = _index(self.quotes, self._where["quotes"], str(e.get("quote") or ""))
            item = (doc, sec, int(e.get("start", -1)), int(e.get("end", -1)), quote)
            out.append(_index(self.items, self._where["items"], item))
        return out

    def item(self, i: int) -> dict[str, Any]:
        """Evidence item ``i`` as a dict again (what the page's script rebuilds)."""
        doc, sec, start, end, quote = self.items[i]
        title, path = self.docs[doc]
        out: dict[str, Any] = {"quote": self.quotes[quote]}
        if title:
            out["title"] = title
        if path:
            out["path"] = path
        if sec >= 0:
            out["section"] = self.sections[sec]
        if start >= 0:
            out["start"], out["end"] = start, end
        return out

    def tables(self) -> dict[str, list]:
        return {"docs": [list(d) for d in self.docs], "sections": self.sections, "quotes": self.quotes,
                "items": [list(i) for i in self.items]}


def edge_evidence(d: dict) -> list:
    """An edge's evidence list (a graph read back from GraphML/GEXF holds it as JSON text)."""
    evidence = d.get("evidence") or []
    if isinstance(evidence, str):
        try:
            evidence = json.loads(evidence)
        except ValueError:
            evidence = []
    return evidence


def year(value):
    """A year as an int where the value starts with one, else None.

    >>> year("1952"), year(1949), year("1952-01-01"), year("c. 1950")
    (1952, 1949, 1952, None)
    """
    m = re.match(r"-?\d{1,4}(?!\d)", str(value))
    return int(m.group()) if m else None


def node_rows(G, keys: list, positions: dict | None, concepts: set) -> list[dict]:
    """One row per node (in ``keys`` order, id = position): vis-network options and the page's own keys."""
    degree = {k: 0 for k in keys}
    for u, v in G.edges():
        if u not in concepts and v not in concepts:
            degree[u] += 1
            degree[v] += 1
    rows = []
    for i, k in enumerate(keys):
        d = G.nodes[k]
        t = str(d.get("type") or "Entity")
        shape = STYLES.get(t, OTHER_STYLE)[1]
        # the colour comes from the node's group (its type: vis-network's groups option, set from the legend)
        row = {"id": i, "label": str(d.get("label") or k), "shape": shape, "group": t, "key": str(k), "type": t,
               "size": round(12 + 4 * math.sqrt(degree[k]), 1), "deg": degree[k], "info": info_rows(d)}
        if k in concepts:
            row["concept"] = 1
        if isinstance(d.get("lat"), (int, float)) and isinstance(d.get("lon"), (int, float)):
            row["lat"], row["lon"] = round(float(d["lat"]), 4), round(float(d["lon"]), 4)
        if positions is not None:
            row["x"], row["y"] = positions[str(k)]
        rows.append(row)
    return rows


def edge_rows(G, ids: dict, evidence: EvidenceTable) -> list[dict]:
    """One row per edge (sorted by subject, object, relation; id = position), its evidence as references."""
    rows = []
    pair_count: dict[tuple[int, int], int] = {}
    for u, v, key, d in sorted(G.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2]))):
        a, b = ids[u], ids[v]
        pair = (min(a, b), max(a, b))
        nth = pair_count.get(pair, 0)
        pair_count[pair] = nth + 1
        found = edge_evidence(d)
        relation = str(d.get("relation") or key)
        # the colour comes from the relation legend (set in the page)
        row = {"id": len(rows), "from": a, "to": b, "label": str(d.get("label") or key), "relation": relation,
               "nth": nth, "ev": evidence.refs(found), "evn": len(found)}
        if nth:
            row["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.25 * nth}
        for name, short in (("start_year", "sy"), ("end_year", "ey")):
            y = year(d.get(name)) if d.get(name) is not None else None
            if y is not None:
                row[short] = y
        rows.append(row)
    return rows


def legend(nodes: list[dict], edges: list[dict]) -> tuple[list[dict], list[dict]]:
    """The type legend (in :data:`STYLES` order) and the relation legend (in :data:`RELATION_COLORS` order)."""
    counts: dict[str, int] = {}
    for n in nodes:
        counts[n["type"]] = counts.get(n["type"], 0) + 1
    order = [t for t in STYLES if t in counts] + sorted(t for t in counts if t not in STYLES)
    types = []
    for t in order:
        color, shape = STYLES.get(t, OTHER_STYLE)
        types.append({"type": t, "label": humanize_type(t), "color": color, "shape": shape,
                      "glyph": GLYPHS.get(shape, GLYPHS["dot"]), "count": counts[t]})
    rel_counts: dict[str, int] = {}
    rel_labels: dict[str, str] = {}
    for e in edges:
        rel_counts[e["relation"]] = rel_counts.get(e["relation"], 0) + 1
        rel_labels.setdefault(e["relation"], e["label"])
    rel_order = [r for r in RELATION_COLORS if r in rel_counts] + sorted(r for r in rel_counts if r not in RELATION_COLORS)
    relations = [{"relation": r, "label": rel_labels[r], "color": RELATION_COLORS.get(r, OTHER_RELATION),
                  "count": rel_counts[r]} for r in rel_order]
    return types, relations


def cluster_groups(G, keys: list, ids: dict, communities: bool) -> dict[str, dict]:
    """The overview's ways to cluster: ``{mode: {"names": [...], "of": [group index or -1 per node id]}}``."""
    from .select import community_groups, concept_nodes, country_groups

    out = {}
    by_country = country_groups(G)
    countries = sorted(set(by_country.values()), key=str)
    where = {c: i for i, c in enumerate(countries)}
    out["country"] = {"names": [str(G.nodes[c].get("label") or c) for c in countries],
                      "of": [where[by_country[k]] if k in by_country else -1 for k in keys]}
    if communities:
        comm = community_groups(G)
        n = max(comm.values(), default=-1) + 1
        members: list[list] = [[] for _ in range(n)]
        for k, c in comm.items():
            members[c].append(k)
        # a community is named after its two best-connected members (concepts aside: they are folded away)
        concepts = concept_nodes(G)

        def name(m):
            top = sorted((k for k in m if k not in concepts), key=lambda k: (-G.degree(k), str(k)))[:2] or sorted(m, key=str)[:1]
            labels = [str(G.nodes[k].get("label") or k) for k in top]
            return " \u00b7 ".join(labels) if len(" \u00b7 ".join(labels)) <= 28 else labels[0]

        names = [name(m) for m in members]
        out["community"] = {"names": names, "of": [comm[k] for k in keys]}
    return out
