"""Reading and editing the roster, always within the acting user's scope.

A homeroom teacher's context sees the students of their classes and nothing else; a grade leader's,
their grades; admins, counselors and school leaders, the school. Out-of-scope students are not
"hidden": every lookup filters on scope in SQL, and a direct lookup by id refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..domain.grades import GRADES, class_label, grade, parse_class_label, parse_grade
from ..domain.names import check_name
from ..errors import NotFound, PermissionDenied, UserError
from ..roster.columns import ID_TYPES
from ..storage.models import SchoolClass, Student, StudentTag
from . import audit
from .context import AppContext
from .login import now_utc

STATUS_LABELS = {"enrolled": "在读", "transferred_out": "转出", "graduated": "毕业", "suspended": "休学"}
SEX_LABELS = {"M": "男", "F": "女"}
TAG_LABELS = {
    "left_behind": "留守儿童", "migrant": "流动儿童", "orphan": "孤儿", "unsupported": "事实无人抚养儿童",
    "difficulty": "困境儿童", "disability": "残疾", "single_parent": "单亲家庭", "blended": "重组家庭",
}


_GRADE_ORDER = {g.code: i for i, g in enumerate(GRADES)}


def grade_label(code: str) -> str:
    return grade(code).label


def grade_sort_key(code: str) -> int:
    return _GRADE_ORDER.get(code, 99)


@dataclass(frozen=True)
class StudentRow:
    id: int
    student_no: str
    name: str
    sex: str
    birth_date: date | None
    grade_code: str | None
    grade: str | None
    class_id: int | None
    class_label: str | None
    status: str
    boarding: bool
    tags: tuple[str, ...]

    def to_json(self) -> dict:
        return {"student_no": self.student_no, "name": self.name, "sex": self.sex,
                "birth_date": self.birth_date.isoformat() if self.birth_date else None,
                "grade": self.grade, "class": self.class_label, "status": self.status,
                "boarding": self.boarding, "tags": list(self.tags)}


@dataclass(frozen=True)
class TagHistory:
    tag: str
    label: str
    set_on: date
    cleared_on: date | None


@dataclass(frozen=True)
class StudentDetail:
    row: StudentRow
    id_number: str | None
    school_no: str | None
    tag_history: tuple[TagHistory, ...]
    id_type_label: str = "居民身份证"      # the document id_number belongs to (registry 身份证件类型)


@dataclass(frozen=True)
class ClassNode:
    id: int
    grade_code: str
    number: int
    label: str
    student_count: int


@dataclass(frozen=True)
class GradeNode:
    code: str
    label: str
    classes: tuple[ClassNode, ...]

    @property
    def student_count(self) -> int:
        return sum(c.student_count for c in self.classes)


def _row(st: Student) -> StudentRow:
    cls = st.school_class
    return StudentRow(
        id=st.id, student_no=st.student_no, name=st.name, sex=st.sex, birth_date=st.birth_date,
        grade_code=cls.grade_code if cls else None, grade=grade_label(cls.grade_code) if cls else None,
        class_id=cls.id if cls else None, class_label=class_label(cls.grade_code, cls.number) if cls else None,
        status=st.status, boarding=st.boarding,
        tags=tuple(sorted({t.tag for t in st.tags if t.cleared_on is None})))


def _scoped(ctx: AppContext):
    return (select(Student).outerjoin(SchoolClass, Student.class_id == SchoolClass.id)
            .where(ctx.actor.student_filter())
            .options(selectinload(Student.school_class), selectinload(Student.tags)))


def resolve_class(session: Session, text: str) -> SchoolClass:
    """An active class from any label a teacher would type ("七年级(3)班", "初一3班", "7年级03班")."""
    grade_code, number = parse_class_label(text)
    cls = session.scalar(select(SchoolClass).where(SchoolClass.grade_code == grade_code,
                                                   SchoolClass.number == number, SchoolClass.active.is_(True)))
    if cls is None:
        raise NotFound(f"没有这个班级：{text}", f"No such class: {text}", field="class")
    return cls


def list_students(ctx: AppContext, *, grade: str | None = None, class_: str | None = None,
                  status: str | None = "enrolled", text: str | None = None) -> list[StudentRow]:
    ctx.require("roster.read")
    with ctx.db.read() as s:
        # The row's columns and the open tags in two reads, not Student objects with their classes and
        # every tag ever set loaded beside them: the roster page lists the whole school on every filter.
        q = (select(Student.id, Student.student_no, Student.name, Student.sex, Student.birth_date, Student.status,
                    Student.boarding, SchoolClass.id, SchoolClass.grade_code, SchoolClass.number)
             .outerjoin(SchoolClass, Student.class_id == SchoolClass.id).where(ctx.actor.student_filter()))
        if grade:
            q = q.where(SchoolClass.grade_code == parse_grade(grade))
        if class_:
            q = q.where(Student.class_id == resolve_class(s, class_).id)
        if status:
            q = q.where(Student.status == status)
        if text:
            like = f"%{text.strip()}%"
            q = q.where(Student.name.like(like) | Student.student_no.like(like))
        conn = s.connection()
        fetched = conn.execute(q).all()
        tags: dict[int, set[str]] = {}
        for sid, tag in conn.execute(select(StudentTag.student_id, StudentTag.tag).where(
                StudentTag.cleared_on.is_(None),
                StudentTag.student_id.in_(q.with_only_columns(Student.id).scalar_subquery()))).all():
            tags.setdefault(sid, set()).add(tag)
    labels: dict[tuple, tuple[str, str]] = {}
    rows = []
    for sid, no, name, sex, born, st_status, boarding, cls_id, g, n in fetched:
        if cls_id is not None and (g, n) not in labels:
            labels[g, n] = (grade_label(g), class_label(g, n))
        glabel, clabel = labels[g, n] if cls_id is not None else (None, None)
        rows.append(StudentRow(id=sid, student_no=no, name=name, sex=sex, birth_date=born,
                               grade_code=g if cls_id is not None else None, grade=glabel, class_id=cls_id,
                               class_label=clabel, status=st_status, boarding=boarding,
                               tags=tuple(sorted(tags.get(sid, ())))))
    rows.sort(key=lambda r: (grade_sort_key(r.grade_code) if r.grade_code else 99, r.class_label or "",
                             r.student_no))
    return rows


def class_tree(ctx: AppContext) -> list[GradeNode]:
    """Grades and classes this user may see, with enrolled-student counts."""
    ctx.require("roster.read")
    with ctx.db.read() as s:
        counts: dict[int, int] = {}
        q = (select(Student.class_id).outerjoin(SchoolClass, Student.class_id == SchoolClass.id)
             .where(ctx.actor.student_filter(), Student.status == "enrolled"))
        for (cid,) in s.execute(q):
            if cid is not None:
                counts[cid] = counts.get(cid, 0) + 1
        classes = s.execute(select(SchoolClass.id, SchoolClass.grade_code, SchoolClass.number)
                            .where(SchoolClass.active.is_(True))).all()
    by_grade: dict[str, list[ClassNode]] = {}
    for cid, code, number in classes:
        if ctx.actor.sees_all or cid in ctx.actor.class_ids or code in ctx.actor.grade_codes:
            by_grade.setdefault(code, []).append(
                ClassNode(cid, code, number, class_label(code, number), counts.get(cid, 0)))
    return [GradeNode(code, grade_label(code), tuple(sorted(nodes, key=lambda n: n.number)))
            for code, nodes in sorted(by_grade.items(), key=lambda kv: grade_sort_key(kv[0]))]


def _get_scoped(ctx: AppContext, s: Session, student_id: int) -> Student:
    st = s.scalar(_scoped(ctx).where(Student.id == student_id))
    if st is None:
        if s.get(Student, student_id) is not None:
            raise PermissionDenied("该学生不在您负责的范围内。", "This student is outside your classes.")
        raise NotFound("找不到该学生。", "Student not found.")
    return st


def student_id_by_no(ctx: AppContext, student_no: str) -> int:
    ctx.require("roster.read")
    with ctx.db.read() as s:
        st = s.scalar(select(Student).where(Student.student_no == student_no.strip().upper()))
        if st is None:
            raise NotFound(f"找不到学籍号为 {student_no} 的学生。", f"No student with number {student_no}.")
        return _get_scoped(ctx, s, st.id).id


def get_student(ctx: AppContext, student_id: int) -> StudentDetail:
    """One student's record; every view is audited."""
    ctx.require("roster.read")
    with ctx.db.write() as s:
        st = _get_scoped(ctx, s, student_id)
        audit.record_for(ctx, s, "student.view", student_id=st.id)
        history = tuple(TagHistory(t.tag, TAG_LABELS.get(t.tag, t.tag), t.set_on, t.cleared_on) for t in st.tags)
        doc = ID_TYPES.get(st.id_type or "resident", (st.id_type or "", False))[0]
        return StudentDetail(row=_row(st), id_number=st.id_number, school_no=st.school_no, tag_history=history,
                             id_type_label=doc)


