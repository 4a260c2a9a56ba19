"""A generic read-only table model over row objects or dicts, and a filter-as-you-type proxy.

Columns are declared once (header, value, alignment, sort key); the roster table, results tables
and audit lists all use it::

    COLUMNS = [Column("学籍号", "student_no"), Column("姓名", "name"),
               Column("年龄", lambda s: s.age, align=RIGHT)]
    model = RowTableModel(COLUMNS); model.set_rows(students)
    proxy = FilterProxy(model, filter_columns=[0, 1]); view.setModel(proxy)
    connect_filter_edit(search_box, proxy)

Speed with 10,000 rows: a row's display strings are computed once, when the row is first shown (not
all of them in ``set_rows``: formatting 5,000 review-queue rows held the UI thread ~300 ms), and a
normalised "haystack" per row (of the filtered columns only) at the first filtering; filtering
compares plain Python strings without going back through Qt's ``data()``, and sorting is done by the
source model with Python's ``sorted`` (one key per row) instead of QSortFilterProxyModel's comparator
(which would call ``data()`` ~n·log n times).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the row object itself
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # the column's sort key

AnyIndex = QModelIndex | QPersistentModelIndex


def local_time(stamp: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """A time stored in UTC (naive, as the core stores it) as the teacher's wall-clock time."""
    if stamp is None:
        return ""
    return stamp.replace(tzinfo=UTC).astimezone().strftime(fmt)


