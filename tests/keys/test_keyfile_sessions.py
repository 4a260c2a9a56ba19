"""Two sessions changing the key file: every change is made on a fresh read under the key file's lock,
so one session's stale copy never undoes the other's. And a disabled account's refused login stays in
the audit log."""

from __future__ import annotations

import shutil
import threading

import pytest
from sqlalchemy import select

from tests.services.conftest import STAFF_PASSWORD
from xadesk.backup import service as B
from xadesk.errors import WrongPassword
from xadesk.services import accounts, roles
from xadesk.services import login as login_service
from xadesk.services.accounts import RoleSpec
from xadesk.services.login import login
from xadesk.storage.keyfile import KeyFile, copy_paths, keyfile_path, user_slot_id
from xadesk.storage.models import AuditEntry

NEW = "Blue-kite 73 river"


def test_a_login_that_grants_the_counselling_key_keeps_a_password_reset_made_meanwhile(small_school, monkeypatch):
    admin = small_school.admin
    accounts.add_user(admin, "xl2", "新心理老师", [RoleSpec(roles.COUNSELOR)], STAFF_PASSWORD)
    real_upgrade = login_service.migrate.upgrade
    done = []

    def upgrade_while_another_session_saves(db, *a, **kw):
        # Between reading the key file and saving it, the administrator's session resets a password.
        if not done:
            done.append(True)
            accounts.reset_password(admin, "bzr", NEW)
        return real_upgrade(db, *a, **kw)

    monkeypatch.setattr(login_service.migrate, "upgrade", upgrade_while_another_session_saves)
    xinli = small_school.as_user("xinli")  # grants the counselling key to xl2: the key file is saved
    xinli.close()
    monkeypatch.setattr(login_service.migrate, "upgrade", real_upgrade)
    assert done
    kf = KeyFile.load(keyfile_path(small_school.path))
    assert kf.holds_counselling(user_slot_id("xl2"))
    login(small_school.path, "bzr", NEW).close()  # the reset survived the grant


def test_a_backup_carries_the_key_file_as_it_is_now_not_as_the_session_read_it(small_school, tmp_path):
    admin = small_school.admin  # logged in before the change below
    bzr = small_school.as_user("bzr")
    accounts.change_own_password(bzr, STAFF_PASSWORD, NEW)
    bzr.close()
    made = B.create_backup(admin, tmp_path / "bk").path
    report = B.verify_backup(made, B.Secret(login="bzr", password=NEW))
    assert report.students == 6


def test_two_sessions_changing_passwords_at_once_lose_nothing(small_school):
    admin = small_school.admin
    other = login(small_school.path, "admin", "admin-pass-123")
    try:
        errors: list[BaseException] = []

        def work(ctx, who):
            try:
                for n in range(3):
                    accounts.reset_password(ctx, who, f"{NEW} {who} {n}")
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(admin, "nj")), threading.Thread(target=work, args=(other, "xz"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
    finally:
        other.close()
    for who in ("nj", "xz"):
        login(small_school.path, who, f"{NEW} {who} 2").close()


def test_a_disabled_accounts_refused_login_stays_in_the_audit_log(small_school, tmp_path):
    admin = small_school.admin
    kpath = keyfile_path(small_school.path)
    saved = tmp_path / "keys-before"
    saved.mkdir()
    for p in copy_paths(kpath):
        if p.exists():
            shutil.copyfile(p, saved / p.name)
    accounts.deactivate(admin, "bzr")
    for p in saved.iterdir():  # the slot is back (an old copy put in place): the account still refuses
        shutil.copyfile(p, kpath.parent / p.name)
    with pytest.raises(WrongPassword, match="已停用"):
        login(small_school.path, "bzr", STAFF_PASSWORD)
    with admin.db.read() as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.actor_login, AuditEntry.detail)
                         .order_by(AuditEntry.seq.desc()).limit(3)).all()
    assert ("login.failed", "bzr") in [(a, who) for a, who, _d in rows]
    assert any("disabled" in (d or "") for a, who, d in rows if a == "login.failed")


def test_changing_ones_password_proves_the_old_one_against_the_file_as_it_is_now(small_school):
    first = small_school.as_user("nj")  # two windows of the same person
    second = small_school.as_user("nj")
    try:
        accounts.change_own_password(second, STAFF_PASSWORD, NEW)
        with pytest.raises(WrongPassword):  # the password the first window knew is no longer theirs
            accounts.change_own_password(first, STAFF_PASSWORD, "Green-door 19 hill")
    finally:
        first.close()
        second.close()
    login(small_school.path, "nj", NEW).close()
