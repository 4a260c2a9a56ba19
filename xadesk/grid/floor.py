"""The safety floor, stored: a positive answer to a critical item is in the review queue the moment
it is stored, whatever route it came by.

Screening calls this inside its own write transaction, for every answer set it stores or holds
(a finished or an unfinished response, a conflicting second copy); see
``services/screening_answers.py``. Two kinds of entry, both ``GridProposal`` rows with
``safety = True`` and source ``screening``:

- ``Floor.safety``: a safety rule of the instrument holds → a proposal at the floor level
  (``safety.floor_hit``: 一级 for an acute ASQ, otherwise 二级), ``rule_key = "safety:<instrument>:<rule>"``,
  and a notice to the counselors.
- ``Floor.blank``: a critical item was left blank → "未作答关键题，需核实" with no level
  (``rule_key = "blank:<instrument>"``): the counselor asks the student.

Each is raised once per (student, campaign, key): a pending or decided entry that already carries
the key (also inside a proposal made by ``grid propose``, whose ``matches`` list it) is enough. Neither
kind can be withdrawn (``services.grid.withdraw_proposal`` refuses ``safety`` rows) or replaced by a
later proposal run unless that run carries the same reasons; it leaves the queue only with a
counselor's recorded decision after an interview.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..instruments.definition import Definition, Rule
from ..services import audit
from ..services import grid_base as B
from ..services.login import now_utc
from ..storage.models import User
from ..storage.models_grid import GridNotice, GridProposal
from . import safety

BLANK_LABEL = "未作答关键题，需核实"
SYSTEM_NAME = "安全底线（系统）"


class Floor:
    """The floor writer for one write transaction and one campaign. It reads once what is already
    raised for the students it will see, and who must be told (counselors, by permission), so a file
    of thousands of rows costs a few queries, not a few per row."""

    def __init__(self, ctx, s: Session, campaign_id: int | None, student_ids: Iterable[int]) -> None:
        self.ctx, self.s, self.campaign_id = ctx, s, campaign_id
        self._covered: dict[int, set[str]] = defaultdict(set)
        ids = list(dict.fromkeys(student_ids))
        for chunk in range(0, len(ids), 500):
            for p in s.scalars(select(GridProposal).where(GridProposal.student_id.in_(ids[chunk:chunk + 500]),
                                                          GridProposal.campaign_id == campaign_id,
                                                          GridProposal.safety.is_(True),
                                                          GridProposal.status.in_(("pending", "decided")))):
                self._covered[p.student_id].add(p.rule_key)
                self._covered[p.student_id] |= {m.get("rule") for m in json.loads(p.matches_json or "[]")}
        self._managers: list[int] | None = None

    def _store(self, student_id: int, level: str | None, key: str, label: str, evidence: dict) -> GridProposal:
        row = GridProposal(
            student_id=student_id, campaign_id=self.campaign_id, source="screening", level_code=level,
            near_level=None, rule_key=key, rule_version=None, rule_label=label,
            matches_json=json.dumps([{"rule": key, "version": None, "level": level, "label": label, "safety": True}],
                                    ensure_ascii=False),
            evidence_json=json.dumps(evidence, ensure_ascii=False, default=str), safety=True, near=False,
            validity_review=False, status="pending", created_at=now_utc(),
            created_by_id=self.ctx.actor.user_id, created_by_name=SYSTEM_NAME)
        self.s.add(row)
        self.s.flush()
        self._covered[student_id].add(key)
        audit.record_for(self.ctx, self.s, "grid.propose", student_id=student_id, target=str(row.id),
                         detail={"level": level, "rule": key, "campaign": self.campaign_id, "floor": True})
        return row

    def _tell(self, student_id: int, level: str | None) -> None:
        """A notice for every counselor (``grid.manage``, whole school) but the actor."""
        if self._managers is None:
            actors = [(u.id, B.actor_of(self.s, u)) for u in self.s.scalars(select(User).where(User.active.is_(True)))]
            self._managers = [uid for uid, a in actors if a.can("grid.manage") and a.sees_all]
        for uid in self._managers:
            if uid != self.ctx.actor.user_id:
                self.s.add(GridNotice(user_id=uid, student_id=student_id, kind="safety", level_code=level,
                                      created_at=now_utc()))

    def safety(self, student_id: int, defn: Definition, rule: Rule, answered_at: datetime,
               note: str = "") -> GridProposal | None:
        """A floor proposal for one safety rule that holds (``note``: where the answer came from, shown
        after the label, e.g. that it is in a second copy still waiting as a conflict)."""
        hit = safety.floor_hit(defn.id, rule.id, f"{defn.short_name} {rule.label_zh}")
        if hit.key in self._covered[student_id]:
            return None
        label = hit.label + (f"（{note}）" if note else "")
        row = self._store(student_id, hit.level, hit.key, label,
                          {defn.id: {"scales": {}, "flags": [f"safety:{rule.id}"], "valid": True,
                                     "answered_at": answered_at}})
        self._tell(student_id, hit.level)
        return row

    def blank(self, student_id: int, defn: Definition, items: Sequence[int],
              answered_at: datetime) -> GridProposal | None:
        """One "未作答关键题，需核实" entry for the critical items (0-based) a complete response left blank."""
        key = f"blank:{defn.id}"
        if not items or key in self._covered[student_id]:
            return None
        which = "、".join(str(defn.items[j].position) for j in items)
        return self._store(student_id, None, key, f"{BLANK_LABEL}：{defn.short_name} 第{which}题",
                           {defn.id: {"scales": {}, "flags": [f"blank:{defn.items[j].id}" for j in items],
                                      "valid": True, "answered_at": answered_at}})
