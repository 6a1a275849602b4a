"""Read Markdown documents: title, sections, and sentences with character offsets.

Offsets always index the document's original text (Python ``str`` indices, i.e.
Unicode code points), so ``doc.text[s.start:s.end] == s.quote`` for every
sentence ``s``. Markup (``**bold**``, list markers, links) is removed from the
*clean* sentence text that extraction reads, never from the offsets.

>>> doc = parse_document("a.md", "# Title\\n\\nThe **U.S.** Army is in Kuwait. It stays.\\n")
>>> doc.title
'Title'
>>> [s.text for s in doc.sentences]
['Title', 'The U.S. Army is in Kuwait.', 'It stays.']
>>> s = doc.sentences[1]; doc.text[s.start:s.end]
'The **U.S.** Army is in Kuwait.'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CorpusError

MARKDOWN_SUFFIXES = (".md", ".markdown")
#: the files a corpus folder is read for: Markdown, and plain text (parsed alike: it has no markup)
DOCUMENT_SUFFIXES = MARKDOWN_SUFFIXES + (".txt",)
#: the largest document read (characters); extraction time grows linearly with the length, about
#: 10-80 KB of text per second and core depending on how dense the text is with names
MAX_DOCUMENT_CHARS = 2_000_000


@dataclass(frozen=True)
class Sentence:
    """A sentence (or a heading) with its place in the document."""

    index: int
    text: str  #: clean text, markup removed
    start: int  #: offset of the first character in the original text
    end: int  #: offset one past the last character in the original text
    section: str  #: heading of the section that holds it ("" before the first heading)
    heading: bool = False  #: a heading or a bold lead-in label ("**Crisis Readiness**:")
    offsets: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def source_span(self, i: int, j: int) -> tuple[int, int]:
        """Original-text span of the clean-text slice ``text[i:j]``."""
        return self.offsets[i], self.offsets[j - 1] + 1


@dataclass(frozen=True)
class Document:
    """A parsed Markdown document."""

    path: str  #: path relative to the corpus folder, with '/' separators
    text: str
    title: str
    sentences: tuple[Sentence, ...]
    sha256: str = ""

    @property
    def name(self) -> str:
        return Path(self.path).name


# --------------------------------------------------------------------------- reading


def _default_warn(message: str) -> None:
    import warnings

    warnings.warn(message, CorpusWarning, stacklevel=3)


class CorpusWarning(UserWarning):
    """A file of the corpus folder that is not read (a link to a file outside the folder)."""


def find_documents(folder: str | Path, warn=None) -> list[Path]:
    """The documents below ``folder``, sorted: Markdown files (``*.md``, ``*.markdown``) and plain-text
    files (``*.txt``, read with no markup: ``*`` and ``#`` are text). Hidden files are left out.

    A symbolic link that leads outside ``folder`` is not followed: the file is skipped and ``warn``
    (default: a :class:`CorpusWarning`) is called with a line naming it, so that a corpus never makes
    the build read (and publish in the graph) a file from elsewhere on the machine. Files that are not
    documents (``gold.tsv``, ``notes.pdf``) are told to ``warn`` in one line. A file name that
    is not UTF-8 is an error (it names the document in the graph). Raises CorpusError when there are
    no documents.
    """
    from .errors import not_text

    warn = warn or _default_warn
    root = Path(folder)
    if not root.exists():
        raise CorpusError("corpus folder not found", path=root)
    if not root.is_dir():
        raise CorpusError("not a folder (give the corpus folder with --corpus)", path=root)
    inside = root.resolve()
    files = []
    others = []  # files that are not documents, told in one line
    for p in sorted(root.rglob("*")):
        if any(part.startswith(".") for part in p.relative_to(root).parts):
            continue
        if p.suffix.lower() not in DOCUMENT_SUFFIXES:
            if p.is_file():
                others.append(p.relative_to(root).as_posix())
            continue
        if not p.is_file():
            continue
        try:
            real = p.resolve(strict=True)
        except (OSError, RuntimeError):
            real = None
        if real is None or not real.is_relative_to(inside):
            target = os.readlink(p) if p.is_symlink() else "a linked folder"
            warn(f"{p}: skipped: a symbolic link to {target}, outside the corpus folder")
            continue
        reason = not_text(p.relative_to(root).as_posix())
        if reason:
            raise CorpusError(f"the file name cannot name a document: {reason}; rename the file", path=p)
        files.append(p)
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        warn(f"{root}: skipped {len(others)} file{'s' if len(others) > 1 else ''} that {'are' if len(others) > 1 else 'is'} "
             f"not a document (documents are {', '.join(DOCUMENT_SUFFIXES)}): {shown}")
    if not files:
        raise CorpusError("no Markdown documents (*.md) in the corpus folder, nor plain-text ones (*.txt)",
                          path=root)
    return files


def _checked_text(path: Path, data: bytes) -> str:
    """The text of a document file, with clear errors for binary, non-UTF-8, empty and huge files."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise CorpusError("binary file (NUL byte), not a Markdown document", path=path, line=line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CorpusError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", path=path, line=line
        ) from None
    # a UTF-8 byte-order mark stays in the text (offsets index the file as decoded) and is not read
    if not text.strip():
        raise CorpusError("empty document", path=path)
    if len(text) > MAX_DOCUMENT_CHARS:
        raise CorpusError(f"document too large ({len(text):,} characters; the limit is {MAX_DOCUMENT_CHARS:,}): "
                          "split it into articles", path=path)
    return text


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read: {exc.strerror}", path=path) from None


