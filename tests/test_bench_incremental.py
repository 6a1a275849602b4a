"""benchmarks/incremental.py and benchmarks/incremental_doc.py: the whole kg build as processes at
several sizes in one run (--jobs 1 against 2, one document added, or only some of them with --builds),
the goals of issue 16 computed from the numbers, and the run written into its own section of
docs/performance.md."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

from benchmarks import incremental
from benchmarks.incremental import BuildFailed, main, parse_stages
from benchmarks.incremental_doc import BEGIN, END, check_doc, goals, markdown, render_section

ROOT = Path(__file__).resolve().parent.parent
DOC = "# Perf\n\nkept before\n" + BEGIN + "\n\n*No run written yet.*\n\n" + END + "\n\nkept after\n"


def _build(documents, wall, stages=None, maxrss=500.0, tree=None):
    return {"documents": documents, "wall_s": wall, "stages": stages or {}, "maxrss_mb": maxrss, "tree_mb": tree}


def _size(n, j1, j2, added, stages, maxrss=800.0, tree=1200.0):
    return {"documents": n, "text_mb": n / 500, "builds": {
        "clean_jobs1": _build(n, j1, stages, maxrss),
        "clean_jobs2": _build(n, j2, stages, maxrss, tree),
        "added": _build(n + 1, added, stages, maxrss)}}


SIZES = {
    1000: _size(1000, 60.0, 40.0, 4.0, {"read": 0.5, "extract": 14.0, "merge and RDF": 2.0, "validate": 1.0, "write": 0.5}),
    10000: _size(10000, 500.0, 290.0, 14.0, {"read": 3.0, "extract": 140.0, "merge and RDF": 20.0, "reason": 10.0,
                                             "write": 5.0}),
    100000: _size(100000, 5000.0, 2950.0, 100.0, {"read": 30.0, "extract": 1400.0, "merge and RDF": 400.0},
                  maxrss=1900.0, tree=2100.0),
}


def _run(*ns):
    return {"started": "2026-11-28 10:00", "total_s": 90.0, "seed": 0, "sizes": [copy.deepcopy(SIZES[n]) for n in ns],
            "machine": {"nproc": 2, "cpu": "Test CPU", "ram": "23.5 GiB", "python": "3.11.7", "commit": "abc1234",
                        "loadavg_at_start": [0.1, 0.2, 0.3], "loadavg_at_end": [1.9, 1.0, 0.5]}}


def _partial(run, *keep):
    """``run`` as if only the builds ``keep`` had been run (``--builds``)."""
    run["builds"] = list(keep)
    for s in run["sizes"]:
        s["builds"] = {k: b for k, b in s["builds"].items() if k in keep}
    return run


# --------------------------------------------------------------------------- goals from fixed numbers


def test_goals_of_a_run_of_every_size():
    assert [(g["measured"], g["ratio_text"], g["met"]) for g in goals(_run(1000, 10000, 100000))] == [
        ("2,100 MB (clean, `--jobs 2`)", "1.03", False),
        ("1,000: 25.0, 10,000: 34.5, 100,000: 33.9 docs/s", "0.98", True),
        ("1,000: 3.5 s after 14.0 s (0.25); 10,000: 35.0 s after 140.0 s (0.25); "
         "100,000: 400.0 s after 1,400.0 s (0.29)", "0.29", False),
        ("1,000: 60.0 s / 40.0 s = 1.50x; 10,000: 500.0 s / 290.0 s = 1.72x; "
         "100,000: 5,000.0 s / 2,950.0 s = 1.69x", "1.50x", False),
        ("14.0 s against 290.0 s", "0.048", True),
    ]
    g = goals(_run(1000, 10000, 100000))
    assert [x["goal"] for x in g] == [
        "peak memory under 2 GB (2,048 MB) at 100,000 documents",
        "documents/s at 100,000 documents at least 90% of the best size's (clean, `--jobs 2`)",
        "the stages after extraction add at most 25% to extraction's time (clean, `--jobs 1`; every stage but "
        "read and extract)",
        "`--jobs 2` at least 1.7x `--jobs 1` (wall time of the clean builds)",
        "adding one document to a 10,000-document build takes under 5% of a clean build (wall time, `--jobs 2`)",
    ]
    assert g[0]["ratio"] == 2100 / 2048 and g[3]["ratio"] == 1.5 and g[4]["ratio"] == 14 / 290


def test_goals_whose_size_is_not_in_the_run_are_not_judged():
    small = goals(_run(1000, 10000))
    assert [(g["measured"], g["ratio"], g["met"]) for g in small] == [
        ("not measured in this run; at 10,000: 1,200 MB", None, None),
        ("100,000 not measured in this run (1,000: 25.0, 10,000: 34.5 docs/s)", None, None),
        ("1,000: 3.5 s after 14.0 s (0.25); 10,000: 35.0 s after 140.0 s (0.25)", 0.25, True),
        ("1,000: 60.0 s / 40.0 s = 1.50x; 10,000: 500.0 s / 290.0 s = 1.72x", 1.5, False),
        ("14.0 s against 290.0 s", 14 / 290, True),
    ]
    large = goals(_run(100000))
    assert [(g["measured"], g["met"]) for g in large][:2] == [
        ("2,100 MB (clean, `--jobs 2`)", False), ("only one size in this run (100,000: 33.9 docs/s)", None)]
    assert (large[4]["measured"], large[4]["met"]) == ("10,000 not measured in this run (100,000: 0.03)", None)


def test_after_extraction_is_every_stage_but_read_and_extract_whatever_they_are_called():
    run = _run(1000)
    run["sizes"][0]["builds"]["clean_jobs1"]["stages"] = {"read": 9.0, "extract": 10.0, "spool": 1.0, "load": 1.5}
    assert goals(run)[2]["measured"] == "1,000: 2.5 s after 10.0 s (0.25)"
    run["sizes"][0]["builds"]["clean_jobs1"]["stages"] = {"read": 9.0, "parse": 10.0}
    assert (goals(run)[2]["measured"], goals(run)[2]["met"]) == ("1,000: no 'extract' stage in the build's summary", None)


def test_goals_of_a_partial_run_say_which_builds_were_not_run():
    def seen(run):
        return [(g["measured"], g["ratio_text"], g["met"]) for g in goals(run)]

    assert seen(_partial(_run(1000, 10000, 100000), "clean_jobs2", "added")) == [
        ("2,100 MB (clean, `--jobs 2`)", "1.03", False),
        ("1,000: 25.0, 10,000: 34.5, 100,000: 33.9 docs/s", "0.98", True),
        ("not measured in this run (clean, `--jobs 1`)", "", None),
        ("not measured in this run (clean, `--jobs 1`)", "", None),
        ("14.0 s against 290.0 s", "0.048", True),
    ]
    large = goals(_partial(_run(100000), "clean_jobs2", "added"))  # what make bench-large runs
    assert [(g["measured"], g["ratio"], g["met"]) for g in large] == [
        ("2,100 MB (clean, `--jobs 2`)", 2100 / 2048, False),
        ("only one size in this run (100,000: 33.9 docs/s)", None, None),
        ("not measured in this run (clean, `--jobs 1`)", None, None),
        ("not measured in this run (clean, `--jobs 1`)", None, None),
        ("10,000 not measured in this run (100,000: 0.03)", None, None),
    ]
    assert seen(_partial(_run(1000, 10000), "clean_jobs1")) == [
        ("not measured in this run; at 10,000: 800 MB", "", None),
        ("not measured in this run (clean, `--jobs 2`)", "", None),
        ("1,000: 3.5 s after 14.0 s (0.25); 10,000: 35.0 s after 140.0 s (0.25)", "0.25", True),
        ("not measured in this run (clean, `--jobs 2`)", "", None),
        ("not measured in this run (clean, `--jobs 2`; one document added, `--jobs 2`)", "", None),
    ]
    assert seen(_partial(_run(10000), "clean_jobs2"))[2:] == [
        ("not measured in this run (clean, `--jobs 1`)", "", None),
        ("not measured in this run (clean, `--jobs 1`)", "", None),
        ("not measured in this run (one document added, `--jobs 2`)", "", None),
    ]
    assert goals(_partial(_run(1000, 10000), *incremental.NAMES)) == goals(_run(1000, 10000))


# --------------------------------------------------------------------------- Markdown and the doc's section


def test_markdown_of_a_run():
    assert markdown(_run(1000)) == (
        "<!-- whole-build run: 1000 -->\n"
        "### `kg build` of 1,000 generated documents\n"
        "\n"
        "*Run started 2026-11-28 10:00, 1.5 min in all; commit abc1234; 2 cores (Test CPU), 23.5 GiB RAM, Python 3.11.7; "
        "load average 0.1 at the start, 1.9 at the end. Times in seconds; each build is one `kg build` process.*\n"
        "\n"
        "| documents | build | read | extract | merge and RDF | validate | write | after extraction | wall | docs/s | "
        "peak MB | all processes MB |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        "| 1,000 | clean, `--jobs 1` | 0.50 | 14.0 | 2.00 | 1.00 | 0.50 | 3.50 | 60.0 | 16.7 | 800 | - |\n"
        "| 1,000 | clean, `--jobs 2` | 0.50 | 14.0 | 2.00 | 1.00 | 0.50 | 3.50 | 40.0 | 25.0 | 800 | 1,200 |\n"
        "| 1,001 | one document added, `--jobs 2` | 0.50 | 14.0 | 2.00 | 1.00 | 0.50 | 3.50 | 4.00 | 250.2 | 800 | - |\n"
        "\n"
        "| goal | measured | ratio | result |\n"
        "|---|---|---:|---|\n"
        "| peak memory under 2 GB (2,048 MB) at 100,000 documents | not measured in this run; at 1,000: 1,200 MB |  | n/a |\n"
        "| documents/s at 100,000 documents at least 90% of the best size's (clean, `--jobs 2`) | "
        "100,000 not measured in this run (1,000: 25.0 docs/s) |  | n/a |\n"
        "| the stages after extraction add at most 25% to extraction's time (clean, `--jobs 1`; every stage but read "
        "and extract) | 1,000: 3.5 s after 14.0 s (0.25) | 0.25 | met |\n"
        "| `--jobs 2` at least 1.7x `--jobs 1` (wall time of the clean builds) | 1,000: 60.0 s / 40.0 s = 1.50x | "
        "1.50x | **not met** |\n"
        "| adding one document to a 10,000-document build takes under 5% of a clean build (wall time, `--jobs 2`) | "
        "10,000 not measured in this run (1,000: 0.10) |  | n/a |\n")


def test_markdown_of_a_partial_run_has_only_its_builds():
    assert markdown(_partial(_run(1000), "clean_jobs2", "added")) == (
        "<!-- whole-build run: 1000 -->\n"
        "### `kg build` of 1,000 generated documents\n"
        "\n"
        "*Run started 2026-11-28 10:00, 1.5 min in all; commit abc1234; 2 cores (Test CPU), 23.5 GiB RAM, Python 3.11.7; "
        "load average 0.1 at the start, 1.9 at the end. Only some builds were run: `--builds clean_jobs2,added`. "
        "Times in seconds; each build is one `kg build` process.*\n"
        "\n"
        "| documents | build | read | extract | merge and RDF | validate | write | after extraction | wall | docs/s | "
        "peak MB | all processes MB |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        "| 1,000 | clean, `--jobs 2` | 0.50 | 14.0 | 2.00 | 1.00 | 0.50 | 3.50 | 40.0 | 25.0 | 800 | 1,200 |\n"
        "| 1,001 | one document added, `--jobs 2` | 0.50 | 14.0 | 2.00 | 1.00 | 0.50 | 3.50 | 4.00 | 250.2 | 800 | - |\n"
        "\n"
        "| goal | measured | ratio | result |\n"
        "|---|---|---:|---|\n"
        "| peak memory under 2 GB (2,048 MB) at 100,000 documents | not measured in this run; at 1,000: 1,200 MB |  | n/a |\n"
        "| documents/s at 100,000 documents at least 90% of the best size's (clean, `--jobs 2`) | "
        "100,000 not measured in this run (1,000: 25.0 docs/s) |  | n/a |\n"
        "| the stages after extraction add at most 25% to extraction's time (clean, `--jobs 1`; every stage but read "
        "and extract) | not measured in this run (clean, `--jobs 1`) |  | n/a |\n"
        "| `--jobs 2` at least 1.7x `--jobs 1` (wall time of the clean builds) | "
        "not measured in this run (clean, `--jobs 1`) |  | n/a |\n"
        "| adding one document to a 10,000-document build takes under 5% of a clean build (wall time, `--jobs 2`) | "
        "10,000 not measured in this run (1,000: 0.10) |  | n/a |\n")
    # a full run renders the same whether it records its builds (today) or not (runs written before)
    assert markdown(_partial(_run(1000, 10000), *incremental.NAMES)) == markdown(_run(1000, 10000))


def test_the_section_keeps_runs_of_other_sizes_and_replaces_a_run_of_the_same_sizes():
    large = render_section(DOC, _run(100000))
    assert large.startswith("# Perf\n\nkept before\n" + BEGIN + "\n\n<!-- whole-build run: 100000 -->\n")
    assert large.endswith("\n" + END + "\n\nkept after\n") and "No run written yet" not in large
    both = render_section(large, _run(1000, 10000))
    assert [line for line in both.splitlines() if line.startswith("<!-- whole-build run:")] == [
        "<!-- whole-build run: 1000 10000 -->", "<!-- whole-build run: 100000 -->"]
    assert both == ("# Perf\n\nkept before\n" + BEGIN + "\n\n" + markdown(_run(1000, 10000)) + "\n"
                    + markdown(_run(100000)) + "\n" + END + "\n\nkept after\n")
    again = _run(1000, 10000)
    again["started"] = "2026-12-01 09:00"
    replaced = render_section(both, again)
    assert replaced.count("<!-- whole-build run: 1000 10000 -->") == 1 and "2026-12-01 09:00" in replaced
    assert replaced.count("Run started 2026-11-28 10:00") == 1  # the 100,000 run's, kept
    assert render_section(replaced, again) == replaced


def test_the_performance_doc_has_the_section():
    check_doc(ROOT / "docs" / "performance.md")
    text = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    assert text.count(BEGIN + "\n") == 1 and text.count(END + "\n") == 1


# --------------------------------------------------------------------------- the command


def test_stages_are_read_whatever_they_are_called():
    assert parse_stages("x\nstages: read 0.10 s, spool quads 2.00 s, load 3 s\n") == {
        "read": 0.1, "spool quads": 2.0, "load": 3.0}
    with pytest.raises(BuildFailed, match="^kg build printed no 'stages:' line$"):
        parse_stages("Built out/kg.ttl\n")
    with pytest.raises(BuildFailed, match="^kg build printed a stage this benchmark cannot read: 'read quickly'$"):
        parse_stages("stages: read quickly, extract 1.00 s\n")


def test_a_run_of_two_sizes_writes_the_json_and_the_doc_and_removes_its_folder(tmp_path, capsys):
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    out.mkdir()
    (out / "perf.md").write_text(DOC, encoding="utf-8")
    assert main(["--docs", "6", "--docs", "3", "--work-dir", str(work), "--json", str(out / "r.json"),
                 "--markdown-into", str(out / "perf.md")]) == 0
    assert list(work.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == ["perf.md", "r.json"]
    run = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert sorted(run) == ["builds", "goals", "machine", "seed", "sizes", "started", "total_s"]
    assert run["builds"] == ["clean_jobs1", "clean_jobs2", "added"]
    assert [s["documents"] for s in run["sizes"]] == [3, 6]
    for s in run["sizes"]:
        assert list(s["builds"]) == ["clean_jobs1", "clean_jobs2", "added"]
        assert [b["documents"] for b in s["builds"].values()] == [s["documents"]] * 2 + [s["documents"] + 1]
        for b in s["builds"].values():
            assert sorted(b) == ["documents", "maxrss_mb", "stages", "tree_mb", "wall_s"]
            assert list(b["stages"])[:2] == ["read", "extract"] and len(b["stages"]) >= 4
            assert b["wall_s"] > sum(b["stages"].values()) and b["maxrss_mb"] > 50 and b["tree_mb"] > 50
    assert [g["met"] for g in run["goals"]][:2] == [None, None] and run["goals"][4]["met"] is None
    assert run["goals"] == goals(run) and run["machine"]["nproc"] >= 1 and run["machine"]["commit"]
    stdout = capsys.readouterr().out
    assert stdout == markdown(run) + f"wrote {out / 'perf.md'}\n"
    doc = (out / "perf.md").read_text(encoding="utf-8")
    assert doc == "# Perf\n\nkept before\n" + BEGIN + "\n\n" + markdown(run) + "\n" + END + "\n\nkept after\n"
    names = list(run["sizes"][0]["builds"]["clean_jobs1"]["stages"])
    assert "| documents | build | " + " | ".join(names) + " | after extraction | wall |" in doc


def test_a_failed_build_stops_the_run_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(incremental, "KG", [sys.executable, "-c", "import sys; sys.exit('error: no luck')"])
    assert main(["--docs", "2", "--work-dir", str(tmp_path), "--json", str(tmp_path / "r.json")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == ["2 documents: generating ...", "2 documents: kg build --jobs 1 --no-cache ..."]
    assert len(err) == 3 and err[2].startswith("error: kg build --jobs 1 --no-cache of ")
    assert err[2].endswith("/generated/corpus failed (exit 1): error: no luck")
    assert list(tmp_path.iterdir()) == []  # no temporary folder, no results file


def test_builds_runs_only_the_builds_named(tmp_path, capsys, monkeypatch):
    calls = []

    def fake_build(corpus, out, *extra, logs):
        calls.append((out.relative_to(work).as_posix(), list(extra), logs.name, (corpus / "zz-added.md").exists()))
        return {"wall_s": 2.0, "stages": {"read": 0.1, "extract": 1.0, "write": 0.2}, "maxrss_mb": 500.0,
                "tree_mb": 600.0}

    monkeypatch.setattr(incremental, "run_build", fake_build)
    work, results = tmp_path / "work", tmp_path / "r.json"
    work.mkdir()
    assert main(["--docs", "3", "--builds", "added,clean_jobs2", "--work-dir", str(work), "--json", str(results)]) == 0
    tmp = calls[0][0].split("/")[0]
    assert calls == [(f"{tmp}/b/kg.ttl", ["--jobs", "2", "--no-cache"], "clean_jobs2", False),
                     (f"{tmp}/b/kg.ttl", ["--jobs", "2"], "added", True)]
    assert capsys.readouterr().err.splitlines() == [
        "3 documents: generating ...",
        "3 documents: kg build --jobs 2 --no-cache ...", "3 documents: kg build --jobs 2 --no-cache: 2.0 s, 500 MB",
        "3 documents: kg build --jobs 2 ...", "3 documents: kg build --jobs 2: 2.0 s, 500 MB"]
    run = json.loads(results.read_text(encoding="utf-8"))
    assert run["builds"] == ["clean_jobs2", "added"] and list(work.iterdir()) == []
    assert [(list(s["builds"]), [b["documents"] for b in s["builds"].values()]) for s in run["sizes"]] == [
        (["clean_jobs2", "added"], [3, 4])]
    assert [g["measured"] for g in run["goals"]][2:4] == ["not measured in this run (clean, `--jobs 1`)"] * 2


@pytest.mark.parametrize("builds, message", [
    ("added", "--builds: added reuses the cache of clean_jobs2: name clean_jobs2 too"),
    ("clean_jobs1,added", "--builds: added reuses the cache of clean_jobs2: name clean_jobs2 too"),
    ("clean_jobs2,clean_jobs3", "--builds: no build is called 'clean_jobs3' (the builds: clean_jobs1, clean_jobs2, "
                                "added)"),
    ("", "--builds: no build is called '' (the builds: clean_jobs1, clean_jobs2, added)"),
])
def test_builds_are_refused_before_any_work(tmp_path, capsys, builds, message):
    assert main(["--docs", "3", "--builds", builds, "--work-dir", str(tmp_path), "--json", str(tmp_path / "r.json")]) == 2
    assert capsys.readouterr() == ("", f"error: {message}\n")
    assert list(tmp_path.iterdir()) == []
    results = tmp_path / "r.json"
    results.write_text(json.dumps(_run(1000)), encoding="utf-8")
    assert main(["--from-json", str(results), "--builds", "clean_jobs2"]) == 2
    assert capsys.readouterr() == ("", "error: --from-json takes the run from the file: give no --builds\n")


def test_bad_files_are_refused_before_any_work(tmp_path, capsys):
    notes = tmp_path / "notes.md"
    notes.write_text("# Hand-written\n", encoding="utf-8")
    results = tmp_path / "r.json"
    results.write_text(json.dumps(_run(1000)), encoding="utf-8")
    assert main(["--from-json", str(results), "--markdown-into", str(notes)]) == 2
    assert capsys.readouterr().err == (f"error: {notes}: expected one '<!-- BEGIN whole-build' line and, after it, "
                                       "one '<!-- END whole-build' line (found 0 and 0); benchmarks.incremental "
                                       "writes only between them\n")
    assert notes.read_text(encoding="utf-8") == "# Hand-written\n"
    bad = tmp_path / "bad.json"
    bad.write_text("[1]", encoding="utf-8")
    assert main(["--from-json", str(bad)]) == 2
    assert capsys.readouterr().err == f"error: {bad}: not a results file of benchmarks.incremental (no 'sizes' list)\n"
    assert main(["--docs", "3", "--work-dir", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'nowhere'}: --work-dir names no folder\n"


def test_from_json_writes_the_doc_without_measuring(tmp_path, capsys):
    results, doc = tmp_path / "r.json", tmp_path / "perf.md"
    results.write_text(json.dumps(_run(1000, 10000)), encoding="utf-8")
    doc.write_text(DOC, encoding="utf-8")
    assert main(["--from-json", str(results), "--markdown-into", str(doc)]) == 0
    assert capsys.readouterr().out == markdown(_run(1000, 10000)) + f"wrote {doc}\n"
    assert doc.read_text(encoding="utf-8") == render_section(DOC, _run(1000, 10000))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["perf.md", "r.json"]  # no temporary file left


@pytest.mark.parametrize("module", ["benchmarks.incremental", "benchmarks.incremental_doc"])
def test_module_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted >= 2 and result.failed == 0, result