EDITABLE = {"name", "sex", "birth_date", "boarding", "status", "school_no"}


def update_student(ctx: AppContext, student_id: int, **changes) -> StudentRow:
    ctx.require("roster.write")
    unknown = set(changes) - EDITABLE - {"class_id"}
    if unknown:
        raise UserError(f"不能修改这些字段：{', '.join(sorted(unknown))}", f"Cannot edit: {', '.join(sorted(unknown))}")
    if isinstance(changes.get("name"), str):
        check_name(changes["name"])
    with ctx.db.write() as s:
        st = _get_scoped(ctx, s, student_id)
        changed = {}
        for field_name, value in changes.items():
            if getattr(st, field_name) != value:
                changed[field_name] = True
                setattr(st, field_name, value)
        if changed:
            st.updated_at = now_utc()
            # Which fields changed, not their values: the audit log must not become a copy of the roster.
            audit.record_for(ctx, s, "student.edit", student_id=st.id, detail={"fields": sorted(changed)})
        s.flush()
        return _row(st)


def set_tag(ctx: AppContext, student_id: int, tag: str, on: bool, *, day: date | None = None,
            note: str | None = None) -> None:
    ctx.require("roster.write")
    if tag not in TAG_LABELS:
        raise UserError(f"未知的特殊群体类别：{tag}", f"Unknown special-group tag: {tag}")
    day = day or date.today()
    with ctx.db.write() as s:
        st = _get_scoped(ctx, s, student_id)
        active = [t for t in st.tags if t.tag == tag and t.cleared_on is None]
        if on and not active:
            st.tags.append(StudentTag(tag=tag, set_on=day, note=note))
        elif not on:
            for t in active:
                t.cleared_on = day
        else:
            return
        audit.record_for(ctx, s, "student.edit", student_id=st.id, detail={"tag": tag, "on": on})
