"""The counselor's side, inward: verify a teacher's return, preview it, merge it exactly once.

API::

    import_return(ctx, path, passphrase, *, dry_run=False) -> ImportReport
    conflicts(ctx) -> list[ConflictRow]            # entries waiting for a decision
    resolve_conflict(ctx, entry_uuid, keep=True)   # keep: merge it after all; else set it aside (kept)
    flush_review(ctx) -> int                       # hand pending entries to the review queue

Exactly once: every returned entry is written to ``classpack_entry`` under the id the teacher's PC
gave it, in the same transaction as the record it became. A second import of a return, an
overlapping return, or a return from an older pack therefore merges only what is new. An entry that
cannot be merged as it stands becomes a *conflict* with its full content and a reason, for a
person to decide: a follow-up when one was logged at the school PC after the pack went out, a
student who is no longer enrolled, a health-monitor change that no longer fits. Nothing is dropped.

Merged records are authored by the teacher (their account and name), not by the importer. An
urgent observation, or an entry proposing a level, is proposed to the review queue through the
grid's own ``propose_manual`` as that teacher — the same path as one typed at the school PC. It
runs after the merge commits (the grid opens its own transaction); ``review_pending`` marks it
until it has, so a crash in between is caught up by the next import or ``flush_review``.

Refusals, each in its own words and before anything is written: a damaged or altered return, a
wrong passphrase, a return of another school, a return made after its pack expired, a return whose
pack this database never issued, a bad entry (named by its number).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..archive import kinds as K
from ..domain.grades import class_label
from ..errors import NotFound, PermissionDenied, UserError
from ..exchange import (
    ExchangeKey,
    ExchangeTampered,
    ExchangeTruncated,
    Manifest,
    WrongExchangeKind,
    WrongPassphrase,
    open_container,
)
from ..exchange.errors import kind_label
from ..exchange.manifest import parse_iso_utc
from ..grid import due as D
from ..grid.levels import L3
from ..i18n import msg
from ..services import audit
from ..services import grid as G
from ..services import grid_base as B
from ..services.context import AppContext
from ..services.grid_monitors import PER_CLASS
from ..services.login import load_actor, now_utc
from ..storage.models import School, SchoolClass, Student, User
from ..storage.models_archive import ArchiveRecord
from ..storage.models_classpack import ClassPackEntry, ClassPackReturn, ClassPackSeries
from ..storage.models_grid import GridFollowUp, HealthMonitor
from ..storage.models_screening import Campaign, CampaignTarget
from .content import (
    ENTRY_KINDS,
    FAMILY_SITUATIONS,
    FOLLOW_UP,
    HOME_VISIT,
    MONITOR,
    OBSERVATION,
    RATING,
    RETURN_ENTRY,
    RETURN_FORMAT,
    RETURN_KIND,
    check_entry,
    describe,
    newer_format,
)
from .errors import (
    NotAReturn,
    ReturnExpired,
    ReturnForeignSchool,
    ReturnTampered,
    ReturnUnknownSeries,
    ReturnWrongPassphrase,
    TooNew,
)
from .export import pack_keys, student_by_pack_key
from .ratings import check_answers, store_rating, teacher_definition

# An urgent observation without a level of its own is proposed at 三级 (风险升高): the counselor's
# review decides the real level; the point is that it is seen.
URGENT_LEVEL = L3


@dataclass(frozen=True)
class ConflictRow:
    entry_uuid: str
    student_no: str
    student_name: str
    kind: str
    kind_label: str
    gist: str
    reason: str
    teacher_name: str
    class_label: str


@dataclass
class ImportReport:
    file_name: str
    teacher_name: str
    class_label: str
    entries: int
    dry_run: bool = False
    already_imported: bool = False
    already: int = 0
    added: dict[str, int] = field(default_factory=dict)
    conflicts: list[ConflictRow] = field(default_factory=list)
    to_review: int = 0
    lines: list[str] = field(default_factory=list)   # one line per entry, for the preview

    @property
    def added_total(self) -> int:
        return sum(self.added.values())

    def summary(self) -> str:
        if self.already_imported:
            return msg(f"{self.file_name} 已经导入过，未做任何更改。", f"{self.file_name} was already imported; nothing changed.")
        head = msg("预览（尚未导入）：", "Preview (nothing imported yet): ") if self.dry_run else ""
        kinds = "，".join(f"{ENTRY_KINDS[k]} {n}" for k, n in self.added.items() if n) or "无"
        text = msg(f"{head}{self.teacher_name}（{self.class_label}）交回 {self.entries} 条：新增 {self.added_total} 条（{kinds}），"
                   f"此前已导入 {self.already} 条，待决定的冲突 {len(self.conflicts)} 条，送复核队列 {self.to_review} 条。",
                   f"{head}{self.teacher_name} ({self.class_label}): {self.entries} entries; {self.added_total} new, "
                   f"{self.already} already imported, {len(self.conflicts)} conflicts, {self.to_review} to review.")
        return "\n".join([text] + [f"  冲突：{c.student_name} {c.kind_label}：{c.reason}" for c in self.conflicts])

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file_name, "teacher": self.teacher_name, "class": self.class_label,
                "entries": self.entries, "dry_run": self.dry_run, "already_imported": self.already_imported,
                "already": self.already, "added": self.added, "added_total": self.added_total,
                "to_review": self.to_review,
                "conflicts": [{"student_no": c.student_no, "name": c.student_name, "kind": c.kind,
                               "reason": c.reason} for c in self.conflicts]}


class _DryRun(Exception):
    """Raised inside the write transaction to roll a preview back."""


def read_return(path: Path, passphrase: str | ExchangeKey) -> tuple[Manifest, dict[str, Any]]:
    """Verify every byte and parse; every refusal in a return's own words."""
    try:
        c = open_container(path, passphrase, expected_kind=RETURN_KIND)
    except WrongPassphrase:
        raise ReturnWrongPassphrase() from None
    except (ExchangeTampered, ExchangeTruncated):
        raise ReturnTampered() from None
    except WrongExchangeKind as exc:
        raise NotAReturn(*kind_label(exc.actual)) from None
    try:
        data = c.entry_json(RETURN_ENTRY)
    except ExchangeTampered:
        raise ReturnTampered() from None
    if isinstance(data, dict) and newer_format(data.get("format"), RETURN_FORMAT):
        raise TooNew("交回文件", "return file")
    if (not isinstance(data, dict) or data.get("format") != RETURN_FORMAT
            or not isinstance(data.get("entries"), list)):
        raise ReturnTampered()
    return c.manifest, data


