"""One instrument in full: name, licence and citation at the top, then items, keys, bands, norms, safety
rules and validity checks — one scrolling text view, so a small screen gives all its height to it."""

from __future__ import annotations

from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from xadesk.instruments.definition import Definition
from xadesk.services.instruments import InstrumentInfo

from . import describe


class InstrumentDetail(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.definition: Definition | None = None
        self.body = QTextBrowser(self)
        self.body.setObjectName("instrumentBody")
        self.body.setAccessibleName(self.tr("量表详情"))
        self.body.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.body)
        self.clear()

    def clear(self) -> None:
        self.definition = None
        self.body.setHtml(f"<p style='color:{describe.MUTED_COLOUR}'>{describe.esc(self.tr('在上面的列表中选择一个量表。'))}</p>")

    def show_definition(self, defn: Definition, info: InstrumentInfo | None = None) -> None:
        self.definition = defn
        self.body.setHtml(describe.detail_html(defn, info))
        self.body.verticalScrollBar().setValue(0)

    def body_text(self) -> str:
        return self.body.toPlainText()

    def licence_text(self) -> str:
        """The licence note and citation, as in the box at the top of the detail."""
        if self.definition is None:
            return ""
        doc = QTextDocument()
        doc.setHtml(describe.licence_html(self.definition))
        return doc.toPlainText().strip()
