"""Layout: node positions for big network pages, computed in Python and cached by graph content.

Above :data:`graph.view.LAYOUT_THRESHOLD` nodes a page gets its positions from here (physics off),
so a big graph shows in seconds instead of settling in the browser.

>>> pos = force_layout(["a", "b", "c"], [("a", "b"), ("b", "c")])
>>> sorted(pos)
['a', 'b', 'c']
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Iterable

#: version of the layout algorithm; part of the cache key
LAYOUT_VERSION = "grid-fr-1"


def graph_hash(G) -> str:
    """A content hash of the graph's structure (node keys and edges), the layout cache key.

    >>> import networkx as nx
    >>> graph_hash(nx.MultiDiGraph([("a", "b")])) == graph_hash(nx.MultiDiGraph([("a", "b")]))
    True
    """
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
