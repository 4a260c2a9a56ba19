"""Read an answer file (the ``xadesk score`` layout, see :mod:`.layout`) into arrays, or refuse it.

One reader for ``xadesk score`` and for ``campaign import`` of such files, so a file is either
accepted by both or refused by both with the same message. Refused, each with a Chinese message that
names the row, column or cell, and nothing scored or stored:

- a header that is not ``id`` + item columns (unknown or repeated columns, empty header cells,
  missing item columns — see :mod:`.layout`);
- a header with no rows under it;
- a cell past the header's last column that holds something;
- a row without an id, an id seen on an earlier row (compared without case), an id Excel turned
  into E-notation (``6.10113E+17``: its last digits are gone), an id with invisible characters;
- a cell that is not one of its item's option codes (see :mod:`.cells`: full-width digits are
  folded, other scripts' digits and invisible characters are refused and said so);
- in an .xlsx, a formula cell without a saved result (:mod:`xadesk.xlsx_formulas`), and rows
  hidden in Excel at or below the header (refused as a whole, :class:`xadesk.tables.HiddenRows`);
- bad ``seconds`` / ``grade`` / ``sex`` values.

Size and memory: a CSV is read in slices of a few MB. When the file holds no quote character, a
slice whose lines all have the header's number of delimiters is split with numpy on the raw bytes;
one-byte cells (``0``–``9``, ``A``) become tokens by table lookup and only longer cells are decoded
one by one. Any other slice (quotes, ragged rows) goes through the ``csv`` module. Every distinct
cell text is judged once (:class:`.cells.TokenTable`), and answers land in one float array per
instrument (NaN = blank): a 100,000 × 90 file needs about 75 MB beyond the file's bytes. .xlsx
and .xls files are read row by row through :func:`xadesk.tables.open_sheets`.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ValidationFailed
from ..instruments.definition import Definition
from ..tables import Cell, HiddenRows, cell_text, csv_delimiter, is_xlsx, open_sheets, text_encoding
from ..xlsx_formulas import scan_sheet, split_ref
from .cells import TokenTable, accepted_texts, value_table, why_not
from .layout import Layout, column_letter, is_id_header, parse_header, where_column

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SEX = {"M": "M", "F": "F", "男": "M", "女": "F", "MALE": "M", "FEMALE": "F"}
_MAX_DETAILS = 50
_SCAN_ROWS = 30
_SLICE_BYTES = 1 << 20
_ROWS_PER_CHUNK = 8192
_LOSSY_ID = re.compile(r"^\d(\.\d+)?E\+\d+$", re.I)
_LONE_CR = re.compile(rb"\r(?!\n)")

ACTIONS = {"score": ("未计分", "nothing was scored"), "import": ("未导入任何数据", "nothing was imported")}


@dataclass
class AnswerFile:
    source: str
    layout: Layout
    ids: list[str]
    rows: np.ndarray                     # row numbers as the spreadsheet shows them
    answers: dict[str, np.ndarray]       # instrument id → respondents × items, NaN = blank
    seconds: np.ndarray | None = None    # NaN unknown
    grades: np.ndarray | None = None     # 0 unknown
    sexes: np.ndarray | None = None      # "M" / "F" / ""

    @property
    def n(self) -> int:
        return len(self.ids)


@dataclass
class _Chunk:
    numbers: np.ndarray                  # int64
    texts: dict[int, list[str]]          # column → cell texts (id and extra columns)
    tokens: np.ndarray                   # rows × item columns, int32
    beyond: list[tuple[int, int]] = field(default_factory=list)   # (row, column) non-empty past the header


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[int, int, str]] = []   # (row, column, text), sorted on output
        self.count = 0

    def add(self, row: int, col: int, text: str) -> None:
        self.count += 1
        if len(self.items) < 4 * _MAX_DETAILS:
            self.items.append((row, col, text))

    def raise_if_any(self, source: str, action: str, header_row: int | None = None) -> None:
        if not self.count:
            return
        ordered = sorted(self.items, key=lambda p: (p[0], p[1]))
        row, _, first = ordered[0]
        zh_first, _, en_first = first.partition(" / ")
        more = self.count - _MAX_DETAILS
        details = [t for _, _, t in ordered[:_MAX_DETAILS]] + ([f"……另有 {more} 处 / … {more} more"] if more > 0 else [])
        zh_act, en_act = ACTIONS[action]
        raise ValidationFailed(f"{source}：{zh_first}；共 {self.count} 处问题，{zh_act}。",
                               f"{source}: {en_first or zh_first}; {self.count} problem(s), {en_act}.",
                               row=row if row > 0 else None, details=details)


# --- finding the header ---------------------------------------------------------------------------

def _filled(cells: list[Cell]) -> int:
    return sum(1 for c in cells if c is not None and cell_text(c).strip())


def _find_header(rows: Iterator[tuple[int, list[Cell]]]) -> tuple[int, list[str]] | None:
    """The first row with two or more filled cells among the first non-empty rows."""
    seen = 0
    for number, cells in rows:
        if not _filled(cells):
            continue
        if _filled(cells) >= 2:
            texts = [cell_text(c).strip() for c in cells]
            while texts and not texts[-1]:
                texts.pop()
            return number, texts
        seen += 1
        if seen >= _SCAN_ROWS:
            return None
    return None


def _open(path: str | Path) -> tuple[bytes, Iterator, bool, str]:
    """The bytes, the sheets' rows, whether it is a spreadsheet (xlsx/xls), and a CSV's encoding."""
    data, sheets = open_sheets(path)
    spreadsheet = is_xlsx(data) or data.startswith(_OLE_MAGIC)
    if spreadsheet:
        return data, sheets, True, ""
    # open_sheets has refused what is not text, and reads a CSV in slices as it goes. The encoding
    # is asked again for the fast path over raw bytes (plain ASCII, the usual file, costs nothing).
    encoding = "utf-8-sig" if data.isascii() else text_encoding(data) or "utf-8"
    return data, sheets, False, encoding


def is_answer_file(path: str | Path) -> bool:
    """Whether ``path`` is in the answer layout (its header row starts with ``id``); reads only the top."""
    _, sheets, _, _ = _open(path)
    try:
        for _, rows in sheets:
            found = _find_header(rows)
            if found is not None:
                return bool(found[1]) and is_id_header(found[1][0])
        return False
    finally:
        _close(sheets)


# --- reading ---------------------------------------------------------------------------------------

def read_answers(path: str | Path, defns: Sequence[Definition], *, instrument: str | None = None,
                 action: str = "score") -> AnswerFile:
    """Read and check the whole file; :class:`ValidationFailed` lists every problem (up to 50 shown)."""
    path = Path(path)
    source = path.name
    zh_act, en_act = ACTIONS[action]
    data, sheets, spreadsheet, encoding = _open(path)
    try:
        header: tuple[int, list[str]] | None = None
        sheet_name: str | None = None
        rows: Iterator[tuple[int, list[Cell]]] = iter(())
        for name, sheet_rows in sheets:
            header = _find_header(sheet_rows)
            if header is not None:
                sheet_name, rows = name, sheet_rows
                break
        if header is None:
            raise ValidationFailed(f"{source}：在文件开头找不到表头（第一列应为 id，其后每题一列），{zh_act}。",
                                   f"{source}: no header row (id, then one column per item) near the top; {en_act}.")
        header_row, headers = header
        if not is_id_header(headers[0]):
            raise ValidationFailed(
                f"{source}：第{header_row}行（表头）第1列应为 id，实际为“{headers[0]}”，{zh_act}。",
                f"{source}: row {header_row} (the header) must start with id, not {headers[0]!r}; {en_act}.",
                row=header_row, field=headers[0])
        layout, head_problems = parse_header(headers, defns, instrument)
        if head_problems:
            raise ValidationFailed(f"{source}：第{header_row}行（表头）有误，{zh_act}。",
                                   f"{source}: the header (row {header_row}) is wrong; {en_act}.",
                                   row=header_row, details=head_problems)
        problems = _Problems()
        if is_xlsx(data):
            scan = scan_sheet(data, sheet_name)
            # Hidden rows would be scored unseen: refused as a whole, like read_table does.
            if hidden := [r for r in scan.hidden_rows if r >= header_row]:
                raise HiddenRows(source, sheet_name, hidden, (zh_act, en_act))
            for ref in scan.formulas:
                row, col, _ = split_ref(ref)
                problems.add(row, col, f"单元格 {ref}（第{row}行）是公式，但文件中没有保存计算结果，读出来会是空白；"
                                       f"请在 Excel 中打开后保存，或把公式“选择性粘贴”为数值 / cell {ref} holds a formula "
                                       "with no saved result; open and save the file in Excel, or paste values")
        item_cols = sorted(layout.items)
        text_cols = [0, *sorted(layout.extras.values())]
        tokens = TokenTable()
        chunks = _row_chunks(rows, layout.width, item_cols, text_cols, tokens) if spreadsheet else \
            _csv_chunks(data, encoding or "utf-8", rows, header_row, layout.width, item_cols, text_cols, tokens)
        try:
            hint = 0 if spreadsheet else data.count(b"\n") + 1
            result = _assemble(source, chunks, layout, defns, item_cols, tokens, problems, hint)
        except OverflowError:
            raise ValidationFailed(f"{source}：题目列中不同的内容太多，不像是作答文件，{zh_act}。",
                                   f"{source}: far too many different texts in the item columns; {en_act}.") from None
    finally:
        _close(sheets)
    if result.n == 0 and not problems.count:
        raise ValidationFailed(f"{source}：只有表头（第{header_row}行），没有任何作答行，{zh_act}。",
                               f"{source}: only a header (row {header_row}), no rows of answers; {en_act}.",
                               row=header_row)
    problems.raise_if_any(source, action)
    return result


def _close(sheets: object) -> None:
    close = getattr(sheets, "close", None)
    if close is not None:
        close()  # releases an open workbook when we stop at the first sheet



def _clean(v: str) -> str | None:
    v = v.strip()
    return v or None


def _csv_chunks(data: bytes, encoding: str, rows: Iterator[tuple[int, list[Cell]]], header_row: int, width: int,
                item_cols: list[int], text_cols: list[int], tokens: TokenTable) -> Iterator[_Chunk]:
    # Windows line ends are fine (a field's trailing \r is dropped); a lone \r (old Mac) is not.
    fast = encoding in ("utf-8-sig", "gb18030") and b'"' not in data and _LONE_CR.search(data) is None
    body = data
    if not fast:   # quotes, UTF-16 or old Mac line ends: the csv module, which the rows already come from
        yield from _row_chunks(rows, width, item_cols, text_cols, tokens)
        return
    _close(rows)
    delimiter = csv_delimiter(body[:65536].decode(encoding, errors="replace"))
    # Without quotes a record is a line: the body starts after the header's line.
    offset = 0
    for _ in range(header_row):
        nl = body.find(b"\n", offset)
        offset = len(body) if nl < 0 else nl + 1
    line = header_row + 1
    enc = "utf-8" if encoding == "utf-8-sig" else encoding
    while offset < len(body):
        end = body.find(b"\n", min(offset + _SLICE_BYTES, len(body)) - 1)
        end = len(body) if end < 0 else end + 1
        piece = body[offset:end]
        if not piece.endswith(b"\n"):
            piece += b"\n"
        chunk = _split_bytes(piece, line, width, ord(delimiter), enc, item_cols, text_cols, tokens)
        if chunk is None:   # ragged rows in this slice: let the csv module read it
            reader = csv.reader(io.StringIO(piece.decode(enc), newline=""), delimiter=delimiter)
            chunk_rows = ((line + k, [_clean(v) for v in rec]) for k, rec in enumerate(reader))
            yield from _row_chunks(chunk_rows, width, item_cols, text_cols, tokens)
        else:
            yield chunk
        line += chunk.numbers.size if chunk is not None else piece.count(b"\n")
        offset = end


def _split_bytes(piece: bytes, first_line: int, width: int, delim: int, enc: str, item_cols: list[int],
                 text_cols: list[int], tokens: TokenTable) -> _Chunk | None:
    """A slice of whole lines split on its delimiter bytes, or None when its rows are not all exactly
    the header's width (ragged or empty lines: the csv module reads that slice instead)."""
    arr = np.frombuffer(piece, dtype=np.uint8)
    # Every field ends at a delimiter or a line end; in a regular slice they come width per line.
    bounds = np.flatnonzero((arr == delim) | (arr == 10))
    m, rem = divmod(bounds.size, width)
    if rem or m == 0:
        return None
    ends = bounds.reshape(m, width)
    # Each row: width − 1 delimiters, then a line end. This also rules out empty lines: the bound
    # before an empty line's line end is the previous line's end, which may not sit in a delimiter slot.
    if not np.all(arr[ends[:, -1]] == 10) or np.any(arr[ends[:, :-1]] == 10):
        return None
    row_start = np.empty(m, dtype=np.int64)
    row_start[0] = 0
    row_start[1:] = ends[:-1, -1] + 1
    last = ends[:, -1]
    last -= arr[last - 1] == 13    # "…,5\r\n": the last field ends before the \r
    lo, hi = item_cols[0], item_cols[-1] + 1
    if hi - lo == len(item_cols):   # the usual case: item columns side by side, so views, not copies
        s, e = ends[:, lo - 1:hi - 1] + 1, ends[:, lo:hi]
    else:
        cols = np.asarray(item_cols, dtype=np.int64)
        s, e = ends[:, cols - 1] + 1, ends[:, cols]
    length = e - s
    tok = TokenTable.byte_tokens()[arr[s]]
    tok[length != 1] = 0
    for r, c in zip(*np.nonzero(length > 1), strict=True):
        tok[r, c] = tokens[piece[s[r, c]:e[r, c]].decode(enc, errors="replace")]
    texts = {}
    ascii_text = piece.decode("ascii") if piece.isascii() else None   # str slices beat bytes decodes
    for c in text_cols:
        a_s = (row_start if c == 0 else ends[:, c - 1] + 1).tolist()
        b_s = ends[:, c].tolist()
        if ascii_text is not None:
            texts[c] = [ascii_text[a:b] for a, b in zip(a_s, b_s, strict=True)]
        else:
            texts[c] = [piece[a:b].decode(enc, errors="replace") for a, b in zip(a_s, b_s, strict=True)]
    return _Chunk(numbers=np.arange(first_line, first_line + m, dtype=np.int64), texts=texts, tokens=tok)


