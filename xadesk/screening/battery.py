"""What a student is asked, item by item: conditional items, the resume point, answers as stored.

Answers are kept as two lists per response, one entry per item of the definition:
``answers[j]`` is the option value or ``None``; ``seconds[j]`` is the time spent on the item or
``None``. An item the student has *passed* (skipped, or answered) has a seconds entry; an item still
to come has neither. So "where to resume" is the first item that is shown and has neither — which is
also what a crash leaves behind, because each answer is committed before the next item appears.
A conditional item (``show_if``, e.g. ASQ question 5) is shown only when its condition holds on the
answers given so far; an item that is not shown is never a blank.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import UserError
from ..instruments.definition import Definition, Item
from ..scoring.reference import holds

Answers = list[float | None]


def empty(defn: Definition) -> tuple[Answers, list[float | None]]:
    return [None] * defn.n_items, [None] * defn.n_items


def dumps(values: Sequence[float | None]) -> str:
    return json.dumps([plain(v) for v in values], separators=(",", ":"))


def loads(text: str) -> list[float | None]:
    return [None if v is None else float(v) for v in json.loads(text)]


def plain(v: float | None) -> float | int | None:
    """A value as written to JSON: None for blank or NaN, an int when whole (``2`` not ``2.0``)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    v = float(v)
    return int(v) if v.is_integer() else v


def is_shown(defn: Definition, answers: Sequence[float | None], index: int) -> bool:
    it = defn.items[index]
    if it.show_if is None:
        return True
    return holds(it.show_if, defn, list(answers))


def shown_items(defn: Definition, answers: Sequence[float | None]) -> list[int]:
    return [j for j in range(defn.n_items) if is_shown(defn, answers, j)]


def resume_point(defn: Definition, answers: Sequence[float | None], seconds: Sequence[float | None]) -> int | None:
    """Index of the first shown item not yet passed, or None when the questionnaire is finished."""
    for j in range(defn.n_items):
        if answers[j] is None and seconds[j] is None and is_shown(defn, answers, j):
            return j
    return None


def is_complete(defn: Definition, answers: Sequence[float | None], seconds: Sequence[float | None]) -> bool:
    return resume_point(defn, answers, seconds) is None


def check_value(defn: Definition, index: int, value: float | None) -> float | None:
    """The value if it is an option of item ``index`` (None = skipped); refuses anything else."""
    if not 0 <= index < defn.n_items:
        raise UserError(f"{defn.id} 没有第{index + 1}题。", f"{defn.id} has no item {index + 1}.")
    if value is None:
        return None
    it = defn.items[index]
    v = float(value)
    if v not in it.values:
        allowed = "、".join(o.code for o in it.options)
        raise UserError(f"第{index + 1}题的答案“{value:g}”不是选项（{allowed}）。",
                        f"Item {index + 1}: {value:g} is not an option ({allowed}).", field=str(index + 1))
    return v


@dataclass(frozen=True)
class AnswerState:
    """Where a student is in one questionnaire. Never carries a score."""

    instrument_id: str
    resume_point: int | None      # index of the next item to show; None when finished
    answered: int
    shown: int
    completed: bool


@dataclass(frozen=True)
class OptionView:
    value: float
    code: str
    label: str
    key: str            # the number key that picks it on the kiosk ("1", "2", …)


@dataclass(frozen=True)
class ItemView:
    """One screen of the kiosk: nothing in it says how the answer is scored."""

    instrument_id: str
    index: int          # 0-based position in the definition
    number: int         # 1-based number among the items shown so far
    total: int          # items shown so far plus conditional items still ahead (never grows)
    text: str
    options: tuple[OptionView, ...]


def item_view(defn: Definition, answers: Sequence[float | None], index: int, lang: str = "zh") -> ItemView:
    it: Item = defn.items[index]
    shown = shown_items(defn, answers)
    number = shown.index(index) + 1 if index in shown else len(shown) + 1
    # Conditional items still ahead count as possible, so the total never jumps up mid-questionnaire
    # (PHQ-9 read "共9题" and then "共10题" after a first answer ≥ 1); at worst it ends one early.
    pending = sum(1 for j in range(index + 1, defn.n_items) if defn.items[j].show_if is not None and j not in shown)
    opts = tuple(OptionView(o.value, o.code, o.label_en if lang == "en" else o.label_zh, str(k + 1))
                 for k, o in enumerate(it.options))
    return ItemView(defn.id, index, number, len(shown) + pending, it.display_text(lang), opts)
