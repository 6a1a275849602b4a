"""Servers the tests and the benchmarks start on loopback: a free port, an ``oxigraph serve``, and
stopping a child process (SIGTERM, then SIGKILL).

>>> 0 < free_port() < 65536
True
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the moment of asking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a child process: SIGTERM, then SIGKILL after ``timeout`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


def start_oxigraph(location: Path, union: bool = True, query_timeout: int = 60, ready_s: float = 20):
    """A writable ``oxigraph serve`` of the store folder ``location`` on a free loopback port, waited
    for with a bounded poll; returns (process, query URL). Stop it with :func:`stop`."""
    from graph.serve import find_oxigraph, server_command, wait_ready

    port = free_port()
    cmd = server_command(find_oxigraph(), location, "127.0.0.1", port, timeout=query_timeout, writable=True)
    if not union:
        cmd.remove("--union-default-graph")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        wait_ready(proc, url, deadline_s=ready_s)
    except BaseException:
        stop(proc)
        raise
    return proc, url


__all__ = ["free_port", "start_oxigraph", "stop"]