def read_document(path: str | Path, root: str | Path | None = None) -> Document:
    """Read and parse one file, with clear errors for binary, non-UTF-8 and empty files."""
    import hashlib

    path = Path(path)
    rel = path.relative_to(root).as_posix() if root is not None else path.name
    data = _read_bytes(path)
    return parse_document(rel, _checked_text(path, data), sha256=hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class DocumentFile:
    """A document file of a corpus, checked and hashed but not kept in memory: :meth:`load` reads and
    parses it when it is needed (a parsed document holds an offset per character)."""

    file: str  #: where it is
    path: str  #: its path relative to the corpus folder
    sha256: str  #: the hash of its bytes when the corpus was read

    def load(self) -> Document:
        """The parsed document; a file changed since the corpus was read is an error."""
        import hashlib

        file = Path(self.file)
        data = _read_bytes(file)
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise CorpusError("changed while the corpus was being built: build again", path=file)
        return parse_document(self.path, _checked_text(file, data), sha256=self.sha256)


class Corpus(Sequence):
    """The documents of a corpus, in order, read and parsed one at a time as they are used (a
    sequence of :class:`Document`); :attr:`files` are the checked files themselves."""

    def __init__(self, files: list[DocumentFile]):
        self.files = list(files)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return Corpus(self.files[i])
        return self.files[i].load()

    def __iter__(self) -> Iterator[Document]:
        for f in self.files:
            yield f.load()

    def __add__(self, other: "Corpus") -> "Corpus":
        return Corpus(self.files + list(other.files))

    def __repr__(self) -> str:
        return f"<Corpus of {len(self.files)} documents>"


def read_corpus(folders, warn=None) -> Corpus:
    """Read every document (Markdown or plain text) of one or more corpus folders: each file is
    checked (text, UTF-8, not empty, not too large) and hashed now; it is parsed when used.

    Paths are relative to their folder; the same relative path in two folders is an error.
    ``warn`` is told about skipped files (see :func:`find_documents`).
    """
    import hashlib

    if isinstance(folders, (str, Path)):
        folders = [folders]
    from .build import document_iri

    files: list[DocumentFile] = []
    seen: dict[str, Path] = {}
    iris: dict[str, Path] = {}
    for folder in folders:
        for path in find_documents(folder, warn=warn):
            rel = path.relative_to(folder).as_posix()
            data = _read_bytes(path)
            _checked_text(path, data)
            if rel in seen:
                raise CorpusError(f"same document path also in {seen[rel]}", path=path)
            seen[rel] = path
            iri = document_iri(rel)
            if iri in iris:  # `a b.md` and `a-b.md`, `a.md` and `a.txt`: one document in the graph
                raise CorpusError(f"names the same document ({iri}) as {iris[iri]}: rename one of them", path=path)
            iris[iri] = path
            files.append(DocumentFile(str(path), rel, hashlib.sha256(data).hexdigest()))
    return Corpus(files)


# --------------------------------------------------------------------------- parsing

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_LIST_MARK = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])(?:[ \t]+|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])[ \t]*(?:\1[ \t]*){2,}$")
_QUOTE_MARK = re.compile(r"^[ \t]*>[ \t]?")
_LEAD_IN = re.compile(r"^[ \t]*(\*\*|__)([^*_\n]{1,100}?)\1[ \t]*:[ \t]*(?=\S)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])[*_](?=\S)|(?<=\S)[*_](?![\w*])|`")


