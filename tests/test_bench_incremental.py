"""benchmarks/incremental.py: the whole kg build as processes, --jobs 1 against 2, and one document added."""

from __future__ import annotations

from benchmarks.incremental import markdown, measure


def test_the_three_builds_run_and_the_table_names_every_stage():
    rows = measure(4)
    assert [label for label, _ in rows] == ["clean, --jobs 1", "clean, --jobs 2", "one document added, --jobs 2"]
    for _, r in rows:
        assert list(r["stages"]) == ["read", "extract", "merge and RDF", "reason", "validate", "write"]
        assert r["wall_s"] > 0 and r["maxrss_mb"] > 50
    table = markdown(4, rows)
    assert "| build | read | extract | merge and RDF | reason | validate | write | wall | peak MB |" in table
    assert "`--jobs 2` against `--jobs 1`:" in table and "one document added against a clean build:" in table