def _row_chunks(rows: Iterable[tuple[int, list[Cell]]], width: int, item_cols: list[int], text_cols: list[int],
                tokens: TokenTable) -> Iterator[_Chunk]:
    numbers: list[int] = []
    texts: dict[int, list[str]] = {c: [] for c in text_cols}
    toks: list[list[int]] = []
    beyond: list[tuple[int, int]] = []
    for number, cells in rows:
        if not any(c is not None and (c.__class__ is not str or c.strip()) for c in cells):
            continue
        if len(cells) > width:
            beyond.extend((number, k) for k in range(width, len(cells))
                          if cells[k] is not None and cell_text(cells[k]).strip())
            cells = cells[:width]
        elif len(cells) < width:
            cells = list(cells) + [None] * (width - len(cells))
        numbers.append(number)
        for c in text_cols:
            texts[c].append(cell_text(cells[c]))
        toks.append([tokens[v if v is None or v.__class__ is str else cell_text(v)]
                     for v in (cells[k] for k in item_cols)])
        if len(numbers) >= _ROWS_PER_CHUNK:
            yield _Chunk(np.asarray(numbers, dtype=np.int64), texts,
                         np.asarray(toks, dtype=np.int32).reshape(len(numbers), len(item_cols)), beyond)
            numbers, texts, toks, beyond = [], {c: [] for c in text_cols}, [], []
    if numbers or beyond:
        yield _Chunk(np.asarray(numbers, dtype=np.int64), texts,
                     np.asarray(toks, dtype=np.int32).reshape(len(numbers), len(item_cols)), beyond)


