"""The roster page reads columns and open tags in two queries (issue 15, for speed): every field of
every row, with every filter and every scope, equals the former read of Student objects with their
classes and tags."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from xadesk.domain.grades import class_label
from xadesk.services import roster
from xadesk.services.roster import StudentRow, grade_label, grade_sort_key, list_students
from xadesk.storage.models import SchoolClass, Student


def _orm_list(ctx, *, grade=None, class_=None, status="enrolled", text=None) -> list[StudentRow]:
    """list_students as it was before issue 15."""
    from xadesk.domain.grades import parse_grade

    with ctx.db.read() as s:
        q = (select(Student).outerjoin(SchoolClass, Student.class_id == SchoolClass.id)
             .where(ctx.actor.student_filter())
             .options(selectinload(Student.school_class), selectinload(Student.tags)))
        if grade:
            q = q.where(SchoolClass.grade_code == parse_grade(grade))
        if class_:
            q = q.where(Student.class_id == roster.resolve_class(s, class_).id)
        if status:
            q = q.where(Student.status == status)
        if text:
            q = q.where(Student.name.like(f"%{text}%") | Student.student_no.like(f"%{text}%"))
        rows = []
        for st in s.scalars(q):
            cls = st.school_class
            rows.append(StudentRow(
                id=st.id, student_no=st.student_no, name=st.name, sex=st.sex, birth_date=st.birth_date,
                grade_code=cls.grade_code if cls else None, grade=grade_label(cls.grade_code) if cls else None,
                class_id=cls.id if cls else None,
                class_label=class_label(cls.grade_code, cls.number) if cls else None, status=st.status,
                boarding=st.boarding, tags=tuple(sorted({t.tag for t in st.tags if t.cleared_on is None}))))
    rows.sort(key=lambda r: (grade_sort_key(r.grade_code) if r.grade_code else 99, r.class_label or "",
                             r.student_no))
    return rows


def test_every_field_equals_the_orm_read(small_school):
    admin, ids = small_school.admin, small_school.student_ids
    tags = list(roster.TAG_LABELS)
    roster.set_tag(admin, ids["林一鸣"], tags[0], True, day=date(2026, 9, 1))
    roster.set_tag(admin, ids["林一鸣"], tags[1], True, day=date(2026, 9, 1))
    roster.set_tag(admin, ids["苏晓雨"], tags[0], True, day=date(2026, 9, 1))
    roster.set_tag(admin, ids["苏晓雨"], tags[0], False, day=date(2026, 10, 1))   # cleared: not shown
    roster.set_tag(admin, ids["任浩然"], tags[2], True, day=date(2026, 9, 1))
    roster.update_student(admin, ids["邵可欣"], status="transferred_out")
    roster.update_student(admin, ids["姚佳琪"], class_id=None)                      # no class
    cases = [{}, {"status": None}, {"grade": "七年级"}, {"class_": "七年级(1)班"}, {"text": "晓"},
             {"text": "G6101132013", "status": None}, {"status": "transferred_out"}]
    for login in (None, "bzr", "nj", "xinli"):
        ctx = admin if login is None else small_school.as_user(login)
        try:
            for kwargs in cases:
                got = list_students(ctx, **kwargs)
                assert got == _orm_list(ctx, **kwargs), (login, kwargs)
        finally:
            if login is not None:
                ctx.close()
    everyone = list_students(admin, status=None)
    assert {r.tags for r in everyone} >= {(), tuple(sorted(tags[:2])), (tags[2],)}
    assert any(r.class_id is None for r in everyone) and any(r.status == "transferred_out" for r in everyone)
