"""Which rule produced a scale's score: codes kept in the result arrays, and their wording.

The English wording is stable (stored with scores and compared in tests); :func:`rule_text_zh` gives
the Chinese for screens and reports.
"""

from __future__ import annotations

COMPLETE = 0            # every item answered
PRORATED = 1            # some blank, within the rule: sum prorated / mean of answered
INVALID_MISSING = 2     # more blanks than the rule allows: no score
UNDEFINED = 3           # mean_ge with no item at or above the threshold (e.g. SCL-90 PSDI with no positive item)
FROM_SCALES = 4         # a total built from valid component scales
INVALID_COMPONENT = 5   # a total built from scales, one of which has no score
NO_ANSWERS = 6          # the respondent answered nothing at all

INVALID_CODES = (INVALID_MISSING, INVALID_COMPONENT, NO_ANSWERS)


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def rule_text(code: int, n_blank: int, *, method: str, max_blank: int | None, threshold: float | None,
              components: tuple[str, ...] = ()) -> str:
    if code == COMPLETE:
        return "complete"
    if code == PRORATED:
        how = "mean of answered" if method in ("mean", "mean_ge") else "prorated"
        return f"{how}: {n_blank} blank{_s(n_blank)}"
    if code == INVALID_MISSING:
        return f"invalid: {n_blank} blank{_s(n_blank)} > {max_blank} allowed"
    if code == UNDEFINED:
        return f"undefined: no item at or above {threshold:g}"
    if code == FROM_SCALES:
        return "from scales: " + ", ".join(components)
    if code == INVALID_COMPONENT:
        return "invalid: a component scale has no score"
    return "no answers"


def rule_text_zh(code: int, n_blank: int, *, method: str, max_blank: int | None, threshold: float | None,
                 components: tuple[str, ...] = ()) -> str:
    if code == COMPLETE:
        return "全部作答"
    if code == PRORATED:
        how = "按已答题求均分" if method in ("mean", "mean_ge") else "按比例折算"
        return f"{how}：空 {n_blank} 题"
    if code == INVALID_MISSING:
        return f"无效：空 {n_blank} 题，超过允许的 {max_blank} 题"
    if code == UNDEFINED:
        return f"无法计算：没有得分 ≥ {threshold:g} 的题目"
    if code == FROM_SCALES:
        return "由分量表合成：" + "、".join(components)
    if code == INVALID_COMPONENT:
        return "无效：有分量表无分"
    return "未作答"
