"""What the grid reads from a screening: one student's result on one instrument.

Screening results (the campaigns area) are turned into ``ScreeningEvidence`` by an adapter; the
grid never reads item answers, only scale values, bands and the flags the scoring engine set
(``safety:<rule>``, ``screen:<rule>``, ``validity:<check>``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ScreeningEvidence:
    student_id: int
    campaign_id: int | None
    instrument_id: str
    scales: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # {scale: {"raw", "t", "band"}}
    flags: Sequence[str] = ()
    safety: bool = False          # a safety rule of the instrument fired (also implied by a safety: flag)
    validity_ok: bool = True      # False: invalid or careless answering — review, do not grade
    answered_on: str | None = None  # ISO date, for display

    @property
    def safety_flags(self) -> list[str]:
        return [f for f in self.flags if f.startswith("safety:")]

    def value(self, scale: str, what: str = "raw") -> float | None:
        v = (self.scales.get(scale) or {}).get(what)
        return None if v is None else float(v)

    def band(self, scale: str) -> str | None:
        return (self.scales.get(scale) or {}).get("band")

    @classmethod
    def from_scored(cls, student_id: int, campaign_id: int | None, scored: Mapping[str, Any],
                    answered_on: str | None = None) -> ScreeningEvidence:
        """From ``ScoreResult.per_respondent(i)`` (or the same dict as stored with a result)."""
        flags = tuple(scored.get("flags") or ())
        scales = {sid: {"raw": s.get("raw"), "t": s.get("t"), "band": s.get("band")}
                  for sid, s in (scored.get("scales") or {}).items()}
        return cls(student_id=student_id, campaign_id=campaign_id,
                   instrument_id=str(scored["definition"]["id"]), scales=scales, flags=flags,
                   safety=any(f.startswith("safety:") for f in flags),
                   validity_ok=bool(scored.get("valid", True)) and "no_answers" not in flags,
                   answered_on=answered_on)
