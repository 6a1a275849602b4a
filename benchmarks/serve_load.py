"""A bounded load test of ``kg serve`` on loopback: Oxigraph directly vs through the front.

The graph is built from ``corpus/`` (or ``--graph FILE``). Two servers run on 127.0.0.1 ports
of their own: ``kg serve`` (the front on waitress, Oxigraph behind it on a private port) and a
plain ``oxigraph serve-read-only`` with the same command line as the one behind the front, on a
store loaded from the same file. The same request, the library query ``memberships`` as
``kg query --endpoint`` sends it (``POST application/sparql-query``, JSON results), is sent
``--requests`` times by ``--clients`` threads (each with one keep-alive connection) to each
server in turn, after a warm-up; every answer must be a 200 with the same body as the first.
It is bounded: at most ``--requests`` per target and round, and no new request after
``--max-seconds``; loopback only.

Usage::

    python -m benchmarks.serve_load                      # 8 clients, 2,000 requests per target
    python -m benchmarks.serve_load --rounds 2 --json out/serve_load.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.namespaces import PREFIXES  # noqa: E402
from graph.query import get_query  # noqa: E402
from graph.serve import find_oxigraph, free_loopback_port, load_into, server_command, wait_ready  # noqa: E402

HOST = "127.0.0.1"


def request_text(name: str = "memberships") -> str:
    """The query as ``kg query --endpoint`` sends it: the project's prefixes on one line, then the text."""
    return " ".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items()) + "\n" + get_query(name).text


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


