"""Issue 9 tried again: a student marks PHQ-9 item 9 "2", goes back and changes it to "0". On the
school kiosk the first answer raised its alert and queue entry the moment it was given (and nothing
withdraws it); on an offline lab PC the result pack carried only the final answers, so the same
child did not reach the review queue. The pack now carries the answers as they stood when a safety
rule first held (``safety_seen``, xadesk/screening/kit.py)."""

from __future__ import annotations

import pytest

from tests.screening.test_safety_path import BIRTH, NO, PASS, _queue
from xadesk.screening.kiosk import LabKiosk, SchoolKiosk
from xadesk.services.campaigns import create_campaign
from xadesk.services.screening_lab import export_kit, import_pack


@pytest.fixture
def setup(counselor, small_school, tmp_path):
    c = create_campaign(counselor, "2026秋季普查", ["phq9"], grades=["J1", "J2"], open_now=True)
    return counselor, small_school, c, tmp_path


def _answer_then_change(k, st, ninth: int) -> None:
    for v in [0] * 8 + [ninth]:
        k.answer(st, "phq9", k.next_item(st, "phq9").index, v, 4.0)
    if ninth:
        k.answer(st, "phq9", 8, 0, 4.0)      # back to item 9: "0"
    assert k.next_item(st, "phq9") is None   # all zero: item 10 is not asked, the form is complete


def _lab(ctx, c, tmp, ninth: int):
    export_kit(ctx, c.id, tmp / "kit.xakit", PASS)
    pc = LabKiosk.open(tmp / "kit.xakit", PASS, tmp / "pc1", "LAB-01")
    _answer_then_change(pc, pc.identify(NO, BIRTH), ninth)
    return pc


def test_the_school_kiosk_keeps_an_answer_that_was_changed(setup):
    ctx, school, c, _ = setup
    k = SchoolKiosk.start(ctx, c.id, "PC-01")
    _answer_then_change(k, k.identify(NO, BIRTH), 2)
    [row] = _queue(school, c)
    assert row["safety"] and row["reasons"][0].startswith("PHQ-9 第9题")


def test_a_lab_pack_carries_an_answer_that_was_changed(setup):
    ctx, school, c, tmp = setup
    pc = _lab(ctx, c, tmp, 2)
    [resp] = pc.pack_json()["responses"]
    assert resp["answers"][8] == 0 and [seen[8] for seen in resp["safety_seen"]] == [2]
    import_pack(ctx, pc.write_pack(tmp / "pc1.xapack"), PASS)
    [row] = _queue(school, c)
    assert row["safety"] and row["proposed_level"] == "L2"
    assert row["reasons"][0].startswith("PHQ-9 第9题") and "后来改了" in row["reasons"][0]


def test_a_journal_replayed_after_a_crash_still_knows(setup):
    """The lab PC restarts (the journal is replayed): the changed answer is still carried."""
    ctx, _school, c, tmp = setup
    _lab(ctx, c, tmp, 3).close()
    pc = LabKiosk.open(tmp / "kit.xakit", PASS, tmp / "pc1", "LAB-01")
    [resp] = pc.pack_json()["responses"]
    assert [seen[8] for seen in resp["safety_seen"]] == [3]


def test_nothing_changed_nothing_extra(setup):
    ctx, school, c, tmp = setup
    pc = _lab(ctx, c, tmp, 0)
    [resp] = pc.pack_json()["responses"]
    assert resp["safety_seen"] == []
    import_pack(ctx, pc.write_pack(tmp / "pc1.xapack"), PASS)
    assert _queue(school, c) == []