# --- checking and assembling -------------------------------------------------------------------

def _id_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _assemble(source: str, chunks: Iterator[_Chunk], layout: Layout, defns: Sequence[Definition],
              item_cols: list[int], tokens: TokenTable, problems: _Problems, size_hint: int) -> AnswerFile:
    by_id = {d.id: d for d in defns}
    instruments = layout.instruments
    # per instrument: positions in item_cols and the item index each holds
    plan = {iid: [(k, layout.items[c][1]) for k, c in enumerate(item_cols) if layout.items[c][0] == iid]
            for iid in instruments}
    # Answers go straight into one array per instrument, sized from the file's line count when known
    # (grown by doubling otherwise): no per-chunk arrays to concatenate at the end.
    capacity = max(size_hint, 1024)
    bufs = {iid: np.full((capacity, by_id[iid].n_items), np.nan) for iid in instruments}
    filled = 0
    ids: list[str] = []
    numbers: list[np.ndarray] = []
    seen: dict[str, int] = {}
    extras = layout.extras
    seconds: list[float] = []
    grades: list[int] = []
    sexes: list[str] = []
    cache: dict = {}
    groups = {iid: _groups(plan[iid], by_id[iid]) for iid in instruments}   # the same for every chunk
    for chunk in chunks:
        for row, col in chunk.beyond:
            problems.add(row, col, f"第{row}行，{where_column(col)}：有内容，但这一列没有表头；请删去或补上表头 / "
                                   f"row {row}, column {col + 1}: a cell past the header's last column")
        if not chunk.numbers.size:
            continue
        raw_ids = chunk.texts[0]
        joined = " ".join(raw_ids)
        if not joined.isascii():
            rids = [_id_text(t) for t in raw_ids]
        elif joined.count(" ") != len(raw_ids) - 1 or "\t" in joined:
            rids = [t.strip() for t in raw_ids]
        else:
            rids = raw_ids          # plain ASCII ids without spaces: nothing to fold or strip
        keys = rids if joined == joined.upper() else [r.upper() for r in rids]
        fresh = dict(zip(keys, chunk.numbers.tolist(), strict=True))
        keep = np.ones(chunk.numbers.size, dtype=bool)
        # The usual file passes every id check at once; only a chunk with a problem is walked row by row.
        if (not all(rids) or not joined.isprintable() or len(fresh) != len(keys) or not seen.keys().isdisjoint(fresh)
                or ("E+" in joined.upper() and any(_LOSSY_ID.match(r) for r in rids))):
            _check_ids(chunk, rids, keys, keep, tokens, extras, seen, problems)
        else:
            seen.update(fresh)
        kept = np.flatnonzero(keep).tolist()
        ids.extend(rids if len(kept) == len(rids) else [rids[r] for r in kept])
        rows_num = chunk.numbers[keep]
        tok = chunk.tokens[keep]
        numbers.append(rows_num)
        m = rows_num.size
        if filled + m > capacity:
            capacity = max(2 * capacity, filled + m)
            for iid in instruments:
                grown = np.full((capacity, by_id[iid].n_items), np.nan)
                grown[:filled] = bufs[iid][:filled]
                bufs[iid] = grown
        # Which texts occur at all in this chunk: the refused-cell search runs only where one does.
        present = np.bincount(tok.ravel(), minlength=len(tokens.texts)).astype(bool) if tok.size else \
            np.zeros(len(tokens.texts), dtype=bool)
        for iid in instruments:
            d = by_id[iid]
            X = bufs[iid][filled:filled + m]
            for ks, js in groups[iid]:
                values, bad = value_table(tokens, d.items[js[0]], cache)
                sub = tok[:, _index(ks)]
                X[:, _index(js)] = values[sub]
                if not (bad & present).any():
                    continue
                hit_r, hit_c = np.nonzero(bad[sub])
                for r, c in list(zip(hit_r.tolist(), hit_c.tolist(), strict=True))[:_MAX_DETAILS]:
                    _bad_cell(problems, int(rows_num[r]), item_cols[ks[c]], layout, d, js[c],
                              tokens.texts[sub[r, c]])
                problems.count += max(0, hit_r.size - _MAX_DETAILS)
        filled += m
        if "seconds" in extras:
            for r in kept:
                seconds.append(_seconds(chunk.texts[extras["seconds"]][r], int(chunk.numbers[r]), problems))
        if "grade" in extras:
            for r in kept:
                grades.append(_grade(chunk.texts[extras["grade"]][r], int(chunk.numbers[r]), problems))
        if "sex" in extras:
            for r in kept:
                sexes.append(_sex(chunk.texts[extras["sex"]][r], int(chunk.numbers[r]), problems))
    answers = {iid: buf[:filled] for iid, buf in bufs.items()}
    return AnswerFile(
        source=source, layout=layout, ids=ids,
        rows=np.concatenate(numbers) if numbers else np.zeros(0, dtype=np.int64), answers=answers,
        seconds=np.asarray(seconds, dtype=np.float64) if "seconds" in extras else None,
        grades=np.asarray(grades, dtype=np.int64) if "grade" in extras else None,
        sexes=np.asarray(sexes, dtype=object) if "sex" in extras else None)


