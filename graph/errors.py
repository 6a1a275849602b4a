"""The one exception type the CLI turns into a one-line message and a non-zero exit.

>>> str(KGError("no documents", path="corpus"))
'corpus: no documents'
>>> str(KGError("not UTF-8", path="a.md", line=3))
'a.md:3: not UTF-8'
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

    exit_code = 2

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


class CorpusError(KGError):
    """A document or corpus folder cannot be read."""


class OntologyError(KGError):
    """The ontology (or another Turtle input) is malformed."""