def _parse_time(text: Any) -> datetime:
    try:
        return parse_iso_utc(str(text))
    except ValueError:
        raise ReturnTampered() from None


def import_return(ctx: AppContext, path: Path, passphrase: str | ExchangeKey, *, dry_run: bool = False) -> ImportReport:
    ctx.require("classpack.import")
    path = Path(path)
    m, data = read_return(path, passphrase)
    report: ImportReport | None = None
    try:
        with ctx.db.write() as s:
            report = _merge(ctx, s, path, m, data, dry_run)
            if dry_run:
                raise _DryRun()
    except _DryRun:
        return report  # type: ignore[return-value]
    # Also catches up entries a crash left marked review_pending after an earlier import.
    flush_review(ctx)
    return report


def _merge(ctx: AppContext, s: Session, path: Path, m: Manifest, data: dict, dry_run: bool) -> ImportReport:
    school = s.scalar(select(School))
    if m.school_id != school.uuid or data.get("school_uuid") != school.uuid:
        raise ReturnForeignSchool(m.school_name)
    series = s.scalar(select(ClassPackSeries).where(ClassPackSeries.uuid == data.get("series_uuid")))
    if series is None:
        raise ReturnUnknownSeries()
    made_at = _parse_time(data.get("made_at"))
    try:
        expires = date.fromisoformat(str(data.get("pack_expires_on")))
    except ValueError:
        raise ReturnTampered() from None
    if made_at.astimezone().date() > expires:
        raise ReturnExpired(expires)
    teacher = s.get(User, series.teacher_id)
    cls = s.get(SchoolClass, series.class_id)
    label = class_label(cls.grade_code, cls.number)
    entries_raw = data["entries"]
    report = ImportReport(path.name, teacher.display_name, label, len(entries_raw), dry_run=dry_run,
                          added={k: 0 for k in ENTRY_KINDS})
    if s.scalar(select(ClassPackReturn.id).where(ClassPackReturn.series_id == series.id,
                                                  ClassPackReturn.content_sha256 == m.content_sha256)):
        report.already_imported = True
        return report
    # Validate everything first: a bad entry refuses the whole return, nothing half-merged.
    last_day = made_at.astimezone().date() + timedelta(days=1)
    entries = []
    for i, raw in enumerate(entries_raw, 1):
        try:
            entries.append(check_entry(raw, today=last_day))
        except UserError as exc:
            raise UserError(f"交回文件第 {i} 条记录有误：{exc.zh}未导入任何内容。",
                            f"Entry {i} of the return is invalid: {exc.en} Nothing was imported.") from None
    ret = ClassPackReturn(series_id=series.id, content_sha256=m.content_sha256, pack_id=str(data.get("pack_id")),
                          made_at=made_at.replace(tzinfo=None), entries=len(entries), imported_at=now_utc(),
                          imported_by_id=ctx.actor.user_id, imported_by_name=ctx.actor.display_name)
    s.add(ret)
    s.flush()
    seen = set(s.scalars(select(ClassPackEntry.entry_uuid).where(
        ClassPackEntry.entry_uuid.in_([e["id"] for e in entries]))))
    pack_sent = _parse_time(data.get("pack_exported_at") or data.get("made_at")).replace(tzinfo=None)
    keys = pack_keys(s, series.journal_key)
    for e in entries:
        if e["id"] in seen:
            report.already += 1
            report.lines.append(msg(f"已导入过：{describe(e)}", f"already imported: {describe(e)}"))
            continue
        seen.add(e["id"])
        st = student_by_pack_key(s, keys, e["student_no"])
        reason = _conflict_reason(s, st, e, cls, pack_sent)
        row = ClassPackEntry(entry_uuid=e["id"], series_id=series.id, return_id=ret.id, kind=e["kind"],
                             student_id=st.id if st else None, student_no=st.student_no if st else e["student_no"],
                             payload_json=json.dumps(e, ensure_ascii=False), created_at=now_utc())
        name = st.name if st else e["student_no"]
        if reason:
            row.status, row.reason = "conflict", reason
            report.conflicts.append(_conflict_row(row, e, name, teacher.display_name, label))
            report.lines.append(msg(f"待决定：{name} {describe(e)}（{reason}）", f"conflict: {describe(e)}"))
        else:
            row.status = "merged"
            row.target = _apply(ctx, s, st, e, teacher)
            row.review_pending = _needs_review(e)
            report.added[e["kind"]] += 1
            report.to_review += int(row.review_pending)
            report.lines.append(msg(f"新增：{name} {describe(e)}", f"new: {describe(e)}"))
        s.add(row)
    ret.added, ret.conflicts = report.added_total, len(report.conflicts)
    audit.record_for(ctx, s, "classpack.import", target=f"class:{cls.id}",
                     detail={"file": path.name, "teacher": teacher.login, "added": report.added_total,
                             "already": report.already, "conflicts": len(report.conflicts)})
    return report


