"""Sorting more lines than fit in memory: GNU ``sort`` in C byte order (for UTF-8 text, the order of
Python's ``sorted`` on ``str``), spilling to a scratch folder, so that a writer holds only what it is
writing. :func:`sorted_unique_lines` gives what ``sorted(set(lines))`` gives; :func:`write_sorted_lines`
writes them, one a line, straight to a file; :class:`SubjectSort` groups N-Triples by subject, with
the number of triples naming each as object (for :mod:`graph.turtle`).

>>> list(sorted_unique_lines(["<urn:b> <urn:p> <urn:o> .", "", "<urn:a> <urn:p> <urn:o> .",
...                           "<urn:b> <urn:p> <urn:o> ."], tempfile.gettempdir()))
['<urn:a> <urn:p> <urn:o> .', '<urn:b> <urn:p> <urn:o> .']
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

from .errors import KGError

#: the memory ``sort`` may use before it spills sorted runs to its scratch folder
BUFFER_SIZE = "64M"
#: how many lines go to ``sort`` in one write
CHUNK = 8192
_READ = 1 << 20


class Tool:
    """A helper program run with ``LC_ALL=C``, its messages kept in a scratch file so that a failure
    is one clear line (:meth:`check`). ``stdin`` and ``stdout`` are what :class:`subprocess.Popen`
    takes (a pipe by default: :meth:`write` to it, :meth:`chunks` from it); :meth:`close` always."""

    def __init__(self, args: list[str], tmpdir: str | Path, *, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                 pass_fds: tuple[int, ...] = ()):
        exe = shutil.which(args[0])
        if exe is None:
            raise KGError(f"cannot run `{args[0]}`: it is not installed")
        self.name = args[0]
        self._err = tempfile.TemporaryFile(dir=tmpdir)
        self.proc = subprocess.Popen([exe, *args[1:]], stdin=stdin, stdout=stdout, stderr=self._err,
                                     env=dict(os.environ, LC_ALL="C"), pass_fds=pass_fds)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def write(self, data: bytes) -> None:
        try:
            self.proc.stdin.write(data)
        except BrokenPipeError:
            self.check(wait=True)
            raise KGError(f"cannot run `{self.name}`: it stopped reading") from None

    def check(self, wait: bool = False) -> None:
        """Raise a KGError with the program's last message if it has failed."""
        code = self.proc.wait() if wait else self.proc.poll()
        if code:
            self._err.seek(0)
            said = self._err.read().decode("utf-8", "replace").strip().splitlines()
            raise KGError(f"cannot {'sort' if self.name == 'sort' else 'run ' + self.name}: "
                          f"{said[-1] if said else f'it exited with status {code}'}")

    def end_input(self) -> None:
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                self.check(wait=True)

    def chunks(self) -> Iterator[bytes]:
        """What the program writes, a chunk at a time (after the end of its input); then its check."""
        self.end_input()
        while True:
            data = self.proc.stdout.read(_READ)
            if not data:
                break
            yield data
        self.check(wait=True)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass
        self.proc.wait()
        self._err.close()


class Sorter(Tool):
    """A running ``LC_ALL=C sort``: :meth:`write` records (UTF-8 bytes, each ending in ``\\n``, or in
    ``\\0`` when ``zero``), then :meth:`records` yields them sorted, without their ends; :meth:`close`
    always. ``buffer_size`` is sort's ``-S``: a tiny one makes it merge several runs.

    >>> with Sorter(tempfile.gettempdir(), unique=True) as s:
    ...     s.write(b"b\\na\\nb\\n")
    ...     list(s.records())
    [b'a', b'b']
    """

    def __init__(self, tmpdir: str | Path, *, unique: bool = False, zero: bool = False,
                 buffer_size: str = BUFFER_SIZE, stdin=subprocess.PIPE):
        args = ["sort", "-S", buffer_size, "-T", str(tmpdir), f"--parallel={min(2, os.cpu_count() or 1)}"]
        super().__init__(args + ["-u"] * unique + ["-z"] * zero, tmpdir, stdin=stdin)
        self.end = b"\0" if zero else b"\n"
        self.count = 0

    def records(self) -> Iterator[bytes]:
        """The records, sorted, without their ends (after the last write)."""
        return split_records(self.chunks(), self.end)

    def text_batches(self) -> Iterator[list[str]]:
        """The records, sorted, without their ends, decoded from UTF-8, a list per chunk read; counted
        in :attr:`count`."""
        for lines in split_text(self.chunks(), self.end, batches=True):
            self.count += len(lines)
            yield lines


