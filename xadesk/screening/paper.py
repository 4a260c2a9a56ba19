"""Paper: printable answer sheets, and the cell checks of the keyboard entry grid.

``answer_sheets_pdf`` lays out one sheet per student (or blank sheets): the header fields schools use
(学校 / 年级 / 班级 / 学号 / 姓名 / 性别 / 日期, filled in from the roster when known), the instructions,
then every item with its options as boxes to tick, the option code printed beside each box — the
code the operator types in the grid. Instruments whose licence does not allow item text print
"第N题" only (the school uses its own printed forms). Built on ``xadesk.reports`` (embedded font,
page template).

``check_cell`` is the grid's range check: a typed code or value becomes the option value, a blank
stays blank, anything else is refused naming the item and the options.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..answers.cells import accepted_texts, fold, why_not
from ..errors import UserError
from ..instruments.definition import Definition
from ..reports.page import build_pdf
from ..reports.styles import RULE, para
from ..reports.tables import grid_table


@dataclass(frozen=True)
class SheetStudent:
    grade: str = ""
    class_label: str = ""
    student_no: str = ""
    name: str = ""
    sex: str = ""


def check_cell(defn: Definition, index: int, text: object) -> float | None:
    """The option value typed for item ``index`` (0-based), None for a blank; UserError otherwise."""
    it = defn.items[index]
    t = unicodedata.normalize("NFKC", "" if text is None else str(text)).strip().upper()
    if not t:
        return None
    # The codes, and for numeric codes the value written as "2.0" — the answer-file reader's set.
    # Not float(): it reads other scripts' digits ("٣" is 3) and spellings like "3e0", which no
    # operator means to type; such a cell is refused, saying why.
    v = accepted_texts(it).get(fold(t))
    if v is not None:
        return v
    allowed = "、".join(o.code for o in it.options)
    why = why_not(t)
    raise UserError(f"第{index + 1}题只能填 {allowed}，不能填“{t}”" + (f"：{why.split(' / ')[0]}" if why else "") + "。",
                    f"Item {index + 1} takes {allowed}, not {t!r}.", field=str(index + 1))


def answer_sheets_pdf(school_name: str, campaign_name: str, defns: Sequence[Definition],
                      students: Sequence[SheetStudent], *, date_text: str = "") -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Spacer, Table, TableStyle


    story = []
    for k, st in enumerate(students or [SheetStudent()]):
        if k:
            story.append(PageBreak())
        story.append(para(f"{campaign_name} 答题卡", "h1"))
        fields = [("学校", school_name), ("年级", st.grade), ("班级", st.class_label), ("学号", st.student_no),
                  ("姓名", st.name), ("性别", {"M": "男", "F": "女"}.get(st.sex, st.sex)), ("日期", date_text)]
        cells = [[para(f"{label}：{value or ''}") for label, value in fields[:4]],
                 [para(f"{label}：{value or ''}") for label, value in fields[4:]] + [para("")]]
        head = Table(cells, colWidths=[43 * mm] * 4)
        head.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, RULE), ("INNERGRID", (0, 0), (-1, -1), 0.3, RULE)]))
        story += [head, Spacer(1, 4 * mm)]
        for d in defns:
            story.append(para(d.name_zh, "h2"))
            if d.text("instructions"):
                story.append(para(d.text("instructions"), "small"))
            rows = []
            for j, it in enumerate(d.items):
                text = it.display_text("zh") if d.item_text_allowed else f"第{j + 1}题"
                if it.show_if is not None:
                    text += "（按说明作答）"
                boxes = "   ".join(f"□{o.code} {o.label_zh}" for o in it.options)
                rows.append([str(j + 1), text, boxes])
            story.append(grid_table(["题号", "题目", "请在选项前的方框中打 √"], rows, [10 * mm, 80 * mm, 84 * mm]))
            story.append(Spacer(1, 3 * mm))
    return build_pdf(story, header=f"{school_name} · {campaign_name}", title=f"{campaign_name} 答题卡")
