"""Evidence → proposals. One proposal per student per campaign, at the most severe level that
matched, naming the rule that decided it and listing every rule that matched.

Order of reasoning for one student's evidence in one campaign:

1. Safety floor (``safety.hits``) on every instrument, valid or not.
2. Evidence with ``validity_ok = False`` is not graded by the school's rules; the proposal is marked
   ``validity_review`` (and has no level unless the safety floor gave one).
3. The school's enabled rules on the valid evidence (combinations see all instruments at once).
4. Nothing matched strictly but some rule within its ``near_margin`` → a *near-threshold* proposal:
   no level, ``near_level`` = what that rule would propose; shown apart, never queued as a flag.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import levels as LV
from . import safety
from .evidence import ScreeningEvidence
from .rules import Rule, holds

VALIDITY_KEY = "validity:review"


@dataclass(frozen=True)
class Match:
    rule_key: str
    rule_version: int | None
    level: str
    label: str
    safety: bool = False

    def to_json(self) -> dict:
        return {"rule": self.rule_key, "version": self.rule_version, "level": self.level, "label": self.label,
                "safety": self.safety}


@dataclass(frozen=True)
class ProposalDraft:
    student_id: int
    campaign_id: int | None
    level: str | None            # None: validity review only, or near threshold only
    rule_key: str                # the rule that decided the level (or validity:review / the near rule)
    rule_version: int | None
    rule_label: str
    matches: tuple[Match, ...] = ()
    near: tuple[Match, ...] = ()
    safety: bool = False
    validity_review: bool = False
    invalid_instruments: tuple[str, ...] = ()
    evidence: dict = field(default_factory=dict)  # instrument -> {scales, flags}: for counselors only

    @property
    def near_level(self) -> str | None:
        return LV.most_severe(m.level for m in self.near)

    @property
    def is_near_only(self) -> bool:
        return self.level is None and not self.validity_review and bool(self.near)


def _student(student_id: int, campaign_id: int | None, evs: list[ScreeningEvidence],
             rules: list[Rule]) -> ProposalDraft | None:
    matches: list[Match] = []
    for ev in evs:
        for h in safety.hits(ev):
            matches.append(Match(h.key, None, h.level, h.label, safety=True))
    valid = {ev.instrument_id: ev for ev in evs if ev.validity_ok}
    invalid = tuple(sorted(ev.instrument_id for ev in evs if not ev.validity_ok))
    near: list[Match] = []
    for rule in rules:
        if not rule.enabled:
            continue
        if holds(rule.when, valid):
            matches.append(Match(rule.key, rule.version, rule.level, rule.name))
        elif rule.near_margin and holds(rule.when, valid, rule.near_margin):
            near.append(Match(rule.key, rule.version, rule.level, rule.name))
    evidence = {ev.instrument_id: {"scales": {k: dict(v) for k, v in ev.scales.items()}, "flags": list(ev.flags),
                                   "valid": ev.validity_ok} for ev in evs}
    if matches:
        # Most severe first; at equal level a safety hit names the proposal (it is the reason to act).
        matches.sort(key=lambda m: (LV.RANK[m.level], not m.safety))
        top = matches[0]
        return ProposalDraft(student_id, campaign_id, top.level, top.rule_key, top.rule_version, top.label,
                             tuple(matches), tuple(near), any(m.safety for m in matches), bool(invalid), invalid,
                             evidence)
    if invalid:
        return ProposalDraft(student_id, campaign_id, None, VALIDITY_KEY, None,
                             "作答无效或疑似随意作答：请复核，不据此分级", (), tuple(near), False, True, invalid,
                             evidence)
    if near:
        near.sort(key=lambda m: LV.RANK[m.level])
        return ProposalDraft(student_id, campaign_id, None, near[0].rule_key, near[0].rule_version,
                             f"接近阈值：{near[0].label}", (), tuple(near), False, False, (), evidence)
    return None


def propose(evidence: Iterable[ScreeningEvidence], rules: Iterable[Rule]) -> list[ProposalDraft]:
    """Proposals for every (student, campaign) in ``evidence``; students with nothing to flag are left out."""
    groups: dict[tuple[int, int | None], list[ScreeningEvidence]] = defaultdict(list)
    for ev in evidence:
        groups[(ev.student_id, ev.campaign_id)].append(ev)
    rule_list = list(rules)
    out = []
    for (sid, cid), evs in groups.items():
        draft = _student(sid, cid, evs, rule_list)
        if draft is not None:
            out.append(draft)
    out.sort(key=lambda d: (LV.RANK.get(d.level or "", 9), d.student_id))
    return out
