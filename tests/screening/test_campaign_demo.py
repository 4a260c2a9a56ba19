"""The demo school's completed first-semester screening."""

from __future__ import annotations

from datetime import date

from xadesk.demo import DEMO_PASSWORD, build_demo
from xadesk.services.campaigns import coverage, list_campaigns
from xadesk.services.login import login
from xadesk.services.screening_answers import alerts
from xadesk.services.screening_results import band_summary, results


def test_demo_has_a_completed_screening(tmp_path):
    demo = build_demo(tmp_path / "demo.xadesk", today=date(2026, 11, 29))
    ctx = login(demo.path, "xinli", DEMO_PASSWORD)
    try:
        # Two school years, so trend charts have two points (issue 11): last year's and this year's.
        previous, c = sorted(list_campaigns(ctx), key=lambda x: x.school_year)
        assert previous.status == "closed" and previous.school_year == "2025-2026"
        assert {b.instrument_id for b in previous.battery} == {"phq9", "gad7", "scared"}
        assert c.status == "closed" and c.semester == 1 and c.school_year == "2026-2027"
        assert {b.instrument_id: b.grades for b in c.battery} == {
            "phq9": ("J1", "J2", "J3"), "gad7": ("J1", "J2", "J3"), "asq": ("J1", "J2", "J3"),
            "scared": ("P4", "P5", "P6")}
        cov = coverage(ctx, c.id).total
        assert cov.completed > 0.9 * cov.targets and cov.missing > 0 and cov.absent + cov.declined > 0
        rows = results(ctx, c.id)
        phq = [r.scales["total"].raw for r in rows if r.instrument_id == "phq9" and r.scales["total"].raw is not None]
        assert 2 <= sum(phq) / len(phq) <= 7                        # most students minimal or mild
        assert any(v >= 15 for v in phq)
        assert {r.class_label[:3] for r in rows if r.instrument_id == "scared"} == {"四年级", "五年级", "六年级"}
        assert 3 <= len(alerts(ctx)) <= 40
    finally:
        ctx.close()
    teacher = login(demo.path, "bzr701", DEMO_PASSWORD)
    try:
        assert {b.class_label for b in band_summary(teacher, c.id)} == {"七年级(1)班"}
    finally:
        teacher.close()
