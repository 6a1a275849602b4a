"""An on-disk Oxigraph store folder (``--store DIR``): opened read-only, or written atomically by
``kg build --store``.

`kg build --store DIR` never writes into DIR itself. Under a lock taken before the build runs, it
writes a complete new store in the sibling folder `.DIR.kg-new` (the graphs it built, plus every
graph of the old store outside the project's namespace), flushes and fsyncs it, and swaps it
in with one atomic rename (Linux renameat2 RENAME_EXCHANGE; elsewhere two renames, DIR to
`.DIR.kg-old` then `.DIR.kg-new` to DIR, undone by the next build or read if interrupted between
them). Only then is the old store removed. A reader opens either the old folder or the new one,
never a half-written one; a kill at any moment leaves the old store as it was.

>>> store = disk_store("out/kg.db")                                         # doctest: +SKIP
>>> store.read_only, store.fork_safe                                       # doctest: +SKIP
(True, False)
"""

from __future__ import annotations

import os
from pathlib import Path

from ..buildlock import BuildLock
from ..durable import fsync_folder
from ..errors import KGError
from .base import GRAPH_NS
from .memory import PyoxigraphStore


class OxigraphStore(PyoxigraphStore):
    """A persistent Oxigraph (RocksDB) store folder, queried in a thread (never in a forked child).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp, disk_store(tmp + "/db", writable=True) as s:
    ...     s.replace_graph("urn:g", b"<urn:a> <urn:b> <urn:c> .\\n")
    ...     s.graphs(), s.read_only, s.fork_safe
    (['urn:g'], False, False)
    """

    #: a folder opened read-only stays open through this descriptor (see :func:`_open_read_only`)
    _dir_fd: int | None = None

    def __init__(self, inner, description: str, read_only: bool = True, dir_fd: int | None = None):
        super().__init__(inner, description, read_only=read_only, fork_safe=False)
        self._dir_fd = dir_fd

    def close(self) -> None:
        super().close()
        self._close_dir()

    def _close_dir(self) -> None:
        fd, self._dir_fd = self._dir_fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def __del__(self):
        self.inner = None  # the database first, then the folder it was opened through
        self._close_dir()


def disk_store(path: str | Path, writable: bool = False) -> OxigraphStore:
    """A persistent Oxigraph store folder; read-only unless ``writable`` (created if missing then)."""
    import pyoxigraph as ox

    path = Path(path)
    try:
        if writable:
            check_store_target(path)
            path.mkdir(parents=True, exist_ok=True)
            return OxigraphStore(ox.Store(str(path)), f"store {path}", read_only=False)
        where = path
        if not path.exists() and store_siblings(path)["old"].is_dir():
            where = store_siblings(path)["old"]  # `kg build --store` stopped between the two renames of a swap
        elif not path.is_dir():
            raise KGError("store folder not found; build it first with `kg build --store DIR`", path=path)
        elif not is_store_folder(path):
            raise KGError("not an Oxigraph store folder; build one with `kg build --store DIR`", path=path)
        inner, dir_fd = _open_read_only(where)
    except (OSError, ValueError, RuntimeError) as exc:
        raise KGError(f"cannot open the Oxigraph store: {exc}", path=path) from None
    return OxigraphStore(inner, f"store {path}", read_only=True, dir_fd=dir_fd)


def _open_read_only(path: Path, attempts: int = 5):
    """Open a store folder read-only as one folder, even while `kg build --store` swaps a new one in.

    On Linux the folder is opened first and RocksDB is given ``/proc/self/fd/N``, so every file it reads
    comes from that one folder whatever is renamed meanwhile (RocksDB opens all its files at once, so
    the old folder's removal after a swap does not disturb it either). Returns (store, the folder's
    descriptor, to be closed with the store, or None). An open that fails while the folder was being
    swapped is tried again.
    """
    import time

    import pyoxigraph as ox

    for attempt in range(attempts):
        fd = None
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            proc = f"/proc/self/fd/{fd}"
            if not os.path.isdir(proc):  # no /proc: open by name
                os.close(fd)
                fd = None
            return ox.Store.read_only(proc if fd is not None else str(path)), fd
        except (OSError, RuntimeError):
            swapped = True
            try:
                swapped = fd is None or not os.path.samestat(os.fstat(fd), os.stat(path))
            except OSError:
                pass
            if fd is not None:
                os.close(fd)
            if not swapped or attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- the folder, its siblings, its lock


