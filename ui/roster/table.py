"""The student table's columns and its filter: the tree's grade/class plus the text typed."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QCoreApplication, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QTableView

from xadesk.domain.grades import GRADES
from xadesk.services.roster import SEX_LABELS, STATUS_LABELS, TAG_LABELS, StudentRow

from ..tablemodel import CENTER, Column, FilterProxy, RowTableModel
from .tree import ALL, Scope


def _tr(text: str) -> str:
    return QCoreApplication.translate("RosterTable", text)


_GRADE_ORDER = {g.code: i for i, g in enumerate(GRADES)}


def _class_order(row: StudentRow) -> tuple[int, int, str]:
    # Labels within one grade differ only in the number, so shorter first = numeric order ("(2)" < "(10)").
    label = row.class_label or ""
    return (_GRADE_ORDER.get(row.grade_code or "", len(_GRADE_ORDER)), len(label), label)


def _tags(tags: tuple[str, ...]) -> str:
    return "、".join(TAG_LABELS.get(t, t) for t in tags)


def student_columns() -> list[Column]:
    return [
        Column(_tr("全国学籍号"), "student_no"),
        Column(_tr("姓名"), "name"),
        Column(_tr("性别"), "sex", align=CENTER, fmt=lambda s: SEX_LABELS.get(s, s)),
        Column(_tr("出生日期"), "birth_date", align=CENTER, fmt=date.isoformat),
        # Sorting by class follows the grade order (一年级 … 高三), then the class number.
        Column(_tr("班级"), lambda r: r, fmt=lambda r: r.class_label or "", sort_key=_class_order),
        Column(_tr("住校"), "boarding", align=CENTER, fmt=lambda b: _tr("住校") if b else ""),
        Column(_tr("状态"), "status", align=CENTER, fmt=lambda s: STATUS_LABELS.get(s, s)),
        Column(_tr("特殊群体"), "tags", fmt=_tags),
    ]


# Columns the filter box searches: 学籍号, 姓名, 班级, 特殊群体.
FILTER_COLUMNS = (0, 1, 4, 7)
# Widths from sample text in the current font (no ResizeToContents: it measures every row).
COLUMN_SAMPLES = ("G610113201203140217", "欧阳思思思", "性别", "2012-03-14", "中职三年级(10)班", "住校", "状态")


class RosterProxy(FilterProxy):
    """Typed text (every token, any of the filter columns) within the grade or class chosen in the tree."""

    def __init__(self, source: RowTableModel, parent: QObject | None = None) -> None:
        super().__init__(source, filter_columns=FILTER_COLUMNS, parent=parent)
        self._scope: Scope = ALL

    def scope(self) -> Scope:
        return self._scope

    def set_scope(self, scope: Scope) -> None:
        if scope == self._scope:
            return
        if hasattr(self, "endFilterChange"):  # Qt >= 6.10, as in FilterProxy
            self.beginFilterChange()
            self._scope = scope
            self.endFilterChange(FilterProxy.Direction.Rows)
        else:
            self._scope = scope
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        scope = self._scope
        if scope.kind != "all":
            row: StudentRow = self.source().row_at(source_row)
            if scope.kind == "class" and row.class_id != scope.class_id:
                return False
            if scope.kind == "grade" and row.grade_code != scope.grade_code:
                return False
        return super().filterAcceptsRow(source_row, source_parent)


STATUS_COLUMN = 6


def size_columns(view: QTableView) -> None:
    """Room for typical content, or for the bold header and its sort arrow; the last column stretches."""
    metrics = view.fontMetrics()
    bold = view.horizontalHeader().font()
    bold.setBold(True)
    header_metrics = QFontMetrics(bold)
    model = view.model()
    for column, sample in enumerate(COLUMN_SAMPLES):
        header = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        width = max(metrics.horizontalAdvance(sample) + metrics.height(),
                    header_metrics.horizontalAdvance(header) + metrics.height() * 2)
        view.setColumnWidth(column, width)
