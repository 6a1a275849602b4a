"""The errors the CLI turns into a one-line message and a non-zero exit: :class:`KGError` and its
subclasses, one per case a caller may want to catch on its own (``except UnknownParameter``), and
:data:`EXIT_CODES`, the one table of the exit status each gives (:func:`exit_code`).

>>> str(KGError("no documents", path="corpus"))
'corpus: no documents'
>>> str(KGError("not UTF-8", path="a.md", line=3))
'a.md:3: not UTF-8'
>>> exit_code(QueryTimeout("query timed out")), exit_code(UnknownParameter("unknown parameter 'x'"))
(3, 2)
"""

from __future__ import annotations

import re
from pathlib import Path

#: what :func:`terminal_safe` escapes: C0 controls but tab and newline (ESC among them), DEL, C1
#: controls, the bidirectional overrides and isolates (they reorder what the terminal shows), and
#: lone surrogates (a file name or argument that was not UTF-8; they cannot be printed at all)
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    if 0xDC80 <= c <= 0xDCFF:  # a byte that was not UTF-8, kept by Python as a lone surrogate
        return f"\\x{c - 0xDC00:02x}"
    return f"\\x{c:02x}" if c <= 0xFF else f"\\u{c:04x}"


def terminal_safe(text) -> str:
    r"""``text`` fit for a terminal: control characters (but newline and tab), escape sequences,
    bidirectional overrides and lone surrogates shown as visible ``\x1b``-style escapes.

    Everything the CLI prints that comes from documents, file names or the graph goes through it, so
    that no document can move the cursor, recolour or retitle the terminal, or hide text.

    >>> terminal_safe("a\x1b[31mred\x07 b\tc\nd")
    'a\\x1b[31mred\\x07 b\tc\nd'
    >>> terminal_safe("caf\udcc3\udca9 \u202e")
    'caf\\xc3\\xa9 \\u202e'
    """
    text = str(text)
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def not_text(value: str) -> str | None:
    r"""Why ``value`` (an argument or a file name) is not text that can be read, or None when it is: it
    holds bytes that were not UTF-8 (kept by Python as lone surrogates) or a lone surrogate.

    >>> not_text("Germany") is None
    True
    >>> not_text("G\udcffermany")
    'it is not UTF-8 (byte 0xff at character 2)'
    """
    m = _SURROGATE.search(value)
    if m is None:
        return None
    i, c = m.start(), ord(m.group())
    if 0xDC80 <= c <= 0xDCFF:
        return f"it is not UTF-8 (byte 0x{c - 0xDC00:02x} at character {i + 1})"
    return f"it holds a lone surrogate (U+{c:04X} at character {i + 1}), not text"


class KGError(Exception):
    """A user-facing error: names the file (and line) it is about."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path + (f":{self.line}" if self.line is not None else "") + ": "
        return where + self.message

    def __reduce__(self):
        # pickled whole (class and attributes, whatever the subclass's __init__ takes): a query run in a
        # forked child (graph.query's timeouts) hands its error to the parent as the same type
        return _rebuild, (type(self), dict(self.__dict__))


def _rebuild(cls: type, state: dict) -> KGError:
    exc = cls.__new__(cls)
    exc.__dict__.update(state)
    Exception.__init__(exc, str(exc))
    return exc


class CorpusError(KGError):
    """A document or corpus folder cannot be read."""


class OntologyError(KGError):
    """The ontology (or another Turtle input) is malformed."""


# --------------------------------------------------------------------------- queries (graph.query)


class UnknownQuery(KGError):
    """No query of the library has that name, or no ``.rq`` file is at that path."""


class UnreadableQuery(KGError):
    """A query file that cannot be read, or query text that is not text (bytes that were not UTF-8)."""


class QuerySyntaxError(KGError):
    """The query text is not SPARQL the engine reads; the message gives the line, column and the line."""


class QueryTooDeep(QuerySyntaxError):
    """The query text nests ``{ ( [`` deeper than the engine takes; refused before anything parses it."""


class ParameterError(KGError):
    """A query parameter given wrongly (the four kinds below)."""


class UnknownParameter(ParameterError):
    """A ``name=value`` for a parameter the query does not have."""


class MissingParameter(ParameterError):
    """A required parameter of the query was not given."""


class DuplicateParameter(ParameterError):
    """The same parameter given twice."""


class BadParameterValue(ParameterError):
    """A parameter value that cannot be used: not an IRI for an IRI parameter, not UTF-8, not ``name=value``."""


class ReadOnlyViolation(KGError):
    """A write refused: a SPARQL Update not allowed (``allow_update``), or a store opened for reading only."""


class ReadOnlyStoreError(ReadOnlyViolation):
    """A write (SPARQL Update, a named graph replaced or dropped) to a store opened for reading only."""


class ServiceRefused(KGError):
    """A query that calls a remote SPARQL SERVICE, refused unless allowed (``allow_service``)."""


class WrongQueryForm(KGError):
    """A query of another form than the caller takes (an ASK query given to ``query_rows``)."""


class BadOption(KGError):
    """An option out of its range: ``--timeout``, ``--limit`` or ``--format``."""


class QueryTimeout(KGError):
    """The query ran longer than its time limit and was stopped."""


class QueryFailed(KGError):
    """The engine failed while running the query (not a syntax error, not a timeout)."""


class GraphNotFound(KGError):
    """The graph file to query is not there (build it first with ``kg build``)."""


class UnreadableGraph(KGError):
    """A graph file of an unknown format, malformed, or that cannot be read."""


class MissingDependency(KGError):
    """An optional package a function needs is not installed (pandas for ``query_df``)."""


class ValidationFailed(KGError):
    """The graph violates the SHACL shapes; ``report`` (a :class:`graph.validate.ValidationReport`)
    holds the findings."""

    def __init__(self, report):
        self.report = report
        n = len(report.violations)
        super().__init__(
            f"the graph does not conform to the shapes: {n} violation{'s' if n != 1 else ''}", path=report.shapes or None
        )


class NoMatch(KGError):
    """A parameter value that matches no entity of the graph, refused with ``--strict`` (a typo would
    otherwise give an empty answer)."""


# --------------------------------------------------------------------------- exit codes

#: the exit status of the CLI for each error: the class's own entry, else its nearest base class's
EXIT_CODES: dict[type[KGError], int] = {
    KGError: 2,
    CorpusError: 2,
    OntologyError: 2,
    UnknownQuery: 2,
    UnreadableQuery: 2,
    QuerySyntaxError: 2,
    QueryTooDeep: 2,
    ParameterError: 2,
    UnknownParameter: 2,
    MissingParameter: 2,
    DuplicateParameter: 2,
    BadParameterValue: 2,
    ReadOnlyViolation: 2,
    ReadOnlyStoreError: 2,
    ServiceRefused: 2,
    WrongQueryForm: 2,
    BadOption: 2,
    QueryTimeout: 3,
    QueryFailed: 2,
    GraphNotFound: 2,
    UnreadableGraph: 2,
    MissingDependency: 2,
    ValidationFailed: 1,
    NoMatch: 1,
}


def exit_code(exc: BaseException) -> int:
    """The CLI's exit status for ``exc``, from :data:`EXIT_CODES` (1 for an exception that is no KGError).

    >>> exit_code(MissingParameter("missing parameter 'partner'")), exit_code(ValueError())
    (2, 1)
    """
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1
