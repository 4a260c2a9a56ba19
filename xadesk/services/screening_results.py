"""Reading what a campaign found: per-student results, band summaries, answers, xlsx export.

API::

    results(ctx, campaign_id, *, class_id=None, instrument=None, band=None, flagged=False) -> list[ResultRow]
        ``screening.results``; within scope; one row per student and instrument with the current score.
        ResultRow.to_json() is the shape ``xadesk score`` prints ({"scales": {id: {"raw", "t", "band"
        [, "percentile"]}}, "flags": [...]}) plus student_no, name, class, instrument, version.
    student_results(ctx, campaign_id, student_id) -> list[ResultRow]    # a result sheet; audited
    score_history(ctx, campaign_id, student_id, instrument_id) -> list[dict]   # superseded scores too
    band_summary(ctx, campaign_id) -> list[BandCount]
        ``screening.summary`` (homeroom teachers, grade leaders, …): counts per class, instrument,
        scale and band, within scope. No names, no scores, no answers. For everyone but counselors a
        count of 1–4 reads "<5" (``reports.suppression``, the rule of every report), with a second
        cell hidden where the class's number screened would give it away.
    response_answers(ctx, campaign_id, student_id, instrument_id) -> dict   # screening.manage; audited
    export_results_xlsx(ctx, campaign_id, path) -> int                     # audited as an export
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.grades import class_label
from ..errors import NotFound, UserError
from ..reports.suppression import suppress_line_with_total
from ..sheets import xlsx_append
from ..storage.atomic import atomic_write_bytes
from ..storage.models import SchoolClass, Student
from ..storage.models_screening import ScreeningResponse, ScreeningScaleScore, ScreeningScore
from . import audit
from .campaigns import class_sort, load
from .context import AppContext
from .instruments import definition
from .screening_answers import codec, open_response


@dataclass(frozen=True)
class ScaleResult:
    raw: float | None
    t: float | None
    percentile: float | None
    band: str | None
    band_label: str | None
    rule: str


@dataclass(frozen=True)
class ResultRow:
    student_id: int
    student_no: str
    name: str
    class_label: str
    instrument_id: str
    version: int
    valid: bool
    safety: bool
    scales: dict[str, ScaleResult]
    flags: tuple[str, ...]

    def to_json(self) -> dict:
        scales = {}
        for sid, sc in self.scales.items():
            entry = {"raw": _round(sc.raw, 4), "t": _round(sc.t, 2), "band": sc.band}
            if sc.percentile is not None:
                entry["percentile"] = _round(sc.percentile, 2)
            scales[sid] = entry
        return {"student_no": self.student_no, "name": self.name, "class": self.class_label,
                "instrument": self.instrument_id, "version": self.version, "valid": self.valid,
                "scales": scales, "flags": list(self.flags)}


def _round(x, places: int):
    if x is None:
        return None
    r = round(float(x), places)
    return int(r) if r.is_integer() else r


def _query(ctx: AppContext, s: Session, campaign_id: int):
    # Plain columns, not ScreeningScore objects: the view shows six of the score's fields.
    sc = ScreeningScore
    return (select(sc.id, sc.instrument_id, sc.definition_version, sc.valid, sc.safety, sc.flags_json,
                   Student.id, Student.student_no, Student.name, SchoolClass.grade_code, SchoolClass.number)
            .join(ScreeningResponse, ScreeningResponse.id == sc.response_id)
            .join(Student, Student.id == ScreeningResponse.student_id)
            .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
            .where(sc.campaign_id == campaign_id, sc.superseded_at.is_(None), ctx.actor.student_filter()))


def _rows(s: Session, q) -> list[ResultRow]:
    # Core execution on the session's connection (same transaction): these are column tuples, and the
    # ORM result machinery cost as much as the read itself at 10,000 scale rows.
    conn = s.connection()
    fetched = conn.execute(q).all()
    # The scale scores of the same rows in one read: the row query as a subquery (no list of thousands
    # of bound ids), plain column tuples (an ORM instance per scale row was most of this read's time).
    ids = q.with_only_columns(ScreeningScore.id).scalar_subquery()
    x = ScreeningScaleScore
    by_score: dict[int, dict[str, ScaleResult]] = {}
    for score_id, scale_id, raw, t, pct, band, label, rule in conn.execute(
            select(x.score_id, x.scale_id, x.raw, x.t, x.percentile, x.band, x.band_label, x.rule)
            .where(x.score_id.in_(ids)).order_by(x.id)).all():
        by_score.setdefault(score_id, {})[scale_id] = ScaleResult(raw, t, pct, band, label, rule)
    labels: dict[tuple, str] = {}
    out = [ResultRow(sid, no, name, labels.get((g, n)) or labels.setdefault((g, n), class_label(g, n) if g else ""),
                     inst, version, valid, safety, by_score.get(score_id, {}),
                     tuple(json.loads(flags)) if flags != "[]" else ())
           for score_id, inst, version, valid, safety, flags, sid, no, name, g, n in fetched]
    order: dict[str, tuple] = {}   # parse each class label once, not once per row
    out.sort(key=lambda r: (order.get(r.class_label) or order.setdefault(r.class_label, class_sort(r.class_label)),
                            r.student_no, r.instrument_id))
    return out


def results(ctx: AppContext, campaign_id: int | str, *, class_id: int | None = None, instrument: str | None = None,
            band: str | None = None, flagged: bool = False) -> list[ResultRow]:
    ctx.require("screening.results")
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        q = _query(ctx, s, c.id)
        if class_id is not None:
            q = q.where(Student.class_id == class_id)
        if instrument:
            q = q.where(ScreeningScore.instrument_id == instrument)
        if flagged:
            q = q.where(ScreeningScore.flags_json != "[]")
        rows = _rows(s, q)
        if band:
            rows = [r for r in rows if any(sc.band == band for sc in r.scales.values())]
        audit.record_for(ctx, s, "screening.results", target=f"campaign:{c.id}", detail={"rows": len(rows)})
    return rows


def student_results(ctx: AppContext, campaign_id: int | str, student_id: int) -> list[ResultRow]:
    ctx.require("screening.results")
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        rows = _rows(s, _query(ctx, s, c.id).where(Student.id == student_id))
        audit.record_for(ctx, s, "screening.results", student_id=student_id, target=f"campaign:{c.id}")
    return rows


def score_history(ctx: AppContext, campaign_id: int | str, student_id: int, instrument_id: str) -> list[dict]:
    """Every scoring of one response, newest last, superseded ones included (what a rescore kept)."""
    ctx.require("screening.results")
    with ctx.db.read() as s:
        c = load(s, campaign_id)
        q = (select(ScreeningScore).join(ScreeningResponse, ScreeningResponse.id == ScreeningScore.response_id)
             .join(Student, Student.id == ScreeningResponse.student_id)
             .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
             .where(ScreeningScore.campaign_id == c.id, ScreeningResponse.student_id == student_id,
                    ScreeningScore.instrument_id == instrument_id, ctx.actor.student_filter())
             .order_by(ScreeningScore.id))
        out = []
        for sc in s.scalars(q):
            scales = {x.scale_id: {"raw": x.raw, "band": x.band} for x in
                      s.scalars(select(ScreeningScaleScore).where(ScreeningScaleScore.score_id == sc.id))}
            out.append({"version": sc.definition_version, "digest": sc.definition_digest,
                        "scored_at": sc.scored_at, "superseded_at": sc.superseded_at, "scales": scales,
                        "flags": json.loads(sc.flags_json)})
        return out


@dataclass(frozen=True)
class BandCount:
    class_label: str
    instrument_id: str
    scale_id: str
    band: str | None
    band_label: str | None
    count: int | str  # "<5" / "×" where hidden (see band_summary)


def band_summary(ctx: AppContext, campaign_id: int | str) -> list[BandCount]:
    """How many students of each class fell in each band: the most a homeroom teacher sees."""
    ctx.require("screening.summary")
    counts: dict[tuple, int] = {}
    with ctx.db.read() as s:
        c = load(s, campaign_id)
        q = (select(SchoolClass.grade_code, SchoolClass.number, ScreeningScore.instrument_id,
                    ScreeningScaleScore.scale_id, ScreeningScaleScore.band, ScreeningScaleScore.band_label)
             .join(ScreeningScaleScore, ScreeningScaleScore.score_id == ScreeningScore.id)
             .join(ScreeningResponse, ScreeningResponse.id == ScreeningScore.response_id)
             .join(Student, Student.id == ScreeningResponse.student_id)
             .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
             .where(ScreeningScore.campaign_id == c.id, ScreeningScore.superseded_at.is_(None),
                    ctx.actor.student_filter()))
        for g, n, iid, scale, band, label in s.execute(q):
            key = (class_label(g, n) if g else "", iid, scale, band, label)
            counts[key] = counts.get(key, 0) + 1
    if not ctx.actor.can("screening.manage"):
        counts = _suppressed(counts)
    out = [BandCount(*k, v) for k, v in counts.items()]
    out.sort(key=lambda b: (class_sort(b.class_label), b.instrument_id, b.scale_id, b.band or ""))
    return out


def _suppressed(counts: dict[tuple, int]) -> dict[tuple, int | str]:
    """Each class's bands of one scale form a line whose total (the number screened) is known."""
    lines: dict[tuple, dict[tuple, int]] = {}
    for key, n in counts.items():
        lines.setdefault(key[:3], {})[key] = n
    out: dict[tuple, int | str] = {}
    for line in lines.values():
        shown, _total = suppress_line_with_total(line, sum(line.values()))
        out.update(shown)
    return out


