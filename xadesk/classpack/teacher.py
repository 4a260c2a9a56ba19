"""The teacher's side: open a class pack on a PC without the school database, save entries, write
the return.

API::

    tp = TeacherPack.open(pack_path, passphrase)        # refused: expired, damaged, wrong passphrase
    tp.add_observation(student_no, category=..., text=..., severity="info")   # saved (fsync) on return
    tp.add_home_visit(student_no, visitors=..., present=..., text=..., family=[...])
    tp.add_follow_up(student_no, summary=..., method="talk", proposed_level=None)
    tp.add_monitor(student_no, "appoint" | "end")
    tp.withdraw(entry_id)                                  # take back an entry not yet merged at school
    tp.write_return(out)                                  # every entry the school has not merged yet

Every entry goes to the encrypted journal beside the pack before the call returns (the lab
kiosk's journal: one fsync per record; a torn last record from a power cut is cut off on the next
open). The journal belongs to the pack *series* (teacher + class), so a refreshed pack opened from
the same folder finds the entries not yet returned. The return is encrypted with the pack's
passphrase; an entry keeps its id for life, which is how the school merges it exactly once.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..exchange import (
    ExchangeKey,
    ExchangeTampered,
    ExchangeTruncated,
    WrongExchangeKind,
    WrongPassphrase,
    open_container,
    write_container,
)
from ..exchange.errors import kind_label
from ..exchange.manifest import iso_utc
from ..instruments.definition import Definition
from ..instruments.schema import definition_from_dict
from ..screening.journal import Journal
from ..screening.journal import JournalDamaged as LabJournalDamaged
from .content import (
    FOLLOW_UP,
    HOME_VISIT,
    MONITOR,
    OBSERVATION,
    PACK_ENTRY,
    PACK_FORMAT,
    PACK_KIND,
    RATING,
    RETURN_ENTRY,
    RETURN_FORMAT,
    RETURN_KIND,
    new_entry,
    newer_format,
)
from .errors import JournalDamaged, NotAClassPack, PackExpired, PackTampered, PackWrongPassphrase, TooNew
from .ratings import check_answers


@dataclass(frozen=True)
class PackStudent:
    student_no: str
    name: str
    sex: str
    level: str | None        # level code of an open case, if any
    level_name: str | None
    level_colour: str | None
    mine: bool               # the teacher is this student's contact (a follow-up task)
    next_due: date | None
    monitor: bool
    visited: bool            # home visit this school year (at school, or saved here)


# A journal record that takes back an earlier entry: {"withdrawn": entry id, "saved_at"}.
WITHDRAWN = "withdrawn"


def _live(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The journal's entries without the withdrawn ones (and without the withdrawal records)."""
    gone = {r[WITHDRAWN] for r in records if WITHDRAWN in r}
    return [r for r in records if WITHDRAWN not in r and r.get("id") not in gone]


def journal_path(folder: Path, series_uuid: str) -> Path:
    return Path(folder) / f"classpack-{series_uuid}.journal"


def open_pack_container(path: Path, passphrase: str | ExchangeKey) -> dict[str, Any]:
    """The pack's JSON, every refusal in a class pack's own words."""
    try:
        c = open_container(path, passphrase, expected_kind=PACK_KIND)
    except WrongPassphrase:
        raise PackWrongPassphrase() from None
    except (ExchangeTampered, ExchangeTruncated):
        raise PackTampered() from None
    except WrongExchangeKind as exc:
        raise NotAClassPack(*kind_label(exc.actual)) from None
    try:
        data = c.entry_json(PACK_ENTRY)
    except ExchangeTampered:
        raise PackTampered() from None
    if isinstance(data, dict) and newer_format(data.get("format"), PACK_FORMAT):
        raise TooNew("班级包", "class pack")
    if not isinstance(data, dict) or data.get("format") != PACK_FORMAT:
        raise PackTampered()
    if data.get("school", {}).get("uuid") != c.manifest.school_id:
        raise PackTampered()
    return data


