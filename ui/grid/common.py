"""What the grid screens share: the school's level colours, date text, and a table model that can
colour a row (overdue follow-ups, the level cell).

Levels are read from the core (``grid.levels``) so a school's own names and colours show everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from xadesk.grid import levels as LV

from ..tablemodel import AnyIndex, RowTableModel

OVERDUE_RED = "#B71C1C"


def level_map(levels: list[LV.Level] | None) -> dict[str, LV.Level]:
    return {lv.code: lv for lv in (levels or LV.DEFAULT_LEVELS)}


def tint(hex_colour: str, alpha: int = 60) -> QColor:
    """A light version of a level colour for a cell background: readable black text on top."""
    c = QColor(hex_colour)
    c.setAlpha(alpha)
    return c


def level_text(levels: dict[str, LV.Level], code: str | None, none: str = "不列入名单") -> str:
    if code is None:
        return none
    lv = levels.get(code)
    return lv.label if lv else code


def day_text(d: date | datetime | None) -> str:
    if d is None:
        return ""
    if isinstance(d, datetime):
        return f"{d:%Y-%m-%d %H:%M}"
    return f"{d:%Y-%m-%d}"


def signed(n: int) -> str:
    return f"+{n}" if n > 0 else (str(n) if n < 0 else "0")


# (foreground hex or None, background QColor or None, bold)
CellStyle = tuple[str | None, QColor | None, bool]


class StyledRowModel(RowTableModel):
    """A ``RowTableModel`` whose cells may carry a colour and weight, decided by ``style(row, column)``."""

    def __init__(self, columns, style: Callable[[Any, int], CellStyle | None], parent=None) -> None:
        super().__init__(columns, parent)
        self._style = style
        self._bold = QFont()
        self._bold.setBold(True)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole,
                                        Qt.ItemDataRole.FontRole):
            st = self._style(self.row_at(index.row()), index.column())
            if st is None:
                return None
            fg, bg, bold = st
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(fg)) if fg else None
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(bg) if bg is not None else None
            return self._bold if bold else None
        return super().data(index, role)
