"""Importing a survey or answer file into a campaign: mapping, matching to the roster, all or nothing.

API::

    survey_columns(ctx, campaign_id, path, *, coding=None) -> SurveyPreview
        what the mapping screen shows before anything is stored: the file's kind (按文本/按序号/按分数),
        the mapping as a table (column → item, with the evidence for each), a few decoded rows, and
        whether the mapping is proven or must be confirmed. The saved mapping is used when it fits.
    import_survey(ctx, campaign_id, path, *, mapping=None, coding=None, confirm=False, accept=(), keep=(),
                  instrument=None, dry_run=False, save=True, progress=None, cancelled=None) -> ImportReport
    saved_mapping(ctx, campaign_id) -> dict | None;  save_mapping(ctx, campaign_id, mapping)

Rules (see :mod:`xadesk.survey`): every scored item mapped exactly once, else
:class:`~xadesk.survey.mapping.MappingRefused` and nothing stored; a mapping that is not proven by
question numbers or text is stored only with ``confirm=True`` (a person looked at the table) or
when it is a given or saved mapping; an ambiguous export kind is refused until ``coding`` says. A
cell that is not an option refuses the whole file (row, column and likely cause named). Rows are
matched by 学籍号, else by name + class — those listed in ``ImportReport.to_confirm`` and stored
only for rows in ``accept`` (or ``accept="all"``); a student who submitted twice is stored once, the
later submission unless ``keep`` names the other row. Everything else that cannot be matched is
listed and left out; the rest is imported in one transaction. The same answers again change nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select

from ..answers.reader import AnswerFile, is_answer_file, read_answers
from ..domain.grades import GRADE_BY_CODE
from ..errors import Cancelled, UserError, ValidationFailed
from ..grid import safety
from ..i18n import msg
from ..instruments.definition import Definition
from ..screening import critical, survey
from ..storage.models import SchoolClass, Student
from ..storage.models_screening import CampaignInstrument, CampaignTarget
from ..survey import kinds, matching
from ..survey.mapping import MappedColumn, MappingRefused, Proposal, propose, review, short_name, target_label
from ..tables import cell_text
from . import audit
from .campaigns import load, require_open
from .context import AppContext
from .instruments import definition
from .login import now_utc
from .screening_answers import Incoming, IngestStats, held_answers, ingest

Progress = Callable[[int, int], None] | None
CancelCheck = Callable[[], bool] | None


@dataclass
class DecodedRow:
    row: int
    name: str
    answers: dict[str, list[float | None]]          # instrument id → values (blank = None)


@dataclass
class SurveyPreview:
    file_name: str
    kind: str                    # wjx / score_layout / table
    headers: list[str]
    mapping: dict
    mapping_source: str          # "saved" / "proposed" / "given" / "score_layout"
    sample: list[list[str]]      # first rows as text (IP column already gone)
    columns: list[MappedColumn] = field(default_factory=list)
    proven: bool = False
    problems: list[str] = field(default_factory=list)
    verdict: kinds.KindVerdict | None = None
    decoded: list[DecodedRow] = field(default_factory=list)
    decode_error: str = ""
    targets: dict[str, str] = field(default_factory=dict)   # every choosable target → its label
    instruments: dict[str, str] = field(default_factory=dict)  # id → display name

    @property
    def needs_confirmation(self) -> bool:
        return self.kind != "score_layout" and not self.proven


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
    coding: str | None = None
    to_confirm: list[matching.NameMatch] = field(default_factory=list)
    accepted: list[matching.NameMatch] = field(default_factory=list)
    duplicates: list[matching.Duplicate] = field(default_factory=list)
    # Rows whose answers were not stored but carry a positive answer to a critical item: those that
    # name a student were put in the review queue all the same (safety_held); those that name nobody
    # on the roster cannot be, and must be looked into by a person now (safety_unplaced).
    safety_held: list[str] = field(default_factory=list)
    safety_unplaced: list[str] = field(default_factory=list)

    @property
    def total(self) -> IngestStats:
        t = IngestStats()
        for s in self.stats.values():
            t.merge(s)
        return t

    def summary(self) -> str:
        t = self.total
        # Safety answers in rows that were not imported come first: a person must act on them now.
        lines = [*self.safety_unplaced, *self.safety_held,
                 msg(f"共 {self.rows} 行：匹配 {self.matched} 人，未匹配 {len(self.unmatched)} 行，"
                     f"待确认 {len(self.to_confirm)} 行。",
                     f"{self.rows} rows: {self.matched} matched, {len(self.unmatched)} not matched, "
                     f"{len(self.to_confirm)} to confirm."),
                 msg(f"作答：新增 {t.added}，更新 {t.updated}，未变 {t.unchanged}，待处理的重复作答 {t.conflicts}。",
                     f"Responses: {t.added} new, {t.updated} updated, {t.unchanged} unchanged, "
                     f"{t.conflicts} conflicts to decide.")]
        for m in self.to_confirm:
            lines.append(msg(f"第{m.row}行：按姓名和班级对应到{m.class_label}的{m.name}（{m.reason}），需确认后才导入",
                             f"Row {m.row}: matched by name and class ({m.reason}); confirm to import"))
        for m in self.accepted:
            lines.append(msg(f"第{m.row}行：已确认按姓名和班级对应到{m.class_label}的{m.name}",
                             f"Row {m.row}: matched by name and class (confirmed)"))
        for d in self.duplicates:
            rows = "、".join(str(r) for r in d.rows)
            how = "较晚提交的" if d.chosen_by == "later" else "您选定的"
            how_en = "the later one" if d.chosen_by == "later" else "as you chose"
            lines.append(msg(f"第{rows}行：{d.class_label}的{d.name}提交了 {len(d.rows)} 次，导入{how}第{d.kept}行",
                             f"Rows {rows}: the same student submitted {len(d.rows)} times; row {d.kept} is used "
                             f"({how_en})"))
        return "\n".join(lines + self.unmatched)

    def to_json(self) -> dict:
        return {"file": self.file_name, "kind": self.kind, "coding": self.coding, "rows": self.rows,
                "matched": self.matched, "unmatched": self.unmatched, "dry_run": self.dry_run,
                "to_confirm": [{"row": m.row, "name": m.name, "class": m.class_label, "reason": m.reason}
                               for m in self.to_confirm],
                "duplicates": [{"rows": list(d.rows), "kept": d.kept, "chosen_by": d.chosen_by}
                               for d in self.duplicates],
                "safety_held": self.safety_held, "safety_unplaced": self.safety_unplaced,
                **self.total.to_json(), "instruments": {k: v.to_json() for k, v in self.stats.items()}}


class _DryRun(Exception):
    pass


def _battery(s, c) -> list[tuple[Definition, tuple[str, ...]]]:
    return [(definition(s, e.instrument_id, e.version), tuple(g for g in e.grades.split(",") if g))
            for e in s.scalars(select(CampaignInstrument).where(CampaignInstrument.campaign_id == c.id)
                               .order_by(CampaignInstrument.position))]


def _fits(mapping: dict, sf: survey.SurveyFile, defns) -> bool:
    try:
        survey.check_mapping(mapping, sf, defns)
    except UserError:
        return False
    return True


def _proposal(sf: survey.SurveyFile, given: dict | None, saved: dict | None, defns,
              instrument: str | None) -> tuple[Proposal, str]:
    """The mapping to use and where it came from (see the module docstring)."""
    if sf.kind == "score_layout":
        m = survey.score_layout_mapping(sf, defns, instrument)
        return review(m, sf, defns, evidence="number"), "score_layout"
    if given is not None:
        survey.check_mapping(given, sf, defns)
        return review(given, sf, defns, evidence="person"), "given"
    if saved is not None and _fits(saved, sf, defns):
        p = review(saved, sf, defns, evidence="saved")
        if p.complete:
            return p, "saved"
    return propose(sf, defns), "proposed"


def _item_cells(sf: survey.SurveyFile, mapping: dict, defns, limit: int = 400):
    by_id = {d.id: d for d in defns}
    for header, target in (mapping.get("items") or {}).items():
        col = sf.column(header)
        iid, _, item = str(target).partition(":")
        d = by_id.get(iid)
        if col is None or d is None:
            continue
        it = d.items[d.item_index(item)]
        for r in sf.rows[:limit]:
            yield it, survey.norm(cell_text(r.cells[col.index]))


def _coding(sf: survey.SurveyFile, mapping: dict, how: str, coding: str | None, defns) -> kinds.KindVerdict:
    if coding:
        c = kinds.KIND_NAMES.get(coding)
        if c is None:
            raise UserError(f"未知的导出方式“{coding}”：应为 text（按文本）、ordinal（按序号）或 score（按分数）。",
                            f"Unknown export kind {coding!r}: text, ordinal or score.")
        return kinds.KindVerdict(c, "person", msg("由您选定。", "Chosen by you."))
    if how in ("given", "score_layout") and mapping.get("coding") in survey.CODINGS:
        return kinds.KindVerdict(mapping["coding"], "person", msg("对应关系文件中写明。", "Stated in the mapping file."))
    if sf.kind != "wjx":
        # A plain table: numbers are the printed values unless a column holds text.
        v = kinds.judge(sf.source, _item_cells(sf, mapping, defns))
        if v.coding is None:
            return kinds.KindVerdict("value", "values", msg("普通表格：数字按分值读取。",
                                                            "A plain table: numbers are read as scores."))
        return v
    return kinds.judge(sf.source, _item_cells(sf, mapping, defns))


def _targets(defns) -> dict[str, str]:
    out = {f"identity:{k}": target_label(f"identity:{k}", defns) for k in ("student_no", "name", "class", "grade")}
    for d in defns:
        for it in d.items:
            out[f"{d.id}:{it.id}"] = target_label(f"{d.id}:{it.id}", defns)
    return out


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


def _answer_file(ctx: AppContext, campaign_id: int | str, path: Path, instrument: str | None
                 ) -> tuple[AnswerFile, list, dict]:
    """A file in the ``xadesk score`` layout, read by the one answer-file reader (:mod:`xadesk.answers`)
    outside any write transaction: the file, the battery it was checked against, and its mapping."""
    with ctx.db.read() as s:
        defns = [d for d, _ in _battery(s, load(s, campaign_id))]
    af = read_answers(path, defns, instrument=instrument, action="import")
    by_id = {d.id: d for d in defns}
    items = {af.layout.headers[c]: f"{iid}:{by_id[iid].items[j].id}" for c, (iid, j) in af.layout.items.items()}
    mapping = {"format": survey.MAPPING_FORMAT, "coding": "value", "identity": {"student_no": af.layout.headers[0]},
               "items": items, "values": {}}
    return af, defns, mapping


def _answer_rows(af: AnswerFile, defns: list) -> list[survey.ParsedRow]:
    """The answer file's rows in the shape the survey path produces (matching and ingest are shared)."""
    lists = {d.id: [[None if v != v else v for v in row] for row in af.answers[d.id].tolist()]
             if d.id in af.answers else None for d in defns}
    present = {d.id: (~np.isnan(af.answers[d.id])).any(axis=1).tolist() if d.id in af.answers else None
               for d in defns}
    out = []
    for i, rid in enumerate(af.ids):
        secs = None if af.seconds is None or np.isnan(af.seconds[i]) else float(af.seconds[i])
        out.append(survey.ParsedRow(
            int(af.rows[i]), {"student_no": rid},
            {d.id: lists[d.id][i] if lists[d.id] is not None else [None] * d.n_items for d in defns},
            {d.id: bool(present[d.id][i]) if present[d.id] is not None else False for d in defns}, secs))
    return out


