"""Run SPARQL over the built graph with Oxigraph (pyoxigraph), in process.

The query library is the folder ``queries/``: one ``.rq`` file per question,
opening with grlc-style ``#+`` comment lines (summary, description, tags, params).
Parameters follow the grlc/BASIL convention: ``?_name`` is a required literal,
``?_name_iri`` an IRI, ``?__name`` optional; users pass them as ``name=value``
(``partner=Germany``, ``entity_iri=akr:turkey``).

Execution is three small steps, so other back ends (an on-disk store, an
endpoint) can slot in: :func:`load_store` (graph file -> store),
:func:`run_query` (store, query, params -> :class:`QueryResult`), then
:meth:`QueryResult.serialize` or :meth:`QueryResult.rows`.

>>> q = get_query("base-locations")
>>> q.summary
'Every military base and the country it is located in'
>>> [p.name for p in get_query("bases-shared-with").params]
['partner']
>>> store = load_store("out/kg.ttl")                                   # doctest: +SKIP
>>> run_query(store, "bases-shared-with", {"partner": "USA"}).rows()  # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import functools
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from .errors import KGError
from .lexicon import PROJECT_DIR

QUERIES_DIR = PROJECT_DIR / "queries"
DEFAULT_GRAPH = Path("out/kg.ttl")

RDF_FORMATS = {
    ".ttl": "TURTLE", ".turtle": "TURTLE", ".trig": "TRIG", ".nt": "N_TRIPLES", ".nq": "N_QUADS",
    ".jsonld": "JSON_LD", ".json": "JSON_LD", ".rdf": "RDF_XML", ".owl": "RDF_XML",
}

#: --format values for SELECT/ASK answers -> pyoxigraph QueryResultsFormat (``table`` is ours)
RESULTS_FORMATS = {"table": None, "csv": "CSV", "tsv": "TSV", "json": "JSON", "xml": "XML"}
#: --format values for CONSTRUCT/DESCRIBE answers -> pyoxigraph RdfFormat
GRAPH_FORMATS = {"turtle": "TURTLE", "ntriples": "N_TRIPLES", "jsonld": "JSON_LD"}

#: SPARQL Update operations, refused by :func:`run_query` unless ``allow_update``
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY")

XSD = "http://www.w3.org/2001/XMLSchema#"
#: parameter name suffix -> literal datatype (grlc: ``?_year_integer``)
_TYPED_SUFFIXES = {"integer": "integer", "decimal": "decimal", "double": "double", "boolean": "boolean",
                   "date": "date", "datetime": "dateTime", "gyear": "gYear", "string": "string"}


class QueryTimeout(KGError):
    """The query ran longer than its time limit and was stopped."""

    exit_code = 3


# --------------------------------------------------------------------------- the library


@dataclass(frozen=True)
class Param:
    """A query parameter: the variable ``?_partner`` is passed as ``partner=VALUE``.

    ``kind`` is ``"iri"``, ``"literal"`` or an XSD datatype name (``"integer"``).
    """

    name: str
    variable: str
    kind: str = "literal"
    required: bool = True
    description: str = ""

    def __str__(self) -> str:
        return self.name if self.required else f"[{self.name}]"


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
    from .errors import not_text

    reason = not_text(text)
    if reason:  # bytes that were not UTF-8 in an argument, or a lone surrogate
        raise KGError(f"the query text cannot be used: {reason}", path=path)
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
        raise KGError(f"cannot read query file: {exc}", path=path) from None
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
    import os

    p = Path(name_or_path)
    separators = [sep for sep in ("/", "\\", os.sep, os.altsep) if sep]
    as_path = any(sep in name_or_path for sep in separators)
    if p.suffix == ".rq" and (as_path or p.is_file()):
        if not p.is_file():
            raise KGError("query file not found" if not p.exists() else "not a query file", path=p)
        return _from_file(p)
    if as_path:
        raise KGError(f"not a query name: {name_or_path!r} holds a path separator; give a name from `kg queries`, "
                      "or the path of an existing .rq file")
    if name_or_path in ("", ".", "..") or name_or_path.startswith("."):
        raise KGError(f"not a query name: {name_or_path!r} (`kg queries` lists them)")
    cand = folder / f"{p.stem if p.suffix == '.rq' else name_or_path}.rq"
    if cand.is_file():
        return _from_file(cand)
    names = sorted(q.stem for q in folder.glob("*.rq"))
    close = difflib.get_close_matches(name_or_path, names, n=3, cutoff=0.4)
    close += [n for n in names if name_or_path.lower() in n and n not in close][: 3 - len(close)]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise KGError(f"unknown query '{name_or_path}'{hint} (`kg queries` lists them: {', '.join(names)})")


def resolve_query(query: str | NamedQuery, folder: Path = QUERIES_DIR) -> NamedQuery:
    """A NamedQuery from a library name, a ``.rq`` path or SPARQL text.

    Text is told from a name by its shape: a name never holds spaces or braces.
    """
    if isinstance(query, NamedQuery):
        return query
    if re.search(r"[\s{}]", query):
        return make_query(query, name="query")
    return get_query(query, folder)


# --------------------------------------------------------------------------- scanning SPARQL text

#: a token of SPARQL text, after the SPARQL 1.1 grammar's terminals (as Oxigraph reads them): a comment
#: ends at a line feed OR a carriage return; an IRI may hold ``\u``/``\U`` escapes; a prefixed name may
#: hold ``\``-escaped punctuation (``ex:a\#b``, ``ex:a\'b``, PN_LOCAL_ESC)
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<word>(?:[A-Za-z0-9_:\u00C0-\uFFFF]|\\[_~.\-!$&'()*+,;=/?\#@%])
              (?:[\w\-.:%\u00B7-\uFFFF]|\\[_~.\-!$&'()*+,;=/?\#@%])*)
  | (?P<punct>.)
    """,
    re.X | re.S,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # ws comment string iri var word punct
    text: str
    start: int


