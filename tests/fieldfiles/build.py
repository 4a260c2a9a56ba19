"""Files shaped like what schools bring, built from scratch: 问卷星 exports of one PHQ-9 + GAD-7 survey
in every export kind (按文本 / 按序号 / 按分数) × format (xlsx, legacy xls, GBK csv) × header style
(``第N题(子项)`` / ``N(子项)``, trailing spaces) × matrix row labels (as in the instrument / shortened
as schools do when they build the form); and registry rosters.

The expected scores come from :func:`reference_totals`, a hand-written scorer that knows only the
published rules (PHQ-9 total = items 1–9, GAD-7 total = items 1–7, each 0–3) — it shares no code
with the import.

Run as a script to write the corpus into a folder and look at it::

    .venv/bin/python -m tests.fieldfiles.build /tmp/corpus
"""

from __future__ import annotations

import csv
import io
import random
import sys
from dataclasses import dataclass
from pathlib import Path

# The form as 问卷星 shows it. Options in the order listed on the form, with the score each was given.
FREQ = [("完全不会", 0), ("好几天", 1), ("一半以上的天数", 2), ("几乎每天", 3)]
DIFF = [("毫无困难", 0), ("有点困难", 1), ("非常困难", 2), ("极度困难", 3)]
PHQ_FULL = ["做事时提不起劲或没有兴趣", "感到心情低落、沮丧或绝望", "入睡困难、睡不安稳或睡眠过多", "感觉疲倦或没有活力",
            "食欲不振或吃太多", "觉得自己很糟，或觉得自己很失败，或让自己或家人失望",
            "对事物专注有困难，例如阅读报纸或看电视时",
            "动作或说话速度缓慢到别人已经察觉？或正好相反：烦躁或坐立不安、动来动去的情况更胜于平常",
            "有不如死掉或用某种方式伤害自己的念头"]
GAD_FULL = ["感觉紧张、焦虑或急切", "不能够停止或控制担忧", "对各种各样的事情担忧过多", "很难放松下来",
            "由于不安而无法静坐", "变得容易烦恼或急躁", "感到似乎将有可怕的事情发生而害怕"]
# What a school types when the matrix rows must be short.
PHQ_SHORT = ["没兴趣", "心情低落", "睡眠问题", "累", "胃口", "觉得自己很糟", "注意力", "慢或烦躁", "想伤害自己"]
GAD_SHORT = ["紧张", "停不下担心", "担心太多", "放松不了", "坐不住", "易怒", "怕有坏事"]
DIFFICULTY_Q = "如果你勾选了以上任何问题，这些问题对你的学习、生活或与他人相处造成了多大的困难？"
META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
KIND_WORD = {"text": "按文本", "ordinal": "按序号", "score": "按分数"}


@dataclass
class Answerer:
    no: str          # 学籍号 as typed (may be blank, bare, full-width …)
    name: str
    cls: str         # 班级 as typed
    phq: list[int]   # 9 answers 0–3
    gad: list[int]   # 7 answers 0–3
    difficulty: int | None = None
    submitted: str = "2026/10/08 09:00:00"


def reference_totals(a: Answerer) -> dict[str, int]:
    """The published scoring, written out by hand: sums of the item scores."""
    return {"phq9": a.phq[0] + a.phq[1] + a.phq[2] + a.phq[3] + a.phq[4] + a.phq[5] + a.phq[6] + a.phq[7] + a.phq[8],
            "gad7": a.gad[0] + a.gad[1] + a.gad[2] + a.gad[3] + a.gad[4] + a.gad[5] + a.gad[6]}


def answerers(students: list[tuple[str, str, str]], seed: int = 7) -> list[Answerer]:
    """Random but reproducible answers for (学籍号, 姓名, 班级) triples; every option of every item used."""
    rng = random.Random(seed)
    out = []
    for k, (no, name, cls) in enumerate(students):
        phq = [(k + j) % 4 if k < 4 else rng.randint(0, 3) for j in range(9)]
        gad = [(k + 2 * j) % 4 if k < 4 else rng.randint(0, 3) for j in range(7)]
        diff = rng.randint(0, 3) if any(phq) else None
        out.append(Answerer(no, name, cls, phq, gad, diff, f"2026/10/08 09:{10 + k:02d}:00"))
    return out


def headers(*, labels: str = "full", style: str = "第N题", layout: str = "matrix", spaces: bool = False) -> list[str]:
    """Question 1–3: identity; PHQ-9 (4), difficulty (5), GAD-7 (6) as matrices — or, with
    ``layout="singles"``, every item its own numbered question."""
    phq, gad = (PHQ_FULL, GAD_FULL) if labels == "full" else (PHQ_SHORT, GAD_SHORT)
    pad = "  " if spaces else ""
    out = [*META, f"1、你的学籍号{pad}", f"2、你的姓名{pad}", f"3、你所在的班级{pad}"]
    if layout == "matrix":
        sub = (lambda n, t: f"第{n}题({t}){pad}") if style == "第N题" else (lambda n, t: f"{n}({t}){pad}")
        out += [sub(4, t) for t in phq] + [f"5、{DIFFICULTY_Q}{pad}"] + [sub(6, t) for t in gad]
    else:
        out += [f"{4 + j}、{t}{pad}" for j, t in enumerate(phq)] + [f"13、{DIFFICULTY_Q}{pad}"]
        out += [f"{14 + j}、{t}{pad}" for j, t in enumerate(gad)]
    return out