def response_answers(ctx: AppContext, campaign_id: int | str, student_id: int, instrument_id: str) -> dict:
    """Item answers and seconds of one response, for the counselor holding the counselling key only
    (audited): item answers are counselling content (``xadesk.compartment.answers``)."""
    ctx.require("screening.manage")
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        r = s.scalar(select(ScreeningResponse).where(ScreeningResponse.campaign_id == c.id,
                                                     ScreeningResponse.student_id == student_id,
                                                     ScreeningResponse.instrument_id == instrument_id))
        if r is None:
            raise NotFound("没有这份作答。", "No such response.")
        answers, seconds = open_response(codec(ctx, s), r, "查看每题答案", "Viewing the item answers")
        audit.record_for(ctx, s, "screening.answers", student_id=student_id, target=f"campaign:{c.id}",
                         detail={"instrument": instrument_id})
        return {"instrument": instrument_id, "version": r.definition_version, "status": r.status, "mode": r.mode,
                "source": r.source, "answers": answers, "seconds": seconds, "completed_at": r.completed_at}


def export_results_xlsx(ctx: AppContext, campaign_id: int | str, path: Path) -> int:
    """One sheet: a row per student and instrument, each scale's raw score and band, flags."""
    import io

    import openpyxl

    rows = results(ctx, campaign_id)
    with ctx.db.read() as s:
        c = load(s, campaign_id)
        scale_names: dict[str, list[str]] = {}
        for r in rows:
            if r.instrument_id not in scale_names:
                scale_names[r.instrument_id] = definition(s, r.instrument_id, r.version).scale_ids
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "测评结果"
    head = ["学籍号", "姓名", "班级", "量表", "版本", "有效"]
    cols = [(i, sid) for i, ids in scale_names.items() for sid in ids]
    for iid, sid in cols:
        head += [f"{iid}.{sid} 原始分", f"{iid}.{sid} 等级"]
    xlsx_append(ws, [*head, "标记"])
    for r in rows:
        line = [r.student_no, r.name, r.class_label, r.instrument_id, r.version, "是" if r.valid else "否"]
        for iid, sid in cols:
            sc = r.scales.get(sid) if iid == r.instrument_id else None
            line += [sc.raw if sc else None, (sc.band_label or sc.band) if sc else None]
        xlsx_append(ws, [*line, "; ".join(r.flags)])
    buf = io.BytesIO()
    wb.save(buf)
    try:
        atomic_write_bytes(Path(path), buf.getvalue())
    except OSError as exc:
        raise UserError(f"无法写入 {path}：{exc.strerror or exc}", f"Cannot write {path}: {exc.strerror or exc}") from None
    with ctx.db.write() as s:
        audit.record_for(ctx, s, "export", target=f"campaign:{c.id}", detail={"what": "screening results",
                                                                               "rows": len(rows)})
    return len(rows)
