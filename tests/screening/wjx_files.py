"""Files shaped like real 问卷星 exports (Readable and Original), as GBK CSV or xlsx."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from xadesk.instruments import load_builtin

META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]


def headers() -> list[str]:
    phq = load_builtin("phq9")
    asq = load_builtin("asq")
    out = [*META, "1、你的学籍号", "2、你的姓名", "3、你所在的班级"]
    # PHQ-9 items 1–9 as a matrix question (第4题), ASQ as separate questions 5–9.
    out += [f"第4题({it.text_zh})" for it in phq.items[:9]]
    out += [f"{5 + k}、{it.text_zh}" for k, it in enumerate(asq.items)]
    return out


def rows(students: list[dict], *, original: bool) -> list[list[object]]:
    """students: {"no", "name", "class", "phq": [9 values], "asq": [5 values or None]}"""
    phq = load_builtin("phq9")
    asq = load_builtin("asq")
    out = []
    for k, st in enumerate(students, start=1):
        line: list[object] = [k, f"2026/09/0{1 + k % 8} 10:{10 + k:02d}:00", f"{150 + k}秒", "手机提交", "直接访问",
                              f"113.200.{k}.7(陕西-西安)", st["no"], st["name"], st["class"]]
        for j, v in enumerate(st["phq"]):
            opts = phq.items[j].options
            line.append(_cell(opts, v, original))
        for j, v in enumerate(st["asq"]):
            opts = asq.items[j].options
            if v is None:
                line.append(-2 if original else "(跳过)")
            else:
                line.append(_cell(opts, v, original))
        out.append(line)
    return out


def _cell(opts, v, original: bool):
    idx = [o.value for o in opts].index(v)
    return idx + 1 if original else opts[idx].label_zh


def write_csv(path: Path, students: list[dict], *, original: bool, encoding: str = "gbk") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers())
    for r in rows(students, original=original):
        w.writerow(r)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, students: list[dict], *, original: bool) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers())
    for r in rows(students, original=original):
        ws.append(r)
    wb.save(path)
    return path
