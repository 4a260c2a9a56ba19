"""The bundled CJK font, registered with reportlab once per process.

WenQuanYi Micro Hei has TrueType outlines, so reportlab embeds a subset of it in every PDF and
``pdftotext`` extracts the Chinese text correctly (CFF-outline CJK fonts are refused by reportlab).
The file is a TrueType collection: subfont 0 is the proportional face. There is no bold face:
``<b>`` maps to the same font, and headings are set apart by size instead.
"""

from __future__ import annotations

import threading

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..paths import font_path

FONT = "WQYMicroHei"
_lock = threading.Lock()


def register_fonts() -> str:
    """Register the font (parsing the 5 MB collection only the first time); returns its name."""
    with _lock:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT, str(font_path()), subfontIndex=0))
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT, bold, italic, FONT)
    return FONT
