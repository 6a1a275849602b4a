"""The query library (``queries/``: one ``.rq`` file per question) and its grlc-style metadata.

Each file opens with ``#+`` comment lines (summary, description, tags, params). A query of the
library, a ``.rq`` file or SPARQL text becomes a :class:`NamedQuery`; :meth:`NamedQuery.prepare`
checks it and binds its parameters, giving a :class:`~graph.query.run.PreparedQuery` to run on any store.

>>> q = get_query("base-locations")
>>> q.summary
'Every military base and the country it is located in'
>>> [p.name for p in get_query("bases-shared-with").params]
['partner']
>>> get_query("bases-shared-with").prepare({"partner": "USA"}).text.count("VALUES (?_partner)")
1
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from ..errors import UnknownQuery, UnreadableQuery, not_text
from ..resources import queries_dir
from .params import Param, find_params

if TYPE_CHECKING:
    from .run import PreparedQuery

QUERIES_DIR = queries_dir()


@dataclass
class NamedQuery:
    """A query of the library (or any .rq file, or text) with its grlc-style metadata."""

    name: str
    path: Path | None
    text: str
    summary: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)

    def prepare(self, params: Mapping[str, str] | None = None, *, limit: int | None = None,
                allow_update: bool = False, allow_service: bool = False) -> PreparedQuery:
        """This query checked and bound, ready to run on any store as often as wanted.

        Refuses SPARQL Update (:class:`~graph.errors.ReadOnlyViolation`) and SERVICE
        (:class:`~graph.errors.ServiceRefused`) unless allowed, reports a syntax error with its line
        (:class:`~graph.errors.QuerySyntaxError`), binds ``params`` (``{"partner": "Germany"}``) by a
        VALUES block and caps the number of solutions at ``limit``.

        >>> prepared = get_query("bases-shared-with").prepare({"partner": "Germany"}, limit=10)
        >>> prepared.form, prepared.text.rstrip().endswith("LIMIT 10")
        ('SELECT', True)
        >>> prepared.run(load_store("out/kg.ttl"), timeout=30).rows()         # doctest: +SKIP
        """
        from .run import prepare_query

        return prepare_query(self, params, limit=limit, allow_update=allow_update, allow_service=allow_service)


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


def make_query(text: str, name: str = "query", path: Path | None = None) -> NamedQuery:
    """A :class:`NamedQuery` from SPARQL text (metadata and parameters read from the text).

    >>> make_query('SELECT * WHERE { ?s ?p ?_value }').params
    [Param(name='value', variable='_value', kind='literal', required=True, description='')]
    """
    reason = not_text(text)
    if reason:  # bytes that were not UTF-8 in an argument, or a lone surrogate
        raise UnreadableQuery(f"the query text cannot be used: {reason}", path=path)
    meta = parse_metadata(text)
    return NamedQuery(
        name=name,
        path=path,
        text=text,
        summary=meta.get("summary", ""),
        description=meta.get("description", ""),
        tags=[t.strip() for t in meta.get("tags", "").split(",") if t.strip()],
        params=find_params(text, meta.get("params", "")),
    )


def _from_file(path: Path, name: str | None = None) -> NamedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableQuery(f"cannot read query file: {exc}", path=path) from None
    return make_query(text, name=name or path.stem, path=path)


def list_queries(folder: Path = QUERIES_DIR) -> list[NamedQuery]:
    """Every query of the library, sorted by name."""
    return [_from_file(p) for p in sorted(folder.glob("*.rq"), key=lambda p: p.stem)]


def get_query(name_or_path: str, folder: Path = QUERIES_DIR) -> NamedQuery:
    """A library query by NAME, or a ``.rq`` file by its path.

    A NAME is one of the library's (no path separator: ``../../tmp/x`` is not a name, so a name never
    leads out of ``queries/``); anything with a separator, or ending in ``.rq`` and present, is a
    file path, and it must be an existing ``.rq`` file.
    """
    p = Path(name_or_path)
    separators = [sep for sep in ("/", "\\", os.sep, os.altsep) if sep]
    as_path = any(sep in name_or_path for sep in separators)
    if p.suffix == ".rq" and not (folder / p.name).is_file() and not p.exists():  # meant as a file: not there
        raise UnknownQuery("query file not found (a library query is named without .rq: `kg queries` lists them)",
                           path=p)
    if p.suffix == ".rq" and (as_path or p.is_file()):
        if not p.is_file():
            raise UnknownQuery("query file not found" if not p.exists() else "not a query file", path=p)
        return _from_file(p)
    if as_path:
        raise UnknownQuery(f"not a query name: {name_or_path!r} holds a path separator; give a name from `kg queries`, "
                           "or the path of an existing .rq file")
    if name_or_path in ("", ".", "..") or name_or_path.startswith("."):
        raise UnknownQuery(f"not a query name: {name_or_path!r} (`kg queries` lists them)")
    cand = folder / f"{p.stem if p.suffix == '.rq' else name_or_path}.rq"
    if cand.is_file():
        return _from_file(cand)
    names = sorted(q.stem for q in folder.glob("*.rq"))
    close = difflib.get_close_matches(name_or_path, names, n=3, cutoff=0.4)
    close += [n for n in names if name_or_path.lower() in n and n not in close][: 3 - len(close)]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownQuery(f"unknown query '{name_or_path}'{hint} (`kg queries` lists them: {', '.join(names)})")


def resolve_query(query: str | NamedQuery, folder: Path = QUERIES_DIR) -> NamedQuery:
    """A NamedQuery from a library name, a ``.rq`` path or SPARQL text.

    Text is told from a name by its shape: a name never holds spaces or braces.
    """
    if isinstance(query, NamedQuery):
        return query
    if re.search(r"[\s{}]", query):
        return make_query(query, name="query")
    return get_query(query, folder)