def _needs_review(e: dict) -> bool:
    if e["kind"] == OBSERVATION:
        return e["severity"] == "urgent" or bool(e.get("proposed_level"))
    return e["kind"] == FOLLOW_UP and bool(e.get("proposed_level"))


def _conflict_reason(s: Session, st: Student | None, e: dict, cls: SchoolClass, pack_sent: datetime) -> str | None:
    if st is None or st.status != "enrolled":
        return "该学生已不在本校在读名单中"
    if st.class_id != cls.id:
        # The teacher app only offers the pack's roster, so this is a student who changed class since,
        # or a return written by hand with the pack's passphrase: never merged into another class's
        # archive unseen; a person decides.
        return f"该学生不在{class_label(cls.grade_code, cls.number)}（这份班级包的班级），可能已调班，请核实"
    if e["kind"] == FOLLOW_UP:
        case = B.open_case(s, st.id)
        if case is None:
            return "该学生目前不在预警跟踪名单中（可能已解除），没有随访任务"
        later = s.scalars(select(GridFollowUp).where(GridFollowUp.case_id == case.id,
                                                     GridFollowUp.created_at > pack_sent)
                          .order_by(GridFollowUp.created_at)).first()
        if later is not None:
            return f"学校电脑上已于 {later.occurred_on.isoformat()} 记录了一次随访（{later.by_name}）"
    if e["kind"] == RATING:
        c = s.scalar(select(Campaign).where(Campaign.uuid == e["campaign_uuid"]))
        if c is None:
            return "本校数据库中没有这次测评活动"
        if c.status != "open":
            return "这次测评活动已不在进行中，评定没有计入"
        defn = teacher_definition(s, c, e["instrument_id"])
        if defn is None or defn.version != e["version"]:
            return "测评活动中的班主任评定量表已更换，评定没有计入"
        if s.scalar(select(CampaignTarget.id).where(CampaignTarget.campaign_id == c.id,
                                                    CampaignTarget.student_id == st.id)) is None:
            return "该学生已不在这次测评的对象中"
        try:
            check_answers(defn, e["answers"])
        except UserError as exc:
            return exc.zh
    if e["kind"] == MONITOR:
        active = s.scalars(select(HealthMonitor).where(HealthMonitor.class_id == cls.id,
                                                       HealthMonitor.ended_on.is_(None))).all()
        mine = [mo for mo in active if mo.student_id == st.id]
        if e["action"] == "appoint" and mine:
            return "该学生已是本班健康委员"
        if e["action"] == "appoint" and len(active) >= PER_CLASS:
            return f"本班健康委员已满 {PER_CLASS} 名"
        if e["action"] == "end" and not mine:
            return "该学生不是在任的健康委员"
    return None


