"""A throwaway Virtuoso Open Source 7.2 server on loopback, for ``tests/test_virtuoso.py`` and
``benchmarks/engines.py``.

:class:`Virtuoso` writes its own ``virtuoso.ini`` into a fresh temporary folder (database, log,
transaction and temporary files all inside it; ``DirsAllowed`` that folder, for the bulk loader),
starts ``virtuoso-t +foreground`` with HTTP and the ISQL port both on free 127.0.0.1 ports, waits
until ``/sparql`` answers (bounded), then through ISQL gives ``dba`` a random password and grants
``SPARQL_UPDATE`` to the anonymous ``SPARQL`` user (so that ``/sparql`` itself is writable, as a
writable Oxigraph server is). :meth:`Virtuoso.stop` stops it (SIGTERM, then SIGKILL) and removes the
folder; on Linux the server also dies with the process that started it.

The settings that matter for the answers (README, engine table):

* ``CaseMode = 2`` (Debian's default ini has it): without it, Virtuoso answers ASK with a one-column
  result set (``__ASK_RETVAL``) instead of a boolean;
* ``VectorSize = 1``, ``MaxVectorSize = 1``: with vectored execution, Virtuoso 7.2.5 gives wrong answers
  to ``*`` and ``+`` property paths joined with other patterns (base-locations: 1 row of 3, evidence:
  1 of 44); ``Virtuoso(vectored=True)`` keeps Virtuoso's defaults, to measure that;
* ``ResultSetMaxRows`` above the largest answer (a SELECT cut there says so in a header, a CONSTRUCT is
  cut silently) and ``MaxQueryExecutionTime`` (a query over it is an HTTP 500, SQL state S1T00).

The URLs ``kg build --endpoint`` needs (:meth:`Virtuoso.build_args`)::

    query     http://127.0.0.1:PORT/sparql
    update    http://127.0.0.1:PORT/sparql-auth              (HTTP Digest, user dba)
    graphs    http://127.0.0.1:PORT/sparql-graph-crud-auth   (HTTP Digest, user dba)

Debian's package is ``virtuoso-opensource`` (``make virtuoso`` installs it).

>>> with Virtuoso() as v:                                              # doctest: +SKIP
...     print(v.query_url, v.auth)
http://127.0.0.1:40123/sparql dba:...
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from benchmarks.servers import free_port, stop  # noqa: F401 (free_port: part of this module's API)

#: the server and its SQL client, as Debian installs them
VIRTUOSO_T = "virtuoso-t"
ISQL = "isql-vt"

INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort         = 127.0.0.1:{isql_port}
DisableUnixSocket  = 1
DisableTcpSocket   = 0
MaxClientConnections = 10
CheckpointInterval = 0
O_DIRECT           = 0
CaseMode           = 2
AllowOSCalls       = 0
DirsAllowed        = ., {dir}
NumberOfBuffers    = {buffers}
MaxDirtyBuffers    = {dirty}
ThreadsPerQuery    = 2
AsyncQueueMaxThreads = 4
{vectors}VADInstallDir      = {dir}/vad

[HTTPServer]
ServerPort         = 127.0.0.1:{http_port}
ServerRoot         = {dir}/www
MaxClientConnections = 6
ServerThreads      = 6
MaxKeepAlives      = 6
KeepAliveTimeout   = 10
EnabledDavVSP      = 0
HTTPProxyEnabled   = 0
Charset            = UTF-8

[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = {max_seconds}
"""
#: no vectored execution (see the module's notes)
NO_VECTORS = "VectorSize         = 1\nMaxVectorSize      = 1\nAdjustVectorSize   = 0\n"


def installed() -> bool:
    """Whether ``virtuoso-t`` and ``isql-vt`` are on PATH.

    >>> isinstance(installed(), bool)
    True
    """
    return bool(shutil.which(VIRTUOSO_T) and shutil.which(ISQL))


class VirtuosoError(RuntimeError):
    """The server did not start, or an ISQL statement failed."""


