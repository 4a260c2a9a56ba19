"""Lab kit and result pack contents, inside the exchange container (``xadesk/exchange/FORMAT.md``).

Kit (kind ``lab_kit``, entry ``kit.json``)::

    {"format": "xadesk-lab-kit/1",
     "school": {"uuid", "name"},
     "campaign": {"uuid", "name", "school_year", "semester",
                  "battery": [{"instrument_id", "version", "digest", "grades": [...]}]},
     "instruments": {"<id>": <definition JSON>},
     "students": [{"student_no", "name", "class", "grade_code", "birth_date", "code", "assigned": [ids]}],
     "journal_key": "<base64, 32 bytes>"}

Only identification data travels: name, class, student number, birth date, the kiosk code, and which
instruments each student is to answer — no ID number, no tags, no score, nothing from earlier
screenings. ``journal_key`` encrypts the lab PC's answer journal.

Pack (kind ``lab_pack``, entry ``answers.json``)::

    {"format": "xadesk-lab-pack/1", "school_uuid", "campaign_uuid", "pack_id" (the journal id: one per
     PC and kit), "pc_id",
     "responses": [{"student_no", "instrument_id", "version", "status", "answers": [...], "seconds": [...],
                    "started_at", "completed_at", "safety_seen": [[...], ...]}]}

``safety_seen`` (optional; absent in older packs): the answers as they stood each time a safety rule
first held on them, for answers that were changed afterwards — a student who marked item 9 "2" and
went back to "0" is in the review queue on the lab PC's data as on the school kiosk, where the
answer raised its alert the moment it was given.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..errors import UserError
from ..instruments.definition import Definition
from ..instruments.schema import definition_from_dict

KIT_FORMAT = "xadesk-lab-kit/1"
PACK_FORMAT = "xadesk-lab-pack/1"
KIT_ENTRY = "kit.json"
PACK_ENTRY = "answers.json"


@dataclass(frozen=True)
class KitStudent:
    student_no: str
    name: str
    class_label: str
    grade_code: str | None
    birth_date: date | None
    code: str
    assigned: tuple[str, ...]


@dataclass
class Kit:
    school_uuid: str
    school_name: str
    campaign_uuid: str
    campaign_name: str
    battery: list[dict]
    definitions: dict[str, Definition]
    students: dict[str, KitStudent]
    journal_key: bytes

    @classmethod
    def from_json(cls, d: Any) -> Kit:
        try:
            if d["format"] != KIT_FORMAT:
                raise ValueError("format")
            defs = {k: definition_from_dict(v, f"{k}（测评包）") for k, v in d["instruments"].items()}
            students = {}
            for s in d["students"]:
                students[s["student_no"]] = KitStudent(
                    s["student_no"], s["name"], s["class"], s.get("grade_code"),
                    date.fromisoformat(s["birth_date"]) if s.get("birth_date") else None, s["code"],
                    tuple(s["assigned"]))
            return cls(d["school"]["uuid"], d["school"]["name"], d["campaign"]["uuid"], d["campaign"]["name"],
                       list(d["campaign"]["battery"]), defs, students, base64.b64decode(d["journal_key"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError("测评包内容不完整或版本不对，无法使用。请用本软件的同一版本重新导出。",
                            "The lab kit is incomplete or of another version; export it again.") from exc
