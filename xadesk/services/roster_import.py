"""Applying a parsed roster file to the database: all or nothing, idempotent.

Students are matched by 学籍号, then by ID number; a re-import of the same file changes nothing and
an updated file updates the matched students in place. Classes named in the file are created when
missing (and listed in the preview). Every problem is collected before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..domain.grades import GRADE_BY_CODE, class_label
from ..errors import Cancelled, ValidationFailed
from ..i18n import msg
from ..roster.columns import FIELD_LABELS
from ..roster.parse import RosterParse, RosterRecord, parse_roster
from ..storage.models import SchoolClass, Student, StudentTag
from . import audit
from .context import AppContext
from .login import now_utc

Progress = Callable[[int, int], None] | None
CancelCheck = Callable[[], bool] | None

_FIELDS = ("name", "sex", "birth_date", "id_number", "id_type", "boarding", "status", "school_no")


@dataclass
class ImportPlan:
    file_name: str
    total: int = 0
    new: list[RosterRecord] = field(default_factory=list)
    updated: list[tuple[RosterRecord, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    new_classes: list[str] = field(default_factory=list)
    columns_read: list[tuple[str, str]] = field(default_factory=list)    # (header in the file, what it gives)
    columns_ignored: list[str] = field(default_factory=list)             # headers the import does not use

    @property
    def changes(self) -> int:
        return len(self.new) + len(self.updated)

    def summary(self, *, columns: bool = True) -> str:
        parts = [msg(f"共 {self.total} 名学生：新增 {len(self.new)}，更新 {len(self.updated)}，未变 {self.unchanged}。",
                     f"{self.total} students: {len(self.new)} new, {len(self.updated)} updated, "
                     f"{self.unchanged} unchanged.")]
        if self.new_classes:
            parts.append(msg(f"将新建班级：{'、'.join(self.new_classes)}。", f"New classes: {', '.join(self.new_classes)}."))
        if columns:
            parts += self.column_lines()
        return "\n".join(parts)

    def column_lines(self) -> list[str]:
        """What the file's columns gave: the ones read (with their meaning) and the ones not used."""
        parts = []
        if self.columns_read:
            read = "、".join(h if h == what else f"{h}（{what}）" for h, what in self.columns_read)
            parts.append(msg(f"读取的列：{read}。", f"Columns read: {read}."))
        if self.columns_ignored:
            ignored = "、".join(self.columns_ignored)
            parts.append(msg(f"未使用的列：{ignored}。", f"Columns not used: {ignored}."))
        return parts


def _field_changes(st: Student, rec: RosterRecord, cls_id: int | None) -> list[str]:
    changed = []
    for name in _FIELDS:
        value = getattr(rec, name, None)
        if value is None:
            continue  # a column the file does not carry leaves the stored value alone
        if getattr(st, name) != value:
            changed.append(name)
    if cls_id is not None and st.class_id != cls_id:
        changed.append("class")
    if rec.tags is not None and set(rec.tags) != set(_active_tags(st, rec.tag_scope)):
        changed.append("tags")
    return changed


def _active_tags(st: Student, scope: frozenset[str] | None) -> dict[str, StudentTag]:
    """The student's current tags among those the file speaks for (all of them when ``scope`` is None)."""
    return {t.tag: t for t in st.tags if t.cleared_on is None and (scope is None or t.tag in scope)}


def _plan(s: Session, records: list[RosterRecord], file_name: str) -> tuple[ImportPlan, dict]:
    plan = ImportPlan(file_name=file_name, total=len(records))
    classes = {(c.grade_code, c.number): c for c in s.scalars(select(SchoolClass).where(SchoolClass.active.is_(True)))}
    by_no = {st.student_no: st for st in s.scalars(select(Student).options(selectinload(Student.tags)))}
    by_id = {st.id_number: st for st in by_no.values() if st.id_number}
    problems: list[str] = []
    matches: dict[int, Student | None] = {}
    for rec in records:
        key = (rec.grade_code, rec.class_number)
        if key not in classes:
            label = class_label(*key)
            if label not in plan.new_classes:
                plan.new_classes.append(label)
        st = by_no.get(rec.student_no)
        other = by_id.get(rec.id_number) if rec.id_number else None
        if st is None and other is not None:
            st = other  # 学籍号 corrected in the new file: match on the ID number
        elif st is not None and other is not None and other.id != st.id:
            problems.append(msg(f"第{rec.row}行：学籍号属于一名学生，身份证号却属于另一名已有学生，请核对。",
                                f"Row {rec.row}: the student number and the ID number belong to two different students."))
            continue
        matches[rec.row] = st
        if st is None:
            plan.new.append(rec)
        else:
            cls = classes.get(key)
            changed = _field_changes(st, rec, cls.id if cls else -1)
            if rec.student_no != st.student_no:
                changed.append("student_no")
            if changed:
                plan.updated.append((rec, changed))
            else:
                plan.unchanged += 1
    if problems:
        raise ValidationFailed(msg("名单有问题，未导入任何数据：", "The roster has problems; nothing was imported:"),
                               details=problems)
    return plan, {"classes": classes, "matches": matches}


