"""The full page check after login (issue 15): a large database opens on the cheap check, every page is
checked on the worker right after the window appears, and a failure is shown loudly — an error box and
a red mark in the status bar that stays — and is in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import ADMIN_PASSWORD
from ui import messages
from ui.mainwindow import MainWindow
from xadesk.domain.synthetic import generate_students
from xadesk.services.login import login
from xadesk.services.roster_import import import_records
from xadesk.storage import database
from xadesk.storage.models import AuditEntry

pytestmark = pytest.mark.gui


def _flip_a_byte_in(table: str, ctx, db_path) -> None:
    """One flipped byte in the root page of ``table`` (the session is closed first)."""
    with ctx.db.read() as s:
        page = s.connection().exec_driver_sql("SELECT rootpage FROM sqlite_master WHERE name = ?",
                                              (table,)).scalar()
    ctx.close()
    data = bytearray(db_path.read_bytes())
    data[(page - 1) * 4096 + 2048] ^= 0x01
    db_path.write_bytes(bytes(data))


def _flip_a_page_the_first_screen_does_not_read(ctx, db_path) -> None:
    _flip_a_byte_in("school_year", ctx, db_path)


def _flip_a_page_the_first_screen_reads(ctx, db_path) -> None:
    """A byte in the student table's pages (学生名单, the first screen, lists the students)."""
    _flip_a_byte_in("student", ctx, db_path)


def _window_after_page_check(qtbot, ctx) -> MainWindow:
    """The main window as a person meets it, once the page check on the worker has finished."""
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.page_check_op is not None and window.page_check_op.done, timeout=20000)
    return window


def test_a_damaged_large_database_is_reported_loudly_after_login(qtbot, admin_ctx, db_path, monkeypatch):
    import_records(admin_ctx, generate_students([("J1", 1)], per_class=40), "名单")
    _flip_a_page_the_first_screen_does_not_read(admin_ctx, db_path)
    monkeypatch.setattr(database, "FULL_CHECK_AT_OPEN_BYTES", 0)
    ctx = login(db_path, "admin", ADMIN_PASSWORD)
    try:
        window = _window_after_page_check(qtbot, ctx)
        assert messages.kinds() == ["error"], messages.shown
        assert "被改动或已损坏" in messages.shown[0][2] and "审计日志" in messages.shown[0][2]
        assert window.damage_label is not None and window.damage_label.isVisible()
        with ctx.db.read() as s:
            assert s.scalar(select(AuditEntry.action).order_by(AuditEntry.seq.desc()).limit(1)) == "db.pages_damaged"
        assert not window.grab().isNull()
    finally:
        ctx.close()


def test_an_intact_large_database_is_checked_quietly(qtbot, admin_ctx, db_path, monkeypatch):
    admin_ctx.close()
    monkeypatch.setattr(database, "FULL_CHECK_AT_OPEN_BYTES", 0)
    ctx = login(db_path, "admin", ADMIN_PASSWORD)
    try:
        window = _window_after_page_check(qtbot, ctx)
        assert "error" not in messages.kinds() and window.damage_label is None and ctx.db.pages_checked
    finally:
        ctx.close()


def test_a_small_database_needs_no_check_after_login(qtbot, admin_ctx):
    window = MainWindow(admin_ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.wait(50)
    assert window.page_check_op is None


def test_a_damaged_page_read_by_the_first_screen_shows_only_the_damage_message(qtbot, admin_ctx, db_path,
                                                                               monkeypatch, sync_ops, screenshot):
    import_records(admin_ctx, generate_students([("J1", 1)], per_class=40), "名单")
    _flip_a_page_the_first_screen_reads(admin_ctx, db_path)
    monkeypatch.setattr(database, "FULL_CHECK_AT_OPEN_BYTES", 0)
    ctx = login(db_path, "admin", ADMIN_PASSWORD)
    try:
        window = _window_after_page_check(qtbot, ctx)
        titles = [title for _kind, title, _text in messages.shown]
        assert "程序内部错误" not in titles, messages.shown
        assert messages.kinds() == ["error"], messages.shown  # one box, not one per screen
        assert "被改动或已损坏" in messages.shown[0][2]
        assert window.damage_label is not None and window.damage_label.isVisible()
        screenshot(window, "damaged-first-screen")
    finally:
        ctx.close()
