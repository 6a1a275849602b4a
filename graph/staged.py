"""A file written by a forked process while the build goes on: ``kg build --jobs N`` (N > 1) writes
its Turtle (or N-Triples, N-Quads) beside validation, on the second core, and the file replaces the
output only once the graph is known to conform.

The child writes a staging file beside the output, named as :func:`graph.rdfio.write_atomic` names
its temporary files (with the build's process id), so that a build killed at any moment leaves the
old output, and the next write of that output removes the staging file.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
>>> staged = StagedWrite(out, lambda fh: fh.write(b"done\\n"))
>>> staged.commit()
>>> out.read_bytes()
b'done\\n'
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from .errors import KGError
from .durable import fsync_folder
from .rdfio import _TMP_INFIX, _FdFile, os_reason, remove_stale_temporaries

#: the output formats written beside validation: those written in bounded memory
STAGED_FORMATS = ("turtle", "nt", "nquads")


class StagedWrite:
    """``writer`` (a function writing to the binary file it is given) run in a forked process into a
    staging file beside ``path``; :meth:`commit` waits for it and renames the file over ``path``,
    :meth:`abort` stops it and removes the staging file. Errors are :class:`KGError` naming ``path``."""

    def __init__(self, path: str | Path, writer):
        self.path = Path(path)
        self.staged = self.path.parent / f".{self.path.name}{_TMP_INFIX}{os.getpid()}.staged.tmp"
        self.pid: int | None = None
        remove_stale_temporaries(self.path)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: write, report one line on the pipe, and leave without cleanup
            os.close(read)
            code = 1
            try:
                fd = os.open(self.staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
                try:
                    writer(_FdFile(fd))
                    os.fsync(fd)
                finally:
                    os.close(fd)
                code = 0
            except KGError as exc:
                os.write(write, exc.message.encode("utf-8", "replace")[:2000])
            except OSError as exc:
                os.write(write, f"cannot write: {os_reason(exc)}".encode("utf-8", "replace")[:2000])
            except BaseException as exc:  # noqa: BLE001 - reported by the parent, in one line
                os.write(write, f"cannot write: {type(exc).__name__}: {exc}".encode("utf-8", "replace")[:2000])
            finally:
                os._exit(code)
        os.close(write)
        self.pid, self._pipe = pid, read

    def _wait(self) -> tuple[int, str]:
        _pid, status = os.waitpid(self.pid, 0)
        self.pid = None
        with os.fdopen(self._pipe, "rb") as fh:
            said = fh.read().decode("utf-8", "replace").strip()
        return os.waitstatus_to_exitcode(status), said

    def commit(self) -> None:
        """Wait for the writer; put its file in place of ``path`` (atomically), or raise its error."""
        if self.pid is None:
            raise KGError("the staged file was already committed or aborted", path=self.path)
        code, said = self._wait()
        try:
            if code != 0:
                raise KGError(said or f"cannot write: the writing process ended with status {code}", path=self.path)
            try:
                os.replace(self.staged, self.path)
                fsync_folder(self.path.parent)
            except OSError as exc:
                raise KGError(f"cannot write: {os_reason(exc)}", path=self.path) from None
        finally:
            self._remove()

    def abort(self) -> None:
        """Stop the writer (if it still runs) and remove its file; the output is left as it was."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._wait()
        self._remove()

    def _remove(self) -> None:
        try:
            os.unlink(self.staged)
        except FileNotFoundError:
            pass
