"""Helpers for the scoring tests: score one row with the engine and check the reference agrees."""

from __future__ import annotations

import math

import numpy as np

from xadesk.instruments import load_builtin
from xadesk.scoring import score, score_one

NaN = math.nan


def row_of(defn, answers) -> list[float]:
    """``answers``: a full list (None/NaN = blank) or a dict {position: value} (others blank)."""
    if isinstance(answers, dict):
        out = [NaN] * defn.n_items
        for pos, v in answers.items():
            out[pos - 1] = NaN if v is None else float(v)
        return out
    assert len(answers) == defn.n_items, (len(answers), defn.n_items)
    return [NaN if v is None else float(v) for v in answers]


def one(instrument, answers, **kw) -> dict:
    """Score one respondent with the engine; assert the reference implementation gives the same."""
    defn = load_builtin(instrument) if isinstance(instrument, str) else instrument
    row = row_of(defn, answers)
    seconds = kw.pop("seconds", None)
    grade, sex = kw.pop("grade", 0), kw.pop("sex", "")
    result = score(defn, np.array([row]), seconds=None if seconds is None else np.array([seconds], dtype=float),
                   grades=[grade], sexes=[sex])
    got = result.per_respondent(0)
    ref = score_one(defn, row, seconds=seconds, grade=grade, sex=sex)
    assert got == ref, (got, ref)
    return got


def raw(res: dict, scale: str = "total"):
    return res["scales"][scale]["raw"]


def band(res: dict, scale: str = "total"):
    return res["scales"][scale]["band"]


def rule(res: dict, scale: str = "total") -> str:
    return res["scales"][scale]["rule"]
