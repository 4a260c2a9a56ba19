"""Read a spreadsheet-like file into a header and rows, with row numbers as Excel shows them.

Used by every import (rosters, 问卷星 surveys). The format is decided by the file's first bytes,
not its name, because schools rename files freely: a zip is .xlsx, an OLE2 compound file is .xls
(or a password-protected .xlsx, which we recognise and refuse), anything else with a text-like
extension is CSV/TSV. Many web systems export "xls" files that are really HTML or tab-separated
text; tab-separated ones are read, HTML is refused with advice.

CSV encoding: a UTF-16 BOM (Excel's "Unicode text") → UTF-16; else strict UTF-8 (with or without a
BOM); else GB18030 (a superset of GBK, which Excel on a Chinese Windows writes). On short files a
statistical detector guesses poorly, while strict UTF-8 practically never accepts GBK Chinese (its
byte pairs are almost never valid UTF-8 sequences), so this fixed order is the reliable choice.
The delimiter is a tab when the first lines hold more tabs than commas, else a comma.
The encoding check runs over the whole file slice by slice, keeping nothing; the rows are then
decoded as they are read (:func:`csv_records`), so memory holds the file's bytes and a slice of
text, not the whole text (which was 1.5× a Chinese file's size, four times for some files).

Cells keep their spreadsheet type (str, int, float, bool, datetime, date, time) so callers can tell
an Excel date from text; strings are stripped and empty strings become None. Fully empty rows are
skipped but never renumbered. ``cell_text`` renders a cell as text the way Excel would display it;
a number too long for Excel's 15 significant digits comes out in E-notation (``6.10116199001011E+17``)
so identifier validation recognises it as damaged rather than trusting invented digits.

An .xlsx whose table sheet holds a formula cell without a saved result (written by a script or a
program that does not calculate) is refused with :class:`FormulaWithoutValue`, naming the sheet, row
and column of each such cell: it would otherwise read as blank. A formula with its saved result
reads as that result, as Excel shows it.

An .xlsx whose table (header or data rows) includes rows hidden in Excel (隐藏) is refused with
:class:`HiddenRows`, naming the sheet and the rows: openpyxl's read-only mode cannot see the flag,
so the rows would be imported although the teacher, who hid them (students who left, test rows),
no longer sees them. Hidden empty rows (below the table, say) import nothing and are let be. The
same pass over the sheet's XML finds both (:func:`xadesk.xlsx_formulas.scan_sheet`).

Any unreadable file (not really a spreadsheet, truncated, empty, password-protected, an unknown
type) raises :class:`TableFileError` — a ``UserError`` naming the file — never a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from .errors import Cancelled, NotFound, UserError, ValidationFailed
from .i18n import msg
from .xlsx_formulas import scan_sheet, split_ref

Cell = str | int | float | bool | datetime | date | time | None
HeaderMatch = Callable[[list[str]], bool] | Iterable[str] | None

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".xls"}
_SLICE_BYTES = 1 << 18     # CSV text is decoded this many bytes at a time (a few MB of str at peak)
_HEAD_CHARS = 65536        # characters looked at to tell the delimiter and spot a web page
_EXACT_FLOAT_LIMIT = 1e15  # Excel keeps 15 significant digits; above this, trailing digits are invented


class TableFileError(UserError):
    """The file could not be read as a table."""


class HeaderNotFound(ValidationFailed):
    """No row near the top of the file looks like the expected header."""

    def __init__(self, source: str, seen: list[str]) -> None:
        super().__init__(f"在文件“{source}”的前几行中找不到表头。", f"No header row found near the top of {source!r}.")
        self.source = source
        self.seen = seen  # the first non-empty row's texts, to tell the user what we found instead


class FormulaWithoutValue(ValidationFailed):
    """An .xlsx cell holds a formula whose result was never saved, so it would read as blank."""

    def __init__(self, source: str, sheet: str | None, header: list[str], refs: list[str]) -> None:
        self.source, self.sheet = source, sheet
        self.cells = [split_ref(ref) for ref in refs]   # (row, column index, letters)
        where = f"工作表“{sheet}”" if sheet else "表格"
        where_en = f"sheet {sheet!r}" if sheet else "the sheet"
        details = []
        for (row, index, _), ref in zip(self.cells, refs, strict=True):
            named = f"“{header[index]}”列，" if 0 <= index < len(header) and header[index] else ""
            named_en = f"column {header[index]!r}, " if 0 <= index < len(header) and header[index] else ""
            details.append(msg(f"{where}第{row}行第{index + 1}列（{named}单元格 {ref}）",
                               f"{where_en}, row {row}, column {index + 1} ({named_en}cell {ref})"))
        super().__init__(
            f"文件“{source}”的{where}中有 {len(refs)} 个单元格是公式，但文件里没有保存公式的计算结果，读出来会是空白，"
            f"未导入任何数据。请用 Excel 或 WPS 打开这个文件，保存一次后再导入（保存时会算出并存下结果）。",
            f"{source!r}: {len(refs)} cell(s) in {where_en} hold a formula whose result was never saved, so they "
            f"would read as blank; nothing was imported. Open the file in Excel or WPS, save it once, and import "
            f"it again (saving computes and stores the results).",
            row=self.cells[0][0] or None, details=details)


class HiddenRows(ValidationFailed):
    """Rows of the table are hidden in Excel, so they would be imported without the user seeing them."""

    SHOWN = 10   # row numbers named in the message; the count says how many there are in all

    def __init__(self, source: str, sheet: str | None, rows: list[int],
                 outcome: tuple[str, str] = ("未导入任何数据", "nothing was imported")) -> None:
        self.source, self.sheet, self.rows = source, sheet, list(rows)
        where = f"工作表“{sheet}”" if sheet else "表格"
        where_en = f"sheet {sheet!r}" if sheet else "the sheet"
        shown = rows[:self.SHOWN]
        more = "等" if len(rows) > len(shown) else ""
        more_en = ", …" if len(rows) > len(shown) else ""
        super().__init__(
            f"文件“{source}”的{where}中第{'、'.join(map(str, shown))}{more}行是隐藏的行（共 {len(rows)} 行），"
            f"在 Excel 里看不见，却会被一并读入，{outcome[0]}。请在 Excel 中选中这些行所在的区域，右键“取消隐藏”，"
            f"删除不想导入的行（要导入的保留即可），保存后再导入。",
            f"{source!r}: row(s) {', '.join(map(str, shown))}{more_en} of {where_en} are hidden ({len(rows)} in all): "
            f"they cannot be seen in Excel but would be read; {outcome[1]}. In Excel select them, right-click "
            f"Unhide, delete the rows you do not want (keep the ones you do), save and import again.",
            row=rows[0] if rows else None,
            details=[msg(f"{where}第{r}行（隐藏）", f"{where_en}, row {r} (hidden)") for r in shown])


@dataclass(slots=True)
class TableRow:
    number: int  # 1-based, as the row number Excel shows
    cells: list[Cell]  # padded or cut to the header's width


@dataclass
class Table:
    source: str  # the file name, for messages
    sheet: str | None
    header_row: int
    header: list[str]
    rows: list[TableRow]


def read_table(path: str | Path, *, header: HeaderMatch = None, min_matches: int = 2, sheet: str | None = None,
               scan_rows: int = 30, cancelled: Callable[[], bool] | None = None) -> Table:
    """Read ``path``; the header is the first row (among the first ``scan_rows`` non-empty rows) that
    ``header`` accepts: a predicate over the row's texts, or a set of expected names of which at
    least ``min_matches`` must be present (compared by :func:`normalize_header`). Without ``header``
    the first non-empty row is the header. Sheets are tried in order unless ``sheet`` names one.
    """
    path = Path(path)
    name = path.name
    if path.is_dir():
        raise TableFileError(f"“{name}”是一个文件夹，不是文件。请选择文件夹里的 .xlsx、.xls 或 .csv 文件。",
                             f"{name!r} is a folder, not a file. Choose the .xlsx, .xls or .csv file inside it.")
    if not path.is_file():
        raise NotFound(f"找不到文件“{name}”。", f"File not found: {name}.")
    data = path.read_bytes()
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise TableFileError(f"文件“{name}”是空的。", f"The file {name!r} is empty.")
    accept = _header_predicate(header, min_matches)
    sheets = _open(data, path)
    first_seen: list[str] = []
    found_sheet = sheet is None
    examined: list[str | None] = []
    try:
        for sheet_name, rows in sheets:
            if sheet is not None and sheet_name != sheet:
                continue
            found_sheet = True
            examined.append(sheet_name)
            table = _take(rows, name, sheet_name, accept, scan_rows, cancelled, first_seen)
            if table is not None:
                _refuse_hidden_cells(data, name, sheet_name, table)
                return table
    finally:
        close = getattr(sheets, "close", None)
        if close is not None:
            close()  # releases the workbook even when we stop at the first matching sheet
    if not found_sheet:
        raise TableFileError(f"文件“{name}”中没有名为“{sheet}”的工作表。", f"{name!r} has no sheet named {sheet!r}.")
    for sheet_name in examined:   # no table found: unsaved formulas (read as blanks) are the likelier cause
        _refuse_formulas_without_value(data, name, sheet_name, [])
    if accept is None:
        raise TableFileError(f"文件“{name}”中没有任何数据。", f"The file {name!r} holds no data.")
    raise HeaderNotFound(name, first_seen)


def _refuse_formulas_without_value(data: bytes, name: str, sheet: str | None, header: list[str]) -> None:
    if is_xlsx(data) and (refs := scan_sheet(data, sheet, limit=50).formulas):
        raise FormulaWithoutValue(name, sheet, header, refs)


def _refuse_hidden_cells(data: bytes, name: str, sheet: str | None, table: Table) -> None:
    """Refuse the table for unsaved formulas, then for hidden rows among its header and data rows;
    one pass over the sheet's XML finds both."""
    if not is_xlsx(data):
        return
    scan = scan_sheet(data, sheet, limit=50)
    if scan.formulas:
        raise FormulaWithoutValue(name, sheet, table.header, scan.formulas)
    if scan.hidden_rows:
        used = {table.header_row, *(row.number for row in table.rows)}
        if hidden := [r for r in scan.hidden_rows if r in used]:
            raise HiddenRows(name, sheet, hidden)


