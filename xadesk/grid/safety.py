"""The safety floor: what an instrument's own safety rules demand, whatever the school's rules say.

Every ``safety:<rule>`` flag the scoring engine set (PHQ-9 item 9 ≥ 1, ASQ any yes, SCL-90 items
15/59 ≥ 2, and the safety rules of any school-defined instrument) proposes at least 二级 (``L2``);
an acute one (ASQ question 5 = yes) proposes 一级 (``L1``). The floor applies to invalid answering
too: a student who marked the self-harm item is followed up even if the rest looks careless.

This is code, not a stored rule: the rule editor cannot reach it (see ``rules.RESERVED_PREFIXES``).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import levels as LV
from .evidence import ScreeningEvidence

# (instrument, safety rule id) that mean imminent risk.
ACUTE: frozenset[tuple[str, str]] = frozenset({("asq", "asq_acute")})

LABELS = {
    ("phq9", "item9"): "PHQ-9 第9题（自伤或轻生念头）≥1",
    ("asq", "asq_positive"): "ASQ 阳性（第1–4题任一“是”或拒答）",
    ("asq", "asq_acute"): "ASQ 急性阳性（第5题“是”：紧迫风险）",
    ("scl90", "item15"): "SCL-90 第15题（轻生念头）≥2",
    ("scl90", "item59"): "SCL-90 第59题（想到死亡）≥2",
}


@dataclass(frozen=True)
class SafetyHit:
    key: str     # "safety:phq9:item9"
    level: str
    label: str
    instrument: str


def floor_hit(instrument_id: str, rule_id: str, fallback_label: str | None = None) -> SafetyHit:
    """The floor for one safety rule of one instrument: its key, level and the label people see
    (``fallback_label`` for a school's own instrument, built from its display name and rule label)."""
    level = LV.L1 if (instrument_id, rule_id) in ACUTE else LV.L2
    label = LABELS.get((instrument_id, rule_id)) or fallback_label or f"{instrument_id} 安全提示 {rule_id}"
    return SafetyHit(f"safety:{instrument_id}:{rule_id}", level, label, instrument_id)


def hits(ev: ScreeningEvidence) -> list[SafetyHit]:
    out = []
    for flag in ev.safety_flags:
        out.append(floor_hit(ev.instrument_id, flag.split(":", 1)[1]))
    if ev.safety and not out:
        out.append(SafetyHit(f"safety:{ev.instrument_id}", LV.L2, f"{ev.instrument_id} 安全提示", ev.instrument_id))
    return out
