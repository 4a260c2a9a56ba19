"""Release from the list: reason, evidence, and the approval the school sets; referrals and crises."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.grid.conftest import TODAY, place
from xadesk.errors import PermissionDenied, UserError
from xadesk.services import grid as G
from xadesk.services import grid_care as C
from xadesk.services import grid_tracking as T

EVIDENCE = [C.ReleaseEvidence("rescreen", date(2026, 10, 10), "PHQ-9 复测 4 分"),
            C.ReleaseEvidence("doctor", date(2026, 10, 11), "医院反馈：情绪稳定，可正常上学")]


def test_release_from_level_one_needs_a_school_leader(staff):
    c, x = staff.counselor, staff.leader
    sid = place(staff, "林一鸣", "L1")
    with pytest.raises(UserError, match="依据"):
        C.request_release(c, sid, reason="好转", evidence=[])
    req = C.request_release(c, sid, reason="三个月随访稳定", evidence=EVIDENCE, today=TODAY)
    assert (req.status, req.approver_role) == ("pending", "leader")
    assert T.student_record(c, sid).case.status == "release_pending"
    assert T.grid_list(c)[0].status == "release_pending"  # still on the list until approved
    with pytest.raises(UserError, match="等待审批"):
        C.request_release(c, sid, reason="again", evidence=EVIDENCE, today=TODAY)
    with pytest.raises(PermissionDenied, match="校领导"):
        C.decide_release(c, req.id, approve=True)
    assert [r.id for r in C.pending_releases(x)] == [req.id] and C.pending_releases(c) == []
    assert T.greeting(x, today=TODAY).releases_to_approve == 1
    done = C.decide_release(x, req.id, approve=True, today=TODAY)
    assert done.status == "approved" and done.decided_by_name == "副校长"
    rec = T.student_record(c, sid)
    assert rec.case is None and [(h.from_level, h.to_level) for h in rec.history] == [(None, "L1"), ("L1", None)]
    assert T.grid_list(c) == []


def test_release_from_lower_levels_is_approved_by_a_counselor_and_rejection_needs_a_note(staff):
    c, x = staff.counselor, staff.leader
    sid = place(staff, "贺子轩", "L3")
    req = C.request_release(c, sid, reason="好转", evidence=EVIDENCE[:1], today=TODAY)
    assert req.approver_role == "counselor"
    with pytest.raises(PermissionDenied):
        C.decide_release(x, req.id, approve=True)
    with pytest.raises(UserError, match="原因"):
        C.decide_release(c, req.id, approve=False)
    C.decide_release(c, req.id, approve=False, note="仍需观察一个月")
    assert T.student_record(c, sid).case.status == "active"


def test_the_school_sets_who_approves(staff):
    c = staff.counselor
    G.set_release_approval(c, "L3", "leader")
    sid = place(staff, "贺子轩", "L3")
    assert C.request_release(c, sid, reason="好转", evidence=EVIDENCE, today=TODAY).approver_role == "leader"
    with pytest.raises(UserError):
        G.set_release_approval(c, "L3", "homeroom")


def test_referral_with_outcome_and_what_the_homeroom_teacher_sees(staff):
    c, h = staff.counselor, staff.homeroom
    sid = place(staff, "林一鸣", "L2")
    with pytest.raises(UserError, match="告知监护人"):
        C.add_referral(c, sid, institution="西安市精神卫生中心", referred_on=TODAY, accompanied_by="母亲、李老师",
                       guardian_informed=False, guardian_consent=True)
    r = C.add_referral(c, sid, institution="西安市精神卫生中心", referred_on=TODAY, accompanied_by="母亲、李老师",
                       guardian_informed=True, guardian_informed_on=TODAY, guardian_consent=True, today=TODAY)
    C.update_referral(c, r.id, outcome="outpatient", diagnosis_shared="家长告知：焦虑状态，门诊随访",
                      return_plan="正常上课，避免当众点名批评；每两周家校沟通一次",
                      feedback=(date(2026, 10, 20), "家长反馈睡眠改善"), today=date(2026, 10, 21))
    mine = T.student_record(h, sid).referrals[0]
    assert (mine.outcome_label, mine.return_plan[:4]) == ("门诊治疗", "正常上课")
    assert mine.diagnosis_shared is None and mine.feedback == ({"date": "2026-10-20", "note": None},)
    full = T.student_record(c, sid).referrals[0]
    assert full.diagnosis_shared.startswith("家长告知") and full.feedback[0]["note"] == "家长反馈睡眠改善"


def test_a_crisis_is_in_the_history_and_proposes_level_one(staff):
    c, h = staff.counselor, staff.homeroom
    sid = place(staff, "林一鸣", "L3")
    steps = [C.CrisisStep(x.step, True, datetime(2026, 10, 12, 10, 5), "周老师") for x in C.crisis_checklist(h)]
    calls = [C.CrisisCall("心理老师 李静", datetime(2026, 10, 12, 10, 2)),
             C.CrisisCall("监护人（母亲）", datetime(2026, 10, 12, 10, 10))]
    ev = C.record_crisis(h, sid, occurred_at=datetime(2026, 10, 12, 10, 0), summary="课间在走廊栏杆边情绪激动",
                         steps=steps, calls=calls, actions="陪护至心理辅导室，家长接回")
    assert len(ev.steps) == 8 and ev.calls[1]["who"] == "监护人（母亲）"
    [row] = G.review_queue(c)
    assert (row.proposed_level, row.sources, row.current_level) == ("L1", ("crisis",), "L3")
    assert T.student_record(h, sid).crises[0].summary.startswith("课间")
    with pytest.raises(PermissionDenied):
        C.record_crisis(h, staff.ids["任浩然"], occurred_at=datetime(2026, 10, 12), summary="x", steps=steps)
