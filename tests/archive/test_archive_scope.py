"""Who may write, see and export what in the growth archive."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.archive.conftest import PASSPHRASE
from xadesk.archive import transfer
from xadesk.archive.document import view_archive
from xadesk.errors import PermissionDenied, UserError
from xadesk.services import records
from xadesk.storage.models import AuditEntry


@pytest.fixture
def homeroom(school_a):
    ctx = school_a.school.as_user("bzr")  # homeroom teacher of 七年级(1)班: 林一鸣, 苏晓雨
    yield ctx
    ctx.close()


def test_a_homeroom_teacher_writes_for_their_own_class_only(school_a, homeroom):
    lin, he = school_a.ids["林一鸣"], school_a.ids["贺子轩"]
    row = records.add_observation(homeroom, lin, category="peer", text="和同桌发生争执。")
    assert row.author_name == "班主任甲" and row.severity == "info"
    records.add_home_visit(homeroom, lin, day=date.today(), visitors="班主任甲", present="父亲", findings="家庭和睦。")
    with pytest.raises(PermissionDenied):
        records.add_observation(homeroom, he, category="peer", text="不是我的班。")
    with pytest.raises(PermissionDenied):
        records.add_home_visit(homeroom, he, day=date.today(), visitors="甲", present="乙", findings="丙")
    with pytest.raises(PermissionDenied):
        records.add_counselling(homeroom, lin, text="班主任不能写辅导记录。")


def test_a_homeroom_teacher_sees_that_a_session_happened_not_what_was_said(school_a, homeroom):
    lin = school_a.ids["林一鸣"]
    rows = records.list_records(homeroom, lin)
    session = next(r for r in rows if r.kind == "counselling")
    assert session.redacted and session.text is None and session.occurred_on == date(2025, 11, 20)
    doc = view_archive(homeroom, lin)
    c = next(r for r in doc["records"] if r["kind"] == "counselling")
    assert c["text"] is None and c["redacted"]
    assert "自述考试焦虑" not in str(doc) and doc["consents"] == []
    # The counselor reads it.
    assert any(r.text == "自述考试焦虑，睡眠不好。" for r in records.list_records(school_a.counselor, lin))


def test_a_homeroom_teacher_cannot_view_or_export_another_class(school_a, homeroom, tmp_path):
    he = school_a.ids["贺子轩"]
    with pytest.raises(PermissionDenied):
        view_archive(homeroom, he)
    with pytest.raises(PermissionDenied):
        records.list_records(homeroom, he)
    with pytest.raises(PermissionDenied):
        transfer.export_student(homeroom, school_a.ids["林一鸣"], tmp_path / "x.xadx", passphrase=PASSPHRASE)
    with pytest.raises(PermissionDenied):
        transfer.export_batch(homeroom, [school_a.ids["林一鸣"]], tmp_path / "dir", passphrase=PASSPHRASE)
    assert not (tmp_path / "x.xadx").exists() and not (tmp_path / "dir").exists()


def test_views_and_exports_are_audited(school_a, tmp_path):
    lin = school_a.ids["林一鸣"]
    view_archive(school_a.counselor, lin)
    transfer.export_student(school_a.counselor, lin, tmp_path / "x.xadx", passphrase=PASSPHRASE)
    with school_a.counselor.db.read() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.student_id == lin))]
        details = [e.detail or "" for e in s.scalars(select(AuditEntry).where(AuditEntry.student_id == lin))]
    assert "archive.view" in actions and "archive.export" in actions and "record.add" in actions
    assert not any("焦虑" in d or "独处" in d for d in details)  # the log is not a copy of the archive


def test_bad_input_is_refused_in_chinese(school_a):
    lin = school_a.ids["林一鸣"]
    with pytest.raises(UserError, match="观察类别"):
        records.add_observation(school_a.counselor, lin, category="心情不好", text="x")
    with pytest.raises(UserError, match="请填写观察内容"):
        records.add_observation(school_a.counselor, lin, category="情绪", text="   ")
    with pytest.raises(UserError, match="在今天之后"):
        records.add_strength(school_a.counselor, lin, text="x", day=date(2030, 1, 1))


def test_home_visit_coverage_per_class(school_a, homeroom):
    label, before = records.home_visit_coverage(homeroom, school_year="2025-2026")
    assert label == "2025-2026"
    assert [(c.class_label, c.students, c.visited) for c in before] == [("七年级(1)班", 2, 1)]
    assert [name for _, name in before[0].not_visited] == ["苏晓雨"]
    _, whole = records.home_visit_coverage(school_a.counselor, school_year="2025-2026")
    assert [(c.class_label, c.visited, c.students) for c in whole] == \
           [("七年级(1)班", 1, 2), ("七年级(2)班", 0, 2), ("八年级(1)班", 0, 2)]
    _, other_year = records.home_visit_coverage(homeroom, school_year="2024-2025")
    assert other_year[0].visited == 0  # 林一鸣's visit on 2025-11-02 counts for 2025-2026 only
