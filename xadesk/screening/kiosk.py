"""The kiosk core: a student identifies, sees what their campaign assigns them, answers item by item.

Two kiosks behind one interface, for the Qt kiosk screen::

    kiosk = SchoolKiosk.start(ctx, campaign_ref, pc_id)              # on the school database
    kiosk = LabKiosk.open(kit_path, passphrase, folder, pc_id)       # on a lab PC, no database

    kiosk.campaign_name -> str
    kiosk.identify(student_no, birth_date) -> KioskStudent           # 学号/学籍号 + 出生日期
    kiosk.identify_code(code) -> KioskStudent                        # the printed per-student code
    kiosk.tasks(student) -> list[KioskTask]                          # in battery order, with progress
    kiosk.instructions(instrument_id) -> str                         # shown before the first item
    kiosk.next_item(student, instrument_id) -> ItemView | None       # None when that one is finished
    kiosk.answer(student, instrument_id, index, value, seconds) -> AnswerState
        committed (database transaction, or fsynced journal record) before it returns
    kiosk.check_exit(password) -> bool       # the counselor's password (lab: the kit passphrase)
    kiosk.close()
    LabKiosk.write_pack(path) -> Path        # the encrypted result pack to carry back

Nothing returned here carries a score, a band or a flag: :class:`ItemView` and :class:`AnswerState`
only say what to show next. Identification failures all give the same message, so the kiosk does
not reveal which student numbers exist. After a crash, ``tasks``/``next_item`` resume at the first
item not yet answered.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select

from ..domain.dates import parse_date
from ..domain.grades import class_label
from ..errors import UserError, WrongPassword
from ..exchange import ExchangeKey, open_container, write_container
from ..exchange.passphrase import normalise
from ..instruments.definition import Definition
from ..services import audit
from ..services.campaigns import get_campaign, load, require_open
from ..services.screening_answers import (
    battery_definition,
    current_answers,
    find_response,
    record_answer,
    response_state,
)
from ..storage.keyfile import user_slot_id
from ..storage.models import SchoolClass, Student
from ..storage.models_screening import CampaignTarget
from . import battery, critical
from .battery import ItemView
from .journal import Journal
from .kit import KIT_ENTRY, PACK_ENTRY, PACK_FORMAT, Kit


@dataclass(frozen=True)
class KioskStudent:
    token: str          # opaque to the screen
    name: str
    class_label: str


@dataclass(frozen=True)
class KioskTask:
    instrument_id: str
    title: str
    n_items: int
    answered: int
    completed: bool


def _not_found() -> UserError:
    return UserError("没有找到你的信息。请检查学号和出生日期（如 20130105）后重试，或请老师帮忙。",
                     "We could not find you. Check your number and birth date, or ask the teacher.")


def _birth(text: date | str) -> date:
    if isinstance(text, date):
        return text
    try:
        return parse_date(str(text).strip())
    except UserError:
        raise _not_found() from None


# --- on the school database ------------------------------------------------------------------------

class SchoolKiosk:
    """A kiosk on a PC with the school database, run under the counselor's context."""

    def __init__(self, ctx, campaign_id: int, campaign_name: str, pc_id: str) -> None:
        self._ctx, self.campaign_id, self.campaign_name, self.pc_id = ctx, campaign_id, campaign_name, pc_id
        self._defs: dict[str, Definition] = {}

    @classmethod
    def start(cls, ctx, campaign_ref: int | str, pc_id: str) -> SchoolKiosk:
        ctx.require("screening.manage")
        with ctx.db.write() as s:
            c = load(s, campaign_ref)
            require_open(c)
            if "kiosk" not in c.modes.split(","):
                raise UserError("这次测评活动没有开放学生自助测评。", "Kiosk mode is not enabled for this campaign.")
            audit.record_for(ctx, s, "kiosk.start", target=f"campaign:{c.id}", detail={"pc": pc_id})
            return cls(ctx, c.id, c.name, pc_id)

    def _definition(self, instrument_id: str) -> Definition:
        if instrument_id not in self._defs:
            with self._ctx.db.read() as s:
                self._defs[instrument_id] = battery_definition(s, load(s, self.campaign_id), instrument_id)
        return self._defs[instrument_id]

    def _student(self, s, student_id: int) -> KioskStudent:
        st = s.get(Student, student_id)
        cls_ = s.get(SchoolClass, st.class_id) if st.class_id else None
        return KioskStudent(str(st.id), st.name, class_label(cls_.grade_code, cls_.number) if cls_ else "")

    def identify(self, student_no: str, birth_date: date | str) -> KioskStudent:
        born = _birth(birth_date)
        no = student_no.strip().upper()
        with self._ctx.db.read() as s:
            q = (select(Student.id).join(CampaignTarget, CampaignTarget.student_id == Student.id)
                 .where(CampaignTarget.campaign_id == self.campaign_id, Student.birth_date == born,
                        (func.upper(Student.student_no) == no) | (func.upper(Student.school_no) == no)))
            ids = s.scalars(q).all()
            if len(ids) != 1:
                raise _not_found()
            return self._student(s, ids[0])

    def identify_code(self, code: str) -> KioskStudent:
        with self._ctx.db.read() as s:
            sid = s.scalar(select(CampaignTarget.student_id).where(CampaignTarget.campaign_id == self.campaign_id,
                                                                   CampaignTarget.code == normalise(code)))
            if sid is None:
                raise _not_found()
            return self._student(s, sid)

    def tasks(self, student: KioskStudent) -> list[KioskTask]:
        info = get_campaign(self._ctx, self.campaign_id)
        with self._ctx.db.read() as s:
            st = s.get(Student, int(student.token))
            gcode = s.get(SchoolClass, st.class_id).grade_code if st.class_id else None
        out = []
        for b in info.battery:
            if b.applies_to(gcode):
                state = response_state(self._ctx, self.campaign_id, int(student.token), b.instrument_id)
                out.append(KioskTask(b.instrument_id, self._definition(b.instrument_id).name_zh, state.shown,
                                     state.answered, state.completed))
        return out

    def instructions(self, instrument_id: str) -> str:
        return self._definition(instrument_id).text("instructions")

    def next_item(self, student: KioskStudent, instrument_id: str) -> ItemView | None:
        defn = self._definition(instrument_id)
        with self._ctx.db.read() as s:
            r = find_response(s, load(s, self.campaign_id).id, int(student.token), instrument_id)
            answers, seconds = current_answers(self._ctx, s, defn, r)
        point = battery.resume_point(defn, answers, seconds)
        return None if point is None else battery.item_view(defn, answers, point)

    def answer(self, student: KioskStudent, instrument_id: str, index: int, value: float | None,
               seconds: float | None):
        return record_answer(self._ctx, self.campaign_id, int(student.token), instrument_id, index, value, seconds,
                             mode="kiosk", source=self.pc_id)

    def check_exit(self, password: str) -> bool:
        try:
            self._ctx.keyfile.unwrap(user_slot_id(self._ctx.actor.login), password)
        except WrongPassword:
            return False
        with self._ctx.db.write() as s:
            audit.record_for(self._ctx, s, "kiosk.exit", target=f"campaign:{self.campaign_id}",
                             detail={"pc": self.pc_id})
        return True

    def close(self) -> None:
        pass


