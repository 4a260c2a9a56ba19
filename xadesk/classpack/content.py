"""What a class pack and a return hold (inside the exchange container, ``xadesk/exchange/FORMAT.md``).

Pack (kind ``class_pack``, entry ``pack.json``)::

    {"format": "xadesk-class-pack/1", "school": {"uuid", "name"}, "series_uuid", "pack_id",
     "exported_at", "expires_on", "roster_only", "teacher": {"login", "name"},
     "counselor": {"name"}, "class": {"label", "grade_code"},
     "students": [{"student_no", "name", "sex"}],            # no ID number, no birth date, and
                                                             # "student_no" is the pack key (export.pack_key), never
                                                             # the 学籍号, which is "G" + the ID number
     "levels": [{"code", "name", "colour_hex"}],
     "grid": [{"student_no", "level", "contact", "mine", "next_due"}],   # cases in the class
     "monitors": [{"student_no", "appointed_on"}],
     "coverage": {"school_year", "visited": [student_no]},
     "own_records": [{"id", "kind", "student_no", "date", "category", "severity", "text", "visitors",
                      "present"}],                         # the teacher's own observations and visits
     "ratings": [{"campaign_uuid", "campaign_name", "instrument_id", "version", "name", "definition",
                  "students": [student_no], "rated": [student_no]}],   # open teacher-rated instruments
     "returned": [entry id],                               # entries of this series already merged
     "journal_key": "<base64, 32 bytes>"}

A roster-only pack (exported by an administrator) leaves levels, grid, coverage and own_records empty.
Nothing of other classes and nothing of counselling, interviews or screening scores is ever written.

Return (kind ``class_return``, entry ``return.json``), encrypted with the pack's passphrase::

    {"format": "xadesk-class-return/1", "school_uuid", "series_uuid", "pack_id", "pack_expires_on",
     "made_at", "teacher_login", "entries": [<entry>]}

An entry: ``{"id" (uuid, stable for life), "kind", "student_no" (the pack key; a 学籍号 in returns of
older packs, still merged), "date", "saved_at", ...}`` with
``observation``: category, severity, text, proposed_level?; ``home_visit``: visitors, present, text,
family [roster tag codes]; ``follow_up``: method, summary, proposed_level?; ``monitor``: action
(appoint / end); ``rating``: campaign_uuid, instrument_id, version, instrument_name, answers. :func:`check_entry` is the one validation used when the teacher saves an entry and
again when the school imports it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from ..archive import kinds as K
from ..errors import UserError
from ..grid.levels import LEVEL_CODES
from ..roster.columns import TAG_LABELS as FAMILY_LABELS_ALL
from ..services.grid_tracking import FOLLOW_UP_METHODS

PACK_FORMAT = "xadesk-class-pack/1"
RETURN_FORMAT = "xadesk-class-return/1"
PACK_KIND = "class_pack"
RETURN_KIND = "class_return"
PACK_ENTRY = "pack.json"
RETURN_ENTRY = "return.json"

OBSERVATION, HOME_VISIT, FOLLOW_UP, MONITOR, RATING = "observation", "home_visit", "follow_up", "monitor", "rating"
ENTRY_KINDS = {OBSERVATION: "日常观察", HOME_VISIT: "家访", FOLLOW_UP: "随访", MONITOR: "健康委员变动",
               RATING: "班主任评定"}
MONITOR_ACTIONS = {"appoint": "登记为健康委员", "end": "卸任健康委员"}
# The family situations a home visit may note (the roster's special-group vocabulary).
FAMILY_SITUATIONS = {k: v for k, v in FAMILY_LABELS_ALL.items()
                     if k in ("single_parent", "blended", "left_behind", "difficulty", "migrant")}
MAX_TEXT = 10_000

URGENT_LINE = "如有紧急情况（自伤、自杀念头、伤人风险、失联等），请立即电话联系心理老师，不要等交回文件：交回的文件不是报警。"


def newer_format(found: Any, current: str) -> bool:
    """``found`` names a later version of ``current`` (``xadesk-class-pack/2`` vs ``…/1``)."""
    name, _, version = current.rpartition("/")
    if not isinstance(found, str) or not found.startswith(name + "/"):
        return False
    tail = found[len(name) + 1:]
    return tail.isdigit() and int(tail) > int(version)


def _fail(zh: str, en: str, field: str) -> UserError:
    return UserError(zh, en, field=field)


def _clean_text(value: Any, what_zh: str, field: str, *, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    # Invisible characters pasted from chat apps are not content.
    text = "".join(c for c in text if c.isprintable() or c in "\n\t").strip()
    if required and not text:
        raise _fail(f"请填写{what_zh}。", f"Please fill in {field}.", field)
    if len(text) > MAX_TEXT:
        raise _fail(f"{what_zh}太长（最多 {MAX_TEXT} 字）。", f"{field} is too long.", field)
    return text


def _day(value: Any, today: date) -> date:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        raise _fail(f"无法识别的日期“{value}”，请写成 2026-09-01。", f"Bad date {value!r}.", "date") from None
    if day > today:
        raise _fail(f"日期 {day.isoformat()} 在今天之后，请检查。", f"The date {day} is in the future.", "date")
    return day


def _level(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if value not in LEVEL_CODES:
        raise _fail(f"无法识别的预警等级“{value}”。", f"Unknown level {value!r}.", "proposed_level")
    return str(value)


def new_entry(kind: str, student_no: str, *, day: date | None, today: date, students: set[str] | None = None,
              **fields: Any) -> dict[str, Any]:
    """A fresh entry with its stable id, checked (``students``: the pack's roster)."""
    raw = {"id": str(uuid.uuid4()), "kind": kind, "student_no": student_no,
           "date": (day or today).isoformat(), "saved_at": datetime.now().astimezone().isoformat(), **fields}
    return check_entry(raw, today=today, students=students)


def check_entry(raw: Any, *, today: date, students: set[str] | None = None) -> dict[str, Any]:
    """The entry in canonical form, or a UserError naming the field. ``students``: the pack's roster."""
    if not isinstance(raw, dict):
        raise _fail("记录格式不对。", "Malformed entry.", "entry")
    try:
        eid = str(uuid.UUID(str(raw.get("id"))))
    except ValueError:
        raise _fail("记录编号不对。", "Bad entry id.", "id") from None
    kind = raw.get("kind")
    if kind not in ENTRY_KINDS:
        raise _fail(f"无法识别的记录类别“{kind}”。", f"Unknown entry kind {kind!r}.", "kind")
    no = str(raw.get("student_no") or "").strip()
    if not no or (students is not None and no not in students):
        raise _fail(f"学籍号“{no}”不在本班名单中。", f"{no!r} is not in this class.", "student")
    out: dict[str, Any] = {"id": eid, "kind": kind, "student_no": no,
                           "date": _day(raw.get("date"), today).isoformat(),
                           "saved_at": str(raw.get("saved_at") or "")}
    if kind == OBSERVATION:
        out["category"] = K.parse_code(K.OBSERVATION_CATEGORIES, raw.get("category"), "观察类别",
                                       "observation category", "category")
        out["severity"] = K.parse_code(K.SEVERITIES, raw.get("severity") or "info", "程度", "severity", "severity")
        out["text"] = _clean_text(raw.get("text"), "观察内容", "text")
        out["proposed_level"] = _level(raw.get("proposed_level"))
    elif kind == HOME_VISIT:
        out["visitors"] = _clean_text(raw.get("visitors"), "家访人员", "visitors")
        out["present"] = _clean_text(raw.get("present"), "在场家庭成员", "present")
        out["text"] = _clean_text(raw.get("text"), "家访情况", "text")
        family = raw.get("family") or []
        if not isinstance(family, list) or any(f not in FAMILY_SITUATIONS for f in family):
            raise _fail("家庭情况选项不对。", "Unknown family situation.", "family")
        out["family"] = sorted(set(family))
    elif kind == FOLLOW_UP:
        method = raw.get("method") or "talk"
        inv = {v: k for k, v in FOLLOW_UP_METHODS.items()}
        method = inv.get(method, method)
        if method not in FOLLOW_UP_METHODS:
            raise _fail(f"随访方式须为：{'、'.join(FOLLOW_UP_METHODS.values())}", "Unknown method.", "method")
        out["method"] = method
        out["summary"] = _clean_text(raw.get("summary"), "随访情况", "summary")
        out["proposed_level"] = _level(raw.get("proposed_level"))
    elif kind == RATING:
        try:
            out["campaign_uuid"] = str(uuid.UUID(str(raw.get("campaign_uuid"))))
        except ValueError:
            raise _fail("评定所属的测评活动不对。", "Bad campaign.", "campaign") from None
        iid, version, answers = raw.get("instrument_id"), raw.get("version"), raw.get("answers")
        if not isinstance(iid, str) or not iid or not isinstance(version, int) or not isinstance(answers, list) \
                or any(v is not None and not isinstance(v, int | float) for v in answers):
            raise _fail("评定内容不完整。", "Incomplete rating.", "answers")
        out.update(instrument_id=iid, version=version, answers=answers,
                   instrument_name=str(raw.get("instrument_name") or iid))
    elif kind == MONITOR:
        action = raw.get("action")
        if action not in MONITOR_ACTIONS:
            raise _fail("健康委员变动须为登记或卸任。", "Action must be appoint or end.", "action")
        out["action"] = action
    return out


def describe(entry: dict[str, Any]) -> str:
    """One line for lists: what kind, and the gist."""
    kind = entry["kind"]
    if kind == OBSERVATION:
        gist = (f"{K.OBSERVATION_CATEGORIES.get(entry['category'], '')}（{K.SEVERITIES.get(entry['severity'], '')}）："
                f"{entry['text']}")
    elif kind == HOME_VISIT:
        gist = entry["text"]
    elif kind == FOLLOW_UP:
        gist = f"{FOLLOW_UP_METHODS.get(entry['method'], '')}：{entry['summary']}"
    elif kind == RATING:
        gist = entry["instrument_name"]
    else:
        gist = MONITOR_ACTIONS.get(entry.get("action", ""), "")
    return f"{ENTRY_KINDS[kind]} · {gist}"
