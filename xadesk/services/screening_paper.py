"""Paper answers: sheets to print, then a keyboard grid per class with optional double entry.

API::

    answer_sheets(ctx, campaign_id, class_id=None, *, blank=0) -> bytes      # PDF, one sheet per student
    paper_grid(ctx, campaign_id, class_id, instrument_id) -> PaperGrid       # rows to type into
    save_paper_row(ctx, campaign_id, student_id, instrument_id, cells, *, pass_no=1, double_entry=False)
        -> PaperRowResult
        every cell checked (range check per item; all problems listed, nothing saved). Single entry:
        stored and scored at once. Double entry: each pass is kept; when both passes agree the answers
        are stored and scored, when they differ the row is listed by ``paper_mismatches``.
    paper_mismatches(ctx, campaign_id, instrument_id=None) -> list[PaperMismatch]
    resolve_paper(ctx, campaign_id, student_id, instrument_id, cells) -> PaperRowResult   # the checked values

Each pass is item-level answers, sealed like every answer (``xadesk.compartment.answers``). A pass is
compared with the other one at the moment it is saved, with its own values in hand; the other pass
must be opened for that, so an operator without the counselling key can compare only with a pass
typed in this same session. Otherwise the pass is kept, the safety path runs on it, and the row waits
(``waiting_for_key``) until a key holder saves either pass again or settles it with ``resolve_paper``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..compartment import answers as sealed
from ..domain.grades import class_label, grade
from ..errors import UserError, ValidationFailed
from ..screening.paper import SheetStudent, answer_sheets_pdf, check_cell
from ..storage.models import School, SchoolClass, Student
from ..storage.models_screening import CampaignTarget, PaperEntry, ScreeningResponse
from . import audit
from .campaigns import _info, class_sort, load, require_open
from .context import AppContext
from .instruments import definition
from .login import now_utc
from .screening_answers import Incoming, battery_definition, codec, held_answers, ingest


def answer_sheets(ctx: AppContext, campaign_id: int | str, class_id: int | None = None, *, blank: int = 0) -> bytes:
    ctx.require("screening.manage")
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        info = _info(s, c)
        school = s.scalar(select(School))
        students: list[SheetStudent] = []
        gcode = None
        if class_id is not None:
            cls = s.get(SchoolClass, class_id)
            gcode = cls.grade_code if cls else None
            q = (select(Student).join(CampaignTarget, CampaignTarget.student_id == Student.id)
                 .where(CampaignTarget.campaign_id == c.id, CampaignTarget.class_id == class_id)
                 .order_by(Student.student_no))
            for st in s.scalars(q):
                students.append(SheetStudent(grade(cls.grade_code).label, class_label(cls.grade_code, cls.number),
                                             st.student_no, st.name, st.sex))
        students += [SheetStudent()] * blank
        defns = [definition(s, b.instrument_id, b.version) for b in info.battery if b.applies_to(gcode)]
        audit.record_for(ctx, s, "export", target=f"campaign:{c.id}",
                         detail={"what": "answer sheets", "class_id": class_id, "sheets": len(students)})
        return answer_sheets_pdf(school.name, c.name, defns, students or [SheetStudent()])


@dataclass(frozen=True)
class GridRow:
    """``pass1``/``pass2``: None = not typed; () = typed, sealed, and this session holds no counselling key."""

    student_id: int
    student_no: str
    name: str
    pass1: tuple[float | None, ...] | None
    pass2: tuple[float | None, ...] | None
    stored: bool


def _pass(k: sealed.Codec, e: PaperEntry) -> list[float | None] | None:
    return k.open(sealed.PAPER, sealed.paper_row(e.campaign_id, e.student_id, e.instrument_id, e.pass_no),
                  "answers_json", e.answers_json)


@dataclass(frozen=True)
class PaperGrid:
    instrument_id: str
    n_items: int
    codes: tuple[tuple[str, ...], ...]      # per item, the codes an operator may type
    rows: tuple[GridRow, ...]


def paper_grid(ctx: AppContext, campaign_id: int | str, class_id: int, instrument_id: str) -> PaperGrid:
    ctx.require("screening.manage")

    with ctx.db.read() as s:
        c = load(s, campaign_id)
        defn = battery_definition(s, c, instrument_id)
        entries: dict[tuple[int, int], tuple] = {}
        k = codec(ctx, s)
        for e in s.scalars(select(PaperEntry).where(PaperEntry.campaign_id == c.id,
                                                    PaperEntry.instrument_id == instrument_id)):
            entries[(e.student_id, e.pass_no)] = tuple(_pass(k, e) or ())
        stored = set(s.scalars(select(ScreeningResponse.student_id).where(
            ScreeningResponse.campaign_id == c.id, ScreeningResponse.instrument_id == instrument_id)))
        q = (select(Student.id, Student.student_no, Student.name)
             .join(CampaignTarget, CampaignTarget.student_id == Student.id)
             .where(CampaignTarget.campaign_id == c.id, CampaignTarget.class_id == class_id)
             .order_by(Student.student_no))
        rows = tuple(GridRow(sid, no, name, entries.get((sid, 1)), entries.get((sid, 2)), sid in stored)
                     for sid, no, name in s.execute(q))
    return PaperGrid(instrument_id, defn.n_items, tuple(tuple(o.code for o in it.options) for it in defn.items), rows)


@dataclass(frozen=True)
class PaperRowResult:
    stored: bool            # answers are in the campaign (scored)
    mismatch: tuple[int, ...]   # 1-based items where the two passes differ
    waiting_for_key: bool = False   # kept; the other pass is sealed and this session cannot compare


def _check_row(defn, cells: Sequence[object]) -> list[float | None]:
    if len(cells) > defn.n_items:
        raise UserError(f"{defn.id} 只有 {defn.n_items} 题。", f"{defn.id} has {defn.n_items} items.")
    values, problems = [], []
    for j in range(defn.n_items):
        try:
            values.append(check_cell(defn, j, cells[j] if j < len(cells) else None))
        except UserError as exc:
            problems.append(exc.zh)
            values.append(None)
    if problems:
        raise ValidationFailed("有答案超出选项范围，这一行未保存。", "Some answers are out of range; the row was not saved.",
                               details=problems)
    return values


def _store(ctx, s, c, student_id: int, instrument_id: str, values: list) -> None:
    ingest(ctx, s, c, instrument_id, [Incoming(student_id, values, None, True)], mode="paper",
           source=ctx.actor.login)


def save_paper_row(ctx: AppContext, campaign_id: int | str, student_id: int, instrument_id: str,
                   cells: Sequence[object], *, pass_no: int = 1, double_entry: bool = False) -> PaperRowResult:
    ctx.require("screening.manage")
    if pass_no not in (1, 2):
        raise UserError("录入遍数只能是 1 或 2。", "pass_no must be 1 or 2.")
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        require_open(c)
        if s.scalar(select(CampaignTarget.id).where(CampaignTarget.campaign_id == c.id,
                                                    CampaignTarget.student_id == student_id)) is None:
            raise UserError("该学生不在这次测评的对象中。", "This student is not a target of the campaign.")
        defn = battery_definition(s, c, instrument_id)
        values = _check_row(defn, cells)
        e = s.scalar(select(PaperEntry).where(PaperEntry.campaign_id == c.id, PaperEntry.student_id == student_id,
                                              PaperEntry.instrument_id == instrument_id, PaperEntry.pass_no == pass_no))
        if e is None:
            e = PaperEntry(campaign_id=c.id, student_id=student_id, instrument_id=instrument_id, pass_no=pass_no,
                           answers_json="", entered_by=ctx.actor.user_id, entered_at=now_utc())
            s.add(e)
        k = codec(ctx, s)
        e.answers_json = k.seal(sealed.PAPER, sealed.paper_row(c.id, student_id, instrument_id, pass_no),
                                "answers_json", values)
        e.entered_by, e.entered_at = ctx.actor.user_id, now_utc()
        s.flush()
        if not double_entry:
            _store(ctx, s, c, student_id, instrument_id, values)
            audit.record_for(ctx, s, "screening.paper", student_id=student_id, target=f"campaign:{c.id}",
                             detail={"instrument": instrument_id, "pass": pass_no})
            return PaperRowResult(True, ())
        # A sheet that says "yes" to a critical item must not wait for its second pass to be typed.
        held_answers(ctx, s, c, defn, student_id, values, f"纸质答卷双录入第{pass_no}遍，尚待核对")
        other = s.scalar(select(PaperEntry).where(PaperEntry.campaign_id == c.id, PaperEntry.student_id == student_id,
                                                  PaperEntry.instrument_id == instrument_id,
                                                  PaperEntry.pass_no == 3 - pass_no))
        if other is None:
            return PaperRowResult(False, ())
        theirs = _pass(k, other)
        if theirs is None:
            return PaperRowResult(False, (), waiting_for_key=True)
        diff = tuple(j + 1 for j, (a, b) in enumerate(zip(values, theirs, strict=True)) if a != b)
        if diff:
            return PaperRowResult(False, diff)
        _store(ctx, s, c, student_id, instrument_id, values)
        audit.record_for(ctx, s, "screening.paper", student_id=student_id, target=f"campaign:{c.id}",
                         detail={"instrument": instrument_id, "double_entry": True})
        return PaperRowResult(True, ())


@dataclass(frozen=True)
class PaperMismatch:
    student_id: int
    student_no: str
    name: str
    class_label: str
    instrument_id: str
    items: tuple[tuple[int, float | None, float | None], ...]    # (item number, pass 1, pass 2)


def paper_mismatches(ctx: AppContext, campaign_id: int | str, instrument_id: str | None = None) -> list[PaperMismatch]:
    ctx.require("screening.manage")
    with ctx.db.read() as s:
        c = load(s, campaign_id)
        q = select(PaperEntry).where(PaperEntry.campaign_id == c.id)
        if instrument_id:
            q = q.where(PaperEntry.instrument_id == instrument_id)
        passes: dict[tuple[int, str], dict[int, list]] = {}
        k = codec(ctx, s)
        for e in s.scalars(q):
            passes.setdefault((e.student_id, e.instrument_id), {})[e.pass_no] = _pass(k, e)
        if any(v is None for p in passes.values() for v in p.values()):
            raise sealed.locked("比对两遍录入", "Comparing the two entry passes")
        out = []
        for (sid, iid), p in passes.items():
            if 1 in p and 2 in p and p[1] != p[2]:
                st = s.get(Student, sid)
                cls = s.get(SchoolClass, st.class_id) if st.class_id else None
                items = tuple((j + 1, a, b) for j, (a, b) in enumerate(zip(p[1], p[2], strict=True)) if a != b)
                out.append(PaperMismatch(sid, st.student_no, st.name,
                                         class_label(cls.grade_code, cls.number) if cls else "", iid, items))
    out.sort(key=lambda m: (class_sort(m.class_label), m.student_no, m.instrument_id))
    return out


def resolve_paper(ctx: AppContext, campaign_id: int | str, student_id: int, instrument_id: str,
                  cells: Sequence[object]) -> PaperRowResult:
    """Settle a mismatch with the values read off the sheet: both passes set to them, then stored."""
    ctx.require("screening.manage")
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        require_open(c)
        values = _check_row(battery_definition(s, c, instrument_id), cells)
        k = codec(ctx, s)
        for e in s.scalars(select(PaperEntry).where(PaperEntry.campaign_id == c.id, PaperEntry.student_id == student_id,
                                                    PaperEntry.instrument_id == instrument_id)):
            e.answers_json = k.seal(sealed.PAPER, sealed.paper_row(c.id, student_id, instrument_id, e.pass_no),
                                    "answers_json", values)
        _store(ctx, s, c, student_id, instrument_id, values)
        audit.record_for(ctx, s, "screening.paper", student_id=student_id, target=f"campaign:{c.id}",
                         detail={"instrument": instrument_id, "resolved": True})
    return PaperRowResult(True, ())


def today_text() -> str:
    return date.today().strftime("%Y年%m月%d日")
