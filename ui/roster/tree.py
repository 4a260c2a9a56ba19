"""The grade → class tree beside the student table.

Built from ``roster.class_tree(ctx)``, which already limits it to what the person may see: a
homeroom teacher's tree holds their own class(es) and nothing else. The first node is "all students
I may see"; choosing a node narrows the table (the table filters in memory, no new query).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

from xadesk.services.roster import GradeNode

from ..style import MUTED_TEXT

SCOPE_ROLE = Qt.ItemDataRole.UserRole + 10


@dataclass(frozen=True)
class Scope:
    """What the table shows: everything, one grade, or one class."""

    kind: str = "all"  # "all" | "grade" | "class"
    grade_code: str | None = None
    class_id: int | None = None


ALL = Scope()


def _row(text: str, scope: Scope, count: int) -> list[QStandardItem]:
    """The node's label, and its number of enrolled students in a narrow right-aligned column."""
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(scope, SCOPE_ROLE)
    tip = f"{text}：在读 {count} 名学生"
    item.setToolTip(tip)
    number = QStandardItem(str(count))
    number.setEditable(False)
    number.setData(scope, SCOPE_ROLE)
    number.setToolTip(tip)
    number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    number.setForeground(QColor(MUTED_TEXT))
    return [item, number]


class ClassTree(QTreeView):
    """A tree of grades and classes; ``scope_changed`` tells which node was chosen."""

    scope_changed = Signal(object)  # Scope

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classTree")
        self.setAccessibleName(self.tr("年级和班级"))
        self._model = QStandardItemModel(self)
        self.setModel(self._model)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setAllColumnsShowFocus(True)
        # The house tables use 1.9 × the font height per row; a tree of 30 classes can be a little tighter.
        self.setStyleSheet("QTreeView::item { padding: 3px 2px; }")
        # Never squeeze the class names away: the longest label ("中职三年级(10)班"), two indents, a count.
        metrics = self.fontMetrics()
        self.setMinimumWidth(metrics.horizontalAdvance("中职三年级(10)班 0000") + self.indentation() * 2 + 16)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.selectionModel().currentChanged.connect(self._current_changed)

    def set_tree(self, grades: list[GradeNode], *, whole_school: bool) -> None:
        """Rebuild, keeping the chosen node when it still exists."""
        previous = self.current_scope()
        # Quiet while rebuilding: clearing and refilling moved the current node eight times at a
        # 5,000-student school, and each move re-filtered the whole roster (~40 ms each). The one
        # setCurrentIndex at the end reports the node chosen.
        selection = self.selectionModel()
        selection.blockSignals(True)
        try:
            self._rebuild(grades, whole_school)
        finally:
            selection.blockSignals(False)
        index = self.index_of(previous) if previous is not None else QModelIndex()
        self.setCurrentIndex(index if index.isValid() else self._model.index(0, 0))

    def _rebuild(self, grades: list[GradeNode], whole_school: bool) -> None:
        self._model.clear()
        total = sum(g.student_count for g in grades)
        self._model.appendRow(_row(self.tr("全校学生") if whole_school else self.tr("我负责的学生"), ALL, total))
        for grade in grades:
            g_row = _row(grade.label, Scope("grade", grade.code), grade.student_count)
            for cls in grade.classes:
                g_row[0].appendRow(_row(cls.label, Scope("class", cls.grade_code, cls.id), cls.student_count))
            self._model.appendRow(g_row)
        self.expandAll()
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)

    def current_scope(self) -> Scope | None:
        index = self.currentIndex()
        return index.data(SCOPE_ROLE) if index.isValid() else None

    def index_of(self, scope: Scope) -> QModelIndex:
        # Walked by hand: QAbstractItemModel.match cannot compare Python objects stored as QVariant.
        def walk(parent: QStandardItem) -> QModelIndex:
            for row in range(parent.rowCount()):
                child = parent.child(row)
                if child.data(SCOPE_ROLE) == scope:
                    return child.index()
                found = walk(child)
                if found.isValid():
                    return found
            return QModelIndex()

        return walk(self._model.invisibleRootItem())

    def labels(self) -> list[tuple[str, int]]:
        """Every node as (label, student count), depth first."""
        out: list[tuple[str, int]] = []

        def walk(parent: QStandardItem) -> None:
            for row in range(parent.rowCount()):
                child = parent.child(row, 0)
                out.append((child.text(), int(parent.child(row, 1).text())))
                walk(child)

        walk(self._model.invisibleRootItem())
        return out

    def select_scope(self, scope: Scope) -> bool:
        index = self.index_of(scope)
        if index.isValid():
            self.setCurrentIndex(index)
        return index.isValid()

    def _current_changed(self, current: QModelIndex | QPersistentModelIndex, _previous: object) -> None:
        scope = current.data(SCOPE_ROLE) if current.isValid() else None
        self.scope_changed.emit(scope or ALL)
