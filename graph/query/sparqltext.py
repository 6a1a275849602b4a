"""SPARQL text as the query package reads it, without running it: tokens, the query form, the
update operations and SERVICE calls it holds, how deeply it nests, its syntax, a lowered LIMIT.

The tokens follow the SPARQL 1.1 grammar's terminals as Oxigraph reads them, so a keyword inside a
string, an IRI or a comment is never taken for a keyword.

>>> query_form("PREFIX x: <urn:x:> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
'CONSTRUCT'
>>> forbidden_operations('SELECT * WHERE { ?s ?p "DROP ALL" }')
[]
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from typing import Any

from ..errors import BadOption, QuerySyntaxError, QueryTooDeep

#: SPARQL Update operations, refused by :meth:`graph.query.NamedQuery.prepare` unless ``allow_update``
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY")

# --------------------------------------------------------------------------- tokens

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


#: texts up to this length have their tokens (and what is read from them) cached; a longer one is
#: scanned again each time (its tokens take about 80 bytes per character: 256 cached 64 KB queries
#: sent to kg serve would hold 1.3 GB)
_CACHED_TEXT = 8192


def _short_text_cache(fn):
    """``fn(text)`` remembered for the last 256 texts of up to ``_CACHED_TEXT`` characters (a library
    query is checked, searched for parameters and bound on every run); ``cache_clear()`` forgets."""
    cached = functools.lru_cache(maxsize=256)(fn)

    @functools.wraps(fn)
    def wrapper(text: str):
        return cached(text) if len(text) <= _CACHED_TEXT else fn(text)

    wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return wrapper


@_short_text_cache
def _tokens(text: str) -> tuple[_Token, ...]:
    """SPARQL text as tokens, comments and whitespace dropped (cached for texts up to
    ``_CACHED_TEXT`` characters; see :func:`_scan`)."""
    return _scan(text)


def _scan(text: str) -> tuple[_Token, ...]:
    """SPARQL text as tokens, comments and whitespace dropped (cached by :func:`_tokens`).

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
    return list(_forbidden(text))


@_short_text_cache
def _forbidden(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for tok in _tokens(text):
        if _keyword(tok, *UPDATE_KEYWORDS, "SERVICE") and tok.text.upper() not in found:
            found.append(tok.text.upper())
    if nesting_error(text) is None:  # a deeper text is refused before anything parses it
        for op in grammar_operations(text)[1]:
            if op not in found:
                found.append(op)
    return tuple(found)


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


@_short_text_cache
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
    """Raise a one-line :class:`~graph.errors.QueryTooDeep` when ``text`` is nested deeper than the engine can take
    (:func:`nesting_error`); called before any parser or engine sees the text."""
    err = nesting_error(text)
    if err is not None:
        raise QueryTooDeep(err)


@_short_text_cache
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


def with_limit(text: str, limit: int) -> str:
    """The query with at most ``limit`` solutions: its own LIMIT lowered, or one added.

    >>> with_limit('SELECT * WHERE { ?s ?p ?o } LIMIT 50', 5)
    'SELECT * WHERE { ?s ?p ?o } LIMIT 5'
    >>> with_limit('SELECT * WHERE { ?s ?p ?o } ORDER BY ?s', 5)
    'SELECT * WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 5'
    """
    if limit < 0:
        raise BadOption(f"--limit must be 0 or more, not {limit}")
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


# --------------------------------------------------------------------------- syntax


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
    """Raise a :class:`~graph.errors.QuerySyntaxError` (line, column, offending line) when ``text`` is not a
    SPARQL query.

    Oxigraph parses it by running it on an empty store, so :func:`prepare` calls this only
    for a text that holds no SERVICE (the one operation that reaches out of the store).
    """
    check_nesting(text)
    try:
        _parses(text)
    except SyntaxError as exc:
        raise QuerySyntaxError(format_syntax_error(exc, text)) from None


@functools.lru_cache(maxsize=256)
def _parses(text: str) -> bool:
    """True when Oxigraph parses ``text`` (else its SyntaxError); only successes are cached."""
    import pyoxigraph as ox

    from ..vocab import PREFIXES

    ox.Store().query(text, prefixes=PREFIXES)  # an empty store: parses, evaluates nothing
    return True