def _check_ids(chunk: _Chunk, rids: list[str], keys: list[str], keep: np.ndarray, tokens: TokenTable,
               extras: dict[str, int], seen: dict[str, int], problems: _Problems) -> None:
    blank_tok = np.array([not t.strip() for t in tokens.texts], dtype=bool)
    row_blank = blank_tok[chunk.tokens].all(axis=1) if chunk.tokens.size else np.ones(len(rids), dtype=bool)
    for r, rid in enumerate(rids):
        number = int(chunk.numbers[r])
        if not rid:
            if row_blank[r] and not any(chunk.texts[c][r].strip() for c in extras.values()):
                keep[r] = False         # a row of blank cells is an empty row
                continue
            problems.add(number, 0, f"第{number}行，第1列（A）：缺少 id / row {number}: missing id")
        elif not rid.isprintable():
            bad = next(ch for ch in rid if not ch.isprintable())
            problems.add(number, 0, f"第{number}行，第1列（A）：id 含不可见字符 U+{ord(bad):04X} / "
                                    f"row {number}: the id holds an invisible character")
        elif _LOSSY_ID.match(rid):
            problems.add(number, 0, f"第{number}行，第1列（A）：id“{rid}”被 Excel 变成了科学计数法，后几位已丢失；"
                                    "请把该列设为文本后重新导出 / "
                                    f"row {number}: the id {rid!r} was turned into E-notation by Excel")
        elif keys[r] in seen:
            problems.add(number, 0, f"第{number}行，第1列（A）：id“{rid}”与第{seen[keys[r]]}行重复 / "
                                    f"row {number}: id {rid!r} repeats row {seen[keys[r]]}")
        else:
            seen[keys[r]] = number


