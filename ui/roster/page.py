"""学生名单: the class tree on the left, the filterable student table on the right.

The page loads every student the person may see once (one query, in a ``BackgroundOp``) and filters
in memory as the teacher types or picks a class, which stays smooth at 10,000 rows. Opening a
student (double-click or Enter) goes through ``roster.get_student``, which audits the view.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xadesk.services import roster
from xadesk.services.context import AppContext

from ..archive.observe import attach_record_menu
from ..mainwindow import PageSpec, register_page
from ..messages import MessageBanner
from ..tablemodel import RowTableModel, configure_table_view, connect_filter_edit
from ..worker import BackgroundOp
from .detail import StudentDetailDialog
from .import_wizard import ImportWizard
from .table import STATUS_COLUMN, RosterProxy, size_columns, student_columns
from .tree import ClassTree, Scope

# (status code or None for all, label); the first is the default view.
STATUS_CHOICES = (("enrolled", "在读"), (None, "全部"), ("transferred_out", "转出"), ("graduated", "毕业"),
                  ("suspended", "休学"))


class RosterPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.detail_dialog: StudentDetailDialog | None = None
        self.wizard = None
        self._load_op: BackgroundOp | None = None

        self.tree = ClassTree(self)
        self.tree.scope_changed.connect(self._scope_changed)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("rosterFilter")
        self.filter_edit.setPlaceholderText(self.tr("输入姓名、学籍号、班级或特殊群体筛选（Ctrl+F）"))
        self.filter_edit.setAccessibleName(self.tr("筛选学生"))
        filter_label = QLabel(self.tr("筛选(&T)："), self)
        filter_label.setBuddy(self.filter_edit)
        self.status_combo = QComboBox(self)
        self.status_combo.setObjectName("statusCombo")
        for code, label in STATUS_CHOICES:
            self.status_combo.addItem(self.tr(label), code)
        self.status_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.status_combo.setMinimumContentsLength(3)
        self.status_combo.setMinimumWidth(self.status_combo.sizeHint().width())
        self.filter_edit.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 12)
        status_label = QLabel(self.tr("学籍状态(&Z)："), self)
        status_label.setBuddy(self.status_combo)
        self.status_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.import_button: QPushButton | None = None
        toolbar = QHBoxLayout()
        toolbar.addWidget(filter_label)
        toolbar.addWidget(self.filter_edit, 1)
        toolbar.addSpacing(12)
        toolbar.addWidget(status_label)
        toolbar.addWidget(self.status_combo)
        if ctx.actor.can("roster.import"):
            self.import_button = QPushButton(self.tr("导入名单(&I)…"), self)
            self.import_button.setObjectName("importButton")
            self.import_button.clicked.connect(self.start_import)
            toolbar.addWidget(self.import_button)

        self.banner = MessageBanner(self)
        self.model = RowTableModel(student_columns(), self)
        self.proxy = RosterProxy(self.model, self)
        self.table = QTableView(self)
        self.table.setObjectName("studentTable")
        self.table.setAccessibleName(self.tr("学生列表"))
        self.table.setModel(self.proxy)
        configure_table_view(self.table)
        size_columns(self.table)
        self.table.activated.connect(self._open_index)  # double-click and Enter
        attach_record_menu(self.table, ctx, self._student_at)
        connect_filter_edit(self.filter_edit, self.proxy)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("countLabel")
        hint = QLabel(self.tr("双击或按回车查看学生信息"), self)
        hint.setObjectName("mutedHint")
        hint.setStyleSheet("color: #5b6470;")
        footer = QHBoxLayout()
        footer.addWidget(self.count_label)
        footer.addStretch(1)
        footer.addWidget(hint)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(toolbar)
        right_layout.addWidget(self.banner)
        right_layout.addWidget(self.table, 1)
        right_layout.addLayout(footer)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.tree)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        char = self.fontMetrics().horizontalAdvance("中")
        splitter.setSizes([char * 11, char * 60])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

        self.setTabOrder(self.tree, self.filter_edit)
        self.setTabOrder(self.filter_edit, self.status_combo)
        if self.import_button is not None:
            self.setTabOrder(self.status_combo, self.import_button)
            self.setTabOrder(self.import_button, self.table)
        else:
            self.setTabOrder(self.status_combo, self.table)
        self.reload()

    # -- loading ----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the tree and the students (after an import, or when the page is shown again)."""
        ctx, status = self.ctx, self.status_combo.currentData()

        def work(_task):
            return roster.class_tree(ctx), roster.list_students(ctx, status=status)

        self._load_op = (BackgroundOp(self, work, title=self.tr("正在读取学生名单…"), cancellable=False)
                         .success(self._loaded)
                         .failure(self.banner.show_user_error))
        self._load_op.run()

    def refresh(self) -> None:
        self.reload()

    def _loaded(self, result) -> None:
        tree, rows = result
        # Everyone in the list is 在读 when that is the filter: the column would only repeat it.
        self.table.setColumnHidden(STATUS_COLUMN, self.status_combo.currentData() == "enrolled")
        self.model.set_rows(rows)
        self.tree.set_tree(tree, whole_school=self.ctx.actor.sees_all)
        self.proxy.set_scope(self.tree.current_scope() or Scope())
        self._update_count()
        if not rows and not tree:
            if self.ctx.actor.can("roster.import"):
                self.banner.show_info(self.tr("还没有学生。按 Ctrl+I 或点“导入名单”从 Excel 或 CSV 文件导入学生名单。"))
            else:
                self.banner.show_info(self.tr("您负责的班级里还没有学生。请联系学校管理员导入名单或分配班级。"))
        elif self.banner.kind() == "info":
            self.banner.dismiss()

    def _scope_changed(self, scope: Scope) -> None:
        self.proxy.set_scope(scope)
        self._update_count()

    def _update_count(self, *_args: object) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        text = (self.tr("共 {total} 名学生").format(total=total) if shown == total
                else self.tr("显示 {shown} 名 / 共 {total} 名学生").format(shown=shown, total=total))
        self.count_label.setText(text)

    # -- actions ----------------------------------------------------------------------------------

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_student(self.proxy.row_at(index).id)

    def _student_at(self, pos) -> tuple[int, str] | None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return None
        r = self.proxy.row_at(index)
        return r.id, f"{r.class_label or ''} {r.name}".strip()

    def open_student(self, student_id: int) -> None:
        ctx = self.ctx
        (BackgroundOp(self, lambda _task: roster.get_student(ctx, student_id), title=self.tr("正在打开…"),
                      cancellable=False)
         .success(self._show_detail)
         .run())

    def _show_detail(self, detail: roster.StudentDetail) -> None:
        if self.detail_dialog is not None:
            self.detail_dialog.close()
        self.detail_dialog = StudentDetailDialog(detail, self)
        self.detail_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.detail_dialog.destroyed.connect(self._detail_closed)
        self.detail_dialog.open()

    def _detail_closed(self, *_args: object) -> None:
        self.detail_dialog = None

    def start_import(self) -> None:

        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.raise_()
            return
        self.wizard = ImportWizard(self.ctx, self)
        self.wizard.imported.connect(lambda _plan: self.reload())
        self.wizard.open()


register_page(PageSpec("roster", "学生名单", RosterPage, order=10, permission="roster.read"))