def store_siblings(path: str | Path) -> dict[str, Path]:
    """The lock file and the two work folders that go with a store folder, next to it.

    >>> sorted((k, p.name) for k, p in store_siblings("out/kg.db").items())
    [('lock', '.kg.db.kg-lock'), ('new', '.kg.db.kg-new'), ('old', '.kg.db.kg-old')]
    """
    path = Path(path)
    return {kind: path.parent / f".{path.name}.kg-{kind}" for kind in ("lock", "new", "old")}


def is_store_folder(path: str | Path) -> bool:
    """Whether ``path`` is an Oxigraph (RocksDB) store folder: it has a ``CURRENT`` file naming a manifest.

    >>> is_store_folder("corpus")
    False
    """
    try:
        with open(Path(path) / "CURRENT", "rb") as fh:
            return fh.read(9) == b"MANIFEST-"
    except OSError:
        return False


def check_store_target(path: str | Path) -> None:
    """Refuse a ``--store`` target that is not a store folder, a new folder or an empty one."""
    path = Path(path)
    if not path.exists():  # a new store (or one whose swap stopped between its renames: put back later)
        return
    if not path.is_dir():
        raise KGError("not a folder; --store takes an Oxigraph store folder (or a new or empty one)", path=path)
    if is_store_folder(path):
        return
    try:
        empty = not any(path.iterdir())
    except OSError as exc:
        raise KGError(f"cannot read the folder: {exc.strerror or exc}", path=path) from None
    if not empty:
        raise KGError("not empty and not an Oxigraph store folder; --store writes only to a store "
                      "built by `kg build --store` or to a new or empty folder", path=path)


class StoreLock(BuildLock):
    """An exclusive lock on a store folder, held by one writer (``kg build --store``) at a time: a
    :class:`graph.buildlock.BuildLock` that does not wait, with the store's words.

    The lock is ``flock`` on the sibling file ``.DIR.kg-lock`` (not a file inside DIR: the folder is
    swapped). The operating system releases it when the process dies, however it dies; the file is
    removed on release, and a lock taken on a file removed meanwhile is taken again.

    >>> with StoreLock("out/kg.db"):                                          # doctest: +SKIP
    ...     pass
    """

    file_words = "the store's lock file"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        super().__init__(store_siblings(os.path.realpath(self.path))["lock"], target=f"store {self.path}")

    def busy(self, holder: str) -> KGError:
        return KGError(f"another `kg build` is writing this store (its lock {self.lock_file.name} is held); "
                       "try again when it has finished", path=self.path)


def lock_store(path: str | Path) -> StoreLock:
    """Take a store folder's lock (before a build runs), refuse a folder that is not a store, and undo
    what a writer killed earlier left behind: the old store back in place if the swap stopped between
    its two renames, the work folders removed."""
    check_store_target(path)
    lock = StoreLock(path).acquire()
    try:
        _recover(Path(os.path.realpath(path)))
    except BaseException:
        lock.release()
        raise
    return lock


def _recover(path: Path) -> None:
    sib = store_siblings(path)
    if not path.exists() and sib["old"].is_dir():
        os.rename(sib["old"], path)
        fsync_folder(path.parent)
    for kind in ("new", "old"):
        if sib[kind].exists():
            _remove_tree(sib[kind])


def _remove_tree(path: Path) -> None:
    import shutil

    if path.is_symlink() or not path.is_dir():
        path.unlink()
    else:
        shutil.rmtree(path)


def _fsync_tree(path: Path) -> None:
    for entry in path.iterdir():
        if entry.is_file():
            with open(entry, "rb") as fh:
                os.fsync(fh.fileno())
    fsync_folder(path)


