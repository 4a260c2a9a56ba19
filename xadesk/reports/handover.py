"""The handover list that goes with a batch of transfer files (交接单): one line per student with
the file name, and the passphrase — or where to find it, when the exporter chose their own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from .page import build_pdf
from .styles import para
from .tables import grid_table


@dataclass(frozen=True)
class HandoverRow:
    student_no: str
    name: str
    class_label: str
    file_name: str


def handover_list_pdf(rows: Sequence[HandoverRow], *, school_name: str, title: str, exported_at: str,
                      exporter: str, passphrase: str | None, passphrase_note: str | None = None) -> bytes:
    """``passphrase`` is printed when given; otherwise ``passphrase_note`` says where it is."""
    story = [para(f"{school_name}　{title}", "h1"),
             para(f"导出时间：{exported_at}　　导出人：{exporter}　　文件数：{len(rows)}"),
             Spacer(1, 3 * mm)]
    if passphrase:
        story.append(para(f"口令（所有文件共用）：{passphrase}", "h2"))
        story.append(para("口令不区分大小写，空格和短横线可省略。请将本交接单与文件分开交付，妥善保管，用后销毁。", "small"))
    else:
        story.append(para(f"口令：{passphrase_note or '由导出人另行告知'}", "h2"))
    story.append(Spacer(1, 3 * mm))
    table_rows = [[str(i), r.name, r.student_no, r.class_label, r.file_name] for i, r in enumerate(rows, 1)]
    story.append(grid_table(["序号", "姓名", "学籍号", "班级", "文件名"], table_rows,
                            [12 * mm, 28 * mm, 52 * mm, 34 * mm, 48 * mm]))
    story += [Spacer(1, 8 * mm), para("移交人签字：＿＿＿＿＿＿　　接收人签字：＿＿＿＿＿＿　　日期：＿＿＿＿＿＿")]
    return build_pdf(story, header=f"{school_name} · {title}", title=title)
