"""The rules a school edits: conditions on screening evidence that propose a warning level.

A rule is ``{key, name, level, when, near_margin, enabled}``; ``when`` is a condition:

- a value: ``{"instrument": "phq9", "scale": "total", "ge": 15}`` — ops ``ge gt le lt eq``, on the
  raw score, or on the T score with ``"field": "t"``;
- a band: ``{"instrument": "k10", "scale": "total", "band_in": ["moderate", "severe"]}``;
- a flag the scoring engine set (critical items, screening rules): ``{"instrument": "scl90",
  "flag": "screen:scl90_positive"}``;
- combinations, also across instruments: ``{"all": [...]}``, ``{"any": [...]}``,
  ``{"at_least": 2, "of": [...]}``.

A missing instrument or an unscored scale never matches. *Near threshold*: a rule with
``near_margin`` m also reports students who miss it by at most m (``ge 15`` with m = 2 → raw 13–14);
they are shown apart in the capacity view and are not proposed.

The safety floor is not a rule here (see ``safety.py``): keys starting ``safety`` are reserved, a
rule can only add proposals, and the proposed level is the most severe of everything that matched,
so no edit of these rules can lower or switch off what the safety floor proposes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import UserError
from . import levels as LV
from .evidence import ScreeningEvidence

OPS = ("ge", "gt", "le", "lt", "eq")
RESERVED_PREFIXES = ("safety", "manual", "validity", "crisis")
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,47}$")


@dataclass(frozen=True)
class Rule:
    key: str
    name: str
    level: str
    when: Mapping[str, Any]
    near_margin: float | None = None
    enabled: bool = True
    version: int = 0       # 0 = the shipped default, not yet stored by the school
    note: str = ""

    def to_json(self) -> dict:
        return {"key": self.key, "version": self.version, "name": self.name, "level": self.level,
                "when": self.when, "near_margin": self.near_margin, "enabled": self.enabled, "note": self.note}

    @property
    def instruments(self) -> tuple[str, ...]:
        return tuple(sorted(_instruments(self.when)))


def _instruments(cond: Mapping[str, Any]) -> set[str]:
    if "instrument" in cond:
        return {cond["instrument"]}
    out: set[str] = set()
    for sub in cond.get("all", ()) or cond.get("any", ()) or cond.get("of", ()):
        out |= _instruments(sub)
    return out


# --- validation --------------------------------------------------------------------------------

def _bad(zh: str, en: str) -> UserError:
    return UserError(f"规则条件有误：{zh}", f"Rule condition error: {en}", field="when")


def check_condition(cond: Any, depth: int = 0) -> None:
    if depth > 6:
        raise _bad("嵌套层数过多（最多 6 层）。", "nested too deep (max 6).")
    if not isinstance(cond, Mapping) or not cond:
        raise _bad("每个条件须是一个非空对象。", "each condition must be a non-empty object.")
    combos = [k for k in ("all", "any", "at_least") if k in cond]
    if combos:
        if len(combos) > 1 or "instrument" in cond:
            raise _bad("all / any / at_least 不能与其他条件写在同一层。", "all/any/at_least must stand alone.")
        if combos[0] == "at_least":
            n, subs = cond.get("at_least"), cond.get("of")
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise _bad("at_least 须为正整数。", "at_least must be a positive integer.")
            if not isinstance(subs, list) or len(subs) < n:
                raise _bad("at_least 的 of 列表项数不能少于 at_least。", "'of' needs at least at_least conditions.")
        else:
            subs = cond[combos[0]]
            if not isinstance(subs, list) or not subs:
                raise _bad(f"{combos[0]} 须是非空列表。", f"{combos[0]} must be a non-empty list.")
        for sub in subs:
            check_condition(sub, depth + 1)
        return
    inst = cond.get("instrument")
    if not isinstance(inst, str) or not inst.strip():
        raise _bad("缺少量表（instrument）。", "missing instrument.")
    if "flag" in cond:
        flag = cond["flag"]
        if not isinstance(flag, str) or ":" not in flag:
            raise _bad("flag 须形如 screen:规则名 或 safety:规则名。", "flag must look like screen:<id>.")
        return
    scale = cond.get("scale")
    if not isinstance(scale, str) or not scale:
        raise _bad("缺少分量表（scale）或标记（flag）。", "missing scale or flag.")
    if "band_in" in cond:
        bands = cond["band_in"]
        if not isinstance(bands, list) or not bands or not all(isinstance(b, str) for b in bands):
            raise _bad("band_in 须是等级名的非空列表。", "band_in must be a non-empty list of band ids.")
        return
    ops = [op for op in OPS if op in cond]
    if len(ops) != 1:
        raise _bad("须且只能有一个比较：ge、gt、le、lt、eq 之一。", "exactly one of ge gt le lt eq is needed.")
    v = cond[ops[0]]
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise _bad("比较值须是数字。", "the comparison value must be a number.")
    if cond.get("field", "raw") not in ("raw", "t"):
        raise _bad("field 只能是 raw（原始分）或 t（T 分）。", "field must be raw or t.")


def check_rule(rule: Rule) -> Rule:
    if not _KEY.match(rule.key or ""):
        raise UserError("规则编号须以小写字母开头，只含小写字母、数字和下划线（2–48 个字符）。",
                        "A rule key starts with a lowercase letter and uses a–z, 0–9 and _ (2–48 chars).",
                        field="key")
    if rule.key.startswith(RESERVED_PREFIXES):
        raise UserError("以 safety / manual / validity / crisis 开头的规则编号为系统保留（安全底线不能通过规则修改）。",
                        "Keys starting safety/manual/validity/crisis are reserved (the safety floor is not a rule).",
                        field="key")
    if not rule.name.strip():
        raise UserError("请填写规则名称。", "A rule needs a name.", field="name")
    LV.check_code(rule.level)
    check_condition(rule.when)
    if rule.near_margin is not None and (isinstance(rule.near_margin, bool)
                                         or not isinstance(rule.near_margin, int | float)
                                         or not 0 < rule.near_margin < 1000):
        raise UserError("近阈值范围须为正数。", "The near-threshold margin must be a positive number.",
                        field="near_margin")
    json.dumps(rule.when)  # must be storable
    return rule


# --- evaluation --------------------------------------------------------------------------------

def _leaf(cond: Mapping[str, Any], ev: Mapping[str, ScreeningEvidence], margin: float) -> bool:
    e = ev.get(cond["instrument"])
    if e is None:
        return False
    if "flag" in cond:
        return cond["flag"] in e.flags
    if "band_in" in cond:
        return e.band(cond["scale"]) in cond["band_in"]
    value = e.value(cond["scale"], cond.get("field", "raw"))
    if value is None:
        return False
    for op in OPS:
        if op in cond:
            x = float(cond[op])
            if op == "ge":
                return value >= x - margin
            if op == "gt":
                return value > x - margin
            if op == "le":
                return value <= x + margin
            if op == "lt":
                return value < x + margin
            return abs(value - x) <= margin
    return False


def holds(cond: Mapping[str, Any], ev: Mapping[str, ScreeningEvidence], margin: float = 0.0) -> bool:
    """Whether ``cond`` holds on one student's evidence, keyed by instrument id."""
    if "all" in cond:
        return all(holds(c, ev, margin) for c in cond["all"])
    if "any" in cond:
        return any(holds(c, ev, margin) for c in cond["any"])
    if "at_least" in cond:
        return sum(holds(c, ev, margin) for c in cond["of"]) >= cond["at_least"]
    return _leaf(cond, ev, margin)