def split_records(chunks: Iterable[bytes], end: bytes = b"\n", batches: bool = False) -> Iterator:
    """Records ending in ``end`` out of a stream of chunks (lists of them with ``batches``)."""
    rest = b""
    for data in chunks:
        parts = (rest + data).split(end)
        rest = parts.pop()
        if batches:
            yield parts
        else:
            yield from parts
    if rest:
        yield [rest] if batches else rest


def split_text(chunks: Iterable[bytes], end: bytes = b"\n", batches: bool = False) -> Iterator:
    """Records ending in ``end`` out of a stream of chunks of UTF-8, decoded a chunk at a time (lists
    of them with ``batches``)."""
    text_end, rest = end.decode(), b""
    for data in chunks:
        data = rest + data
        cut = data.rfind(end)
        if cut < 0:
            rest = data
            continue
        rest = data[cut + 1:]
        lines = data[:cut].decode("utf-8").split(text_end)
        if batches:
            yield lines
        else:
            yield from lines
    if rest:
        yield [rest.decode("utf-8")] if batches else rest.decode("utf-8")


#: awk counts the sorted references of each IRI (``<o> <s> <p>``, one per distinct triple): ``<o> N``
_COUNT = "$1 != key { if (n) print key, n; key = $1; n = 0 } { n++ } END { if (n) print key, n }"


class SubjectSort:
    """N-Triples lines grouped by subject in bounded memory, each subject with the number of distinct
    triples that have it as object (what rdflib's serializers order subjects by): the lines go to a
    sort (repeats dropped), and for an IRI object ``<o> <s> <p>`` to a second sort counted by awk, read
    alongside in the same order. The lines with a blank node are also kept in :attr:`blank` (they are
    few: the ontology's OWL axioms), the predicates in :attr:`predicates`. The processes are closed
    with ``stack``.

    >>> with ExitStack() as stack:
    ...     s = SubjectSort(stack, tempfile.gettempdir())
    ...     s.feed(["<urn:b> <urn:p> <urn:a> .", "<urn:a> <urn:p> 1 .", "<urn:b> <urn:p> <urn:a> ."])
    ...     list(s.subjects(str)), s.count
    ([('<urn:a>', 1, [('<urn:p>', '<urn:p>', ['1'])]), ('<urn:b>', 0, [('<urn:p>', '<urn:p>', ['<urn:a>'])])], 2)
    """

    def __init__(self, stack: ExitStack, tmpdir: str | Path, buffer_size: str = BUFFER_SIZE):
        self.triples = stack.enter_context(Sorter(tmpdir, unique=True, buffer_size=buffer_size))
        self.refs = stack.enter_context(Sorter(tmpdir, unique=True, buffer_size=buffer_size))
        self.counts = stack.enter_context(Tool(["awk", _COUNT], tmpdir, stdin=self.refs.proc.stdout))
        self.refs.proc.stdout.close()  # awk reads it
        self.blank: set[str] = set()
        self.predicates: set[str] = set()
        self.count = 0  #: distinct triples, once :meth:`subjects` is done

    def feed(self, lines: Iterable[str]) -> None:
        """Send the lines (each with or without its newline; blank ones are skipped)."""
        triples, refs = [], []
        blank, add_predicate, add_triple, add_ref = self.blank, self.predicates.add, triples.append, refs.append
        for line in lines:
            if line[-1:] == "\n":
                line = line[:-1]
            try:
                s, p, o = line.split(" ", 2)
                first = o[0]
            except (ValueError, IndexError):
                if line.strip():
                    raise KGError(f"not an N-Triples line: {line[:200]!r}") from None
                continue
            add_predicate(p)
            if first == "<":
                add_ref(f"{o[:-1]}{s} {p}")
                if s[0] == "_":
                    blank.add(line)
            elif first == "_" or s[0] == "_":
                blank.add(line)
            add_triple(line)
            if len(triples) >= CHUNK:
                self._send(triples, refs)
        self._send(triples, refs)
        self.triples.end_input()
        self.refs.end_input()

    def _send(self, triples: list[str], refs: list[str]) -> None:
        for sorter, lines in ((self.triples, triples), (self.refs, refs)):
            if lines:
                sorter.write(("\n".join(lines) + "\n").encode("utf-8"))
                lines.clear()

    def _references(self) -> Iterator[tuple[str, int]]:
        for line in split_text(self.counts.chunks()):
            key, n = line.rsplit(" ", 1)
            yield key, int(n)
        self.refs.check(wait=True)

    def subjects(self, key: Callable[[str], str]) -> Iterator[tuple[str, int, list[tuple[str, str, list[str]]]]]:
        """(subject, references, [(key(predicate), predicate, [object...])...]) for each subject, in the
        sorted lines' order, terms in N-Triples; the predicates of a subject and their objects in the
        order of their lines too."""
        refs = self._references()
        ref, n = next(refs, (None, 0))
        subject, groups, last, objects, keys = None, [], None, [], {}
        for lines in self.triples.text_batches():
            for line in lines:
                s, p, o = line.split(" ", 2)
                if s != subject:
                    if groups:
                        while ref is not None and ref < subject:
                            ref, n = next(refs, (None, 0))
                        yield subject, n if ref == subject else 0, groups
                    subject, groups, last = s, [], None
                if p != last:
                    objects = []
                    groups.append((keys.get(p) or keys.setdefault(p, key(p)), p, objects))
                    last = p
                objects.append(o[:-2])
        self.count = self.triples.count
        if groups:
            while ref is not None and ref < subject:
                ref, n = next(refs, (None, 0))
            yield subject, n if ref == subject else 0, groups
        for _ in refs:  # to the end, where the sort of references is checked
            pass


