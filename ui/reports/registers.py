"""登记 dialog of the 报告 page: the small forms behind plan figures the rest of the app does not
record — a staff member and their post, a training with its hours, a lesson or themed activity.
Each 保存 is one core call (``xadesk.reports.plan_records``); a refusal shows its message in the
dialog's banner and nothing is saved."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xadesk.errors import UserError
from xadesk.reports import plan_records as P
from xadesk.services.context import AppContext

from ..messages import MessageBanner


def _date_edit(parent: QWidget) -> QDateEdit:
    d = QDateEdit(QDate.currentDate(), parent)
    d.setCalendarPopup(True)
    d.setDisplayFormat("yyyy-MM-dd")
    d.setMaximumDate(QDate.currentDate())
    return d


class RegistersDialog(QDialog):
    def __init__(self, ctx: AppContext, classes: list[tuple[int, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("登记人员、培训与活动"))
        self.banner = MessageBanner(self)
        tabs = QTabWidget(self)
        # staff
        staff = QWidget(self)
        self.staff_name = QLineEdit(staff)
        self.staff_post = QComboBox(staff)
        for key, label in P.POSTS.items():
            self.staff_post.addItem(label, key)
        self.staff_save = QPushButton(self.tr("保存(&S)"), staff)
        f = QFormLayout(staff)
        f.addRow(self.tr("姓名(&N)："), self.staff_name)
        f.addRow(self.tr("岗位(&P)："), self.staff_post)
        f.addRow("", self.staff_save)
        tabs.addTab(staff, self.tr("教职工"))
        # training
        training = QWidget(self)
        self.training_staff = QComboBox(training)
        self.training_date = _date_edit(training)
        self.training_hours = QDoubleSpinBox(training)
        self.training_hours.setRange(0.5, P.MAX_HOURS_ONE_TRAINING)
        self.training_hours.setSingleStep(0.5)
        self.training_hours.setValue(2)
        self.training_topic = QLineEdit(training)
        self.training_save = QPushButton(self.tr("保存(&S)"), training)
        f = QFormLayout(training)
        f.addRow(self.tr("教职工(&W)："), self.training_staff)
        f.addRow(self.tr("日期(&D)："), self.training_date)
        f.addRow(self.tr("学时(&H)："), self.training_hours)
        f.addRow(self.tr("主题(&T)："), self.training_topic)
        f.addRow("", self.training_save)
        tabs.addTab(training, self.tr("培训学时"))
        # lessons and activities
        activity = QWidget(self)
        self.activity_kind = QComboBox(activity)
        for key, label in P.KINDS.items():
            self.activity_kind.addItem(label, key)
        self.activity_date = _date_edit(activity)
        self.activity_title = QLineEdit(activity)
        self.activity_class = QComboBox(activity)
        self.activity_class.addItem(self.tr("全校"), None)
        for _cid, label, _g in classes:
            self.activity_class.addItem(label, label)
        self.activity_save = QPushButton(self.tr("保存(&S)"), activity)
        f = QFormLayout(activity)
        f.addRow(self.tr("类型(&K)："), self.activity_kind)
        f.addRow(self.tr("日期(&D)："), self.activity_date)
        f.addRow(self.tr("主题(&T)："), self.activity_title)
        f.addRow(self.tr("班级(&C)："), self.activity_class)
        f.addRow("", self.activity_save)
        tabs.addTab(activity, self.tr("课程与活动"))
        self.tabs = tabs
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        self.staff_save.clicked.connect(self.save_staff)
        self.training_save.clicked.connect(self.save_training)
        self.activity_save.clicked.connect(self.save_activity)
        self.saved = 0
        self._load_staff()

    def _load_staff(self) -> None:
        self.training_staff.clear()
        for row in P.list_staff(self.ctx):
            if row.active:
                self.training_staff.addItem(f"{row.name}（{row.post_label}）", row.id)

    def _do(self, fn, done: str) -> bool:
        try:
            fn()
        except UserError as exc:
            self.banner.show_error(str(exc))
            return False
        self.saved += 1
        self.banner.show_success(done)
        return True

    def save_staff(self) -> None:
        if self._do(lambda: P.add_staff(self.ctx, self.staff_name.text(), self.staff_post.currentData()),
                    self.tr("已登记教职工。")):
            self.staff_name.clear()
            self._load_staff()

    def save_training(self) -> None:
        sid = self.training_staff.currentData()
        if sid is None:
            self.banner.show_error(self.tr("请先在“教职工”页登记人员。"))
            return
        if self._do(lambda: P.add_training(self.ctx, sid, held_on=self.training_date.date().toPython(),
                                           hours=self.training_hours.value(), topic=self.training_topic.text()),
                    self.tr("已登记培训学时。")):
            self.training_topic.clear()

    def save_activity(self) -> None:
        if self._do(lambda: P.add_activity(self.ctx, self.activity_kind.currentData(),
                                           held_on=self.activity_date.date().toPython(),
                                           title=self.activity_title.text(), class_=self.activity_class.currentData()),
                    self.tr("已登记。")):
            self.activity_title.clear()