# --- defaults ----------------------------------------------------------------------------------

def _ge(inst: str, scale: str, x: float) -> dict:
    return {"instrument": inst, "scale": scale, "ge": x}


def _flag(inst: str, flag: str) -> dict:
    return {"instrument": inst, "flag": flag}


# A starting point from the published cut-offs in INSTRUMENTS.md, deliberately sparing: raw cut-offs
# flag a quarter to a third of students, so the higher levels need the severe bands or a combination.
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("phq9_gad7_severe", "PHQ-9 ≥15 且 GAD-7 ≥15（抑郁与焦虑均重）", LV.L2,
         {"all": [_ge("phq9", "total", 15), _ge("gad7", "total", 15)]}, 2),
    Rule("phq9_severe", "PHQ-9 总分 ≥20（重度）", LV.L2, _ge("phq9", "total", 20), 2),
    Rule("phq9_mod_severe", "PHQ-9 总分 15–19（中重度）", LV.L3, _ge("phq9", "total", 15), 2),
    Rule("phq9_syndrome", "PHQ-9 符合重性抑郁综合征算法", LV.L3, _flag("phq9", "screen:major_depressive_syndrome")),
    Rule("phq9_moderate", "PHQ-9 总分 10–14（中度）", LV.L4, _ge("phq9", "total", 10), 2),
    Rule("phq9_item9_blank", "PHQ-9 第9题未作答（须当面询问）", LV.L4, _flag("phq9", "screen:item9_unanswered")),
    Rule("gad7_severe", "GAD-7 总分 ≥15（重度）", LV.L3, _ge("gad7", "total", 15), 2),
    Rule("gad7_moderate", "GAD-7 总分 10–14（中度）", LV.L4, _ge("gad7", "total", 10), 2),
    Rule("k10_severe", "K10 总分 ≥30（重度）", LV.L3, _ge("k10", "total", 30), 2),
    Rule("k10_moderate", "K10 总分 25–29（中度）", LV.L4, _ge("k10", "total", 25), 2),
    Rule("k6_serious", "K6 总分 ≥13（严重困扰）", LV.L3, _ge("k6", "total", 13), 1),
    Rule("dass21_depression_xsevere", "DASS-21 抑郁 ≥28（极重度）", LV.L3, _ge("dass21", "depression", 28), 2),
    Rule("cesdc_suggestive", "CES-DC 总分 ≥16", LV.L4, _ge("cesdc", "total", 16), 2),
    Rule("scared_likely", "SCARED 总分 ≥31", LV.L4, _ge("scared", "total", 31), 2),
    Rule("scl90_positive", "SCL-90 筛查阳性（总分>160、阳性项目>43 或任一因子≥2）", LV.L4,
         _flag("scl90", "screen:scl90_positive")),
    Rule("mssmhs_moderate", "MSSMHS 总均分 ≥3（中度）", LV.L3, _ge("mssmhs", "total", 3), 0.2),
    Rule("mssmhs_attention", "MSSMHS 任一因子 ≥2（需关注）", LV.L4, _flag("mssmhs", "screen:mssmhs_attention")),
    Rule("asq_acuity_unknown", "ASQ 阳性但第5题未答（急性程度未知）", LV.L2, _flag("asq", "screen:asq_acuity_unknown")),
)


@dataclass
class RuleSet:
    """The school's current rules (stored versions, or the defaults while nothing is stored)."""

    rules: list[Rule] = field(default_factory=lambda: list(DEFAULT_RULES))

    def enabled(self) -> list[Rule]:
        return [r for r in self.rules if r.enabled]
