"""Importing a survey or answer file into a campaign: mapping, matching to the roster, all or nothing.

API::

    survey_columns(ctx, campaign_id, path) -> SurveyPreview
        the file's columns, its kind, a suggested (or the saved) mapping and the first rows — what the
        mapping screen shows. The saved mapping is used when it fits the file.
    import_survey(ctx, campaign_id, path, *, mapping=None, instrument=None, dry_run=False,
                  save_mapping=True, progress=None, cancelled=None) -> ImportReport
    saved_mapping(ctx, campaign_id) -> dict | None;  save_mapping(ctx, campaign_id, mapping)

Rules: a cell that is not an option refuses the whole file (row and column named, nothing
imported); rows are matched to the campaign's target students by 学籍号, else by name + class; a
row that matches nobody, several students, a student outside the campaign, or a student who
submitted twice in the file is listed (``ImportReport.unmatched``) and left out — the rest is
imported in one transaction. The same answers again change nothing; different answers for a
response from another source become a conflict (see ``screening_answers``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from ..domain.grades import class_label, parse_class_label, parse_grade
from ..errors import Cancelled, UserError
from ..i18n import msg
from ..screening import survey
from ..storage.models import SchoolClass, Student
from ..storage.models_screening import CampaignInstrument, CampaignTarget
from . import audit
from .campaigns import load, require_open
from .context import AppContext
from .instruments import definition
from .screening_answers import Incoming, IngestStats, ingest

Progress = Callable[[int, int], None] | None
CancelCheck = Callable[[], bool] | None


@dataclass
class SurveyPreview:
    file_name: str
    kind: str
    headers: list[str]
    mapping: dict
    mapping_source: str          # "saved" / "suggested" / "score_layout"
    sample: list[list[str]]      # first rows as text (IP column already gone)


@dataclass
class ImportReport:
    file_name: str
    kind: str
    rows: int
    matched: int
    unmatched: list[str] = field(default_factory=list)
    stats: dict[str, IngestStats] = field(default_factory=dict)
    dry_run: bool = False
    mapping: dict = field(default_factory=dict)

    @property
    def total(self) -> IngestStats:
        t = IngestStats()
        for s in self.stats.values():
            t.merge(s)
        return t

    def summary(self) -> str:
        t = self.total
        lines = [msg(f"共 {self.rows} 行：匹配 {self.matched} 人，未匹配 {len(self.unmatched)} 行。",
                     f"{self.rows} rows: {self.matched} matched, {len(self.unmatched)} not matched."),
                 msg(f"作答：新增 {t.added}，更新 {t.updated}，未变 {t.unchanged}，待处理的重复作答 {t.conflicts}。",
                     f"Responses: {t.added} new, {t.updated} updated, {t.unchanged} unchanged, "
                     f"{t.conflicts} conflicts to decide.")]
        return "\n".join(lines + self.unmatched)

    def to_json(self) -> dict:
        return {"file": self.file_name, "kind": self.kind, "rows": self.rows, "matched": self.matched,
                "unmatched": self.unmatched, "dry_run": self.dry_run, **self.total.to_json(),
                "instruments": {k: v.to_json() for k, v in self.stats.items()}}


class _DryRun(Exception):
    pass


def _battery(s, c) -> list:
    return [definition(s, e.instrument_id, e.version) for e in s.scalars(
        select(CampaignInstrument).where(CampaignInstrument.campaign_id == c.id).order_by(CampaignInstrument.position))]


def _mapping_for(sf: survey.SurveyFile, saved: dict | None, defns, instrument: str | None) -> tuple[dict, str]:
    if sf.kind == "score_layout":
        return survey.score_layout_mapping(sf, defns, instrument), "score_layout"
    if saved is not None:
        try:
            return survey.check_mapping(saved, sf, defns), "saved"
        except UserError:
            pass
    return survey.suggest_mapping(sf, defns), "suggested"


def saved_mapping(ctx: AppContext, campaign_id: int | str) -> dict | None:
    ctx.require("screening.manage")
    with ctx.db.read() as s:
        c = load(s, campaign_id)
        return json.loads(c.survey_mapping_json) if c.survey_mapping_json else None


def save_mapping(ctx: AppContext, campaign_id: int | str, mapping: dict) -> None:
    ctx.require("screening.manage")
    with ctx.db.write() as s:
        c = load(s, campaign_id)
        c.survey_mapping_json = json.dumps(mapping, ensure_ascii=False)


def survey_columns(ctx: AppContext, campaign_id: int | str, path: Path, *, instrument: str | None = None) -> SurveyPreview:
    ctx.require("screening.manage")
    sf = survey.read_survey(path)
    with ctx.db.read() as s:
        c = load(s, campaign_id)
        defns = _battery(s, c)
        saved = json.loads(c.survey_mapping_json) if c.survey_mapping_json else None
    mapping, how = _mapping_for(sf, saved, defns, instrument)
    from ..tables import cell_text

    sample = [[cell_text(r.cells[col.index]) for col in sf.columns] for r in sf.rows[:5]]
    return SurveyPreview(sf.source, sf.kind, [col.header for col in sf.columns], mapping, how, sample)


def _load_mapping(mapping: dict | str | Path | None) -> dict | None:
    if mapping is None or isinstance(mapping, dict):
        return mapping
    p = Path(mapping)
    try:
        return json.loads(p.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise UserError(f"无法读取对应关系文件 {p.name}。", f"Cannot read the mapping file {p.name}.") from exc


def import_survey(ctx: AppContext, campaign_id: int | str, path: Path, *, mapping: dict | str | Path | None = None,
                  instrument: str | None = None, dry_run: bool = False, save: bool = True,
                  progress: Progress = None, cancelled: CancelCheck = None) -> ImportReport:
    ctx.require("screening.manage")
    path = Path(path)
    sf = survey.read_survey(path)
    given = _load_mapping(mapping)
    report: ImportReport | None = None
    try:
        with ctx.db.write() as s:
            c = load(s, campaign_id)
            require_open(c)
            defns = _battery(s, c)
            if given is not None:
                used = survey.check_mapping(given, sf, defns)
            else:
                saved = json.loads(c.survey_mapping_json) if c.survey_mapping_json else None
                used, _ = _mapping_for(sf, saved, defns, instrument)
                used = survey.check_mapping(used, sf, defns)
            parsed = survey.parse_answers(sf, used, defns)
            if cancelled is not None and cancelled():
                raise Cancelled()
            report = ImportReport(sf.source, sf.kind, len(parsed), 0, dry_run=dry_run, mapping=used)
            matched = _match(s, c, parsed, report)
            total = len(defns)
            for k, d in enumerate(defns):
                if cancelled is not None and cancelled():
                    raise Cancelled()
                n_items = sum(1 for t in used["items"].values() if t.startswith(f"{d.id}:"))
                all_items = sum(1 for _ in used["items"])
                rows = []
                for p, sid, assigned in matched:
                    if not p.present[d.id] or d.id not in assigned:
                        continue
                    secs = None
                    if p.seconds is not None and n_items:
                        per = p.seconds / all_items
                        secs = [per if p.answers[d.id][j] is not None else None for j in range(d.n_items)]
                    rows.append(Incoming(sid, p.answers[d.id], secs, True, None, p.row))
                report.stats[d.id] = ingest(ctx, s, c, d.id, rows, mode="survey", source=sf.source)
                if progress is not None:
                    progress(k + 1, total)
            if dry_run:
                raise _DryRun()
            if save and sf.kind != "score_layout":
                c.survey_mapping_json = json.dumps(used, ensure_ascii=False)
            audit.record_for(ctx, s, "campaign.import", target=f"campaign:{c.id}",
                             detail={"file": sf.source, "rows": report.rows, "matched": report.matched,
                                     **report.total.to_json()})
    except _DryRun:
        pass
    assert report is not None
    if not dry_run:
        ctx.db.settle()
    return report


def _match(s, c, parsed: list[survey.ParsedRow], report: ImportReport) -> list[tuple[survey.ParsedRow, int, set]]:
    """(row, student id, instruments assigned to that student) for every row that names exactly one target."""
    from .campaigns import _info

    info = _info(s, c)
    targets = {sid: (cid, excused) for sid, cid, excused in s.execute(
        select(CampaignTarget.student_id, CampaignTarget.class_id, CampaignTarget.excused)
        .where(CampaignTarget.campaign_id == c.id))}
    students = s.execute(select(Student.id, Student.student_no, Student.school_no, Student.name, SchoolClass.id,
                                SchoolClass.grade_code, SchoolClass.number)
                         .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)).all()
    by_no: dict[str, int] = {}
    by_name_class: dict[tuple[str, int], list[int]] = {}
    grade_of: dict[int, str | None] = {}
    label_of: dict[int, str] = {}
    for sid, no, school_no, name, cid, g, n in students:
        by_no[no.upper()] = sid
        if school_no:
            by_no.setdefault(school_no.upper(), sid)
        if cid is not None:
            by_name_class.setdefault((name, cid), []).append(sid)
        grade_of[sid] = g
        label_of[sid] = class_label(g, n) if g else ""
    classes = {(g, n): cid for cid, g, n in s.execute(select(SchoolClass.id, SchoolClass.grade_code,
                                                             SchoolClass.number).where(SchoolClass.active.is_(True)))}
    hits: list[tuple[survey.ParsedRow, int]] = []
    for p in parsed:
        ident = p.identity
        sid, why = None, None
        no = ident.get("student_no", "").strip().upper()
        if no.startswith("!LOSSY:"):
            why = msg("学籍号被 Excel 变成了科学计数法（如 1.23E+17），后几位已丢失；请把该列设为文本后重新导出",
                      "the student number was turned into E-notation by Excel; re-export with the column as text")
        elif no:
            sid = by_no.get(no)
            if sid is None:
                why = msg(f"学籍号 {no} 不在学生名单中", f"student number {no} is not in the roster")
        elif ident.get("name") and ident.get("class"):
            sid, why = _by_name_class(ident, by_name_class, classes)
        else:
            why = msg("缺少学籍号，也缺少姓名和班级", "no student number, and no name and class")
        if sid is not None and sid not in targets:
            why, sid = msg(f"{label_of.get(sid, '')} 的这名学生不在本次测评对象中",
                           "this student is not a target of the campaign"), None
        if sid is None:
            report.unmatched.append(msg(f"第{p.row}行：{why}", f"Row {p.row}: {why}"))
            continue
        hits.append((p, sid))
    rows_of: dict[int, list[int]] = {}
    for p, sid in hits:
        rows_of.setdefault(sid, []).append(p.row)
    out = []
    for p, sid in hits:
        if len(rows_of[sid]) > 1:
            if p.row == rows_of[sid][0]:
                rows = "、".join(str(r) for r in rows_of[sid])
                report.unmatched.append(msg(
                    f"第{rows}行：同一名学生提交了 {len(rows_of[sid])} 次，均未导入；请删去多余的行后重新导入",
                    f"Rows {rows}: the same student submitted {len(rows_of[sid])} times; none imported"))
            continue
        assigned = {b.instrument_id for b in info.battery if b.applies_to(grade_of.get(sid))}
        out.append((p, sid, assigned))
    report.matched = len(out)
    return out


def _by_name_class(ident: dict, by_name_class: dict, classes: dict) -> tuple[int | None, str | None]:
    text = ident["class"]
    try:
        if ident.get("grade") and not any(ch in text for ch in "年级初高"):
            code, number = parse_class_label(text, grade_code=parse_grade(ident["grade"]))
        else:
            code, number = parse_class_label(text)
    except UserError:
        return None, msg(f"看不懂班级“{text}”", f"cannot read the class {text!r}")
    cid = classes.get((code, number))
    if cid is None:
        return None, msg(f"没有班级“{text}”", f"no class {text!r}")
    found = by_name_class.get((ident["name"].replace(" ", ""), cid), [])
    if not found:
        return None, msg(f"{class_label(code, number)} 没有名为“{ident['name']}”的学生",
                         f"no student named {ident['name']!r} in that class")
    if len(found) > 1:
        return None, msg(f"{class_label(code, number)} 有 {len(found)} 名学生叫“{ident['name']}”，无法区分；请补上学籍号",
                         f"{len(found)} students of that class share the name; add the student number")
    return found[0], None
