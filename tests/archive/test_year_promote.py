"""Year end: preview, promotion in one transaction, graduates queued for archive export, homeroom
teachers following their classes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.archive.conftest import PASSPHRASE
from xadesk.archive import transfer
from xadesk.archive.document import view_archive
from xadesk.errors import PermissionDenied, UserError
from xadesk.services import roster, year_end
from xadesk.services.login import now_utc
from xadesk.storage.models import SchoolClass, SchoolYear, Student


@pytest.fixture
def school(small_school):
    """The small school plus a graduating 九年级(1)班 with one student."""
    with small_school.admin.db.write() as s:
        c = SchoolClass(grade_code="J3", number=1, active=True)
        s.add(c)
        s.flush()
        st = Student(student_no="G610113201101010017", name="毕业生甲", sex="M", birth_date=date(2011, 1, 1),
                     class_id=c.id, status="enrolled", created_at=now_utc(), updated_at=now_utc())
        s.add(st)
        s.flush()
        small_school.student_ids["毕业生甲"] = st.id
        year = s.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        small_school.summer = date(year.end_date.year, 7, 15)
    return small_school


def _classes(ctx):
    with ctx.db.read() as s:
        return sorted((c.id, c.grade_code, c.number, c.active) for c in s.scalars(select(SchoolClass)))


def test_preview_writes_nothing(school):
    before = _classes(school.admin)
    plan = year_end.promote(school.admin, dry_run=True, today=school.summer)
    assert [(m.from_label, m.to_label, m.students) for m in plan.moves] == [
        ("七年级(1)班", "八年级(1)班", 2), ("七年级(2)班", "八年级(2)班", 2), ("八年级(1)班", "九年级(1)班", 2),
        ("九年级(1)班", None, 1)]
    assert [g.name for g in plan.graduates] == ["毕业生甲"]
    assert "七年级" in "".join(plan.grade_leaders)
    assert "1 个班毕业" in plan.summary()
    assert _classes(school.admin) == before


def test_promotion_moves_classes_graduates_and_keeps_homeroom_teachers(school, tmp_path):
    bzr_before = school.as_user("bzr")
    seen_before = {r.name for r in roster.list_students(bzr_before)}
    bzr_before.close()
    plan = year_end.promote(school.admin, today=school.summer)
    assert plan.done
    with school.admin.db.read() as s:
        years = {y.label: y.is_current for y in s.scalars(select(SchoolYear))}
        assert years == {plan.from_year: False, plan.to_year: True}
        new_year = s.scalar(select(SchoolYear).where(SchoolYear.label == plan.to_year))
        assert [sem.number for sem in new_year.semesters] == [1, 2]
        grad = s.get(Student, school.student_ids["毕业生甲"])
        assert grad.status == "graduated" and not grad.school_class.active
    labels = {c.label for g in roster.class_tree(school.admin) for c in g.classes}
    assert labels == {"八年级(1)班", "八年级(2)班", "九年级(1)班"}
    # The homeroom teacher of 七年级(1)班 now has 八年级(1)班: same class, same students.
    bzr = school.as_user("bzr")
    rows = roster.list_students(bzr)
    assert {r.name for r in rows} == seen_before and {r.class_label for r in rows} == {"八年级(1)班"}
    bzr.close()
    # The graduate waits in the export queue until their archive is exported.
    counselor = school.as_user("xinli")
    assert [g.name for g in year_end.export_queue(counselor)] == ["毕业生甲"]
    doc = view_archive(counselor, school.student_ids["毕业生甲"])
    assert [(h["school_year"], h["grade"]) for h in doc["class_history"]] == [(plan.from_year, "九年级")]
    transfer.export_batch(counselor, [g.student_id for g in year_end.export_queue(counselor)], tmp_path / "grads",
                          passphrase=PASSPHRASE)
    assert year_end.export_queue(counselor) == []
    counselor.close()


def test_promotion_is_refused_mid_year_and_not_repeated(school):
    with pytest.raises(UserError, match="还不能升级"):
        year_end.promote(school.admin, today=date(school.summer.year, 3, 1))
    year_end.promote(school.admin, today=school.summer)
    with pytest.raises(UserError, match="还不能升级"):
        year_end.promote(school.admin, today=school.summer)  # a second run by mistake


def test_only_administrators_promote(school):
    counselor = school.as_user("xinli")
    with pytest.raises(PermissionDenied):
        year_end.promote(counselor, today=school.summer)
    counselor.close()


def _plan_as_before(s, today):
    """The preview as ``_plan`` read it before issue 15 (kept as the reference): every enrolled
    student's class id counted in Python, one query of Student objects per graduating class."""
    from xadesk.domain.grades import class_label, next_grade
    from xadesk.services.roster import grade_sort_key

    classes = sorted(s.scalars(select(SchoolClass).where(SchoolClass.active.is_(True))),
                     key=lambda c: (grade_sort_key(c.grade_code), c.number))
    counts: dict[int, int] = {}
    for (cid,) in s.execute(select(Student.class_id).where(Student.status == "enrolled")):
        if cid is not None:
            counts[cid] = counts.get(cid, 0) + 1
    moves, graduates = [], []
    for c in classes:
        to = next_grade(c.grade_code)
        moves.append((c.id, class_label(c.grade_code, c.number), class_label(to, c.number) if to else None,
                      counts.get(c.id, 0)))
        if to is None:
            for st in s.scalars(select(Student).where(Student.class_id == c.id, Student.status == "enrolled")
                                .order_by(Student.student_no)):
                graduates.append((st.id, st.student_no, st.name, class_label(c.grade_code, c.number)))
    return moves, graduates


def test_preview_equals_the_former_per_class_reads(school):
    with school.admin.db.write() as s:   # two graduating classes, leavers out of order, one 转出, one without class
        c2 = SchoolClass(grade_code="J3", number=2, active=True)
        s.add(c2)
        s.flush()
        j31 = s.scalar(select(SchoolClass.id).where(SchoolClass.grade_code == "J3", SchoolClass.number == 1))
        for k, (no, cid, status) in enumerate([("G610113201101010099", c2.id, "enrolled"),
                                               ("G610113201101010025", c2.id, "enrolled"),
                                               ("G610113201101010033", j31, "transferred_out"),
                                               ("G610113201101010041", j31, "enrolled"),
                                               ("G610113201101010058", None, "enrolled")]):
            s.add(Student(student_no=no, name=f"学生{k}", sex="F", birth_date=date(2011, 2, 1), class_id=cid,
                          status=status, created_at=now_utc(), updated_at=now_utc()))
    plan = year_end.preview_promotion(school.admin, today=school.summer)
    with school.admin.db.read() as s:
        moves, graduates = _plan_as_before(s, school.summer)
    assert [(m.class_id, m.from_label, m.to_label, m.students) for m in plan.moves] == moves
    assert [(g.student_id, g.student_no, g.name, g.class_label) for g in plan.graduates] == graduates
    assert len(graduates) == 4 and {g[3] for g in graduates} == {"九年级(1)班", "九年级(2)班"}