def _index(positions: list[int]) -> slice | list[int]:
    """A slice when the positions run side by side (a view instead of a fancy-index copy)."""
    if positions == list(range(positions[0], positions[0] + len(positions))):
        return slice(positions[0], positions[0] + len(positions))
    return positions


def _groups(plan: list[tuple[int, int]], d: Definition) -> list[tuple[list[int], list[int]]]:
    """(token columns, item indexes) of items that accept the same texts: one lookup per group."""
    out: dict[tuple, tuple[list[int], list[int]]] = {}
    for k, j in plan:
        key = tuple(sorted(accepted_texts(d.items[j]).items()))
        ks, js = out.setdefault(key, ([], []))
        ks.append(k)
        js.append(j)
    return list(out.values())


def _bad_cell(problems: _Problems, number: int, col: int, layout: Layout, d: Definition, j: int, text: str) -> None:
    it = d.items[j]
    codes = "、".join(o.code for o in it.options)
    reason = why_not(text)
    zh_reason, _, en_reason = reason.partition(" / ")
    zh = f"第{number}行，{where_column(col, layout.headers[col])}：“{text}”不是该题的选项（{codes}）"
    en = f"row {number}, column {col + 1} ({column_letter(col)}, item {j + 1}): {text!r} is not an option"
    if reason:
        zh, en = f"{zh}，{zh_reason}", f"{en}: {en_reason}"
    problems.add(number, col, f"{zh} / {en}")


