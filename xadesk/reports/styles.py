"""Paragraph styles for Chinese documents: the embedded font everywhere and CJK line breaking
(``wordWrap="CJK"`` breaks between any two characters, as Chinese typesetting does, with the rules of
:mod:`.linebreak`)."""

from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle

from . import linebreak
from .fonts import register_fonts

# No closing mark starts a line, no opening mark ends one, also where two marks meet (see linebreak).
linebreak.install()

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
ACCENT = colors.HexColor("#2a6f97")
RULE = colors.HexColor("#cbd2d9")
SHADE = colors.HexColor("#eef2f6")


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    font = register_fonts()
    base = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, textColor=INK, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=13),
        "cell_head": ParagraphStyle("cell_head", parent=base, fontSize=9, leading=13, textColor=ACCENT),
        # Headings stay on the page of what follows them.
        "h1": ParagraphStyle("h1", parent=base, fontSize=15, leading=22, spaceBefore=10, spaceAfter=6,
                             textColor=ACCENT, keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4,
                             keepWithNext=1),
        "title": ParagraphStyle("title", parent=base, fontSize=26, leading=36, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=14, leading=22, alignment=TA_CENTER,
                                   textColor=MUTED),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
    }


def para(text: object, style: str = "body"):
    """A paragraph of plain text (escaped: a student's text may contain < or &)."""
    from reportlab.platypus import Paragraph

    return Paragraph(escape("" if text is None else str(text)).replace("\n", "<br/>"), styles()[style])