class TeacherPack:
    def __init__(self, path: Path, data: dict[str, Any], key: ExchangeKey, journal: Journal,
                 entries: list[dict[str, Any]], today: date) -> None:
        self.path = path
        self.data = data
        self._key = key
        self._journal = journal
        self.entries = entries
        self.today = today

    @classmethod
    def open(cls, path: Path, passphrase: str | ExchangeKey, *, today: date | None = None) -> TeacherPack:
        path = Path(path)
        key = passphrase if isinstance(passphrase, ExchangeKey) else ExchangeKey(passphrase)
        data = open_pack_container(path, key)
        day = today or date.today()
        expires = date.fromisoformat(data["expires_on"])
        if day > expires:
            raise PackExpired(expires)
        series = data["series_uuid"]
        jpath = journal_path(path.parent, series)
        try:
            journal, records = Journal.open(jpath, base64.b64decode(data["journal_key"]), series, series)
        except LabJournalDamaged:
            raise JournalDamaged(jpath.name) from None
        return cls(path, data, key, journal, _live(records), day)

    # --- what the teacher sees ------------------------------------------------------------------
    @property
    def school_name(self) -> str:
        return self.data["school"]["name"]

    @property
    def class_label(self) -> str:
        return self.data["class"]["label"]

    @property
    def teacher_name(self) -> str:
        return self.data["teacher"]["name"]

    @property
    def counselor_name(self) -> str:
        return self.data["counselor"]["name"]

    @property
    def expires_on(self) -> date:
        return date.fromisoformat(self.data["expires_on"])

    @property
    def roster_only(self) -> bool:
        return bool(self.data.get("roster_only"))

    @property
    def journal_file(self) -> Path:
        return self._journal.path

    def student_numbers(self) -> set[str]:
        return {s["student_no"] for s in self.data["students"]}

    def students(self) -> list[PackStudent]:
        levels = {lv["code"]: lv for lv in self.data.get("levels", [])}
        grid = {g["student_no"]: g for g in self.data.get("grid", [])}
        monitors = {m["student_no"] for m in self.data.get("monitors", [])}
        for e in self.entries:
            if e["kind"] == MONITOR:
                (monitors.add if e["action"] == "appoint" else monitors.discard)(e["student_no"])
        visited = set(self.data.get("coverage", {}).get("visited", []))
        visited |= {e["student_no"] for e in self.entries if e["kind"] == HOME_VISIT}
        out = []
        for s in self.data["students"]:
            g = grid.get(s["student_no"])
            lv = levels.get(g["level"]) if g else None
            out.append(PackStudent(s["student_no"], s["name"], s["sex"], g["level"] if g else None,
                                   lv["name"] if lv else None, lv["colour_hex"] if lv else None,
                                   bool(g and g.get("mine")),
                                   date.fromisoformat(g["next_due"]) if g and g.get("next_due") else None,
                                   s["student_no"] in monitors, s["student_no"] in visited))
        return out

    def name_of(self, student_no: str) -> str:
        return next((s["name"] for s in self.data["students"] if s["student_no"] == student_no), student_no)

    def own_records(self, student_no: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.data.get("own_records", []) if student_no in (None, r["student_no"])]

    def unreturned(self) -> list[dict[str, Any]]:
        """Entries saved here that the school has not merged (per this pack)."""
        done = set(self.data.get("returned", []))
        return [e for e in self.entries if e["id"] not in done]

    # --- entries --------------------------------------------------------------------------------
    def student_key(self, who: str) -> str:
        """The pack's key for a student named by that key or by their name (unique in the class);
        the pack holds no 学籍号 (it embeds the ID number)."""
        who = (who or "").strip()
        if who in self.student_numbers():
            return who
        same = [s["student_no"] for s in self.data["students"] if s["name"] == who]
        if len(same) == 1:
            return same[0]
        if len(same) > 1:
            raise UserError(f"本班有 {len(same)} 名学生叫“{who}”，请改用编号（xadesk classpack students 可列出）。",
                            f"{len(same)} students are called {who!r}; use the pack key.", field="student")
        raise UserError(f"“{who}”不在本班名单中（请写学生姓名）。", f"{who!r} is not in this class.", field="student")

    def _add(self, kind: str, student: str, day: date | None, **fields: Any) -> dict[str, Any]:
        student_no = self.student_key(student)
        entry = new_entry(kind, student_no, day=day, today=self.today, students=self.student_numbers(), **fields)
        self._journal.append(entry)
        self.entries.append(entry)
        return entry

    def add_observation(self, student_no: str, *, category: str, text: str, severity: str = "info",
                        day: date | None = None, proposed_level: str | None = None) -> dict[str, Any]:
        return self._add(OBSERVATION, student_no, day, category=category, severity=severity, text=text,
                         proposed_level=proposed_level)

    def add_home_visit(self, student_no: str, *, visitors: str, present: str, text: str,
                       family: list[str] | None = None, day: date | None = None) -> dict[str, Any]:
        return self._add(HOME_VISIT, student_no, day, visitors=visitors, present=present, text=text,
                         family=list(family or []))

    def add_follow_up(self, student_no: str, *, summary: str, method: str = "talk", day: date | None = None,
                      proposed_level: str | None = None) -> dict[str, Any]:
        return self._add(FOLLOW_UP, student_no, day, summary=summary, method=method, proposed_level=proposed_level)

    def add_monitor(self, student_no: str, action: str, *, day: date | None = None) -> dict[str, Any]:
        return self._add(MONITOR, student_no, day, action=action)

    def withdraw(self, entry_id: str) -> dict[str, Any]:
        """Take back an entry saved by mistake (wrong student, wrong category) before it reaches the
        school: the journal gets a withdrawal record (it is append-only, so a crash keeps either the
        entry or its withdrawal) and the next return leaves the entry out."""
        entry = next((e for e in self.unreturned() if e["id"] == entry_id), None)
        if entry is None:
            raise UserError("这条记录已由学校导入（或不存在），不能在本机撤回；如需更正，请联系心理老师。",
                            "This entry has been merged at school (or does not exist); ask the counselor to correct it.",
                            field="entry")
        self._journal.append({WITHDRAWN: entry_id, "saved_at": datetime.now().astimezone().isoformat()})
        self.entries = [e for e in self.entries if e["id"] != entry_id]
        return entry

    # --- teacher ratings ------------------------------------------------------------------------
    def rating_tasks(self) -> list[dict[str, Any]]:
        return list(self.data.get("ratings", []))

    def rating_definition(self, campaign_uuid: str, instrument_id: str) -> tuple[dict[str, Any], Definition]:
        for task in self.rating_tasks():
            if task["campaign_uuid"] == campaign_uuid and task["instrument_id"] == instrument_id:
                return task, definition_from_dict(task["definition"], f"{instrument_id}（班级包）")
        raise UserError("班级包中没有这项班主任评定。", "No such rating in this pack.", field="instrument")

    def rated(self, campaign_uuid: str, instrument_id: str) -> set[str]:
        """Students already rated for this campaign and instrument: here, or at school when the pack was made."""
        at_school = {no for t in self.rating_tasks() if t["campaign_uuid"] == campaign_uuid
                     and t["instrument_id"] == instrument_id for no in t.get("rated", [])}
        return at_school | {e["student_no"] for e in self.entries if e["kind"] == RATING
                            and e["campaign_uuid"] == campaign_uuid and e["instrument_id"] == instrument_id}

    def add_rating(self, student_no: str, campaign_uuid: str, instrument_id: str,
                   answers: list[float | None]) -> dict[str, Any]:
        task, defn = self.rating_definition(campaign_uuid, instrument_id)
        student_no = self.student_key(student_no)
        if student_no not in task["students"]:
            raise UserError(f"{self.name_of(student_no)} 不在这次评定的对象中。", "Not a target of this rating.",
                            field="student")
        values = check_answers(defn, answers)
        return self._add(RATING, student_no, None, campaign_uuid=campaign_uuid, instrument_id=instrument_id,
                         version=task["version"], instrument_name=task["name"], answers=values)

    # --- the return -----------------------------------------------------------------------------
    def write_return(self, out: Path) -> int:
        """Write the return (atomically); returns how many entries it carries."""
        entries = self.unreturned()
        data = {"format": RETURN_FORMAT, "school_uuid": self.data["school"]["uuid"],
                "series_uuid": self.data["series_uuid"], "pack_id": self.data["pack_id"],
                "pack_expires_on": self.data["expires_on"], "pack_exported_at": self.data["exported_at"],
                "made_at": iso_utc(datetime.now(UTC)),
                "teacher_login": self.data["teacher"]["login"], "entries": entries}
        blob = _json(data)
        write_container(out, kind=RETURN_KIND, passphrase=self._key, entries={RETURN_ENTRY: blob},
                        manifest_fields={"school_name": self.school_name, "school_id": self.data["school"]["uuid"],
                                         "exporter_name": self.teacher_name,
                                         "exporter_login": self.data["teacher"]["login"],
                                         "extra": {"series_uuid": self.data["series_uuid"]}})
        return len(entries)


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