def _seconds(text: str, number: int, problems: _Problems) -> float:
    t = text.strip()
    if not t:
        return math.nan
    try:
        if not t.isascii():
            raise ValueError
        sec = float(t)
        if not math.isfinite(sec) or sec < 0:
            raise ValueError
        return sec
    except ValueError:
        problems.add(number, 0, f"第{number}行：用时“{t}”应为非负秒数 / row {number}: seconds {t!r} must be a "
                                "non-negative number")
        return math.nan


def _grade(text: str, number: int, problems: _Problems) -> int:
    t = _id_text(text)
    if not t:
        return 0
    if t.isascii() and t.isdigit() and 1 <= int(t) <= 16:
        return int(t)
    problems.add(number, 0, f"第{number}行：年级“{t}”应为 1–16 的数字 / row {number}: grade {t!r} must be 1–16")
    return 0


def _sex(text: str, number: int, problems: _Problems) -> str:
    t = _id_text(text).upper()
    if not t:
        return ""
    if t in _SEX:
        return _SEX[t]
    problems.add(number, 0, f"第{number}行：性别“{t}”应为 男/女 或 M/F / row {number}: sex {t!r} must be M/F")
    return ""


__all__ = ["ACTIONS", "AnswerFile", "is_answer_file", "read_answers"]
