"""The archive as a PDF: cover, summary, score-trend chart, sections, timeline.

Renders a document from ``document.build_document`` — which edition it is (full for counselors,
transfer for the next school) was decided when the document was built; this module only draws
what it is given, and says so plainly where something is empty.
"""

from __future__ import annotations

from datetime import date

from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer

from ..reports.fonts import register_fonts
from ..reports.page import build_pdf
from ..reports.styles import MUTED, para
from ..reports.tables import grid_table
from . import kinds as K
from .document import EDITION_LABELS, record_text, section_title, series_of, summary_lines, timeline

HEADINGS = ("一、基本信息与概况", "二、测评分数趋势", "三、测评、预警与转介", "四、成长记录时间线")
_PALETTE = ["#2a6f97", "#c8553d", "#588b8b", "#f28f3b", "#6a4c93", "#8a9a5b"]
_SEX = {"M": "男", "F": "女"}


def _edition_label(doc: dict) -> str:
    return EDITION_LABELS.get(doc["edition"], (doc["edition"], doc["edition"]))[0]


def _cover(doc: dict) -> list:
    st = doc["student"]
    story = [Spacer(1, 45 * mm), para(doc["school"]["name"], "subtitle"), Spacer(1, 6 * mm),
             para("学生心理成长档案", "title"), Spacer(1, 3 * mm),
             para(f"（{_edition_label(doc)}）", "subtitle"), Spacer(1, 22 * mm),
             para(f"姓名：{st['name']}", "subtitle"),
             para(f"学籍号：{st['student_no']}", "subtitle"),
             para(f"班级：{st['class_label'] or '—'}", "subtitle"),
             Spacer(1, 30 * mm),
             para(f"生成时间：{doc['generated_at'].replace('T', ' ').replace('Z', ' UTC')}"
                  + (f"　　生成人：{doc['generated_by']}" if doc.get("generated_by") else ""), "center"),
             Spacer(1, 4 * mm),
             para("本档案含未成年人心理健康信息，仅限学校心理健康工作使用。请妥善保管，不得复制、转发或公开。", "center")]
    if doc["edition"] == "transfer":
        story.append(para("转移版按学校政策只包含可随学生转移的内容。", "center"))
    story.append(PageBreak())
    return story


def _summary(doc: dict) -> list:
    st = doc["student"]
    story = [para(HEADINGS[0], "h1")]
    ident = [["姓名", st["name"], "性别", _SEX.get(st["sex"], st["sex"] or "—")],
             ["出生日期", st["birth_date"] or "—", "学籍号", st["student_no"]],
             ["班级", st["class_label"] or "—", "状态", {"enrolled": "在读", "graduated": "毕业",
                                                      "transferred_out": "转出"}.get(st["status"], st["status"])]]
    story.append(grid_table(["项目", "内容", "项目", "内容"], ident, [25 * mm, 60 * mm, 25 * mm, 64 * mm]))
    story.append(Spacer(1, 3 * mm))
    for line in summary_lines(doc):
        story.append(para(line))
    if doc["edition"] == "transfer":
        c = doc.get("counselling") or {}
        basis = c.get("basis")
        if c.get("included") and basis:
            label = K.CONSENT_BASES.get(basis["basis_kind"], basis["basis_kind"])
            story.append(para(f"心理辅导内容：依据{label}（{basis['recorded_on']}，{basis['given_by']}）随档转移。"))
        else:
            story.append(para("心理辅导内容：未包含（无监护人同意或安全例外记录）。"))
    story.append(para("就读经历", "h2"))
    hist = doc.get("class_history") or []
    if hist:
        story.append(grid_table(["学年", "学校", "年级", "班级"],
                                [[h["school_year"], h["school_name"], h["grade"],
                                  f"({h['class_number']})班" if h.get("class_number") else "—"] for h in hist],
                                [30 * mm, 80 * mm, 30 * mm, 34 * mm]))
    else:
        story.append(para("暂无就读记录。", "small"))
    story.append(para("特殊群体", "h2"))
    groups = doc.get("group_history") or []
    if groups:
        story.append(grid_table(["类别", "列入日期", "解除日期", "来源"],
                                [[g["label"], g["set_on"], g.get("cleared_on") or "（仍在）",
                                  (g.get("source") or {}).get("school_name") or "本校"] for g in groups],
                                [45 * mm, 35 * mm, 35 * mm, 59 * mm]))
    else:
        story.append(para("无特殊群体记录。", "small"))
    return story


def _date_value(text: str) -> float | None:
    try:
        return float(date.fromisoformat(str(text)[:10]).toordinal())
    except ValueError:
        return None


