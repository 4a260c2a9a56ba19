"""The archive as a PDF: cover, summary, score-trend chart, sections, timeline.

Renders a document from ``document.build_document`` — which edition it is (full for counselors,
transfer for the next school) was decided when the document was built; this module only draws
what it is given, and says so plainly where something is empty.
"""

from __future__ import annotations

from datetime import date

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer, Table, TableStyle

from ..display import local_time
from ..reports.fonts import register_fonts
from ..reports.page import build_pdf
from ..reports.styles import MUTED, para
from ..reports.tables import grid_table
from ..services import audit, roster
from . import kinds as K
from .document import (
    EDITION_LABELS,
    BuildOptions,
    TimelineEntry,
    build_document,
    load_policy,
    record_text,
    section_title,
    series_of,
    summary_lines,
    timeline,
)

HEADINGS = ("一、基本信息与概况", "二、测评分数趋势", "三、测评、预警、随访与转介", "四、成长记录")
HANDOVER_HEADING = "五、档案交接"  # transfer edition only
# Print-safe series: each line differs by marker shape and dash pattern as well as by colour, so a
# black-and-white printer (or a colour-blind reader) still tells them apart. Colours are dark enough
# to print as distinct greys.
_PALETTE = ["#1b4f72", "#b03a2e", "#1d6b4f", "#7d4e00", "#5b2c6f", "#444444"]
_MARKERS = ["FilledCircle", "FilledSquare", "FilledTriangle", "FilledDiamond", "Circle", "Square"]
_DASHES: list[list[float] | None] = [None, [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3]]
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
             para(f"生成时间：{local_time(doc['generated_at'].replace('Z', '+00:00'))}"
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
    lp.width, lp.height = width - 160, height - 45
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
        if _DASHES[i % len(_DASHES)]:
            lp.lines[i].strokeDashArray = _DASHES[i % len(_DASHES)]
        lp.lines[i].symbol = makeMarker(_MARKERS[i % len(_MARKERS)], size=6, fillColor=colour, strokeColor=colour)
    d.add(lp)
    # The legend repeats each series' marker and dash, so it reads on a black-and-white page.
    for i, name in enumerate(names):
        colour = colors.HexColor(_PALETTE[i % len(_PALETTE)])
        y = height - 12 - i * 12
        x0 = width - 115
        line = Line(x0, y + 3, x0 + 18, y + 3, strokeColor=colour, strokeWidth=1.5)
        if _DASHES[i % len(_DASHES)]:
            line.strokeDashArray = _DASHES[i % len(_DASHES)]
        d.add(line)
        marker = makeMarker(_MARKERS[i % len(_MARKERS)], size=6, fillColor=colour, strokeColor=colour)
        marker.x, marker.y = x0 + 9, y + 3
        d.add(marker)
        d.add(String(x0 + 22, y, name[:18], fontName=font, fontSize=7.5, fillColor=colors.black))
    d.add(String(30, height - 10, "分数", fontName=font, fontSize=7, fillColor=MUTED))
    return d


def _points_table(series: list[dict]) -> list:
    rows = [[str(p[0])[:10], str(s.get("name", "")), _score(p[1])] for s in series for p in s["points"]]
    rows.sort()
    return [grid_table(["日期", "量表", "分数"], rows, [30 * mm, 110 * mm, 34 * mm])]


def _score(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _chart(doc: dict) -> list:
    story = [para(HEADINGS[1], "h1")]
    series = series_of(doc)
    if not series:
        return [*story, para("暂无测评记录。")]
    if max(len(s["points"]) for s in series) < 2:
        # A line needs two points: one time point is a table, not a few dots.
        return [*story, para("每个量表目前只有一次测评，暂不能画出趋势，分数如下：", "small"), *_points_table(series)]
    chart = trend_chart(series)
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
    if items and any(i.get("author") for i in items):
        out.append(grid_table(["日期", "事项", "说明", "记录人"],
                              [[i.get("date", ""), i.get("title", ""), i.get("text", ""), i.get("author") or "—"]
                               for i in items],
                              [22 * mm, 38 * mm, 84 * mm, 30 * mm]))
    elif items:
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


def _records(doc: dict) -> list:
    """One block per kind of record (日常观察, 家访, 家长联系 …), each record once, with who recorded it.
    Screenings, levels, follow-ups and referrals are in part 三 and the class history in part 一, so
    nothing is listed twice."""
    story = [para(HEADINGS[3], "h1")]
    records = doc.get("records") or []
    if not records:
        return [*story, para("暂无观察、家访、家长联系等记录。" if doc["edition"] == "full"
                             else "本版未含观察、家访、家长联系等记录（按学校的转移政策）。")]
    by_kind: dict[str, list[TimelineEntry]] = {}
    for e in timeline(doc, kinds={r["kind"] for r in records}):
        by_kind.setdefault(e.kind, []).append(e)
    for kind in sorted(by_kind, key=lambda k: K.KINDS.index(k) if k in K.KINDS else len(K.KINDS)):
        entries = by_kind[kind]
        story.append(para(f"{K.kind_label(kind)}（{len(entries)} 条）", "h2"))
        rows = []
        for e in entries:
            who = e.author or "—"
            if e.source:
                who = f"{who}（{e.source}）"
            rows.append([e.day, e.title.split(" · ", 1)[1] if " · " in e.title else e.title, e.text, who])
        story.append(grid_table(["日期", "类别", "内容", "记录人"], rows, [22 * mm, 30 * mm, 92 * mm, 30 * mm]))
    return story


def _handover(doc: dict) -> list:
    """The block a paper transfer form has: who handed over, who received, when, signatures, stamps."""
    school = doc["school"]["name"]
    date_blank = "＿＿＿＿年＿＿月＿＿日"
    intro = para("本档案随学生转移（档随人走）。移交与接收双方核对无误后签字并加盖学校公章，各留存一份交接记录。", "small")
    cells = [["", "移交方", "接收方"],
             ["学校", school, ""],
             ["经办人（签字）", "", ""],
             ["联系电话", "", ""],
             ["日期", date_blank, date_blank],
             ["学校（盖章）", "", ""]]
    data = [[para(c, "cell_head" if r == 0 or k == 0 else "cell") for k, c in enumerate(row)]
            for r, row in enumerate(cells)]
    form = Table(data, colWidths=[30 * mm, 72 * mm, 72 * mm],
                 rowHeights=[8 * mm, 11 * mm, 16 * mm, 11 * mm, 11 * mm, 36 * mm])
    form.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                              ("FONTNAME", (0, 0), (-1, -1), register_fonts()),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                              ("VALIGN", (0, 5), (-1, 5), "TOP")]))
    return [KeepTogether([para(HANDOVER_HEADING, "h1"), intro, Spacer(1, 2 * mm), form])]


