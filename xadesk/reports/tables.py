"""A plain table of paragraphs (cells wrap Chinese text) with a shaded header row."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Table, TableStyle

from .fonts import register_fonts
from .styles import RULE, SHADE, para


def grid_table(columns: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float] | None = None,
               *, repeat_header: bool = True) -> Table:
    data = [[para(c, "cell_head") for c in columns]]
    data += [[para(v, "cell") for v in row] for row in rows]
    table = Table(data, colWidths=list(widths) if widths else None, repeatRows=1 if repeat_header else 0)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), register_fonts()),  # Table's own default is Helvetica (not embedded)
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table
