"""The whole ``kg build`` as a user runs it, in one run side by side: a clean build with ``--jobs 1``,
a clean build with ``--jobs 2``, and the rebuild after adding one document (the extraction cache of
the second build in place). Each build is its own ``kg build`` process (imports and spaCy included);
wall time and peak memory (``os.wait4``) per build, the stage times from the summary line.

    python -m benchmarks.incremental --docs 1000            # prints a Markdown table

The corpus is generated (``benchmarks.generate``, seed 0) into a temporary folder, removed after.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KG = [sys.executable, "-m", "graph.cli"]
ADDED = "# An added article\n\nCamp Lemonnier in Djibouti hosts the forces of the United States.\n"


def run_build(corpus: Path, out: Path, *extra: str) -> dict:
    """One ``kg build`` process: wall seconds, peak MB and the stage times it printed."""
    started = time.perf_counter()
    proc = subprocess.Popen([*KG, "build", "--corpus", str(corpus), "--out", str(out), *extra], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)  # its own peak memory (the summary is far below a pipe's buffer)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    out_text, err = proc.stdout.read(), proc.stderr.read()
    if proc.returncode:
        raise SystemExit(f"kg build failed: {err.decode()[-400:]}")
    line = next((x for x in out_text.decode().splitlines() if x.startswith("stages: ")), "")
    stages = {name: float(sec) for name, sec in (re.fullmatch(r"(.+) (\d+\.\d+) s", part).groups()
                                                 for part in line[len("stages: "):].split(", ") if part)}
    return {"wall_s": wall, "stages": stages, "maxrss_mb": usage.ru_maxrss / 1024}


def measure(n: int) -> list[tuple[str, dict]]:
    from benchmarks.generate import generate_corpus

    with tempfile.TemporaryDirectory() as tmp:
        corpus, work = Path(tmp) / "corpus", Path(tmp) / "work"
        generate_corpus(corpus, n, seed=0)
        (corpus / "gold.tsv").unlink()
        rows = [("clean, --jobs 1", run_build(corpus, work / "a" / "kg.ttl", "--jobs", "1", "--no-cache")),
                ("clean, --jobs 2", run_build(corpus, work / "b" / "kg.ttl", "--jobs", "2", "--no-cache"))]
        (corpus / "zz-added.md").write_text(ADDED, encoding="utf-8")
        rows.append(("one document added, --jobs 2", run_build(corpus, work / "b" / "kg.ttl", "--jobs", "2")))
        shutil.rmtree(work)
    return rows


def markdown(n: int, rows: list[tuple[str, dict]]) -> str:
    names = list(dict.fromkeys(s for _, r in rows for s in r["stages"]))
    head = "| build | " + " | ".join(names) + " | wall | peak MB |\n|---|" + "---:|" * (len(names) + 2) + "\n"
    body = "".join(f"| {label} | " + " | ".join(f"{r['stages'].get(s, 0):.1f} s" for s in names)
                   + f" | {r['wall_s']:.1f} s | {r['maxrss_mb']:,.0f} |\n" for label, r in rows)
    clean1, clean2, added = (r["wall_s"] for _, r in rows)
    return (f"*`kg build` of {n:,} generated documents, each build a process, one run.*\n\n" + head + body
            + f"\n`--jobs 2` against `--jobs 1`: {clean1 / clean2:.2f}x; one document added against a clean "
              f"build: {added / clean2:.2f} of its time.\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=1000, help="documents in the corpus (default 1000)")
    args = ap.parse_args(argv)
    print(markdown(args.docs, measure(args.docs)))


if __name__ == "__main__":
    main()
