"""The load-test stage of `make bench` (benchmarks.run): its table, Markdown and goal from the
figures benchmarks.serve_load writes (the load itself runs in `make bench`, not here)."""

from __future__ import annotations

from benchmarks import run


def _figures(rps, p99, errors=0):
    m = {"requests": 100, "ok": 100 - errors, "errors": errors, "error_kinds": ["HTTP 503"] if errors else [],
         "seconds": 1.0, "rps": rps, "mean_ms": 5.0, "p50_ms": 4.0, "p90_ms": 6.0, "p99_ms": p99, "max_ms": p99 + 1,
         "answer_bytes": 358}
    return m


def _results(errors=0):
    entry = {"label": "corpus/", "documents": 2, "graph_mb": 0.1, "front_cost_ms": 3.0,
             "check": {"first_seen_ms": 4.0, "cached_ms": 0.05},
             "results": {"oxigraph": [_figures(4000.0, 3.0)], "kg serve": [_figures(1000.0, 18.0, errors)]},
             "rss_mb": {"oxigraph (direct)": 30.0, "kg serve (front)": 60.0, "kg serve (its oxigraph)": 31.0},
             "peak_mb": {"oxigraph (direct)": 32.0, "kg serve (front)": 61.0, "kg serve (its oxigraph)": 33.0}}
    return {"machine": {"nproc": 2, "cpu": "x", "ram": "1 GiB", "python": "3", "rdflib": "7", "pyoxigraph": "0.5",
                        "loadavg_at_start": [0.0]},
            "serve": {"clients": 8, "query": "memberships", "graphs": {"corpus": entry}}, "total_s": 60.0}


def test_serve_stage_is_in_the_table_markdown_and_goals(capsys):
    res = _results()
    res["goals"] = run.goals(res)
    [(goal, measured, met)] = res["goals"]
    assert met is True and "answers every request" in goal and "0 errors" in measured
    run.print_tables(res)
    out = capsys.readouterr().out
    assert "`kg serve` under load" in out
    assert "corpus/              kg serve       100      0  1,000.0      4.0     18.0     19.0       91 / 94" in out
    md = run.markdown(res)
    assert "| corpus/ | kg serve | 100 | 0 | 1,000.0 | 4.0 | 18.0 | 91 / 94 | about 1,200 req/s, p99 28 ms |" in md


def test_a_failed_request_under_load_fails_the_goal():
    res = _results(errors=3)
    [(_, measured, met)] = run.goals(res)
    assert met is False and "3 errors" in measured


def test_stages_option_is_checked():
    import pytest

    with pytest.raises(SystemExit):
        run.main(["--stages", "nonsense"])
