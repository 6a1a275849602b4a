"""Extraction speed, side by side in one run: the surface rules alone (the extractor before the
dependency parse) against the full extractor (surface rules + spaCy parse + relation rules), in
one process and in two (``--jobs 2``), on the benchmark's generated corpus (documents/s) and on
the real-text set ``eval/real`` (MB/s of text).

Usage::

    python -m benchmarks.extraction              # 500 generated documents, eval/real, 3 repeats
    python -m benchmarks.extraction --docs 200 --repeat 1

The model load (spaCy's pipeline) is timed apart and is not in the rates.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _extract(docs, parse: bool, jobs: int):
    from graph import build
    from graph.extract import extract_document
    from graph.lexicon import load_lexicon

    lex = load_lexicon()
    if not parse:
        return [extract_document(d, lex, parse=False) for d in docs]
    return build.extract_all(docs, lex, jobs=jobs)


def _time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.extraction", description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=500, help="generated documents (default 500)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per configuration; the median is reported")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)

    from benchmarks.generate import generate_corpus
    from graph.corpus import read_corpus
    from graph.nlp import load_pipeline, pipeline_name

    t = time.perf_counter()
    load_pipeline()
    load_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        generate_corpus(Path(tmp), a.docs, seed=a.seed)
        sets = {"generated": read_corpus(Path(tmp) / "corpus")}
    sets["eval/real"] = read_corpus(ROOT / "eval" / "real" / "docs")
    configs = [("surface rules only (before)", False, 1), ("parse + rules, --jobs 1", True, 1),
               ("parse + rules, --jobs 2", True, 2)]
    print(f"pipeline {pipeline_name()}: loaded in {load_s:.2f} s (not in the rates)")
    print(f"{'configuration':32s} {'set':10s} {'docs':>6s} {'MB':>6s} {'seconds':>8s} {'docs/s':>8s} {'MB/s':>7s}")
    for name, parse, jobs in configs:
        for set_name, docs in sets.items():
            mb = sum(len(d.text.encode('utf-8')) for d in docs) / 1e6
            _extract(docs[:2], parse, 1)  # warm caches (lexicon, rules)
            sec = _time(lambda: _extract(docs, parse, jobs), a.repeat)
            print(f"{name:32s} {set_name:10s} {len(docs):6d} {mb:6.2f} {sec:8.2f} {len(docs) / sec:8.1f} {mb / sec:7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
