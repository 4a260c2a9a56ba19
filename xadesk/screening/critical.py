"""Which safety rules hold on one set of answers, and which critical items were left blank.

The same reading for every route an answer can take (kiosk, lab pack, paper, 问卷星 or score-layout
file, a conflicting second copy): the caller says whether the answers are *complete* (the student
finished, or a sheet or file row was entered as a whole) or *unfinished* (a kiosk or lab session that
stopped part-way). On unfinished answers a ``blank`` test is false: an item not yet reached is not a
refusal. A complete set is read the way the scoring engine reads it (``scoring.score_one``), so a
flag raised here is the flag the stored score carries.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..instruments.definition import Definition, Rule
from ..scoring.reference import holds, score_one
from . import battery


def _no_blanks(cond: dict) -> dict:
    """The condition with every ``blank`` test made false."""
    if "blank" in cond:
        return {"any": []}
    out = dict(cond)
    for key in ("any", "all", "count"):
        if key in cond:
            out[key] = [_no_blanks(c) for c in cond[key]]
    if "not" in cond:
        out["not"] = cond["not"]  # a negated blank test stays as written (none of ours have one)
    return out


def safety_hits(defn: Definition, answers: Sequence[float | None], *, complete: bool) -> list[Rule]:
    """The instrument's safety rules that hold on these answers."""
    rules = [r for r in defn.rules if r.kind == "safety"]
    if not rules:
        return []
    if complete:
        flags = set(score_one(defn, list(answers))["flags"])
        return [r for r in rules if f"safety:{r.id}" in flags]
    if all(v is None for v in answers):
        return []
    return [r for r in rules if holds(_no_blanks(r.when), defn, list(answers))]


def blank_critical(defn: Definition, answers: Sequence[float | None]) -> list[int]:
    """Critical items (0-based) a complete set of answers leaves blank where the item was asked."""
    return [j for j in defn.critical_items if answers[j] is None and battery.is_shown(defn, answers, j)]
