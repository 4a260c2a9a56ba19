"""Writing spreadsheets and CSV so that no text ever becomes a formula.

Every xlsx and CSV the app writes goes through these helpers. A student's name, a campaign name or
an answer is text a stranger typed: ``=HYPERLINK(…)`` or ``=cmd|'/c calc'!A1`` must arrive in Excel or
WPS as the characters typed, never as a live formula (CSV injection, OWASP).

* xlsx: text cells are stored with the string type, so Excel shows them verbatim and never evaluates
  them (openpyxl would otherwise store a value starting with ``=`` as a formula); formula-looking
  text also gets Excel's quote prefix, so editing the cell later keeps it text.
* CSV has no cell types: a text value starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading
  apostrophe, which spreadsheet programs show as a text marker. Numbers stay numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    # Leading spaces or a full-width ＝ do not protect: spreadsheet programs strip/convert them.
    stripped = text.lstrip(" \u3000")
    return bool(stripped) and (stripped.startswith(FORMULA_STARTS) or stripped[0] in "＝＋－＠")


def csv_cell(value: Any) -> Any:
    """A value for ``csv.writer``: text that could start a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value and (looks_like_formula(value) or value[0] in "\t\r"):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def xlsx_append(sheet, values: Sequence[Any]) -> None:
    """``sheet.append`` with every text value stored as text (works for normal and write-only sheets)."""
    from openpyxl.cell import WriteOnlyCell

    if getattr(sheet, "_write_only", False) or type(sheet).__name__ == "WriteOnlyWorksheet":
        cells = []
        for v in values:
            cell = WriteOnlyCell(sheet, value=v)
            if isinstance(v, str):
                _as_text(cell, v)
            cells.append(cell)
        sheet.append(cells)
        return
    sheet.append(list(values))
    row = sheet.max_row
    for col, v in enumerate(values, start=1):
        if isinstance(v, str):
            _as_text(sheet.cell(row=row, column=col), v)


def _as_text(cell, value: str) -> None:
    cell.data_type = "s"
    if looks_like_formula(value):
        # Excel's own "text" marker: editing the cell later does not turn it into a formula either.
        cell.quotePrefix = True
