"""Quick observation (记录观察) and home visit (记录家访) for one student: click a category, type what was
seen, save.

Two clicks and the text: the category buttons (情绪, 人际关系, …) and the severity buttons
(一般 is preselected; 需关注 / 紧急 when it matters), then 保存 (or Ctrl+Enter). The date is
today. Goes through ``records.add_observation`` (scope, permission, audit).
"""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xadesk.archive import kinds as K
from xadesk.services import records
from xadesk.services.context import AppContext

from ..formutil import FittingDialog
from ..messages import MessageBanner
from ..roster.detail import DETAIL_ACTIONS
from ..worker import BackgroundOp


class RecordDialog(FittingDialog):
    """What the two record dialogs share: whom the record is about (named in the dialog itself: a
    window title is easy to miss, and absent in some window managers, and a note on the wrong student
    is the mistake to prevent), the message banner, 保存 / 取消 with Ctrl+Enter, and saving in the
    background. A subclass makes its fields, then calls :meth:`finish` with its body."""

    saved = Signal(int)  # student id

    def __init__(self, ctx: AppContext, student_id: int, student_label: str, parent: QWidget | None, *,
                 name: str, title: str) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.student_id = student_id
        self.setObjectName(name)
        self.setWindowTitle(self.tr(title).format(who=student_label))
        self.banner = MessageBanner(self)
        self.who_label = QLabel(self.tr("学生：{who}").format(who=student_label), self)
        self.who_label.setObjectName("recordStudent")
        bold = self.who_label.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.15)
        self.who_label.setFont(bold)
        self.em = self.fontMetrics().height()

    def finish(self, body: list, save_name: str) -> None:
        """Lay out: student, banner, ``body`` (widgets and layouts; the last one stretches), buttons.
        The buttons are made here, after the fields, so Tab reaches them last."""
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(self.tr("保存(&S)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName(save_name)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(self.who_label)
        layout.addWidget(self.banner)
        for k, part in enumerate(body):
            stretch = 1 if k == len(body) - 1 else 0
            if isinstance(part, QWidget):
                layout.addWidget(part, stretch)
            else:
                layout.addLayout(part, stretch)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.em * 26)

    def save(self) -> None:
        raise NotImplementedError

    def store(self, write) -> None:
        """Run ``write()`` (a records service call) in the background; close when it has saved."""
        self.save_button.setEnabled(False)

        def done(_row) -> None:
            self.saved.emit(self.student_id)
            self.accept()

        (BackgroundOp(self, lambda _t: write(), title=self.tr("正在保存…"), cancellable=False)
         .success(done).failure(self.banner.show_user_error)
         .always(lambda: self.save_button.setEnabled(True)).run())


class ObservationDialog(RecordDialog):
    def __init__(self, ctx: AppContext, student_id: int, student_label: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, student_id, student_label, parent, name="observationDialog",
                         title="记录观察 · {who}")
        # the house style draws checked push buttons like plain ones: make the choice visible
        self.setStyleSheet("QPushButton:checked { background: #1565C0; color: white; border-color: #0D47A1; }")

        self.categories = QButtonGroup(self)
        cat_grid = QGridLayout()
        for i, (code, label) in enumerate(K.OBSERVATION_CATEGORIES.items()):
            b = QPushButton(label, self)
            b.setCheckable(True)
            b.setObjectName(f"cat_{code}")
            b.setProperty("code", code)
            self.categories.addButton(b)
            cat_grid.addWidget(b, i // 4, i % 4)
        self.categories.setExclusive(True)
        self.severities = QButtonGroup(self)
        sev_row = QHBoxLayout()
        for code, label in K.SEVERITIES.items():
            b = QPushButton(label, self)
            b.setCheckable(True)
            b.setObjectName(f"sev_{code}")
            b.setProperty("code", code)
            b.setChecked(code == "info")
            self.severities.addButton(b)
            sev_row.addWidget(b)
        sev_row.addStretch(1)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("observationText")
        self.text.setPlaceholderText(self.tr("看到了什么（事实，不下结论）：时间、场合、学生的言行……"))
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(self.em * 5)
        text_label = QLabel(self.tr("观察内容(&N)："), self)
        text_label.setBuddy(self.text)
        # a category click moves the cursor to the text: the next thing a teacher does is type
        self.categories.buttonClicked.connect(lambda _b: self.text.setFocus())
        self.finish([QLabel(self.tr("类别："), self), cat_grid, QLabel(self.tr("程度："), self), sev_row, text_label,
                     self.text], "saveObservation")
        first = self.categories.buttons()[0]
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def category(self) -> str | None:
        b = self.categories.checkedButton()
        return b.property("code") if b else None

    def severity(self) -> str:
        b = self.severities.checkedButton()
        return b.property("code") if b else "info"

    def save(self) -> None:
        cat = self.category()
        if cat is None:
            self.banner.show_error(self.tr("请先点选观察类别（情绪、人际关系、学业……）。"))
            return
        text, sev = self.text.toPlainText(), self.severity()
        self.store(lambda: records.add_observation(self.ctx, self.student_id, category=cat, text=text, severity=sev))


class HomeVisitDialog(RecordDialog):
    """记录家访: date (today), who visited (the teacher), who was at home, what was found."""

    def __init__(self, ctx: AppContext, student_id: int, student_label: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, student_id, student_label, parent, name="homeVisitDialog",
                         title="记录家访 · {who}")
        self.day_edit = QDateEdit(QDate.currentDate(), self)
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.setMaximumDate(QDate.currentDate())
        self.visitors = QLineEdit(ctx.actor.display_name, self)
        self.visitors.setObjectName("visitors")
        self.present = QLineEdit(self)
        self.present.setObjectName("present")
        self.present.setPlaceholderText(self.tr("如：母亲、祖母"))
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("homeVisitText")
        self.text.setPlaceholderText(self.tr("家庭情况、家长的看法、商定的做法……"))
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(self.em * 5)
        form = QFormLayout()
        form.addRow(self.tr("日期(&D)："), self.day_edit)
        form.addRow(self.tr("家访人员(&V)："), self.visitors)
        form.addRow(self.tr("在场家庭成员(&P)："), self.present)
        form.addRow(self.tr("家访情况(&N)："), self.text)
        self.finish([form], "saveHomeVisit")
        self.present.setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> None:
        day = self.day_edit.date().toPython()
        visitors, present, text = self.visitors.text(), self.present.text(), self.text.toPlainText()
        self.store(lambda: records.add_home_visit(self.ctx, self.student_id, day=day, visitors=visitors,
                                                  present=present, findings=text))


# What can be recorded about a student from anywhere the student appears (roster, grid, archive,
# student dialogs): (label, permission, dialog class).
RECORD_ACTIONS: list[tuple[str, str, type]] = [
    ("记录观察(&N)…", "observation.write", ObservationDialog),
    ("记录家访(&H)…", "homevisit.write", HomeVisitDialog),
]


def open_record_dialog(dialog_class: type, ctx: AppContext, student_id: int, student_label: str,
                       parent: QWidget, on_saved=None) -> QWidget:
    """Open one of RECORD_ACTIONS' dialogs (non-modal, deleted on close); ``parent.record_dialog`` holds it."""
    dialog = dialog_class(ctx, student_id, student_label, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if on_saved is not None:
        dialog.saved.connect(on_saved)
    parent.record_dialog = dialog  # type: ignore[attr-defined]
    dialog.open()
    return dialog


def record_menu_actions(ctx: AppContext) -> list[tuple[str, type]]:
    """The record actions this person may use."""
    return [(label, cls) for label, permission, cls in RECORD_ACTIONS if ctx.actor.can(permission)]


def attach_record_menu(view, ctx: AppContext, student_at) -> None:
    """A right-click menu on ``view`` (a table or tree) with 记录观察 / 记录家访 for the student under the
    mouse: two clicks from any list of students. ``student_at(pos)`` → (student_id, label) or None."""
    actions = record_menu_actions(ctx)
    if not actions:
        return
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def show_menu(pos) -> None:
        found = student_at(pos)
        if found is None:
            return
        sid, label = found
        menu = QMenu(view)
        menu.setObjectName("recordMenu")
        for text, cls in actions:
            menu.addAction(text.replace("…", f"（{label}）…"),
                           lambda c=cls: open_record_dialog(c, ctx, sid, label, view.window()))
        view.record_menu = menu  # tests find it here
        menu.popup(view.viewport().mapToGlobal(pos))

    view.customContextMenuRequested.connect(show_menu)


def _record_from_detail(dialog_class: type):
    def opener(ctx: AppContext, student_id: int, parent: QWidget) -> None:
        row = parent.detail.row  # type: ignore[attr-defined]  (the student dialog)
        open_record_dialog(dialog_class, ctx, student_id, f"{row.class_label or ''} {row.name}".strip(), parent)
    return opener


# The roster's student dialog gets the same two buttons wherever it is opened from.
for _label, _permission, _cls in RECORD_ACTIONS:
    DETAIL_ACTIONS.append((_label, _permission, _record_from_detail(_cls)))
