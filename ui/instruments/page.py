"""量表库: the built-in and the school's own instruments — list, detail, import, retire, and a try-it panel.

The page loads every definition once (built-ins come from the package, school versions from the
database, in one ``BackgroundOp``); selecting a row only redraws from memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xadesk.errors import UserError, ValidationFailed
from xadesk.instruments.definition import Definition
from xadesk.services import instruments
from xadesk.services.context import Actor, AppContext
from xadesk.services.instruments import InstrumentInfo

from .. import messages
from ..mainwindow import PageSpec, register_page
from ..messages import MessageBanner
from ..tablemodel import (
    CENTER,
    RIGHT,
    Column,
    FilterProxy,
    RowTableModel,
    configure_table_view,
    connect_filter_edit,
    set_column_widths,
)
from ..worker import BackgroundOp
from . import describe
from .detail import InstrumentDetail
from .problems import ImportProblemsDialog
from .tryit import TryItPanel

# Who sees the library: whoever manages instruments or runs screenings (counselors, administrators).
VIEW_PERMISSIONS = ("instruments.manage", "screening.manage")
MANAGE_PERMISSION = "instruments.manage"


@dataclass(frozen=True)
class LibraryEntry:
    info: InstrumentInfo
    definition: Definition

    @property
    def key(self) -> tuple[str, int]:
        return self.info.id, self.info.version


def library_columns() -> list[Column]:
    return [
        Column("名称", lambda e: e.info.name),
        Column("编号", lambda e: e.info.id),
        Column("版本", lambda e: e.info.version, align=CENTER),
        Column("题数", lambda e: e.info.n_items, align=RIGHT),
        Column("来源", lambda e: describe.SOURCE_LABELS.get(e.info.source, e.info.source), align=CENTER),
        Column("状态", lambda e: describe.STATUS_LABELS.get(e.info.status, e.info.status), align=CENTER),
        # Last, so it takes the remaining width (SCL-90 lists fourteen names).
        Column("分量表", lambda e: "、".join(s.name_zh for s in e.definition.scales)),
    ]


def load_library(ctx: AppContext) -> list[LibraryEntry]:
    """Every built-in and every stored school version (retired ones too), with its definition."""
    entries = []
    for info in instruments.available(ctx, include_retired=True):
        entries.append(LibraryEntry(info, instruments.get_definition(ctx, info.id, info.version)))
    return entries


class LibraryPage(QWidget):
    BROWSE_TAB, TRY_TAB = 0, 1

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.can_manage = ctx.actor.can(MANAGE_PERMISSION)
        self.entries: list[LibraryEntry] = []
        self.problems_dialog: ImportProblemsDialog | None = None

        self.model = RowTableModel(library_columns(), self)
        self.proxy = FilterProxy(self.model, filter_columns=[0, 1, 4, 5, 6], parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("instrumentTable")
        self.table.setAccessibleName(self.tr("量表列表"))
        self.table.setModel(self.proxy)
        configure_table_view(self.table)
        set_column_widths(self.table, (15, 6, 2, 2, 2, 3))
        # At least three rows stay visible however small the screen (the detail below scrolls).
        self.table.setMinimumHeight(self.table.horizontalHeader().sizeHint().height()
                                    + self.table.verticalHeader().defaultSectionSize() * 3 + 4)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._selection_changed())

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("instrumentFilter")
        self.filter_edit.setPlaceholderText(self.tr("名称或编号（Ctrl+F）"))
        self.filter_edit.setAccessibleName(self.tr("筛选量表"))
        self.filter_edit.setMinimumWidth(self.fontMetrics().horizontalAdvance("名称或编号（Ctrl+F）") + 40)
        filter_label = QLabel(self.tr("筛选(&K)："), self)
        filter_label.setBuddy(self.filter_edit)
        connect_filter_edit(self.filter_edit, self.proxy)
        self.retired_check = QCheckBox(self.tr("显示已停用"), self)
        self.retired_check.setToolTip(self.tr("也列出已停用的本校量表和被新版本替换的旧版本"))
        self.retired_check.toggled.connect(lambda _on: self._fill())

        self.import_button = QPushButton(self.tr("导入量表(&I)…"), self)
        self.import_button.setObjectName("importInstrument")
        self.import_button.clicked.connect(self.start_import)
        self.retire_button = QPushButton(self.tr("停用(&R)…"), self)
        self.retire_button.setObjectName("retireInstrument")
        self.retire_button.setToolTip(self.tr("停用本校自己的量表：不再用于新的筛查，已有分数和各版本都保留"))
        self.retire_button.clicked.connect(self.retire_selected)
        self.import_button.setVisible(self.can_manage)
        self.retire_button.setVisible(self.can_manage)
        self.banner = MessageBanner(self)

        self.tryit_button = QPushButton(self.tr("试算(&T)"), self)
        self.tryit_button.setObjectName("tryInstrumentButton")
        self.tryit_button.setToolTip(self.tr("在“试算”页输入一组答案，看这个量表怎样计分"))
        self.tryit_button.clicked.connect(self.show_tryit)

        self.detail = InstrumentDetail(self)
        self.tryit = TryItPanel(self)

        top = QHBoxLayout()
        top.addWidget(filter_label)
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.retired_check)
        top.addSpacing(12)
        top.addWidget(self.tryit_button)
        top.addWidget(self.import_button)
        top.addWidget(self.retire_button)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        # The detail gets most of the height: it is what a counselor reads.
        row = self.table.verticalHeader().defaultSectionSize()
        splitter.setSizes([row * 7, row * 20])
        self.splitter = splitter
        browse = QWidget(self)
        browse_layout = QVBoxLayout(browse)
        browse_layout.setContentsMargins(0, 6, 0, 0)
        browse_layout.addLayout(top)
        browse_layout.addWidget(splitter, 1)

        # Two tabs, each with the page's whole height: browsing the library, and scoring a try.
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("instrumentTabs")
        self.tabs.addTab(browse, self.tr("量表与详情"))
        self.tabs.addTab(self.tryit, self.tr("试算"))
        self.tabs.currentChanged.connect(lambda _i: self._sync_tryit())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setTabOrder(self.filter_edit, self.retired_check)
        self.setTabOrder(self.retired_check, self.tryit_button)
        self.setTabOrder(self.tryit_button, self.import_button)
        self.setTabOrder(self.import_button, self.retire_button)
        self.setTabOrder(self.retire_button, self.table)
        self.setTabOrder(self.table, self.detail.body)
        self.reload()

    # -- the page protocol ----------------------------------------------------------------------------------

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def refresh(self) -> None:
        self.reload()

    # -- loading ---------------------------------------------------------------------------------------------

    def reload(self, select: tuple[str, int] | None = None) -> None:
        ctx = self.ctx
        current = select or (self.selected().key if self.selected() else None)
        (BackgroundOp(self, lambda _task: load_library(ctx), title=self.tr("正在读取量表库…"), cancellable=False)
         .success(lambda entries: self._loaded(entries, current))
         .failure(self.banner.show_user_error)
         .run())

    def _loaded(self, entries: list[LibraryEntry], select: tuple[str, int] | None) -> None:
        self.entries = entries
        self._fill(select)
        self.tryit.set_entries([(e.info.id, e.info.version, self._combo_label(e), e.definition)
                                for e in entries if e.info.status == "active"])

    @staticmethod
    def _combo_label(entry: LibraryEntry) -> str:
        if entry.info.source == "builtin":
            return entry.info.name
        return f"{entry.info.name}（本校，第{entry.info.version}版）"

    def _fill(self, select: tuple[str, int] | None = None) -> None:
        current = select or (self.selected().key if self.selected() else None)
        show_retired = self.retired_check.isChecked()
        self.model.set_rows([e for e in self.entries if show_retired or e.info.status == "active"])
        if not (current and self.select(*current)) and self.proxy.rowCount():
            self.table.setCurrentIndex(self.proxy.index(0, 0))
            self.table.selectRow(0)
        self._selection_changed()

    def select(self, instrument_id: str, version: int | None = None) -> bool:
        row = self.model.row_of(lambda e: e.info.id == instrument_id and version in (None, e.info.version))
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.setCurrentIndex(index)
            self.table.selectRow(index.row())
        return index.isValid()

    def selected(self) -> LibraryEntry | None:
        index: QModelIndex = self.table.currentIndex()
        return self.proxy.row_at(index) if index.isValid() else None

    def _selection_changed(self) -> None:
        entry = self.selected()
        if entry is None:
            self.detail.clear()
        else:
            self.detail.show_definition(entry.definition, entry.info)
        self.retire_button.setEnabled(entry is not None and entry.info.source == "school"
                                      and entry.info.status == "active")
        self.tryit_button.setEnabled(entry is not None and entry.info.status == "active")

    def _sync_tryit(self) -> None:
        # Opening the try-it tab brings the selected instrument, unless answers are already typed there.
        entry = self.selected()
        if self.tabs.currentIndex() == self.TRY_TAB and entry is not None and not self.tryit.has_answers():
            self.tryit.select(*entry.key)

    def show_tryit(self) -> TryItPanel:
        """Try the selected instrument (a fresh set of answers)."""
        entry = self.selected()
        if entry is not None and entry.info.status == "active":
            self.tryit.select(*entry.key)
            self.tryit.clear_answers()
        self.tabs.setCurrentIndex(self.TRY_TAB)
        if self.tryit.edits:
            self.tryit.edits[0].setFocus(Qt.FocusReason.OtherFocusReason)
        return self.tryit

    # -- import and retire --------------------------------------------------------------------------------------

    def start_import(self) -> None:
        if not self.can_manage:
            return
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("选择量表定义文件"), "",
                                                    self.tr("量表定义 (*.json);;所有文件 (*)"))
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Validate and store a school definition; every problem is listed and nothing is stored if any."""
        ctx = self.ctx
        known = {e.key for e in self.entries}

        def work(_task) -> tuple[InstrumentInfo, bool]:
            try:
                return instruments.add_definition(ctx, path), False
            except ValidationFailed:
                raise
            except UserError as exc:
                # The id exists and the file's version number is taken or older: store it as the next version.
                if exc.field == "version":
                    return instruments.add_definition(ctx, path, new_version=True), True
                raise

        (BackgroundOp(self, work, title=self.tr("正在检查量表定义…"), cancellable=False)
         .success(lambda r: self._imported(r[0], r[1], (r[0].id, r[0].version) in known))
         .failure(lambda exc: self._import_failed(exc, path.name))
         .run())

    def _imported(self, info: InstrumentInfo, renumbered: bool, already: bool) -> None:
        name = f"{info.name}（{info.id} 第{info.version}版）"
        if already:
            self.banner.show_info(self.tr("{name} 已在量表库中，内容相同，没有重复保存。").format(name=name))
        elif renumbered:
            self.banner.show_success(self.tr("已导入 {name}。文件里的版本号已被占用，已存为新的一版；"
                                             "之前的版本已停用并保留。").format(name=name))
        else:
            self.banner.show_success(self.tr("已导入 {name}。").format(name=name))
        self.reload(select=(info.id, info.version))

    def _import_failed(self, exc: UserError, file_name: str) -> None:
        self.banner.show_error(exc.message)
        self.problems_dialog = ImportProblemsDialog(exc, file_name, self)
        self.problems_dialog.open()

    def retire_selected(self) -> None:
        entry = self.selected()
        if entry is None or not self.can_manage or entry.info.source != "school" or entry.info.status != "active":
            return
        if not messages.question(self, self.tr("停用本校量表“{name}”（{id}）？停用后不能再用于新的筛查；"
                                               "已有的分数和它的各个版本都会保留。")
                                 .format(name=entry.info.name, id=entry.info.id),
                                 yes=self.tr("停用"), no=self.tr("取消")):
            return
        ctx, iid = self.ctx, entry.info.id
        (BackgroundOp(self, lambda _task: instruments.retire(ctx, iid), title=self.tr("正在停用…"), cancellable=False)
         .success(lambda _r: (self.banner.show_success(self.tr("已停用 {name}。").format(name=entry.info.name)),
                              self.reload()))
         .failure(self.banner.show_user_error)
         .run())


@dataclass(frozen=True)
class AnyPermissionPageSpec(PageSpec):
    """A page open to anyone holding one of several permissions."""

    any_of: tuple[str, ...] = ()

    def allowed(self, actor: Actor) -> bool:
        return any(actor.can(p) for p in self.any_of)


register_page(AnyPermissionPageSpec("instruments", "量表库", LibraryPage, order=50, any_of=VIEW_PERMISSIONS))
