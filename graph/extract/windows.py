"""A very long sentence read in parts: spans of at most about :data:`MAX_PARSE_CHARS` characters,
and the mentions of one part in its own coordinates.

>>> text = "Kuwait, Qatar, Bahrain"
>>> [text[a:b] for a, b in _windows(text, limit=10)]
['Kuwait, ', 'Qatar, ', 'Bahrain']
>>> _in_window([Mention(3, 4, "x", "Country", "name", "b")], 3, 6)
[Mention(start=0, end=1, entity='x', kind='Country', via='name', text='b')]
"""

from __future__ import annotations

from .model import Mention

#: sentences longer than this are parsed in parts cut after a comma or semicolon (a flattened list or
#: table can make one "sentence" of many thousand characters; pairs of mentions grow with its square)
MAX_PARSE_CHARS = 1000


def _windows(text: str, limit: int = MAX_PARSE_CHARS) -> list[tuple[int, int]]:
    """Spans of ``text`` of at most about ``limit`` characters, cut after ', ' or '; ' where possible."""
    if len(text) <= limit:
        return [(0, len(text))]
    out, start = [], 0
    while len(text) - start > limit:
        cut = max(text.rfind(", ", start, start + limit), text.rfind("; ", start, start + limit))
        cut = cut + 2 if cut > start + limit // 4 else start + limit
        out.append((start, cut))
        start = cut
    out.append((start, len(text)))
    return out


def _shift(men: Mention, by: int) -> Mention:
    return Mention(men.start + by, men.end + by, men.entity, men.kind, men.via, men.text)


def _in_window(mentions: list[Mention], a: int, b: int) -> list[Mention]:
    """The mentions inside [a, b), in the window's coordinates."""
    return [_shift(x, -a) for x in mentions if a <= x.start and x.end <= b]
