"""A campaign's results as a columnar table: one line per student, instrument and scale.

``result_lines(ctx, campaign_id)`` needs ``screening.results``, keeps to the viewer's scope
(``actor.student_filter``) and is audited like ``screening_results.results``; its lines are the
same, in the same order, as ``scale_lines(results(...))`` built them (class, student number,
instrument, then the scales in the order they were scored). A 5,000-student campaign of SCL-90 and
PHQ-9 is ~55,000 lines: read once (in the worker), then filtered and sorted with
``Table.select`` in milliseconds, which is what the results screen does on each click.

Columns: ``student_id student_no name class_label instrument_id instrument version valid safety
flags flags_text scale_id scale_name raw t band band_label band_text``.
"""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import select

from ..display import flag_name, instrument_name
from ..domain.grades import class_label
from ..errors import UserError
from ..services import audit
from ..services.campaigns import load
from ..services.context import AppContext
from ..services.instruments import definition
from ..services.roster import grade_sort_key
from ..storage.models import SchoolClass, Student
from ..storage.models_screening import ScreeningResponse, ScreeningScaleScore, ScreeningScore
from .table import Table

COLUMNS = ("student_id", "student_no", "name", "class_label", "instrument_id", "instrument", "version", "valid",
           "safety", "flags", "flags_text", "scale_id", "scale_name", "raw", "t", "band", "band_label", "band_text")
SEARCHED = ("class_label", "student_no", "name", "instrument", "scale_name", "band_text", "flags_text")


def flags_text(flags: tuple[str, ...], instrument_id: str = "") -> str:
    """Flags in words (the display table's), safety ones named as 安全."""
    out = []
    for f in flags:
        words = flag_name(instrument_id, f)
        out.append(f"安全：{words}" if f.startswith("safety") else words)
    return "、".join(out)


def result_lines(ctx: AppContext, campaign_id: int | str) -> Table:
    ctx.require("screening.results")
    sc, x = ScreeningScore, ScreeningScaleScore
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        q = (select(sc.id, sc.instrument_id, sc.definition_version, sc.valid, sc.safety, sc.flags_json,
                    Student.id, Student.student_no, Student.name, SchoolClass.grade_code, SchoolClass.number,
                    x.scale_id, x.raw, x.t, x.band, x.band_label)
             .join(ScreeningResponse, ScreeningResponse.id == sc.response_id)
             .join(Student, Student.id == ScreeningResponse.student_id)
             .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
             .outerjoin(x, x.score_id == sc.id)
             .where(sc.campaign_id == c.id, sc.superseded_at.is_(None), ctx.actor.student_filter())
             .order_by(sc.id, x.id))
        # Core rows on the session's connection: plain tuples, no ORM instance per line.
        fetched = s.connection().execute(q).all()
        names: dict[tuple[str, int], dict[str, str]] = {}
        for iid, version in {(r[1], r[2]) for r in fetched}:
            try:
                names[iid, version] = {scale.id: scale.name_zh for scale in definition(s, iid, version).scales}
            except UserError:   # a definition no longer stored: the scale ids stand in
                names[iid, version] = {}
        audit.record_for(ctx, s, "screening.results", target=f"campaign:{c.id}",
                         detail={"rows": len({r[0] for r in fetched})})
    labels: dict[tuple, str] = {}
    keys: dict[tuple, tuple] = {}
    for g, n in {(r[9], r[10]) for r in fetched}:
        labels[g, n] = class_label(g, n) if g else ""
        keys[g, n] = (grade_sort_key(g), n) if g else (99, 0)
    by_label = {labels[k]: keys[k] for k in labels}
    # The order results() gives: class, student number, instrument; scales as scored (fetched by id).
    fetched.sort(key=lambda r: (keys[r[9], r[10]], r[7], r[1]))
    flags: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {}
    for iid, fj in {(r[1], r[5]) for r in fetched}:
        parsed = tuple(json.loads(fj)) if fj != "[]" else ()
        flags[iid, fj] = (parsed, flags_text(parsed, iid))
    shown = {iid: instrument_name(iid) for iid in {r[1] for r in fetched}}
    lines = [(sid, no, name, labels[g, n], iid, shown[iid], version, valid, safety, *flags[iid, fj],
              scale or "", names[iid, version].get(scale, scale) if scale else "", raw, t, band, blabel,
              blabel or band)
             for (_score, iid, version, valid, safety, fj, sid, no, name, g, n, scale, raw, t, band, blabel)
             in fetched]
    columns: list = [list(c) for c in zip(*lines, strict=True)] if lines else [[] for _ in COLUMNS]
    columns[0] = np.array(columns[0], dtype=np.int64)   # student ids: counted per selection
    table = Table(dict(zip(COLUMNS, columns, strict=True)), text=SEARCHED,
                  sort_keys={"class_label": lambda label: by_label.get(label, (99, 0))})
    # The results screen's filter lists and search, ready before the table reaches the screen.
    return table.prepare(distinct=("class_label", "instrument_id", "scale_name", "band_text"))