def preview(ctx: AppContext, path: Path, *, progress: Progress = None, cancelled: CancelCheck = None) -> ImportPlan:
    """Parse and validate ``path`` and say what an import would do; writes nothing."""
    ctx.require("roster.import")
    parsed = parse_roster(Path(path), progress=progress, cancelled=cancelled, stages=_stages(ctx))
    with ctx.db.read() as s:
        plan, _ = _plan(s, parsed.records, Path(path).name)
    _columns(plan, parsed)
    return plan


def _stages(ctx: AppContext) -> set[str]:
    """The stages the school has (they settle a cohort class name without a stage, like 2026级1班)."""
    with ctx.db.read() as s:
        codes = set(s.scalars(select(SchoolClass.grade_code).where(SchoolClass.active.is_(True))))
    return {GRADE_BY_CODE[c].stage for c in codes if c in GRADE_BY_CODE}


def _columns(plan: ImportPlan, parsed: RosterParse) -> None:
    plan.columns_read = [(header, FIELD_LABELS.get(f, f)) for f, header in parsed.columns.items()]
    plan.columns_ignored = list(parsed.ignored_columns)


def import_roster(ctx: AppContext, path: Path, *, dry_run: bool = False, progress: Progress = None,
                  cancelled: CancelCheck = None, today: date | None = None) -> ImportPlan:
    """Import the roster file ``path`` in one transaction; with ``dry_run`` only the plan is returned."""
    ctx.require("roster.import")
    path = Path(path)
    parsed = parse_roster(path, progress=progress, cancelled=cancelled, stages=_stages(ctx))
    plan = import_records(ctx, parsed.records, path.name, dry_run=dry_run, progress=progress,
                          cancelled=cancelled, today=today)
    _columns(plan, parsed)
    return plan


def import_records(ctx: AppContext, records: list[RosterRecord], source_name: str, *, dry_run: bool = False,
                   progress: Progress = None, cancelled: CancelCheck = None,
                   today: date | None = None) -> ImportPlan:
    """Apply validated roster records (from a file, or generated for the demo) in one transaction."""
    ctx.require("roster.import")
    if dry_run:
        with ctx.db.read() as s:
            return _plan(s, records, source_name)[0]
    day = today or date.today()
    total = len(records)
    with ctx.db.write() as s:
        plan, state = _plan(s, records, source_name)
        classes: dict = state["classes"]
        stamp = now_utc()
        for i, rec in enumerate(records):
            if cancelled is not None and i % 200 == 0 and cancelled():
                raise Cancelled()  # rolls the whole transaction back
            key = (rec.grade_code, rec.class_number)
            cls = classes.get(key)
            if cls is None:
                cls = SchoolClass(grade_code=rec.grade_code, number=rec.class_number, active=True)
                s.add(cls)
                s.flush()
                classes[key] = cls
            st = state["matches"].get(rec.row)
            if st is None:
                st = Student(student_no=rec.student_no, name=rec.name, sex=rec.sex, birth_date=rec.birth_date,
                             id_number=rec.id_number, id_type=rec.id_type, class_id=cls.id,
                             boarding=bool(rec.boarding),
                             status=rec.status or "enrolled", school_no=rec.school_no,
                             created_at=stamp, updated_at=stamp)
                s.add(st)
                for tag in sorted(rec.tags or ()):
                    st.tags.append(StudentTag(tag=tag, set_on=day))
            else:
                changed = _field_changes(st, rec, cls.id)
                if rec.student_no != st.student_no:
                    st.student_no = rec.student_no
                    changed.append("student_no")
                for name in _FIELDS:
                    value = getattr(rec, name, None)
                    if value is not None:
                        setattr(st, name, value)
                st.class_id = cls.id
                if rec.tags is not None:
                    active = _active_tags(st, rec.tag_scope)
                    for tag in set(rec.tags) - set(active):
                        st.tags.append(StudentTag(tag=tag, set_on=day))
                    for tag in set(active) - set(rec.tags):
                        active[tag].cleared_on = day
                if changed:
                    st.updated_at = stamp
            if progress is not None and i % 200 == 0:
                progress(i, total)
        audit.record_for(ctx, s, "roster.import", target=source_name,
                         detail={"total": plan.total, "new": len(plan.new), "updated": len(plan.updated),
                                 "unchanged": plan.unchanged, "new_classes": len(plan.new_classes)})
        if cancelled is not None and cancelled():
            raise Cancelled()
    if progress is not None:
        progress(total, total)
    ctx.db.settle()
    return plan
