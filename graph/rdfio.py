"""Reading and writing RDF: formats by file extension, loading a graph file, sorted N-Triples,
the named graphs of a built dataset, and files written whole or not at all.

>>> rdf_format("out/kg.ttl")
<RdfFormat Turtle>
>>> rdf_format("notes.owl")
<RdfFormat RDF/XML>
>>> sorted_ntriples(["<urn:b> <urn:p> <urn:o> .", "", "<urn:a> <urn:p> <urn:o> .", "<urn:b> <urn:p> <urn:o> ."])
b'<urn:a> <urn:p> <urn:o> .\\n<urn:b> <urn:p> <urn:o> .\\n'
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path
from typing import Iterable

from .durable import fsync_folder
from .errors import GraphNotFound, KGError, UnreadableGraph

#: the one table of graph file formats: extension -> rdflib's name for it (pyoxigraph's comes from
#: ``RdfFormat.from_extension``); a graph file may have any of these extensions
RDFLIB_FORMATS = {
    ".ttl": "turtle", ".turtle": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nquads",
    ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".owl": "xml",
}
GRAPH_EXTENSIONS = tuple(RDFLIB_FORMATS)
#: the formats ``kg build`` writes (sorted, byte-stable output)
OUTPUT_EXTENSIONS = (".ttl", ".trig", ".nq", ".nt", ".jsonld")
#: the formats that hold named graphs
QUAD_FORMATS = frozenset({"trig", "nquads", "json-ld"})
_ALIASES = {"turtle": "ttl", "owl": "rdf"}
_SHOWN = ".ttl, .trig, .nt, .nq or .jsonld"
NOT_FOUND = "graph file not found; build it first with `kg build` (or pass --graph FILE)"


def rdf_format(path: str | Path):
    """The pyoxigraph ``RdfFormat`` a graph file's extension names (``RdfFormat.from_extension``,
    plus ``.turtle`` and ``.owl``), or None for an extension that is not a graph file's.

    >>> rdf_format("kg.TriG"), rdf_format("kg.nq"), rdf_format("kg.jsonld")
    (<RdfFormat TriG>, <RdfFormat N-Quads>, <RdfFormat JSON-LD>)
    >>> rdf_format("kg.csv") is None
    True
    """
    import pyoxigraph as ox

    suffix = Path(path).suffix.lower()
    if suffix not in GRAPH_EXTENSIONS:
        return None
    ext = suffix[1:]
    return ox.RdfFormat.from_extension(_ALIASES.get(ext, ext))


def remote_context_hint(exc: Exception) -> str:
    """The parser's message, put plainly when it refused a remote JSON-LD ``@context`` (never fetched:
    reading a file must not make requests to the URLs it names).

    >>> remote_context_hint(ValueError("unexpected end of file"))
    'unexpected end of file'
    """
    text = str(exc)
    if "LoadDocumentCallback" in text or "remote context" in text:
        return "a remote JSON-LD @context is not fetched: put the context in the file"
    return text


def rdflib_format(path: str | Path) -> str:
    """rdflib's name for a graph file's format; an unknown extension is an
    :class:`~graph.errors.UnreadableGraph` naming the file.

    >>> rdflib_format("kg.nq"), rdflib_format("kg.owl")
    ('nquads', 'xml')
    """
    fmt = RDFLIB_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise UnreadableGraph(f"unknown graph format '{Path(path).suffix}' (use {_SHOWN})", path=path)
    return fmt


def output_format(path: str | Path) -> str:
    """rdflib's name for the format ``kg build`` writes to ``path``, or a one-line error.

    >>> output_format("out/kg.trig")
    'trig'
    """
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_EXTENSIONS:
        raise KGError(f"unknown output format '{suffix}' (use one of {', '.join(OUTPUT_EXTENSIONS)})", path=path)
    return RDFLIB_FORMATS[suffix]


def check_graph_file(path: str | Path) -> Path:
    """The graph file ``path``, checked before reading: a missing one is a
    :class:`~graph.errors.GraphNotFound`, one of an unknown format an :class:`~graph.errors.UnreadableGraph`.
    """
    path = Path(path)
    if not path.is_file():
        raise GraphNotFound(NOT_FOUND, path=path)
    rdflib_format(path)
    return path


def load_graph_file(path: str | Path):
    """A graph file (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML) loaded into a new in-memory
    pyoxigraph Store; a missing file is a :class:`~graph.errors.GraphNotFound`, an unknown or malformed
    one an :class:`~graph.errors.UnreadableGraph`, each naming the file.

    >>> len(load_graph_file("ontology/alliances.ttl")) > 100                    # doctest: +SKIP
    True
    """
    import pyoxigraph as ox

    path = check_graph_file(path)
    fmt = rdf_format(path)
    store = ox.Store()
    try:
        store.bulk_load(path=str(path), format=fmt)
    except (SyntaxError, ValueError) as exc:
        raise UnreadableGraph(f"malformed graph: {remote_context_hint(exc)}", path=path) from None
    except OSError as exc:
        raise UnreadableGraph(f"cannot read graph: {exc}", path=path) from None
    return store


# --------------------------------------------------------------------------- sorted N-Triples


def nt_lines(text: str) -> list[str]:
    """The non-blank lines of N-Triples or N-Quads text, split at ``\\n`` only: ``str.splitlines`` also
    splits at characters rdflib leaves raw inside literals (U+2028, U+0085, form feed, ...).

    >>> nt_lines('<urn:s> <urn:p> "a" .' + chr(10) + chr(10))
    ['<urn:s> <urn:p> "a" .']
    >>> len(nt_lines('<urn:s> <urn:p> "a' + chr(0x2028) + 'b" .'))
    1
    """
    return [line for line in text.split("\n") if line.strip()]


def sorted_ntriples(lines: Iterable[str]) -> bytes:
    """N-Triples (or N-Quads) lines, blank ones and repeats dropped, sorted, as UTF-8 bytes ending in a newline."""
    return ("\n".join(sorted(set(line for line in lines if line.strip()))) + "\n").encode("utf-8")


def stable_graphs(ds) -> list:
    """The non-empty graphs of an rdflib Dataset in IRI order, blank nodes relabelled from their content
    (canonical hashing, ``rdflib.compare``) so that two builds print the same labels. Only graphs that
    hold blank nodes (the ontology's OWL axioms) are copied.

    >>> from rdflib import Dataset, URIRef
    >>> ds = Dataset()
    >>> ds.graph(URIRef("urn:g")).add((URIRef("urn:s"), URIRef("urn:p"), URIRef("urn:o")))  # doctest: +ELLIPSIS
    <Graph identifier=urn:g ...>
    >>> [str(g.identifier) for g in stable_graphs(ds)]
    ['urn:g']
    """
    from rdflib import BNode, Graph
    from rdflib.compare import to_canonical_graph

    out = []
    for g in sorted(ds.graphs(), key=lambda g: str(g.identifier)):
        if len(g) == 0:
            continue
        if any(isinstance(t, BNode) for triple in g for t in triple):
            canon = to_canonical_graph(g)
            g = Graph(identifier=g.identifier)
            g.addN((s, p, o, g) for s, p, o in canon)
        out.append(g)
    return out


def dataset_graphs(ds) -> list[tuple[str, bytes]]:
    """The named graphs of a built rdflib Dataset as (IRI, sorted N-Triples), in IRI order.

    Blank nodes get labels derived from the graph's content, as in the files ``kg build`` writes.

    >>> from rdflib import Dataset, URIRef
    >>> ds = Dataset()
    >>> _ = ds.graph(URIRef("urn:g")).add((URIRef("urn:s"), URIRef("urn:p"), URIRef("urn:o")))
    >>> dataset_graphs(ds)
    [('urn:g', b'<urn:s> <urn:p> <urn:o> .\\n')]
    """
    if hasattr(ds, "graph_ntriples"):  # a build's spool (graph.spool.QuadSpool): sorted graph by graph
        return list(ds.graph_ntriples())
    out = []
    for g in stable_graphs(ds):
        iri = str(g.identifier)
        if iri.startswith("urn:x-rdflib:"):
            raise KGError("the built dataset has triples outside a named graph; cannot store them portably")
        out.append((iri, sorted_ntriples(nt_lines(g.serialize(format="nt")))))
    return sorted(out)


def union_ntriples(source) -> bytes:
    """Every triple of the union graph of a store (:mod:`graph.stores`), as sorted N-Triples.

    >>> from graph.stores import MemoryStore
    >>> union_ntriples(MemoryStore.from_ntriples("urn:g", b"<urn:b> <urn:p> <urn:o> .\\n<urn:a> <urn:p> <urn:o> .\\n"))
    b'<urn:a> <urn:p> <urn:o> .\\n<urn:b> <urn:p> <urn:o> .\\n'
    """
    import pyoxigraph as ox

    res = source.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    lines = set(ox.serialize(list(res), format=ox.RdfFormat.N_TRIPLES).splitlines(keepends=True))
    source.check_whole_graph(len(lines))  # an endpoint may cut an answer without a word
    return b"".join(sorted(lines))


def rdflib_graph(source):
    """The union graph of a store as an rdflib Graph (for SHACL validation with pyshacl).

    >>> from graph.stores import MemoryStore
    >>> len(rdflib_graph(MemoryStore.from_ntriples("urn:g", b"<urn:a> <urn:p> <urn:o> .\\n")))
    1
    """
    from rdflib import Graph

    g = Graph()
    g.parse(data=union_ntriples(source).decode("utf-8"), format="nt")
    return g


# --------------------------------------------------------------------------- files written whole

#: the temporary files :func:`write_atomic` makes beside its target: hidden, named after the target
#: and the writing process (``.kg.ttl.kg-tmp.4242.x1y2z3.tmp``), so that a later write can tell its
#: own stale ones (their process is gone) from another writer's file
_TMP_INFIX = ".kg-tmp."


def _tmp_pattern(name: str) -> re.Pattern:
    return re.compile(r"\." + re.escape(name) + re.escape(_TMP_INFIX) + r"(\d+)\.[A-Za-z0-9_]+\.tmp")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except (OverflowError, ValueError):  # a number no process has
        return False
    return True


def remove_stale_temporaries(path: str | Path) -> list[Path]:
    """Remove the temporary files an earlier :func:`write_atomic` of ``path`` left when it was killed
    (its process no longer runs); return them. Other files, and a live writer's, are left alone."""
    path = Path(path)
    pattern = _tmp_pattern(path.name)
    removed = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return removed
    for name in names:
        m = pattern.fullmatch(name)
        if m is None or _pid_alive(int(m.group(1))):
            continue
        stale = path.parent / name
        try:
            if stale.is_file() and not stale.is_symlink():
                stale.unlink()
                removed.append(stale)
        except OSError:
            pass
    return removed


def os_reason(exc: OSError) -> str:
    """The system's words for an OSError ("No space left on device"), even when it was raised bare.

    >>> os_reason(OSError(errno.ENOSPC, "No space left on device"))
    'No space left on device'
    >>> os_reason(OSError(errno.ENOSPC))
    'No space left on device'
    """
    if exc.strerror:
        return exc.strerror
    code = exc.errno if exc.errno is not None else (exc.args[0] if exc.args and isinstance(exc.args[0], int) else None)
    return os.strerror(code) if code is not None else (str(exc) or type(exc).__name__)


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to the file descriptor ``fd`` (tests replace it to fake a full disk)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


class _FdFile:
    """A binary file-like over a file descriptor, every write through :func:`_write_all`."""

    def __init__(self, fd: int):
        self.fd = fd

    def write(self, data: bytes) -> int:
        _write_all(self.fd, data)
        return len(data)


def write_atomic(path: str | Path, data) -> None:
    """Write ``data`` (bytes, or a function that writes to the binary file it is given) to ``path`` whole or not at all: through a temporary file in the same folder,
    flushed to disk (fsync), then renamed over ``path`` and the folder synced. A kill at any moment
    leaves the old file or the new one; the temporary file a killed writer leaves is removed by the
    next write of the same path. An error (a full disk, a folder in the way) is a KGError naming
    the file, with nothing half-written left behind.

    >>> write_atomic("out/kg.json", b"{}\\n")                                  # doctest: +SKIP
    """
    path = Path(path)
    tmp = None
    try:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise KGError(f"cannot write: {path.parent} is not a folder (a file is in the way)", path=path) from None
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        remove_stale_temporaries(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{_TMP_INFIX}{os.getpid()}.", suffix=".tmp",
                                   dir=path.parent)
        try:
            if callable(data):
                data(_FdFile(fd))
            else:
                _write_all(fd, data)
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual permissions
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        tmp = None
        fsync_folder(path.parent)
    except OSError as exc:
        raise KGError(f"cannot write: {os_reason(exc)}", path=path) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


__all__ = [
    "GRAPH_EXTENSIONS", "RDFLIB_FORMATS", "OUTPUT_EXTENSIONS", "QUAD_FORMATS", "NOT_FOUND", "rdflib_format",
    "output_format", "check_graph_file", "rdf_format", "remote_context_hint", "load_graph_file", "nt_lines", "sorted_ntriples", "stable_graphs",
    "dataset_graphs", "union_ntriples", "rdflib_graph", "remove_stale_temporaries", "os_reason", "write_atomic",
]