def normalize_header(text: object) -> str:
    """Compare headers loosely: full-width folded, spaces and line breaks dropped, * markers and
    bracketed notes like ``（必填）`` removed."""
    value = unicodedata.normalize("NFKC", "" if text is None else str(text))
    value = "".join(value.split()).strip("*")
    out: list[str] = []
    depth = 0
    for ch in value:
        if ch in "([【":
            depth += 1
        elif ch in ")]】":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out) or value


def cell_text(value: Cell) -> str:
    """A cell as the text Excel would display (dates as ISO, long numbers in E-notation)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _EXACT_FLOAT_LIMIT:
            return str(int(value))
        return f"{value:.15G}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    return value.isoformat()


def is_lossy_number(value: Cell) -> bool:
    """True for a numeric cell whose digits beyond Excel's 15 significant ones cannot be trusted."""
    return isinstance(value, float) and abs(value) >= _EXACT_FLOAT_LIMIT


# --- finding the header ------------------------------------------------------------------------

def _header_predicate(header: HeaderMatch, min_matches: int) -> Callable[[list[str]], bool] | None:
    if header is None:
        return None
    if callable(header):
        return header
    wanted = {normalize_header(h) for h in header}
    need = min(min_matches, len(wanted))
    return lambda texts: len(wanted & {normalize_header(t) for t in texts}) >= need


