"""The grade → class tree beside the student table.

Built from ``roster.class_tree(ctx)``, which already limits it to what the person may see: a
homeroom teacher's tree holds their own class(es) and nothing else. The first node is "all students
I may see"; choosing a node narrows the table (the table filters in memory, no new query).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget

from xadesk.services.roster import GradeNode

SCOPE_ROLE = Qt.ItemDataRole.UserRole + 10


@dataclass(frozen=True)
class Scope:
    """What the table shows: everything, one grade, or one class."""

    kind: str = "all"  # "all" | "grade" | "class"
    grade_code: str | None = None
    class_id: int | None = None


ALL = Scope()


def _item(text: str, scope: Scope, count: int) -> QStandardItem:
    item = QStandardItem(f"{text}（{count}）")
    item.setEditable(False)
    item.setData(scope, SCOPE_ROLE)
    item.setToolTip(f"{text}：在读 {count} 名学生")
    return item


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
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.selectionModel().currentChanged.connect(self._current_changed)

    def set_tree(self, grades: list[GradeNode], *, whole_school: bool) -> None:
        """Rebuild, keeping the chosen node when it still exists."""
        previous = self.current_scope()
        self._model.clear()
        total = sum(g.student_count for g in grades)
        root = _item(self.tr("全校学生") if whole_school else self.tr("我负责的学生"), ALL, total)
        self._model.appendRow(root)
        for grade in grades:
            g_item = _item(grade.label, Scope("grade", grade.code), grade.student_count)
            for cls in grade.classes:
                g_item.appendRow(_item(cls.label, Scope("class", cls.grade_code, cls.id), cls.student_count))
            self._model.appendRow(g_item)
        self.expandAll()
        index = self.index_of(previous) if previous is not None else QModelIndex()
        self.setCurrentIndex(index if index.isValid() else self._model.index(0, 0))

    def current_scope(self) -> Scope | None:
        index = self.currentIndex()
        return index.data(SCOPE_ROLE) if index.isValid() else None

    def index_of(self, scope: Scope) -> QModelIndex:
        matches = self._model.match(self._model.index(0, 0), SCOPE_ROLE, scope, 1,
                                    Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
        return matches[0] if matches else QModelIndex()

    def labels(self) -> list[str]:
        """Every node's text, depth first (tests and screen readers' sake)."""
        out: list[str] = []

        def walk(parent: QStandardItem) -> None:
            for row in range(parent.rowCount()):
                child = parent.child(row)
                out.append(child.text())
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
