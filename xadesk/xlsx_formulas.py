"""Formula cells that carry no saved result, in an .xlsx file.

A workbook written by a script, or saved by a program that does not calculate (WPS in some modes,
online converters), can hold ``<c r="J5"><f>2+1</f></c>`` with no ``<v>`` value. openpyxl's
``data_only`` mode then gives ``None``, which an answer reader would take for a blank answer — a
safety item answered by formula would silently vanish, a 学籍号 typed as ``="G…"`` would read as
missing. Every reader of spreadsheets calls :func:`formula_cells_without_value` and refuses the file
naming the cells: :func:`xadesk.tables.read_table` (rosters, 问卷星 files) and the answer reader.

The same single pass notes the sheet's hidden rows that hold something (``<row r="5" hidden="1">``,
Excel's 隐藏): openpyxl's read-only mode does not see the flag, so a reader would import rows the
teacher hid — students who left, test rows — without anyone knowing. :func:`scan_sheet` gives both;
the readers refuse a table whose rows include hidden ones. Hidden rows without any cell (Excel keeps
them below a table) are not listed: they import nothing.

The sheet XML is streamed (``iterparse``, elements cleared as they pass), so memory stays flat
whatever the sheet's size. Only the zip's own structure is trusted: a damaged file gives
:class:`FormulaScanError`, a ``UserError``.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

from .errors import UserError

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


class FormulaScanError(UserError):
    """The workbook's structure could not be read while looking for formula cells."""


@dataclass
class SheetScan:
    """What one pass over a sheet's XML found."""

    formulas: list[str] = field(default_factory=list)   # formula cells without a saved value, "J5"
    hidden_rows: list[int] = field(default_factory=list)   # hidden rows holding a cell, in file order


def formula_cells_without_value(source: bytes | str | Path, sheet: str | None = None, *,
                                limit: int = 1000) -> list[str]:
    """References (``"J5"``) of formula cells with no saved value on ``sheet`` (default: the first
    sheet), in file order, at most ``limit``. An empty list means every formula has its result."""
    return scan_sheet(source, sheet, limit=limit).formulas


def scan_sheet(source: bytes | str | Path, sheet: str | None = None, *, limit: int = 1000) -> SheetScan:
    """Formula cells without a saved value (at most ``limit``; once reached the scan stops, so the
    hidden rows may then be incomplete) and the hidden rows that hold cells, on ``sheet`` (default:
    the first sheet)."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            part = _sheet_part(zf, sheet)
            if part is None:
                return SheetScan()
            with zf.open(part) as fh:
                return _scan(fh, limit)
    except (zipfile.BadZipFile, KeyError, ParseError, OSError, EOFError) as exc:
        raise FormulaScanError("表格文件已损坏，无法检查其中的公式。请用 Excel 打开检查后重新保存。",
                               "The workbook is damaged; its formulas cannot be checked. Open it in Excel "
                               "and save it again.") from exc


def split_ref(ref: str) -> tuple[int, int, str]:
    """``"J5"`` → (row 5, column index 9 counted from 0, letters ``"J"``); (0, 0, "") when not a reference."""
    m = _REF.match(ref)
    if m is None:
        return 0, 0, ""
    index = 0
    for ch in m.group(1):
        index = index * 26 + ord(ch) - 64
    return int(m.group(2)), index - 1, m.group(1)


def _sheet_part(zf: zipfile.ZipFile, sheet: str | None) -> str | None:
    """The zip path of the named (or first) worksheet, through workbook.xml and its relationships."""
    rel_targets: dict[str, str] = {}
    with zf.open("xl/_rels/workbook.xml.rels") as fh:
        for _, el in iterparse(fh):
            if el.tag == f"{_PKG_REL}Relationship":
                target = el.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join("xl", target))
                rel_targets[el.get("Id", "")] = target
    with zf.open("xl/workbook.xml") as fh:
        for _, el in iterparse(fh):
            if el.tag == f"{_MAIN}sheet" and (sheet is None or el.get("name") == sheet):
                return rel_targets.get(el.get(f"{_REL}id", ""))
    return None


def _scan(fh, limit: int) -> SheetScan:
    found = SheetScan()
    cell_tag, f_tag, v_tag, row_tag = f"{_MAIN}c", f"{_MAIN}f", f"{_MAIN}v", f"{_MAIN}row"
    filled = False        # whether the row being read has a cell with content (a value, text or formula)
    last_row = 0
    for _, el in iterparse(fh):
        tag = el.tag
        if tag == cell_tag:
            if len(el):
                filled = True
                f = el.find(f_tag)
                if f is not None:
                    v = el.find(v_tag)
                    if v is None or not (v.text or "").strip():
                        found.formulas.append(el.get("r", "?"))
                        if len(found.formulas) >= limit:
                            return found
            el.clear()
        elif tag == row_tag:
            r = el.get("r")
            last_row = int(r) if r and r.isdigit() else last_row + 1   # r may be left out: the next row
            if filled and el.get("hidden") in ("1", "true"):
                found.hidden_rows.append(last_row)
            filled = False
            el.clear()   # the row's cells were cleared one by one; drop the row too
    return found