_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def _clean_line(line: str, base: int, markup: bool = True) -> tuple[str, list[int]]:
    """Remove inline markup (when ``markup``) and invisible characters from one line; return the clean
    text and its offset map."""
    keep = [True] * len(line)
    for m in _LINK.finditer(line) if markup else ():
        inner_start, inner_end = m.start(1), m.end(1)
        for k in range(m.start(), m.end()):
            if not inner_start <= k < inner_end:
                keep[k] = False
    for m in _EMPHASIS.finditer(line) if markup else ():
        for k in range(m.start(), m.end()):
            keep[k] = False
    for k, c in enumerate(line):
        if c in _INVISIBLE:  # zero-width spaces and joiners, soft hyphens, a byte-order mark
            keep[k] = False
    chars = [c for c, k in zip(line, keep) if k]
    offs = [base + i for i, k in enumerate(keep) if k]
    return "".join(chars), offs


def _plain_blocks(text: str, where: list[int] | None = None):
    """Yield the blocks of a plain-text document, read with no markup at all: paragraphs are separated
    by blank lines, and a paragraph of one short line with no closing punctuation is a heading (the
    title, or a section), as plain-text articles and reports set them.

    >>> [(k, s, t) for k, s, t, _ in _plain_blocks("Bases abroad\\n\\nThe *U.S.* Army is in\\nKuwait.\\n")]
    [('heading', 'Bases abroad', 'Bases abroad'), ('para', 'Bases abroad', 'The *U.S.* Army is in Kuwait.')]
    """
    section = ""
    lines: list[tuple[str, list[int]]] = []

    def flush():
        nonlocal section
        if not lines:
            return
        if len(lines) == 1 and len(lines[0][0].strip()) <= 120 and not re.search(r"[.!?:;,\"”)]\s*$", lines[0][0]):
            section = lines[0][0].strip()
            yield ("heading", section, *lines[0])
        else:
            joined, offs = lines[0][0], list(lines[0][1])
            for clean, o in lines[1:]:
                joined += " " + clean
                offs += [offs[-1], *o]  # a joined line break maps to the previous character
            yield ("para", section, joined, offs)
        lines.clear()

    pos = 0
    for lineno, raw in enumerate(text.splitlines(keepends=True), 1):
        if where is not None:
            where[0] = lineno
        line, base = raw.rstrip("\r\n"), pos
        pos += len(raw)
        clean, offs = _clean_line(line, base, markup=False)
        if not clean.strip():
            yield from flush()
            continue
        lines.append((clean, offs))
    yield from flush()


