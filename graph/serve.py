"""``kg serve``: the graph as a read-only SPARQL 1.1 endpoint, served by the real Oxigraph server
behind a guarded front.

The ``oxigraph`` binary (PyPI package ``oxigraph``, installed next to Python in the venv) runs
``serve-read-only`` with the union default graph and a query timeout, on a private loopback port
chosen here; the front (:mod:`graph.front`, a WSGI app on waitress) listens on ``--bind``, checks
every request and forwards the ones it lets through. Oxigraph runs in its own process group with a
parent-death signal (Linux), and is restarted when it dies. A graph file is first loaded into a
temporary store folder (``oxigraph load``), removed again when the server stops; a store folder
(``kg build --store DIR``) is served as it is, and followed: a rebuild swaps a new folder in with a
rename, which kg serve notices within :data:`STORE_CHECK_S` seconds (the folder's identity
changes); it then starts a second Oxigraph on the new folder, sends new requests to it once it
answers, and stops the old one when the requests it still serves are done, so no reader sees an
error during the switch.

>>> parse_bind("127.0.0.1:7878")
('127.0.0.1', 7878)
>>> is_loopback("localhost"), is_loopback("0.0.0.0")
(True, False)
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from threading import Thread
from typing import Callable

from .errors import KGError
from . import vocab

DEFAULT_BIND = "127.0.0.1:7878"
DEFAULT_TIMEOUT = 30  #: seconds a query may run on the server
#: the server is restarted when it dies (the front checks every request, but an engine bug could
#: still crash it), but not more than this many times in RESTART_WINDOW seconds
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0
#: worker threads of the front (each holds one request while Oxigraph answers it)
FRONT_THREADS = 8
#: how often (seconds) kg serve --store looks whether the store folder was swapped by a rebuild
STORE_CHECK_S = 1.0
#: how many times a new store folder that does not start is tried before kg serve gives up on it
STORE_ATTEMPTS = 3
#: how many private ports Oxigraph is started on when another program takes the one picked for it
PORT_ATTEMPTS = 3
PR_SET_PDEATHSIG = 1  #: <linux/prctl.h>


def find_oxigraph() -> str:
    """The ``oxigraph`` server binary: next to this Python (the venv's bin), else on PATH."""
    here = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise KGError("the Oxigraph server is not installed: `pip install oxigraph` (it provides the `oxigraph` "
                  f"command; looked in {here.parent} and on PATH)")


def parse_bind(bind: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:7878`` for IPv6) as (host, port)."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not host or not 0 < int(port) < 65536:
        raise KGError(f"--bind takes HOST:PORT (e.g. {DEFAULT_BIND}), not {bind!r}")
    return host.strip("[]"), int(port)


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_url(host: str, port: int) -> str:
    """The query endpoint URL for a bound address (a wildcard bind is reached on loopback)."""
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/query"


def curl_line(url: str) -> str:
    """A ready-to-paste curl command that asks the endpoint a small question."""
    q = f"SELECT ?base ?partner WHERE {{ ?base <{vocab.AKG}hostsForcesOf> ?partner }}"
    return (f"curl -s {url} -H 'Content-Type: application/sparql-query' "
            f"-H 'Accept: text/csv' --data '{q}'")


def load_into(oxigraph: str, graph: Path, location: Path) -> None:
    """Bulk-load a graph file into a store folder with ``oxigraph load``."""
    from .rdfio import check_graph_file

    check_graph_file(graph)
    try:
        proc = subprocess.run([oxigraph, "load", "--location", str(location), "--file", str(graph)],
                              capture_output=True, text=True, errors="replace", env=child_env(),
                              preexec_fn=_child_setup())
    except OSError as exc:
        raise KGError(f"cannot run the Oxigraph server {oxigraph}: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        raise KGError(f"cannot load the graph: {oxigraph_message(proc.stderr + proc.stdout)}", path=graph)


def child_env() -> dict[str, str]:
    """The environment of the Oxigraph processes: this one, without Rust backtraces (a failure is
    then one ``Error: ...`` line, whatever ``RUST_BACKTRACE`` the user set).

    >>> child_env()["RUST_BACKTRACE"], child_env()["RUST_LIB_BACKTRACE"]
    ('0', '0')
    """
    return {**os.environ, "RUST_BACKTRACE": "0", "RUST_LIB_BACKTRACE": "0"}


def oxigraph_message(output: str) -> str:
    """The one line that says why an Oxigraph command failed, from what it wrote (never a backtrace).

    >>> oxigraph_message("Error: Address already in use (os error 98)\\n\\nStack backtrace:\\n   7: _start")
    'its address is already in use'
    >>> oxigraph_message("Error while loading file x.ttl: Parser error at line 1: bad\\nError: One or more files")
    'not valid RDF: Parser error at line 1: bad'
    """
    lines = [line.strip() for line in output.split("Stack backtrace:", 1)[0].splitlines() if line.strip()]
    errors = [line[len("Error: "):] for line in lines if line.startswith("Error: ")]
    if any("address already in use" in line.lower() for line in lines):
        return "its address is already in use"
    parse = next((line for line in lines if "Parser error" in line), None)
    if parse is not None:
        return "not valid RDF: " + parse[parse.index("Parser error"):]
    if any(word in line for line in errors for word in ("CURRENT", "MANIFEST", "Corruption")):
        return f"not an Oxigraph store folder, or a damaged one ({errors[0]})"
    return errors[0] if errors else (lines[-1] if lines else "no message")


def _log_message(log: Path | None, offset: int = 0) -> str:  # why the server writing log from offset on stopped
    try:
        with open(log, "rb") as fh:  # type: ignore[arg-type]
            fh.seek(offset)
            return oxigraph_message(fh.read().decode("utf-8", "replace"))
    except (OSError, TypeError):
        return "no message"


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit {code}"


def folder_identity(path: str | Path) -> tuple[int, int, int] | None:
    """What tells one store folder from the next at the same path: (device, inode, change time).

    ``kg build --store`` writes a new folder and renames it over the old one, so the inode changes;
    the change time (a rename sets it) tells a new folder from an old one whose inode number the
    file system reused. None while the path is missing (between the two renames of a swap where
    the atomic exchange is not offered).
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_ctime_ns


def _stop(signum, frame) -> None:  # SIGTERM: stop like Ctrl-C
    raise KeyboardInterrupt


def wait_ready(proc: subprocess.Popen, url: str, deadline_s: float = 20.0, log: Path | None = None,
               offset: int = 0) -> None:
    """Poll the endpoint with ``ASK {}`` until it answers (bounded), or fail with the server's output
    (what it wrote to ``log`` from ``offset`` on)."""
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    end = time.monotonic() + deadline_s
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy from the environment
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise KGError(f"the Oxigraph server stopped at start (exit {proc.returncode}): {_log_message(log, offset)}")
        try:
            with direct.open(probe, timeout=1) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    raise KGError(f"the Oxigraph server did not answer on {url} within {deadline_s:g} s")


def server_command(oxigraph: str, location: Path, host: str, port: int, timeout: int = DEFAULT_TIMEOUT,
                   writable: bool = False) -> list[str]:
    """The ``oxigraph serve-read-only`` command line (``serve`` when ``writable``, for tests)."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [oxigraph, "serve" if writable else "serve-read-only", "--location", str(location), "--bind", bind,
            "--union-default-graph", "--timeout-s", str(int(timeout))]


def _child_setup() -> Callable[[], None] | None:
    """The ``preexec_fn`` of the Oxigraph processes: their own process group (Ctrl-C in the terminal
    reaches kg serve only, which stops them itself) and, on Linux, a parent-death signal, so that a
    kg serve killed with SIGKILL takes its server with it.

    The C function is looked up here, in the parent, so that the child only calls it between fork and
    exec. The signal follows the death of the *thread* that started the child: kg serve starts
    Oxigraph from its main thread only, which lives as long as the process.
    """
    if os.name != "posix":
        return None
    prctl = None
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            prctl = None
    parent = os.getpid()

    def setup() -> None:
        os.setpgid(0, 0)
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
            if os.getppid() != parent:  # the parent died before the signal was set
                os._exit(1)

    return setup


def free_loopback_port() -> int:
    """A TCP port free on 127.0.0.1 now (for Oxigraph's private address)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_folders(root: Path) -> None:
    """Remove ``kg-serve-*`` folders left by a kg serve that was killed (its pid file names a dead process)."""
    try:
        entries = list(root.glob("kg-serve-*"))
    except OSError:
        return
    for folder in entries:
        try:
            pid = int((folder / "pid").read_text().strip())
        except (OSError, ValueError):
            continue
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def start_server(oxigraph: str, location: Path, timeout: int, log: Path,
                 setup: Callable[[], None] | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``oxigraph serve-read-only`` of ``location`` on a free private loopback port and wait until
    it answers: (process, base URL). Its output goes to ``log``; a port another program took between
    the pick and the bind is retried on another one (:data:`PORT_ATTEMPTS` in all).

    >>> start_server(find_oxigraph(), Path("out/kg.db"), 30, Path("/tmp/oxigraph.log"))  # doctest: +SKIP
    (<Popen: returncode: None args: [...]>, 'http://127.0.0.1:41537')
    """
    for _ in range(PORT_ATTEMPTS):
        private = free_loopback_port()
        offset = log.stat().st_size if log.exists() else 0
        try:
            with open(log, "ab") as err:
                child = subprocess.Popen(server_command(oxigraph, location, "127.0.0.1", private, timeout),
                                         stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT,
                                         env=child_env(), preexec_fn=setup)
        except OSError as exc:
            raise KGError(f"cannot run the Oxigraph server {oxigraph}: {exc.strerror or exc}") from None
        child.log_offset = offset  # type: ignore[attr-defined]  # where its own output starts
        try:
            wait_ready(child, f"http://127.0.0.1:{private}/query", log=log, offset=offset)
            return child, f"http://127.0.0.1:{private}"
        except BaseException as exc:
            _end(child)
            if not isinstance(exc, KGError) or "already in use" not in str(exc):
                raise
    raise KGError(f"the Oxigraph server cannot listen on its private address 127.0.0.1:{private}: "
                  f"the address is already in use ({PORT_ATTEMPTS} ports tried)")


def _listen(host: str, port: int, app, threads: int):
    """The front's waitress server, bound now (a taken port fails here, before anything starts)."""
    import logging

    from waitress.server import create_server

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" under load
    try:
        return create_server(app, host=host, port=port, threads=threads, ident="kg serve",
                             max_request_body_size=1 << 20, max_request_header_size=1 << 19,
                             expose_tracebacks=False, clear_untrusted_proxy_headers=True,
                             channel_timeout=120)
    except OSError as exc:
        raise KGError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(graph: str | Path | None = None, store: str | Path | None = None, bind: str = DEFAULT_BIND,
          timeout: int = DEFAULT_TIMEOUT, echo: Callable[[str], None] = print,
          warn: Callable[[str], None] | None = None, ready: Callable[[str], None] | None = None,
          allow_service: bool = False, threads: int = FRONT_THREADS) -> int:
    """Serve a graph file or a store folder read-only until Ctrl-C (SIGINT) or SIGTERM; returns 0.

    The front (:mod:`graph.front`, on waitress) listens on ``bind`` and checks every request;
    Oxigraph listens on a private loopback port. ``ready(url)`` is called once the endpoint
    answers (tests use it to stop the server).
    """
    from .front import Front
    from .query import DEFAULT_GRAPH
    from .stores import is_store_folder

    if graph is not None and store is not None:
        raise KGError("give --graph FILE or --store DIR, not both")
    if timeout <= 0:
        raise KGError(f"--timeout must be more than 0 seconds, not {timeout}")
    host, port = parse_bind(bind)
    warn = warn or (lambda m: print(m, file=sys.stderr))
    oxigraph = find_oxigraph()
    if store is not None and not Path(store).is_dir():
        raise KGError("store folder not found; build it first with `kg build --store DIR`", path=store)
    if store is not None and not is_store_folder(store):
        raise KGError("not an Oxigraph store folder (it has no CURRENT file naming a manifest); "
                      "build one with `kg build --store DIR`", path=store)
    sweep_stale_folders(Path(tempfile.gettempdir()))
    tmp = Path(tempfile.mkdtemp(prefix="kg-serve-"))  # the server's log, and the store of a graph file
    (tmp / "pid").write_text(str(os.getpid()))
    log = tmp / "server.log"
    proc = None
    server = None
    app = Front(host, port, timeout, workdir=str(tmp), allow_service=allow_service, connections=2 * threads)
    previous = signal.getsignal(signal.SIGTERM)
    setup = _child_setup()
    try:
        server = _listen(host, port, app, threads)
        if store is not None:
            location = Path(store)
        else:
            location = tmp / "store"
            load_into(oxigraph, Path(graph or DEFAULT_GRAPH), location)
        if not is_loopback(host):
            warn(f"warning: serving on {host}, reachable from other machines; the endpoint has no "
                 "authentication (use 127.0.0.1 unless a proxy in front of it adds some)")
        signal.signal(signal.SIGTERM, _stop)

        served = folder_identity(location) if store is not None else None
        proc, first = start_server(oxigraph, location, timeout, log, setup)
        app.switch(first)
        Thread(target=server.run, name="kg-serve-front", daemon=True).start()
        url = endpoint_url(host, port)
        wait_ready(proc, url, log=log, offset=proc.log_offset)  # through the front
        echo(f"SPARQL endpoint (read-only): {url}")
        echo(f"Query page: {url.rsplit('/', 1)[0]}/  (the query library, an editor and entity pages; offline)")
        echo(f"Try: {curl_line(url)}")
        echo("Press Ctrl-C to stop.")
        if ready is not None:
            ready(url)
        stops: list[float] = []
        failed: dict[tuple, int] = {}  # store folders that did not start, and how often
        next_check = time.monotonic() + STORE_CHECK_S
        while True:
            while proc.poll() is None:
                time.sleep(0.2)
                if store is None or time.monotonic() < next_check:
                    continue
                next_check = time.monotonic() + STORE_CHECK_S
                current = folder_identity(location)
                if current is None or current == served or failed.get(current, 0) >= STORE_ATTEMPTS:
                    continue
                if not is_store_folder(location):
                    continue
                try:  # the old Oxigraph answers meanwhile
                    fresh, inner = start_server(oxigraph, location, timeout, log, setup)
                except KGError as exc:
                    failed[current] = failed.get(current, 0) + 1
                    if failed[current] >= STORE_ATTEMPTS:
                        warn(f"warning: the store folder {location} was rebuilt, but the new store does not "
                             f"start ({exc}); still serving the previous one")
                    continue
                old, old_inner = proc, app.switch(inner)
                proc, served = fresh, current
                # the requests the old server still answers finish first (each within the time limit)
                app.wait_idle(old_inner, timeout + 5.0)
                _end(old)
                echo(f"The store folder was rebuilt: serving the new store on {url}")
            app.switch(None)  # requests get 503 "restarting" meanwhile
            now = time.monotonic()
            stops = [t for t in stops if now - t < RESTART_WINDOW] + [now]
            why = f"{_exit_text(proc.returncode)}: {_log_message(log, proc.log_offset)}"
            if len(stops) > MAX_RESTARTS:
                raise KGError(f"the Oxigraph server stopped {len(stops)} times within {RESTART_WINDOW:g} s, "
                              f"last ({why}); not restarting it")
            warn(f"warning: the Oxigraph server stopped ({why}); restarting it")
            served = folder_identity(location) if store is not None else None
            proc, inner = start_server(oxigraph, location, timeout, log, setup)
            app.switch(inner)
            warn(f"the Oxigraph server answers again on {url}")
    except KeyboardInterrupt:
        echo("Stopped.")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        app.upstream = None
        if server is not None:
            server.close()
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        if proc is not None:
            _end(proc)
        app.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _end(proc: subprocess.Popen) -> None:
    """Stop an Oxigraph process (and its process group): SIGTERM, then SIGKILL after 10 s."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # its own process group (POSIX)
        except (OSError, AttributeError):
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
