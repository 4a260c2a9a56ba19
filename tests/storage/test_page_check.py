"""Login cost flat in database size (issue 15): a small database gets every page checked at login; a
larger one only the key, header and schema, and the full check runs after login (and in ``audit
verify`` and before each backup). A flipped byte in any page is still reported — refused at login
below ``FULL_CHECK_AT_OPEN_BYTES``, else by the check right after login, loudly and in the audit log."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.conftest import ADMIN_PASSWORD
from xadesk.backup.service import create_backup
from xadesk.domain.synthetic import generate_students
from xadesk.errors import DatabaseDamaged, UserError
from xadesk.integrity.pages import check_pages
from xadesk.services.audit import list_entries, verify
from xadesk.services.login import login
from xadesk.services.roster_import import import_records
from xadesk.storage import database
from xadesk.storage.models import AuditEntry

PAGE = 4096


def _student_root_page(ctx) -> int:
    with ctx.db.read() as s:
        return s.connection().exec_driver_sql("SELECT rootpage FROM sqlite_master WHERE name = 'student'").scalar()


@pytest.fixture
def damaged_school(admin_ctx, db_path):
    """A school whose student table's root page has one flipped bit (login itself never reads it)."""
    import_records(admin_ctx, generate_students([("J1", 1), ("J1", 2)], per_class=40), "名单")
    page = _student_root_page(admin_ctx)
    admin_ctx.close()
    data = bytearray(db_path.read_bytes())
    data[(page - 1) * PAGE + PAGE // 2] ^= 0x01
    db_path.write_bytes(bytes(data))
    return db_path


def test_a_small_database_is_checked_in_full_at_login(admin_ctx, db_path):
    admin_ctx.close()
    ctx = login(db_path, "admin", ADMIN_PASSWORD)
    try:
        assert ctx.db.pages_checked
    finally:
        ctx.close()


def test_a_flipped_byte_in_a_small_database_is_refused_at_login(damaged_school):
    with pytest.raises(DatabaseDamaged):
        login(damaged_school, "admin", ADMIN_PASSWORD)


def test_a_large_database_opens_on_the_cheap_check_and_the_page_check_reports_and_audits(
        damaged_school, monkeypatch):
    monkeypatch.setattr(database, "FULL_CHECK_AT_OPEN_BYTES", 0)   # every database counts as large
    ctx = login(damaged_school, "admin", ADMIN_PASSWORD)
    try:
        assert not ctx.db.pages_checked
        steps = []
        result = check_pages(ctx, progress=lambda done, total: steps.append((done, total)))
        assert not result.ok and result.audited
        assert "被改动或已损坏" in result.message() and "审计日志" in result.message()
        assert steps[0] == (0, 2) and steps[-1] == (2, 2)
        assert [e.action for e in list_entries(ctx)][:1] == ["db.pages_damaged"]
        assert any("页校验失败" in p for p in verify(ctx).problems)
        assert not ctx.db.pages_checked
    finally:
        ctx.close()


def test_an_intact_large_database_passes_the_page_check_quietly(admin_ctx, db_path, monkeypatch):
    import_records(admin_ctx, generate_students([("J1", 1)], per_class=30), "名单")
    admin_ctx.close()
    monkeypatch.setattr(database, "FULL_CHECK_AT_OPEN_BYTES", 0)
    ctx = login(db_path, "admin", ADMIN_PASSWORD)
    try:
        before = len(list_entries(ctx, limit=None))
        assert check_pages(ctx).ok and ctx.db.pages_checked
        assert len(list_entries(ctx, limit=None)) == before
        assert verify(ctx).ok
    finally:
        ctx.close()


def test_a_backup_of_a_damaged_database_is_refused_and_audited(damaged_school, monkeypatch, tmp_path):
    monkeypatch.setattr(database, "FULL_CHECK_AT_OPEN_BYTES", 0)
    ctx = login(damaged_school, "admin", ADMIN_PASSWORD)
    folder = tmp_path / "usb"
    try:
        with pytest.raises(UserError, match="没有保存"):
            create_backup(ctx, folder)
        assert [p.name for p in folder.iterdir()] == []
        with ctx.db.read() as s:
            entry = s.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        assert entry.action == "db.pages_damaged" and json.loads(entry.detail)["found_by"] == "backup"
    finally:
        ctx.close()
