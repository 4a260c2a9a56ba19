"""预警网格: the grid school → grade → class → individual, and the list of students on it.

Left, a tree with counts by level per node (cells tinted in the school's level colours) and the
change since the last screening campaign; class nodes open onto the individual students. Right,
the students on the list within the chosen node, filterable; overdue follow-ups in bold red.
Double-click (or Enter) opens the student's tracking page. Counselors also get the review queue tab.
Scope is the core's: a homeroom teacher's tree holds their class only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import shiboken6
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xadesk.grid import levels as LV
from xadesk.services import grid as G
from xadesk.services import grid_tracking as T
from xadesk.services.context import AppContext

from ..archive.observe import attach_record_menu
from ..mainwindow import PageSpec, register_page
from ..messages import MessageBanner
from ..tablemodel import (
    CENTER,
    Column,
    FilterProxy,
    configure_table_view,
    connect_filter_edit,
    set_column_widths,
)
from ..worker import BackgroundOp
from .common import OVERDUE_RED, StyledRowModel, day_text, level_map, signed, tint
from .monitors import MonitorsPanel
from .propose import ProposeDialog
from .review import ReviewPanel
from .settings import GridSettingsPanel
from .student import TrackingDialog

NODE_ROLE = Qt.ItemDataRole.UserRole + 10


@dataclass(frozen=True)
class Scope:
    kind: str = "school"          # school / grade / class / student
    grade_code: str | None = None
    class_label: str | None = None
    student_id: int | None = None


class GridProxy(FilterProxy):
    """Text filter plus the tree node, a level, overdue only, and "students I am contact for"."""

    def __init__(self, source, parent=None) -> None:
        super().__init__(source, [0, 1, 3, 6], parent)
        self.scope = Scope()
        self.level: str | None = None
        self.overdue_only = False
        self.contact_id: int | None = None

    def set_options(self, **changes) -> None:
        if hasattr(self, "endFilterChange"):  # Qt >= 6.10
            self.beginFilterChange()
            for k, v in changes.items():
                setattr(self, k, v)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            for k, v in changes.items():
                setattr(self, k, v)
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        r: T.GridListRow = self.source().row_at(source_row)
        sc = self.scope
        if sc.kind == "grade" and r.grade_code != sc.grade_code:
            return False
        if sc.kind == "class" and r.class_label != sc.class_label:
            return False
        if sc.kind == "student" and r.student_id != sc.student_id:
            return False
        if self.level and r.level != self.level:
            return False
        if self.overdue_only and not r.overdue:
            return False
        if self.contact_id is not None and r.contact_id != self.contact_id:
            return False
        return super().filterAcceptsRow(source_row, source_parent)


def due_text(r: T.GridListRow, today: date) -> str:
    if r.next_due is None:
        return ""
    if r.overdue:
        return f"{day_text(r.next_due)}（逾期 {(today - r.next_due).days} 天）"
    return day_text(r.next_due)


class GridView(QWidget):
    """The tree and the list (one tab of the page)."""

    proposed = Signal()  # a manual proposal joined the review queue

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.levels = level_map(None)
        self.today = date.today()
        self.tracking = None
        self._op: BackgroundOp | None = None

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("gridTree")
        self.tree.setAccessibleName(self.tr("预警网格：学校、年级、班级、学生"))
        self.tree.setUniformRowHeights(True)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.itemActivated.connect(self._tree_activated)
        self.legend = QLabel(self)
        self.legend.setObjectName("gridLegend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("gridFilter")
        self.filter_edit.setPlaceholderText(self.tr("姓名、学籍号、班级或联系人（Ctrl+F）"))
        filter_label = QLabel(self.tr("筛选(&T)："), self)
        filter_label.setBuddy(self.filter_edit)
        self.level_combo = QComboBox(self)
        self.level_combo.setObjectName("gridLevelCombo")
        level_label = QLabel(self.tr("等级(&L)："), self)
        level_label.setBuddy(self.level_combo)
        self.overdue_check = QCheckBox(self.tr("只看逾期(&O)"), self)
        self.mine_check = QCheckBox(self.tr("只看我联系的(&M)"), self)
        self.level_combo.currentIndexChanged.connect(lambda _i: self._apply())
        self.overdue_check.toggled.connect(lambda _b: self._apply())
        self.mine_check.toggled.connect(lambda _b: self._apply())
        toolbar = QHBoxLayout()
        toolbar.addWidget(filter_label)
        toolbar.addWidget(self.filter_edit, 1)
        toolbar.addWidget(level_label)
        toolbar.addWidget(self.level_combo)
        toolbar.addWidget(self.overdue_check)
        toolbar.addWidget(self.mine_check)

        self.banner = MessageBanner(self)
        self.model = StyledRowModel(self._columns(), self._style, self)
        self.proxy = GridProxy(self.model, self)
        self.table = QTableView(self)
        self.table.setObjectName("gridList")
        self.table.setAccessibleName(self.tr("预警名单"))
        self.table.setModel(self.proxy)
        configure_table_view(self.table)
        self._size_columns()
        self.table.activated.connect(self._open_index)
        attach_record_menu(self.table, ctx, self._student_at)
        connect_filter_edit(self.filter_edit, self.proxy)
        for sig in (self.proxy.modelReset, self.proxy.layoutChanged, self.proxy.rowsInserted, self.proxy.rowsRemoved):
            sig.connect(self._update_count)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("gridCount")
        self.open_button = QPushButton(self.tr("跟踪记录(&E)…"), self)
        self.open_button.setObjectName("openTracking")
        self.open_button.clicked.connect(self.open_current)
        self.propose_button = QPushButton(self.tr("提出预警建议(&A)…"), self)
        self.propose_button.setObjectName("proposeButton")
        self.propose_button.clicked.connect(self.propose)
        self.propose_button.setVisible(ctx.actor.can("grid.propose") and ctx.actor.can("roster.read"))
        footer = QHBoxLayout()
        footer.addWidget(self.count_label, 1)
        footer.addWidget(self.propose_button)
        footer.addWidget(self.open_button)

        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.tree, 1)
        ll.addWidget(self.legend)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(toolbar)
        rl.addWidget(self.banner)
        rl.addWidget(self.table, 1)
        rl.addLayout(footer)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.splitter = splitter
        self.setTabOrder(self.tree, self.filter_edit)
        self.setTabOrder(self.filter_edit, self.level_combo)
        self.setTabOrder(self.level_combo, self.overdue_check)
        self.setTabOrder(self.overdue_check, self.mine_check)
        self.setTabOrder(self.mine_check, self.table)
        self.setTabOrder(self.table, self.propose_button)
        self.setTabOrder(self.propose_button, self.open_button)
        self.reload()

    # -- columns and colours ----------------------------------------------------------------------

    def _columns(self) -> list[Column]:
        return [
            Column("姓名", "name"),
            Column("班级", "class_label"),
            Column("等级", lambda r: self.levels[r.level].label if r.level in self.levels else r.level_name,
                   align=CENTER, sort_key=lambda _v: 0),
            Column("联系人", "contact", fmt=lambda v: v),
            Column("下次随访", lambda r: r, fmt=lambda r: due_text(r, self.today) if r.next_due else "未排期",
                   sort_key=lambda r: r.next_due or date.max),
            Column("状态", "status", fmt=lambda s: "解除待审批" if s == "release_pending" else "跟踪中"),
            Column("学籍号", "student_no"),
        ]

    def _size_columns(self) -> None:
        set_column_widths(self.table, (5, 7, 6, 12, 13, 6), padding=16)

    def _style(self, row: T.GridListRow, col: int):
        if col == 2 and row.level in self.levels:
            return None, tint(self.levels[row.level].colour_hex, 90), True
        if row.overdue and col in (0, 4):
            return OVERDUE_RED, None, True
        return None

    # -- loading ----------------------------------------------------------------------------------

    def reload(self) -> None:
        ctx = self.ctx

        def work(_task):
            return G.levels(ctx), T.grid_tree(ctx), T.grid_list(ctx)

        self._op = (BackgroundOp(self, work, title=self.tr("正在读取预警网格…"), cancellable=False)
                    .success(self._loaded).failure(self.banner.show_user_error))
        self._op.run()

    def _loaded(self, result) -> None:
        levels, tree, rows = result
        self.levels = level_map(levels)
        self.today = date.today()
        self._fill_levels_combo()
        self.legend.setText("　".join(
            f'<span style="background:{lv.colour_hex};color:white;">&nbsp;{lv.label}&nbsp;</span>'
            f" 每 {lv.follow_up_days} 天随访" for lv in self.levels.values()))
        self.legend.setToolTip("\n".join(f"{lv.label}：{lv.meaning}" for lv in self.levels.values()))
        self.model.set_rows(rows)
        self._fill_tree(tree, rows)
        self._update_count()
        if not rows:
            self.banner.show_info(self.tr("您能看到的范围内目前没有学生在预警名单上。"))
        elif self.banner.kind() == "info":
            self.banner.dismiss()

    def _fill_levels_combo(self) -> None:
        current = self.level_combo.currentData()
        self.level_combo.blockSignals(True)
        self.level_combo.clear()
        self.level_combo.addItem(self.tr("全部等级"), None)
        for lv in self.levels.values():
            self.level_combo.addItem(lv.label, lv.code)
        i = self.level_combo.findData(current)
        self.level_combo.setCurrentIndex(max(i, 0))
        self.level_combo.blockSignals(False)

    def _fill_tree(self, root: T.GridNode, rows: list[T.GridListRow]) -> None:
        codes = list(LV.LEVEL_CODES)
        headers = ["范围", *[self.levels[c].name for c in codes], "合计", "较本次筛查前"]
        self.tree.blockSignals(True)
        self.tree.clear()
        self.tree.setColumnCount(len(headers))
        self.tree.setHeaderLabels(headers)
        head = self.tree.headerItem()
        for i, c in enumerate(codes, start=1):
            head.setBackground(i, QBrush(tint(self.levels[c].colour_hex, 140)))
            head.setToolTip(i, f"{self.levels[c].label}：{self.levels[c].meaning}")
            head.setTextAlignment(i, Qt.AlignmentFlag.AlignCenter)
        head.setToolTip(len(codes) + 2, "与最近一次筛查开始前的名单相比：+ 为之后新列入或升级的人数，− 为解除或降级的人数")
        by_class: dict[str, list[T.GridListRow]] = {}
        for r in rows:
            by_class.setdefault(r.class_label or "", []).append(r)
        bold = QFont(self.tree.font())
        bold.setBold(True)

        def add(node: T.GridNode, parent) -> QTreeWidgetItem:
            item = QTreeWidgetItem(parent)
            item.setText(0, node.name)
            if node.kind == "school":
                scope = Scope("school")
            elif node.kind == "grade":
                scope = Scope("grade", grade_code=str(node.id))
            else:
                scope = Scope("class", class_label=node.name)
            item.setData(0, NODE_ROLE, scope)
            for i, c in enumerate(codes, start=1):
                n = node.counts.get(c, 0)
                item.setText(i, str(n) if n else "·")
                item.setTextAlignment(i, Qt.AlignmentFlag.AlignCenter)
                if n:
                    item.setBackground(i, QBrush(tint(self.levels[c].colour_hex, 70)))
                    item.setFont(i, bold)
            item.setText(len(codes) + 1, str(node.total))
            item.setTextAlignment(len(codes) + 1, Qt.AlignmentFlag.AlignCenter)
            if node.change is not None:
                total = sum(node.change.values())
                item.setText(len(codes) + 2, signed(total))
                item.setToolTip(len(codes) + 2, "、".join(f"{self.levels[c].name} {signed(node.change[c])}"
                                                          for c in codes))
                item.setTextAlignment(len(codes) + 2, Qt.AlignmentFlag.AlignCenter)
            if node.kind == "class":
                for r in by_class.get(node.name, []):
                    leaf = QTreeWidgetItem(item)
                    leaf.setText(0, r.name)
                    leaf.setData(0, NODE_ROLE, Scope("student", student_id=r.student_id))
                    col = codes.index(r.level) + 1 if r.level in codes else 0
                    leaf.setText(col, self.levels[r.level].name if r.level in self.levels else r.level)
                    leaf.setTextAlignment(col, Qt.AlignmentFlag.AlignCenter)
                    leaf.setBackground(col, QBrush(tint(self.levels[r.level].colour_hex, 110)))
                    if r.overdue:
                        leaf.setForeground(0, QBrush(QColor(OVERDUE_RED)))
                        leaf.setText(len(codes) + 2, "随访逾期")
                        leaf.setForeground(len(codes) + 2, QBrush(QColor(OVERDUE_RED)))
            for child in node.children:
                add(child, item)
            return item

        top = add(root, self.tree)
        top.setExpanded(True)
        for i in range(top.childCount()):
            grade_item = top.child(i)
            # A grade with students on the list opens; empty ones stay closed to keep the tree short.
            grade_item.setExpanded(grade_item.text(len(codes) + 1) != "0")
            if top.childCount() == 1 and grade_item.childCount() == 1:
                grade_item.child(0).setExpanded(True)  # a homeroom teacher's one class: show the students
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for i in range(1, len(headers)):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setCurrentItem(top)
        self.tree.blockSignals(False)
        self._node_chosen(top)

    # -- filtering --------------------------------------------------------------------------------

    def _current_changed(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        # The tree clears its items while the page is being destroyed: nothing to filter then.
        if shiboken6.isValid(self) and shiboken6.isValid(self.proxy) and shiboken6.isValid(self.count_label):
            self._node_chosen(item)

    def _node_chosen(self, item: QTreeWidgetItem | None) -> None:
        scope = item.data(0, NODE_ROLE) if item is not None else None
        self.proxy.set_options(scope=scope or Scope())
        self._update_count()

    def _apply(self) -> None:
        self.proxy.set_options(level=self.level_combo.currentData(), overdue_only=self.overdue_check.isChecked(),
                               contact_id=self.ctx.actor.user_id if self.mine_check.isChecked() else None)
        self._update_count()

    def _update_count(self, *_args) -> None:
        rows = self.proxy.visible_rows()
        late = sum(1 for r in rows if r.overdue)
        text = self.tr("名单上 {n} 名学生").format(n=len(rows))
        if late:
            # Say whose: the login greeting counts only the person's own students.
            whose = self.tr("（您负责联系的）") if self.mine_check.isChecked() else self.tr("（各联系人合计）")
            text += self.tr("，其中 {late} 名随访逾期{whose}").format(late=late, whose=whose)
        self.count_label.setText(text)

    def select_node(self, *path: str) -> QTreeWidgetItem | None:
        """Select the tree node reached by names below the school (e.g. "七年级", "七年级(1)班")."""
        item = self.tree.topLevelItem(0)
        for name in path:
            if item is None:
                return None
            item = next((item.child(i) for i in range(item.childCount()) if item.child(i).text(0) == name), None)
        if item is not None:
            parent = item.parent()
            while parent is not None:
                parent.setExpanded(True)
                parent = parent.parent()
            self.tree.setCurrentItem(item)
        return item

    # -- opening a student ------------------------------------------------------------------------

    def _student_at(self, pos) -> tuple[int, str] | None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return None
        r = self.proxy.row_at(index)
        return r.student_id, f"{r.class_label or ''} {r.name}".strip()

    def _tree_activated(self, item: QTreeWidgetItem, _col: int) -> None:
        scope = item.data(0, NODE_ROLE)
        if scope is not None and scope.kind == "student":
            self.open_student(scope.student_id)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_student(self.proxy.row_at(index).student_id)

    def open_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._open_index(index)
        elif self.proxy.rowCount() == 1:
            self.open_student(self.proxy.row_at(0).student_id)
        else:
            self.banner.show_info(self.tr("请先在名单里选中一名学生。"))

    def open_student(self, student_id: int):

        if self.tracking is not None:
            self.tracking.close()
        self.tracking = TrackingDialog(self.ctx, student_id, self)
        self.tracking.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.tracking.changed.connect(self.reload)
        self.tracking.destroyed.connect(self._tracking_closed)
        self.tracking.open()
        return self.tracking

    def propose(self, student_id: int | None = None):

        dialog = ProposeDialog(self.ctx, list(self.levels.values()), self, student_id=student_id)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: (self.banner.show_success(self.tr("建议已提交，等待心理健康教师复核。")),
                                         self.proposed.emit()))
        dialog.open()
        self.propose_dialog = dialog
        return dialog

    def _tracking_closed(self, *_args) -> None:
        self.tracking = None


class GridPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("gridTabs")
        self.grid = GridView(ctx, self)
        self.tabs.addTab(self.grid, self.tr("网格与名单"))
        self.review = None
        if ctx.actor.can("grid.manage"):

            self.review = ReviewPanel(ctx, self)
            self.review.decided.connect(self.grid.reload)
            self.grid.proposed.connect(self.review.reload)
            self.tabs.addTab(self.review, self.tr("复核队列"))

            self.settings = GridSettingsPanel(ctx, self)
            self.settings.changed.connect(self.grid.reload)
            self.tabs.addTab(self.settings, self.tr("预警设置"))

        self.monitors = MonitorsPanel(ctx, self)
        self.tabs.addTab(self.monitors, self.tr("健康委员"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.tabs)

    def show_review(self, campaign_id: int | None = None) -> None:
        """The review queue tab, on one campaign's proposals."""
        if self.review is None:
            return
        self.tabs.setCurrentWidget(self.review)
        self.review.show_campaign(campaign_id)

    def refresh(self) -> None:
        self.grid.reload()
        if self.review is not None:
            self.review.reload()
        self.monitors.reload()

    def focus_filter(self) -> None:
        self.tabs.setCurrentWidget(self.grid)
        self.grid.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.grid.filter_edit.selectAll()


register_page(PageSpec("grid", "预警网格", GridPage, order=30, permission="grid.read"))
