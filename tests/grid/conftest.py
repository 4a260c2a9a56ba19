"""The small school (three classes, one account per role) with contexts for each role, and helpers
to make screening evidence and put students on the list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from tests.services.conftest import STAFF_PASSWORD, STUDENTS, SmallSchool, small_school  # noqa: F401  (fixture)
from xadesk.grid.evidence import ScreeningEvidence
from xadesk.services import grid as G

TODAY = date(2026, 10, 12)


def phq9(student_id: int, total: int | None, *, item9: bool = False, valid: bool = True,
         campaign_id: int | None = 1, flags: tuple[str, ...] = ()) -> ScreeningEvidence:
    fl = tuple(flags) + (("safety:item9",) if item9 else ())
    return ScreeningEvidence(student_id, campaign_id, "phq9", {"total": {"raw": total, "t": None, "band": None}},
                             fl, safety=item9, validity_ok=valid)


def gad7(student_id: int, total: int, campaign_id: int | None = 1) -> ScreeningEvidence:
    return ScreeningEvidence(student_id, campaign_id, "gad7", {"total": {"raw": total, "t": None, "band": None}})


@dataclass
class Staff:
    school: SmallSchool
    counselor: object
    leader: object
    grade_leader: object
    homeroom: object

    @property
    def ids(self) -> dict:
        return self.school.student_ids

    def user_id(self, ctx) -> int:
        return ctx.actor.user_id


@pytest.fixture
def staff(small_school):  # noqa: F811 - the imported fixture
    ctxs = {name: small_school.as_user(login) for name, login in
            (("counselor", "xinli"), ("leader", "xz"), ("grade_leader", "nj"), ("homeroom", "bzr"))}
    yield Staff(small_school, **ctxs)
    for c in ctxs.values():
        c.close()


def place(staff: Staff, name: str, level: str, *, today: date = TODAY, contact=None) -> int:
    """Put a student on the list at ``level`` the ordinary way: proposal, interview, decision."""
    c = staff.counselor
    sid = staff.ids[name]
    G.propose_manual(c, sid, level, "测试：课堂上多次哭泣", "manual")
    held = datetime(today.year, today.month, today.day, 9, 0)
    iv = G.record_interview(c, sid, held_at=held, findings="访谈记录（保密）", recommendation=level, now=held)
    G.decide(c, sid, interview_id=iv.id, level=level, today=today,
             contact_id=contact.actor.user_id if contact is not None else None)
    return sid


__all__ = ["STAFF_PASSWORD", "STUDENTS", "TODAY", "gad7", "phq9", "place"]
