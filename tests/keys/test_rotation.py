"""Key rotation after an account was disabled: what a copied key file opens afterwards, who still logs in,
the recovery key, backups, the audit anchor, and generations that must not keep a disabled slot."""

from __future__ import annotations

import secrets
import shutil

import pytest
from sqlalchemy import select

from tests.compartment.test_compartments import NOTE, _write_content
from tests.conftest import ADMIN_PASSWORD
from tests.services.conftest import STAFF_PASSWORD
from xadesk.backup import service as B
from xadesk.errors import PermissionDenied, UserError, WrongPassword
from xadesk.exchange.passphrase import normalise
from xadesk.keys.rotation import plan, rotate
from xadesk.services import accounts, audit, records
from xadesk.services.login import login, recover
from xadesk.storage import anchor, rekey
from xadesk.storage.database import opens_with
from xadesk.storage.keyfile import (
    RECOVERY_SLOT,
    KeyFile,
    copy_paths,
    database_key_from_recovery,
    inspect_copy,
    keyfile_path,
    user_slot_id,
)
from xadesk.storage.models import AuditEntry


def _copy_key_files(db_path, folder):
    folder.mkdir()
    for p in copy_paths(keyfile_path(db_path)):
        if p.exists():
            shutil.copyfile(p, folder / p.name)
    return folder / keyfile_path(db_path).name


def _keys_from_every_copy(kpath, slot_id: str, password: str) -> list[bytes]:
    """Every database key this password gets from any copy beside ``kpath`` (wrapped or sealed)."""
    out = []
    for p in [*kpath.parent.glob(kpath.name + "*")]:
        report = inspect_copy(p)
        if slot_id not in report.slots:
            continue
        kf = KeyFile(p, report.db_id or "", dict(report.slots))
        try:
            key, wrapping = kf.unwrap_with_wrapping(slot_id, password)
        except WrongPassword:
            continue
        out.append(key)
        pending = kf.open_pending(slot_id, wrapping)
        if pending is not None:
            out.append(pending)
    return out


def test_a_key_file_copied_before_the_account_was_disabled_opens_nothing_after_rotation(small_school, new_school,
                                                                                         tmp_path):
    created, admin = new_school
    _write_content(small_school)
    path = small_school.path
    copied = _copy_key_files(path, tmp_path / "copied")  # what the homeroom teacher took home
    old_key = KeyFile.load(copied).unwrap(user_slot_id("bzr"), STAFF_PASSWORD)
    accounts.deactivate(admin, "bzr")
    assert opens_with(path, old_key)  # without rotation the copy still opens today's database

    result = rotate(admin, created.recovery_key)

    assert result.disabled == ["bzr"] and result.need_reset == []
    assert not opens_with(path, old_key)
    # No copy beside the database, old or new, gives that password any key that opens it.
    assert not any(opens_with(path, k) for k in _keys_from_every_copy(keyfile_path(path), user_slot_id("bzr"),
                                                                       STAFF_PASSWORD))
    assert not any(p.exists() for p in rekey.leftovers(path))
    # The rotating administrator's session works on under the new key.
    assert admin.db.key != old_key and opens_with(path, admin.db.key)
    assert any(u.login == "bzr" and not u.active for u in accounts.list_users(admin))


def test_everyone_else_logs_in_with_their_own_password_and_their_slot_takes_the_new_key(small_school, new_school):
    created, admin = new_school
    _write_content(small_school)
    accounts.deactivate(admin, "bzr")
    rotate(admin, created.recovery_key)
    kpath = keyfile_path(small_school.path)
    assert KeyFile.load(kpath).has_pending()
    for who in ("nj", "xz", "xinli"):
        ctx = small_school.as_user(who)
        try:
            assert ctx.db.key == admin.db.key
        finally:
            ctx.close()
        assert KeyFile.load(kpath).slots[user_slot_id(who)].dk is None  # wrapped under the new key now
    xinli = small_school.as_user("xinli")
    try:  # the counselling key went through untouched
        assert [r.text for r in records.list_records(xinli, small_school.student_ids["林一鸣"], kinds=["counselling"])] \
            == [NOTE]
    finally:
        xinli.close()
    admin.close()
    again = login(small_school.path, "admin", ADMIN_PASSWORD)
    try:
        assert not KeyFile.load(kpath).has_pending()
    finally:
        again.close()
    with pytest.raises(WrongPassword):
        login(small_school.path, "bzr", STAFF_PASSWORD)


def test_the_recovery_key_alone_opens_the_rotated_database_after_two_rotations(small_school, new_school):
    created, admin = new_school
    rotate(admin, created.recovery_key)
    result = rotate(admin, created.recovery_key)
    assert result.epoch == 2
    assert admin.db.key == database_key_from_recovery(normalise(created.recovery_key), epoch=2)
    admin.close()
    for p in keyfile_path(small_school.path).parent.glob(keyfile_path(small_school.path).name + "*"):
        p.unlink()
    recover(small_school.path, created.recovery_key, "admin", "A-new-Pass-2026!")
    ctx = login(small_school.path, "admin", "A-new-Pass-2026!")
    try:
        assert audit.verify(ctx).ok
    finally:
        ctx.close()


