"""Benchmarks for alliance-kg: a synthetic corpus generator with planted facts, and ``make bench``.

* :mod:`benchmarks.generate` writes N Markdown articles in the genre of ``corpus/`` and a
  ``gold.tsv`` of the facts they state;
* :mod:`benchmarks.score` scores a built graph against that gold file through the contract queries;
* :mod:`benchmarks.run` (``python -m benchmarks.run``) measures the pipeline at scale and writes
  ``benchmarks/results.json`` (its workers are :mod:`benchmarks.workers`, its goals and terminal tables
  :mod:`benchmarks.report`); with ``--markdown`` it writes the tables into ``docs/performance.md``
  (:mod:`benchmarks.perfdoc`).
"""
