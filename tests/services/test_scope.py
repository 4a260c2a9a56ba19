"""Permissions live in the core: a homeroom teacher's session cannot reach another class through
any core function, whatever the UI shows or hides."""

from __future__ import annotations

import pytest

from xadesk.errors import PermissionDenied
from xadesk.services import accounts, audit, roster, roster_import


def names(rows):
    return sorted(r.name for r in rows)


def test_homeroom_teacher_sees_only_their_class(small_school):
    ctx = small_school.as_user("bzr")
    try:
        assert names(roster.list_students(ctx)) == ["林一鸣", "苏晓雨"]
        assert [g.label for g in roster.class_tree(ctx)] == ["七年级"]
        assert [c.label for g in roster.class_tree(ctx) for c in g.classes] == ["七年级(1)班"]
        # Asking for another class by name gives nothing, not that class.
        assert roster.list_students(ctx, class_="七年级(2)班") == []
        assert roster.list_students(ctx, grade="八年级") == []
        assert roster.list_students(ctx, text="贺") == []
    finally:
        ctx.close()


@pytest.mark.parametrize("call", [
    lambda ctx, sid, no: roster.get_student(ctx, sid),
    lambda ctx, sid, no: roster.student_id_by_no(ctx, no),
    lambda ctx, sid, no: roster.update_student(ctx, sid, name="改名"),
    lambda ctx, sid, no: roster.set_tag(ctx, sid, "left_behind", True),
], ids=["get_student", "student_id_by_no", "update_student", "set_tag"])
def test_homeroom_teacher_cannot_reach_another_class(small_school, call):
    other = small_school.student_ids["贺子轩"]  # 七年级(2)班
    ctx = small_school.as_user("bzr")
    try:
        with pytest.raises(PermissionDenied):
            call(ctx, other, "G610113201303030038")
    finally:
        ctx.close()
    # and nothing changed
    detail = roster.get_student(small_school.admin, other)
    assert detail.row.name == "贺子轩"
    assert detail.row.tags == ()


@pytest.mark.parametrize("call", [
    lambda ctx: accounts.list_users(ctx),
    lambda ctx: accounts.reset_password(ctx, "admin", "taken-over-123"),
    lambda ctx: audit.verify(ctx),
    lambda ctx: audit.list_entries(ctx),
    lambda ctx: roster_import.import_roster(ctx, "/nonexistent.xlsx"),
], ids=["list_users", "reset_password", "audit_verify", "audit_list", "import"])
def test_homeroom_teacher_cannot_use_admin_functions(small_school, call):
    ctx = small_school.as_user("bzr")
    try:
        with pytest.raises(PermissionDenied):
            call(ctx)
    finally:
        ctx.close()


def test_homeroom_teacher_sees_own_student_and_the_view_is_audited(small_school):
    ctx = small_school.as_user("bzr")
    sid = small_school.student_ids["林一鸣"]
    try:
        assert roster.get_student(ctx, sid).row.name == "林一鸣"
    finally:
        ctx.close()
    entries = audit.list_entries(small_school.admin, student_no="G610113201301010011")
    assert [(e.action, e.actor_login) for e in entries] == [("student.view", "bzr")]


def test_grade_leader_sees_their_grade_only(small_school):
    ctx = small_school.as_user("nj")
    try:
        assert names(roster.list_students(ctx)) == ["姚佳琪", "林一鸣", "苏晓雨", "贺子轩"]
        with pytest.raises(PermissionDenied):
            roster.get_student(ctx, small_school.student_ids["任浩然"])
    finally:
        ctx.close()


@pytest.mark.parametrize("login_name", ["xinli", "xz", "admin"])
def test_whole_school_roles_see_everyone(small_school, login_name):
    ctx = small_school.admin if login_name == "admin" else small_school.as_user(login_name)
    assert len(roster.list_students(ctx)) == 6


def test_counselor_cannot_manage_accounts(small_school):
    ctx = small_school.as_user("xinli")
    try:
        with pytest.raises(PermissionDenied):
            accounts.add_user(ctx, "x", "x", [accounts.RoleSpec("admin")], "password-123")
    finally:
        ctx.close()


def test_disabled_account_cannot_log_in(small_school):
    from xadesk.errors import WrongPassword
    from xadesk.services.login import login

    accounts.deactivate(small_school.admin, "bzr")
    with pytest.raises(WrongPassword):
        login(small_school.path, "bzr", "staff-pass-123")


def test_admin_resets_password_and_user_changes_it(small_school):
    from xadesk.errors import WrongPassword
    from xadesk.services.login import login

    accounts.reset_password(small_school.admin, "bzr", "temporary-123")
    with pytest.raises(WrongPassword):
        login(small_school.path, "bzr", "staff-pass-123")
    ctx = login(small_school.path, "bzr", "temporary-123")
    try:
        with pytest.raises(WrongPassword):
            accounts.change_own_password(ctx, "wrong-old-pw", "mine-now-123")
        accounts.change_own_password(ctx, "temporary-123", "mine-now-123")
    finally:
        ctx.close()
    login(small_school.path, "bzr", "mine-now-123").close()
    actions = [e.action for e in audit.list_entries(small_school.admin)]
    assert "account.reset" in actions and "account.password" in actions