def normalise(text: str) -> str:
    """Fold width and case so "初二（3）班" matches "初二(3)班" and "ab" matches "ＡＢ"."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class Column:
    """One column: ``key`` is a dict key / attribute name, or a getter ``row -> value``.

    ``fmt`` turns the value into display text (default ``str``; None shows empty). ``sort_key``
    turns the value into something comparable (default: the value, Nones last).
    """

    header: str
    key: str | Callable[[Any], Any]
    align: Qt.AlignmentFlag = LEFT
    fmt: Callable[[Any], str] | None = None
    sort_key: Callable[[Any], Any] | None = None
    tooltip: str | None = None

    def value(self, row: Any) -> Any:
        if callable(self.key):
            return self.key(row)
        if isinstance(row, dict):
            return row.get(self.key)
        return getattr(row, self.key, None)

    def text(self, value: Any) -> str:
        if value is None:
            return ""
        return self.fmt(value) if self.fmt is not None else str(value)


def _sortable(value: Any) -> tuple[int, Any]:
    # Nones after everything else, whatever the order; never compare None with a value.
    return (1, 0) if value is None else (0, value)


class RowTableModel(QAbstractTableModel):
    """Read-only model over a list of rows; ``set_rows`` replaces them with a model reset."""

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Any] = []
        self._text: list[list[str] | None] = []   # None until the row is shown
        self._haystack_cols: tuple[int, ...] = tuple(range(len(self._columns)))
        self._haystack: list[str] | None = None   # None until the first filtering

    # -- content ----------------------------------------------------------------------------------

    @property
    def columns(self) -> list[Column]:
        return list(self._columns)

    def set_rows(self, rows: Iterable[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._text = [None] * len(self._rows)
        self._haystack = None
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, index: AnyIndex | int) -> Any:
        """The row object behind an index of this model (or a plain row number)."""
        row = index if isinstance(index, int) else index.row()
        return self._rows[row]

    def row_of(self, predicate: Callable[[Any], bool]) -> int:
        """The first row number whose object satisfies ``predicate``; -1 if none."""
        return next((i for i, row in enumerate(self._rows) if predicate(row)), -1)

    def cell_text(self, row: int, column: int) -> str:
        return self._texts(row)[column]

    def _texts(self, row: int) -> list[str]:
        texts = self._text[row]
        if texts is None:
            texts = self._text[row] = [col.text(col.value(self._rows[row])) for col in self._columns]
        return texts

    # -- filtering support ------------------------------------------------------------------------

    def set_haystack_columns(self, columns: Sequence[int]) -> None:
        self._haystack_cols = tuple(columns)
        self._haystack = None

    def haystack(self, row: int) -> str:
        if self._haystack is None:
            self._haystack = [self._hay(i) for i in range(len(self._rows))]
        return self._haystack[row]

    def _hay(self, row: int) -> str:
        # "\x1f" between cells so a token never matches across two columns. Only the filtered
        # columns are formatted (rows not shown yet keep their other cells unformatted).
        texts = self._text[row]
        if texts is not None:
            cells = [texts[c] for c in self._haystack_cols]
        else:
            cells = [self._columns[c].text(self._columns[c].value(self._rows[row])) for c in self._haystack_cols]
        return normalise("\x1f".join(cells))

    # -- Qt model interface -----------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._texts(row)[col]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._columns[col].align
        if role == ROW_ROLE:
            return self._rows[row]
        if role == SORT_ROLE:
            return self._sort_key(col)(self._rows[row])
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def _sort_key(self, column: int) -> Callable[[Any], Any]:
        col = self._columns[column]
        if col.sort_key is not None:
            custom = col.sort_key
            return lambda row: _sortable(custom(col.value(row)))
        return lambda row: _sortable(col.value(row))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        key = self._sort_key(column)
        keyed = [(key(row), i) for i, row in enumerate(self._rows)]
        try:
            # Nones stay last in both orders: sort the non-None part, then append the rest.
            present = [k for k in keyed if k[0][0] == 0]
            missing = [k for k in keyed if k[0][0] == 1]
            present.sort(key=lambda k: k[0], reverse=order == Qt.SortOrder.DescendingOrder)
        except TypeError:  # mixed types in one column: fall back to comparing display text
            present = sorted(keyed, key=lambda k: self.cell_text(k[1], column),
                             reverse=order == Qt.SortOrder.DescendingOrder)
            missing = []
        new_order = [i for _key, i in present + missing]
        self.layoutAboutToBeChanged.emit()
        old_to_new = {old: new for new, old in enumerate(new_order)}
        self._rows = [self._rows[i] for i in new_order]
        self._text = [self._text[i] for i in new_order]
        if self._haystack is not None:
            self._haystack = [self._haystack[i] for i in new_order]
        # Only the indexes someone holds on to (selection, current item) need remapping.
        old = self.persistentIndexList()
        new = [self.index(old_to_new[i.row()], i.column()) for i in old]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()


class FilterProxy(QSortFilterProxyModel):
    """Filter as you type across chosen columns: every whitespace-separated token must appear,
    ignoring case and full/half width. Sorting is delegated to the source model (fast)."""

    def __init__(self, source: RowTableModel, filter_columns: Sequence[int] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tokens: tuple[str, ...] = ()
        self.setSourceModel(source)
        if filter_columns is not None:
            source.set_haystack_columns(filter_columns)
        self.setDynamicSortFilter(False)

    def source(self) -> RowTableModel:
        model = self.sourceModel()
        assert isinstance(model, RowTableModel)
        return model

    def filter_text(self) -> str:
        return " ".join(self._tokens)

    def set_filter_text(self, text: str) -> None:
        tokens = tuple(normalise(text).split())
        if tokens == self._tokens:
            return
        if hasattr(self, "endFilterChange"):  # Qt >= 6.10; invalidateFilter() is deprecated there
            self.beginFilterChange()
            self._tokens = tokens
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._tokens = tokens
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        if not self._tokens:
            return True
        hay = self.source().haystack(source_row)
        return all(token in hay for token in self._tokens)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        # The source reorders itself; the proxy keeps source order (it re-filters on layoutChanged).
        self.source().sort(column, order)

    def row_at(self, index: AnyIndex | int) -> Any:
        """The row object behind a proxy index (or a proxy row number)."""
        proxy_index = self.index(index, 0) if isinstance(index, int) else index
        return self.source().row_at(self.mapToSource(proxy_index))

    def visible_rows(self) -> list[Any]:
        return [self.row_at(r) for r in range(self.rowCount())]


def connect_filter_edit(edit: QLineEdit, proxy: FilterProxy, delay_ms: int = 150) -> QTimer:
    """Filter ``proxy`` as the user types in ``edit``, after a short pause (one pass, not one per key).

    Enter applies at once. Returns the debounce timer (parented to ``edit``).
    """
    timer = QTimer(edit)
    timer.setSingleShot(True)
    timer.setInterval(delay_ms)
    timer.timeout.connect(lambda: proxy.set_filter_text(edit.text()))
    edit.textChanged.connect(lambda _text: timer.start())
    edit.returnPressed.connect(lambda: (timer.stop(), proxy.set_filter_text(edit.text())))
    edit.setClearButtonEnabled(True)
    return timer


def configure_table_view(view: QTableView) -> None:
    """The house table: whole-row selection, zebra rows, sortable headers, comfortable row height."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    # No sort column until the user clicks a header: rows keep the order the service gave them
    # (setSortingEnabled would otherwise sort by column 0, descending, at once).
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    view.setSortingEnabled(True)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside it
    view.verticalHeader().setVisible(False)
    # Fixed row height from the font: no per-row size computation, which is what stays smooth at 10k.
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(int(view.fontMetrics().height() * 1.9))
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSortIndicatorShown(True)


def set_column_widths(view: QTableView, widths_in_chars: Sequence[float], *, padding: int = 24) -> None:
    """Size the first columns by how many Chinese characters they should show (plus cell padding),
    so widths follow the font and the 125–150% scaling instead of fixed pixels."""
    char = view.fontMetrics().horizontalAdvance("中")
    for column, chars in enumerate(widths_in_chars):
        view.setColumnWidth(column, int(char * chars + padding))
