"""Each indicator worked out by hand on the six-student fixture (see conftest.py for the rows)."""

from __future__ import annotations

import pytest

from tests.reports.conftest import TODAY
from xadesk.errors import PermissionDenied
from xadesk.reports.indicators import build_report


@pytest.fixture
def counselor(fx):
    ctx = fx.school.as_user("xinli")
    yield ctx
    ctx.close()


@pytest.fixture
def report(counselor):
    return build_report(counselor, year="2026-2027", today=TODAY)


def rows(table, counselor=True):
    return dict(zip(table.rows, table.display(counselor), strict=True))


def test_period_picks_the_years_general_campaign_and_the_one_before(report):
    assert report.campaign_name == "今年普查"
    assert report.previous_campaign_name == "去年普查"
    assert report.period_label == "2026-2027学年"


def test_screening_coverage_by_class(report):
    t = report.table("coverage")
    assert t.cols == ["已完成", "未完成", "未参加", "缺测", "拒测", "应测", "完成率"]
    r = rows(t)
    assert r["七年级(1)班"] == [2, 0, 0, 0, 0, 2, 1.0]
    assert r["七年级(2)班"] == [0, 1, 0, 1, 0, 2, 0.0]
    assert r["八年级(1)班"] == [0, 0, 1, 0, 1, 2, 0.0]
    assert r["合计"] == [2, 1, 1, 1, 1, 6, pytest.approx(1 / 3, abs=1e-4)]


def test_band_distribution_by_grade_and_sex(report):
    t = report.table("bands.phq9.total")
    assert t.cols[-1] == "合计" and len(t.cols) == 6
    r = rows(t)
    assert list(r) == ["七年级", "合计", "男", "女"]  # 八年级 has no score
    assert r["七年级"] == [1, 0, 1, 0, 0, 2]
    assert r["男"] == [1, 0, 0, 0, 0, 1]
    assert r["女"] == [0, 0, 1, 0, 0, 1]


def test_change_against_the_previous_campaign(report):
    r = rows(report.table("change"))
    minimal, mild, moderate = (next(v for k, v in r.items() if k.endswith(b)) for b in
                               ("无或极轻微", "· 轻度", "· 中度"))
    assert minimal == [0, 1, 1]
    assert mild == [2, 0, -2]
    assert moderate == [0, 1, 1]


def test_levels_at_the_end_of_the_period_and_over_time(report):
    r = rows(report.table("levels"))
    assert r["七年级"] == [0, 1, 0, 1, 2]
    assert r["八年级"] == [0, 0, 0, 0, 0]
    trend = rows(report.table("level_trend"))
    assert trend == {"2026年9月": [0, 0, 2, 1, 3], "2026年10月": [0, 1, 0, 1, 2], "2026年11月": [0, 1, 0, 1, 2]}
    assert report.headline["on_list"] == 2


def test_grid_activity(report):
    r = rows(report.table("grid_activity"))
    assert r["新增预警"] == [2]
    assert r["等级升高"] == [1]
    assert r["等级降低"] == [1]
    assert r["解除预警"] == [1]
    assert r["按时随访（人次）"] == [1]   # due 9/25 + 14 days = 10/9, seen 10/5
    assert r["逾期随访（人次）"] == [1]   # due 10/19, seen 10/25
    assert r["当前逾期未随访的学生"] == [1]
    assert r["危机事件"] == [1]
    assert report.headline["median_days_to_interview"] == 2.0  # 3 days and 1 day


def test_referrals_in_the_period_by_outcome(report):
    r = rows(report.table("referrals"))
    assert r["门诊治疗"] == [1]
    assert r["等待就诊/结果"] == [0]  # that referral was in the year before
    assert r["合计"] == [1]


def test_plan_per_class(report):
    r = rows(report.table("plan_classes"))
    assert r["七年级(1)班"] == [2, 2, 1.0, 2, 1.0, 1, 0.5, 2]
    assert r["七年级(2)班"] == [2, 2, 1.0, 0, 0.0, 0, 0.0, 1]
    assert r["八年级(1)班"] == [2, 0, 0.0, 0, 0.0, 0, 0.0, 0]