def _apply(ctx: AppContext, s: Session, st: Student, e: dict, teacher: User) -> str:
    """Write the record an entry becomes; returns where it went."""
    day = date.fromisoformat(e["date"])
    kind = e["kind"]
    if kind == RATING:
        c = s.scalar(select(Campaign).where(Campaign.uuid == e["campaign_uuid"]))
        stats = store_rating(ctx, s, c, e["instrument_id"], st.id, [None if v is None else float(v) for v in e["answers"]],
                             rater_login=teacher.login, when=datetime.combine(day, datetime.min.time()))
        # A different earlier rating becomes a screening conflict for the counselor (never overwritten).
        return f"campaign:{c.id}" + (":conflict" if stats.conflicts else "")
    if kind in (OBSERVATION, HOME_VISIT):
        text = e["text"]
        if kind == HOME_VISIT and e.get("family"):
            text += "\n家庭情况：" + "、".join(FAMILY_SITUATIONS[f] for f in e["family"])
        rec = ArchiveRecord(uuid=e["id"], student_id=st.id, kind=K.OBSERVATION if kind == OBSERVATION else K.HOME_VISIT,
                            occurred_on=day, category=e.get("category"), severity=e.get("severity"), text=text,
                            visitors=e.get("visitors"), present=e.get("present"), author_id=teacher.id,
                            author_name=teacher.display_name, created_at=now_utc())
        s.add(rec)
        return f"archive_record:{rec.uuid}"
    if kind == FOLLOW_UP:
        case = B.open_case(s, st.id)
        terms = B.terms(s)
        due = D.next_due(day, case.frequency_days, terms)
        row = GridFollowUp(case_id=case.id, student_id=st.id, occurred_on=day, method=e["method"],
                           summary=e["summary"], next_due=due, by_id=teacher.id, by_name=teacher.display_name,
                           created_at=now_utc())
        latest = s.scalars(select(GridFollowUp.occurred_on).where(GridFollowUp.case_id == case.id)
                           .order_by(GridFollowUp.occurred_on.desc())).first()
        s.add(row)
        if latest is None or day >= latest:  # a late entry does not move the plan backwards
            case.next_due = due
        case.updated_at = now_utc()
        s.flush()
        return f"grid_follow_up:{row.id}"
    # monitor
    if e["action"] == "appoint":
        mo = HealthMonitor(class_id=st.class_id, student_id=st.id, appointed_on=day, note="班主任在班级包中登记",
                           created_at=now_utc())
        s.add(mo)
        s.flush()
        return f"health_monitor:{mo.id}"
    mo = s.scalars(select(HealthMonitor).where(HealthMonitor.student_id == st.id,
                                               HealthMonitor.ended_on.is_(None))).first()
    mo.ended_on = max(day, mo.appointed_on)
    return f"health_monitor:{mo.id}"


