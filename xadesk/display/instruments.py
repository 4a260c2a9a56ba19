"""Display names for instruments, scales, bands, flags and warning-rule conditions.

The short names ("PHQ-9 抑郁筛查") are what a counselor says aloud; the built-in definitions give the
scale, band and flag labels. A school's own instrument is not in the table: callers that hold its
definition pass its name (``fallback``), and an id that is known nowhere is shown as it is, so
nothing ever reads blank.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from ..errors import NotFound
from ..instruments.definition import Definition
from ..instruments.loader import load_builtin

SHORT_NAMES: dict[str, str] = {
    "asq": "ASQ 自杀风险筛查",
    "cesdc": "CES-DC 儿童抑郁量表",
    "dass21": "DASS-21 抑郁焦虑压力量表",
    "gad7": "GAD-7 焦虑筛查",
    "k10": "K10 心理困扰量表",
    "k6": "K6 心理困扰量表",
    "mhk": "心理健康核心知识问卷",
    "mini_ipip": "Mini-IPIP 人格量表",
    "mssmhs": "MSSMHS 中学生心理健康量表",
    "phq9": "PHQ-9 抑郁筛查",
    "rses": "RSES 自尊量表",
    "scared": "SCARED 儿童焦虑筛查",
    "scl90": "SCL-90 症状自评量表",
}

# Flags the engine sets that no definition declares.
_ENGINE_FLAGS = {"no_answers": "未作答", "invalid": "作答无效"}
_KIND_WORDS = {"safety": "安全提示", "screen": "筛查提示", "validity": "作答有效性", "info": "说明"}
OP_TEXT = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "eq": "="}


@cache
def _builtin(instrument_id: str) -> Definition | None:
    try:
        return load_builtin(instrument_id)
    except NotFound:
        return None


def instrument_name(instrument_id: str, fallback: str | None = None) -> str:
    """"PHQ-9 抑郁筛查" for ``phq9``; a school instrument's own name when given; else the id."""
    if instrument_id in SHORT_NAMES:
        return SHORT_NAMES[instrument_id]
    if fallback:
        return fallback
    d = _builtin(instrument_id)
    return d.name_zh if d else instrument_id


def instrument_names(ids: Iterable[str], names: Mapping[str, str] | None = None) -> str:
    """Several instruments joined the Chinese way: "PHQ-9 抑郁筛查、GAD-7 焦虑筛查"."""
    names = names or {}
    return "、".join(instrument_name(i, names.get(i)) for i in ids)


def _definition(instrument_id: str, defn: Definition | None) -> Definition | None:
    return defn if defn is not None and defn.id == instrument_id else _builtin(instrument_id)


def scale_name(instrument_id: str, scale_id: str, defn: Definition | None = None) -> str:
    """"抑郁总分" for (phq9, total); "总分" for an unknown ``total``; else the id."""
    d = _definition(instrument_id, defn)
    if d is not None:
        try:
            return d.scale(scale_id).name_zh
        except KeyError:
            pass
    return "总分" if scale_id == "total" else scale_id


def band_name(instrument_id: str, scale_id: str, band_id: str | None, defn: Definition | None = None) -> str:
    """A band's Chinese label ("中度"); "—" when there is no band."""
    if not band_id:
        return "—"
    d = _definition(instrument_id, defn)
    if d is not None:
        try:
            scale = d.scale(scale_id)
        except KeyError:
            return band_id
        for b in (*scale.bands, *scale.band_rules):
            if b.id == band_id:
                return b.label_zh
    return band_id


def flag_name(instrument_id: str, flag: str, defn: Definition | None = None) -> str:
    """The words for a flag the engine set: "screen:major_depressive_syndrome" → the rule's label."""
    kind, _, ident = flag.partition(":")
    if not ident:
        return _ENGINE_FLAGS.get(flag, flag)
    d = _definition(instrument_id, defn)
    if d is not None:
        if kind in ("safety", "screen"):
            for r in d.rules:
                if r.id == ident:
                    return r.label_zh
        if kind == "validity":
            for v in d.validity:
                if v.id == ident:
                    return v.label_zh
    return f"{_KIND_WORDS.get(kind, kind)}：{ident}"


def _num(x: Any) -> str:
    if isinstance(x, float) and math.isfinite(x) and x.is_integer():
        return str(int(x))
    return str(x)


def describe_condition(cond: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """A warning-rule condition in words: "PHQ-9 抑郁筛查 抑郁总分 ≥ 15 且 GAD-7 焦虑筛查 焦虑总分 ≥ 15"."""
    names = names or {}
    if "all" in cond:
        return " 且 ".join(describe_condition(c, names) for c in cond["all"])
    if "any" in cond:
        return " 或 ".join(describe_condition(c, names) for c in cond["any"])
    if "at_least" in cond:
        return f"以下至少 {cond['at_least']} 项：" + "；".join(describe_condition(c, names) for c in cond["of"])
    inst = cond.get("instrument", "")
    who = instrument_name(inst, names.get(inst))
    if "flag" in cond:
        return f"{who}：{flag_name(inst, cond['flag'])}"
    scale = scale_name(inst, cond.get("scale", ""))
    if "band_in" in cond:
        bands = "、".join(band_name(inst, cond["scale"], b) for b in cond["band_in"])
        return f"{who} {scale} 属于 {bands}"
    op = next((o for o in OP_TEXT if o in cond), None)
    t = " T分" if cond.get("field") == "t" else ""
    return f"{who} {scale}{t} {OP_TEXT.get(op or '', '?')} {_num(cond.get(op, ''))}".strip()


def score_line(instrument_id: str, scales: Mapping[str, tuple[float | None, str | None]],
               defn: Definition | None = None) -> str:
    """Scores as a counselor reads them: "惊恐/躯体化 4（低于界值）  焦虑总分 18（中度）"."""
    parts = []
    for sid, (raw, band) in scales.items():
        value = "—" if raw is None else _num(round(raw, 2) if isinstance(raw, float) else raw)
        b = band_name(instrument_id, sid, band, defn)
        parts.append(f"{scale_name(instrument_id, sid, defn)} {value}" + (f"（{b}）" if band else ""))
    return "  ".join(parts)


def _level_label(level: int) -> str:
    if level <= 9:
        return f"{'一二三四五六七八九'[level - 1]}年级"
    return f"高{'一二三'[level - 10]}"


def grade_span(lo: int | None, hi: int | None) -> str:
    """A definition's grade range (years of schooling, 13+ = beyond school) as a teacher says it:
    7–16 → "七年级至高三及成人", 3–12 → "三年级至高三", 9 → "九年级"."""
    if lo is None and hi is None:
        return "不限年级"
    lo = max(1, int(lo or 1))
    hi = int(hi or 12)
    adults = hi > 12
    hi = min(hi, 12)
    if lo > 12:
        return "成人"
    text = _level_label(lo) if lo == hi else f"{_level_label(lo)}至{_level_label(hi)}"
    return text + ("及成人" if adults else "")
