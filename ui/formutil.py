"""Small helpers the screens share for buttons in dialogs.

(Kept apart from ``ui.messages`` / ``ui.style``, which belong to the shared infrastructure.)
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QPushButton, QWidget

from .i18n import tr


def set_primary(button: QPushButton, primary: bool = True) -> QPushButton:
    """Mark the one main action of a dialog (blue, see ``style.qss``); re-polish so the style applies."""
    button.setProperty("primary", primary)
    button.style().unpolish(button)
    button.style().polish(button)
    return button


def close_box(dialog: QDialog) -> QDialogButtonBox:
    """The dialog's 关闭 button (Esc and the button both reject), in Chinese whatever Qt's locale."""
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    box.button(QDialogButtonBox.StandardButton.Close).setText(tr("formutil", "关闭"))
    box.rejected.connect(dialog.reject)
    return box


def actions_then_close(dialog: QDialog, *actions: QPushButton) -> QHBoxLayout:
    """The bottom row of a list dialog: its actions on the left, 关闭 on the right."""
    row = QHBoxLayout()
    for button in actions:
        row.addWidget(button)
    row.addStretch(1)
    row.addWidget(close_box(dialog))
    return row


def no_auto_default(*widgets: QWidget) -> None:
    """Buttons inside a dialog's body (a banner's 关闭, 浏览…, 打印…) must not grab Enter.

    In a QDialog every QPushButton is "auto-default": whichever has focus becomes the default
    button, so Enter in a form could close a banner instead of submitting. Only the dialog's own
    OK/Next button should answer Enter.
    """
    for widget in widgets:
        buttons = [widget] if isinstance(widget, QPushButton) else widget.findChildren(QPushButton)
        for button in buttons:
            button.setAutoDefault(False)
            button.setDefault(False)


def fit_height(dialog: QWidget) -> None:
    """Grow a dialog to the height its word-wrapped labels need at its current width.

    A top-level window sizes itself from ``sizeHint()``, which ignores height-for-width, so wrapped
    Chinese text gets cut off (worse at 150 %). Call after the dialog is built (e.g. in showEvent).
    """
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    width = max(dialog.width(), dialog.minimumWidth(), layout.totalMinimumSize().width())
    needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.totalSizeHint().height()
    if needed > dialog.height() or width > dialog.width():
        dialog.resize(width, max(needed, dialog.height()))
    fit_to_screen(dialog)


# Room a window frame and a taskbar take from the available height (the title bar is outside the
# widget's own geometry).
FRAME_ALLOWANCE = 40


def fit_to_screen(window: QWidget, available: QRect | None = None) -> None:
    """Never larger than the screen it is on: at 150 % on 1920 × 1080 (1280 × 720 usable) a dialog that
    grew past the bottom would hide its OK button. ``available``: the screen's free area (tests pass the
    screens schools have; default: the window's own screen)."""
    if available is None:
        screen = window.screen()
        if screen is None:
            return
        available = screen.availableGeometry()
    avail = available
    width = min(window.width(), avail.width())
    height = min(window.height(), avail.height() - FRAME_ALLOWANCE)
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)


class FittingDialog(QDialog):
    """A QDialog that makes room for its wrapped text when shown (see :func:`fit_height`)."""

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_height(self)


def set_enabled_why(widget: QWidget, enabled: bool, why: str) -> None:
    """Enable ``widget``, or disable it with a tooltip saying why (a grey button that says nothing
    leaves a teacher guessing). The widget's own tooltip comes back when it is enabled again."""
    if widget.property("usualToolTip") is None:
        widget.setProperty("usualToolTip", widget.toolTip())
    widget.setEnabled(enabled)
    widget.setToolTip(widget.property("usualToolTip") if enabled else why)