def _take(rows: Iterator[tuple[int, list[Cell]]], source: str, sheet: str | None,
          accept: Callable[[list[str]], bool] | None, scan_rows: int,
          cancelled: Callable[[], bool] | None, first_seen: list[str]) -> Table | None:
    scanned = 0
    header: list[str] | None = None
    header_row = 0
    body: list[TableRow] = []
    seen = 0
    for number, cells in rows:
        if all(c is None for c in cells):
            continue
        if header is None:
            texts = [cell_text(c) for c in cells]
            if not first_seen:
                first_seen.extend(t for t in texts if t)
            if accept is None or accept(texts):
                while texts and not texts[-1]:
                    texts.pop()
                header, header_row = texts, number
                continue
            scanned += 1
            if scanned >= scan_rows:
                return None
            continue
        seen += 1
        if cancelled is not None and seen % 500 == 0 and cancelled():
            raise Cancelled()
        width = len(header)
        if len(cells) < width:
            cells = cells + [None] * (width - len(cells))
        elif len(cells) > width:
            cells = cells[:width]
        if any(c is not None for c in cells):  # data only in unnamed columns counts as empty
            body.append(TableRow(number, cells))
    if header is None:
        return None
    return Table(source, sheet, header_row, header, body)


# --- opening by content --------------------------------------------------------------------------

