"""Dialogs and inline banners in Chinese, with a test hook so tests never block on a modal box.

Modelled on KeePassXC's ``MessageBox`` (``setNextAnswer``) and its inline message widget:

* ``information`` / ``warning`` / ``error`` / ``question`` / ``choose`` show a modal box with
  Chinese button labels (no dependency on Qt's own translation catalogue);
* ``user_error`` shows a :class:`xadesk.errors.UserError` as its message plus detail lines;
* ``internal_error`` is the one generic "程序内部错误" box (never the exception text);
* ``notify`` puts a short non-modal note in the window's status bar;
* :class:`MessageBanner` is a banner inside a page for recoverable errors.

Tests call ``set_test_mode(True)`` (the ui conftest does): no box is shown, every message is
appended to ``shown`` as ``(kind, title, text)``, and ``question``/``choose`` return the answer
queued with ``set_next_answer`` (else their default).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from xadesk.errors import UserError

# What was shown, in order, while test mode is on: (kind, title, text).
shown: list[tuple[str, str, str]] = []
_next_answers: deque[bool | int] = deque()
_test_mode = False

# Detail lines shown inline before the rest go behind "显示详细信息" (an import can fail on 500 rows).
INLINE_DETAIL_LINES = 10

TITLES = {
    "information": "提示",
    "warning": "注意",
    "error": "出错了",
    "question": "请确认",
    "choice": "请选择",
}


def set_test_mode(enabled: bool) -> None:
    """In test mode boxes are recorded in ``shown`` and answered from the queue, never displayed."""
    global _test_mode
    _test_mode = enabled


def set_next_answer(answer: bool | int) -> None:
    """Queue the answer of the next ``question`` (bool) or ``choose`` (index) call."""
    _next_answers.append(answer)


def reset() -> None:
    """Forget what was shown and any unused answers (between tests)."""
    shown.clear()
    _next_answers.clear()


def kinds() -> list[str]:
    """Just the kinds of what was shown, handy in assertions."""
    return [kind for kind, _title, _text in shown]


def _record(kind: str, title: str, text: str) -> None:
    if _test_mode:
        shown.append((kind, title, text))


def _full_text(text: str, details: Sequence[str] | None) -> str:
    return "\n".join([text, *details]) if details else text


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
         details: Sequence[str] | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(text)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if details:
        lines = list(details)
        inline = lines[:INLINE_DETAIL_LINES]
        if len(lines) > INLINE_DETAIL_LINES:
            inline.append(f"……另有 {len(lines) - INLINE_DETAIL_LINES} 处，点“显示详细信息”查看全部。")
            box.setDetailedText("\n".join(lines))
        box.setInformativeText("\n".join(inline))
    return box


def _show(kind: str, icon: QMessageBox.Icon, parent: QWidget | None, text: str, title: str | None,
          details: Sequence[str] | None) -> None:
    title = title or TITLES[kind]
    _record(kind, title, _full_text(text, details))
    if _test_mode:
        return
    box = _box(parent, icon, title, text, details)
    ok = box.addButton("确定", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(ok)
    box.setEscapeButton(ok)
    box.exec()


def information(parent: QWidget | None, text: str, title: str | None = None) -> None:
    _show("information", QMessageBox.Icon.Information, parent, text, title, None)


def warning(parent: QWidget | None, text: str, title: str | None = None,
            details: Sequence[str] | None = None) -> None:
    _show("warning", QMessageBox.Icon.Warning, parent, text, title, details)


def error(parent: QWidget | None, text: str, title: str | None = None,
          details: Sequence[str] | None = None) -> None:
    _show("error", QMessageBox.Icon.Critical, parent, text, title, details)


def user_error(parent: QWidget | None, exc: UserError, title: str | None = None) -> None:
    """Show a core ``UserError``: its message (already in the user's language) and its detail lines."""
    error(parent, exc.message, title, exc.details)


def internal_error(parent: QWidget | None, log_hint: str | None = None) -> None:
    """The generic box for bugs. Deliberately without the exception text: it may carry student data."""
    text = "程序内部错误，这一步操作没有完成。"
    hint = "请把这台电脑上的错误日志发给技术支持；日志里不含学生信息。"
    if log_hint:
        hint += f"\n错误日志：{log_hint}"
    error(parent, text, "程序内部错误", [hint])


def question(parent: QWidget | None, text: str, title: str | None = None, *, yes: str = "确定",
             no: str = "取消", default_yes: bool = False) -> bool:
    """Ask a yes/no question; True when the user chose ``yes``. Escape always means ``no``."""
    title = title or TITLES["question"]
    _record("question", title, text)
    if _test_mode:
        return bool(_next_answers.popleft()) if _next_answers else default_yes
    box = _box(parent, QMessageBox.Icon.Question, title, text, None)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(yes_button if default_yes else no_button)
    box.setEscapeButton(no_button)
    box.exec()
    return box.clickedButton() is yes_button


def choose(parent: QWidget | None, text: str, choices: Sequence[str], title: str | None = None, *,
           default: int = 0, escape: int | None = None) -> int:
    """Offer several buttons (e.g. 保存 / 不保存 / 取消); return the index chosen.

    ``escape`` is the index returned for Escape / closing the box (defaults to the last choice).
    """
    title = title or TITLES["choice"]
    escape = len(choices) - 1 if escape is None else escape
    _record("choice", title, text)
    if _test_mode:
        return int(_next_answers.popleft()) if _next_answers else default
    box = _box(parent, QMessageBox.Icon.Question, title, text, None)
    buttons = [box.addButton(label, QMessageBox.ButtonRole.ActionRole) for label in choices]
    box.setDefaultButton(buttons[default])
    box.setEscapeButton(buttons[escape])
    box.exec()
    clicked = box.clickedButton()
    return buttons.index(clicked) if clicked in buttons else escape


def notify(parent: QWidget | None, text: str, timeout_ms: int = 5000) -> None:
    """A short non-modal note: the window's status bar if it has one, else a tooltip near ``parent``."""
    _record("status", "", text)
    if parent is None:
        return
    window = parent.window()
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(text, timeout_ms)  # non-modal: also done in test mode
    elif not _test_mode:
        QToolTip.showText(parent.mapToGlobal(parent.rect().center()), text, parent, parent.rect(), timeout_ms)


class MessageBanner(QFrame):
    """An inline banner at the top of a page: icon, message, optional details, action and close button.

    Hidden until a message is shown. Used for errors the user can fix on the page itself (a bad file
    in the import wizard, a wrong password), where a modal box would interrupt for nothing.
    """

    closed = Signal()
    KINDS = ("error", "warning", "info", "success")
    _ICONS = {
        "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
        "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
        "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
        "success": QStyle.StandardPixmap.SP_DialogApplyButton,
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("kind", "info")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._icon = QLabel(self)
        self._text = QLabel(self)
        self._text.setTextFormat(Qt.TextFormat.PlainText)  # messages quote cells from files: never markup
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._details = QPlainTextEdit(self)
        self._details.setReadOnly(True)
        self._details.setMaximumHeight(160)
        self._details.hide()
        self._details_button = QPushButton("显示详情", self)
        self._details_button.clicked.connect(self._toggle_details)
        self._action_button = QPushButton(self)
        self._action_button.hide()
        self._action: Callable[[], None] | None = None
        self._action_button.clicked.connect(self._run_action)
        self._close_button = QPushButton("关闭", self)
        self._close_button.setAccessibleName("关闭提示")
        self._close_button.clicked.connect(self.dismiss)

        self._more_buttons: list[QPushButton] = []
        top = self._top = QHBoxLayout()
        top.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self._text, 1)
        top.addWidget(self._details_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self._action_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self._close_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(top)
        layout.addWidget(self._details)
        self.hide()

    def kind(self) -> str:
        return str(self.property("kind"))

    def text(self) -> str:
        return self._text.text()

    def details(self) -> list[str]:
        text = self._details.toPlainText()
        return text.split("\n") if text else []

    def show_message(self, kind: str, text: str, details: Sequence[str] | None = None,
                     action: tuple[str, Callable[[], None]] | None = None) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown banner kind {kind!r}")
        _record(f"banner:{kind}", "", _full_text(text, details))
        self.setProperty("kind", kind)
        # A dynamic property only restyles after a re-polish.
        self.style().unpolish(self)
        self.style().polish(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self._icon.setPixmap(self.style().standardIcon(self._ICONS[kind]).pixmap(size, size))
        self._text.setText(text)
        self._details.setPlainText("\n".join(details or []))
        self._details.hide()
        self._details_button.setVisible(bool(details))
        self._details_button.setText("显示详情")
        if action:
            self._action_button.setText(action[0])
            self._action = action[1]
        else:
            self._action = None
        self._action_button.setVisible(action is not None)
        for button in self._more_buttons:
            button.deleteLater()
        self._more_buttons = []
        self.show()

    def add_action(self, label: str, callback: Callable[[], None]) -> QPushButton:
        """A second action beside the main one, for the message now shown (gone with the next message)."""
        button = QPushButton(label, self)
        button.clicked.connect(callback)
        self._top.insertWidget(self._top.indexOf(self._action_button), button, 0, Qt.AlignmentFlag.AlignTop)
        self._more_buttons.append(button)
        return button

    def show_error(self, text: str, details: Sequence[str] | None = None) -> None:
        self.show_message("error", text, details)

    def show_user_error(self, exc: UserError) -> None:
        self.show_message("error", exc.message, exc.details)

    def show_warning(self, text: str, details: Sequence[str] | None = None) -> None:
        self.show_message("warning", text, details)

    def show_info(self, text: str) -> None:
        self.show_message("info", text)

    def show_success(self, text: str) -> None:
        self.show_message("success", text)

    def dismiss(self) -> None:
        was_visible = self.isVisible()
        self.hide()
        self._text.clear()
        self._details.clear()
        if was_visible:
            self.closed.emit()

    def _toggle_details(self) -> None:
        visible = self._details.isHidden()
        self._details.setVisible(visible)
        self._details_button.setText("隐藏详情" if visible else "显示详情")

    def _run_action(self) -> None:
        if self._action is not None:
            self._action()


def banner_above_pages(window: QMainWindow, name: str) -> MessageBanner:
    """A banner put above the pages of ``window`` (a main window): its central widget moves into a holder
    with the banner on top. Used by the login greetings, which come and go above whatever page is open."""
    banner = MessageBanner(window)
    banner.setObjectName(name)
    central = window.centralWidget()
    holder = QWidget(window)
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(banner)
    layout.addWidget(central, 1)
    window.setCentralWidget(holder)
    # Re-parenting hides a widget: the page area and its new holder must be shown again.
    central.show()
    holder.show()
    return banner
