"""The entry forms of teacher mode: home visit, follow-up, and the urgent-contact box.

Every form carries the same fixed line (``URGENT_LINE``): a return file is not an alarm, so
anything urgent goes to the counselor by phone, now.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from xadesk.classpack.content import FAMILY_SITUATIONS, FOLLOW_UP_METHODS, URGENT_LINE
from xadesk.classpack.teacher import TeacherPack
from xadesk.errors import UserError

from ..formutil import set_primary
from ..messages import MessageBanner


def urgent_label(parent: QWidget) -> QLabel:
    label = QLabel(parent.tr(URGENT_LINE), parent)
    label.setObjectName("urgentLine")
    label.setWordWrap(True)
    label.setStyleSheet("color: #b3261e; font-weight: bold;")
    return label


def _date_edit(parent: QWidget, today: date) -> QDateEdit:
    edit = QDateEdit(QDate(today.year, today.month, today.day), parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMaximumDate(QDate(today.year, today.month, today.day))
    return edit


def _py(d: QDateEdit) -> date:
    q = d.date()
    return date(q.year(), q.month(), q.day())


class _EntryDialog(QDialog):
    """Common frame: banner, urgent line, a form, 保存 / 取消. ``save()`` raises UserError to refuse."""

    def __init__(self, pack: TeacherPack, student_no: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pack = pack
        self.student_no = student_no
        self.entry: dict | None = None
        self.setWindowTitle(title)
        self.banner = MessageBanner(self)
        self.form = QFormLayout()
        who = QLabel(f"{pack.name_of(student_no)}（{pack.class_label}）", self)
        who.setObjectName("entryStudent")
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(self.tr("保存(&S)"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        set_primary(self.save_button)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(urgent_label(self))
        layout.addWidget(who)
        layout.addLayout(self.form)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 34)

    def add_row(self, text: str, field: QWidget) -> None:
        label = QLabel(text, self)
        label.setBuddy(field)
        self.form.addRow(label, field)

    def save(self) -> dict:
        raise NotImplementedError

    def _save(self) -> None:
        try:
            self.entry = self.save()
        except UserError as exc:
            self.banner.show_user_error(exc)
            return
        self.accept()


class HomeVisitDialog(_EntryDialog):
    def __init__(self, pack: TeacherPack, student_no: str, parent: QWidget | None = None) -> None:
        super().__init__(pack, student_no, "记录家访", parent)
        self.day = _date_edit(self, pack.today)
        self.visitors = QLineEdit(pack.teacher_name, self)
        self.present = QLineEdit(self)
        self.present.setPlaceholderText(self.tr("如：母亲、祖父母"))
        self.findings = QPlainTextEdit(self)
        self.findings.setPlaceholderText(self.tr("家庭情况、家长反映、需要学校配合的事"))
        self.family: dict[str, QCheckBox] = {}
        row = QGridLayout()
        for k, (code, label) in enumerate(FAMILY_SITUATIONS.items()):
            box = QCheckBox(label, self)
            self.family[code] = box
            row.addWidget(box, k // 3, k % 3)
        holder = QWidget(self)
        holder.setLayout(row)
        self.add_row(self.tr("日期(&D)："), self.day)
        self.add_row(self.tr("家访人员(&V)："), self.visitors)
        self.add_row(self.tr("在场家庭成员(&P)："), self.present)
        self.add_row(self.tr("家访情况(&F)："), self.findings)
        self.add_row(self.tr("家庭情况："), holder)
        self.present.setFocus()

    def save(self) -> dict:
        return self.pack.add_home_visit(self.student_no, visitors=self.visitors.text(), present=self.present.text(),
                                        text=self.findings.toPlainText(), day=_py(self.day),
                                        family=[c for c, b in self.family.items() if b.isChecked()])


class FollowUpDialog(_EntryDialog):
    def __init__(self, pack: TeacherPack, student_no: str, parent: QWidget | None = None) -> None:
        super().__init__(pack, student_no, "记录随访", parent)
        self.day = _date_edit(self, pack.today)
        self.method = QComboBox(self)
        for code, label in FOLLOW_UP_METHODS.items():
            self.method.addItem(label, code)
        self.summary = QPlainTextEdit(self)
        self.summary.setPlaceholderText(self.tr("谈了什么，学生状态如何"))
        self.level = QComboBox(self)
        self.level.addItem(self.tr("不建议调整"), None)
        for lv in pack.data.get("levels", []):
            self.level.addItem(self.tr("建议调整为 ") + lv["name"], lv["code"])
        st = next((s for s in pack.students() if s.student_no == student_no), None)
        if st is not None and st.level_name:
            due = st.next_due.isoformat() if st.next_due else self.tr("未定")
            task = QLabel(self.tr("当前等级：%1　下次随访：%2").replace("%1", st.level_name).replace("%2", due), self)
            task.setObjectName("followUpTask")
            self.form.addRow(task)
        self.add_row(self.tr("日期(&D)："), self.day)
        self.add_row(self.tr("方式(&M)："), self.method)
        self.add_row(self.tr("随访情况(&T)："), self.summary)
        self.add_row(self.tr("预警等级(&L)："), self.level)
        self.summary.setFocus()

    def save(self) -> dict:
        return self.pack.add_follow_up(self.student_no, summary=self.summary.toPlainText(),
                                       method=self.method.currentData(), day=_py(self.day),
                                       proposed_level=self.level.currentData())


class UrgentDialog(QDialog):
    """紧急情况: whom to phone, now. Nothing is saved or sent from here."""

    def __init__(self, pack: TeacherPack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("紧急情况"))
        head = QLabel(self.tr("请立即打电话给心理老师 %1，并按学校的危机处置流程处理。").replace("%1", pack.counselor_name), self)
        head.setWordWrap(True)
        font = head.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        head.setFont(font)
        steps = QLabel(self.tr(
            "· 有自伤、自杀或伤人风险时，不要让学生独处，留在安全的地方。\n"
            "· 联系不上心理老师时，打给分管校领导；危及生命时拨打 120 / 110。\n"
            "· 处理完后再在这里补一条“紧急”观察记录，交回文件只是补记，不是报警。"), self)
        steps.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(steps)
        layout.addWidget(buttons, alignment=Qt.AlignmentFlag.AlignRight)
        # Wrapped labels: fix the width first, then let the height follow, so no line is cut off.
        self.setFixedWidth(self.fontMetrics().horizontalAdvance("中") * 36)
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetFixedSize)


class RatingDialog(_EntryDialog):
    """班主任评定: one choice per item of the teacher-rated form; every item must be rated."""

    def __init__(self, pack: TeacherPack, student_no: str, task: dict, parent: QWidget | None = None) -> None:
        super().__init__(pack, student_no, "班主任评定", parent)
        self.task = task
        _task, self.defn = pack.rating_definition(task["campaign_uuid"], task["instrument_id"])
        title = QLabel(f"{task['name']}　（{task['campaign_name']}）", self)
        title.setWordWrap(True)
        self.form.addRow(title)
        intro = QLabel(self.defn.text("instructions"), self)
        intro.setWordWrap(True)
        intro.setStyleSheet("color: #5b6470;")
        self.form.addRow(intro)
        self.choices: list[QComboBox] = []
        for it in self.defn.items:
            box = QComboBox(self)
            box.addItem(self.tr("—请选择—"), None)
            for o in it.options:
                box.addItem(o.label_zh, o.value)
            box.setAccessibleName(it.display_text())
            self.choices.append(box)
            label = QLabel(f"{it.position}. {it.display_text()}", self)
            label.setWordWrap(True)
            label.setBuddy(box)
            self.form.addRow(label, box)
        if self.choices:
            self.choices[0].setFocus()

    def save(self) -> dict:
        return self.pack.add_rating(self.student_no, self.task["campaign_uuid"], self.task["instrument_id"],
                                    [b.currentData() for b in self.choices])