def _conflict_row(row: ClassPackEntry, e: dict, name: str, teacher: str, label: str) -> ConflictRow:
    return ConflictRow(row.entry_uuid, row.student_no, name, e["kind"], ENTRY_KINDS[e["kind"]], describe(e),
                       row.reason, teacher, label)


# --- after the merge -----------------------------------------------------------------------------

def flush_review(ctx: AppContext) -> int:
    """Propose every merged entry still marked ``review_pending`` to the review queue, as its teacher."""
    with ctx.db.read() as s:
        pending = [(p.id, p.student_id, json.loads(p.payload_json), s.get(User, s.get(ClassPackSeries, p.series_id).teacher_id))
                   for p in s.scalars(select(ClassPackEntry).where(ClassPackEntry.review_pending.is_(True)))]
        teachers = {u.id: load_actor(s, u) for _, _, _, u in pending}
    done = 0
    for pid, sid, e, user in pending:
        level = e.get("proposed_level") or URGENT_LEVEL
        text = e.get("text") or e.get("summary") or ""
        reason = f"班级包交回（{ENTRY_KINDS[e['kind']]}，{e['date']}）：{text}"
        try:
            G.propose_manual(replace(ctx, actor=teachers[user.id]), sid, level, reason, "observation")
        except (PermissionDenied, NotFound, UserError):
            # The teacher no longer covers this student (class changed, account closed): the importer
            # proposes it in the teacher's name, so it still reaches the queue.
            G.propose_manual(ctx, sid, level, f"{user.display_name}：{reason}", "observation")
        with ctx.db.write() as s:
            s.get(ClassPackEntry, pid).review_pending = False
        done += 1
    return done


def conflicts(ctx: AppContext) -> list[ConflictRow]:
    ctx.require("classpack.import")
    out = []
    with ctx.db.read() as s:
        for row in s.scalars(select(ClassPackEntry).where(ClassPackEntry.status == "conflict")
                             .order_by(ClassPackEntry.id)):
            series = s.get(ClassPackSeries, row.series_id)
            cls = s.get(SchoolClass, series.class_id)
            st = s.get(Student, row.student_id) if row.student_id else None
            out.append(_conflict_row(row, json.loads(row.payload_json), st.name if st else row.student_no,
                                     s.get(User, series.teacher_id).display_name,
                                     class_label(cls.grade_code, cls.number)))
    return out


def resolve_conflict(ctx: AppContext, entry_uuid: str, *, keep: bool) -> str:
    """``keep``: merge the entry after all (a follow-up is added beside the one logged at school);
    otherwise it is set aside — its content stays in the ledger, marked ``discarded``. Returns the status."""
    ctx.require("classpack.import")
    with ctx.db.write() as s:
        row = s.scalar(select(ClassPackEntry).where(ClassPackEntry.entry_uuid == entry_uuid))
        if row is None or row.status != "conflict":
            raise NotFound("找不到这条待决定的记录。", "No such conflict.")
        e = json.loads(row.payload_json)
        if keep:
            st = s.get(Student, row.student_id) if row.student_id else None
            if st is None or st.status != "enrolled":
                raise UserError("该学生已不在读，不能并入；只能搁置。", "The student is not enrolled; set it aside.")
            if e["kind"] == FOLLOW_UP and B.open_case(s, st.id) is None:
                raise UserError("该学生已没有跟踪任务，随访不能并入；只能搁置。", "No open case; set it aside.")
            if e["kind"] in (MONITOR, RATING):
                series = s.get(ClassPackSeries, row.series_id)
                still = _conflict_reason(s, st, e, s.get(SchoolClass, series.class_id), now_utc() + timedelta(days=1))
                if still:
                    raise UserError(f"{still}，不能并入；只能搁置。", "It still does not fit; set it aside.")
            teacher = s.get(User, s.get(ClassPackSeries, row.series_id).teacher_id)
            row.target = _apply(ctx, s, st, e, teacher)
            row.review_pending = _needs_review(e)
        row.status = "kept" if keep else "discarded"
        row.decided_at = now_utc()
        row.decided_by_name = ctx.actor.display_name
        audit.record_for(ctx, s, "classpack.resolve", student_id=row.student_id, target=row.entry_uuid,
                         detail={"keep": keep})
        pending = row.review_pending
    if pending:
        flush_review(ctx)
    return "kept" if keep else "discarded"
