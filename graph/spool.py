"""The quad spool: a build's named graphs written to a temporary N-Quads file as they are made, so
that no stage holds the whole graph in memory. Each graph is written in one or more pieces (a
document's graph in one; the inferred graph a piece per document and one for the rest), indexed by
their offsets, so a graph can be read back alone and the graphs in IRI order.

The spool is what the sinks read: the output file (:mod:`graph.serialize`), a store folder (Oxigraph's
bulk loader reads the file itself), an endpoint (graph by graph), validation, and, for the Python
API, an rdflib ``Dataset`` made on demand (:meth:`QuadSpool.dataset`).

>>> spool = QuadSpool()
>>> spool.add_graph("urn:g", ["<urn:s> <urn:p> <urn:o> ."])
1
>>> list(spool.graph_ntriples())
[('urn:g', b'<urn:s> <urn:p> <urn:o> .\\n')]
>>> len(spool), spool.graph_sizes()
(1, {'urn:g': 1})
>>> spool.close()
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Iterable, Iterator

from .errors import KGError
from .rdfio import nt_lines


def private_folder(kind: str, folder: str | Path | None = None) -> Path:
    """A new private temporary folder ``kg-<kind>-<pid>-<random>`` in ``folder`` (default: the
    system's); its owner removes it (:class:`QuadSpool` and :class:`ExtractionSpool` with a finalizer,
    which also runs when the interpreter exits). Folders of the same kind left by a process that no
    longer runs (a build killed with SIGKILL) are removed first.

    >>> f = private_folder("example")
    >>> f.name.startswith(f"kg-example-{os.getpid()}-"), f.is_dir()
    (True, True)
    >>> shutil.rmtree(f)
    """
    from .rdfio import _pid_alive

    base = Path(folder) if folder is not None else Path(tempfile.gettempdir())
    for old in base.glob(f"kg-{kind}-*-*"):
        pid = old.name.split("-")[2]
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"kg-{kind}-{os.getpid()}-", dir=base))


class QuadSpool:
    """Named graphs in a temporary N-Quads file (UTF-8), each triple of a graph once.

    ``folder``: where the temporary folder goes (default: the system's); it is removed by :meth:`close`.
    """

    def __init__(self, folder: str | Path | None = None):
        self.dir = private_folder("spool", folder)
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.dir, True)
        self.path = self.dir / "quads.nq"
        self._fh = open(self.path, "wb")
        self._index: dict[str, list[tuple[int, int, int]]] = {}  #: graph IRI -> [(offset, bytes, lines)]
        self._quads = 0

    # ------------------------------------------------------------------ writing

    def add_graph(self, graph: str, lines: Iterable[str]) -> int:
        """Append N-Triples ``lines`` (each ending in `` .``, no newline) as quads of ``graph``; the caller
        gives each triple of a graph once. Returns the number of lines written."""
        suffix = " <" + graph + "> .\n"
        offset, size, n = self._fh.tell(), 0, 0
        lines = iter(lines)
        while True:  # in pieces: the entities graph of a large corpus is hundreds of MB as one string
            data = "".join(line[:-1].rstrip() + suffix for line in itertools.islice(lines, 8192)).encode("utf-8")
            if not data:
                break
            self._fh.write(data)
            size += len(data)
            n += data.count(b"\n")
        if n:
            self._index.setdefault(graph, []).append((offset, size, n))
            self._quads += n
        return n

    def state(self) -> tuple:
        """What the spool knows of its file (the graphs' pieces, the quads): for a forked process that
        wrote into it to hand back (:mod:`graph.build_child`)."""
        return self._index, self._quads

    def adopt(self, state: tuple) -> None:
        """Take the :meth:`state` of a forked process that appended to this spool's file; later writes
        go after its quads."""
        self._index, self._quads = state
        self._fh.seek(0, os.SEEK_END)

    def finish(self) -> "QuadSpool":
        """Flush the file so that readers (the bulk loader) see every quad."""
        self._fh.flush()
        return self

    # ------------------------------------------------------------------ reading

    def __len__(self) -> int:
        return self._quads

    def graphs(self) -> list[str]:
        """The graphs' IRIs, sorted."""
        return sorted(self._index)

    def graph_sizes(self) -> dict[str, int]:
        """Triples per graph."""
        return {g: sum(n for _, _, n in parts) for g, parts in sorted(self._index.items())}

    def graph_lines(self, graph: str) -> list[str]:
        """One graph's triples as N-Triples lines (no newline), in the order written."""
        return list(self.iter_graph_lines(graph))

    def iter_graph_lines(self, graph: str) -> Iterator[str]:
        """One graph's triples as N-Triples lines, like :meth:`graph_lines`, read one written piece at a
        time (a graph written in many pieces, the inferred one, is never in memory whole)."""
        self.finish()
        cut = len(graph) + 4
        with open(self.path, "rb") as fh:
            for offset, size, _ in list(self._index.get(graph, ())):
                fh.seek(offset)
                for line in nt_lines(fh.read(size).decode("utf-8")):
                    yield line[:-cut] + "."

    def graph_ntriples(self) -> Iterator[tuple[str, bytes]]:
        """``(graph IRI, sorted N-Triples bytes)`` per graph, in IRI order: one graph in memory at a time."""
        for g in self.graphs():
            yield g, ("\n".join(sorted(set(self.graph_lines(g)))) + "\n").encode("utf-8")

    def quad_lines(self) -> Iterator[str]:
        """Every quad as an N-Quads line (no newline), graph by graph as written."""
        self.finish()
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                yield line.rstrip("\n")

    def triple_lines(self) -> Iterator[str]:
        """Every quad's triple as an N-Triples line (no newline): the union graph, with repeats."""
        for g in self._index:
            yield from self.graph_lines(g)

    def dataset(self):
        """The spooled graphs as an rdflib ``Dataset`` with the project's prefixes (in memory: for the
        Python API and the formats written through rdflib)."""
        from rdflib import Dataset, URIRef

        from .namespaces import PREFIXES

        ds = Dataset()
        for prefix, ns in PREFIXES.items():
            ds.bind(prefix, ns, override=True, replace=True)
        for g in self.graphs():
            try:
                ds.graph(URIRef(g)).parse(data="\n".join(self.graph_lines(g)), format="nt")
            except Exception as exc:  # noqa: BLE001 - a spool the build wrote: a bug, said in one line
                raise KGError(f"cannot read back the built graph <{g}>: {exc}", path=self.path) from None
        return ds

    #: above this many quads :meth:`oxigraph` loads into a store on disk (3x slower to load, but its
    #: memory stays bounded); below, into memory
    IN_MEMORY_QUADS = 1_000_000

    def oxigraph(self):
        """The spooled graphs loaded by Oxigraph's bulk loader into a store (in memory, or in the
        spool's folder on disk for a graph over :attr:`IN_MEMORY_QUADS`): what validation queries."""
        import pyoxigraph as ox

        store = ox.Store() if len(self) <= self.IN_MEMORY_QUADS else ox.Store(str(self.dir / "store"))
        store.bulk_load(path=str(self.finish().path), format=ox.RdfFormat.N_QUADS)
        return store

    def close(self) -> None:
        """Remove the temporary folder."""
        if not self._fh.closed:
            self._fh.close()
        self._cleanup()  # removes the folder, once

    def __enter__(self) -> "QuadSpool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()



class ExtractionSpool:
    """Extractions kept on disk in the order given and read back one at a time, so that a build holds
    one document's extraction, not the corpus's. Pickled: the file is written and read by the same
    build, in a private temporary folder (the extraction *cache* is JSON, :mod:`graph.cache`).

    >>> from graph.corpus import parse_document
    >>> from graph.extract import extract_document
    >>> spool = ExtractionSpool()
    >>> spool.append(extract_document(parse_document("a.md", "Finland joined NATO."), parse=False))
    >>> [ex.doc.path for ex in spool], len(spool)
    (['a.md'], 1)
    >>> spool.close()
    """

    def __init__(self, folder: str | Path | None = None):
        self.dir = private_folder("extractions", folder)
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.dir, True)
        self.path = self.dir / "extractions.pickle"
        self._fh = open(self.path, "wb")
        self.documents: list[tuple[str, str]] = []  #: (path, sha256) of each, in order

    def append(self, ex) -> None:
        import pickle

        pickle.dump(ex, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.documents.append((ex.doc.path, ex.doc.sha256))

    def flush(self) -> None:
        """Write what is buffered to the file (before a fork: a child never writes it again)."""
        self._fh.flush()

    def __len__(self) -> int:
        return len(self.documents)

    def __iter__(self):
        import pickle

        self._fh.flush()
        with open(self.path, "rb") as fh:
            for _ in range(len(self.documents)):
                yield pickle.load(fh)

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self._cleanup()  # removes the folder, once