def test_rotation_is_audited_and_the_anchor_and_chain_still_verify(small_school, new_school):
    created, admin = new_school
    accounts.deactivate(admin, "nj")
    rotate(admin, created.recovery_key)
    assert audit.verify(admin).ok
    assert anchor.read(small_school.path, admin.db.key) is not None
    with admin.db.read() as s:
        actions = [a for (a,) in s.execute(select(AuditEntry.action).order_by(AuditEntry.seq))]
    assert "keys.rotate.start" in actions and actions[-1] == "keys.rotate"
    admin.close()
    ctx = login(small_school.path, "admin", ADMIN_PASSWORD)
    try:
        assert not [w for w in ctx.warnings if "审计" in w or "回退" in w]
        assert audit.verify(ctx).ok
    finally:
        ctx.close()


def test_a_wrong_recovery_key_or_a_non_administrator_changes_nothing(small_school, new_school):
    created, admin = new_school
    key = admin.db.key

    def key_files():
        return {p.name: p.read_bytes() for p in copy_paths(keyfile_path(small_school.path)) if p.exists()}

    before = key_files()
    with pytest.raises(WrongPassword):
        rotate(admin, "A" * len(created.recovery_key))
    assert key_files() == before
    xinli = small_school.as_user("xinli")
    try:
        before = key_files()
        with pytest.raises(PermissionDenied):
            rotate(xinli, created.recovery_key)
        assert key_files() == before
    finally:
        xinli.close()
    assert admin.db.key == key and opens_with(small_school.path, key)
    assert not KeyFile.load(keyfile_path(small_school.path)).has_pending()


def test_rotation_is_refused_while_another_session_has_the_school_open(small_school, new_school):
    created, admin = new_school
    key = admin.db.key
    other = small_school.as_user("nj")  # another window, or another PC on the share
    try:
        with pytest.raises(UserError, match="另一个窗口或另一台电脑"):
            rotate(admin, created.recovery_key)
        assert admin.db.key == key and opens_with(small_school.path, key)
        assert not KeyFile.load(keyfile_path(small_school.path)).has_pending()
        assert not any(p.exists() for p in rekey.leftovers(small_school.path))
        accounts.list_users(admin)  # both sessions work on
        accounts.list_users(small_school.admin)
    finally:
        other.close()
    assert rotate(admin, created.recovery_key).epoch == 1


def test_an_account_whose_slot_has_no_public_key_is_named_and_needs_a_reset(small_school, new_school):
    created, admin = new_school
    kf = KeyFile.load(keyfile_path(small_school.path))
    kf.slots[user_slot_id("xz")].pub = None  # as written before compartments, its owner not logged in since
    kf.save()
    assert plan(admin).need_reset == ["xz"]
    result = rotate(admin, created.recovery_key)
    assert result.need_reset == ["xz"]
    accounts.reset_password(admin, "xz", "Fresh-Start 2026!")
    ctx = login(small_school.path, "xz", "Fresh-Start 2026!")
    ctx.close()


def test_a_backup_made_before_rotation_still_restores_with_its_own_slots(small_school, new_school, tmp_path):
    created, admin = new_school
    before = B.create_backup(admin, tmp_path / "bk").path
    accounts.deactivate(admin, "bzr")
    rotate(admin, created.recovery_key)
    after = B.create_backup(admin, tmp_path / "bk2").path
    restored = B.restore_backup(before, tmp_path / "old" / "school.xadesk", B.Secret(login="bzr", password=STAFF_PASSWORD))
    assert restored.verify.students == 6
    report = B.verify_backup(after, B.Secret(login="nj", password=STAFF_PASSWORD))
    assert report.students == 6
    with pytest.raises(WrongPassword):
        B.verify_backup(after, B.Secret(login="bzr", password=STAFF_PASSWORD))
    B.verify_backup(after, B.Secret(recovery_key=created.recovery_key))


def test_an_older_school_with_a_recovery_slot_moves_to_the_derived_key(small_school, new_school):
    created, admin = new_school
    secret = normalise(created.recovery_key)
    _make_legacy(small_school.path, admin, secret)
    admin.close()
    admin = login(small_school.path, "admin", ADMIN_PASSWORD)
    try:
        assert rotate(admin, created.recovery_key).epoch == 1
        assert admin.db.key == database_key_from_recovery(secret, epoch=1)
    finally:
        admin.close()
    for p in copy_paths(keyfile_path(small_school.path)):
        p.unlink(missing_ok=True)
    recover(small_school.path, created.recovery_key, "admin", "A-new-Pass-2026!")


def _make_legacy(path, admin, secret: str) -> None:
    """The school as one made before the database key was derived from the recovery key: a random
    key, held by the accounts' slots and a recovery slot."""
    legacy_key = secrets.token_bytes(32)
    admin.db.checkpoint()
    with rekey.exclusive(admin.db) as alone:
        rekey.export_copy(alone, path, legacy_key)
    rekey.swap(path)
    anchor.carry_over(path, admin.db.key, legacy_key)
    admin.db.reopen(legacy_key)
    kf = KeyFile.load(keyfile_path(path))
    for sid in list(kf.slots):
        secret_for = ADMIN_PASSWORD if sid == user_slot_id("admin") else secret if sid == RECOVERY_SLOT else STAFF_PASSWORD
        kf.set_slot(sid, secret_for, legacy_key)
    kf.save()
    assert not opens_with(path, database_key_from_recovery(secret))
