"""Crash durability: imports are checkpointed into the database file; the audit head is anchored outside
the database, so a lost tail (a damaged -wal after a crash) or a rolled-back copy is reported by
``audit verify`` and at login."""

from __future__ import annotations

import shutil

from tests.conftest import ADMIN_PASSWORD
from xadesk.cli.main import main
from xadesk.domain.synthetic import generate_students
from xadesk.services import roles
from xadesk.services.accounts import RoleSpec, add_user
from xadesk.services.audit import verify
from xadesk.services.login import login
from xadesk.services.roster_import import import_records
from xadesk.storage.anchor import anchor_path
from xadesk.storage.keyfile import copy_paths, keyfile_path

WAL_HEADER, FRAME_HEADER = 32, 24


def _wal(path):
    return path.with_name(path.name + "-wal")


def _copy_school(db_path, folder):
    """The files as a crash leaves them (the -shm is rebuilt from the -wal on the next open)."""
    folder.mkdir()
    for p in (db_path, _wal(db_path), anchor_path(db_path), *copy_paths(keyfile_path(db_path))):
        if p.exists():
            shutil.copyfile(p, folder / p.name)
    return folder / db_path.name


def test_an_import_is_checkpointed_into_the_database_file(admin_ctx, db_path):
    import_records(admin_ctx, generate_students([("J1", 1)], per_class=30), "名单")
    assert not _wal(db_path).exists() or _wal(db_path).stat().st_size == 0


def test_a_flipped_wal_byte_after_a_crash_is_reported_by_audit_verify_and_at_login(admin_ctx, db_path, tmp_path,
                                                                                     monkeypatch, capsys):
    import_records(admin_ctx, generate_students([("J1", 1)], per_class=30), "名单")
    # Later work still in the -wal when the PC loses power.
    add_user(admin_ctx, "li", "李老师", [RoleSpec(roles.COUNSELOR)], "Tea-cup 47 rain")
    add_user(admin_ctx, "wang", "王老师", [RoleSpec(roles.COUNSELOR)], "Sun-hat 58 wind")
    assert _wal(db_path).stat().st_size > WAL_HEADER
    crashed = _copy_school(db_path, tmp_path / "crashed")
    wal = bytearray(_wal(crashed).read_bytes())
    wal[WAL_HEADER + FRAME_HEADER + 200] ^= 0x01  # the first frame after the checkpoint
    _wal(crashed).write_bytes(bytes(wal))

    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    assert main(["--db", str(crashed), "--user", "admin", "audit", "verify"]) == 1
    out = capsys.readouterr()
    assert "数据库比上次记录的状态旧" in out.err  # said at login …
    assert "审计日志被改动过" in out.err and "登录时发现数据库被回退" in out.err  # … and by audit verify
    ctx = login(crashed, "admin", ADMIN_PASSWORD)
    try:
        result = verify(ctx)
        assert not result.ok
    finally:
        ctx.close()


def test_an_older_copy_put_in_place_of_the_database_is_reported(admin_ctx, db_path, tmp_path):
    admin_ctx.db.checkpoint()
    old = tmp_path / "old.bin"
    shutil.copyfile(db_path, old)
    add_user(admin_ctx, "li", "李老师", [RoleSpec(roles.COUNSELOR)], "Tea-cup 47 rain")
    admin_ctx.close()
    shutil.copyfile(old, db_path)
    ctx = login(db_path, "admin", ADMIN_PASSWORD)
    try:
        assert any("数据库比上次记录的状态旧" in w for w in ctx.warnings)
        assert not verify(ctx).ok
    finally:
        ctx.close()


def test_a_clean_close_and_reopen_raises_no_alarm(admin_ctx, db_path):
    add_user(admin_ctx, "li", "李老师", [RoleSpec(roles.COUNSELOR)], "Tea-cup 47 rain")
    admin_ctx.close()
    assert not _wal(db_path).exists() or _wal(db_path).stat().st_size == 0  # checkpointed on close
    ctx = login(db_path, "admin", ADMIN_PASSWORD)
    try:
        assert ctx.warnings == [] and verify(ctx).ok
    finally:
        ctx.close()


def test_a_damaged_anchor_is_said_not_hidden(admin_ctx, db_path):
    admin_ctx.close()
    anchor_path(db_path).write_bytes(b'{"format": "xadesk-anchor", "nonce": "00", "data": "00"}')
    ctx = login(db_path, "admin", ADMIN_PASSWORD)
    try:
        assert any("锚点" in w for w in ctx.warnings)
    finally:
        ctx.close()


def test_a_new_school_where_an_old_one_was_deleted_raises_no_alarm(admin_ctx, db_path):
    from xadesk.services.login import create_school
    from xadesk.storage.keyfile import all_key_paths

    add_user(admin_ctx, "li", "李老师", [RoleSpec(roles.COUNSELOR)], "Tea-cup 47 rain")
    admin_ctx.close()
    for p in (db_path, *all_key_paths(db_path)):  # someone deletes the school but not its anchor
        p.unlink(missing_ok=True)
    assert anchor_path(db_path).exists()
    create_school(db_path, "西安市新学校", "admin", ADMIN_PASSWORD)
    ctx = login(db_path, "admin", ADMIN_PASSWORD)
    try:
        assert ctx.warnings == [] and verify(ctx).ok
    finally:
        ctx.close()
