"""``xadesk keys rotate`` and the hint after ``xadesk user disable``."""

from __future__ import annotations

from tests.conftest import ADMIN_PASSWORD
from xadesk.cli.main import main
from xadesk.services import roles
from xadesk.services.accounts import RoleSpec, add_user
from xadesk.storage.database import opens_with


def test_keys_rotate_from_the_command_line(new_school, db_path, monkeypatch, capsys):
    created, admin = new_school
    old_key = admin.db.key
    admin.close()
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("XADESK_RECOVERY_KEY", created.recovery_key)
    assert main(["--db", str(db_path), "--user", "admin", "keys", "rotate"]) == 0
    out = capsys.readouterr().out
    assert "数据库密钥已更换（第 1 代）" in out and "已逐页核对新数据库" in out
    assert not opens_with(db_path, old_key)
    assert main(["--db", str(db_path), "--user", "admin", "audit", "verify"]) == 0


def test_keys_rotate_with_a_wrong_recovery_key_changes_nothing(new_school, db_path, monkeypatch, capsys):
    created, admin = new_school
    old_key = admin.db.key
    admin.close()
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("XADESK_RECOVERY_KEY", "B" * len(created.recovery_key))
    assert main(["--db", str(db_path), "--user", "admin", "keys", "rotate"]) != 0
    assert "恢复密钥不正确" in capsys.readouterr().err
    assert opens_with(db_path, old_key)


def test_disabling_an_account_points_to_keys_rotate(new_school, db_path, monkeypatch, capsys):
    _created, admin = new_school
    add_user(admin, "li", "李老师", [RoleSpec(roles.COUNSELOR)], "Tea-cup 47 rain")
    admin.close()
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    assert main(["--db", str(db_path), "--user", "admin", "user", "disable", "li"]) == 0
    assert "xadesk keys rotate" in capsys.readouterr().out