def _blocks(text: str, where: list[int] | None = None):
    """Yield (kind, section, clean_text, offsets) blocks: headings, paragraphs, list items.

    Fenced code blocks (```` ``` ```` or ``~~~``, closed by a fence of the same character
    at least as long, or by the end of the document) and thematic breaks (``---``) are
    not prose: they end the paragraph and give no text. A line that is only markup
    (``**``, a bare ``>`` or list marker, an image without alt text) gives no text either.
    ``where[0]`` is kept at the number of the line being read (for error messages).
    """
    section = ""
    cur_text: list[str] = []
    cur_offs: list[int] = []
    fence: str | None = None  # the opening fence of the code block being skipped

    def flush():
        if cur_text and "".join(cur_text).strip():
            yield ("para", section, "".join(cur_text), list(cur_offs))
        cur_text.clear()
        cur_offs.clear()

    pos = 0
    for lineno, raw in enumerate(text.splitlines(keepends=True), 1):
        if where is not None:
            where[0] = lineno
        line = raw.rstrip("\r\n")
        base = pos
        pos += len(raw)
        if lineno == 1 and line.startswith("\ufeff"):  # a byte-order mark: read the line after it
            line, base = line[1:], base + 1
        f = _FENCE.match(line)
        if fence is not None:
            if f and f.group(1)[0] == fence[0] and len(f.group(1)) >= len(fence) and not line[f.end():].strip():
                fence = None
            continue
        if f and not (f.group(1)[0] == "`" and "`" in line[f.end():]):
            yield from flush()
            fence = f.group(1)
            continue
        if _THEMATIC_BREAK.match(line):
            yield from flush()
            continue
        if not line.strip():
            yield from flush()
            continue
        h = _HEADING.match(line)
        if h:
            yield from flush()
            clean, offs = _clean_line(h.group(2), base + h.start(2))
            section = clean.strip()
            yield ("heading", section, clean, offs)
            continue
        m = _QUOTE_MARK.match(line)
        if m:
            line, base = line[m.end():], base + m.end()
        m = _LIST_MARK.match(line)
        if m:
            yield from flush()
            line, base = line[m.end():], base + m.end()
        m = _LEAD_IN.match(line)
        if m and not cur_text:
            # "**Shared base with Germany**: As an example, ..." -> the bold lead-in is a label of its own
            clean, offs = _clean_line(m.group(2), base + m.start(2))
            yield ("leadin", section, clean, offs)
            line, base = line[m.end():], base + m.end()
        clean, offs = _clean_line(line, base)
        if not clean.strip():  # only markup: nothing to join (and no offset to map a joining space to)
            continue
        if cur_text:
            cur_text.append(" ")
            cur_offs.append(cur_offs[-1])  # a joined line break maps to the previous character
        cur_text.append(clean)
        cur_offs.extend(offs)
    yield from flush()


_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Col|Lt|Adm|Capt|Maj|Sgt|No|vs|Jr|Sr|e\.g|i\.e|approx|Inc|Co)\.|\b[A-Z]\.)$"
)
_BOUNDARY = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9])")
_STARTERS = {"The", "This", "These", "That", "Those", "It", "Its", "In", "On", "At", "As", "A", "An", "But",
             "However", "Since", "After", "Before", "During", "Today", "They", "He", "She", "We", "There"}


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences in ``text`` (clean text of one block).

    >>> t = "Kuwait hosts U.S. Army units. The U.K. Navy is there."
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['Kuwait hosts U.S. Army units.', 'The U.K. Navy is there.']
    """
    spans = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        head = text[start:m.start() + 1]
        if _ABBREVIATION.search(head):
            nxt = text[end:].split(None, 1)
            word = re.match(r"\w+", nxt[0]).group(0) if nxt and re.match(r"\w+", nxt[0]) else ""
            if word not in _STARTERS:
                continue
        spans.append((start, end))
        start = end
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text):
        spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def parse_document(path: str, text: str, sha256: str = "", markup: bool | None = None) -> Document:
    """Parse ``text`` into a Document (title, sections, sentences): Markdown, or plain text with no
    markup when ``markup`` is False (by default: when ``path`` ends in ``.txt``)."""
    where = [0]
    if markup is None:
        markup = not str(path).lower().endswith(".txt")
    try:
        return _parse(path, text, sha256, where, markup)
    except MemoryError:
        raise
    except Exception as exc:  # a parser bug must name the document and line, not end the build with a traceback
        raise CorpusError(f"cannot parse the document ({type(exc).__name__}: {exc})", path=path,
                          line=where[0] or None) from exc


def _parse(path: str, text: str, sha256: str, where: list[int], markup: bool = True) -> Document:
    sentences: list[Sentence] = []
    title = ""
    for kind, section, clean, offs in (_blocks if markup else _plain_blocks)(text, where):
        if kind in ("heading", "leadin"):
            if kind == "heading" and not title:
                title = clean.strip()
            spans = [(0, len(clean))]
        else:
            spans = split_sentences(clean)
        for a, b in spans:
            while a < b and clean[a].isspace():
                a += 1
            while b > a and clean[b - 1].isspace():
                b -= 1
            if a >= b:
                continue
            sent_offs = tuple(offs[a:b])
            sentences.append(
                Sentence(
                    index=len(sentences),
                    text=clean[a:b],
                    start=sent_offs[0],
                    end=sent_offs[-1] + 1,
                    section=section,
                    heading=kind in ("heading", "leadin"),
                    offsets=sent_offs,
                )
            )
    if not title:
        title = Path(path).stem.replace("-", " ").replace("_", " ").strip().capitalize()
    return Document(path=path, text=text, title=title, sentences=tuple(sentences), sha256=sha256)
