"""The passphrase slips of a batch of class packs: one per teacher, cut apart and handed over
separately from the files (the slip opens the pack; a lost USB stick alone does not)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from ..reports.page import build_pdf
from ..reports.styles import para
from .content import URGENT_LINE


@dataclass(frozen=True)
class Slip:
    teacher_name: str
    class_label: str
    file_name: str
    passphrase: str
    expires_on: date


def slips_pdf(slips: Sequence[Slip], *, school_name: str, exporter: str) -> bytes:
    story = [para(f"{school_name}　班级包口令条", "h1"),
             para(f"导出人：{exporter}　　共 {len(slips)} 份。请沿虚线剪开，口令条与班级包文件分开交给班主任。", "small"),
             Spacer(1, 4 * mm)]
    for sl in slips:
        story.append(KeepTogether([
            para("- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -", "small"),
            para(f"{sl.teacher_name} 老师（{sl.class_label}）", "h2"),
            para(f"班级包文件：{sl.file_name}　　有效期至：{sl.expires_on.isoformat()}"),
            para(f"口令：{sl.passphrase}", "h2"),
            para("口令不区分大小写，空格和短横线可省略。交回文件也用这个口令。请妥善保管，不要与文件放在一起。", "small"),
            para(URGENT_LINE, "small"),
            Spacer(1, 4 * mm)]))
    return build_pdf(story, header=f"{school_name} · 班级包口令条", title="班级包口令条")
