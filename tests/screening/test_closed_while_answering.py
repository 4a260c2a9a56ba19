"""Issue 9 tried again: the counselor closes the campaign while a class is still at the kiosks. The
next answer is refused (the campaign is closed), but a child who answers PHQ-9 item 9 "2" at that
moment must not vanish: the student is in the review queue, as with any late answer."""

from __future__ import annotations

import pytest

from tests.screening.test_safety_path import BIRTH, NO, _queue
from xadesk.errors import UserError
from xadesk.screening.kiosk import SchoolKiosk
from xadesk.services.campaigns import close_campaign, create_campaign
from xadesk.storage.models import AuditEntry


@pytest.fixture
def kiosk(counselor, small_school):
    c = create_campaign(counselor, "2026秋季普查", ["phq9"], grades=["J1"], open_now=True)
    k = SchoolKiosk.start(counselor, c.id, "PC-01")
    st = k.identify(NO, BIRTH)
    for _ in range(8):
        k.answer(st, "phq9", k.next_item(st, "phq9").index, 0, 4.0)
    close_campaign(counselor, c.id)
    return counselor, small_school, c, k, st


def test_a_positive_answer_after_closing_reaches_the_queue(kiosk):
    _ctx, school, c, k, st = kiosk
    with pytest.raises(UserError, match="已结束"):
        k.answer(st, "phq9", 8, 2, 4.0)
    [row] = _queue(school, c)
    assert row["safety"] and "活动结束时学生仍在作答" in row["reasons"][0]


def test_a_harmless_answer_after_closing_changes_nothing(kiosk):
    ctx, school, c, k, st = kiosk
    with ctx.db.read() as s:
        before = s.query(AuditEntry).count()
    with pytest.raises(UserError, match="已结束"):
        k.answer(st, "phq9", 8, 0, 4.0)
    with ctx.db.read() as s:
        assert s.query(AuditEntry).count() == before
    assert _queue(school, c) == []
