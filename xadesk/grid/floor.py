"""The safety floor, stored: a positive answer to a critical item is in the review queue the moment
it is stored, whatever route it came by.

Screening calls this inside its own write transaction, for every answer set it stores or holds
(a finished or an unfinished response, a conflicting second copy); see
``services/screening_answers.py``. Two kinds of entry, both ``GridProposal`` rows with
``safety = True`` and source ``screening``:

- ``raise_safety``: a safety rule of the instrument holds → a proposal at the floor level
  (``safety.floor_level``: 一级 for an acute ASQ, otherwise 二级), ``rule_key = "safety:<instrument>:<rule>"``,
  and a notice to the counselors.
- ``raise_blank``: a critical item was left blank → "未作答关键题，需核实" with no level
  (``rule_key = "blank:<instrument>"``): the counselor asks the student.

Each is raised once per (student, campaign, key): a pending or decided entry that already carries
the key (also inside a proposal made by ``grid propose``, whose ``matches`` list it) is enough. Neither
kind can be withdrawn (``services.grid.withdraw_proposal`` refuses ``safety`` rows) or replaced by a
later proposal run unless that run carries the same reasons; it leaves the queue only with a
counselor's recorded decision after an interview.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..instruments.definition import Definition, Rule
from ..services import audit
from ..services import grid_base as B
from ..services.login import now_utc
from ..storage.models import Student
from ..storage.models_grid import GridProposal
from . import safety

BLANK_LABEL = "未作答关键题，需核实"
SYSTEM_NAME = "安全底线（系统）"


def _covered(s: Session, student_id: int, campaign_id: int | None, key: str) -> bool:
    for p in s.scalars(select(GridProposal).where(GridProposal.student_id == student_id,
                                                  GridProposal.campaign_id == campaign_id,
                                                  GridProposal.safety.is_(True),
                                                  GridProposal.status.in_(("pending", "decided")))):
        if p.rule_key == key or any(m.get("rule") == key for m in json.loads(p.matches_json or "[]")):
            return True
    return False


def _store(ctx, s: Session, *, student_id: int, campaign_id: int | None, level: str | None, key: str,
           label: str, evidence: dict) -> GridProposal:
    row = GridProposal(
        student_id=student_id, campaign_id=campaign_id, source="screening", level_code=level, near_level=None,
        rule_key=key, rule_version=None, rule_label=label,
        matches_json=json.dumps([{"rule": key, "version": None, "level": level, "label": label, "safety": True}],
                                ensure_ascii=False),
        evidence_json=json.dumps(evidence, ensure_ascii=False, default=str), safety=True, near=False,
        validity_review=False, status="pending", created_at=now_utc(),
        created_by_id=ctx.actor.user_id, created_by_name=SYSTEM_NAME)
    s.add(row)
    s.flush()
    audit.record_for(ctx, s, "grid.propose", student_id=student_id, target=str(row.id),
                     detail={"level": level, "rule": key, "campaign": campaign_id, "floor": True})
    return row


def raise_safety(ctx, s: Session, *, student_id: int, campaign_id: int | None, defn: Definition, rule: Rule,
                 answered_at: datetime, note: str = "") -> GridProposal | None:
    """A floor proposal for one safety rule that holds (``note``: where the answer came from, shown
    after the label, e.g. that it is in a second copy still waiting as a conflict)."""
    hit = safety.floor_hit(defn.id, rule.id, f"{defn.short_name} {rule.label_zh}")
    if _covered(s, student_id, campaign_id, hit.key):
        return None
    label = hit.label + (f"（{note}）" if note else "")
    row = _store(ctx, s, student_id=student_id, campaign_id=campaign_id, level=hit.level, key=hit.key, label=label,
                 evidence={defn.id: {"scales": {}, "flags": [f"safety:{rule.id}"], "valid": True,
                                     "answered_at": answered_at}})
    st = s.get(Student, student_id)
    if st is not None:
        B.notify(ctx, s, st, "safety", level=hit.level, permission="grid.manage")
    return row


def raise_blank(ctx, s: Session, *, student_id: int, campaign_id: int | None, defn: Definition,
                items: Sequence[int], answered_at: datetime) -> GridProposal | None:
    """One "未作答关键题，需核实" entry for the critical items (0-based) a complete response left blank."""
    if not items:
        return None
    key = f"blank:{defn.id}"
    if _covered(s, student_id, campaign_id, key):
        return None
    which = "、".join(str(defn.items[j].position) for j in items)
    label = f"{BLANK_LABEL}：{defn.short_name} 第{which}题"
    return _store(ctx, s, student_id=student_id, campaign_id=campaign_id, level=None, key=key, label=label,
                  evidence={defn.id: {"scales": {}, "flags": [f"blank:{defn.items[j].id}" for j in items],
                                      "valid": True, "answered_at": answered_at}})

