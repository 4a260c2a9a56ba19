"""帮助 → 关于: the versions an IT teacher or support asks for (app, database schema, SQLCipher, Qt),
selectable so they can be copied into a message, and where this school's data lives."""

from __future__ import annotations

from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from xadesk import paths, versions

from .formutil import FittingDialog, close_box


def version_lines() -> list[tuple[str, str]]:
    v = versions.current()
    return [("XA Desk 版本", v.app), ("数据库结构版本", v.schema), ("SQLCipher 版本", v.sqlcipher),
            ("Qt 版本", f"{qVersion()}（PySide6 {PySide6.__version__}）"), ("Python 版本", v.python)]


class AboutDialog(FittingDialog):
    def __init__(self, db_path: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(self.tr("关于 XA Desk"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)

        head = QLabel(self)
        icon = paths.assets_dir() / "icons" / "xadesk.svg"
        if icon.exists():
            head.setPixmap(QIcon(str(icon)).pixmap(48, 48))
        title = QLabel(self.tr("<b>XA Desk 学生心理健康工作台</b>"), self)
        title.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(head)
        layout.addWidget(title)

        rows = [f"{label}：{value}" for label, value in version_lines()]
        if db_path is not None:
            rows.append(f"数据库文件：{db_path}")
        self.details = QLabel("\n".join(rows), self)
        self.details.setObjectName("versions")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        note = QLabel(self.tr("全部数据只保存在本机的加密数据库中，不联网。"), self)
        note.setWordWrap(True)
        layout.addWidget(note)

        buttons = close_box(self)
        layout.addWidget(buttons)

    def text(self) -> str:
        return self.details.text()
