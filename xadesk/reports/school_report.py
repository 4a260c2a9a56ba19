"""The school report as PDF and as xlsx, from a :class:`~xadesk.reports.figures.Report`.

PDF: a cover, a one-page summary a leader reads in a minute (headline figures and the plan
indicators that are not met), the plan-compliance table against targets, then each chart with its
table. xlsx: a sheet of headline figures and one sheet per table; numbers are stored as numbers
(rates as fractions with a percentage format), and every text cell is stored as text, so a label
beginning with "=" can never become a formula.

Nothing per student is in either file: the report holds counts, rates and hours only, suppressed
for everyone but counselors (see ``suppression``).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font, PatternFill
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer

from ..errors import UserError
from ..services import audit
from ..services.context import AppContext
from ..storage.atomic import atomic_write_bytes
from .charts import drawing, series
from .figures import Report, Table
from .page import build_pdf
from .styles import para
from .suppression import LEGEND
from .tables import grid_table

CONTENT_WIDTH = 174 * mm


def local_time(iso_utc: str) -> str:
    """"2026-11-29 17:40" in this computer's time zone (stored UTC, shown local)."""
    dt = datetime.fromisoformat(iso_utc.rstrip("Z")).replace(tzinfo=UTC).astimezone()
    return dt.strftime("%Y-%m-%d %H:%M")


def fmt(value: object, *, rate: bool = False, delta: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if rate:
        return f"{value * 100:.1f}%"
    if delta:
        return f"{value:+d}" if isinstance(value, int) else f"{value:+.2f}"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def table_text(table: Table, counselor: bool) -> list[list[str]]:
    """The cells as text, as the PDF and the screen print them."""
    shown = table.display(counselor)
    out = []
    for r, row in enumerate(shown):
        line = []
        for c, v in enumerate(row):
            derived = (r, c) in table.rates
            is_rate = derived and table.cols[c] != "变化"
            line.append(fmt(v, rate=is_rate and isinstance(v, float), delta=derived and not is_rate))
        out.append(line)
    return out


def headline_lines(report: Report) -> list[tuple[str, str]]:
    if report.summary_lines is not None:
        return report.summary_lines
    h = report.headline
    lines = [("学生人数", fmt(h.get("students")))]
    if h.get("screening_targets") is not None:
        cov = h.get("coverage")
        lines.append(("本次测评完成", f"{fmt(h.get('screened'))} / {fmt(h.get('screening_targets'))}"
                      + (f"（{cov * 100:.1f}%）" if isinstance(cov, float) else "")))
    lines.append(("预警名单在册", fmt(h.get("on_list"))))
    lines.append(("本期新增 / 解除预警", f"{fmt(h.get('new'))} / {fmt(h.get('released'))}"))
    lines.append(("按时 / 逾期随访（人次）", f"{fmt(h.get('on_time'))} / {fmt(h.get('late'))}"))
    lines.append(("当前逾期未随访", fmt(h.get("overdue"))))
    lines.append(("危机事件", fmt(h.get("crises"))))
    median = h.get("median_days_to_interview")
    lines.append(("预警到复核访谈（中位天数）", "无数据" if median is None else f"{median:g} 天"))
    return lines


def _suppression_note(report: Report) -> str:
    if report.scope_kind == "district":
        return "各校数字取自学校上报文件，学校已按规则隐藏小数字（“<5”“×”）；合计只加总显示出的数字。"
    if report.counselor_view:
        return "本报告为心理健康教师视图，未隐藏小数字；对外提供前请改用校领导视图导出。"
    return LEGEND


def report_pdf(report: Report) -> bytes:
    title = f"{report.school_name} {report.title}"
    story = [Spacer(1, 60 * mm), para(title, "title"), Spacer(1, 8 * mm),
             para(f"{report.period_label}　·　{report.scope_label}", "subtitle"), Spacer(1, 4 * mm),
             para(f"生成时间：{local_time(report.generated_at)}", "center"), Spacer(1, 60 * mm),
             para("本报告只含汇总数字，不含学生姓名和学籍号。" + _suppression_note(report), "small"),
             PageBreak()]
    # one-page summary
    story.append(para("一页摘要", "h1"))
    story.append(grid_table(["项目", "数字"], headline_lines(report), [80 * mm, 94 * mm]))
    story.append(Spacer(1, 4 * mm))
    unmet = [p for p in report.plan if p.met is False]
    met = [p for p in report.plan if p.met]
    story.append(para(f"行动方案指标：{len(met)} 项达标，{len(unmet)} 项未达标，"
                      f"{len(report.plan) - len(met) - len(unmet)} 项无数据。", "h2"))
    if unmet:
        story.append(grid_table(["未达标指标", "本期", "目标"], [[p.label, p.shown_value(), p.shown_target()]
                                                           for p in unmet], [104 * mm, 35 * mm, 35 * mm]))
    story.append(Spacer(1, 3 * mm))
    story.append(para(_suppression_note(report), "small"))
    story.append(PageBreak())
    plan = report.table("plan")
    story.append(para("行动方案指标达标情况", "h1"))
    story.append(grid_table(["指标", "本期", "目标", "结论", "数据来源"],
                            [[p.label, p.shown_value(), p.shown_target(),
                              {True: "达标", False: "未达标", None: "无数据"}[p.met], p.source]
                             for p in report.plan], [62 * mm, 24 * mm, 22 * mm, 18 * mm, 48 * mm]))
    for t in report.tables:
        if t is plan:
            continue
        story += _table_section(t, report.counselor_view)
    return build_pdf(story, header=f"{report.school_name} · {report.period_label} · {report.scope_label}",
                     title=title, cover=True)


def _table_section(t: Table, counselor: bool) -> list:
    shown = t.display(counselor)
    data = series(t, shown)
    if data is not None and data.categories and data.series:
        # the heading stays with its chart
        out = [KeepTogether([para(t.title, "h2"), drawing(data, CONTENT_WIDTH, 62 * mm)])]
    else:
        out = [para(t.title, "h2")]
    text = table_text(t, counselor)
    n = len(t.cols) + 1
    first = min(44 * mm, CONTENT_WIDTH / n * 1.6)
    rest = (CONTENT_WIDTH - first) / max(1, n - 1)
    out.append(grid_table([t.row_header, *t.cols], [[label, *row] for label, row in zip(t.rows, text, strict=True)],
                          [first] + [rest] * (n - 1)))
    if t.note:
        out.append(para(t.note, "small"))
    out.append(Spacer(1, 4 * mm))
    return out


def _text_cell(ws, row: int, col: int, value: str):
    cell = ws.cell(row=row, column=col)
    cell.value = value
    cell.data_type = TYPE_STRING  # never a formula, whatever the text begins with
    return cell


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in '[]:*?/\\')[:28] or "表"
    name, i = base, 2
    while name in used:
        name = f"{base[:26]}{i}"
        i += 1
    used.add(name)
    return name