# --- on a lab PC, from a kit -----------------------------------------------------------------------

@dataclass
class _LabResponse:
    answers: list[float | None]
    seconds: list[float | None]
    started_at: str
    completed_at: str | None = None
    safety_seen: dict[str, list[float | None]] = field(default_factory=dict)   # rule id → answers then


class LabKiosk:
    """A kiosk on a PC without the school database: the kit in memory, answers in an encrypted journal."""

    def __init__(self, kit, key, journal, pc_id: str, records: list[dict]) -> None:
        self.kit, self._key, self._journal, self.pc_id = kit, key, journal, pc_id
        self.campaign_name = kit.campaign_name
        self._responses: dict[tuple[str, str], _LabResponse] = {}
        for rec in records:
            self._apply(rec)

    @classmethod
    def open(cls, kit_path: Path, passphrase: str, folder: Path, pc_id: str) -> LabKiosk:
        """Open a kit (refused if damaged or the passphrase is wrong) and the PC's journal beside it."""
        key = ExchangeKey(passphrase)
        container = open_container(kit_path, key, expected_kind="lab_kit")
        kit = Kit.from_json(container.entry_json(KIT_ENTRY))
        safe_pc = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in pc_id) or "pc"
        journal, records = Journal.open(Path(folder) / f"{kit.campaign_uuid}-{safe_pc}.journal", kit.journal_key,
                                        pc_id, kit.campaign_uuid)
        return cls(kit, key, journal, pc_id, records)

    def _apply(self, rec: dict) -> None:
        defn = self.kit.definitions[rec["instrument_id"]]
        key = (rec["student_no"], rec["instrument_id"])
        r = self._responses.get(key)
        if r is None:
            a, s = battery.empty(defn)
            r = self._responses[key] = _LabResponse(a, s, rec["at"])
        r.answers[rec["index"]] = rec["value"]
        r.seconds[rec["index"]] = rec["seconds"]
        for j in range(defn.n_items):
            if not battery.is_shown(defn, r.answers, j):
                r.answers[j] = r.seconds[j] = None
        # What the school kiosk raises at once (an answer that makes a safety rule hold) is kept here
        # even if the student changes the answer later, so the pack carries it (kit.py, safety_seen).
        for rule in critical.safety_hits(defn, r.answers, complete=False):
            r.safety_seen.setdefault(rule.id, list(r.answers))
        if battery.is_complete(defn, r.answers, r.seconds):
            r.completed_at = r.completed_at or rec["at"]

    def _student(self, st) -> KioskStudent:
        return KioskStudent(st.student_no, st.name, st.class_label)

    def identify(self, student_no: str, birth_date: date | str) -> KioskStudent:
        born = _birth(birth_date)
        st = self.kit.students.get(student_no.strip().upper())
        if st is None or st.birth_date != born:
            raise _not_found()
        return self._student(st)

    def identify_code(self, code: str) -> KioskStudent:
        wanted = normalise(code)
        st = next((x for x in self.kit.students.values() if x.code == wanted), None)
        if st is None:
            raise _not_found()
        return self._student(st)

    def _progress(self, student_no: str, instrument_id: str):
        defn = self.kit.definitions[instrument_id]
        r = self._responses.get((student_no, instrument_id))
        return defn, (r.answers, r.seconds) if r else battery.empty(defn)

    def tasks(self, student: KioskStudent) -> list[KioskTask]:
        out = []
        for iid in self.kit.students[student.token].assigned:
            defn, (answers, seconds) = self._progress(student.token, iid)
            shown = battery.shown_items(defn, answers)
            out.append(KioskTask(iid, defn.name_zh, len(shown), sum(answers[j] is not None for j in shown),
                                 battery.is_complete(defn, answers, seconds)))
        return out

    def instructions(self, instrument_id: str) -> str:
        return self.kit.definitions[instrument_id].text("instructions")

    def next_item(self, student: KioskStudent, instrument_id: str) -> ItemView | None:
        defn, (answers, seconds) = self._progress(student.token, instrument_id)
        point = battery.resume_point(defn, answers, seconds)
        return None if point is None else battery.item_view(defn, answers, point)

    def answer(self, student: KioskStudent, instrument_id: str, index: int, value: float | None,
               seconds: float | None):
        if instrument_id not in self.kit.students[student.token].assigned:
            raise UserError("这份问卷不是分配给你的。", "This questionnaire is not assigned to you.")
        defn, (answers, secs) = self._progress(student.token, instrument_id)
        if battery.is_complete(defn, answers, secs):
            raise UserError("这份问卷已经完成，不能再修改。", "This questionnaire is already completed.")
        value = battery.check_value(defn, index, value)
        if not battery.is_shown(defn, answers, index):
            raise UserError(f"第{index + 1}题现在不应出现。", f"Item {index + 1} is not shown now.")
        rec = {"student_no": student.token, "instrument_id": instrument_id, "index": index, "value": value,
               "seconds": max(0.0, float(seconds)) if seconds is not None else 0.0,
               "at": datetime.now(UTC).isoformat(timespec="seconds")}
        self._journal.append(rec)           # durable before the screen moves on
        self._apply(rec)
        defn, (answers, secs) = self._progress(student.token, instrument_id)
        shown = battery.shown_items(defn, answers)
        point = battery.resume_point(defn, answers, secs)
        return battery.AnswerState(instrument_id, point, sum(answers[j] is not None for j in shown), len(shown),
                           point is None)

    def check_exit(self, password: str) -> bool:
        return self._key.matches(password)

    def pack_json(self) -> dict:
        responses = []
        for (no, iid), r in sorted(self._responses.items()):
            defn = self.kit.definitions[iid]
            responses.append({"student_no": no, "instrument_id": iid, "version": defn.version,
                              "status": "completed" if r.completed_at else "in_progress",
                              "answers": [battery.plain(v) for v in r.answers],
                              "seconds": [battery.plain(v) for v in r.seconds],
                              "started_at": r.started_at, "completed_at": r.completed_at,
                              "safety_seen": [[battery.plain(v) for v in seen]
                                              for seen in r.safety_seen.values() if seen != r.answers]})
        return {"format": PACK_FORMAT, "school_uuid": self.kit.school_uuid, "campaign_uuid": self.kit.campaign_uuid,
                "pack_id": self._journal.id, "pc_id": self.pc_id, "responses": responses}

    def write_pack(self, path: Path) -> Path:
        """Write the encrypted result pack (atomically; safe to repeat — a later pack supersedes)."""

        data = json.dumps(self.pack_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        write_container(path, kind="lab_pack", passphrase=self._key, entries={PACK_ENTRY: data},
                        manifest_fields={"school_name": self.kit.school_name, "school_id": self.kit.school_uuid,
                                         "exporter_name": f"机房电脑 {self.pc_id}", "exporter_login": "kiosk",
                                         "campaign_id": self.kit.campaign_uuid,
                                         "extra": {"pc_id": self.pc_id, "pack_id": self._journal.id}})
        return Path(path)

    def close(self) -> None:
        self._journal.close()


def new_pc_id() -> str:
    return uuid.uuid4().hex[:8]
