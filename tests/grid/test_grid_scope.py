"""Who sees and does what on the grid: homeroom teachers their class, grade leaders their grade,
counselors and leaders everything; notes and scores only for counselors; contacts only among staff
who may see the student."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.grid.conftest import TODAY, phq9, place
from xadesk.errors import PermissionDenied, UserError
from xadesk.services import grid as G
from xadesk.services import grid_care as C
from xadesk.services import grid_tracking as T
from xadesk.services.accounts import RoleSpec, add_user


@pytest.fixture
def listed(staff):
    """林一鸣 (J1-1, the homeroom teacher's class) at L2 from screening, 贺子轩 (J1-2) at L3, 任浩然 (J2-1) at L1."""
    c, ids = staff.counselor, staff.ids
    G.propose_from_evidence(c, [phq9(ids["林一鸣"], 3, item9=True)])
    iv = G.record_interview(c, ids["林一鸣"], held_at=datetime(2026, 10, 12, 9), findings="家中变故，夜间失眠",
                            recommendation="L2")
    G.decide(c, ids["林一鸣"], interview_id=iv.id, level="L2", today=TODAY, contact_id=staff.homeroom.actor.user_id)
    place(staff, "贺子轩", "L3")
    place(staff, "任浩然", "L1")
    return staff


def _names(rows):
    return sorted(r.name for r in rows)


def test_each_role_sees_its_part_of_the_grid(listed):
    s = listed
    assert _names(T.grid_list(s.homeroom)) == ["林一鸣"]
    assert _names(T.grid_list(s.grade_leader)) == ["林一鸣", "贺子轩"]
    assert _names(T.grid_list(s.leader)) == _names(T.grid_list(s.counselor)) == ["任浩然", "林一鸣", "贺子轩"]
    tree = T.grid_tree(s.homeroom).to_json()
    assert tree["counts"] == {"L1": 0, "L2": 1, "L3": 0, "L4": 0}
    assert [g["name"] for g in tree["children"]] == ["七年级"]
    assert [c["name"] for c in tree["children"][0]["children"]] == ["七年级(1)班"]
    full = T.grid_tree(s.leader).to_json()
    assert full["counts"] == {"L1": 1, "L2": 1, "L3": 1, "L4": 0}
    assert [(g["name"], g["counts"]["L1"]) for g in full["children"]] == [("七年级", 0), ("八年级", 1)]


def test_homeroom_teacher_cannot_open_another_class(listed):
    with pytest.raises(PermissionDenied):
        T.student_record(listed.homeroom, listed.ids["贺子轩"])
    with pytest.raises(PermissionDenied):
        T.student_record(listed.grade_leader, listed.ids["任浩然"])


def test_homeroom_teacher_never_sees_notes_scores_or_item_rules(listed):
    rec = T.student_record(listed.homeroom, listed.ids["林一鸣"], today=TODAY)
    assert rec.case.level == "L2" and rec.case.contact_id == listed.homeroom.actor.user_id
    assert all(i.findings is None for i in rec.interviews) and rec.interviews
    screening = [p for p in rec.proposals if p.source == "screening"]
    assert screening and all(p.rule_label is None and p.rule_key is None and p.evidence is None for p in screening)
    assert all(h.reason is None for h in rec.history)
    full = T.student_record(listed.counselor, listed.ids["林一鸣"], today=TODAY)
    assert full.interviews[0].findings == "家中变故，夜间失眠"
    assert [p.rule_key for p in full.proposals if p.source == "screening"] == ["safety:phq9:item9"]
    assert full.proposals[0].evidence["phq9"]["flags"] == ["safety:item9"]


def test_homeroom_acts_on_own_class_only(listed):
    h, ids = listed.homeroom, listed.ids
    T.log_follow_up(h, ids["林一鸣"], summary="课间谈话，情绪平稳", method="talk", today=TODAY)
    with pytest.raises(PermissionDenied):
        T.log_follow_up(h, ids["贺子轩"], summary="x", today=TODAY)
    G.propose_manual(h, ids["苏晓雨"], "关注", "最近常独自一人", "observation")
    with pytest.raises(PermissionDenied):
        G.propose_manual(h, ids["贺子轩"], "关注", "x", "observation")
    for call in (lambda: T.assign_contact(h, ids["林一鸣"], h.actor.user_id),
                 lambda: T.set_plan(h, ids["林一鸣"], goal="x"),
                 lambda: C.request_release(h, ids["林一鸣"], reason="x", evidence=[]),
                 lambda: G.set_level(h, "L1", name="红色")):
        with pytest.raises(PermissionDenied):
            call()


def test_overdue_tasks_per_contact(listed):
    h, c = listed.homeroom, listed.counselor
    later = TODAY.replace(month=12, day=1)  # every plan (7, 14, 30 days) is past due
    assert [r.name for r in T.overdue(h, mine=True, today=later)] == ["林一鸣"]
    assert _names(T.overdue(c, today=later)) == ["任浩然", "林一鸣", "贺子轩"]
    assert T.overdue(c, mine=True, today=later) == []
    g = T.greeting(h, today=later)
    assert [r.name for r in g.overdue] == ["林一鸣"] and g.unread_notices >= 1
    assert T.greeting(c, today=later).without_contact == 2


def test_contact_must_be_allowed_to_see_the_student(listed, small_school):
    c, ids = listed.counselor, listed.ids
    options = {o.display_name for o in T.eligible_contacts(c, ids["贺子轩"])}
    assert options == {"七年级组长", "心理老师", "副校长"}  # not the J1-1 homeroom teacher, not the admin
    with pytest.raises(PermissionDenied, match="无权查看"):
        T.assign_contact(c, ids["贺子轩"], listed.homeroom.actor.user_id)
    with pytest.raises(PermissionDenied, match="无权查看"):
        T.assign_contact(c, ids["贺子轩"], small_school.admin.actor.user_id)
    T.assign_contact(c, ids["贺子轩"], listed.grade_leader.actor.user_id)
    assert T.student_record(c, ids["贺子轩"]).case.contact == "七年级组长"
    other = add_user(small_school.admin, "bzr2", "二班班主任",
                     [RoleSpec("homeroom", class_id=small_school.class_ids[("J1", 2)])], "staff-pass-123")
    T.assign_contact(c, ids["贺子轩"], other.id)


def test_decision_refuses_an_out_of_scope_contact(staff):
    c, sid = staff.counselor, staff.ids["任浩然"]
    G.propose_manual(c, sid, "L2", "同学反映", "referral")
    iv = G.record_interview(c, sid, held_at=datetime(2026, 10, 12, 9), findings="f", recommendation="L2")
    with pytest.raises(PermissionDenied):
        G.decide(c, sid, interview_id=iv.id, level="L2", contact_id=staff.homeroom.actor.user_id)
    assert T.grid_list(c) == []  # nothing half-done


def test_releasing_is_not_a_decision(listed):
    c, sid = listed.counselor, listed.ids["贺子轩"]
    G.propose_manual(c, sid, "L4", "好转", "manual")
    iv = G.record_interview(c, sid, held_at=datetime(2026, 10, 12, 9), findings="f", recommendation=None)
    with pytest.raises(UserError, match="解除"):
        G.decide(c, sid, interview_id=iv.id, level=None, reason="好转")


def _tree_from_list(ctx, rows) -> dict:
    """Counts per school, grade and class from the grid list (the same students, counted plainly)."""
    def zero():
        return {"L1": 0, "L2": 0, "L3": 0, "L4": 0}
    out: dict = {"school": zero()}
    for r in rows:
        for key in ("school", r.grade, r.class_label):
            out.setdefault(key, zero())[r.level] += 1
    return out


def test_tree_counts_of_every_node_equal_the_list_for_every_role(listed):
    """grid_tree tallies each class once (issue 15); every node's counts and change must still be what
    counting the list gives, within each viewer's scope."""
    place(listed, "苏晓雨", "L2")                 # a second student in 七年级(1)班, another level
    for ctx in (listed.counselor, listed.leader, listed.grade_leader, listed.homeroom):
        want = _tree_from_list(ctx, T.grid_list(ctx))
        tree = T.grid_tree(ctx).to_json()
        assert tree["counts"] == want["school"]
        for g in tree["children"]:
            assert g["counts"] == want.get(g["name"], {"L1": 0, "L2": 0, "L3": 0, "L4": 0})
            for c in g["children"]:
                assert c["counts"] == want.get(c["name"], {"L1": 0, "L2": 0, "L3": 0, "L4": 0})
        # Against a day before anyone was placed every node's change is its count.
        early = T.grid_tree(ctx, since=TODAY.replace(year=TODAY.year - 1)).to_json()
        assert early["change"] == early["counts"]
        assert all(c["change"] == c["counts"] for g in early["children"] for c in g["children"])
    assert T.grid_tree(listed.counselor).to_json()["counts"] == {"L1": 1, "L2": 2, "L3": 1, "L4": 0}