# --------------------------------------------------------------------------- the atomic swap


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where that is not offered."""
    import ctypes
    import errno
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # a file system or kernel without it
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(new: Path, path: Path) -> None:
    """Put the finished store ``new`` at ``path``; the old store, if any, is removed afterwards."""
    sib = store_siblings(path)
    if not path.exists():
        os.rename(new, path)
    elif _exchange(new, path):
        pass  # ``new`` now holds the old store
    else:
        os.rename(path, sib["old"])
        os.rename(new, path)  # killed between the two: the next build or read puts the old one back
        new = sib["old"]
    fsync_folder(path.parent)
    if new.exists():
        _remove_tree(new)


def as_nquads(graphs) -> bytes:
    """``(graph IRI, N-Triples bytes)`` pairs as one N-Quads document.

    >>> as_nquads([("urn:g", b"<urn:s> <urn:p> <urn:o> .\\n")])
    b'<urn:s> <urn:p> <urn:o> <urn:g> .\\n'
    """
    out = []
    for iri, data in graphs:
        suffix = f" <{iri}> .".encode()
        for line in data.splitlines():
            line = line.rstrip()
            if line:
                out.append(line[:-1].rstrip() + suffix)  # every N-Triples line ends with " ."
    return b"\n".join(out) + b"\n" if out else b""


def write_store_folder(ds, path: str | Path, lock: StoreLock | None = None) -> dict[str, int]:
    """Write a built dataset as the store folder ``path``, atomically (see above), and return counts as
    :func:`graph.stores.write_to_store` does. Graphs of the old store outside the project's namespace
    (and its default graph) are carried over; project graphs the build did not produce are dropped.

    Takes the store's lock unless the caller holds it (``kg build`` takes it before building).

    >>> write_store_folder(build_dataset(docs).dataset, "out/kg.db")          # doctest: +SKIP
    {'graphs': 5, 'dropped': 0, 'triples': 1234}
    """
    import pyoxigraph as ox

    from ..rdfio import dataset_graphs

    path = Path(path)
    own = lock is None
    if own:
        lock = lock_store(path)
    try:
        real = Path(os.path.realpath(path))  # a symbolic link to a store: swap the folder it names
        check_store_target(real)
        _recover(real)
        spooled = hasattr(ds, "graph_ntriples")  # a build's spool: the loader reads its file
        produced = None if spooled else dataset_graphs(ds)
        names = set(ds.graphs()) if spooled else {iri for iri, _ in produced}
        new = store_siblings(real)["new"]
        stale: list[str] = []
        target = old = None
        try:
            target = ox.Store(str(new))
            if real.is_dir() and is_store_folder(real):
                old = ox.Store.read_only(str(real))
                for g in old.named_graphs():
                    if isinstance(g, ox.NamedNode) and g.value.startswith(GRAPH_NS):
                        if g.value not in names:
                            stale.append(g.value)
                        continue
                    target.bulk_extend(old.quads_for_pattern(None, None, None, g))
                target.bulk_extend(old.quads_for_pattern(None, None, None, ox.DefaultGraph()))
                old = None
            # the bulk loader, called once over every graph (once per graph costs 9x more at 2,000
            # graphs): the new folder is private until it is swapped in whole, so it needs no transaction
            if spooled:
                target.bulk_load(path=str(ds.finish().path), format=ox.RdfFormat.N_QUADS)
                triples = len(ds)
            else:
                nquads = as_nquads(produced)
                target.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
                triples = nquads.count(b"\n")
            target.flush()
            target = None  # closes the database
            _fsync_tree(new)
            _swap_in(new, real)
        except BaseException:
            target = old = None
            if new.exists():
                _remove_tree(new)
            raise
    except (OSError, SyntaxError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise KGError(f"cannot write the store: {reason}", path=path) from None
    finally:
        if own:
            lock.release()
    return {"graphs": len(names), "dropped": len(stale), "triples": triples}
