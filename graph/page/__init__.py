"""The query page of ``kg serve``: the routes the front (:mod:`graph.front`) answers itself, never
passing them to Oxigraph. All are ``GET`` (or ``HEAD``):

* ``/``: the page (``static/index.html``, ``/page.js``, ``/page.css``) and the YASGUI editor bundled
  with it (``/yasgui.min.js``, ``/yasgui.min.css``; ``static/yasgui/README.md`` says which release,
  from where, under which licences). Nothing on it is fetched from another site; the page's
  Content-Security-Policy allows scripts, styles and requests from this server only.
* ``/library``: the query library as JSON: the project's prefixes (:data:`graph.vocab.PREFIXES`) and
  each query's name, summary, description, parameters and text.
* ``/library/NAME?param=value``: runs the library query NAME with its parameters bound by
  :func:`graph.query.prepare` (a VALUES block, never pasted text), through the same checks as
  ``/query``; answers SPARQL JSON results (or CSV, TSV or XML when the ``Accept`` header asks).
  An unknown query is a 404, a bad parameter a 400, each with a one-line reason.
* ``/entity?iri=IRI``: the entity's description: label, types, facts (library query
  ``entity-facts``) and the sentences that state them (``evidence``), every text HTML-escaped; the
  IRIs on it link to their own description.

>>> compact("https://w3id.org/alliance-kg/id/turkey"), compact("urn:x:y")
('akr:turkey', '<urn:x:y>')
>>> entity_href("https://w3id.org/alliance-kg/id/a&b")
'/entity?iri=https%3A%2F%2Fw3id.org%2Falliance-kg%2Fid%2Fa%26b'
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
import urllib.parse
from importlib.resources import files
from pathlib import Path

from .. import vocab
from ..errors import KGError
from ..front import Refused, _decode, _form

#: path -> (file under static/, media type)
FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/page.js": ("page.js", "text/javascript; charset=utf-8"),
    "/page.css": ("page.css", "text/css; charset=utf-8"),
    "/yasgui.min.js": ("yasgui/yasgui.min.js", "text/javascript; charset=utf-8"),
    "/yasgui.min.css": ("yasgui/yasgui.min.css", "text/css; charset=utf-8"),
    "/yasgui/README.md": ("yasgui/README.md", "text/plain; charset=utf-8"),
    "/yasgui/LICENSE": ("yasgui/LICENSE", "text/plain; charset=utf-8"),
    "/yasgui/THIRD-PARTY-LICENSES": ("yasgui/THIRD-PARTY-LICENSES", "text/plain; charset=utf-8"),
}
#: the two ``<style>`` texts YASGUI's table adds (its column resizer: the grips' rules, and the cursor
#: while a column is dragged), allowed by their hash; tests/test_serve_page.py checks them on the bundle
YASGUI_STYLE_HASHES = ("sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk=",
                       "sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg=")
#: the query page's policy: scripts, styles and requests from this server only; no inline script, no
#: inline style but YASGUI's two
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' "
            + " ".join(f"'{h}'" for h in YASGUI_STYLE_HASHES) + "; img-src 'self' data:; font-src 'self'; "
            "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: an entity page has no script at all
ENTITY_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
              "frame-ancestors 'none'")
#: the Accept values a library query may ask for; anything else gets SPARQL JSON results
RESULT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values")
JSON_RESULTS = "application/sparql-results+json"
#: the same for a CONSTRUCT or DESCRIBE query (Turtle unless asked otherwise)
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
#: rows shown per table of an entity page (a class has as many facts as it has members)
ENTITY_ROWS = 1000
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\Z")
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?\Z")


def static_dir() -> Path:
    """The folder of the page's files (package data: found the same way in a wheel).

    >>> (static_dir() / "yasgui" / "LICENSE").is_file()
    True
    """
    return Path(str(files("graph.page") / "static"))


def compact(iri: str) -> str:
    """``prefix:local`` with the project's prefixes when the local part is a plain name, else ``<iri>``.

    >>> compact("https://w3id.org/alliance-kg/ontology#locatedIn"), compact("https://w3id.org/alliance-kg/id/a b")
    ('akg:locatedIn', '<https://w3id.org/alliance-kg/id/a b>')
    """
    best = max((ns for ns in vocab.PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is not None and _LOCAL.match(iri[len(best):]):
        prefix = next(p for p, ns in vocab.PREFIXES.items() if ns == best)
        return f"{prefix}:{iri[len(best):]}"
    return f"<{iri}>"


def entity_href(iri: str) -> str:
    """The link to an IRI's description on this server.

    >>> entity_href("https://w3id.org/alliance-kg/id/turkey")
    '/entity?iri=https%3A%2F%2Fw3id.org%2Falliance-kg%2Fid%2Fturkey'
    """
    return "/entity?iri=" + urllib.parse.quote(iri, safe="")


def _one_line(message: str) -> str:
    return " ".join(str(message).split())[:1000]


def route(front, environ: dict, method: str, path: str):
    """The answer (status, headers, body) to a request for one of the page's paths, or None when the
    path is not one of them (the front answers 404).

    >>> route(None, {}, "GET", "/nothing") is None
    True
    >>> route(None, {}, "GET", "/page.css")[0]
    '200 OK'
    """
    if not (path in FILES or path == "/entity" or path == "/library" or path.startswith("/library/")):
        return None
    if method not in ("GET", "HEAD"):
        raise Refused(405, f"{method} {path[:200]} is not supported", [("Allow", "GET, HEAD")])
    if path in FILES:
        status, headers, body = static_file(path, environ.get("HTTP_IF_NONE_MATCH", ""))
    elif path == "/library":
        status, headers, body = _answer(200, "application/json; charset=utf-8", library_json())
    elif path == "/entity":
        status, headers, body = entity_page(front, environ)
    else:
        status, headers, body = run_library(front, environ, path[len("/library/"):])
    if method == "HEAD":
        close = getattr(body, "close", None)
        if close is not None:
            close()
        body = []
    return status, headers, body


def _answer(code: int, ctype: str, data: bytes, extra=()):
    headers = [("Content-Type", ctype), ("Content-Length", str(len(data))), ("X-Content-Type-Options", "nosniff"),
               ("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"), *extra]
    return f"{code} {'OK' if code == 200 else 'Not Found'}", headers, [data]


@functools.lru_cache(maxsize=None)
def _file(name: str) -> tuple[bytes, str]:
    data = (static_dir() / name).read_bytes()
    return data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def static_file(path: str, if_none_match: str = ""):
    """One of the page's files, with its ETag (a matching ``If-None-Match`` gets a 304).

    >>> status, headers, body = static_file("/")
    >>> status, dict(headers)["Content-Type"], static_file("/", dict(headers)["ETag"])[0]
    ('200 OK', 'text/html; charset=utf-8', '304 Not Modified')
    """
    name, ctype = FILES[path]
    data, etag = _file(name)
    headers = [("Content-Type", ctype), ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-cache"),
               ("ETag", etag), ("Referrer-Policy", "no-referrer")]
    if ctype.startswith("text/html"):
        headers += [("Content-Security-Policy", PAGE_CSP), ("X-Frame-Options", "DENY")]
    if etag in [t.strip() for t in if_none_match.split(",")]:
        return "304 Not Modified", headers, []
    return "200 OK", headers + [("Content-Length", str(len(data)))], [data]


# --------------------------------------------------------------------------- the library


def library_json() -> bytes:
    """The library as the page reads it: ``{"prefixes": {...}, "queries": [{name, summary, ...}]}``.

    >>> json.loads(library_json())["queries"][0]["name"]
    'alliance-areas-threats'
    """
    from ..query import list_queries

    queries = [{"name": q.name, "summary": q.summary, "description": q.description, "tags": q.tags,
                "params": [{"name": p.name, "kind": p.kind, "required": p.required, "description": p.description}
                           for p in q.params],
                "text": q.text} for q in list_queries()]
    return json.dumps({"prefixes": vocab.PREFIXES, "queries": queries}, ensure_ascii=False).encode("utf-8")


def library_query(name: str):
    """The library's query NAME (a name only: never a path), or a 404.

    >>> library_query("shared-bases").name
    'shared-bases'
    >>> library_query("../queries/shared-bases")
    Traceback (most recent call last):
    graph.front.Refused: unknown query '../queries/shared-bases': GET /library lists the library's queries
    """
    from ..query import list_queries

    found = [q for q in list_queries() if q.name == name] if _NAME.match(name) else []
    if not found:
        raise Refused(404, f"unknown query {name[:100]!r}: GET /library lists the library's queries")
    return found[0]


def bound_text(query, pairs: list[tuple[str, str]], limit: int | None = None) -> str:
    """The text of a library query with the ``name=value`` pairs of a URL bound (VALUES), or a 400
    that names the parameter.

    >>> 'VALUES (?_partner) { ("Germany") }' in bound_text(library_query("bases-shared-with"), [("partner", "Germany")])
    True
    >>> bound_text(library_query("bases-shared-with"), [])
    Traceback (most recent call last):
    graph.front.Refused: missing parameter 'partner' for query 'bases-shared-with' (add ?partner=VALUE to the URL)
    """
    from ..query import match_params, param_term, prepare

    given: dict[str, str] = {}
    for key, value in pairs:
        if key in given:
            raise Refused(400, f"parameter {key[:100]!r} given twice")
        given[key] = value
    keys = {k.lstrip("?$").lstrip("_") for k in given}
    for p in query.params:
        alias = p.name.rsplit("_", 1)[0] if p.kind != "literal" else p.name
        if p.required and p.name not in keys and alias not in keys:
            raise Refused(400, f"missing parameter {p.name!r} for query {query.name!r} "
                               f"(add ?{p.name}=VALUE to the URL)")
    try:
        for param, value in match_params(query, given).items():
            try:
                param_term(param, value)
            except KGError as exc:
                msg = str(exc)
                raise KGError(msg if msg.startswith("parameter") else f"parameter {param.name!r}: {msg}") from None
        return prepare(query, given, limit=limit).text
    except KGError as exc:
        raise Refused(400, _one_line(str(exc))) from None


def _url_pairs(environ: dict) -> list[tuple[str, str]]:
    raw = environ.get("QUERY_STRING", "")
    if len(raw) > 64 * 1024:
        raise Refused(414, "URL query string larger than 64 KB")
    return _form(_decode(raw.encode("latin-1", "replace"), "URL"), "URL query string")


def run_library(front, environ: dict, name: str):
    """``GET /library/NAME?param=value``: the query's answer from Oxigraph, as ``/query`` gives it
    (SPARQL JSON results, or Turtle for a CONSTRUCT or DESCRIBE, unless ``Accept`` names another type).

    >>> run_library(front, {"QUERY_STRING": "partner=Germany"}, "bases-shared-with")  # doctest: +SKIP
    ('200 OK', [('content-type', 'application/sparql-results+json'), ...], <chunks>)
    """
    from ..query import query_form

    query = library_query(name)
    text = bound_text(query, _url_pairs(environ))
    graph_form = query_form(query.text) in ("CONSTRUCT", "DESCRIBE")
    types = GRAPH_TYPES if graph_form else RESULT_TYPES
    accept = environ.get("HTTP_ACCEPT", "")
    asked = next((t for t in types if t in accept), types[0])
    return front.run_query({**environ, "HTTP_ACCEPT": asked}, [("query", text)])


def select(front, environ: dict, name: str, params: dict[str, str], limit: int | None = None) -> list[dict]:
    """The rows (SPARQL JSON bindings) of a library SELECT query run on the served graph.

    >>> select(front, {}, "bases-shared-with", {"partner": "Germany"})[0]["baseLabel"]  # doctest: +SKIP
    {'type': 'literal', 'value': 'Incirlik Air Base'}
    """
    text = bound_text(library_query(name), list(params.items()), limit)
    status, _headers, body = front.run_query({**environ, "HTTP_ACCEPT": JSON_RESULTS}, [("query", text)])
    try:
        data = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    if not status.startswith("200"):
        reason = data.decode("utf-8", "replace").strip().splitlines()
        raise Refused(502, f"the SPARQL engine answered {status} to the library query {name!r}: "
                           f"{_one_line(reason[0]) if reason else 'no message'}")
    return json.loads(data)["results"]["bindings"]


# --------------------------------------------------------------------------- an entity's description


def _term(binding: dict | None, label: dict | None = None) -> str:
    """A result term as HTML: an IRI links to its description (shown by ``label`` or compacted)."""
    if binding is None:
        return ""
    value = binding.get("value", "")
    if binding.get("type") == "uri":
        shown = label["value"] if label else compact(value)
        return (f'<a href="{html.escape(entity_href(value))}" title="{html.escape(value)}">'
                f"{html.escape(shown)}</a>")
    if binding.get("type") == "bnode":
        return f"<code>_:{html.escape(value)}</code>"
    return html.escape(value)


def _table(element_id: str, heads: list[str], rows: list[list[str]], more: bool) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    body = "".join("<tr>" + "".join(cells) + "</tr>" for cells in rows)
    note = f'<p class="note">The first {ENTITY_ROWS} rows only.</p>' if more else ""
    return f'<table id="{element_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}'


def entity_page(front, environ: dict):
    """``GET /entity?iri=IRI``: the entity's label, types, facts and evidence sentences, as HTML
    (a 404 page when the graph holds nothing about the IRI).

    >>> entity_page(front, {"QUERY_STRING": "iri=akr:turkey"})[0]  # doctest: +SKIP
    '200 OK'
    """
    from ..query import parse_iri

    pairs = _url_pairs(environ)
    given = [v for k, v in pairs if k == "iri"]
    if len(given) != 1 or len(pairs) != 1:
        raise Refused(400, "give one IRI: /entity?iri=IRI (full, or compact such as akr:turkey)")
    try:
        iri = parse_iri(given[0])
    except KGError as exc:
        raise Refused(400, _one_line(f"parameter 'iri': {exc}")) from None
    facts = select(front, environ, "entity-facts", {"entity_iri": iri}, ENTITY_ROWS + 1)
    evidence = select(front, environ, "evidence", {"entity_iri": iri}, ENTITY_ROWS + 1)
    label = next((r["value"] for r in facts if r.get("direction", {}).get("value") == "out" and "value" in r
                  and r.get("property", {}).get("value") == vocab.RDFS_LABEL), None)
    this = f'<td class="this">{_term({"type": "uri", "value": iri}, label)}</td>'
    types, fact_rows = [], []
    for row in facts[:ENTITY_ROWS]:
        prop, value = row.get("property", {}).get("value"), row.get("value")
        out = row.get("direction", {}).get("value") == "out"
        if out and prop == vocab.RDF_TYPE and value:
            types.append(_term(value, row.get("valueLabel")))
        other = f'<td>{_term(value, row.get("valueLabel"))}</td>'
        cells = [this, f'<td>{_term(row.get("property"))}</td>', other] if out else \
                [other, f'<td>{_term(row.get("property"))}</td>', this]
        fact_rows.append(cells + [f'<td>{_term(row.get("document"))}</td>'])
    evidence_rows = [[f'<td>{_term(r.get("subject"), r.get("subjectLabel"))}</td>',
                      f'<td>{_term(r.get("property"))}</td>',
                      f'<td>{_term(r.get("object"), r.get("objectLabel"))}</td>',
                      f'<td class="sentence">{_term(r.get("sentence"))}</td>',
                      f'<td>{_term(r.get("document"))}</td>',
                      f'<td>{_term(r.get("start"))}&#8211;{_term(r.get("end"))}</td>',
                      f'<td>{_term(r.get("rule"))}</td>'] for r in evidence[:ENTITY_ROWS]]
    title = label["value"] if label is not None else compact(iri)
    parts = [f'<h1 id="label">{html.escape(title)}</h1>', f'<p class="iri"><code>{html.escape(iri)}</code></p>']
    if not facts:
        parts.append('<p class="note" id="unknown">The graph holds nothing about this IRI.</p>')
    else:
        parts.append(f'<p class="types" id="types">Types: {" ".join(types) or "none stated"}</p>')
        parts.append("<h2>Facts</h2>")
        parts.append(_table("facts", ["subject", "property", "object", "document"], fact_rows,
                            len(facts) > ENTITY_ROWS))
        parts.append("<h2>Evidence</h2>")
        parts.append(_table("evidence", ["subject", "property", "object", "sentence", "document", "characters",
                                         "rule"], evidence_rows, len(evidence) > ENTITY_ROWS)
                     if evidence else '<p class="note" id="no-evidence">No sentence states a fact about it.</p>')
    page = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)} - alliance-kg</title>\n"
            '<link rel="stylesheet" href="/page.css">\n</head>\n<body class="entity">\n'
            '<header><a class="brand" href="/">alliance-kg</a><span class="subtitle">an entity of the graph; '
            '<a href="/">the query page</a></span></header>\n'
            "<main>\n" + "\n".join(parts) + "\n</main>\n</body>\n</html>\n")
    status, headers, body = _answer(200 if facts else 404, "text/html; charset=utf-8", page.encode("utf-8"),
                                    [("Content-Security-Policy", ENTITY_CSP), ("X-Frame-Options", "DENY")])
    return status, headers, body