def _signoff(doc: dict) -> list:
    """The full edition stays in the school: a line for who compiled and who checked it."""
    return [Spacer(1, 10 * mm),
            para("整理人（签字）：＿＿＿＿＿＿　　审核人（签字）：＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日")]


def render_archive_pdf(doc: dict) -> bytes:
    """The PDF of one archive document (either edition)."""
    st = doc["student"]
    story = _cover(doc) + _summary(doc) + [KeepTogether(_chart(doc))] + _sections(doc) + _records(doc)
    story += _handover(doc) if doc["edition"] == "transfer" else _signoff(doc)
    title = f"学生心理成长档案（{_edition_label(doc)}）· {st['name']}"
    return build_pdf(story, header=f"{doc['school']['name']} · 学生心理成长档案（{_edition_label(doc)}）· {st['name']}",
                     title=title, cover=True)


def student_pdf(ctx, student_id: int, *, edition: str = "full") -> bytes:
    """One student's archive PDF for the acting user (an export: ``archive.export``, audited).

    ``full``: everything, with counselling content only for users who may read it; ``transfer``:
    exactly what the transfer file would carry under the school's policy.
    """

    if edition not in ("full", "transfer"):
        raise ValueError(edition)
    ctx.require("archive.export")
    with ctx.db.write() as s:
        st = roster._get_scoped(ctx, s, student_id)
        doc = build_document(s, st.id, BuildOptions(edition=edition,
                                                    may_read_counselling=ctx.actor.can("counselling.read"),
                                                    counselling_key=ctx.counselling_key,
                                                    policy=load_policy(s), exporter_name=ctx.actor.display_name))
        audit.record_for(ctx, s, "archive.export", student_id=st.id, detail={"edition": edition, "format": "pdf"})
    return render_archive_pdf(doc)


__all__ = ["HANDOVER_HEADING", "HEADINGS", "record_text", "render_archive_pdf", "student_pdf", "trend_chart"]
