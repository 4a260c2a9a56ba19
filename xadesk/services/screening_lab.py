"""Lab mode on the counselor's side: export the encrypted campaign kit, import the result packs.

API::

    export_kit(ctx, campaign_id, out, passphrase, *, class_ids=None) -> KitInfo
        kind ``lab_kit``; only identification data of the target students (see xadesk/screening/kit.py).
    import_pack(ctx, path, passphrase) -> PackReport
        refuses a pack of another school or of a campaign this database does not have (nothing
        imported); the same pack twice changes nothing; a student who answered on two PCs with
        different answers becomes a conflict for a person to decide (``screening_answers.conflicts``
        / ``resolve_conflict``), never a silent merge.

The lab PC side is ``xadesk.screening.kiosk.LabKiosk``.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ..domain.grades import class_label
from ..errors import UserError
from ..exchange import ExchangeKey, open_container, write_container
from ..i18n import msg
from ..screening.kit import KIT_ENTRY, KIT_FORMAT, PACK_ENTRY, PACK_FORMAT
from ..storage.models import School, SchoolClass, Student
from ..storage.models_screening import Campaign, CampaignTarget, ScreeningPackImport
from ..strength import check_passphrase
from . import audit
from .campaigns import _info, load, require_open
from .context import AppContext
from .instruments import definition
from .login import now_utc
from .screening_answers import Incoming, IngestStats, battery_definition, held_answers, ingest


@dataclass(frozen=True)
class KitInfo:
    path: Path
    students: int
    instruments: tuple[str, ...]


def export_kit(ctx: AppContext, campaign_id: int | str, out: Path, passphrase: str | ExchangeKey, *,
               class_ids: list[int] | None = None) -> KitInfo:
    ctx.require("screening.manage")
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        require_open(c)
        if "lab" not in c.modes.split(","):
            raise UserError("这次测评活动没有开放机房模式。", "Lab mode is not enabled for this campaign.")
        info = _info(s, c)
        school = s.scalar(select(School))
        check_passphrase(passphrase, school_name=school.name if school else None)
        q = (select(Student, CampaignTarget.code, SchoolClass.grade_code, SchoolClass.number)
             .join(CampaignTarget, CampaignTarget.student_id == Student.id)
             .outerjoin(SchoolClass, SchoolClass.id == CampaignTarget.class_id)
             .where(CampaignTarget.campaign_id == c.id))
        if class_ids:
            q = q.where(CampaignTarget.class_id.in_(class_ids))
        students = []
        for st, code, g, n in s.execute(q):
            assigned = [b.instrument_id for b in info.battery if b.applies_to(g)]
            students.append({"student_no": st.student_no, "name": st.name, "class": class_label(g, n) if g else "",
                             "grade_code": g, "birth_date": st.birth_date.isoformat() if st.birth_date else None,
                             "code": code, "assigned": assigned})
        kit = {"format": KIT_FORMAT, "school": {"uuid": school.uuid, "name": school.name},
               "campaign": {"uuid": c.uuid, "name": c.name, "school_year": c.school_year, "semester": c.semester,
                            "battery": [{"instrument_id": b.instrument_id, "version": b.version, "digest": b.digest,
                                         "grades": list(b.grades)} for b in info.battery]},
               "instruments": {b.instrument_id: definition(s, b.instrument_id, b.version).to_dict()
                               for b in info.battery},
               "students": students, "journal_key": base64.b64encode(os.urandom(32)).decode("ascii")}
        data = json.dumps(kit, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        write_container(out, kind="lab_kit", passphrase=passphrase, entries={KIT_ENTRY: data},
                        manifest_fields={"school_name": school.name, "school_id": school.uuid,
                                         "exporter_name": ctx.actor.display_name, "exporter_login": ctx.actor.login,
                                         "campaign_id": c.uuid})
        audit.record_for(ctx, s, "campaign.kit", target=f"campaign:{c.id}",
                         detail={"students": len(students), "file": Path(out).name})
    return KitInfo(Path(out), len(students), tuple(info.instrument_ids))


@dataclass
class PackReport:
    file_name: str
    pc_id: str
    responses: int
    already_imported: bool = False
    stats: IngestStats = field(default_factory=IngestStats)
    unknown_students: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.already_imported:
            return msg(f"{self.file_name} 已经导入过，未做任何更改。", f"{self.file_name} was already imported; nothing changed.")
        s = self.stats
        lines = [msg(f"{self.file_name}（电脑 {self.pc_id}）：{self.responses} 份作答；新增 {s.added}，更新 {s.updated}，"
                     f"未变 {s.unchanged}，重复作答待处理 {s.conflicts}。",
                     f"{self.file_name} (PC {self.pc_id}): {self.responses} responses; {s.added} new, {s.updated} "
                     f"updated, {s.unchanged} unchanged, {s.conflicts} conflicts to decide.")]
        lines += self.unknown_students
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"file": self.file_name, "pc_id": self.pc_id, "responses": self.responses,
                "already_imported": self.already_imported, **self.stats.to_json(),
                "unknown_students": self.unknown_students}


def _refuse_other(what_zh: str, what_en: str) -> UserError:
    return UserError(f"这个结果包{what_zh}，未导入。", f"This result pack {what_en}; nothing was imported.")


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    dt = datetime.fromisoformat(text)
    return dt.replace(tzinfo=None) if dt.tzinfo is None else dt.astimezone().replace(tzinfo=None)


def _late_pack(ctx: AppContext, s, c: Campaign, file_name: str,
               by_instrument: dict[str, list[Incoming]], held: int = 0) -> UserError:
    """A pack for a closed campaign is refused, but not before its answers were read for safety: a
    positive answer to a critical item puts the student in the review queue, and the refusal says so.
    Raises the refusal when there is nothing to keep; otherwise returns it, for the caller to raise
    once the transaction is committed. ``held``: queue entries the caller already made from the pack."""
    for iid, rows in by_instrument.items():
        defn = battery_definition(s, c, iid)
        for inc in rows:
            held += held_answers(ctx, s, c, defn, inc.student_id, inc.answers,
                                 f"机房结果包 {file_name}，活动已结束后才导入，答案未导入", inc.completed_at,
                                 complete=inc.completed)
    refusal = UserError(f"测评活动“{c.name}”已结束，不能再录入作答，结果包未导入。"
                        + (f"但其中 {held} 处安全题阳性作答已列入复核队列。" if held else ""),
                        f"Campaign {c.name!r} is closed; the pack was not imported."
                        + (" Its positive answers to safety items were put in the review queue." if held else ""))
    if not held:
        raise refusal          # nothing to keep: the transaction rolls back
    audit.record_for(ctx, s, "campaign.late", target=f"campaign:{c.id}", detail={"file": file_name, "held": held})
    return refusal


def import_pack(ctx: AppContext, path: Path, passphrase: str | ExchangeKey) -> PackReport:
    ctx.require("screening.manage")
    path = Path(path)
    container = open_container(path, passphrase, expected_kind="lab_pack")
    m = container.manifest
    data = container.entry_json(PACK_ENTRY)
    if not isinstance(data, dict) or data.get("format") != PACK_FORMAT:
        raise _refuse_other("的版本不对", "is of another version")
    with ctx.db.write() as s:
        school = s.scalar(select(School))
        if m.school_id != school.uuid or data.get("school_uuid") != school.uuid:
            raise _refuse_other(f"来自另一所学校（{m.school_name}）", f"comes from another school ({m.school_name})")
        c = s.scalar(select(Campaign).where(Campaign.uuid == m.campaign_id))
        if c is None or data.get("campaign_uuid") != c.uuid:
            raise _refuse_other("属于本校数据库中没有的另一次测评活动", "belongs to a campaign this database does not have")
        report = PackReport(path.name, str(data.get("pc_id", "")), len(data.get("responses", [])))
        if s.scalar(select(ScreeningPackImport.id).where(ScreeningPackImport.campaign_id == c.id,
                                                         ScreeningPackImport.content_sha256 == m.content_sha256)):
            report.already_imported = True
            return report
        closed = c.status == "closed"
        if not closed:
            require_open(c)
        targets = dict(s.execute(select(Student.student_no, Student.id)
                                 .join(CampaignTarget, CampaignTarget.student_id == Student.id)
                                 .where(CampaignTarget.campaign_id == c.id)).all())
        by_instrument: dict[str, list[Incoming]] = {}
        seen: list[tuple[str, int, list, datetime | None]] = []   # answers changed after a safety rule held
        for k, r in enumerate(data.get("responses", []), start=1):
            sid = targets.get(r["student_no"])
            if sid is None:
                # Never the 学籍号 itself in a message: its G form contains the child's ID number.
                report.unknown_students.append(msg(f"第{k}份作答的学生不在本次测评对象中，未导入",
                                                   f"Response {k}: the student is not a target; not imported"))
                continue
            by_instrument.setdefault(r["instrument_id"], []).append(
                Incoming(sid, r["answers"], r["seconds"], r["status"] == "completed", _time(r.get("completed_at"))))
            seen += [(r["instrument_id"], sid, answers, _time(r.get("completed_at")))
                     for answers in r.get("safety_seen") or [] if isinstance(answers, list)]
        changed = 0
        for iid, sid, answers, at in seen:
            changed += held_answers(ctx, s, c, battery_definition(s, c, iid), sid, answers,
                                    f"机房电脑 {report.pc_id}：作答中曾这样回答，后来改了", at, complete=False)
        late = _late_pack(ctx, s, c, path.name, by_instrument, changed) if closed else None
        if late is None:
            source = f"{report.pc_id}"
            for iid, rows in by_instrument.items():
                report.stats.merge(ingest(ctx, s, c, iid, rows, mode="lab", source=source))
            s.add(ScreeningPackImport(campaign_id=c.id, content_sha256=m.content_sha256,
                                      pack_id=str(data.get("pack_id")), pc_id=report.pc_id,
                                      responses=report.responses, imported_at=now_utc(), imported_by=ctx.actor.user_id))
            audit.record_for(ctx, s, "campaign.pack", target=f"campaign:{c.id}",
                             detail={"file": path.name, "pc": report.pc_id, **report.stats.to_json()})
    if late is not None:
        raise late
    ctx.db.settle()
    return report
