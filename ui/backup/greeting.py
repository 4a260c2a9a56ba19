"""The login notices banner: damaged key-file copies (repaired), a database older than its audit anchor,
failed attempts on this account since the last login, and — for those who make backups — a missing
backup folder or a last good backup older than seven days. Nothing shows when all is well."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from xadesk.backup import service as B
from xadesk.services.login import login_notices

from ..messages import MessageBanner, banner_above_pages


def notice_lines(window: QMainWindow) -> tuple[list[str], list[str]]:
    """(security notices, backup warnings) for the person logged in."""
    ctx = window.ctx  # type: ignore[attr-defined]
    return login_notices(ctx), B.status(ctx).warnings


def greet(window: QMainWindow) -> MessageBanner | None:
    """Put the notices banner above the pages of ``window`` when there is something to say."""
    security, backup = notice_lines(window)
    if not security and not backup:
        return None
    banner = banner_above_pages(window, "safetyGreeting")
    window.safety_greeting = banner  # type: ignore[attr-defined]
    lines = [*security, *backup]
    action = None
    if backup:
        def open_backup() -> None:
            window.open_backup()  # type: ignore[attr-defined]
            banner.dismiss()

        action = (window.tr("备份设置"), open_backup)
    kind = "warning"
    banner.show_message(kind, "\n".join(lines), None, action=action)
    banner.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return banner
