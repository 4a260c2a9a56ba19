"""备份与还原 screens: the backup folder and 立即备份, the restore flow, the stale-backup greeting,
the damaged key-file message at login, and the automatic backup when a counselor closes the app."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.conftest import ADMIN_PASSWORD
from ui.backup.dialog import BackupDialog
from ui.login import LoginDialog
from ui.mainwindow import MainWindow
from xadesk.backup import service as B
from xadesk.services.login import create_school, login
from xadesk.storage.keyfile import copy_paths, keyfile_path
from xadesk.storage.models import Meta

pytestmark = pytest.mark.gui

SHOTS = Path(os.environ.get("XADESK_SHOTS_DIR", "")) if os.environ.get("XADESK_SHOTS_DIR") else None


def _shot(widget, name: str) -> None:
    """Saved when XADESK_SHOTS_DIR is set (to look at the screens), otherwise only rendered."""
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    pixmap = widget.grab()
    assert not pixmap.isNull()
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        pixmap.save(str(SHOTS / f"{name}.png"))


@pytest.fixture
def school(tmp_path: Path):
    path = tmp_path / "school.xadesk"
    created = create_school(path, "西安市示例中学", "admin", ADMIN_PASSWORD, "王管理")
    return path, created


@pytest.fixture
def admin(school):
    ctx = login(school[0], "admin", ADMIN_PASSWORD)
    yield ctx
    ctx.close()


def test_backup_settings_folder_and_backup_now(qtbot, admin, tmp_path, sync_ops):
    dialog = BackupDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "还没有设置备份文件夹" in dialog.status_label.text()
    usb = tmp_path / "U盘" / "XADesk备份"
    usb.mkdir(parents=True)
    dialog.folder_edit.setText(str(usb))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert B.get_folder(admin) == usb
    qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)
    assert dialog.banner.kind() == "success" and "已备份" in dialog.banner.text()
    assert len(list(usb.glob("*.xabak"))) == 1
    assert "文件夹中有 1 份备份" in dialog.status_label.text()
    _shot(dialog, "backup-settings")
    # The database's own folder is refused, in the banner, and nothing changes.
    dialog.folder_edit.setText(str(admin.db.path.parent))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.banner.kind() == "error" and B.get_folder(admin) == usb


def test_restore_flow_checks_then_restores_to_a_new_file(qtbot, admin, tmp_path, sync_ops):
    from xadesk.services import roles
    from xadesk.services.accounts import RoleSpec, add_user

    info = B.create_backup(admin, tmp_path / "b")
    add_user(admin, "li", "李老师", [RoleSpec(roles.COUNSELOR)], "Tea-cup 47 rain")  # the backup lacks this
    dialog = BackupDialog(admin)
    qtbot.addWidget(dialog)
    restore = dialog.open_restore()
    qtbot.addWidget(restore)
    restore.file_edit.setText(str(info.path))
    qtbot.mouseClick(restore.check_button, Qt.MouseButton.LeftButton)
    assert "文件完好" in restore.result_view.toPlainText()
    target = Path(restore.target_edit.text())
    assert target != admin.db.path and target.parent == admin.db.path.parent
    qtbot.keyClicks(restore.password_edit, ADMIN_PASSWORD)
    qtbot.mouseClick(restore.restore_button, Qt.MouseButton.LeftButton)
    text = restore.result_view.toPlainText()
    assert restore.banner.kind() == "success", restore.banner.text()
    assert "内容完好" in text and "新建账号 × 1" in text and target.exists()
    assert restore.password_edit.text() == ""
    _shot(restore, "restore-flow")
    # Over the live database: refused in the banner.
    restore.target_edit.setText(str(admin.db.path))
    qtbot.keyClicks(restore.password_edit, ADMIN_PASSWORD)
    qtbot.mouseClick(restore.restore_button, Qt.MouseButton.LeftButton)
    assert restore.banner.kind() == "error" and "不会覆盖" in restore.banner.text()


def test_a_damaged_backup_is_refused_in_the_restore_dialog(qtbot, admin, tmp_path, sync_ops):
    info = B.create_backup(admin, tmp_path / "b")
    data = bytearray(info.path.read_bytes())
    data[len(data) // 2] ^= 0x10
    info.path.write_bytes(bytes(data))
    dialog = BackupDialog(admin)
    qtbot.addWidget(dialog)
    restore = dialog.open_restore()
    qtbot.addWidget(restore)
    restore.file_edit.setText(str(info.path))
    qtbot.mouseClick(restore.check_button, Qt.MouseButton.LeftButton)
    assert restore.banner.kind() == "error" and "已损坏" in restore.banner.text()


def test_stale_backup_greeting(qtbot, admin, tmp_path):
    from ui.backup.greeting import greet

    folder = tmp_path / "usb"
    folder.mkdir()
    B.set_folder(admin, folder)
    B.create_backup(admin, now=datetime.now(UTC) - timedelta(days=12))
    window = MainWindow(admin)
    qtbot.addWidget(window)
    window.resize(1100, 700)
    window.show()
    banner = greet(window)
    assert banner is not None and banner.isVisible()
    assert "12 天前" in banner.text()
    _shot(window, "stale-backup-greeting")


def test_no_greeting_when_all_is_well(qtbot, admin, tmp_path):
    from ui.backup.greeting import greet

    folder = tmp_path / "usb"
    folder.mkdir()
    B.set_folder(admin, folder)
    B.create_backup(admin)
    window = MainWindow(admin)
    qtbot.addWidget(window)
    assert greet(window) is None


def test_damaged_key_file_message_at_login(qtbot, school, sync_ops):
    path, _ = school
    for p in copy_paths(keyfile_path(path))[:2]:
        text = p.read_text(encoding="utf-8")
        p.write_text(text.replace('"wrapped": "', '"wrapped": "Q', 1), encoding="utf-8")
    dialog = LoginDialog(path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.login_edit, "admin")
    qtbot.keyClicks(dialog.password_edit, ADMIN_PASSWORD)
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert dialog.banner.kind() == "error"
    assert "已损坏" in dialog.banner.text() and "不是密码错误" in dialog.banner.text()
    assert "恢复密钥" in dialog.banner.text()
    _shot(dialog, "damaged-key-file-message")


def test_closing_the_app_makes_the_days_backup_once(qtbot, admin, tmp_path, sync_ops):
    folder = tmp_path / "usb"
    folder.mkdir()
    B.set_folder(admin, folder)
    window = MainWindow(admin)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.quit_requested):
        window.close()
    assert len(list(folder.glob("*.xabak"))) == 1
    with admin.db.read() as s:
        assert s.get(Meta, B.LAST_KEY) is not None
    second = MainWindow(admin)
    qtbot.addWidget(second)
    second.show()
    with qtbot.waitSignal(second.quit_requested):
        second.close()
    assert len(list(folder.glob("*.xabak"))) == 1  # at most one a day
