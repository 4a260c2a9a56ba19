"""The list of problems in a refused definition file: one row per problem, with its file and field."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xadesk.errors import UserError
from xadesk.i18n import language

from ..formutil import set_primary
from ..tablemodel import Column, RowTableModel, configure_table_view


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    problem: str
    full: str


def split_problem(line: str) -> tuple[str, str]:
    """"scales[2].items[4]: 未知题目 'q99' / unknown item 'q99'" → (field, text in the user's language)."""
    field, sep, rest = line.partition(": ")
    if not sep or " " in field or not field.isascii():
        field, rest = "", line
    zh, sep, en = rest.partition(" / ")
    return field, (en if language() == "en" and sep and en else zh)


def problems_of(exc: UserError, file_name: str) -> list[Problem]:
    if exc.details:
        return [Problem(file_name, *split_problem(line), full=line) for line in exc.details]
    return [Problem(file_name, exc.field or "", exc.message, exc.message)]


class ImportProblemsDialog(QDialog):
    """Shown (non-modal ``open()``) when an imported definition is refused; nothing was stored."""

    def __init__(self, exc: UserError, file_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("量表定义未导入"))
        self.problems = problems_of(exc, file_name)
        heading = QLabel(exc.message + "\n" + self.tr("没有保存任何内容。请按下表逐条修改文件后再导入。"), self)
        heading.setWordWrap(True)
        self.model = RowTableModel([Column("文件", "file"), Column("字段", "field"), Column("问题", "problem")], self)
        self.model.set_rows(self.problems)
        self.table = QTableView(self)
        self.table.setObjectName("problemTable")
        self.table.setAccessibleName(self.tr("问题列表"))
        self.table.setModel(self.model)
        configure_table_view(self.table)
        self.table.setSortingEnabled(False)
        self.table.setWordWrap(True)
        for column in (0, 1):
            self.table.resizeColumnToContents(column)
            self.table.setColumnWidth(column, self.table.columnWidth(column) + 16)  # air between columns
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

        buttons = QDialogButtonBox(self)
        copy = QPushButton(self.tr("复制全部(&C)"), self)
        copy.setAutoDefault(False)
        copy.clicked.connect(self.copy_all)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        set_primary(close)
        close.setDefault(True)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        char = self.fontMetrics().horizontalAdvance("中")
        self.resize(int(char * 52), int(char * 26))

    def rows(self) -> list[tuple[str, str, str]]:
        return [(p.file, p.field, p.problem) for p in self.problems]

    def copy_all(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(f"{p.file}\t{p.field}\t{p.full}" for p in self.problems))