def survey_columns(ctx: AppContext, campaign_id: int | str, path: Path, *, instrument: str | None = None,
                   mapping: dict | None = None, coding: str | None = None) -> SurveyPreview:
    """The preview (see the module docstring); ``mapping``/``coding``: what a person set in the table."""
    ctx.require("screening.manage")
    if is_answer_file(path):
        af, _, mapping = _answer_file(ctx, campaign_id, path, instrument)
        cols = sorted(af.layout.items)
        sample = [[af.ids[i]] + [_value_text(af.answers[af.layout.items[c][0]][i, af.layout.items[c][1]]) for c in cols]
                  for i in range(min(5, af.n))]
        return SurveyPreview(af.source, "score_layout", [af.layout.headers[0]] + [af.layout.headers[c] for c in cols],
                             mapping, "score_layout", sample)
    sf = survey.read_survey(path)
    with ctx.db.read() as s:
        c = load(s, campaign_id)
        defns = [d for d, _ in _battery(s, c)]
        saved = json.loads(c.survey_mapping_json) if c.survey_mapping_json else None
    prop, how = _proposal(sf, mapping, saved, defns, instrument)
    verdict = _coding(sf, prop.mapping, how, coding, defns)
    sample = [[cell_text(r.cells[col.index]) for col in sf.columns] for r in sf.rows[:5]]
    decoded, error = [], ""
    if verdict.coding is not None and prop.complete:
        head = survey.SurveyFile(sf.source, sf.kind, sf.columns, sf.rows[:5], sf.meta)
        try:
            for p in survey.parse_answers(head, {**prop.mapping, "coding": verdict.coding}, defns):
                decoded.append(DecodedRow(p.row, p.identity.get("name", ""), p.answers))
        except UserError as exc:
            error = exc.message
    return SurveyPreview(sf.source, sf.kind, [col.header for col in sf.columns],
                         {**prop.mapping, "coding": verdict.coding}, how, sample, prop.columns,
                         prop.proven or how in ("given", "saved", "score_layout"), prop.problems, verdict,
                         decoded, error, _targets(defns), {d.id: short_name(d) for d in defns})