SheetRows = tuple[str | None, Iterator[tuple[int, list[Cell]]]]


def _open(data: bytes, path: Path) -> Iterator[SheetRows]:
    name = path.name
    if data.startswith(_ZIP_MAGIC):
        return _xlsx_sheets(data, name)
    if data.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise TableFileError(f"文件“{name}”设置了打开密码，无法读取。请在Excel中取消密码（文件→信息→保护工作簿）后另存再导入。",
                                 f"{name!r} is password-protected. Remove the password in Excel, save, and import again.")
        return _xls_sheets(data, name)
    suffix = path.suffix.lower()
    if suffix == ".xlsx" or suffix == ".xlsm":
        raise _corrupt(name)
    if suffix not in _TEXT_SUFFIXES:
        raise TableFileError(f"不支持文件“{name}”的类型：请使用 .xlsx、.xls 或 .csv 文件。",
                             f"{name!r} is not a supported file type: use .xlsx, .xls or .csv.")
    encoding, has_nul = _sniff(data)
    if encoding is None:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise _corrupt(name)
        raise TableFileError(f"无法识别文件“{name}”的文字编码：请在Excel中另存为“CSV UTF-8”或.xlsx后再导入。",
                             f"Cannot tell the text encoding of {name!r}: save it as CSV UTF-8 or .xlsx and import again.")
    head = _head(data, encoding)
    if head.lstrip()[:200].lower().startswith("<"):
        raise TableFileError(f"文件“{name}”其实是网页格式，不是真正的Excel文件。请用Excel打开后“另存为”.xlsx再导入。",
                             f"{name!r} is really a web page, not a spreadsheet. Open it in Excel, save as .xlsx, and import that.")
    if has_nul:
        raise _corrupt(name)
    return iter([(None, csv_records(data, encoding, name))])


def open_sheets(path: str | Path) -> tuple[bytes, Iterator[SheetRows]]:
    """The file's bytes and its sheets' raw rows ``(number, cells)``: neither padded nor cut to a
    header's width, for readers that check row widths themselves. Same refusals as :func:`read_table`;
    close the iterator (``.close()``) when stopping early."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"找不到文件“{path.name}”。", f"File not found: {path.name}.")
    data = path.read_bytes()
    if _blank(data):
        raise TableFileError(f"文件“{path.name}”是空的。", f"The file {path.name!r} is empty.")
    return data, _open(data, path)


def _blank(data: bytes) -> bool:
    blanks = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"
    return not data[:4096].strip(blanks) and not data.strip(blanks)   # no copy of a large file


def is_xlsx(data: bytes) -> bool:
    """Whether these bytes are a zip container (how .xlsx files are recognised, whatever their name)."""
    return data.startswith(_ZIP_MAGIC)


def _corrupt(name: str) -> TableFileError:
    return TableFileError(f"文件“{name}”已损坏或不是有效的表格文件，无法读取。请用Excel打开检查后重新保存。",
                          f"{name!r} is damaged or not a valid spreadsheet. Open it in Excel, check it, and save it again.")


def text_encoding(data: bytes) -> str | None:
    """The encoding a CSV's bytes are read with (``utf-16``, ``utf-8-sig`` or ``gb18030``, in that
    order, see the module notes), or None when none decodes them. The whole file is checked, slice
    by slice (no decoded copy is kept): a GBK file whose first Chinese character comes after a
    megabyte of ASCII is still GB18030."""
    return _sniff(data)[0]


def _sniff(data: bytes) -> tuple[str | None, bool]:
    """(the encoding as :func:`text_encoding` says, whether the text holds a NUL character)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates: tuple[str, ...] = ("utf-16",)
    elif data.isascii():           # the usual export of ids and numbers: nothing to try
        return "utf-8-sig", b"\x00" in data
    else:
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        has_nul = False
        try:
            for piece in _decoded(data, encoding):
                has_nul = has_nul or "\x00" in piece
        except UnicodeDecodeError:
            continue
        return encoding, has_nul
    return None, False


