"""健康委员: the class health monitors registry (two per middle-school class) and their training
sessions (two a semester). One row per class in scope with what is missing; the chosen class's
monitors below. Registering needs ``grid.monitors`` (homeroom teachers: their class); trainings
``grid.manage``.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xadesk.services import grid_monitors as M
from xadesk.services import roster
from xadesk.services.context import AppContext

from .. import messages
from ..formutil import set_primary
from ..messages import MessageBanner
from ..tablemodel import CENTER, Column, configure_table_view
from ..worker import BackgroundOp
from .common import OVERDUE_RED, StyledRowModel, day_text


class MonitorsPanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: QDialog | None = None
        self.all_monitors: list[M.MonitorRow] = []
        self.banner = MessageBanner(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("monitorSummary")
        self.class_model = StyledRowModel([
            Column("班级", "class_label"),
            Column("健康委员", lambda c: f"{c.monitors}/{c.monitors_needed}", align=CENTER),
            Column("本学期培训（每人）", lambda c: "、".join(f"{t} 次" for t in c.trainings) or "—"),
            Column("达标", "compliant", align=CENTER, fmt=lambda b: "达标" if b else "未达标"),
        ], lambda c, col: (OVERDUE_RED, None, True) if col == 3 and not c.compliant else None, self)
        self.class_view = QTableView(self)
        self.class_view.setObjectName("monitorClasses")
        self.class_view.setModel(self.class_model)
        configure_table_view(self.class_view)
        self.class_view.selectionModel().currentRowChanged.connect(lambda *_a: self._show_class())
        self.monitor_model = StyledRowModel([
            Column("姓名", "name"), Column("学籍号", "student_no"), Column("登记日期", "appointed_on", fmt=day_text),
            Column("本学期培训", "trainings_this_semester", align=CENTER, fmt=lambda n: f"{n} 次"),
        ], lambda m, col: (OVERDUE_RED, None, True) if col == 3 and m.trainings_this_semester < 2 else None, self)
        self.monitor_view = QTableView(self)
        self.monitor_view.setObjectName("monitorList")
        self.monitor_view.setModel(self.monitor_model)
        configure_table_view(self.monitor_view)
        self.register_button = QPushButton(self.tr("登记健康委员(&N)…"), self)
        self.end_button = QPushButton(self.tr("卸任(&X)"), self)
        self.training_button = QPushButton(self.tr("记录培训(&P)…"), self)
        self.register_button.clicked.connect(self.register)
        self.end_button.clicked.connect(self.end)
        self.training_button.clicked.connect(self.record_training)
        for b in (self.register_button, self.end_button):
            b.setVisible(ctx.actor.can("grid.monitors"))
        self.training_button.setVisible(ctx.actor.can("grid.manage"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.register_button)
        buttons.addWidget(self.end_button)
        buttons.addStretch(1)
        buttons.addWidget(self.training_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.banner)
        layout.addWidget(self.class_view, 3)
        layout.addWidget(QLabel(self.tr("所选班级的健康委员"), self))
        layout.addWidget(self.monitor_view, 2)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        ctx = self.ctx
        (BackgroundOp(self, lambda _t: (M.compliance(ctx), M.monitors(ctx)), title=self.tr("正在读取…"),
                      cancellable=False)
         .success(self._loaded).failure(self.banner.show_user_error).run())

    def _loaded(self, result) -> None:
        classes, mons = result
        current = self.current_class()
        self.all_monitors = mons
        self.class_model.set_rows(classes)
        self.class_view.resizeColumnsToContents()
        ok = sum(1 for c in classes if c.compliant)
        self.summary.setText(self.tr("中学班级 {n} 个，达标 {ok} 个（每班 {per} 名健康委员，每人每学期培训 {t} 次）").format(
            n=len(classes), ok=ok, per=M.PER_CLASS, t=M.TRAININGS_PER_SEMESTER))
        if not classes:
            self.banner.show_info(self.tr("您能看到的范围内没有中学班级：健康委员按计划在初中、高中、中职班级设立。"))
        row = self.class_model.row_of(lambda c: current is not None and c.class_id == current.class_id)
        self.class_view.selectRow(max(row, 0))
        self._show_class()

    def current_class(self) -> M.ClassCompliance | None:
        index = self.class_view.currentIndex()
        return self.class_model.row_at(index) if index.isValid() else None

    def select_class(self, label: str) -> bool:
        row = self.class_model.row_of(lambda c: c.class_label == label)
        if row >= 0:
            self.class_view.selectRow(row)
            self.class_view.setCurrentIndex(self.class_model.index(row, 0))
        return row >= 0

    def _show_class(self) -> None:
        c = self.current_class()
        self.monitor_model.set_rows([m for m in self.all_monitors if c is not None and m.class_id == c.class_id])
        self.monitor_view.resizeColumnsToContents()

    def register(self) -> QDialog | None:
        c = self.current_class()
        if c is None:
            self.banner.show_info(self.tr("请先选中一个班级。"))
            return None
        self.dialog = RegisterDialog(self.ctx, c, self)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.accepted.connect(self.reload)
        self.dialog.open()
        return self.dialog

    def end(self) -> None:
        index = self.monitor_view.currentIndex()
        if not index.isValid():
            self.banner.show_info(self.tr("请先在下方选中一名健康委员。"))
            return
        m = self.monitor_model.row_at(index)
        if not messages.question(self, self.tr("{name} 卸任健康委员？").format(name=m.name), yes=self.tr("卸任")):
            return
        ctx = self.ctx
        (BackgroundOp(self, lambda _t: M.end_monitor(ctx, m.id), title=self.tr("正在保存…"), cancellable=False)
         .success(lambda _r: self.reload()).failure(self.banner.show_user_error).run())

    def record_training(self) -> QDialog:
        self.dialog = TrainingDialog(self.ctx, self.all_monitors, self)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.accepted.connect(self.reload)
        self.dialog.open()
        return self.dialog


def _buttons(dialog, text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(dialog)
    set_primary(box.addButton(text, QDialogButtonBox.ButtonRole.AcceptRole))
    box.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
    box.accepted.connect(dialog.submit)
    box.rejected.connect(dialog.reject)
    return box


class RegisterDialog(QDialog):
    def __init__(self, ctx: AppContext, cls: M.ClassCompliance, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("登记健康委员 · {c}").format(c=cls.class_label))
        self.banner = MessageBanner(self)
        self.student = QComboBox(self)
        self.student.setObjectName("monitorStudent")
        for st in roster.list_students(ctx, class_=cls.class_label):
            self.student.addItem(f"{st.name}（{st.student_no[-6:]}）", st.id)
        self.day = QDateEdit(QDate.currentDate(), self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setMaximumDate(QDate.currentDate())
        form = QFormLayout()
        for text, w in ((self.tr("学生(&S)："), self.student), (self.tr("登记日期(&D)："), self.day)):
            lab = QLabel(text, self)
            lab.setBuddy(w)
            form.addRow(lab, w)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, self.tr("登记")))

    def submit(self) -> None:
        ctx, sid, day = self.ctx, self.student.currentData(), self.day.date().toPython()
        if sid is None:
            self.banner.show_error(self.tr("这个班没有在读学生可选。"))
            return
        (BackgroundOp(self, lambda _t: M.register_monitor(ctx, sid, appointed_on=day), title=self.tr("正在保存…"),
                      cancellable=False)
         .success(lambda _r: self.accept()).failure(self.banner.show_user_error).run())


class TrainingDialog(QDialog):
    def __init__(self, ctx: AppContext, monitors: list[M.MonitorRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("记录健康委员培训"))
        self.banner = MessageBanner(self)
        self.day = QDateEdit(QDate.currentDate(), self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setMaximumDate(QDate.currentDate())
        self.topic = QLineEdit(self)
        self.topic.setObjectName("trainingTopic")
        self.trainer = QLineEdit(ctx.actor.display_name, self)
        self.attendees = QListWidget(self)
        self.attendees.setObjectName("trainingAttendees")
        for m in monitors:
            item = QListWidgetItem(f"{m.class_label}　{m.name}", self.attendees)
            item.setData(Qt.ItemDataRole.UserRole, m.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
        form = QFormLayout()
        for text, w in ((self.tr("日期(&D)："), self.day), (self.tr("主题(&T)："), self.topic),
                        (self.tr("培训人(&R)："), self.trainer), (self.tr("参加的健康委员(&A)："), self.attendees)):
            lab = QLabel(text, self)
            lab.setBuddy(w)
            form.addRow(lab, w)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, self.tr("保存培训")))
        self.resize(self.fontMetrics().horizontalAdvance("中") * 34, self.fontMetrics().height() * 26)

    def submit(self) -> None:
        ids = [self.attendees.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.attendees.count())
               if self.attendees.item(i).checkState() == Qt.CheckState.Checked]
        if not ids:
            self.banner.show_error(self.tr("请至少勾选一名参加培训的健康委员。"))
            return
        ctx, day, topic, trainer = self.ctx, self.day.date().toPython(), self.topic.text(), self.trainer.text()
        (BackgroundOp(self, lambda _t: M.record_training(ctx, held_on=day, topic=topic, monitor_ids=ids,
                                                           trainer=trainer),
                      title=self.tr("正在保存…"), cancellable=False)
         .success(lambda _r: self.accept()).failure(self.banner.show_user_error).run())