def _value_text(v: float) -> str:
    return "" if v != v else (str(int(v)) if float(v).is_integer() else str(v))


def load_mapping(mapping: dict | str | Path | None) -> dict | None:
    if mapping is None or isinstance(mapping, dict):
        return mapping
    p = Path(mapping)
    try:
        return json.loads(p.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise UserError(f"无法读取对应关系文件 {p.name}。", f"Cannot read the mapping file {p.name}.") from exc


def import_survey(ctx: AppContext, campaign_id: int | str, path: Path, *, mapping: dict | str | Path | None = None,
                  instrument: str | None = None, coding: str | None = None, confirm: bool = False,
                  accept: Collection[int] | str = (), keep: Collection[int] = (), dry_run: bool = False,
                  save: bool = True, progress: Progress = None, cancelled: CancelCheck = None) -> ImportReport:
    ctx.require("screening.manage")
    path = Path(path)
    given = load_mapping(mapping)
    answers: tuple[AnswerFile, list, dict] | None = None
    sf: survey.SurveyFile | None = None
    if is_answer_file(path):
        if given is not None:
            raise UserError(f"{path.name} 是 xadesk 计分表格（第一列为 id），按表头导入，不使用对应关系文件。",
                            f"{path.name} is in the xadesk score layout (first column id); it takes no mapping file.")
        answers = _answer_file(ctx, campaign_id, path, instrument)
    else:
        sf = survey.read_survey(path)
    report: ImportReport | None = None
    closed: UserError | None = None
    try:
        with ctx.db.write() as s:
            c = load(s, campaign_id)
            if c.status == "closed":
                # Nothing is stored in a closed campaign, but the file is still read for safety (see
                # _late_file): the refusal is raised once the queue entries are committed.
                closed = UserError(f"测评活动“{c.name}”已结束，不能再录入作答，文件未导入。",
                                   f"Campaign {c.name!r} is closed; no more answers can be recorded. Nothing "
                                   "was imported.")
            else:
                require_open(c)
            battery = _battery(s, c)
            defns = [d for d, _ in battery]
            if answers is not None:
                af, read_with, used = answers
                if [(d.id, d.version) for d in read_with] != [(d.id, d.version) for d in defns]:
                    raise UserError("测评活动的量表在读取文件时发生了变化，请重新导入。",
                                    "The campaign's instruments changed while the file was read; import again.")
                parsed = _answer_rows(af, defns)
                source, kind, coding_used = af.source, "score_layout", "value"
            else:
                assert sf is not None
                saved = json.loads(c.survey_mapping_json) if c.survey_mapping_json else None
                prop, how = _proposal(sf, given, saved, defns, instrument)
                if not prop.complete:
                    raise MappingRefused(
                        "没有导入任何数据：并非每个量表的每道计分题都恰好对应了一列。请在对应表中改正后再导入。",
                        "Nothing was imported: not every scored item is mapped to exactly one column.",
                        prop, defns, prop.problems)
                verdict = _coding(sf, prop.mapping, how, coding, defns)
                if verdict.coding is None:
                    raise MappingRefused(
                        f"没有导入任何数据：无法确定这是问卷星的哪种导出。{verdict.reason}"
                        "（命令行：--kind text|ordinal|score）",
                        "Nothing was imported: the export kind (text / ordinal / score) is unclear; choose it.",
                        prop, defns)
                proven = prop.proven or how in ("given", "saved", "score_layout")
                if not proven and not confirm and not dry_run:
                    raise MappingRefused(
                        "没有导入任何数据：有的列只是按顺序推测的，需要您核对对应表后确认（命令行：--confirm，"
                        "或用 --mapping 指定对应关系文件）。",
                        "Nothing was imported: part of the mapping is a guess; check the table and confirm it.",
                        prop, defns)
                used = {**prop.mapping, "coding": verdict.coding}
                parsed = survey.parse_answers(sf, used, defns)
                source, kind, coding_used = sf.source, sf.kind, verdict.coding
            if cancelled is not None and cancelled():
                raise Cancelled()
            report = ImportReport(source, kind, len(parsed), 0, dry_run=dry_run, mapping=used,
                                  coding=coding_used)
            matched, held = _match(s, c, parsed, report, accept, keep)
            if closed is not None:
                held = {**held, **{p.row: (sid, "活动已结束后才导入") for p, sid, _ in matched}}
                matched = []
            now = now_utc()
            # The response's time is the student's 提交答卷时间 (so an alert shows when the child
            # answered), not the time of the import.
            answered = {p.row: matching.submitted_utc(p.submitted, now) for p in parsed}
            total = len(defns)
            all_items = len(used["items"])
            for k, (d, grades) in enumerate(battery):
                if cancelled is not None and cancelled():
                    raise Cancelled()
                n_items = sum(1 for t in used["items"].values() if t.startswith(f"{d.id}:"))
                rows = []
                for p, sid, grade in matched:
                    if not p.present[d.id] or (grades and grade not in grades):
                        continue
                    secs = None
                    if p.seconds is not None and n_items:
                        per = p.seconds / all_items
                        secs = [per if p.answers[d.id][j] is not None else None for j in range(d.n_items)]
                    rows.append(Incoming(sid, p.answers[d.id], secs, True, answered[p.row], p.row))
                report.stats[d.id] = ingest(ctx, s, c, d.id, rows, mode="survey", source=source, now=now)
                if progress is not None:
                    progress(k + 1, total)
            _safety_of_rows_left_out(ctx, s, c, battery, parsed, matched, held, answered, report)
            if closed is not None:
                closed = _late_file(closed, report)
                if dry_run or not report.safety_held:
                    raise closed            # nothing to keep (or a dry run): roll back as any refusal does
                audit.record_for(ctx, s, "campaign.late", target=f"campaign:{c.id}",
                                 detail={"file": source, "reason": "closed", "held": len(report.safety_held)})
            elif dry_run:
                raise _DryRun()
            if closed is None and save and kind != "score_layout":
                c.survey_mapping_json = json.dumps(used, ensure_ascii=False)
            if closed is None:
                audit.record_for(ctx, s, "campaign.import", target=f"campaign:{c.id}",
                                 detail={"file": source, "rows": report.rows, "matched": report.matched,
                                         "coding": coding_used, "by_name": len(report.accepted),
                                         "duplicates": len(report.duplicates), **report.total.to_json(),
                                         # rows not imported that carry a positive safety answer
                                         "safety_held": len(report.safety_held),
                                         "safety_unplaced": len(report.safety_unplaced)})
    except _DryRun:
        pass
    if closed is not None:
        raise closed
    assert report is not None
    if not dry_run:
        ctx.db.settle()
    return report


def _late_file(refusal: UserError, report: ImportReport) -> UserError:
    """The refusal of a file for a closed campaign, saying what its safety answers became."""
    held, unplaced = report.safety_held, report.safety_unplaced
    if not held and not unplaced:
        return refusal
    queued = "正式导入时会列入复核队列" if report.dry_run else "已列入复核队列"
    zh = refusal.zh + (f"但其中 {len(held)} 处安全题阳性作答{queued}。" if held else "") + \
        ("另有对应不到学生的安全题阳性作答，请立即核实。" if unplaced else "")
    return ValidationFailed(zh, refusal.en + " Its positive answers to safety items were put in the review queue.",
                            details=[*unplaced, *held])


def _safety_of_rows_left_out(ctx: AppContext, s, c, battery, parsed: list[survey.ParsedRow], stored: list[tuple],
                             held: dict[int, tuple[int, str]], answered: dict, report: ImportReport) -> None:
    """A row whose answers are not stored (not matched, a name match not confirmed, not a target, the
    other copy of a duplicate submission, an instrument not given to the student's grade) is still
    read for safety: a positive answer to a critical item there must not be dropped with the row.
    A row that names a student puts that student in the review queue (with where it came from);
    one that names nobody on the roster is listed first in the report, for a person to look into."""
    grade_of = {p.row: grade for p, _, grade in stored}
    student_of = {p.row: sid for p, sid, _ in stored}
    for p in parsed:
        for d, grades in battery:
            if not p.present[d.id]:
                continue
            stored_here = p.row in grade_of and not (grades and grade_of[p.row] not in grades)
            if stored_here:
                continue       # stored: the safety path of ingest reads it
            hits = critical.safety_hits(d, p.answers[d.id], complete=True)
            if not hits:
                continue
            what = "、".join(safety.floor_hit(d.id, r.id, f"{short_name(d)} {r.label_zh}").label for r in hits)
            if p.row in grade_of:
                sid, why = student_of[p.row], "本年级不做该量表"
            elif p.row in held:
                sid, why = held[p.row]
            else:
                who = p.identity.get("name", "")
                report.safety_unplaced.append(msg(
                    f"！第{p.row}行" + (f"（“{who}”）" if who else "") + f"有安全题阳性作答：{what}。"
                    "但这一行对应不到名单中的学生，答案没有导入：请立即核实是哪名学生，改正文件后再导入。",
                    f"! Row {p.row} has a positive answer to a safety item ({d.id}) but matches no student on "
                    "the roster; it was not imported: find out who it is now, correct the file and import again."))
                continue
            held_answers(ctx, s, c, d, sid, p.answers[d.id], f"{report.file_name} 第{p.row}行，{why}，答案未导入",
                         answered.get(p.row))
            report.safety_held.append(msg(
                f"！第{p.row}行有安全题阳性作答：{what}。答案没有导入（{why}），但"
                + ("导入时会列入复核队列。" if report.dry_run else "已列入复核队列。"),
                f"! Row {p.row} has a positive answer to a safety item ({d.id}); its answers were not imported, "
                "but the student is in the review queue."))


def _match(s, c, parsed: list[survey.ParsedRow], report: ImportReport, accept, keep
           ) -> tuple[list[tuple], dict[int, tuple[int, str]]]:
    """(row, student id, grade code) for every row that will be stored (see :mod:`xadesk.survey.matching`),
    and the rows that name a student but are not stored (row → student id, why)."""
    targets = set(s.scalars(select(CampaignTarget.student_id).where(CampaignTarget.campaign_id == c.id)))
    entries = [matching.RosterEntry(sid, no, school_no, idn, name, cid, g, n) for sid, no, school_no, idn, name, cid, g, n
               in s.execute(select(Student.id, Student.student_no, Student.school_no, Student.id_number, Student.name,
                                   SchoolClass.id, SchoolClass.grade_code, SchoolClass.number)
                            .outerjoin(SchoolClass, SchoolClass.id == Student.class_id))]
    classes = {(g, n): cid for cid, g, n in s.execute(select(SchoolClass.id, SchoolClass.grade_code,
                                                             SchoolClass.number).where(SchoolClass.active.is_(True)))}
    stages = {GRADE_BY_CODE[g].stage for g, _ in classes if g in GRADE_BY_CODE}
    roster = matching.Roster(entries, classes, stages)
    idents = []
    by_row = {}
    for p in parsed:
        ident = p.identity
        no = ident.get("student_no", "")
        lossy = no.startswith("!lossy:")
        idents.append(matching.RowIdentity(p.row, "" if lossy else no, ident.get("name", ""), ident.get("class", ""),
                                           ident.get("grade", ""), matching.parse_submitted(p.submitted), lossy))
        by_row[p.row] = p
    result = matching.match(idents, roster, targets, accept=accept, keep=keep)
    report.unmatched = result.unmatched
    report.to_confirm = result.to_confirm
    report.accepted = [m for m in result.by_name if m.row in result.accepted]
    report.duplicates = result.duplicates
    report.matched = len(result.matched)
    return ([(by_row[row], sid, roster.entries[sid].grade_code) for row, sid in sorted(result.matched.items())],
            result.held)
