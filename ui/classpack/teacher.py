"""Teacher mode: a homeroom teacher's own PC, no school database, one class pack.

* :class:`PackOpenDialog` — choose the pack, type its passphrase (opening runs off the UI thread);
* :class:`TeacherWindow` — the class list (level, own follow-up tasks, monitors, home visits) and a
  quick observation panel: pick a student, type what you saw, click its category — saved at once;
  家访 / 随访 / 健康委员 forms; a 紧急情况 button; the entries not yet returned;
* :class:`ReturnDialog` — write the return file for the counselor.

Every entry is written to the encrypted journal beside the pack before the form closes
(``xadesk.classpack.teacher``), so closing the window, a crash or a power cut loses nothing saved.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xadesk.archive import kinds as K
from xadesk.classpack.content import describe
from xadesk.classpack.teacher import TeacherPack
from xadesk.errors import UserError

from .. import messages
from ..formutil import set_primary
from ..messages import MessageBanner
from ..worker import BackgroundOp
from .forms import FollowUpDialog, HomeVisitDialog, RatingDialog, UrgentDialog, urgent_label

PACK_FILTER = "班级包 (*.xadx);;所有文件 (*)"


class PackOpenDialog(QDialog):
    """Choose a class pack and type its passphrase; ``pack`` is set once it opened."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("打开班级包（班主任）"))
        self.pack: TeacherPack | None = None
        self.banner = MessageBanner(self)
        intro = QLabel(self.tr("心理老师发给您的班级包文件和口令条。记录保存在本机班级包旁边的加密文件里，"
                               "写完后生成交回文件交给心理老师。"), self)
        intro.setWordWrap(True)
        self.file_edit = QLineEdit(self)
        self.file_edit.setAccessibleName(self.tr("班级包文件"))
        browse = QPushButton(self.tr("浏览(&B)…"), self)
        browse.clicked.connect(self.browse)
        self.passphrase_edit = QLineEdit(self)
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setAccessibleName(self.tr("班级包口令"))
        row = QHBoxLayout()
        row.addWidget(self.file_edit, 1)
        row.addWidget(browse)
        form = QFormLayout()
        label = QLabel(self.tr("班级包(&K)："), self)
        label.setBuddy(self.file_edit)
        form.addRow(label, row)
        label = QLabel(self.tr("口令(&P)："), self)
        label.setBuddy(self.passphrase_edit)
        form.addRow(label, self.passphrase_edit)
        buttons = QDialogButtonBox(self)
        self.open_button = buttons.addButton(self.tr("打开"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        set_primary(self.open_button)
        buttons.accepted.connect(self.open_pack)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 36)

    def browse(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, self.tr("选择班级包"), "", self.tr(PACK_FILTER))
        if path:
            self.file_edit.setText(path)

    def open_pack(self) -> BackgroundOp | None:
        text = self.file_edit.text().strip()
        if not text or not Path(text).is_file():
            self.banner.show_error(self.tr("请选择心理老师发给您的班级包文件。"))
            return None
        phrase = self.passphrase_edit.text()

        def done(pack: TeacherPack) -> None:
            self.pack = pack
            self.accept()

        return (BackgroundOp(self, lambda _t: TeacherPack.open(Path(text), phrase), title=self.tr("正在打开班级包…"),
                             cancellable=False)
                .success(done).failure(self.banner.show_user_error).run())


class ReturnDialog(QDialog):
    """Write the return: how many entries, where to, then what to do with the file."""

    def __init__(self, pack: TeacherPack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pack = pack
        self.written: Path | None = None
        self.setWindowTitle(self.tr("生成交回文件"))
        self.banner = MessageBanner(self)
        n = len(pack.unreturned())
        self.count_label = QLabel(self.tr("本机有 %1 条记录尚未交回。交回文件用班级包的口令加密，请拷到 U 盘或用学校的文件传输方式"
                                          "交给心理老师 %2 导入。").replace("%1", str(n)).replace("%2", pack.counselor_name), self)
        self.count_label.setWordWrap(True)
        default = pack.path.parent / f"交回-{pack.class_label}-{pack.today.isoformat()}.xadx"
        self.path_edit = QLineEdit(str(default), self)
        self.path_edit.setAccessibleName(self.tr("交回文件保存位置"))
        browse = QPushButton(self.tr("另存为(&B)…"), self)
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        buttons = QDialogButtonBox(self)
        self.write_button = buttons.addButton(self.tr("生成交回文件(&W)"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        set_primary(self.write_button)
        self.write_button.setEnabled(n > 0)
        buttons.accepted.connect(self.write)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(urgent_label(self))
        layout.addWidget(self.count_label)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 40)

    def browse(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, self.tr("保存交回文件"), self.path_edit.text(), self.tr(PACK_FILTER))
        if path:
            self.path_edit.setText(path)

    def write(self) -> BackgroundOp | None:
        out = Path(self.path_edit.text().strip())
        pack = self.pack

        def done(n: int) -> None:
            self.written = out
            self.write_button.setEnabled(False)
            self.banner.show_success(self.tr("已生成交回文件 %1（%2 条记录）。请交给心理老师导入；记录仍保留在本机，"
                                             "下次领到新的班级包时会自动核对。").replace("%1", out.name).replace("%2", str(n)))

        return (BackgroundOp(self, lambda _t: pack.write_return(out), title=self.tr("正在生成交回文件…"),
                             cancellable=False)
                .success(done).failure(self.banner.show_user_error).run())


class TeacherWindow(QMainWindow):
    COLUMNS = ("姓名", "性别", "预警等级", "我的随访", "健康委员", "本学年家访", "班主任评定")

    def __init__(self, pack: TeacherPack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pack = pack
        self.setObjectName("teacherWindow")
        self.setWindowTitle(self.tr("XA Desk 班主任模式 — %1").replace("%1", pack.class_label))
        central = QWidget(self)
        self.banner = MessageBanner(central)
        head = QLabel(self.tr("%1　班主任：%2　班级包有效期至 %3").replace("%1", pack.class_label)
                      .replace("%2", pack.teacher_name).replace("%3", pack.expires_on.isoformat()), central)
        font = head.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        head.setFont(font)
        self.urgent_button = QPushButton(self.tr("紧急情况(&U)"), central)
        self.urgent_button.setObjectName("urgentButton")
        self.urgent_button.setStyleSheet("background: #b3261e; color: white; font-weight: bold; padding: 6px 16px;")
        self.urgent_button.clicked.connect(self.show_urgent)
        top = QHBoxLayout()
        top.addWidget(head, 1)
        top.addWidget(self.urgent_button)

        self.table = QTableWidget(0, len(self.COLUMNS), central)
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        # Quick observation: what you saw, then one click on its category saves it.
        obs = QGroupBox(self.tr("日常观察：选学生，写一句，点类别即保存"), central)
        self.obs_text = QLineEdit(obs)
        self.obs_text.setPlaceholderText(self.tr("看到了什么（如：课间一个人坐着，不愿说话）"))
        self.obs_text.setAccessibleName(self.tr("观察内容"))
        self.severity = QComboBox(obs)
        for code, label in K.SEVERITIES.items():
            self.severity.addItem(label, code)
        self.severity.setAccessibleName(self.tr("程度"))
        self.category_buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for i, (code, label) in enumerate(K.OBSERVATION_CATEGORIES.items()):
            b = QPushButton(label, obs)
            b.setObjectName(f"category_{code}")
            b.clicked.connect(lambda _c=False, c=code: self.save_observation(c))
            self.category_buttons[code] = b
            grid.addWidget(b, i // 4, i % 4)
        sev_row = QHBoxLayout()
        sev_row.addWidget(QLabel(self.tr("程度："), obs))
        sev_row.addWidget(self.severity)
        sev_row.addStretch(1)
        obs_layout = QVBoxLayout(obs)
        obs_layout.addWidget(urgent_label(obs))
        obs_layout.addWidget(self.obs_text)
        obs_layout.addLayout(sev_row)
        obs_layout.addLayout(grid)

        self.visit_button = QPushButton(self.tr("家访(&V)…"), central)
        self.visit_button.clicked.connect(self.home_visit)
        self.follow_button = QPushButton(self.tr("随访(&F)…"), central)
        self.follow_button.clicked.connect(self.follow_up)
        self.monitor_button = QPushButton(self.tr("健康委员(&M)"), central)
        self.monitor_button.clicked.connect(self.toggle_monitor)
        self.rate_button = QPushButton(self.tr("班主任评定(&T)…"), central)
        self.rate_button.clicked.connect(self.rate)
        self.rate_button.setVisible(bool(pack.rating_tasks()))
        self.return_button = QPushButton(self.tr("生成交回文件(&R)…"), central)
        self.return_button.clicked.connect(self.make_return)
        set_primary(self.return_button)
        actions = QHBoxLayout()
        for b in (self.visit_button, self.follow_button, self.monitor_button, self.rate_button):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.return_button)

        self.entries_label = QLabel(central)
        self.entries = QTableWidget(0, 3, central)
        self.entries.setHorizontalHeaderLabels([self.tr("日期"), self.tr("学生"), self.tr("记录")])
        self.entries.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.entries.verticalHeader().setVisible(False)
        self.entries.horizontalHeader().setStretchLastSection(True)
        self.entries.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.entries.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.entries.itemSelectionChanged.connect(self._entry_selection_changed)
        # One click saves, so a wrong click must be undoable before the return goes to school.
        self.withdraw_button = QPushButton(self.tr("撤回所选记录(&W)…"), central)
        self.withdraw_button.clicked.connect(self.withdraw_selected)

        right = QWidget(central)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(obs)
        rl.addLayout(actions)
        entries_head = QHBoxLayout()
        entries_head.addWidget(self.entries_label, 1)
        entries_head.addWidget(self.withdraw_button)
        rl.addLayout(entries_head)
        rl.addWidget(self.entries, 1)
        split = QSplitter(Qt.Orientation.Horizontal, central)
        split.addWidget(self.table)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        self.split = split
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.setCentralWidget(central)
        if pack.roster_only:
            self.follow_button.setVisible(False)
        self.obs_box = obs
        self.refresh()
        self._selection_changed()
        em = self.fontMetrics().horizontalAdvance("中")
        self.resize(em * 96, em * 46)
        self.split.setSizes([em * 44, em * 52])

    # --- view -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        current = self.selected_student()
        students = self.pack.students()
        self.table.setRowCount(len(students))
        for r, st in enumerate(students):
            cells = [st.name, "男" if st.sex == "M" else "女", st.level_name or "",
                     (st.next_due.isoformat() if st.next_due else self.tr("有")) if st.mine else "",
                     "✓" if st.monitor else "", "✓" if st.visited else self.tr("未家访"),
                     self._rating_state(st.student_no)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, st.student_no)
                if c == 2 and st.level_colour:
                    item.setForeground(QColor(st.level_colour))
                if c == 3 and st.mine and st.next_due and st.next_due < self.pack.today:
                    # An overdue follow-up task stands out, as on the school PC's grid list.
                    item.setForeground(QColor("#b3261e"))
                    item.setText(self.tr("%1 已逾期").replace("%1", st.next_due.isoformat()))
                self.table.setItem(r, c, item)
            if st.student_no == current:
                self.table.selectRow(r)
        self.table.resizeColumnsToContents()
        rows = self.pack.unreturned()
        self.entries_label.setText(self.tr("本机已保存、尚未交回的记录：%1 条").replace("%1", str(len(rows))))
        self.entries.setRowCount(len(rows))
        for r, e in enumerate(reversed(rows)):
            for c, text in enumerate((e["date"], self.pack.name_of(e["student_no"]), describe(e))):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, e["id"])
                self.entries.setItem(r, c, item)
        self.entries.resizeColumnToContents(0)
        self.entries.resizeColumnToContents(1)
        self._entry_selection_changed()

    def _selected_entry(self) -> str | None:
        rows = self.entries.selectionModel().selectedRows() if self.entries.selectionModel() else []
        if not rows:
            return None
        item = self.entries.item(rows[0].row(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _entry_selection_changed(self) -> None:
        has = self._selected_entry() is not None
        self.withdraw_button.setEnabled(has)
        self.withdraw_button.setToolTip("" if has else self.tr("先在下面的列表中选中要撤回的记录"))

    def withdraw_selected(self) -> dict | None:
        eid = self._selected_entry()
        if eid is None:
            return None
        entry = next((e for e in self.pack.unreturned() if e["id"] == eid), None)
        if entry is None:
            return None
        text = (self.tr("撤回这条记录？它不会交给学校。\n\n%1　%2\n\n如果已经生成过交回文件，请删掉旧文件，重新生成。")
                .replace("%1", self.pack.name_of(entry["student_no"])).replace("%2", describe(entry)))
        if not messages.question(self, text, yes=self.tr("撤回")):
            return None
        try:
            self.pack.withdraw(eid)
        except UserError as exc:
            self.banner.show_user_error(exc)
            return None
        self.refresh()
        self.banner.show_success(self.tr("已撤回：%1 %2").replace("%1", self.pack.name_of(entry["student_no"]))
                                 .replace("%2", describe(entry)))
        return entry

    def _rating_state(self, student_no: str) -> str:
        tasks = [t for t in self.pack.rating_tasks() if student_no in t["students"]]
        if not tasks:
            return ""
        done = sum(student_no in self.pack.rated(t["campaign_uuid"], t["instrument_id"]) for t in tasks)
        return self.tr("已评") if done == len(tasks) else self.tr("未评")

    def selected_student(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def select_student(self, student_no: str) -> None:
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == student_no:
                self.table.selectRow(r)
                return

    def _student(self):
        no = self.selected_student()
        return next((s for s in self.pack.students() if s.student_no == no), None)

    def _selection_changed(self) -> None:
        st = self._student()
        has = st is not None
        self.obs_box.setTitle(self.tr("日常观察：%1 — 写一句，点类别即保存").replace("%1", st.name) if st
                              else self.tr("日常观察：先在左边选一名学生"))
        for b in (*self.category_buttons.values(), self.visit_button, self.monitor_button):
            b.setEnabled(has)
        self.follow_button.setEnabled(bool(st and st.level))
        self.rate_button.setEnabled(bool(st and self._tasks_for(st.student_no)))
        self.monitor_button.setText(self.tr("卸任健康委员(&M)") if st and st.monitor else self.tr("登记为健康委员(&M)"))

    # --- entries --------------------------------------------------------------------------------
    def _saved(self, entry: dict) -> None:
        self.refresh()
        self.banner.show_success(self.tr("已保存：%1 %2").replace("%1", self.pack.name_of(entry["student_no"]))
                                 .replace("%2", describe(entry)))

    def save_observation(self, category: str) -> dict | None:
        no = self.selected_student()
        if no is None:
            return None
        try:
            entry = self.pack.add_observation(no, category=category, text=self.obs_text.text(),
                                              severity=self.severity.currentData())
        except UserError as exc:
            self.banner.show_user_error(exc)
            self.obs_text.setFocus()
            return None
        self.obs_text.clear()
        self.severity.setCurrentIndex(0)
        self._saved(entry)
        if entry["severity"] == "urgent":
            messages.warning(self, self.tr("已记下这条“紧急”观察。交回文件不是报警：请现在就打电话给心理老师 %1。")
                             .replace("%1", self.pack.counselor_name), title=self.tr("紧急情况"))
        return entry

    def _form(self, dialog) -> None:
        if dialog.exec() and dialog.entry:
            self._saved(dialog.entry)

    def home_visit(self) -> None:
        no = self.selected_student()
        if no:
            self._form(HomeVisitDialog(self.pack, no, self))

    def follow_up(self) -> None:
        no = self.selected_student()
        if no:
            self._form(FollowUpDialog(self.pack, no, self))

    def _tasks_for(self, student_no: str) -> list[dict]:
        return [t for t in self.pack.rating_tasks() if student_no in t["students"]]

    def rate(self) -> None:
        no = self.selected_student()
        tasks = self._tasks_for(no) if no else []
        if not tasks:
            return
        todo = [t for t in tasks if no not in self.pack.rated(t["campaign_uuid"], t["instrument_id"])]
        self._form(RatingDialog(self.pack, no, (todo or tasks)[0], self))

    def toggle_monitor(self) -> None:
        st = self._student()
        if st is None:
            return
        action = "end" if st.monitor else "appoint"
        text = (self.tr("让 %1 卸任健康委员？") if st.monitor else self.tr("登记 %1 为本班健康委员？")).replace("%1", st.name)
        if not messages.question(self, text, yes=self.tr("确定")):
            return
        try:
            self._saved(self.pack.add_monitor(st.student_no, action))
        except UserError as exc:
            self.banner.show_user_error(exc)

    def show_urgent(self) -> None:
        UrgentDialog(self.pack, self).exec()

    def make_return(self) -> ReturnDialog:
        dialog = ReturnDialog(self.pack, self)
        dialog.exec()
        return dialog