#: texts up to this length have their tokens cached; a longer one is scanned again each time (its
#: tokens take about 80 bytes per character: 256 cached 64 KB queries sent to kg serve would hold 1.3 GB)
_CACHED_TEXT = 8192


def _tokens(text: str) -> tuple[_Token, ...]:
    """SPARQL text as tokens, comments and whitespace dropped (cached for texts up to
    ``_CACHED_TEXT`` characters; see :func:`_scan`)."""
    return _cached_tokens(text) if len(text) <= _CACHED_TEXT else _scan(text)


@functools.lru_cache(maxsize=256)
def _cached_tokens(text: str) -> tuple[_Token, ...]:
    return _scan(text)


_tokens.cache_clear = _cached_tokens.cache_clear  # type: ignore[attr-defined]


def _scan(text: str) -> tuple[_Token, ...]:
    """SPARQL text as tokens, comments and whitespace dropped (cached by :func:`_tokens`: a library
    query is checked, searched for parameters and bound on every run).

    Comments, string literals and IRIs are whole tokens, so a keyword inside one
    (``"please DELETE this"``, ``<http://x/insert>``) is never taken for a keyword.
    Oxigraph reads ``\\u`` escapes only inside strings and IRIs (``\\u0053ELECT`` is a
    syntax error there), so the text needs no unescaping first.
    """
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        if kind not in ("ws", "comment"):
            out.append(_Token(kind, m.group(), m.start()))
    return tuple(out)


def _keyword(tok: _Token, *words: str) -> bool:
    return tok.kind == "word" and tok.text.upper() in words


def forbidden_operations(text: str) -> list[str]:
    """The update operations (INSERT, DELETE, ...) and SERVICE calls a SPARQL text holds.

    Two readings decide, and either one is enough to refuse: the keyword tokens of
    :func:`_tokens`, and a real parse of the text by the SPARQL grammar (rdflib's, fed the
    text as Oxigraph lexes it; see :func:`grammar_operations`). The query is never run to
    find out.

    >>> forbidden_operations('SELECT * WHERE { ?s ?p "INSERT" } # DROP ALL')
    []
    >>> forbidden_operations('DELETE WHERE { ?s ?p ?o }')
    ['DELETE']
    >>> forbidden_operations('SELECT * { ?s ?p ?o } # comment ended by a carriage return\\rSERVICE <http://x/> {}')
    ['SERVICE']
    """
    found: list[str] = []
    for tok in _tokens(text):
        if _keyword(tok, *UPDATE_KEYWORDS, "SERVICE") and tok.text.upper() not in found:
            found.append(tok.text.upper())
    if nesting_error(text) is None:  # a deeper text is refused before anything parses it
        for op in grammar_operations(text)[1]:
            if op not in found:
                found.append(op)
    return found


#: update operations of rdflib's parse tree -> the keyword that names them in messages
_UPDATE_OPERATIONS = {"InsertData": "INSERT", "DeleteData": "DELETE", "DeleteWhere": "DELETE",
                      "InsertClause": "INSERT", "DeleteClause": "DELETE", "Load": "LOAD",
                      "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE", "Add": "ADD", "Move": "MOVE",
                      "Copy": "COPY"}
_UCHAR_OR_ESCAPE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)
_PARSER_LOCK = threading.Lock()


def _as_oxigraph_lexes(text: str) -> str:
    """``text`` made ready for rdflib's grammar so that it reads the same tokens as Oxigraph.

    rdflib expands ``\\u`` escapes in the whole text before parsing and ends a comment only
    at a line feed; Oxigraph expands them only inside strings and IRIs (where they never
    end the token) and ends a comment at a carriage return too. So every escape becomes a
    plain ``_`` (same token, and ``\\\\`` stays an escaped backslash), carriage returns become
    line feeds, and the SPARQL 1.2 ``LATERAL`` (which rdflib does not know) becomes
    ``OPTIONAL``, the keyword with the same grammar (``LATERAL GroupGraphPattern``).
    """
    for tok in reversed(_tokens(text)):
        if _keyword(tok, "LATERAL"):
            text = text[:tok.start] + "OPTIONAL" + text[tok.start + len(tok.text):]
    text = text.replace("\r", "\n")
    return _UCHAR_OR_ESCAPE.sub(lambda m: "_" if m.group()[1] in "uU" else m.group(), text)


