"""The kiosk window (学生自助测评): a student identifies, confirms their name, reads the instructions
and answers one item per screen, by touch or with the number keys 1–9.

It drives the core kiosk (``xadesk.screening.kiosk.SchoolKiosk`` or ``LabKiosk``) and nothing else:

* every answer goes through ``kiosk.answer`` — committed (database transaction or fsynced journal)
  before the next item is built, so a crash or a power cut loses nothing and the next
  identification resumes at the first item not yet passed;
* nothing on these screens says how an answer scores: no score, band, flag or risk;
* an idle student is sent back to the start screen (answers are already stored);
* leaving needs the counselor's password (``kiosk.check_exit``); closing the window any other way
  (Alt+F4, Escape) is ignored.

    window = KioskWindow(SchoolKiosk.start(ctx, campaign_id, pc_id), main_window)
    window.exited.connect(...)
    window.showFullScreen()

The core calls run on the GUI thread on purpose (not in a BackgroundOp): each is one small
transaction, and the next item must not be built before the answer is committed.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from xadesk.errors import UserError

from ..idle import InactivityTimer

IDLE_SECONDS = 90          # a student who walks away: back to the start screen
# Input arriving within this many ms of a new item is ignored, so a double tap does not answer
# the next item too (the second tap of a double click lands on the freshly built screen).
ITEM_GUARD_MS = 350

_STYLE = """
QWidget#kiosk { background: #f7f9fc; }
QLabel#kioskTitle { font-size: 26pt; font-weight: bold; color: #1f3a5f; }
QLabel#kioskText { font-size: 22pt; color: #1b1b1b; }
QLabel#kioskHint { font-size: 14pt; color: #55606e; }
QLabel#kioskError { font-size: 15pt; color: #a31515; }
QLabel#kioskProgress { font-size: 14pt; color: #55606e; }
QLineEdit { font-size: 20pt; padding: 6px; min-height: 1.6em; }
QPushButton#option, QPushButton#big { font-size: 19pt; padding: 14px 22px; min-height: 2.2em;
    text-align: left; border: 2px solid #9fb3c8; border-radius: 10px; background: white; }
