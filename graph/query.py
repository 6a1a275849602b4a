"""Run SPARQL over the built graph with Oxigraph (pyoxigraph), in process.

The query library is the folder ``queries/``: one ``.rq`` file per question,
opening with grlc-style ``#+`` comment lines (summary, description, tags, params).

>>> q = get_query("base-locations")
>>> q.summary
'Every military base and the country it is located in'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import KGError
from .lexicon import PROJECT_DIR

QUERIES_DIR = PROJECT_DIR / "queries"
DEFAULT_GRAPH = Path("out/kg.ttl")

RDF_FORMATS = {
    ".ttl": "TURTLE", ".turtle": "TURTLE", ".trig": "TRIG", ".nt": "N_TRIPLES", ".nq": "N_QUADS",
    ".jsonld": "JSON_LD", ".json": "JSON_LD", ".rdf": "RDF_XML", ".owl": "RDF_XML",
}


@dataclass
class NamedQuery:
    """A query of the library (or any .rq file) with its grlc-style metadata."""

    name: str
    path: Path | None
    text: str
    summary: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)


def parse_metadata(text: str) -> dict[str, str]:
    """The ``#+ key: value`` header lines of a query (continuation lines start with ``#+   ``)."""
    meta: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("#+"):
            if line.strip() and not line.startswith("#"):
                break
            continue
        m = re.match(r"#\+\s*([\w-]+)\s*:\s*(.*)$", line)
        if m:
            key = m.group(1).lower()
            meta[key] = m.group(2).strip()
        elif key:
            meta[key] = (meta[key] + " " + line[2:].strip()).strip()
    return meta


def _from_file(path: Path, name: str | None = None) -> NamedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KGError(f"cannot read query file: {exc}", path=path) from None
    meta = parse_metadata(text)
    return NamedQuery(
        name=name or path.stem,
        path=path,
        text=text,
        summary=meta.get("summary", ""),
        description=meta.get("description", ""),
        tags=[t.strip() for t in meta.get("tags", "").split(",") if t.strip()],
    )


def list_queries(folder: Path = QUERIES_DIR) -> list[NamedQuery]:
    """Every query of the library, sorted by name."""
    return [_from_file(p) for p in sorted(folder.glob("*.rq"))]


def get_query(name_or_path: str, folder: Path = QUERIES_DIR) -> NamedQuery:
    """A library query by name, or any ``.rq`` file by path."""
    p = Path(name_or_path)
    if p.suffix == ".rq" and p.exists():
        return _from_file(p)
    cand = folder / f"{name_or_path}.rq"
    if cand.exists():
        return _from_file(cand)
    import difflib

    names = [q.stem for q in sorted(folder.glob("*.rq"))]
    close = difflib.get_close_matches(name_or_path, names, n=3, cutoff=0.4)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; known queries: {', '.join(names)}"
    raise KGError(f"unknown query '{name_or_path}'{hint}")


def load_store(path: str | Path = DEFAULT_GRAPH):
    """Load a graph file (Turtle, TriG, N-Triples, N-Quads, JSON-LD) into an in-memory Oxigraph store."""
    import pyoxigraph as ox

    path = Path(path)
    if not path.exists():
        raise KGError("graph file not found; build it first with `kg build` (or pass --graph FILE)", path=path)
    fmt = RDF_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise KGError(f"unknown graph format '{path.suffix}' (use .ttl, .trig, .nt, .nq or .jsonld)", path=path)
    store = ox.Store()
    try:
        store.bulk_load(path=str(path), format=getattr(ox.RdfFormat, fmt))
    except SyntaxError as exc:
        raise KGError(f"malformed graph: {exc}", path=path) from None
    return store


def query_store(store, text: str):
    """Run a SPARQL query over the union of the store's graphs."""
    try:
        return store.query(text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise KGError(f"SPARQL syntax error: {exc}") from None


def term_text(term) -> str:
    """The plain value of an Oxigraph term (IRI string or literal lexical form)."""
    if term is None:
        return ""
    return term.value


def select_rows(store, text: str) -> tuple[list[str], list[dict[str, str]]]:
    """Column names and rows (plain strings) of a SELECT query."""
    res = query_store(store, text)
    cols = [v.value for v in res.variables]
    rows = [{c: term_text(sol[c]) for c in cols} for sol in res]
    return cols, rows
