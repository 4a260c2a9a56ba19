"""The benchmarks' own plumbing (no timing is asserted): the end-to-end scoring case and the decade
school run and report the shapes README and the closing note rely on."""

from __future__ import annotations

import json

import pytest

from xadesk.bench.scoring import end_to_end, write_scl90_file
from xadesk.cli.main import main
from xadesk.services.login import login


def test_synthetic_scl90_file_is_an_answer_file_xadesk_score_reads(tmp_path, capsys):
    path = tmp_path / "scl90.csv"
    write_scl90_file(path, 250)
    assert main(["score", "--instrument", "scl90", str(path), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 251 and lines[0].startswith("id,valid,somatization_raw")


def test_end_to_end_case_reports_ratios_and_child_memory():
    e = end_to_end(300, 1)
    assert e["rows"] == 300 and e["score_csv_ratio"] > 0 and e["score_json_ratio"] > 0
    assert 0 < e["score_csv_peak_rss_mb"] < 2000 and set(e["cpu_ratio"]) == {"score_csv", "score_json"}


@pytest.mark.slow
def test_decade_bench_builds_measures_and_reuses_its_cache(tmp_path, capsys):
    argv = ["bench", "decade", "--years", "2", "--students", "60", "--repeat", "2", "--cache", str(tmp_path), "--json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["years"] == 2 and first["db_mb"] > 0 and first["rss_mb"] > 0 and first["build_seconds"] is not None
    steps = first["steps"]
    assert {"login_first_screen", "roster_page", "grid_tree", "grid_list", "review_queue", "student_archive",
            "campaign_results_load", "campaign_results_sort_page", "campaign_results_search_page",
            "promotion_preview", "backup", "audit_verify"} <= set(steps)
    assert all({"p50_ms", "p95_ms", "interactive"} <= set(v) for v in steps.values())
    assert steps["roster_page"]["interactive"] and not steps["backup"]["interactive"]
    assert steps["audit_verify"]["ok"] and steps["audit_verify"]["entries"] > 0   # the generated chain verifies
    assert set(first["growth"]) == {"1", "2"} and not list(tmp_path.glob("decade-*/transfer-*"))
    # The school's years hold the grid's and the archive's work, not only campaigns (issue 15).
    ctx = login(next(tmp_path.glob("decade-*/decade.xadesk")), "admin", "bench-decade-1")
    try:
        with ctx.db.read() as s:
            counts = {q: s.connection().exec_driver_sql(f"SELECT count(*) FROM {q}").scalar() for q in
                      ("grid_decision", "grid_follow_up", "grid_crisis", "archive_import",
                       "archive_record WHERE kind = 'home_visit'", "student WHERE status = 'transferred_out'")}
            enrolled = s.connection().exec_driver_sql("SELECT count(*) FROM student WHERE status = 'enrolled'").scalar()
            listed = s.connection().exec_driver_sql("SELECT count(DISTINCT student_id) FROM grid_case").scalar()
    finally:
        ctx.close()
    assert all(n > 0 for n in counts.values()), counts
    assert listed < enrolled / 2   # a screening flags a minority, not most of the school
    assert enrolled >= 55          # two intakes (七年级, 高一) a year: the roll does not shrink
    assert main(argv) == 0                                  # the second run measures the cached school
    again = json.loads(capsys.readouterr().out)
    assert again["build_seconds"] is None and set(again["steps"]) == set(steps)
