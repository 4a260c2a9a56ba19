"""成长档案 page: the class list (open a student's archive, quick observation in two clicks), home-visit
coverage per class, transfer-file export and import, and the school-year promotion (administrators).

Every button is there only for people who may use it; the core checks again.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xadesk.domain.schoolyear import school_year_of
from xadesk.services import records, roster
from xadesk.services.context import AppContext

from ..mainwindow import PageSpec, register_page
from ..messages import MessageBanner
from ..roster.detail import DETAIL_ACTIONS
from ..tablemodel import (
    CENTER,
    Column,
    FilterProxy,
    RowTableModel,
    configure_table_view,
    connect_filter_edit,
    set_column_widths,
)
from ..worker import BackgroundOp
from .export import ExportDialog
from .import_dialog import ImportDialog
from .observe import HomeVisitDialog, ObservationDialog, attach_record_menu, open_record_dialog
from .view import open_archive
from .year import PromoteDialog


class ArchivePage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.archive_dialog = None
        self.dialog = None  # the observation / export / import / promote dialog open now
        can = ctx.actor.can
        self.banner = MessageBanner(self)

        # -- students -----------------------------------------------------------------------------
        self.class_combo = QComboBox(self)
        self.class_combo.setObjectName("classCombo")
        self.class_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        class_label = QLabel(self.tr("班级(&C)："), self)
        class_label.setBuddy(self.class_combo)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("archiveFilter")
        self.filter_edit.setPlaceholderText(self.tr("姓名或学籍号（Ctrl+F）"))
        filter_label = QLabel(self.tr("筛选(&T)："), self)
        filter_label.setBuddy(self.filter_edit)
        self.model = RowTableModel([
            Column(self.tr("班级"), "class_label"),
            Column(self.tr("姓名"), "name"),
            Column(self.tr("全国学籍号"), "student_no"),
        ], self)
        self.proxy = FilterProxy(self.model, parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("archiveStudents")
        self.table.setModel(self.proxy)
        configure_table_view(self.table)
        set_column_widths(self.table, (8, 6))
        connect_filter_edit(self.filter_edit, self.proxy)
        self.class_combo.currentIndexChanged.connect(lambda _i: self._load_students())
        self.table.activated.connect(self._activated)

        self.view_button = QPushButton(self.tr("查看档案(&O)"), self)
        self.view_button.setObjectName("viewArchive")
        self.view_button.setVisible(can("archive.read"))
        self.view_button.clicked.connect(self.open_selected)
        self.observe_button = QPushButton(self.tr("记录观察(&N)…"), self)
        self.observe_button.setObjectName("quickObservation")
        self.observe_button.setVisible(can("observation.write"))
        self.observe_button.clicked.connect(self.observe_selected)
        self.home_visit_button = QPushButton(self.tr("记录家访(&H)…"), self)
        self.home_visit_button.setObjectName("quickHomeVisit")
        self.home_visit_button.setVisible(can("homevisit.write"))
        self.home_visit_button.clicked.connect(self.home_visit_selected)
        attach_record_menu(self.table, ctx, self._student_at)
        self.export_button = QPushButton(self.tr("导出转移文件(&E)…"), self)
        self.export_button.setObjectName("exportArchives")
        self.export_button.setVisible(can("archive.export"))
        self.export_button.clicked.connect(self.start_export)
        self.import_button = QPushButton(self.tr("导入转移文件(&I)…"), self)
        self.import_button.setObjectName("importArchive")
        self.import_button.setVisible(can("archive.import"))
        self.import_button.clicked.connect(self.start_import)
        self.promote_button = QPushButton(self.tr("学年升级(&Y)…"), self)
        self.promote_button.setObjectName("promoteYear")
        self.promote_button.setVisible(can("school.manage"))
        self.promote_button.clicked.connect(self.start_promote)

        bar = QHBoxLayout()
        bar.addWidget(class_label)
        bar.addWidget(self.class_combo)
        bar.addSpacing(8)
        bar.addWidget(filter_label)
        bar.addWidget(self.filter_edit, 1)
        actions = QHBoxLayout()
        for b in (self.view_button, self.observe_button, self.home_visit_button):
            actions.addWidget(b)
        actions.addStretch(1)
        for b in (self.export_button, self.import_button, self.promote_button):
            actions.addWidget(b)
        students = QWidget(self)
        sl = QVBoxLayout(students)
        sl.addLayout(bar)
        sl.addWidget(self.table, 1)
        sl.addLayout(actions)

        # -- home-visit coverage ------------------------------------------------------------------
        self.year_combo = QComboBox(self)
        self.year_combo.setObjectName("yearCombo")
        this = school_year_of(date.today())
        self.year_combo.addItem(self.tr("本学年 {y}").format(y=this.label), this.label)
        last = f"{this.start.year - 1}-{this.start.year}"
        self.year_combo.addItem(self.tr("上学年 {y}").format(y=last), last)
        self.year_combo.currentIndexChanged.connect(lambda _i: self._load_coverage())
        year_label = QLabel(self.tr("学年(&U)："), self)
        year_label.setBuddy(self.year_combo)
        self.coverage_model = RowTableModel([
            Column(self.tr("班级"), "class_label"),
            Column(self.tr("人数"), "students", align=CENTER),
            Column(self.tr("已家访"), "visited", align=CENTER),
            Column(self.tr("覆盖率"), "ratio", align=CENTER, fmt=lambda r: f"{r:.0%}"),
            Column(self.tr("尚未家访"), lambda c: "、".join(n for _i, n in c.not_visited[:12])
                   + ("……" if len(c.not_visited) > 12 else "")),
        ], self)
        self.coverage_view = QTableView(self)
        self.coverage_view.setObjectName("coverageTable")
        self.coverage_view.setModel(self.coverage_model)
        configure_table_view(self.coverage_view)
        set_column_widths(self.coverage_view, (8, 4, 5, 5))
        self.coverage_note = QLabel(self)
        coverage = QWidget(self)
        cl = QVBoxLayout(coverage)
        row = QHBoxLayout()
        row.addWidget(year_label)
        row.addWidget(self.year_combo)
        row.addSpacing(12)
        row.addWidget(self.coverage_note, 1)
        cl.addLayout(row)
        cl.addWidget(self.coverage_view, 1)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("archiveTabs")
        self.tabs.addTab(students, self.tr("学生档案"))
        self.tabs.addTab(coverage, self.tr("家访覆盖"))
        self.tabs.currentChanged.connect(lambda i: self._load_coverage() if i == 1 else None)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.reload()

    # -- loading ----------------------------------------------------------------------------------

    def reload(self) -> None:
        (BackgroundOp(self, lambda _t: roster.class_tree(self.ctx), title=self.tr("正在读取班级…"), cancellable=False)
         .success(self._tree_loaded).failure(self.banner.show_user_error).run())

    def refresh(self) -> None:
        self._load_students()

    def _tree_loaded(self, tree) -> None:
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        for node in tree:
            for c in node.classes:
                self.class_combo.addItem(c.label, c.label)
        self.class_combo.blockSignals(False)
        self._load_students()

    def _load_students(self) -> None:
        label = self.class_combo.currentData()
        if label is None:
            self.model.set_rows([])
            return
        (BackgroundOp(self, lambda _t: roster.list_students(self.ctx, class_=label), title=self.tr("正在读取学生…"),
                      cancellable=False)
         .success(self._students_loaded).failure(self.banner.show_user_error).run())

    def _students_loaded(self, rows) -> None:
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)

    def _load_coverage(self) -> None:
        year = self.year_combo.currentData()
        (BackgroundOp(self, lambda _t: records.home_visit_coverage(self.ctx, school_year=year),
                      title=self.tr("正在统计家访覆盖…"), cancellable=False)
         .success(self._coverage_loaded).failure(self.banner.show_user_error).run())

    def _coverage_loaded(self, result) -> None:
        label, rows = result
        self.coverage_model.set_rows(rows)
        total = sum(c.students for c in rows)
        visited = sum(c.visited for c in rows)
        self.coverage_note.setText(self.tr("{y} 学年：{v} / {t} 名学生已家访（每生每学年至少一次）").format(
            y=label, v=visited, t=total))

    # -- actions ----------------------------------------------------------------------------------

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def selected(self):
        idx = self.table.currentIndex()
        return self.proxy.row_at(idx) if idx.isValid() else None

    def _activated(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        if self.ctx.actor.can("archive.read"):
            self.open_selected()
        else:  # an administrator: say why nothing opens instead of doing nothing
            self.banner.show_info(self.tr("档案内容含学生心理健康信息，只有心理健康教师、班主任、年级组长和校领导"
                                          "可以查看；管理员在这里管理转移文件和学年升级。"))

    def _student_at(self, pos) -> tuple[int, str] | None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return None
        r = self.proxy.row_at(index)
        return r.id, f"{r.class_label} {r.name}"

    def home_visit_selected(self) -> None:
        row = self.selected()
        if row is None:
            self.banner.show_info(self.tr("请先在列表中选中一名学生。"))
            return
        self.dialog = open_record_dialog(HomeVisitDialog, self.ctx, row.id, f"{row.class_label} {row.name}", self,
                                         lambda _sid: self.banner.show_success(
                                             self.tr("已记录对 {name} 的家访。").format(name=row.name)))

    def open_selected(self) -> None:

        row = self.selected()
        if row is not None:
            open_archive(self.ctx, row.id, self)

    def observe_selected(self) -> None:

        row = self.selected()
        if row is None:
            self.banner.show_info(self.tr("请先在列表中选中一名学生。"))
            return
        self.dialog = ObservationDialog(self.ctx, row.id, f"{row.class_label} {row.name}", self)
        self.dialog.saved.connect(lambda _sid: self.banner.show_success(
            self.tr("已记录对 {name} 的观察。").format(name=row.name)))
        self.dialog.open()

    def start_export(self) -> None:

        row = self.selected()
        self.dialog = ExportDialog(self.ctx, self, student=(row.id, f"{row.class_label} {row.name}") if row else None,
                                   grade_code=row.grade_code if row else None)
        self.dialog.open()

    def start_import(self) -> None:

        self.dialog = ImportDialog(self.ctx, self)
        self.dialog.finished.connect(lambda _r: self._load_students())
        self.dialog.open()

    def start_promote(self) -> None:

        self.dialog = PromoteDialog(self.ctx, self)
        self.dialog.finished.connect(lambda _r: self.reload())
        self.dialog.open()


register_page(PageSpec("archive", "成长档案", ArchivePage, order=40, permission="roster.read"))


def _open_from_detail(ctx: AppContext, student_id: int, parent: QWidget) -> None:

    open_archive(ctx, student_id, parent)


DETAIL_ACTIONS.insert(0, ("成长档案(&A)…", "archive.read", _open_from_detail))
