"""Weak secrets are refused with a message that says how to choose well; failed logins on one account
slow its next try (growing delay) and are shown at the next good login."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import ADMIN_PASSWORD
from xadesk.errors import UserError, WrongPassword
from xadesk.services import roles
from xadesk.services.accounts import RoleSpec, add_user, change_own_password, reset_password
from xadesk.services.login import create_school, login, login_delay
from xadesk.storage.loginlog import delay_seconds
from xadesk.strength import problems

WEAK = ["12345678", "password", "aaaaaaaa", "Password123", "qwertyuiop", "11111111", "abcdefgh", "woaini1314"]


@pytest.mark.parametrize("weak", WEAK)
def test_weak_account_passwords_are_refused_everywhere(admin_ctx, weak):
    with pytest.raises(UserError) as err:
        add_user(admin_ctx, "teacher", "张老师", [RoleSpec(roles.COUNSELOR)], weak)
    assert "太弱" in err.value.message and "好密码的做法" in err.value.message
    with pytest.raises(UserError):
        change_own_password(admin_ctx, ADMIN_PASSWORD, weak)
    with pytest.raises(UserError):
        reset_password(admin_ctx, "admin", weak)
    login(admin_ctx.db.path, "admin", ADMIN_PASSWORD).close()  # nothing changed


def test_weak_password_at_init_creates_nothing(tmp_path):
    with pytest.raises(UserError) as err:
        create_school(tmp_path / "s.xadesk", "西安市第八十三中学", "admin", "12345678")
    assert "常见" in err.value.message
    assert not list(tmp_path.iterdir())


def test_login_name_and_school_name_are_not_a_password(admin_ctx):
    with pytest.raises(UserError) as err:
        add_user(admin_ctx, "zhanglaoshi", "张老师", [RoleSpec(roles.COUNSELOR)], "zhanglaoshi2026")
    assert "登录名或学校名" in err.value.message
    # The school of the fixture is 西安市示例中学.
    with pytest.raises(UserError) as err:
        add_user(admin_ctx, "li", "李老师", [RoleSpec(roles.COUNSELOR)], "示例中学2026!")
    assert "登录名或学校名" in err.value.message
    add_user(admin_ctx, "li", "李老师", [RoleSpec(roles.COUNSELOR)], "书包-月亮-37-跑步")


@pytest.mark.parametrize("fine", ["admin-pass-123", "Tea-cup 47 rain", "书包-月亮-37-跑步", "7KQM-X3RB-PV2D-9HTE-CWNA-4FYS",
                                  "correct horse battery staple"])
def test_reasonable_secrets_pass(fine):
    assert problems(fine, login="admin", school_name="西安市示例中学") == []


@pytest.mark.parametrize("weak", ["12345678", "password", "aaaaaaaa"])
def test_weak_transfer_and_kit_passphrases_are_refused(small_school, tmp_path, weak):
    from xadesk.archive import transfer
    from xadesk.services.campaigns import create_campaign
    from xadesk.services.screening_lab import export_kit

    counselor = small_school.as_user("xinli")
    try:
        lin = small_school.student_ids["林一鸣"]
        with pytest.raises(UserError) as err:
            transfer.export_student(counselor, lin, tmp_path / "a.xadx", passphrase=weak)
        assert "口令太弱" in err.value.message
        with pytest.raises(UserError):
            transfer.export_batch(counselor, [lin], tmp_path / "batch", passphrase=weak)
        c = create_campaign(counselor, "机房普查", ["phq9"], grades=["J1"], modes=["lab"], open_now=True)
        with pytest.raises(UserError):
            export_kit(counselor, c.id, tmp_path / "kit.xakit", weak)
        for name in ("a.xadx", "batch", "kit.xakit"):
            assert not (tmp_path / name).exists(), name
        # Generated passphrases stay the default and always pass.
        result = transfer.export_batch(counselor, [lin], tmp_path / "ok", passphrase=None)
        assert result.passphrase and not problems(result.passphrase)
    finally:
        counselor.close()


def test_the_delay_grows_with_failures_and_is_capped():
    now = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    assert delay_seconds([now] * 2, now) == 0  # the first three tries are free
    waits = [delay_seconds([now] * n, now) for n in range(3, 12)]
    assert waits == sorted(waits) and waits[0] == 1 and waits[-1] == 60
    assert delay_seconds([now - timedelta(seconds=100)] * 10, now) == 0  # already waited long enough


def test_failed_logins_slow_that_account_and_show_at_the_next_good_login(new_school, db_path):
    _, ctx = new_school
    add_user(ctx, "li", "李老师", [RoleSpec(roles.COUNSELOR)], "Tea-cup 47 rain")
    ctx.close()
    slept: list[float] = []
    for _ in range(7):
        with pytest.raises(WrongPassword):
            login(db_path, "admin", "not-the-password", sleep=slept.append)
    assert slept and slept == sorted(slept) and max(slept) <= 60  # growing, the first three free
    assert len(slept) == 4
    assert login_delay(db_path, "admin") > 0
    assert login_delay(db_path, "li") == 0  # another account is not slowed
    waits: list[float] = []
    ctx = login(db_path, "admin", ADMIN_PASSWORD, sleep=waits.append)
    try:
        assert waits and waits[0] > 0  # even the right password waits out the delay
        assert len(ctx.failed_attempts) == 7
    finally:
        ctx.close()
    assert login_delay(db_path, "admin") == 0
    ctx = login(db_path, "admin", ADMIN_PASSWORD)
    assert ctx.failed_attempts == []
    ctx.close()
