"""The one exception type the CLI turns into a one-line message and a non-zero exit.

>>> str(KGError("no documents", path="corpus"))
'corpus: no documents'
>>> str(KGError("not UTF-8", path="a.md", line=3))
'a.md:3: not UTF-8'
"""

from __future__ import annotations

from pathlib import Path


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