def report_xlsx(report: Report) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    used: set[str] = set()
    ws.title = _sheet_name("摘要", used)
    head = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEF2F6")
    _text_cell(ws, 1, 1, f"{report.school_name} {report.title}").font = Font(bold=True, size=14)
    _text_cell(ws, 2, 1, f"{report.period_label} · {report.scope_label} · 生成于 {local_time(report.generated_at)}")
    _text_cell(ws, 3, 1, _suppression_note(report))
    r = 5
    for label, value in headline_lines(report):
        _text_cell(ws, r, 1, label)
        _text_cell(ws, r, 2, value)
        r += 1
    r += 1
    for c, h in enumerate(["指标", "本期", "目标", "结论", "数据来源"], 1):
        cell = _text_cell(ws, r, c, h)
        cell.font, cell.fill = head, fill
    for p in report.plan:
        r += 1
        _text_cell(ws, r, 1, p.label)
        cell = ws.cell(row=r, column=2, value=p.value)
        if p.unit == "%":
            cell.number_format = "0.0%"
        tcell = ws.cell(row=r, column=3, value=p.target)
        if p.unit == "%":
            tcell.number_format = "0%"
        _text_cell(ws, r, 4, {True: "达标", False: "未达标", None: "无数据"}[p.met])
        _text_cell(ws, r, 5, p.source)
    ws.column_dimensions["A"].width = 40
    for col in "BCDE":
        ws.column_dimensions[col].width = 16
    for t in report.tables:
        if t.id == "plan":
            continue
        sh = wb.create_sheet(_sheet_name(t.title, used))
        _text_cell(sh, 1, 1, t.title).font = Font(bold=True)
        for c, h in enumerate([t.row_header, *t.cols], 1):
            cell = _text_cell(sh, 2, c, h)
            cell.font, cell.fill = head, fill
        shown = t.display(report.counselor_view)
        for i, (label, row) in enumerate(zip(t.rows, shown, strict=True)):
            _text_cell(sh, 3 + i, 1, label)
            for c, v in enumerate(row):
                if isinstance(v, str):
                    cell = _text_cell(sh, 3 + i, 2 + c, v)
                    cell.alignment = Alignment(horizontal="right")
                else:
                    cell = sh.cell(row=3 + i, column=2 + c, value=v)
                    if (i, c) in t.rates and t.cols[c] != "变化":
                        cell.number_format = "0.0%"
        if t.note or not report.counselor_view:
            _text_cell(sh, 4 + len(t.rows), 1, " ".join(x for x in (t.note, _suppression_note(report)) if x))
        sh.column_dimensions["A"].width = 34
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_report(ctx: AppContext, report: Report, path: Path) -> Path:
    """Write the report as .pdf or .xlsx (by the file's extension), atomically; audited as an export."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        raise UserError(f"输出文件应以 .pdf 或 .xlsx 结尾：{path.name}", f"The output must end in .pdf or .xlsx: {path.name}",
                        field="out")
    data = report_pdf(report) if suffix == ".pdf" else report_xlsx(report)
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise UserError(f"无法写入 {path}：{exc.strerror or exc}", f"Cannot write {path}: {exc.strerror or exc}") from None
    with ctx.db.write() as s:
        audit.record_for(ctx, s, "export", target=f"report:{report.scope_kind}",
                         detail={"what": "school report", "format": suffix[1:], "period": report.period_label,
                                 "scope": report.scope_label})
    return path