def _cell(options, value: int | None, kind: str) -> object:
    if value is None:               # not shown / skipped
        return {"text": "(跳过)", "ordinal": -2, "score": -2}[kind]
    index = [v for _, v in options].index(value)
    return {"text": options[index][0], "ordinal": index + 1, "score": options[index][1]}[kind]


def rows(people: list[Answerer], kind: str) -> list[list[object]]:
    out = []
    for k, a in enumerate(people, start=1):
        line: list[object] = [k, a.submitted, f"{120 + 7 * k}秒", "微信", "N/A", f"10.1.{k}.9(陕西-西安)", a.no, a.name, a.cls]
        line += [_cell(FREQ, v, kind) for v in a.phq]
        line.append(_cell(DIFF, a.difficulty, kind))
        line += [_cell(FREQ, v, kind) for v in a.gad]
        out.append(line)
    return out


def file_name(kind: str | None, ext: str, title: str = "心理健康筛查") -> str:
    """``{问卷编号}_{按X}_{标题}_{n}_{m}.ext`` as 问卷星 names it; ``kind=None``: a renamed file."""
    if kind is None:
        return f"问卷导出.{ext}"
    return f"245871932_{KIND_WORD[kind]}_{title}_{12}_{12}.{ext}"


def write(path: Path, head: list[str], body: list[list[object]]) -> Path:
    ext = path.suffix.lower()
    if ext == ".csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(head)
        w.writerows(body)
        path.write_bytes(buf.getvalue().encode("gbk"))
    elif ext == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(head)
        for r in body:
            ws.append(r)
        wb.save(path)
    elif ext == ".xls":
        import xlwt

        wb = xlwt.Workbook(encoding="utf-8")
        ws = wb.add_sheet("Sheet1")
        for j, h in enumerate(head):
            ws.write(0, j, h)
        for i, r in enumerate(body, start=1):
            for j, v in enumerate(r):
                ws.write(i, j, v)
        wb.save(str(path))
    else:
        raise ValueError(ext)
    return path


def survey_file(folder: Path, people: list[Answerer], *, kind: str, ext: str = "xlsx", named: bool = True,
                labels: str = "full", style: str = "第N题", layout: str = "matrix", spaces: bool = False) -> Path:
    name = file_name(kind if named else None, ext)
    sub = folder / f"{kind}-{ext}-{labels}-{style}-{layout}-{int(spaces)}-{int(named)}"
    sub.mkdir(parents=True, exist_ok=True)
    return write(sub / name, headers(labels=labels, style=style, layout=layout, spaces=spaces), rows(people, kind))


# --- registry rosters ----------------------------------------------------------------------------

REGISTRY_HEADER = ["序号", "姓名", "性别", "出生日期", "身份证件类型", "身份证件号", "全国学籍号", "年级", "班级",
                   "就读方式", "是否留守儿童", "是否进城务工人员随迁子女", "是否孤儿", "是否残疾", "健康状况", "民族",
                   "监护人姓名", "监护人身份证件号", "家庭住址"]


def registry_roster(path: Path, students: list[dict]) -> Path:
    """A roster laid out like the national registry's export (a title row above the header).

    students: {"name","sex","birth","doc_type","doc_no","student_no","grade","class","boarding","left_behind",
               "migrant","orphan","disability"}"""
    body = []
    for k, st in enumerate(students, start=1):
        body.append([k, st["name"], st["sex"], st["birth"], st["doc_type"], st["doc_no"], st["student_no"],
                     st.get("grade", ""), st["class"], st.get("boarding", "走读"), st.get("left_behind", "否"),
                     st.get("migrant", "否"), st.get("orphan", "否"), st.get("disability", "否"), "健康或良好", "汉族",
                     "家长", "", "陕西省西安市"])
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["学生基础信息（全国中小学生学籍信息管理系统导出）"])
    ws.append(REGISTRY_HEADER)
    for r in body:
        ws.append(r)
    wb.save(path)
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    out.mkdir(parents=True, exist_ok=True)
    people = answerers([(f"G61011320130101{k:03d}1", f"学生{k}", "七年级1班") for k in range(1, 6)])
    for kind in KIND_WORD:
        for ext in ("xlsx", "xls", "csv"):
            for labels in ("full", "short"):
                print(survey_file(out, people, kind=kind, ext=ext, labels=labels))