def _decoded(data: bytes, encoding: str) -> Iterator[str]:
    """The text in pieces of about ``_SLICE_BYTES`` bytes, decoded strictly and incrementally (a
    character cut by a slice boundary comes whole in the next piece)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    for start in range(0, len(data), _SLICE_BYTES):
        piece = decoder.decode(view[start:start + _SLICE_BYTES], final=start + _SLICE_BYTES >= len(data))
        if piece:
            yield piece


def _head(data: bytes, encoding: str) -> str:
    """The first 65,536 characters (or the whole text when shorter), for sniffing."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(data[:4 * _HEAD_CHARS], final=len(data) <= 4 * _HEAD_CHARS)[:_HEAD_CHARS]


def _lines(data: bytes, encoding: str) -> Iterator[str]:
    """The text line by line (endings kept: ``\n``, ``\r\n`` or a lone ``\r``), as
    ``io.StringIO(text, newline="")`` would give it, without holding the whole text. A piece is cut
    after its last line end; a ``\r`` at the very end waits for the next piece, which may start with
    its ``\n``."""
    carry = ""
    for piece in _decoded(data, encoding):
        text = carry + piece
        end = len(text) - 1 if text.endswith("\r") else len(text)
        cut = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1
        carry = text[cut:]
        if cut:
            yield from io.StringIO(text[:cut], newline="")
    if carry:
        yield from io.StringIO(carry, newline="")


def csv_delimiter(text: str) -> str:
    """A tab when the first lines hold more tabs than commas (Excel's "Unicode text"), else a comma."""
    sample = [line for line in text[:65536].splitlines()[:20] if line.strip()]
    return "\t" if sum(s.count("\t") for s in sample) > sum(s.count(",") for s in sample) else ","


