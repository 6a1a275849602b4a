"""One writer at a time: an exclusive lock held for a whole ``kg build`` (and by the store folder's
writer, :class:`graph.stores.StoreLock`, which is this lock with the store's words).

The lock is ``flock`` on a small file (the build's: ``lock`` in the build's cache folder,
:func:`graph.cache.default_cache_dir`; a store's: ``.DIR.kg-lock`` beside the folder). The operating
system releases it when the process ends, however it ends (SIGKILL included), so a lock is never
left behind. The holder writes its process id and what it writes into the file, so that a second
build can say who holds it. A second build waits up to ``wait`` seconds, then stops with one line::

    another kg build is writing out/kg.ttl (pid 1234); try again when it ends

>>> import tempfile, pathlib
>>> lock_file = pathlib.Path(tempfile.mkdtemp()) / "lock"
>>> with BuildLock(lock_file, target="out/kg.ttl") as held:
...     BuildLock(lock_file, target="out/kg.ttl", wait=0.2).acquire()
Traceback (most recent call last):
...
graph.errors.KGError: another kg build is writing out/kg.ttl (pid ...); try again when it ends
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .errors import KGError

#: how long ``kg build`` waits for another build into the same output before it stops (seconds)
DEFAULT_WAIT = 30.0


class BuildLock:
    """An exclusive ``flock`` on ``lock_file``, taken by :meth:`acquire` (or ``with``) and released by
    :meth:`release`; ``target`` names what the holder writes (for the message of a second writer:
    "another kg build is writing TARGET", or ``doing`` instead of "writing TARGET"), ``wait`` is how
    long a second writer waits before it gives up (0: at once).

    The file is removed on release; a lock taken on a file removed meanwhile (its holder released it
    while this one waited) is taken again on the new file. Where ``flock`` does not exist (Windows),
    the lock does nothing: one writer at a time is then up to the user.

    >>> import tempfile, pathlib
    >>> lock = BuildLock(pathlib.Path(tempfile.mkdtemp()) / "lock", target="out/kg.ttl")
    >>> with lock:
    ...     lock.lock_file.read_text().split()[1:]
    ['out/kg.ttl']
    >>> lock.lock_file.exists()
    False
    """

    #: the words for the lock file in an error
    file_words = "the lock file"

    def __init__(self, lock_file: str | Path, target: str = "", wait: float = 0.0, doing: str | None = None):
        self.lock_file = Path(lock_file)
        self.target = str(target)
        self.wait = wait
        self.doing = doing or f"writing {self.target or self.lock_file.parent}"
        self._fd: int | None = None

    def busy(self, holder: str) -> KGError:
        """The error when another process holds the lock (``holder``: its pid, or "" if unknown)."""
        who = f" (pid {holder})" if holder else ""
        return KGError(f"another kg build is {self.doing}{who}; try again when it ends")

    def acquire(self) -> "BuildLock":
        try:
            import fcntl
        except ImportError:  # Windows: no flock
            return self
        try:
            self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise KGError(f"cannot create the folder: {exc.strerror or exc}", path=self.lock_file.parent) from None
        deadline = time.monotonic() + max(0.0, self.wait)
        while True:
            try:
                fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise KGError(f"cannot create {self.file_words}: {exc.strerror or exc}", path=self.lock_file) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = _holder(fd)
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise self.busy(holder) from None
                time.sleep(0.05)
                continue
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.lock_file))
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                _note_holder(fd, self.target)
                return self
            os.close(fd)  # the file was removed by the writer that held it: take the new one

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.unlink(self.lock_file)
        except OSError:
            pass
        os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> "BuildLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _note_holder(fd: int, target: str) -> None:
    """Write "<pid> <target>" into the held lock file (best effort: the lock works without it)."""
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {target}\n".encode("utf-8", "replace"), 0)
    except OSError:
        pass


def _holder(fd: int) -> str:
    """The pid written in a lock file another process holds ("" if not written yet)."""
    try:
        first = os.pread(fd, 64, 0).split(b" ", 1)[0].strip()
    except OSError:
        return ""
    return first.decode("ascii") if first.isdigit() else ""


def output_lock(out: str | Path, wait: float = DEFAULT_WAIT) -> BuildLock:
    """The lock of a build into the graph file ``out``: ``.NAME.kg-lock`` beside it, held while the
    graph is built and written (a store folder has its own, :class:`graph.stores.StoreLock`).

    >>> output_lock("out/kg.ttl").lock_file.as_posix()
    'out/.kg.ttl.kg-lock'
    """
    out = Path(out)
    return BuildLock(out.parent / f".{out.name}.kg-lock", target=str(out), wait=wait)
