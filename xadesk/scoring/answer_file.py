"""Read answers from a CSV or xlsx file into the array the engine takes.

Layout: first column ``id``; then one column per item, headed by its position (``1`` … ``N``) or its
item id (``q1``); optional columns ``seconds`` (用时, completion time in seconds), ``grade`` (年级,
1–12) and ``sex`` (性别, M/F/男/女). Cells hold option values as printed on the form (a number, or a
letter for knowledge quizzes); a blank cell is a blank answer. Anything else is refused with the row
and column, all problems listed, and nothing is scored.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ValidationFailed
from ..instruments.definition import Definition, Item
from ..tables import Cell, cell_text, normalize_header, read_table

_EXTRA = {"seconds": "seconds", "用时": "seconds", "所用时间": "seconds", "grade": "grade", "年级": "grade",
          "sex": "sex", "性别": "sex", "gender": "sex"}
_SEX = {"M": "M", "F": "F", "男": "M", "女": "F", "MALE": "M", "FEMALE": "F"}
_MAX_DETAILS = 50


@dataclass
class AnswerTable:
    ids: list[str]
    row_numbers: list[int]           # as the spreadsheet shows them, for messages
    answers: np.ndarray              # respondents × items, NaN = blank
    seconds: np.ndarray | None
    grades: np.ndarray | None
    sexes: np.ndarray | None


def read_answer_file(path: str | Path, defn: Definition) -> AnswerTable:
    table = read_table(path, header=lambda texts: bool(texts) and normalize_header(texts[0]).lower() == "id")
    return parse_answer_rows(table.header, [(r.number, r.cells) for r in table.rows], defn, table.source)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def parse_answer_rows(header: list[str], rows: list[tuple[int, list[Cell]]], defn: Definition,
                      source: str = "") -> AnswerTable:
    by_key: dict[str, int] = {}
    for j, it in enumerate(defn.items):
        by_key[str(j + 1)] = j
        by_key[it.id.lower()] = j
    item_col: dict[int, int] = {}     # column index → item index
    extra_col: dict[str, int] = {}
    problems: list[str] = []
    for c, raw in enumerate(header[1:], start=1):
        h = normalize_header(raw).lower()
        where = f"第{c + 1}列（{_column_letter(c)}，“{raw}”）"
        if not h:
            problems.append(f"{where}：表头为空 / column {c + 1}: empty header")
        elif h in by_key:
            j = by_key[h]
            if j in item_col.values():
                problems.append(f"{where}：第{j + 1}题的列重复 / column {c + 1}: item {j + 1} appears twice")
            item_col[c] = j
        elif h in _EXTRA:
            extra_col[_EXTRA[h]] = c
        else:
            problems.append(f"{where}：不是 {defn.id} 的题目（应为 1–{defn.n_items} 或题目编号） / "
                            f"column {c + 1} {raw!r} is not an item of {defn.id}")
    needed = {defn.item_index(i) for s in defn.scales for i in s.items}
    absent = sorted(needed - set(item_col.values()))
    if absent:
        problems.append("缺少以下题目的列：" + "、".join(str(j + 1) for j in absent)
                        + " / missing columns for items " + ", ".join(str(j + 1) for j in absent))
    if problems:
        raise ValidationFailed(f"{source}：表头有误，未计分。", f"{source}: the header is wrong; nothing was scored.",
                               details=problems)

    n = len(rows)
    answers = np.full((n, defn.n_items), np.nan)
    seconds = np.full(n, np.nan) if "seconds" in extra_col else None
    grades = np.zeros(n, dtype=np.int64) if "grade" in extra_col else None
    sexes = np.full(n, "", dtype=object) if "sex" in extra_col else None
    ids: list[str] = []
    first_bad: tuple[int, int, str, str] | None = None
    codes = {j: _codes(it) for j, it in enumerate(defn.items)}
    for r, (number, cells) in enumerate(rows):
        rid = _text(cells[0])
        if not rid:
            problems.append(f"第{number}行：缺少 id / row {number}: missing id")
        ids.append(rid)
        for c, j in item_col.items():
            text = _text(cells[c])
            if not text:
                continue
            value = codes[j].get(text.upper())
            if value is None:
                it = defn.items[j]
                codes_zh = "、".join(o.code for o in it.options)
                codes_en = ", ".join(o.code for o in it.options)
                problems.append(f"第{number}行，第{c + 1}列（{_column_letter(c)}，第{j + 1}题）：“{text}”不是该题的选项（{codes_zh}） / "
                                f"row {number}, column {c + 1} (item {j + 1}): {text!r} is not an option ({codes_en})")
                if first_bad is None:
                    first_bad = (number, c, header[c], text)
                continue
            answers[r, j] = value
        if seconds is not None:
            text = _text(cells[extra_col["seconds"]])
            if text:
                try:
                    sec = float(text)
                    if not math.isfinite(sec) or sec < 0:
                        raise ValueError
                    seconds[r] = sec
                except ValueError:
                    problems.append(f"第{number}行：用时“{text}”应为非负秒数 / row {number}: seconds {text!r} must be a non-negative number")
        if grades is not None:
            text = _text(cells[extra_col["grade"]])
            if text:
                if text.isdigit() and 1 <= int(text) <= 16:
                    grades[r] = int(text)
                else:
                    problems.append(f"第{number}行：年级“{text}”应为 1–16 的数字 / row {number}: grade {text!r} must be 1–16")
        if sexes is not None:
            text = _text(cells[extra_col["sex"]])
            if text:
                if text.upper() in _SEX:
                    sexes[r] = _SEX[text.upper()]
                else:
                    problems.append(f"第{number}行：性别“{text}”应为 男/女 或 M/F / row {number}: sex {text!r} must be M/F")
    if problems:
        if first_bad is not None:
            number, c, head, text = first_bad
            zh = f"{source}：第{number}行第{c + 1}列（“{head}”）的“{text}”不是该题的选项；共 {len(problems)} 处问题，未计分。"
            en = (f"{source}: row {number}, column {c + 1} ({head!r}): {text!r} is not an option of that item; "
                  f"{len(problems)} problem(s), nothing was scored.")
        else:
            zh = f"{source}：有 {len(problems)} 处问题，未计分。"
            en = f"{source}: {len(problems)} problem(s); nothing was scored."
        more = len(problems) - _MAX_DETAILS
        details = problems[:_MAX_DETAILS] + ([f"……另有 {more} 处 / … {more} more"] if more > 0 else [])
        row = first_bad[0] if first_bad else None
        field = header[first_bad[1]] if first_bad else None
        raise ValidationFailed(zh, en, row=row, field=field, details=details)
    return AnswerTable(ids=ids, row_numbers=[nr for nr, _ in rows], answers=answers, seconds=seconds,
                       grades=grades, sexes=sexes)


def _text(cell: Cell) -> str:
    return unicodedata.normalize("NFKC", cell_text(cell)).strip()


def _codes(item: Item) -> dict[str, float]:
    """Accepted cell texts → value: the printed code, and the value written as a number (``2``, ``2.0``)."""
    out: dict[str, float] = {}
    numeric = all(o.code == _fmt(o.value) for o in item.options)
    for o in item.options:
        out[o.code.upper()] = o.value
        if numeric:   # letters stay letters: "1" is not option A
            out[f"{o.value:.1f}"] = o.value
    return out


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)