def trend_chart(series: list[dict], width: float = 174 * mm, height: float = 70 * mm) -> Drawing | None:
    """One line per scale over time; None when there is nothing to draw."""
    font = register_fonts()
    data, names = [], []
    for s in series:
        pts = sorted((x, float(y)) for x, y in ((_date_value(p[0]), p[1]) for p in s["points"])
                     if x is not None and isinstance(y, int | float))
        if pts:
            data.append(pts)
            names.append(str(s.get("name", "")))
    if not data:
        return None
    d = Drawing(width, height)
    d.initialFontName = font  # else the drawing starts in Times-Roman (a font we do not embed)
    lp = LinePlot()
    lp.x, lp.y = 30, 30
    lp.width, lp.height = width - 150, height - 45
    lp.data = data
    xs = [x for line in data for x, _ in line]
    ys = [y for line in data for _, y in line]
    lo, hi = min(xs), max(xs)
    if lo == hi:
        lo, hi = lo - 30, hi + 30
    lp.xValueAxis.valueMin, lp.xValueAxis.valueMax = lo - 15, hi + 15
    lp.xValueAxis.valueSteps = sorted(set(xs)) if len(set(xs)) <= 8 else None
    lp.xValueAxis.labelTextFormat = lambda v: date.fromordinal(int(v)).strftime("%Y-%m")
    lp.yValueAxis.valueMin = 0
    lp.yValueAxis.valueMax = max(ys) * 1.15 if max(ys) > 0 else 1
    for axis in (lp.xValueAxis, lp.yValueAxis):
        axis.labels.fontName = font
        axis.labels.fontSize = 7
    for i in range(len(data)):
        colour = colors.HexColor(_PALETTE[i % len(_PALETTE)])
        lp.lines[i].strokeColor = colour
        lp.lines[i].strokeWidth = 1.5
        lp.lines[i].symbol = makeMarker("FilledCircle", size=4, fillColor=colour, strokeColor=colour)
    d.add(lp)
    legend = Legend()
    legend.x, legend.y = width - 110, height - 15
    legend.fontName, legend.fontSize = font, 8
    legend.alignment = "right"
    legend.colorNamePairs = [(colors.HexColor(_PALETTE[i % len(_PALETTE)]), n) for i, n in enumerate(names)]
    d.add(legend)
    d.add(String(30, height - 10, "分数", fontName=font, fontSize=7, fillColor=MUTED))
    return d


def _chart(doc: dict) -> list:
    story = [para(HEADINGS[1], "h1")]
    chart = trend_chart(series_of(doc))
    story.append(chart if chart is not None else para("暂无测评记录。"))
    return story


def _section_block(title: str, data: object) -> list:
    out = [para(title, "h2")]
    if not isinstance(data, dict):
        return [*out, para(str(data), "small")]
    if data.get("summary"):
        out.append(para(data["summary"]))
    table = data.get("table")
    if isinstance(table, dict) and table.get("columns"):
        out.append(grid_table([str(c) for c in table["columns"]], [[str(v) for v in r] for r in table.get("rows", [])]))
    items = data.get("items") or []
    if items:
        out.append(grid_table(["日期", "事项", "说明"],
                              [[i.get("date", ""), i.get("title", ""), i.get("text", "")] for i in items],
                              [24 * mm, 45 * mm, 105 * mm]))
    if len(out) == 1:
        out.append(para("暂无记录。", "small"))
    return out


def _sections(doc: dict) -> list:
    story = [para(HEADINGS[2], "h1")]
    sections = doc.get("sections") or {}
    for name, data in sections.items():
        story += _section_block(section_title(name), data)
    for prev in doc.get("previous_schools") or []:
        for name, data in (prev.get("sections") or {}).items():
            story += _section_block(f"{section_title(name)}（来自{prev['school_name']}）", data)
    if doc.get("sections_unavailable"):
        names = "、".join(section_title(n) for n in doc["sections_unavailable"])
        story.append(para(f"以下部分暂时无法生成：{names}。", "small"))
    if len(story) == 1:
        story.append(para("暂无测评、预警或转介记录。"))
    return story


def _timeline(doc: dict) -> list:
    story = [para(HEADINGS[3], "h1")]
    entries = timeline(doc)
    if not entries:
        return [*story, para("暂无记录。")]
    rows = []
    for e in entries:
        who = e.author or "—"
        if e.source:
            who = f"{who}（{e.source}）"
        rows.append([e.day, e.title, e.text, who])
    story.append(grid_table(["日期", "类别", "内容", "记录人"], rows, [22 * mm, 38 * mm, 84 * mm, 30 * mm]))
    return story


def render_archive_pdf(doc: dict) -> bytes:
    """The PDF of one archive document (either edition)."""
    st = doc["student"]
    story = _cover(doc) + _summary(doc) + [KeepTogether(_chart(doc))] + _sections(doc) + _timeline(doc)
    title = f"学生心理成长档案（{_edition_label(doc)}）· {st['name']}"
    return build_pdf(story, header=f"{doc['school']['name']} · 学生心理成长档案（{_edition_label(doc)}）· {st['name']}",
                     title=title, cover=True)


def student_pdf(ctx, student_id: int, *, edition: str = "full") -> bytes:
    """One student's archive PDF for the acting user (an export: ``archive.export``, audited).

    ``full``: everything, with counselling content only for users who may read it; ``transfer``:
    exactly what the transfer file would carry under the school's policy.
    """
    from ..services import audit, roster
    from .document import BuildOptions, build_document, load_policy

    if edition not in ("full", "transfer"):
        raise ValueError(edition)
    ctx.require("archive.export")
    with ctx.db.write() as s:
        st = roster._get_scoped(ctx, s, student_id)
        doc = build_document(s, st.id, BuildOptions(edition=edition,
                                                    may_read_counselling=ctx.actor.can("counselling.read"),
                                                    policy=load_policy(s), exporter_name=ctx.actor.display_name))
        audit.record_for(ctx, s, "archive.export", student_id=st.id, detail={"edition": edition, "format": "pdf"})
    return render_archive_pdf(doc)


__all__ = ["HEADINGS", "record_text", "render_archive_pdf", "student_pdf", "trend_chart"]
