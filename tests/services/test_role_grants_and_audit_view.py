"""Granting the counselor or leader role is shown to every counselor at their next login (and audited);
an administrator's audit view holds account and system events, never a student's care events."""

from __future__ import annotations

from xadesk.services import roles
from xadesk.services.accounts import RoleSpec, add_user, set_roles
from xadesk.services.audit import list_entries
from xadesk.services.roster import get_student


def test_a_new_counselor_or_leader_is_told_to_every_counselor(small_school):
    admin = small_school.admin
    small_school.as_user("xinli").close()  # the counselor has logged in before
    add_user(admin, "xinli2", "新心理老师", [RoleSpec(roles.COUNSELOR)], "Tea-cup 47 rain")
    set_roles(admin, "bzr", [RoleSpec(roles.LEADER)])
    ctx = small_school.as_user("xinli")
    try:
        text = "\n".join(ctx.warnings)
        assert "xinli2" in text and "心理健康教师" in text
        assert "bzr" in text and "校领导" in text
    finally:
        ctx.close()
    again = small_school.as_user("xinli")  # told once
    try:
        assert again.warnings == []
    finally:
        again.close()
    actions = [r.action for r in list_entries(admin)]
    assert "account.create" in actions and "account.roles" in actions


def test_other_roles_are_not_told_and_a_homeroom_grant_is_not_news(small_school):
    admin = small_school.admin
    small_school.as_user("xinli").close()
    add_user(admin, "bzr2", "班主任乙", [RoleSpec(roles.HOMEROOM, class_id=next(iter(small_school.class_ids.values())))],
             "Tea-cup 47 rain")
    ctx = small_school.as_user("xinli")
    try:
        assert ctx.warnings == []
    finally:
        ctx.close()
    add_user(admin, "xz2", "副校长乙", [RoleSpec(roles.LEADER)], "Sun-hat 58 wind")
    leader = small_school.as_user("xz")
    try:
        assert leader.warnings == []  # only counselors are told
    finally:
        leader.close()


def test_the_administrators_audit_view_holds_no_student_care_events(small_school):
    from xadesk.services.records import add_counselling

    lin = small_school.student_ids["林一鸣"]
    counselor = small_school.as_user("xinli")
    try:
        get_student(counselor, lin)
        add_counselling(counselor, lin, text="第一次个体辅导，情绪低落。")
        seen_by_counselor = list_entries(counselor)
    finally:
        counselor.close()
    care = [r for r in seen_by_counselor if r.action == "record.add"]
    assert care and care[0].student_no == "G610113201301010011"
    admin_view = list_entries(small_school.admin)
    assert admin_view and not [r for r in admin_view if r.action.startswith(("grid.", "screening.", "record.",
                                                                               "consent.", "archive."))]
    # The roster's own events stay visible: they are the administrator's work.
    assert [r.action for r in list_entries(small_school.admin, student_no="G610113201301010011")] == ["student.view"]