def feed_lines(sorter: Sorter, lines: Iterable[str]) -> None:
    """Write text lines (with or without their ``\\n``) to ``sorter``, a chunk at a time."""
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= CHUNK:
            sorter.write(("\n".join(chunk) + "\n").encode("utf-8"))
            chunk.clear()
    if chunk:
        sorter.write(("\n".join(chunk) + "\n").encode("utf-8"))


def _blank(line: bytes) -> bool:
    """Whether a line is empty or white space only, as ``str.strip`` sees it (Unicode spaces too)."""
    s = line.strip()
    return not s or ((s[0] < 0x20 or s[0] >= 0x80) and not s.decode("utf-8").strip())


def _sorted_batches(lines: Iterable[str], tmpdir: str | Path, buffer_size: str) -> Iterator[list[bytes]]:
    """The sorted lines, blank ones dropped, in batches. In byte order a line of white space comes
    before ``<`` (ASCII spaces) or after ``_`` (Unicode ones): only batches reaching there are looked
    into line by line."""
    with tempfile.TemporaryDirectory(dir=tmpdir, prefix="kg-sort-") as work, \
            Sorter(work, unique=True, buffer_size=buffer_size) as sorter:
        feed_lines(sorter, lines)
        for batch in split_records(sorter.chunks(), batches=True):
            if batch and (not batch[0] or batch[0][0] < 0x3C or not batch[-1] or batch[-1][0] >= 0x80):
                batch = [line for line in batch if not _blank(line)]
            if batch:
                yield batch


def sorted_unique_lines(lines: Iterable[str], tmpdir: str | Path, buffer_size: str = BUFFER_SIZE) -> Iterator[str]:
    """The lines (N-Triples or N-Quads, each without its ``\\n``; a trailing one is dropped), blank ones
    and repeats dropped, in code-point order: ``sorted(set(...))`` in bounded memory (an external sort
    spilling to a scratch folder made in ``tmpdir`` and removed after).

    >>> list(sorted_unique_lines(["<urn:x-y> <urn:p> 1 .", "<urn:x> <urn:p> 1 .", "  "], tempfile.gettempdir()))
    ['<urn:x-y> <urn:p> 1 .', '<urn:x> <urn:p> 1 .']
    """
    for batch in _sorted_batches(lines, tmpdir, buffer_size):
        yield from b"\n".join(batch).decode("utf-8").split("\n")


def write_sorted_lines(lines: Iterable[str], out: BinaryIO, tmpdir: str | Path, buffer_size: str = BUFFER_SIZE) -> int:
    """Write :func:`sorted_unique_lines` to ``out`` as UTF-8, each ending in ``\\n`` (a lone ``\\n`` when
    there is none): the bytes ``rdfio.sorted_ntriples`` returns. Return how many lines.

    >>> buf = io.BytesIO()
    >>> write_sorted_lines(["<urn:b> <urn:p> <urn:o> .", "<urn:a> <urn:p> <urn:o> ."], buf, tempfile.gettempdir())
    2
    >>> buf.getvalue()
    b'<urn:a> <urn:p> <urn:o> .\\n<urn:b> <urn:p> <urn:o> .\\n'
    """
    n = 0
    for batch in _sorted_batches(lines, tmpdir, buffer_size):
        out.write(b"\n".join(batch) + b"\n")
        n += len(batch)
    if not n:
        out.write(b"\n")
    return n


__all__ = ["BUFFER_SIZE", "Tool", "Sorter", "SubjectSort", "split_records", "split_text", "feed_lines",
           "sorted_unique_lines", "write_sorted_lines"]
