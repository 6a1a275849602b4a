"""``kg serve``: the graph as a read-only SPARQL 1.1 endpoint, served by the real Oxigraph server.

Nothing is invented here: the ``oxigraph`` binary (PyPI package ``oxigraph``, installed next to
Python in the venv) runs ``serve-read-only`` with the union default graph and a query timeout.
A graph file is first loaded into a temporary store folder (``oxigraph load``), removed again
when the server stops; a store folder (``kg build --store DIR``) is served as it is.

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
from typing import Callable

from .errors import KGError

DEFAULT_BIND = "127.0.0.1:7878"
DEFAULT_TIMEOUT = 30  #: seconds a query may run on the server
#: the server is restarted when it dies (a hostile query can still crash it: requests reach it
#: unchecked), but not more than this many times in RESTART_WINDOW seconds
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0


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
    q = "SELECT ?base ?partner WHERE { ?base <https://w3id.org/alliance-kg/ontology#hostsForcesOf> ?partner }"
    return (f"curl -s {url} -H 'Content-Type: application/sparql-query' "
            f"-H 'Accept: text/csv' --data '{q}'")


def load_into(oxigraph: str, graph: Path, location: Path) -> None:
    """Bulk-load a graph file into a store folder with ``oxigraph load``."""
    if not graph.is_file():
        raise KGError("graph file not found; build it first with `kg build` (or pass --graph FILE)", path=graph)
    from .query import RDF_FORMATS

    if graph.suffix.lower() not in RDF_FORMATS:
        raise KGError(f"unknown graph format '{graph.suffix}' (use .ttl, .trig, .nt, .nq or .jsonld)", path=graph)
    proc = subprocess.run([oxigraph, "load", "--location", str(location), "--file", str(graph)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        msg = (proc.stderr or proc.stdout).strip().splitlines()
        raise KGError(f"oxigraph load failed: {msg[-1] if msg else proc.returncode}", path=graph)


def _last_line(log: Path | None) -> str:
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines() if log else []
    except OSError:
        lines = []
    return lines[-1] if lines else "no message"


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit {code}"


def _stop(signum, frame) -> None:  # SIGTERM: stop like Ctrl-C
    raise KeyboardInterrupt


def wait_ready(proc: subprocess.Popen, url: str, deadline_s: float = 20.0, log: Path | None = None) -> None:
    """Poll the endpoint with ``ASK {}`` until it answers (bounded), or fail with the server's output."""
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise KGError(f"the Oxigraph server stopped at start (exit {proc.returncode}): {_last_line(log)}")
        try:
            with urllib.request.urlopen(probe, timeout=1) as resp:
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


def serve(graph: str | Path | None = None, store: str | Path | None = None, bind: str = DEFAULT_BIND,
          timeout: int = DEFAULT_TIMEOUT, echo: Callable[[str], None] = print,
          warn: Callable[[str], None] | None = None, ready: Callable[[str], None] | None = None) -> int:
    """Serve a graph file or a store folder read-only until Ctrl-C (SIGINT) or SIGTERM; returns 0.

    ``ready(url)`` is called once the endpoint answers (tests use it to stop the server).
    """
    from .query import DEFAULT_GRAPH

    if graph is not None and store is not None:
        raise KGError("give --graph FILE or --store DIR, not both")
    if timeout <= 0:
        raise KGError(f"--timeout must be more than 0 seconds, not {timeout}")
    host, port = parse_bind(bind)
    warn = warn or (lambda m: print(m, file=sys.stderr))
    oxigraph = find_oxigraph()
    if store is not None and not Path(store).is_dir():
        raise KGError("store folder not found; build it first with `kg build --store DIR`", path=store)
    tmp = Path(tempfile.mkdtemp(prefix="kg-serve-"))  # the server's log, and the store of a graph file
    log = tmp / "server.log"
    proc = None
    previous = signal.getsignal(signal.SIGTERM)
    try:
        if store is not None:
            location = Path(store)
        else:
            location = tmp / "store"
            load_into(oxigraph, Path(graph or DEFAULT_GRAPH), location)
        if not is_loopback(host):
            warn(f"warning: serving on {host}, reachable from other machines; the endpoint has no "
                 "authentication (use 127.0.0.1 unless a proxy in front of it adds some)")
        signal.signal(signal.SIGTERM, _stop)

        def start() -> subprocess.Popen:
            with open(log, "ab") as err:
                return subprocess.Popen(server_command(oxigraph, location, host, port, timeout),
                                        stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT)

        proc = start()
        url = endpoint_url(host, port)
        wait_ready(proc, url, log=log)
        echo(f"SPARQL endpoint (read-only): {url}")
        echo(f"Query page: {url.rsplit('/', 1)[0]}/  (Oxigraph's YASGUI page; its autocompletion asks prefix.cc and LOV online)")
        echo(f"Try: {curl_line(url)}")
        echo("Press Ctrl-C to stop.")
        if ready is not None:
            ready(url)
        stops: list[float] = []
        while True:
            while proc.poll() is None:
                time.sleep(0.2)
            now = time.monotonic()
            stops = [t for t in stops if now - t < RESTART_WINDOW] + [now]
            why = f"{_exit_text(proc.returncode)}: {_last_line(log)}"
            if len(stops) > MAX_RESTARTS:
                raise KGError(f"the Oxigraph server stopped {len(stops)} times within {RESTART_WINDOW:g} s, "
                              f"last ({why}); not restarting it")
            warn(f"warning: the Oxigraph server stopped ({why}); restarting it")
            proc = start()
            wait_ready(proc, url, log=log)
            warn(f"the Oxigraph server answers again on {url}")
    except KeyboardInterrupt:
        echo("Stopped.")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