QPushButton#big { text-align: center; }
QLabel#kioskLabel { font-size: 18pt; color: #1b1b1b; }
QPushButton#option:hover, QPushButton#big:hover { border-color: #2f6fb3; background: #eef4fb; }
QPushButton#option:focus, QPushButton#big:focus { border: 3px solid #2f6fb3; }
QPushButton#teacher { font-size: 10pt; color: #8a94a3; border: none; background: transparent; }
QProgressBar { min-height: 12px; max-height: 12px; }
"""


def _label(text: str = "", name: str = "kioskText") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return label


def _button(text: str, name: str = "big") -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    button.setAutoDefault(False)
    return button


def _page(*widgets: QWidget, stretch_top: bool = True) -> QWidget:
    page = QWidget()
    outer = QHBoxLayout(page)
    outer.addStretch(1)
    column = QVBoxLayout()
    column.setSpacing(18)
    if stretch_top:
        column.addStretch(1)
    for w in widgets:
        column.addWidget(w)
    column.addStretch(2)
    box = QWidget()
    box.setLayout(column)
    box.setMaximumWidth(1100)
    box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    outer.addWidget(box, 6)
    outer.addStretch(1)
    return page


class KioskWindow(QWidget):
    """The full-screen student side of a kiosk. ``exited`` fires after the counselor's password."""

    exited = Signal()

    def __init__(self, kiosk, parent: QWidget | None = None, *, idle_seconds: float = IDLE_SECONDS,
                 item_guard_ms: int = ITEM_GUARD_MS) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.kiosk = kiosk
        self.setObjectName("kiosk")
        self.setWindowTitle(self.tr("学生自助测评 · %1").replace("%1", kiosk.campaign_name))
        self.setStyleSheet(_STYLE)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._guard_ms = item_guard_ms
        self._allow_close = False
        # Called with the core kiosk when the counselor leaves (a lab PC writes its result pack here).
        self.before_close = None
        self.student = None
        self.instrument_id: str | None = None
        self.item = None
        self._shown = QElapsedTimer()

        self.stack = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 12)
        layout.addWidget(self.stack, 1)
        footer = QHBoxLayout()
        self.footer = _label(kiosk.campaign_name, "kioskHint")
        footer.addWidget(self.footer, 1)
        self.teacher_button = _button(self.tr("老师退出"), "teacher")
        self.teacher_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # students tab past it
        self.teacher_button.clicked.connect(self.show_exit)
        footer.addWidget(self.teacher_button)
        layout.addLayout(footer)

        self._build_start()
        self._build_confirm()
        self._build_instructions()
        self._build_item()
        self._build_end()
        self._build_exit()
        QShortcut(QKeySequence("Ctrl+Shift+Q"), self, self.show_exit)

        self.idle_timer = InactivityTimer(self)
        self.idle_timer.idle.connect(self.to_start)
        self.idle_timer.activate(idle_seconds)
        self.to_start()

    # -- pages --------------------------------------------------------------------------------------

    def _build_start(self) -> None:
        title = _label(self.tr("欢迎参加“%1”").replace("%1", self.kiosk.campaign_name), "kioskTitle")
        hint = _label(self.tr("请输入你的学号和出生日期（例如 20130105），然后按回车。"), "kioskHint")
        self.number_edit = QLineEdit()
        self.number_edit.setPlaceholderText(self.tr("学号或学籍号"))
        self.number_edit.setAccessibleName(self.tr("学号"))
        self.birth_edit = QLineEdit()
        self.birth_edit.setPlaceholderText(self.tr("出生日期，如 20130105"))
        self.birth_edit.setAccessibleName(self.tr("出生日期"))
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText(self.tr("或者：老师发给你的登录码"))
        self.code_edit.setAccessibleName(self.tr("登录码"))
        self.start_error = _label("", "kioskError")
        self.start_button = _button(self.tr("开始"))
        self.start_button.clicked.connect(self.identify)
        form = QGridLayout()
        form.setVerticalSpacing(14)
        form.addWidget(_label(self.tr("学号"), "kioskLabel"), 0, 0)
        form.addWidget(self.number_edit, 0, 1)
        form.addWidget(_label(self.tr("出生日期"), "kioskLabel"), 1, 0)
        form.addWidget(self.birth_edit, 1, 1)
        form.addWidget(_label(self.tr("登录码"), "kioskLabel"), 2, 0)
        form.addWidget(self.code_edit, 2, 1)
        box = QWidget()
        box.setLayout(form)
        self.start_page = _page(title, hint, box, self.start_error, self.start_button)
        self.stack.addWidget(self.start_page)

    def _build_confirm(self) -> None:
        self.confirm_text = _label("", "kioskTitle")
        self.confirm_yes = _button(self.tr("1   是我，开始答题"))
        self.confirm_no = _button(self.tr("2   不是我，重新输入"))
        self.confirm_yes.clicked.connect(self.confirm)
        self.confirm_no.clicked.connect(self.to_start)
        self.confirm_page = _page(self.confirm_text, self.confirm_yes, self.confirm_no)
        self.stack.addWidget(self.confirm_page)

    def _build_instructions(self) -> None:
        self.instructions_title = _label("", "kioskTitle")
        self.instructions_text = _label("")
        self.instructions_go = _button(self.tr("开始答题（按回车）"))
        self.instructions_go.clicked.connect(self.begin_instrument)
        self.instructions_page = _page(self.instructions_title, self.instructions_text, self.instructions_go)
        self.stack.addWidget(self.instructions_page)

    def _build_item(self) -> None:
        self.progress_label = _label("", "kioskProgress")
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.item_text = _label("")
        self.item_text.setMinimumHeight(120)
        self.options_box = QWidget()
        self.options_layout = QVBoxLayout(self.options_box)
        self.options_layout.setContentsMargins(0, 0, 0, 0)
        self.options_layout.setSpacing(12)
        self.option_buttons: list[QPushButton] = []
        hint = _label(self.tr("点一下选项，或按键盘上选项前面的数字。"), "kioskHint")
        self.item_page = _page(self.progress_label, self.progress_bar, self.item_text, self.options_box, hint,
                               stretch_top=False)
        self.stack.addWidget(self.item_page)

    def _build_end(self) -> None:
        title = _label(self.tr("你已经完成了全部问卷，谢谢你！"), "kioskTitle")
        text = _label(self.tr("请举手告诉老师。如果你有心事想找人聊聊，心理老师随时欢迎你。"))
        self.end_button = _button(self.tr("完成（按回车）"))
        self.end_button.clicked.connect(self.to_start)
        self.end_page = _page(title, text, self.end_button)
        self.stack.addWidget(self.end_page)

    def _build_exit(self) -> None:
        title = _label(self.tr("老师退出自助测评"), "kioskTitle")
        hint = _label(self.tr("请输入心理老师的登录密码。"), "kioskHint")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName(self.tr("老师密码"))
        self.exit_error = _label("", "kioskError")
        ok = _button(self.tr("退出"))
        ok.clicked.connect(self.try_exit)
        back = _button(self.tr("返回"))
        back.clicked.connect(self.to_start)
        self.exit_page = _page(title, hint, self.password_edit, self.exit_error, ok, back)
        self.stack.addWidget(self.exit_page)

    # -- flow ---------------------------------------------------------------------------------------

    def current_screen(self) -> str:
        return {self.start_page: "start", self.confirm_page: "confirm", self.instructions_page: "instructions",
                self.item_page: "item", self.end_page: "end", self.exit_page: "exit"}[self.stack.currentWidget()]

    def _show(self, page: QWidget, focus: QWidget | None = None) -> None:
        self.stack.setCurrentWidget(page)
        target = focus or page
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def to_start(self) -> None:
        """Forget who is answering (their answers are stored) and wait for the next student."""
        self.student, self.instrument_id, self.item = None, None, None
        for edit in (self.number_edit, self.birth_edit, self.code_edit, self.password_edit):
            edit.clear()
        self.start_error.clear()
        self.exit_error.clear()
        self._show(self.start_page, self.number_edit)

    def identify(self) -> None:
        code = self.code_edit.text().strip()
        number, birth = self.number_edit.text().strip(), self.birth_edit.text().strip()
        if not code and not (number and birth):
            self.start_error.setText(self.tr("请填写学号和出生日期，或者填写登录码。"))
            (self.birth_edit if number else self.number_edit).setFocus()
            return
        try:
            self.student = self.kiosk.identify_code(code) if code else self.kiosk.identify(number, birth)
        except UserError as exc:
            self.start_error.setText(exc.zh)
            self.birth_edit.clear()
            self.code_edit.clear()
            (self.birth_edit if number else self.number_edit).setFocus()
            return
        self.confirm_text.setText(self.tr("你是 %1 的 %2 同学吗？").replace("%1", self.student.class_label)
                                  .replace("%2", self.student.name))
        self._show(self.confirm_page, self.confirm_yes)

    def confirm(self) -> None:
        self.next_task()

    def _cannot_continue(self) -> None:
        """An interrupted questionnaire whose answers this session cannot open (sealed item answers, an
        account without the counselling key, after a restart): the student is sent to the teacher,
        who sees the full reason when they try it from their own screen."""
        self.start_error.setText(self.tr("这台电脑现在不能继续你上次没有答完的问卷，请告诉老师。"))
        self.student = None
        for edit in (self.number_edit, self.birth_edit, self.code_edit):
            edit.clear()
        self._show(self.start_page, self.number_edit)

    def next_task(self) -> None:
        """The first assigned questionnaire not finished: its instructions, or the end screen."""
        try:
            tasks = [t for t in self.kiosk.tasks(self.student) if not t.completed]
        except UserError:
            self._cannot_continue()
            return
        if not tasks:
            self._show(self.end_page, self.end_button)
            return
        all_tasks = self.kiosk.tasks(self.student)
        task = tasks[0]
        self.instrument_id = task.instrument_id
        position = [t.instrument_id for t in all_tasks].index(task.instrument_id) + 1
        prefix = self.tr("第 %1 份问卷（共 %2 份）").replace("%1", str(position)).replace("%2", str(len(all_tasks)))
        resume = self.tr("（继续上次没有答完的部分）") if task.answered else ""
        self.instructions_title.setText(f"{prefix}：{task.title}{resume}")
        self.instructions_text.setText(self.kiosk.instructions(task.instrument_id)
                                       or self.tr("请根据你自己的真实情况作答，没有对错之分。"))
        self._show(self.instructions_page, self.instructions_go)

    def begin_instrument(self) -> None:
        self.show_item()

    def show_item(self) -> None:
        try:
            item = self.kiosk.next_item(self.student, self.instrument_id)
        except UserError:
            self._cannot_continue()
            return
        if item is None:
            self.next_task()
            return
        self.item = item
        self.progress_label.setText(self.tr("第 %1 题 / 共 %2 题").replace("%1", str(item.number))
                                    .replace("%2", str(item.total)))
        self.progress_bar.setRange(0, item.total)
        self.progress_bar.setValue(item.number - 1)
        self.item_text.setText(item.text)
        for button in self.option_buttons:
            self.options_layout.removeWidget(button)
            button.deleteLater()
        self.option_buttons = []
        for option in item.options:
            button = _button(f"{option.key}   {option.label}", "option")
            button.clicked.connect(lambda _checked=False, v=option.value: self.choose(v))
            self.options_layout.addWidget(button)
            self.option_buttons.append(button)
        self._show(self.item_page, self.item_page)
        self._shown.start()

    def choose(self, value: float) -> None:
        """Commit one answer, then (and only then) build the next screen."""
        if self.item is None or (self._guard_ms and self._shown.isValid() and self._shown.elapsed() < self._guard_ms):
            return
        item, self.item = self.item, None       # a second tap while committing does nothing
        seconds = self._shown.elapsed() / 1000.0 if self._shown.isValid() else None
        try:
            state = self.kiosk.answer(self.student, self.instrument_id, item.index, value, seconds)
        except UserError as exc:
            self.item = item
            self.progress_label.setText(exc.zh)
            return
        if state.completed:
            self.next_task()
        else:
            self.show_item()

    def show_exit(self) -> None:
        self.password_edit.clear()
        self.exit_error.clear()
        self._show(self.exit_page, self.password_edit)

    def try_exit(self) -> None:
        if not self.kiosk.check_exit(self.password_edit.text()):
            self.password_edit.clear()
            self.exit_error.setText(self.tr("密码不对。"))
            return
        self.password_edit.clear()
        if self.before_close is not None:
            try:
                self.before_close(self.kiosk)
            except UserError as exc:
                self.exit_error.setText(exc.zh)
                return
        self.idle_timer.deactivate()
        self.kiosk.close()
        self._allow_close = True
        self.exited.emit()
        self.close()

    # -- keys and closing ---------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, text = event.key(), event.text()
        screen = self.current_screen()
        if screen == "item" and text and text in "123456789" and self.item is not None:
            index = int(text) - 1
            if index < len(self.item.options):
                self.choose(self.item.options[index].value)
            return
        if screen == "confirm" and text in ("1", "2"):
            (self.confirm if text == "1" else self.to_start)()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            # One place dispatches Enter (line edits pass it up), so one key press is one action.
            if screen == "start":
                self.identify()
                return
            if screen == "exit":
                self.try_exit()
                return
            if screen == "instructions":
                self.begin_instrument()
                return
            if screen == "end":
                self.to_start()
                return
            if screen == "confirm":
                focused = self.focusWidget()
                (self.to_start if focused is self.confirm_no else self.confirm)()
                return
        if key == Qt.Key.Key_Escape:
            return                               # Escape never leaves the kiosk
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._allow_close:
            self.idle_timer.deactivate()
            event.accept()
        else:
            event.ignore()
            self.show_exit()

    def force_close(self) -> None:
        """For the program quitting (and tests): close without the password; answers are stored."""
        self._allow_close = True
        self.idle_timer.deactivate()
        self.close()