class Virtuoso:
    """One Virtuoso server in its own temporary folder; :meth:`start` it, then :meth:`stop` it (or use
    ``with``). ``max_seconds``: ``MaxQueryExecutionTime`` (a query running longer is stopped with an
    error); ``max_rows``: ``ResultSetMaxRows``; ``buffers``: ``NumberOfBuffers`` (8 KB pages);
    ``vectored``: keep Virtuoso's vectored execution (wrong property-path answers, see above);
    ``parent``: the folder to make the server's folder in (default: the system's temporary folder)."""

    def __init__(self, *, max_seconds: int = 30, max_rows: int = 1_000_000, buffers: int = 20_000,
                 vectored: bool = False, parent: str | Path | None = None):
        self.max_seconds, self.max_rows, self.buffers, self.vectored = max_seconds, max_rows, buffers, vectored
        self.parent = parent
        self.dir: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.password = "dba"  # the new database's; replaced by a random one at start
        self.http_port = self.isql_port = 0

    # ---------------------------------------------------------------- URLs

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def query_url(self) -> str:
        return self.base + "/sparql"

    @property
    def update_url(self) -> str:
        return self.base + "/sparql-auth"

    @property
    def graph_store_url(self) -> str:
        return self.base + "/sparql-graph-crud-auth"

    @property
    def auth(self) -> str:
        return f"dba:{self.password}"

    def build_args(self) -> list[str]:
        """The ``kg build`` options that write into this server."""
        return ["--endpoint", self.query_url, "--update-endpoint", self.update_url,
                "--graph-store", self.graph_store_url, "--auth", self.auth]

    # ---------------------------------------------------------------- life

    def start(self, deadline_s: float = 60.0) -> "Virtuoso":
        if not installed():
            raise VirtuosoError("Virtuoso is not installed (virtuoso-t, isql-vt): `make virtuoso` installs "
                                "Debian's virtuoso-opensource")
        self.dir = Path(tempfile.mkdtemp(prefix="kg-virtuoso-", dir=self.parent))
        try:
            (self.dir / "www").mkdir()
            (self.dir / "vad").mkdir()
            self.http_port, self.isql_port = free_port(), free_port()
            while self.isql_port == self.http_port:
                self.isql_port = free_port()
            ini = self.dir / "virtuoso.ini"
            ini.write_text(INI.format(dir=self.dir, http_port=self.http_port, isql_port=self.isql_port,
                                      buffers=self.buffers, dirty=self.buffers * 3 // 4, max_rows=self.max_rows,
                                      max_seconds=self.max_seconds, vectors="" if self.vectored else NO_VECTORS),
                       encoding="utf-8")
            from graph.serve import _child_setup  # own process group; on Linux, dies with this process

            with open(self.dir / "stdout.log", "wb") as log:
                self.proc = subprocess.Popen([VIRTUOSO_T, "+foreground", "+configfile", str(ini)], cwd=self.dir,
                                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                             preexec_fn=_child_setup())
            self._wait_ready(deadline_s)
            password = secrets.token_hex(12)
            self.isql('GRANT SPARQL_UPDATE TO "SPARQL";',
                      "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);",
                      f"USER_SET_PASSWORD ('dba', '{password}');")
            self.password = password
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, deadline_s: float) -> None:
        deadline = time.monotonic() + deadline_s
        probe = self.query_url + "?" + urllib.parse.urlencode({"query": "ASK { }"})
        while True:
            if self.proc.poll() is not None:
                raise VirtuosoError(f"virtuoso-t exited with status {self.proc.returncode}: {self.log_tail()}")
            try:
                with urllib.request.urlopen(probe, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise VirtuosoError(f"virtuoso-t did not answer on {self.query_url} within {deadline_s:g} s: "
                                    f"{self.log_tail()}")
            time.sleep(0.2)

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = (self.dir / "virtuoso.log").read_text(encoding="utf-8", errors="replace")
        except (OSError, TypeError):
            return "(no log)"
        return " | ".join(text.strip().splitlines()[-lines:])

    def isql(self, *statements: str, timeout: float = 600) -> str:
        """Run SQL statements as ``dba`` through ``isql-vt``; their output. A statement that fails raises."""
        script = "\n".join(statements) + "\n"
        r = subprocess.run([ISQL, f"127.0.0.1:{self.isql_port}", "dba", self.password], input=script,
                           capture_output=True, text=True, errors="replace", timeout=timeout)
        out = r.stdout + r.stderr
        if r.returncode != 0 or "*** Error" in out:
            raise VirtuosoError(f"isql failed ({r.returncode}): " + " ".join(out.split())[-500:])
        return r.stdout

    def bulk_load(self, path: str | Path, graph: str = "urn:x-kg:default") -> None:
        """Load an RDF file inside the server's folder with Virtuoso's own bulk loader (``ld_dir``,
        ``rdf_loader_run``, then a checkpoint); N-Quads keep their graphs, other formats go to ``graph``."""
        path = Path(path)
        if path.parent != self.dir:
            raise VirtuosoError(f"{path} is not in the server's folder {self.dir} (DirsAllowed)")
        self.isql(f"ld_dir ('{self.dir}', '{path.name}', '{graph}');", "rdf_loader_run ();", "checkpoint;")
        errors = self.isql("SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;")
        if "0 Rows." not in errors:
            raise VirtuosoError(f"the bulk loader failed: {' '.join(errors.split())[-500:]}")

    def stop(self) -> None:
        """Stop the server (SIGTERM, SIGKILL after 20 s) and remove its folder."""
        proc, self.proc = self.proc, None
        if proc is not None:
            stop(proc, timeout=20)
        folder, self.dir = self.dir, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def __enter__(self) -> "Virtuoso":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