def load(port: int, body: bytes, requests: int, clients: int, max_seconds: float) -> dict:
    """Send ``requests`` POSTs from ``clients`` threads; latencies, throughput and errors."""
    lock = threading.Lock()
    issued = [0]
    latencies: list[float] = []
    errors: list[str] = []
    expected: list[bytes] = []
    stop_at = time.monotonic() + max_seconds
    headers = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        try:
            while True:
                with lock:
                    if issued[0] >= requests or time.monotonic() > stop_at:
                        break
                    issued[0] += 1
                t0 = time.perf_counter()
                try:
                    conn.request("POST", "/query", body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    status = resp.status
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
                    with lock:
                        errors.append(type(exc).__name__)
                    continue
                mine.append(time.perf_counter() - t0)
                with lock:
                    if not expected:
                        expected.append(data)
                    if status != 200 or data != expected[0]:
                        errors.append(f"HTTP {status}" if status != 200 else "different body")
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = sorted(latencies)
    return {"requests": len(lat) + len([e for e in errors if not e.startswith(("HTTP", "different"))]),
            "ok": len(lat) - len([e for e in errors if e.startswith(("HTTP", "different"))]),
            "errors": len(errors), "error_kinds": sorted(set(errors)), "seconds": round(wall, 3),
            "rps": round(len(lat) / wall, 1) if wall else 0.0,
            "mean_ms": round(statistics.fmean(lat) * 1000, 3) if lat else None,
            "p50_ms": round(percentile(lat, 0.50) * 1000, 3), "p90_ms": round(percentile(lat, 0.90) * 1000, 3),
            "p99_ms": round(percentile(lat, 0.99) * 1000, 3), "max_ms": round(lat[-1] * 1000, 3) if lat else None,
            "answer_bytes": len(expected[0]) if expected else 0}


def rss_mb(pid: int | None, field: str = "VmRSS") -> float | None:
    """A process's resident memory now (``VmRSS``) or at its peak (``VmHWM``), in MB (Linux /proc)."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def oxigraph_child(pid: int) -> int | None:
    """The Oxigraph server kg serve runs behind its front (a child process), or None."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return None
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            try:
                if b"serve-read-only" in Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0"):
                    return int(child)
            except OSError:
                pass
    return None


def check_cost(text: str, repeat: int = 20) -> dict:
    """What the front's query check costs in this process: the first time a text is seen (parsed by
    the SPARQL grammar) and again (the parse is cached by text)."""
    from graph import query as q
    from graph.front import Front

    front = Front(HOST, 1, timeout=30, workdir=tempfile.gettempdir())
    try:
        cold = []
        for i in range(repeat):
            q.grammar_operations.cache_clear()
            q._tokens.cache_clear()
            t0 = time.perf_counter()
            assert front.query_refusal(text + f"\n# {i}") is None
            cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for _ in range(200):
            front.query_refusal(text)
        warm = (time.perf_counter() - t0) / 200
    finally:
        front.close()
    return {"first_seen_ms": round(statistics.median(cold) * 1000, 2), "cached_ms": round(warm * 1000, 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", type=Path, help="graph file (default: build corpus/ into a temporary folder)")
    ap.add_argument("--query", default="memberships", help="library query to send (default memberships)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=2000, help="per target and round (at most 20,000)")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=1, help="rounds of (direct, front), alternating which goes first")
    ap.add_argument("--max-seconds", type=float, default=120.0, help="no new request after this, per target and round")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    args.requests = max(1, min(args.requests, 20000))
    args.clients = max(1, min(args.clients, 64))

    tmp = Path(tempfile.mkdtemp(prefix="kg-serve-load-"))
    procs: list[subprocess.Popen] = []
    try:
        graph = args.graph
        if graph is None:
            graph = tmp / "kg.ttl"
            kg = Path(sys.executable).parent / "kg"
            subprocess.run([str(kg), "build", "--corpus", str(ROOT / "corpus"), "--out", str(graph), "-q"],
                           cwd=ROOT, check=True)
        oxigraph = find_oxigraph()
        # Oxigraph alone, as kg serve runs it (same command line), on its own store of the same file
        load_into(oxigraph, graph, tmp / "direct")
        direct_port = free_loopback_port()
        direct = subprocess.Popen(server_command(oxigraph, tmp / "direct", HOST, direct_port),
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(direct)
        wait_ready(direct, f"http://{HOST}:{direct_port}/query")
        # kg serve: the front on its port, Oxigraph behind it
        front_port = free_loopback_port()
        front = subprocess.Popen([sys.executable, "-m", "graph.cli", "serve", "--graph", str(graph),
                                  "--bind", f"{HOST}:{front_port}"], cwd=ROOT, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                 env={**os.environ, "TMPDIR": str(tmp)})
        procs.append(front)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (front.stdout.readline() or "").startswith("SPARQL endpoint"):
            if front.poll() is not None:
                raise SystemExit("kg serve did not start")
        body = request_text(args.query).encode("utf-8")
        targets = {"oxigraph": direct_port, "kg serve": front_port}
        results: dict[str, list[dict]] = {name: [] for name in targets}
        for name, port in targets.items():
            load(port, body, args.warmup, args.clients, args.max_seconds)
        for r in range(args.rounds):
            order = list(targets.items()) if r % 2 == 0 else list(reversed(targets.items()))
            for name, port in order:
                results[name].append(load(port, body, args.requests, args.clients, args.max_seconds))
        behind = oxigraph_child(front.pid)
        pids = {"oxigraph (direct)": direct.pid, "kg serve (front)": front.pid, "kg serve (its oxigraph)": behind}
        memory = {name: rss_mb(pid) for name, pid in pids.items()}
        peak = {name: rss_mb(pid, "VmHWM") for name, pid in pids.items()}
        cost = check_cost(request_text(args.query))
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)

    print(f"{args.query}: {args.clients} clients, {args.requests} requests per target and round, "
          f"{args.rounds} round(s), loopback")
    print(f"{'target':<10} {'round':>5} {'req/s':>8} {'mean ms':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'errors':>6}")
    for name, runs in results.items():
        for i, m in enumerate(runs, 1):
            print(f"{name:<10} {i:>5} {m['rps']:>8} {m['mean_ms']:>8} {m['p50_ms']:>8} {m['p90_ms']:>8} "
                  f"{m['p99_ms']:>8} {m['max_ms']:>8} {m['errors']:>6}")
    d = results["oxigraph"][-1]
    f = results["kg serve"][-1]
    per_request = round(f["mean_ms"] - d["mean_ms"], 3)
    print(f"front's cost per request (mean latency, last round): {per_request} ms; "
          f"p50 +{round(f['p50_ms'] - d['p50_ms'], 3)} ms, p99 +{round(f['p99_ms'] - d['p99_ms'], 3)} ms; "
          f"throughput {round(100 * f['rps'] / d['rps'])}% of Oxigraph's")
    print(f"query check in the front: {cost['first_seen_ms']} ms for a text seen the first time, "
          f"{cost['cached_ms']} ms again")
    print(f"memory after the run (RSS, MB): {memory}")
    print(f"peak memory (VmHWM, MB): {peak}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"query": args.query, "clients": args.clients, "requests": args.requests,
                                         "results": results, "front_cost_ms": per_request, "check": cost,
                                         "rss_mb": memory, "peak_mb": peak, "rounds": args.rounds,
                                         "warmup": args.warmup, "max_seconds": args.max_seconds}, indent=2) + "\n")
    bad = sum(m["errors"] for runs in results.values() for m in runs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
