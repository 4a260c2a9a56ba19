"""The page every XA Desk PDF uses: A4, a header line (school and document) and "第 N 页" below."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate

from .fonts import register_fonts
from .styles import MUTED, RULE

MARGIN = 18 * mm


def build_pdf(story: Sequence[Flowable], *, header: str, title: str, author: str = "XA Desk",
              cover: bool = False) -> bytes:
    """Lay out ``story`` and return the PDF bytes. With ``cover`` the first page has no header
    (it is the cover) but still counts as page 1."""
    font = register_fonts()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 6 * mm,
                            bottomMargin=MARGIN, title=title, author=author, creator="XA Desk",
                            subject=title, initialFontName=font, initialFontSize=10)

    def decorate(canvas, document) -> None:
        canvas.saveState()
        width, height = A4
        page = canvas.getPageNumber()
        if not (cover and page == 1):
            canvas.setFont(font, 8)
            canvas.setFillColor(MUTED)
            canvas.drawString(MARGIN, height - MARGIN + 2 * mm, header)
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.5)
            canvas.line(MARGIN, height - MARGIN, width - MARGIN, height - MARGIN)
        canvas.setFont(font, 8)
        canvas.setFillColor(MUTED)
        canvas.drawCentredString(width / 2, MARGIN / 2, f"第 {page} 页")
        canvas.restoreState()

    doc.build(list(story), onFirstPage=decorate, onLaterPages=decorate)
    return buf.getvalue()