@functools.lru_cache(maxsize=256)
def grammar_operations(text: str) -> tuple[str | None, tuple[str, ...]]:
    """What the SPARQL grammar reads in ``text``: ``("query" | "update" | None, operations)``.

    ``operations`` are the update keywords and ``SERVICE`` found in the parse tree; the
    kind is None (and there are no operations) when rdflib's parser cannot read the
    text (a syntax error, or SPARQL 1.2 syntax other than LATERAL), and the keyword
    tokens decide alone.

    >>> grammar_operations('SELECT * { ?s ?p ?o LATERAL { SERVICE <http://x/> { ?s ?p ?o } } }')
    ('query', ('SERVICE',))
    >>> grammar_operations('PREFIX : <urn:x:> INSERT { ?s :p 1 } WHERE { ?s ?p ?o }')
    ('update', ('INSERT',))
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import parser as rdflib_parser

    prepared = _as_oxigraph_lexes(text)
    tree, kind = None, None
    with _PARSER_LOCK:  # pyparsing's caches are shared by the module's grammar objects
        for kind, grammar in (("query", rdflib_parser.Query), ("update", rdflib_parser.UpdateUnit)):
            try:
                tree = grammar.parse_string(prepared, parse_all=True)
                break
            except (ParseBaseException, RecursionError, ValueError, TypeError, KeyError, AttributeError):
                continue
    if tree is None:
        return None, ()
    found: list[str] = []
    stack: list[Any] = [tree]
    while stack:  # iterative: a deeply nested tree must not exhaust Python's stack
        node = stack.pop()
        name = getattr(node, "name", None)
        op = "SERVICE" if name == "ServiceGraphPattern" else _UPDATE_OPERATIONS.get(name)
        if op and op not in found:
            found.append(op)
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            stack.extend(node)
    return kind, tuple(found)


#: deepest nesting of ``{ ( [`` a query may have (Oxigraph's parser runs out of stack at about 3,000 braces)
MAX_NESTING = 200
#: deepest nesting of ``( [`` inside one ``{ }`` group: nested blank nodes and collections cost
#: Oxigraph time that grows steeply with depth (200 nested ``[ ]``: 12 s to parse)
MAX_TERM_NESTING = 64
_BRACKET = re.compile(r"[{}()\[\]]")


def nesting_error(text: str) -> str | None:
    """Why ``text`` is nested too deeply for the engine, or None.

    Depth is counted on the tokens (strings, IRIs and comments do not count); as a
    backstop, a count over every character refuses five times the limit.

    >>> nesting_error("SELECT * WHERE { ?s ?p ?o }") is None
    True
    >>> nesting_error("SELECT * WHERE " + "{" * 300 + "}" * 300)
    'query nested too deeply at line 1, column 216: more than 200 levels of { ( [ (the limit keeps the SPARQL engine from running out of stack)'
    """
    stack: list[int] = []  # for each open bracket: how many ( [ are open inside the innermost { }
    for tok in _tokens(text):
        if tok.kind != "punct" or tok.text not in "{}()[]":
            continue
        if tok.text in "})]":
            if stack:
                stack.pop()
            continue
        stack.append(0 if tok.text == "{" else (stack[-1] + 1 if stack else 1))
        if len(stack) > MAX_NESTING:
            return _nesting_message(text, tok.start, f"more than {MAX_NESTING} levels of {{ ( [ (the limit keeps "
                                                     "the SPARQL engine from running out of stack)")
        if stack[-1] > MAX_TERM_NESTING:
            return _nesting_message(text, tok.start, f"more than {MAX_TERM_NESTING} levels of ( [ inside one "
                                                     "{ } group (nested blank nodes and collections cost the engine "
                                                     "time that grows steeply with depth)")
    depth = 0
    for m in _BRACKET.finditer(text):
        depth = depth + 1 if m.group() in "{([" else max(depth - 1, 0)
        if depth > 5 * MAX_NESTING:
            return _nesting_message(text, m.start(), f"more than {5 * MAX_NESTING} levels of {{ ( [, counting "
                                                     "those in strings, IRIs and comments")
    return None


def _nesting_message(text: str, pos: int, what: str) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"query nested too deeply at line {line}, column {col}: {what}"


def check_nesting(text: str) -> None:
    """Raise a one-line KGError when ``text`` is nested deeper than the engine can take
    (:func:`nesting_error`); called before any parser or engine sees the text."""
    err = nesting_error(text)
    if err is not None:
        raise KGError(err)


def query_form(text: str) -> str | None:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE`` (None when the text is none of them)."""
    for tok in _tokens(text):
        if _keyword(tok, "SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return tok.text.upper()
        if _keyword(tok, *UPDATE_KEYWORDS):
            return None
    return None


def _match_brace(toks: list[_Token], i: int) -> int:
    """Index of the ``}`` that closes the ``{`` at ``toks[i]`` (or len(toks))."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == "{" and toks[j].kind == "punct":
            depth += 1
        elif toks[j].text == "}" and toks[j].kind == "punct":
            depth -= 1
            if depth == 0:
                return j
    return len(toks)


def _where_group(toks: list[_Token]) -> tuple[int, int] | None:
    """Token indexes of the ``{`` and ``}`` of the query's outermost WHERE group."""
    i = next((k for k, t in enumerate(toks) if _keyword(t, "SELECT", "ASK", "CONSTRUCT", "DESCRIBE")), None)
    if i is None:
        return None
    if toks[i].text.upper() == "CONSTRUCT" and i + 1 < len(toks) and toks[i + 1].text == "{":
        i = _match_brace(toks, i + 1)  # skip the template
    for k in range(i + 1, len(toks)):
        if toks[k].kind == "punct" and toks[k].text == "{":
            return k, _match_brace(toks, k)
    return None


def find_params(text: str, doc: str = "") -> list[Param]:
    """The parameters of a query: its ``?_name`` / ``?__name`` variables, in order of appearance.

    ``doc`` is the ``#+ params:`` metadata, ``?_name (kind, required) description`` entries
    separated by ``;``; it supplies the descriptions.

    >>> [(p.name, p.kind, p.required) for p in find_params("SELECT * { ?s ?p ?_entity_iri . ?s ?q ?__year_integer }")]
    [('entity_iri', 'iri', True), ('year_integer', 'integer', False)]
    """
    docs = {}
    for m in re.finditer(r"[?$](_\w+)\s*(?:\([^)]*\))?\s*([^;]*)", doc):
        docs[m.group(1)] = m.group(2).strip()
    params: list[Param] = []
    for tok in _tokens(text):
        if tok.kind != "var" or not tok.text[1:].startswith("_"):
            continue
        var = tok.text[1:]
        if any(p.variable == var for p in params):
            continue
        required = not var.startswith("__")
        name = var.lstrip("_")
        if not name:
            continue
        suffix = name.rsplit("_", 1)[-1].lower() if "_" in name else ""
        kind = "iri" if suffix == "iri" else _TYPED_SUFFIXES.get(suffix, "literal")
        params.append(Param(name=name, variable=var, kind=kind, required=required, description=docs.get(var, "")))
    return params


# --------------------------------------------------------------------------- binding parameters

_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|^`\\\x00-\x20]')


def parse_iri(value: str) -> str:
    """A full IRI from ``value``: full, ``<full>`` or compact with a known prefix (``akr:turkey``).

    >>> parse_iri("akr:turkey")
    'https://w3id.org/alliance-kg/id/turkey'
    """
    from .namespaces import PREFIXES

    v = value.strip()
    if v.startswith("<") and v.endswith(">"):
        v = v[1:-1]
    bad = _IRI_FORBIDDEN.search(v)
    if bad or not v:
        what = f"the character {bad.group()!r}" if bad else "nothing"
        raise KGError(f"not an IRI: {value!r} holds {what}")
    prefix, colon, local = v.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        v = PREFIXES[prefix] + local
    if not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", v):
        raise KGError(f"not an IRI: {value!r} (give a full IRI such as https://... or a prefixed name such as akr:turkey)")
    return v


def param_term(param: Param, value: str):
    """The RDF term (pyoxigraph) a parameter value stands for: an IRI or a (typed) literal."""
    import pyoxigraph as ox

    from .errors import not_text

    reason = not_text(str(value))
    if reason:
        raise KGError(f"parameter '{param.name}': the value cannot be used: {reason}")
    if param.kind == "iri":
        iri = parse_iri(value)
        try:
            return ox.NamedNode(iri)
        except ValueError as exc:
            raise KGError(f"parameter '{param.name}': not an IRI: {value!r} ({exc})") from None
    if param.kind in ("literal", "string"):
        return ox.Literal(value)
    return ox.Literal(value, datatype=ox.NamedNode(XSD + _TYPED_SUFFIXES.get(param.kind, param.kind)))


def _param_list(params: Iterable[Param]) -> str:
    shown = [f"{p} ({p.kind}{'' if p.required else ', optional'})" for p in params]
    return ", ".join(shown) if shown else "none"


def match_params(query: NamedQuery, values: Mapping[str, str] | None) -> dict[Param, str]:
    """Pair the given ``name=value`` settings with the query's parameters.

    A name may be given as ``partner``, ``_partner`` or ``?_partner``; an IRI parameter
    ``entity_iri`` also as ``entity``. Unknown and missing required names are errors
    that list the query's parameters.
    """
    values = dict(values or {})
    out: dict[str, tuple[Param, str]] = {}
    for given, value in values.items():
        key = given.lstrip("?$").lstrip("_")
        hit = [p for p in query.params if key in (p.name, p.name.rsplit("_", 1)[0] if p.kind != "literal" else p.name)]
        if not hit:
            raise KGError(
                f"unknown parameter '{given}' for query '{query.name}'; its parameters: {_param_list(query.params)}"
            )
        if hit[0].variable in out:
            raise KGError(f"parameter '{hit[0].name}' given twice for query '{query.name}'")
        out[hit[0].variable] = (hit[0], str(value))
    for p in query.params:
        if p.required and p.variable not in out:
            raise KGError(
                f"missing parameter '{p.name}' for query '{query.name}' (pass --param {p.name}=VALUE); "
                f"its parameters: {_param_list(query.params)}"
            )
    return {p: v for p, v in out.values()}


def parse_param_options(options: Iterable[str]) -> dict[str, str]:
    """``--param name=value`` options as a dict (the value may hold ``=``).

    >>> parse_param_options(["partner=United States", "x=a=b"])
    {'partner': 'United States', 'x': 'a=b'}
    """
    from .errors import not_text

    out: dict[str, str] = {}
    for opt in options:
        key, eq, value = opt.partition("=")
        for part, what in ((key, "name"), (value, "value")):
            reason = not_text(part)
            if reason:
                raise KGError(f"--param {key if what == 'value' else '...'}: the {what} cannot be used: {reason}")
        if not eq or not key.strip():
            raise KGError(f"--param takes name=value, not {opt!r}")
        if key.strip() in out:
            raise KGError(f"parameter '{key.strip()}' given twice")
        out[key.strip()] = value
    return out


def bind_params(text: str, bindings: Mapping[Param, str]) -> str:
    """The query text with its parameters bound by a VALUES block.

    Each value becomes an RDF term serialised by pyoxigraph (N-Triples form, so quotes
    and backslashes are escaped) and the block goes INSIDE the outermost WHERE group:
    ``WHERE { VALUES (?_a ?_b) { ("x" <y>) } ...``. The value is data, never query text,
    so ``x" } ; DELETE WHERE { ?s ?p ?o } #`` is just a string that matches nothing.
    Inside the group (not after the query) the binding is in scope for FILTERs and
    aggregates, and the query's own solution modifiers stay where they are.

    Why not Oxigraph's ``substitutions=`` argument (SEP-0007 pre-binding)? In pyoxigraph
    0.5 it can bind only variables the SELECT projects (``SELECT *`` or listed), in CONSTRUCT
    templates, DESCRIBE and ASK; a SELECT that does not project the variable, or an aggregate
    query that does not group by it, is refused ("does not contain variable ?_p in its SELECT
    projection"); and it does not reach into sub-SELECTs that do not project it.
    Our parameters are usually not projected, so VALUES it is.

    >>> from graph.query import Param
    >>> p = Param("partner", "_partner")
    >>> bind_params('SELECT ?b WHERE { ?b ?p ?_partner }', {p: 'x" }'})
    'SELECT ?b WHERE { VALUES (?_partner) { ("x\\\\" }") } ?b ?p ?_partner }'
    """
    if not bindings:
        return text
    toks = _tokens(text)
    group = _where_group(toks)
    if group is None or group[1] >= len(toks):
        raise KGError("cannot bind parameters: the query has no WHERE { ... } group")
    items = sorted(bindings.items(), key=lambda kv: kv[0].variable)
    variables = " ".join(f"?{p.variable}" for p, _ in items)
    terms = " ".join(str(param_term(p, v)) for p, v in items)
    block = f" VALUES ({variables}) {{ ({terms}) }}"
    pos = toks[group[0]].start + 1
    return text[:pos] + block + text[pos:]


def with_limit(text: str, limit: int) -> str:
    """The query with at most ``limit`` solutions: its own LIMIT lowered, or one added.

    >>> with_limit('SELECT * WHERE { ?s ?p ?o } LIMIT 50', 5)
    'SELECT * WHERE { ?s ?p ?o } LIMIT 5'
    >>> with_limit('SELECT * WHERE { ?s ?p ?o } ORDER BY ?s', 5)
    'SELECT * WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 5'
    """
    if limit < 0:
        raise KGError(f"--limit must be 0 or more, not {limit}")
    toks = _tokens(text)
    group = _where_group(toks)
    if group is None or query_form(text) == "ASK":
        return text
    tail = toks[group[1] + 1:]
    for k, tok in enumerate(tail):
        if _keyword(tok, "LIMIT") and k + 1 < len(tail) and tail[k + 1].text.isdigit():
            num = tail[k + 1]
            if int(num.text) <= limit:
                return text
            return text[:num.start] + str(limit) + text[num.start + len(num.text):]
    values = next((t for t in tail if _keyword(t, "VALUES")), None)
    if values is not None:  # a trailing VALUES clause comes after the solution modifiers
        return text[:values.start] + f"LIMIT {limit}\n" + text[values.start:]
    return text.rstrip() + f" LIMIT {limit}" + ("\n" if text.endswith("\n") else "")


# --------------------------------------------------------------------------- errors


def format_syntax_error(exc: Exception, text: str, what: str = "SPARQL syntax error") -> str:
    """A pyoxigraph SyntaxError as ``line L, column C: message`` with the offending line and a caret.

    >>> print(format_syntax_error(SyntaxError("error at 1:8: expected OPTIONAL"), "SELECT ?x"))
    SPARQL syntax error at line 1, column 8: expected OPTIONAL
      1 | SELECT ?x
        |        ^
    """
    msg = str(exc)
    m = re.match(r"error at (\d+):(\d+)(?:-\d+:\d+)?:\s*(.*)", msg, re.S)
    if not m:
        return f"{what}: {msg}"
    line, col, detail = int(m.group(1)), int(m.group(2)), m.group(3)
    detail = _tidy_expected(detail)
    lines = text.splitlines() or [""]
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    gutter = f"  {line} | "
    caret = " " * (len(gutter) - 2) + "| " + " " * max(col - 1, 0) + "^"
    return f"{what} at line {line}, column {col}: {detail}\n{gutter}{src}\n{caret}"


def _tidy_expected(detail: str) -> str:
    """Drop the character-class noise from Oxigraph's 'expected one of ...' lists."""
    m = re.match(r"expected one of (.*)", detail, re.S)
    if not m:
        return " ".join(detail.split())
    items = [i.strip() for i in re.split(r",\s(?=[\"A-Z\[])", m.group(1))]
    keep = [i for i in items if i and not i.startswith("[")]
    hint = [i for i in keep if " " in i and not i.startswith('"')]
    keep = [i for i in keep if i not in hint]
    out = "expected one of " + ", ".join(keep) if keep else "unexpected input"
    return out + (f" ({'; '.join(hint)})" if hint else "")


def check_syntax(text: str) -> None:
    """Raise a KGError (line, column, offending line) when ``text`` is not a SPARQL query.

    Oxigraph parses it by running it on an empty store, so :func:`prepare` calls this only
    for a text that holds no SERVICE (the one operation that reaches out of the store).
    """
    check_nesting(text)
    try:
        _parses(text)
    except SyntaxError as exc:
        raise KGError(format_syntax_error(exc, text)) from None


@functools.lru_cache(maxsize=256)
def _parses(text: str) -> bool:
    """True when Oxigraph parses ``text`` (else its SyntaxError); only successes are cached."""
    import pyoxigraph as ox

    from .namespaces import PREFIXES

    ox.Store().query(text, prefixes=PREFIXES)  # an empty store: parses, evaluates nothing
    return True


# --------------------------------------------------------------------------- results


@dataclass
class QueryResult:
    """The answer to a query, held in a W3C format so it can be read and re-serialised.

    SELECT and ASK answers are SPARQL 1.1 Query Results JSON (``kind`` ``"select"`` or
    ``"ask"``); CONSTRUCT and DESCRIBE answers are sorted N-Triples (``kind`` ``"graph"``).
    An allowed SPARQL Update gives kind ``"update"`` with no data.
    """

    kind: str
    data: bytes
    variables: list[str] = field(default_factory=list)
    changed: int = 0  #: for a SPARQL Update (kind ``"update"``): quads added minus quads removed

    @property
    def boolean(self) -> bool | None:
        """The answer of an ASK query (None for other kinds)."""
        if self.kind != "ask":
            return None
        import pyoxigraph as ox

        return bool(ox.parse_query_results(self.data, ox.QueryResultsFormat.JSON))

    def solutions(self) -> list[tuple]:
        """SELECT solutions as tuples of pyoxigraph terms (None where unbound), in order."""
        if self.kind != "select":
            return []
        import pyoxigraph as ox

        res = ox.parse_query_results(self.data, ox.QueryResultsFormat.JSON)
        return [tuple(sol[v] for v in self.variables) for sol in res]

    def triples(self) -> list:
        """CONSTRUCT/DESCRIBE triples (pyoxigraph Triples), sorted."""
        if self.kind != "graph":
            return []
        import pyoxigraph as ox

        return list(ox.parse(self.data, ox.RdfFormat.N_TRIPLES))

    def rows(self, compact: bool = False) -> list[dict[str, Any]]:
        """SELECT solutions as plain dicts: IRIs as strings, numbers and booleans as Python values.

        ``compact=True`` writes IRIs with the project's prefixes (``akr:turkey``).
        """
        return [
            {v: to_python(t, compact) for v, t in zip(self.variables, sol)} for sol in self.solutions()
        ]

    def __len__(self) -> int:
        if self.kind == "select":
            return len(self.solutions())
        if self.kind == "graph":
            return len(self.triples())
        return 1

    def serialize(self, fmt: str) -> bytes:
        """The answer in a W3C format: csv, tsv, json, xml (SELECT/ASK) or turtle, ntriples, jsonld.

        SELECT/ASK answers go through pyoxigraph's QueryResultsFormat serializers, graphs
        through its RDF serializers (Turtle with the project's prefixes).
        """
        import pyoxigraph as ox

        if self.kind == "graph":
            if fmt not in GRAPH_FORMATS:
                raise KGError(f"--format {fmt} is for SELECT/ASK answers; a graph answer takes "
                              f"{', '.join(GRAPH_FORMATS)}")
            if fmt == "ntriples":
                return self.data
            triples = self.triples()
            prefixes = _used_prefixes(triples) if fmt == "turtle" else None
            return ox.serialize(triples, format=getattr(ox.RdfFormat, GRAPH_FORMATS[fmt]), prefixes=prefixes)
        if fmt not in RESULTS_FORMATS or RESULTS_FORMATS[fmt] is None:
            raise KGError(f"--format {fmt} is not for {self.kind.upper()} answers; use "
                          f"{', '.join(k for k in RESULTS_FORMATS)}")
        if fmt == "json":
            return self.data
        parsed = ox.parse_query_results(self.data, ox.QueryResultsFormat.JSON)
        return parsed.serialize(format=getattr(ox.QueryResultsFormat, RESULTS_FORMATS[fmt]))


def _used_prefixes(triples) -> dict[str, str]:
    from .namespaces import PREFIXES

    iris = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if hasattr(term, "datatype"):
                term = term.datatype
            if type(term).__name__ == "NamedNode":
                iris.add(term.value)
    return {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}


def compact_iri(iri: str) -> str:
    """``akr:incirlik-air-base`` for a full IRI in a known namespace (the longest match wins).

    >>> compact_iri("https://w3id.org/alliance-kg/id/incirlik-air-base")
    'akr:incirlik-air-base'
    """
    from .namespaces import PREFIXES

    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    local = iri[len(best):]
    if not re.fullmatch(r"[\w\-.]*", local) or local.endswith("."):
        return iri
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{local}"


_INT_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_FLOAT_TYPES = {XSD + t for t in ("decimal", "double", "float")}


def to_python(term, compact: bool = False) -> Any:
    """A plain Python value for a pyoxigraph term: IRI -> str, ``xsd:integer`` -> int,
    ``xsd:decimal``/``double`` -> float, ``xsd:boolean`` -> bool, other literals -> their text,
    blank node -> ``_:id``, unbound -> None."""
    if term is None:
        return None
    kind = type(term).__name__
    if kind == "NamedNode":
        return compact_iri(term.value) if compact else term.value
    if kind == "BlankNode":
        return f"_:{term.value}"
    if kind == "Literal":
        dt = term.datatype.value
        try:
            if dt in _INT_TYPES:
                return int(term.value)
            if dt in _FLOAT_TYPES:
                return float(term.value)
            if dt == XSD + "boolean":
                return term.value in ("true", "1")
        except ValueError:
            return term.value
        return term.value
    return str(term)


def display_text(term) -> str:
    """How a term reads in a table: compact IRI, literal text, ``_:id``; '' when unbound."""
    if term is None:
        return ""
    if type(term).__name__ == "NamedNode":
        return compact_iri(term.value)
    if type(term).__name__ == "BlankNode":
        return f"_:{term.value}"
    if type(term).__name__ == "Literal":
        return term.value
    return str(term)


# --------------------------------------------------------------------------- running


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
    except (SyntaxError, ValueError) as exc:
        raise KGError(f"malformed graph: {remote_context_hint(exc)}", path=path) from None
    except OSError as exc:
        raise KGError(f"cannot read graph: {exc}", path=path) from None
    return store


def remote_context_hint(exc: Exception) -> str:
    """The parser's message, put plainly when it refused a remote JSON-LD ``@context`` (never fetched:
    reading a file must not make requests to the URLs it names)."""
    text = str(exc)
    if "LoadDocumentCallback" in text or "remote context" in text:
        return "a remote JSON-LD @context is not fetched: put the context in the file"
    return text


def prepare(query: str | NamedQuery, params: Mapping[str, str] | None = None, *, limit: int | None = None,
            allow_update: bool = False, allow_service: bool = False) -> tuple[NamedQuery, str]:
    """Check a query and bind its parameters: (the query, the text to run).

    Refuses SPARQL Update and SERVICE unless allowed, reports syntax errors with their
    line, and binds ``params`` with :func:`bind_params`.
    """
    q = resolve_query(query)
    check_nesting(q.text)  # before any parser or engine sees the text
    ops = forbidden_operations(q.text)
    updates = [o for o in ops if o != "SERVICE"]
    if updates and not allow_update:
        raise KGError(f"'{q.name}' is a SPARQL update ({', '.join(updates)}): kg query only reads the graph; "
                      "pass --allow-update to run it on the in-memory copy (the graph file is never changed)")
    if "SERVICE" in ops and not allow_service:
        raise KGError(f"'{q.name}' calls a remote SPARQL SERVICE: refused; pass --allow-service to allow it")
    if updates:
        return q, q.text
    if "SERVICE" not in ops:  # checking evaluates an ASK on an empty store: no remote call for that
        check_syntax(q.text)
    text = bind_params(q.text, match_params(q, params))
    if limit is not None:
        text = with_limit(text, limit)
    return q, text


def resolve_format(query: NamedQuery, fmt: str | None) -> str:
    """The output format for a query: ``fmt`` checked against the query's form, or its default
    (``table`` for SELECT/ASK, ``turtle`` for CONSTRUCT/DESCRIBE)."""
    graph_form = query_form(query.text) in ("CONSTRUCT", "DESCRIBE")
    allowed = list(GRAPH_FORMATS) if graph_form else list(RESULTS_FORMATS)
    if fmt is None:
        return allowed[0]
    if fmt not in allowed:
        kind = "CONSTRUCT/DESCRIBE" if graph_form else "SELECT/ASK"
        other = fmt in GRAPH_FORMATS or fmt in RESULTS_FORMATS
        raise KGError(f"{'--format ' + fmt + ' does not suit' if other else 'unknown --format ' + repr(fmt) + ' for'} "
                      f"a {kind} query; use {', '.join(allowed)}")
    return fmt


def evaluate(store, text: str) -> QueryResult:
    """Run a (prepared) query over the union of the store's graphs and hold its whole answer."""
    import pyoxigraph as ox

    from .namespaces import PREFIXES

    check_nesting(text)
    try:
        res = store.query(text, use_default_graph_as_union=True, prefixes=PREFIXES)
        if isinstance(res, ox.QueryBoolean):
            return QueryResult("ask", res.serialize(format=ox.QueryResultsFormat.JSON))
        if isinstance(res, ox.QuerySolutions):
            variables = [v.value for v in res.variables]
            return QueryResult("select", res.serialize(format=ox.QueryResultsFormat.JSON), variables)
        lines = ox.serialize(res, format=ox.RdfFormat.N_TRIPLES).splitlines(keepends=True)
        return QueryResult("graph", b"".join(sorted(set(lines))))
    except SyntaxError as exc:
        raise KGError(format_syntax_error(exc, text)) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise KGError(f"query failed: {exc}") from None


def update(store, text: str) -> int:
    """Run a SPARQL Update on the (in-memory) store; returns the change in the number of quads."""
    check_nesting(text)
    before = len(store)
    try:
        store.update(text)
    except SyntaxError as exc:
        raise KGError(format_syntax_error(exc, text, "SPARQL update syntax error")) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise KGError(f"update failed: {exc}") from None
    return len(store) - before


def run_query(store, query: str | NamedQuery, params: Mapping[str, str] | None = None, *,
              timeout: float | None = None, limit: int | None = None,
              allow_update: bool = False, allow_service: bool = False) -> QueryResult:
    """Run a library query (name), a ``.rq`` file or SPARQL text over ``store``.

    ``params`` maps parameter names to values (``{"partner": "Germany"}``); ``timeout``
    is in seconds (see :func:`call_with_timeout`); ``limit`` caps the number of solutions.
    A SPARQL Update (only with ``allow_update``) changes the in-memory store and gives
    a result of kind ``"update"``.
    """
    q, text = prepare(query, params, limit=limit, allow_update=allow_update, allow_service=allow_service)
    if any(o != "SERVICE" for o in forbidden_operations(q.text)):  # binding adds only terms
        if getattr(store, "read_only", False) is True:  # a store folder or endpoint (graph.store): never changed here
            raise KGError(f"'{q.name}' is a SPARQL update: {store.description} is opened for reading only "
                          "(--allow-update works on the in-memory copy of a graph file)")
        changed = call_with_timeout(lambda: update(store, text), timeout, in_child=False)
        return QueryResult("update", b"", changed=changed)
    # any graph.store store works here (its query() answers like pyoxigraph's); an on-disk store or
    # an endpoint is not safe to use from a forked child, so its timeout runs in a thread
    return call_with_timeout(lambda: evaluate(store, text), timeout, in_child=getattr(store, "fork_safe", True))


def call_with_timeout(fn, timeout: float | None, in_child: bool = True):
    """``fn()``, stopped after ``timeout`` seconds with a :class:`QueryTimeout`.

    pyoxigraph has no query timeout of its own. Where ``fork`` exists (Linux) the call
    runs in a forked child process that sees the in-memory store for free (copy on
    write) and is killed at the deadline: the work really stops. Elsewhere, or for
    updates that must change this process's store, it runs in a daemon thread that is
    abandoned at the deadline (pyoxigraph releases the GIL while it evaluates, so the
    caller gets control back; the thread ends when the query does or the process exits).
    An on-disk store opened by another back end should use the thread (``in_child=False``).
    """
    if timeout is None:
        return fn()
    check_timeout(timeout)
    import multiprocessing as mp

    if in_child and sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods():
        return _call_in_child(fn, timeout)
    return _call_in_thread(fn, timeout)


#: the longest --timeout taken (seconds): a day; for no limit at all, give no --timeout
MAX_TIMEOUT = 86_400


def check_timeout(timeout: float | None) -> None:
    """Refuse a timeout that is not a number of seconds above 0 and at most :data:`MAX_TIMEOUT`
    (``nan``, ``inf`` and ``1e300`` included) with a one-line error naming ``--timeout``.

    >>> check_timeout(2.5)
    >>> check_timeout(float("nan"))
    Traceback (most recent call last):
    graph.errors.KGError: --timeout must be a number of seconds above 0 and at most 86400 (a day), not nan
    """
    if timeout is None:
        return
    import math

    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) \
            or not 0 < timeout <= MAX_TIMEOUT:
        shown = f"{timeout:g}" if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) else repr(timeout)
        raise KGError(f"--timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT} (a day), not {shown}")


def _timeout_error(timeout: float) -> QueryTimeout:
    return QueryTimeout(f"query timed out after {timeout:g} seconds and was stopped "
                        "(raise --timeout, or add --limit / a narrower pattern)")


def _call_in_child(fn, timeout: float):
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            sender.send(("ok", fn()))
        except KGError as exc:
            sender.send(("kgerror", str(exc)))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            sender.send(("error", f"{type(exc).__name__}: {exc}"))
        finally:
            sender.close()

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise _timeout_error(timeout)
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise KGError(f"query process ended without an answer (exit code {proc.exitcode})") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receiver.close()
    if status == "ok":
        return payload
    raise KGError(payload if status == "kgerror" else f"query failed: {payload}")


def _call_in_thread(fn, timeout: float):
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            box["error"] = exc

    worker = threading.Thread(target=work, name="kg-query", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise _timeout_error(timeout)
    if "error" in box:
        raise box["error"]
    return box["value"]


# --------------------------------------------------------------------------- notebook API


def _store_for(graph) -> Any:
    if isinstance(graph, (str, Path)):
        return load_store(graph)
    return graph


def query_rows(query: str | NamedQuery, graph: str | Path | Any = DEFAULT_GRAPH,
               params: Mapping[str, str] | None = None, *, compact: bool = False,
               timeout: float | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Answer a SELECT query as a list of plain dicts, one per solution.

    ``query`` is a library name, a ``.rq`` path or SPARQL text; ``graph`` a graph file
    or a store from :func:`load_store` (load once, query many times).

    >>> import graph
    >>> graph.query_rows("bases-shared-with", "out/kg.ttl", {"partner": "Germany"}, compact=True)  # doctest: +SKIP
    [{'base': 'akr:incirlik-air-base', 'baseLabel': 'Incirlik Air Base', 'host': 'akr:turkey', ...}]
    """
    res = run_query(_store_for(graph), query, params, timeout=timeout, limit=limit)
    if res.kind != "select":
        raise KGError(f"query_rows answers SELECT queries; this one is {res.kind.upper()} "
                      "(use run_query for ASK, CONSTRUCT and DESCRIBE)")
    return res.rows(compact=compact)


def query_df(query: str | NamedQuery, graph: str | Path | Any = DEFAULT_GRAPH,
             params: Mapping[str, str] | None = None, *, compact: bool = False,
             timeout: float | None = None, limit: int | None = None):
    """Answer a SELECT query as a pandas DataFrame (columns in the query's order).

    Needs pandas (``pip install 'alliance-kg[pandas]'``).

    >>> import graph
    >>> graph.query_df("base-locations", "out/kg.ttl")[["baseLabel", "countryLabel"]]  # doctest: +SKIP
    """
    try:
        import pandas as pd
    except ImportError:
        raise KGError("query_df needs pandas: pip install 'alliance-kg[pandas]' (or use query_rows)") from None
    res = run_query(_store_for(graph), query, params, timeout=timeout, limit=limit)
    if res.kind != "select":
        raise KGError(f"query_df answers SELECT queries; this one is {res.kind.upper()}")
    return pd.DataFrame(res.rows(compact=compact), columns=res.variables)


# --------------------------------------------------------------------------- older helpers


def query_store(store, text: str):
    """Run a SPARQL query over the union of the store's graphs (raw pyoxigraph answer).

    The project's prefixes (akg:, akr:, ...) are predeclared, as in :func:`run_query`.
    """
    from .namespaces import PREFIXES

    check_nesting(text)
    try:
        return store.query(text, use_default_graph_as_union=True, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise KGError(format_syntax_error(exc, text)) from None


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