def csv_records(data: bytes, encoding: str, name: str) -> Iterator[tuple[int, list[Cell]]]:
    """A CSV's records ``(number, cells)`` (stripped, empty → None), numbered as Excel shows its rows
    when no cell holds a line break; decoded as it is read, so memory holds one slice of text, not
    the file's. ``encoding`` from :func:`text_encoding`."""
    delimiter = csv_delimiter(_head(data, encoding))
    reader = csv.reader(_lines(data, encoding), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            yield number, [_clean(v) for v in record]
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            limit = csv.field_size_limit()
            raise TableFileError(
                f"文件“{name}”第 {number + 1} 行起有一个单元格超过 {limit:,} 个字符，无法读取。这通常是一个引号（\"）"
                f"没有配对，使后面的内容都并进了同一格；请用Excel打开检查该行后重新保存。",
                f"{name!r}: a cell starting on row {number + 1} is longer than {limit:,} characters. Usually a "
                f"quote (\") is not closed, so everything after it joined one cell; check that row in Excel "
                f"and save again.") from None
        raise _corrupt(name) from None
    except UnicodeDecodeError:   # the bytes changed under us since the encoding was chosen
        raise _corrupt(name) from None


def _clean(value: Cell) -> Cell:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _xlsx_sheets(data: bytes, name: str) -> Iterator[SheetRows]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # styles/extension warnings say nothing a teacher can act on
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise _corrupt(name) from exc
    try:
        for ws in book.worksheets:
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # some generators write wrong dimensions; read what is there
            yield ws.title, _xlsx_rows(ws, name)
    finally:
        book.close()


def _xlsx_rows(ws: object, name: str) -> Iterator[tuple[int, list[Cell]]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):  # type: ignore[attr-defined]
                yield number, [_clean(v) for v in values]
    except UserError:
        raise
    except Exception as exc:
        raise _corrupt(name) from exc


def _xls_sheets(data: bytes, name: str) -> Iterator[SheetRows]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise TableFileError(f"文件“{name}”设置了打开密码，无法读取。请在Excel中取消密码后另存再导入。",
                                 f"{name!r} is password-protected. Remove the password in Excel, save, and import again.") from exc
        raise _corrupt(name) from exc
    except Exception as exc:
        raise _corrupt(name) from exc
    try:
        for index in range(book.nsheets):
            try:
                sheet = book.sheet_by_index(index)
            except Exception as exc:
                raise _corrupt(name) from exc
            yield sheet.name, _xls_rows(sheet, book.datemode)
    finally:
        book.release_resources()


def _xls_rows(sheet: object, datemode: int) -> Iterator[tuple[int, list[Cell]]]:
    import xlrd

    for r in range(sheet.nrows):  # type: ignore[attr-defined]
        cells: list[Cell] = []
        for cell in sheet.row(r):  # type: ignore[attr-defined]
            kind, value = cell.ctype, cell.value
            if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                cells.append(None)
            elif kind == xlrd.XL_CELL_TEXT:
                cells.append(_clean(value))
            elif kind == xlrd.XL_CELL_NUMBER:
                # .xls stores every number as a double; small whole numbers are plain ints to callers.
                cells.append(int(value) if value.is_integer() and abs(value) < _EXACT_FLOAT_LIMIT else value)
            elif kind == xlrd.XL_CELL_DATE:
                try:
                    cells.append(xlrd.xldate.xldate_as_datetime(value, datemode))
                except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                    cells.append(value)
            elif kind == xlrd.XL_CELL_BOOLEAN:
                cells.append(bool(value))
            else:  # error cells (#N/A …) keep their text so validation can point at them
                cells.append(xlrd.error_text_from_code.get(value, "#ERR"))
        yield r + 1, cells


# --- which sheet a workbook's table is on ---------------------------------------------------------

def refuse_unseen_or_split(path: str | Path, table: Table, header: HeaderMatch, min_matches: int = 2) -> None:
    """Refuse a workbook whose table is not the one a person sees and means: the table was found on
    a *hidden* sheet (last year's list kept out of sight, a lookup sheet), or another visible sheet
    holds a table of the same kind (七年级 on one sheet, 八年级 on the next) — reading only the first
    would import part of the file without a word. Raises :class:`TableFileError` naming the sheets;
    CSV files (one table) pass."""
    path = Path(path)
    if table.sheet is None:           # a CSV: one table, and no second copy of a large file's bytes
        return
    data = path.read_bytes()
    if not (data.startswith(_ZIP_MAGIC) or data.startswith(_OLE_MAGIC)):
        return
    name = path.name
    hidden = _hidden_sheets(data, name)
    if table.sheet in hidden:
        raise TableFileError(
            f"文件“{name}”中的表格在隐藏的工作表“{table.sheet}”中，没有导入：隐藏的工作表常是旧名单或备用数据。"
            "请在 Excel 中取消隐藏核对；要导入它，就删去其他工作表，或把它另存为单独的文件。",
            f"{name!r}: the table is on the hidden sheet {table.sheet!r}; nothing was imported. Unhide it in Excel "
            "and check it; to import it, delete the other sheets or save it as a file of its own.")
    accept = _header_predicate(header, min_matches)
    mine = {normalize_header(h) for h in table.header if h}
    others: list[str] = []
    sheets = _open(data, path)
    try:
        for sheet_name, rows in sheets:
            if sheet_name == table.sheet or sheet_name in hidden:
                continue
            other = _take(rows, name, sheet_name, accept, 30, None, [])
            if other is not None and other.rows and len(mine & {normalize_header(h) for h in other.header if h}) >= 2:
                others.append(str(sheet_name))
    finally:
        close = getattr(sheets, "close", None)
        if close is not None:
            close()
    if others:
        listed = "”“".join([str(table.sheet), *others])
        raise TableFileError(
            f"文件“{name}”有 {len(others) + 1} 个工作表都是这样的表格（“{listed}”），没有导入：一次只读一个工作表，"
            "只导入第一个会漏掉其余的。请把它们合并到同一个工作表，或分别另存为单独的文件后逐个导入。",
            f"{name!r} has {len(others) + 1} sheets holding such a table ({listed}); nothing was imported. Only one "
            "sheet is read at a time: put them on one sheet, or save each as a file of its own and import each.")


def _hidden_sheets(data: bytes, name: str) -> set[str]:
    """Titles of the hidden (and very hidden) sheets of an .xlsx or .xls workbook."""
    if data.startswith(_ZIP_MAGIC):
        import openpyxl

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        except Exception as exc:
            raise _corrupt(name) from exc
        try:
            return {ws.title for ws in book.worksheets if ws.sheet_state != "visible"}
        finally:
            book.close()
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        try:
            return {book.sheet_by_index(i).name for i in range(book.nsheets) if book.sheet_by_index(i).visibility}
        finally:
            book.release_resources()
    except Exception as exc:
        raise _corrupt(name) from exc
