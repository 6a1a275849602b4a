"""Map data: the world's country outlines the network page's map view and notebook 03 draw on.

``graph/data/world-110m.json`` holds Natural Earth's 1:110m admin-0 country outlines (public
domain), as packaged in the npm package ``world-atlas`` 2.0.2 (``countries-110m.json``, TopoJSON,
ISC licence), converted once at development time by :func:`convert_world_atlas` (arcs decoded,
simplified with Douglas-Peucker at 0.1 degree, rounded to 0.1 degree) into flat rings of integer
tenths of a degree: ``[lon0, lat0, lon1, lat1, ...]`` (a ring that crosses the antimeridian is
continuous past +-180 degrees, and comes again shifted by 360 degrees). ``graph/data/SOURCE.md`` says how to redo it.

>>> w = world()
>>> len(w["rings"]) > 100 and w["scale"]
10
>>> west, south, east, north = bounds(rings())
>>> west >= -540 and east <= 540 and south >= -90 and north <= 90
True
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

WORLD_FILE = "world-110m.json"


def data_path(name: str = WORLD_FILE) -> Path:
    """A file of ``graph/data/`` (package data)."""
    from .resources import _path

    return _path("graph", "data", name)


@lru_cache(maxsize=1)
def world() -> dict:
    """The outlines file as a dict: ``source``, ``licence``, ``scale`` (10: tenths of a degree), ``rings``."""
    return json.loads(data_path().read_text(encoding="utf-8"))


def rings() -> list[list[tuple[float, float]]]:
    """Every outline ring as ``[(lon, lat), ...]`` in degrees (for matplotlib: ``ax.fill(*zip(*ring))``)."""
    w = world()
    s = float(w["scale"])
    return [[(r[i] / s, r[i + 1] / s) for i in range(0, len(r), 2)] for r in w["rings"]]


def bounds(rings_: list[list[tuple[float, float]]]) -> tuple[float, float, float, float]:
    """(west, south, east, north) of some rings."""
    xs = [x for r in rings_ for x, _ in r]
    ys = [y for r in rings_ for _, y in r]
    return min(xs), min(ys), max(xs), max(ys)


# --------------------------------------------------------------------------- development time


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker: the points of a polyline that keep it within ``tolerance`` (ends always kept).

    >>> _simplify([(0, 0), (1, 0.01), (2, 0), (3, 5)], 0.1)
    [(0, 0), (2, 0), (3, 5)]
    """
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        length = math.hypot(bx - ax, by - ay)
        best, where = -1.0, None
        for i in range(a + 1, b):
            px, py = points[i]
            d = (abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length) if length else math.hypot(px - ax, py - ay)
            if d > best:
                best, where = d, i
        if where is not None and best > tolerance:
            keep[where] = True
            stack += [(a, where), (where, b)]
    return [p for p, k in zip(points, keep) if k]


def _unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A ring whose longitudes jump across the antimeridian made continuous (past +-180 where it crosses);
    a ring around a pole (Antarctica) closed along the pole.

    >>> _unwrap([(179.0, 1.0), (-179.0, 1.0), (-179.0, 0.0), (179.0, 0.0)])
    [(179.0, 1.0), (181.0, 1.0), (181.0, 0.0), (179.0, 0.0)]
    """
    out = [points[0]]
    for x, y in points[1:]:
        px = out[-1][0]
        while x - px > 180:
            x -= 360
        while px - x > 180:
            x += 360
        out.append((x, y))
    span = out[-1][0] - out[0][0]
    if abs(span) > 180:  # around a pole: down to it and back along it
        pole = -90.0 if sum(y for _, y in out) < 0 else 90.0
        out += [(out[-1][0], pole), (out[0][0], pole), out[0]]
    return out


def convert_world_atlas(topojson: dict, tolerance: float = 0.1, scale: int = 10) -> dict:
    """The outlines file from world-atlas's ``countries-110m.json`` (TopoJSON with quantised, delta-coded arcs)."""
    (kx, ky), (dx, dy) = topojson["transform"]["scale"], topojson["transform"]["translate"]
    arcs = []
    for arc in topojson["arcs"]:
        x = y = 0
        pts = []
        for qx, qy in arc:
            x, y = x + qx, y + qy
            pts.append((x * kx + dx, y * ky + dy))
        arcs.append(_simplify(pts, tolerance))

    def ring(indices):
        out: list[tuple[float, float]] = []
        for i in indices:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts[1:] if out else pts)
        return out

    out_rings = []
    for geom in topojson["objects"]["countries"]["geometries"]:
        polygons = geom.get("arcs") or []
        if geom["type"] == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            for idx in polygon:
                pts = _unwrap(ring(idx))
                pts = [(round(x * scale), round(y * scale)) for x, y in pts]
                pts = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
                if len(pts) < 4:
                    continue
                flat = [c for p in pts for c in p]
                out_rings.append(flat)
                xs = flat[0::2]
                for shift in ((-360 * scale,) if max(xs) > 180 * scale else ()) + ((360 * scale,) if min(xs) < -180 * scale else ()):
                    out_rings.append([c + shift if i % 2 == 0 else c for i, c in enumerate(flat)])
    return {
        "source": "Natural Earth 1:110m admin-0 countries (public domain, naturalearthdata.com), from the npm "
                  "package world-atlas 2.0.2 (countries-110m.json, ISC licence, Mike Bostock)",
        "licence": "public domain (Natural Earth); see graph/data/SOURCE.md",
        "scale": scale,
        "rings": out_rings,
    }


if __name__ == "__main__":  # python -m graph.mapdata countries-110m.json graph/data/world-110m.json
    import sys

    data = convert_world_atlas(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
    Path(sys.argv[2]).write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{sys.argv[2]}: {len(data['rings'])} rings, {sum(len(r) for r in data['rings']) // 2} points")
