"""The models behind 问卷导入: the mapping table (column → item, edited in place) and the list of
matches a person confirms (name + class matches, duplicate submissions).

Both are plain ``QAbstractTableModel`` s so the view, the keyboard and the tests see the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from xadesk.services.screening_import import ImportReport
from xadesk.survey.mapping import MappedColumn, evidence_label

AnyIndex = QModelIndex | QPersistentModelIndex
NOT_IMPORTED = ""
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
WEAK = {"order", "conflict", "text?"}


class ListModel(QAbstractTableModel):
    """A table over a list (``self.items``), one row an item, with ``HEADERS`` as its columns."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.items: list[Any] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.HEADERS[section])
        return None


class MappingModel(ListModel):
    """One row per file column: 列 | 对应到 (editable) | 依据 | 前几行的内容."""

    edited = Signal()
    HEADERS = ("文件中的列", "对应到量表的题目", "依据", "前几行的内容")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.items: list[MappedColumn] = []
        self._samples: list[str] = []
        self.targets: dict[str, str] = {}        # key → label, in the order offered

    def load(self, columns: list[MappedColumn], samples: list[str], targets: dict[str, str]) -> None:
        self.beginResetModel()
        self.items, self._samples, self.targets = list(columns), list(samples), dict(targets)
        self.endResetModel()

    def rows(self) -> list[MappedColumn]:
        return list(self.items)

    def label(self, key: str) -> str:
        return self.targets.get(key, self.tr("（不导入）")) if key else self.tr("（不导入）")

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        c, col = self.items[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == 0:
                return c.header
            if col == 1:
                return self.label(c.target)
            if col == 2:
                text = evidence_label(c.evidence)
                if not text:
                    return c.note
                return f"{text}：{c.note}" if role == Qt.ItemDataRole.ToolTipRole and c.note else text
            return self._samples[index.row()] if index.row() < len(self._samples) else ""
        if role == KEY_ROLE:
            return c.target
        if role == Qt.ItemDataRole.ForegroundRole and col == 2 and c.target and c.evidence in WEAK:
            return Qt.GlobalColor.darkRed
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.column() == 1 else base

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != 1:
            return False
        key = str(value or "")
        c = self.items[index.row()]
        if key == c.target:
            return False
        self.items[index.row()] = replace(c, target=key, evidence="person" if key else "", note="")
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(self.HEADERS) - 1))
        self.edited.emit()
        return True

    def set_use(self, header: str, key: str) -> None:
        for row, c in enumerate(self.items):
            if c.header == header:
                self.setData(self.index(row, 1), key)
                return
        raise KeyError(header)

    def mapping_parts(self) -> tuple[dict[str, str], dict[str, str]]:
        """(identity, items) as the person set them."""
        identity: dict[str, str] = {}
        items: dict[str, str] = {}
        for c in self.items:
            if c.target.startswith("identity:"):
                identity[c.target.split(":", 1)[1]] = c.header
            elif c.target:
                items[c.header] = c.target
        return identity, items


class TargetDelegate(QStyledItemDelegate):
    """A combo of every target (identity fields, each item with its text) for the 对应到 column."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> QWidget:
        combo = QComboBox(parent)
        combo.setAccessibleName(self.tr("对应到量表的题目"))
        model: MappingModel = index.model()
        combo.addItem(self.tr("（不导入）"), NOT_IMPORTED)
        for key, label in model.targets.items():
            combo.addItem(label, key)
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        editor.setCurrentIndex(max(0, editor.findData(index.data(KEY_ROLE))))

    def setModelData(self, editor: QWidget, model, index: QModelIndex) -> None:
        model.setData(index, editor.currentData())


@dataclass
class MatchLine:
    kind: str           # "name" / "duplicate"
    row: int
    name: str
    class_label: str
    note: str
    checked: bool
    group: int = -1     # duplicates: lines of one student share a group


class MatchModel(ListModel):
    """Rows a person decides: name + class matches (tick to accept) and duplicate submissions (tick
    the one to keep; one per student)."""

    HEADERS = ("采用", "行号", "姓名", "班级", "说明")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.items: list[MatchLine] = []

    def load(self, report: ImportReport | None) -> None:
        self.beginResetModel()
        self.items = []
        if report is not None:
            for m in [*report.to_confirm, *report.accepted]:
                self.items.append(MatchLine("name", m.row, m.name, m.class_label,
                                             self.tr("按姓名和班级匹配：") + m.reason, m in report.accepted))
            for g, d in enumerate(report.duplicates):
                for row, when in zip(d.rows, d.submitted, strict=True):
                    note = self.tr("重复提交") + (f"（{when}）" if when else "")
                    if row == d.kept and d.chosen_by == "later":
                        note += self.tr("，较晚提交，默认保留")
                    self.items.append(MatchLine("duplicate", row, d.name, d.class_label, note, row == d.kept, g))
        self.items.sort(key=lambda x: (x.kind != "name", x.row))
        self.endResetModel()

    def lines(self) -> list[MatchLine]:
        return list(self.items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line, col = self.items[index.row()], index.column()
        if role == Qt.ItemDataRole.ToolTipRole:
            return line.note
        if role == Qt.ItemDataRole.CheckStateRole and col == 0:
            return Qt.CheckState.Checked if line.checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return self.tr("导入") if line.kind == "name" else self.tr("保留")
            return (None, line.row, line.name, line.class_label, line.note)[col]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else base

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != 0:
            return False
        line = self.items[index.row()]
        on = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        if line.kind == "duplicate":
            if not on:
                return False             # one row of a student is always kept: choose another instead
            for other in self.items:
                if other.kind == "duplicate" and other.group == line.group:
                    other.checked = other is line
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.items) - 1, 0))
            return True
        line.checked = on
        self.dataChanged.emit(index, index)
        return True

    def accept_all(self) -> None:
        for line in self.items:
            if line.kind == "name":
                line.checked = True
        if self.items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.items) - 1, 0))

    def accepted_rows(self) -> list[int]:
        return [x.row for x in self.items if x.kind == "name" and x.checked]

    def kept_rows(self) -> list[int]:
        return [x.row for x in self.items if x.kind == "duplicate" and x.checked]
