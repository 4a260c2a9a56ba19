"""The small registers behind plan figures: staff posts, training hours, lessons and activities."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.services.conftest import small_school  # noqa: F401  (fixture)
from xadesk.cli.main import main
from xadesk.errors import PermissionDenied, UserError
from xadesk.reports import plan_records as P
from xadesk.storage.models_reports import ReportTraining


@pytest.fixture
def counselor(small_school):  # noqa: F811
    ctx = small_school.as_user("xinli")
    yield ctx
    ctx.close()


def test_staff_training_and_activities(counselor):
    a = P.add_staff(counselor, "王老师", "专职")
    b = P.add_staff(counselor, "赵老师", "teacher")
    P.add_training(counselor, a.id, held_on=date(2026, 10, 1), hours=12, topic="危机干预")
    P.add_training(counselor, a.id, held_on=date(2026, 11, 1), hours="1.5", topic="沙盘")
    P.add_training(counselor, b.id, held_on=date(2025, 11, 1), hours=8, topic="去年")
    hours = {r.name: r.hours for r in P.list_staff(counselor, year="2026-2027")}
    assert hours == {"王老师": 13.5, "赵老师": 0.0}
    P.add_activity(counselor, "心理健康课", held_on=date(2026, 10, 8), title="认识情绪", class_="七年级(1)班")
    P.add_activity(counselor, "activity", held_on=date(2026, 10, 9), title="游园会", grade_code="七年级")
    rows = P.list_activities(counselor, year="2026-2027")
    assert [(r.kind_label, r.where) for r in rows] == [("心理健康课", "七年级(1)班"), ("主题教育活动", "七年级")]


@pytest.mark.parametrize("call, field", [
    (lambda c, sid: P.add_staff(c, "  ", "专职"), "name"),
    (lambda c, sid: P.add_staff(c, "王", "校长"), "post"),
    (lambda c, sid: P.add_training(c, sid, held_on=date(2026, 10, 1), hours="三", topic="x"), "hours"),
    (lambda c, sid: P.add_training(c, sid, held_on=date(2026, 10, 1), hours=-2, topic="x"), "hours"),
    (lambda c, sid: P.add_training(c, sid, held_on=date(2026, 10, 1), hours="nan", topic="x"), "hours"),
    (lambda c, sid: P.add_training(c, sid, held_on=date.today() + timedelta(days=3), hours=2, topic="x"), "日期"),
    (lambda c, sid: P.add_training(c, sid, held_on=date(2026, 10, 1), hours=2, topic=""), "topic"),
    (lambda c, sid: P.add_activity(c, "讲座", held_on=date(2026, 10, 1), title="x"), "kind"),
])
def test_bad_input_is_refused_by_field_and_changes_nothing(counselor, call, field):
    sid = P.add_staff(counselor, "王老师", "专职").id
    with pytest.raises(UserError) as exc:
        call(counselor, sid)
    assert exc.value.field == field
    with counselor.db.read() as s:
        assert s.query(ReportTraining).count() == 0
    assert [r.name for r in P.list_staff(counselor)] == ["王老师"]


def test_homeroom_teacher_cannot_record(small_school):  # noqa: F811
    bzr = small_school.as_user("bzr")
    try:
        with pytest.raises(PermissionDenied):
            P.add_staff(bzr, "王老师", "专职")
        with pytest.raises(PermissionDenied):
            P.list_staff(bzr)
    finally:
        bzr.close()


def test_cli(small_school, monkeypatch, capsys):  # noqa: F811
    from tests.services.conftest import STAFF_PASSWORD

    monkeypatch.setenv("XADESK_PASSWORD", STAFF_PASSWORD)
    base = ["--db", str(small_school.path), "--user", "xinli", "report"]
    assert main([*base, "staff", "add", "王老师", "--post", "专职"]) == 0
    assert main([*base, "training", "add", "--staff", "王老师", "--date", "2026-10-01", "--hours", "3",
                 "--topic", "培训"]) == 0
    assert main([*base, "training", "add", "--staff", "王老师", "--date", "2026-13-01", "--hours", "3",
                 "--topic", "培训"]) == 1
    assert "日期" in capsys.readouterr().err
    assert main([*base, "activity", "add", "--kind", "心理健康课", "--date", "2026-10-01", "--title", "课"]) == 0
    assert main([*base, "staff", "list", "--year", "2026-2027", "--json"]) == 0
    assert '"hours": 3.0' in capsys.readouterr().out
