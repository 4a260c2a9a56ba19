"""The school's aggregate file for the district (县为基地): ``xadesk report aggregate``.

An exchange container (``xadesk/exchange``) of kind ``district_aggregate`` with one entry,
``aggregate.json``::

    {"format": "xadesk-district-aggregate", "version": 1,
     "school": {"uuid", "name", "code"}, "period": "2026-2027", "generated_at": ISO 8601 UTC,
     "students": n, "screened": n | str, "levels": {level id: n | "<5" | "×"},
     "level_names": {level id: name}, "indicators": {plan indicator id: value | null},
     "plan": [{"id", "label", "value", "target", "unit", "met", "source"}],
     "tables": [{"id", "title", "row_header", "rows", "cols", "values", …}]}

Only what a school leader's copy of the whole-school report shows goes in: the tables exactly as
displayed to a non-counselor (small counts already "<5"/"×"), the plan indicators, the school's
identity and the period. Nothing per student, whoever exports. The passphrase is the district's
(given by the district to its schools), so a file meant for another district does not open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from ..errors import PermissionDenied, UserError
from ..exchange import write_container
from ..services import audit
from ..services.context import AppContext
from ..storage.models import Meta, School
from .indicators import build_report, level_names

KIND = "district_aggregate"
ENTRY = "aggregate.json"
FORMAT = "xadesk-district-aggregate"
VERSION = 1
MODE_KEY = "mode"          # meta key: "district" in a district database
DISTRICT_MODE = "district"


@dataclass(frozen=True)
class AggregateInfo:
    path: Path
    school_name: str
    school_uuid: str
    period: str


def is_district(ctx: AppContext) -> bool:
    with ctx.db.read() as s:
        return s.scalar(select(Meta.value).where(Meta.key == MODE_KEY)) == DISTRICT_MODE


def aggregate_payload(ctx: AppContext, year: str) -> dict:
    """The file's content for ``year``; suppressed as for a non-counselor whoever asks."""
    report = build_report(ctx, year=year, audit_view=False)
    report.counselor_view = False
    shown = report.to_json()
    levels_table = report.table("levels")
    last = levels_table.display(False)[-1]
    codes = list(report.headline["levels"])
    coverage = next((t for t in report.tables if t.id == "coverage"), None)
    screened = coverage.display(False)[-1][0] if coverage is not None else 0
    with ctx.db.read() as s:
        school = s.scalar(select(School))
        code = school.code
    return {"format": FORMAT, "version": VERSION,
            "school": {"uuid": report.school_uuid, "name": report.school_name, "code": code},
            # to the microsecond: two files written in the same second still have an order
            "period": report.school_year, "generated_at": datetime.now(UTC).isoformat(),
            "students": report.headline["students"], "screened": screened,
            "levels": {c: last[i] for i, c in enumerate(codes)}, "level_names": level_names(ctx),
            "indicators": {p.id: p.value for p in report.plan},
            "plan": shown["plan"], "tables": shown["tables"]}


def write_aggregate(ctx: AppContext, *, year: str, path: Path, passphrase: str) -> AggregateInfo:
    ctx.require("reports.read")
    if not ctx.actor.sees_all:  # the file speaks for the whole school: not a grade leader's to send
        raise PermissionDenied("上报区县的汇总文件代表全校，只能由学校领导或心理健康教师生成。",
                               "The district file speaks for the whole school: a school leader or counselor makes it.")
    if is_district(ctx):
        raise UserError("这是区县数据库，不能生成学校上报文件。", "This is a district database.")
    payload = aggregate_payload(ctx, year)
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    write_container(Path(path), kind=KIND, passphrase=passphrase, entries={ENTRY: data},
                    manifest_fields={"school_name": payload["school"]["name"], "school_id": payload["school"]["uuid"],
                                     "exporter_name": ctx.actor.display_name, "exporter_login": ctx.actor.login,
                                     "exported_at": datetime.now(UTC), "extra": {"period": payload["period"]}})
    with ctx.db.write() as s:
        audit.record_for(ctx, s, "export", target=f"district:{payload['period']}",
                         detail={"what": "district aggregate", "period": payload["period"]})
    return AggregateInfo(Path(path), payload["school"]["name"], payload["school"]["uuid"], payload["period"])