def test_plan_indicators(report):
    p = {x.id: x for x in report.plan}
    assert p["archive_rate"].value == pytest.approx(4 / 6, abs=1e-4)
    assert p["screening_rate"].value == pytest.approx(2 / 6, abs=1e-4)
    assert p["home_visit_rate"].value == pytest.approx(1 / 6, abs=1e-4)
    assert p["monitors_per_class"].value == 1.0 and p["monitors_per_class"].met is False
    assert p["monitor_trainings"].value == 1
    assert p["counselors_per_1000"].value == pytest.approx(166.67) and p["counselors_per_1000"].met
    assert p["training_hours"].value == 15.0  # (10 + 20) / 2 active staff; last year's 50 h not counted
    assert p["awareness"].value == pytest.approx(0.85) and p["awareness"].met is False
    assert p["lessons"].value == 1 and p["activities"].value == 1


def test_special_groups_and_their_follow_up(report):
    r = rows(report.table("special_groups"))
    assert r == {"留守儿童": [1, 1], "流动儿童": [1, 0]}  # the cleared 孤儿 tag is not counted


def test_a_leader_sees_small_counts_hidden_outside_whole_school_cells(fx):
    leader = fx.school.as_user("xz")
    try:
        report = build_report(leader, year="2026-2027", today=TODAY)
    finally:
        leader.close()
    r = rows(report.table("levels"), counselor=False)
    assert r["七年级"][1] == "<5" and r["七年级"][3] == "<5"
    # The whole school's total stays; its per-level cells would give 七年级 away (八年级 has nobody
    # on the list, so 七年级 *is* the school) and are hidden as complements.
    assert r["合计"][-1] == 2
    for t in report.tables:
        shown = t.display(False)
        for i, row in enumerate(t.values):
            for j, v in enumerate(row):
                if isinstance(v, int) and 1 <= v <= 4 and (i, j) not in t.exempt and (i, j) not in t.plain \
                        and t.counts and (i, j) not in t.rates:
                    assert shown[i][j] == "<5", (t.id, t.rows[i], t.cols[j])


def test_grade_leader_is_held_to_the_grade(fx):
    nj = fx.school.as_user("nj")
    try:
        report = build_report(nj, year="2026-2027", today=TODAY)
        assert report.scope_label == "七年级"
        assert set(rows(report.table("coverage"))) == {"七年级(1)班", "七年级(2)班", "合计"}
        # the grade is not the whole school: even its total is hidden
        assert rows(report.table("levels"), counselor=False)["合计"][1] == "<5"
        # the refusal says what the grade leader may see, not only "not allowed"
        with pytest.raises(PermissionDenied, match="只能查看本年级（七年级）"):
            build_report(nj, year="2026-2027", grade_code="八年级", today=TODAY)
        with pytest.raises(PermissionDenied, match="只能查看本年级（七年级）"):
            build_report(nj, year="2026-2027", class_="八年级(1)班", today=TODAY)
    finally:
        nj.close()


def test_homeroom_teacher_has_no_report(fx):
    bzr = fx.school.as_user("bzr")
    try:
        with pytest.raises(PermissionDenied):
            build_report(bzr, year="2026-2027", today=TODAY)
    finally:
        bzr.close()


def test_class_scope(counselor):
    report = build_report(counselor, year="2026-2027", class_="七年级(1)班", today=TODAY)
    assert report.scope_kind == "class"
    assert rows(report.table("coverage"))["七年级(1)班"][0] == 2
    assert rows(report.table("special_groups")) == {"留守儿童": [1, 1]}


def test_campaign_period(counselor, fx):
    report = build_report(counselor, campaign=fx.campaign_id, today=TODAY)
    assert report.period_label == "今年普查"
    assert report.previous_campaign_name == "去年普查"


def test_homeroom_band_counts_follow_the_same_rule(fx, counselor):
    from xadesk.services.screening_results import band_summary

    bzr = fx.school.as_user("bzr")
    try:
        seen = {(b.class_label, b.band): b.count for b in band_summary(bzr, fx.campaign_id)}
    finally:
        bzr.close()
    assert seen == {("七年级(1)班", "minimal"): "<5", ("七年级(1)班", "moderate"): "<5"}
    full = {(b.class_label, b.band): b.count for b in band_summary(counselor, fx.campaign_id)}
    assert full[("七年级(1)班", "moderate")] == 1


def test_the_headline_hides_what_the_tables_hide(fx):
    nj = fx.school.as_user("nj")
    try:
        report = build_report(nj, year="2026-2027", today=TODAY)
    finally:
        nj.close()
    h = report.headline
    for key in ("new", "raised", "lowered", "released", "on_time", "late", "overdue", "crises", "on_list",
                "screened", "screening_targets"):
        assert not (isinstance(h[key], int) and 1 <= h[key] <= 4), key
    assert h["crises"] == "<5"
