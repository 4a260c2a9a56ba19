"""Survey files (问卷星 and plain spreadsheets) and the mapping from their columns to instrument items.

No database here: :func:`read_survey` reads a file, :func:`parse_answers` turns the rows into
option values per instrument (refusing any cell that is not an option, with row, column and the
likely cause). Which column is which item (:mod:`xadesk.survey.mapping`), which export kind a file
is (:mod:`xadesk.survey.kinds`) and who each row is (:mod:`xadesk.survey.matching`) live in
:mod:`xadesk.survey`; the service is ``xadesk.services.screening_import``.

问卷星 exports (ENGINEERING.md) come as 按文本 (answer text), 按序号 (option ordinals, 1 = the first
option as listed on the form, whatever its score) or 按分数 (the score each option carried); all start
with the six metadata columns ``序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP`` — the IP column is dropped as
soon as the file is read (it is personal data and we have no use for it). Question columns are
``N、题干``; matrix sub-questions ``第N题(子项)`` (also ``N(子项)``); multi-select answers are joined
with ``┋`` (none of our instruments has a multi-select item, so such a cell is refused unless the
mapping names it); ``-2`` (not shown) and ``-3`` (skipped), and the Readable file's ``(跳过)`` /
``(空)``, are blanks.

The mapping (JSON, saved per campaign and reusable for the next file of the same survey)::

    {"format": "xadesk-survey-mapping/1",
     "coding": "label" | "ordinal" | "value",   # 按文本 / 按序号 / 按分数 (or a plain table's values)
     "identity": {"student_no": "<header>", "name": "<header>", "class": "<header>", "grade": "<header>"},
     "items": {"<header>": "phq9:q1", ...},      # column → instrument:item
     "values": {"<header>": {"<cell text>": 2},  # optional per-column answer → option value
                "*": {"<cell text>": 0}}}        # … or for every item column

Headers are compared after NFKC normalisation and stripping. A file in the ``xadesk score`` layout
(first column ``id`` = 学籍号, item columns ``1``…``N`` or item ids, or ``<instrument>.<item>``)
needs no mapping: :func:`score_layout_mapping` builds it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError, ValidationFailed
from ..i18n import msg
from ..instruments.definition import Definition, Item
from ..tables import TableRow, cell_text, is_lossy_number, read_table, refuse_unseen_or_split

MAPPING_FORMAT = "xadesk-survey-mapping/1"
META_COLUMNS = ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP")
DROPPED = ("来自IP", "IP", "来源IP", "IP地址")
CODINGS = ("label", "ordinal", "value")
MISSING_TEXTS = {"-2", "-3", "(跳过)", "(空)", "（跳过）", "（空）"}
MULTI_SEP = "┋"

_QUESTION = re.compile(r"^(\d+)\s*[、.．]\s*(.*)$", re.S)
_MATRIX = re.compile(r"^(?:第)?(\d+)(?:题)?\s*[(（](.+)[)）]\s*$", re.S)
_ORDINAL = re.compile(r"([0-9]+)(?:\.0+)?", re.ASCII)            # "3", or "3.0" as a re-saved CSV writes it
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)           # "2", "2.0": no sign, no exponent
_ID_WORDS = {"student_no": ("全国学籍号", "学籍号", "学号", "学生编号"), "name": ("姓名", "名字", "学生姓名"),
             "class": ("班级", "所在班级", "班别"), "grade": ("年级", "所在年级")}


def norm(text: object) -> str:
    return unicodedata.normalize("NFKC", "" if text is None else str(text)).strip()


@dataclass(frozen=True)
class Column:
    index: int
    header: str                 # as in the file (normalised)
    number: int | None          # 问卷星 question number
    sub: str | None             # matrix sub-question
    stem: str                   # the question text without its number


@dataclass
class SurveyFile:
    source: str
    kind: str                   # wjx (问卷星 / 问卷网 export) / score_layout / table
    columns: list[Column]
    rows: list[TableRow]
    meta: dict[str, int] = field(default_factory=dict)     # metadata column name → index

    def column(self, header: str) -> Column | None:
        h = norm(header)
        return next((c for c in self.columns if c.header == h), None)

    @property
    def question_columns(self) -> list[Column]:
        return [c for c in self.columns if c.header not in self.meta]


def _column(i: int, raw: str) -> Column:
    h = norm(raw)
    m = _MATRIX.match(h)
    if m:
        return Column(i, h, int(m.group(1)), norm(m.group(2)), norm(m.group(2)))
    m = _QUESTION.match(h)
    if m:
        return Column(i, h, int(m.group(1)), None, norm(m.group(2)))
    return Column(i, h, None, None, h)


def read_survey(path: str | Path) -> SurveyFile:
    """Read a survey or answer file; the IP column's values are dropped here and never kept."""
    def looks_like_header(texts: list[str]) -> bool:
        return sum(1 for t in texts if norm(t)) >= 2

    table = read_table(path, header=looks_like_header)
    refuse_unseen_or_split(path, table, looks_like_header)
    columns = [_column(i, h) for i, h in enumerate(table.header)]
    meta = {c.header: c.index for c in columns if c.header in META_COLUMNS}
    drop = [c.index for c in columns if c.header in DROPPED]
    for r in table.rows:
        for j in drop:
            r.cells[j] = None
    columns = [c for c in columns if c.index not in drop]
    meta = {k: v for k, v in meta.items() if k not in DROPPED}
    first = norm(table.header[0]).lower() if table.header else ""
    if first == "id":
        kind = "score_layout"
    elif "序号" in meta and "提交答卷时间" in meta:
        # Which of the three export kinds (按文本/按序号/按分数) is settled once the item columns are
        # known: see xadesk.survey.kinds.
        kind = "wjx"
    else:
        kind = "table"
    return SurveyFile(table.source, kind, columns, table.rows, meta)


# --- mapping -------------------------------------------------------------------------------------

def score_layout_mapping(sf: SurveyFile, defns: Sequence[Definition], instrument: str | None = None) -> dict:
    """The ``xadesk score`` layout: ``id`` = 学籍号; ``1``…``N`` / item ids (one instrument: the only
    one, or ``instrument``), or ``<instrument>.<item>`` for any of the battery."""
    by_id = {d.id: d for d in defns}
    single = by_id.get(instrument) if instrument else (defns[0] if len(defns) == 1 else None)
    if instrument and single is None:
        raise UserError(f"测评活动不包含量表 {instrument}。", f"The campaign has no instrument {instrument}.")
    items: dict[str, str] = {}
    problems = []
    for c in sf.columns[1:]:
        h = c.header.lower()
        target = None
        if "." in h or ":" in h:
            iid, _, key = h.replace(":", ".").partition(".")
            d = by_id.get(iid)
            if d is not None:
                target = _item_key(d, key)
        elif single is not None:
            target = _item_key(single, h)
        if target is None and h not in ("seconds", "用时", "grade", "年级", "sex", "性别", "name", "姓名"):
            problems.append(f"第{c.index + 1}列“{c.header}”：不是测评量表的题目 / column {c.index + 1} "
                            f"{c.header!r} is not an item of the battery")
        elif target is not None:
            items[c.header] = target
    if problems:
        hint = "" if single is not None or len(defns) == 1 else \
            "测评包含多个量表：请用“量表.题号”作表头（如 phq9.1），或指定 --instrument。"
        raise ValidationFailed(f"{sf.source}：表头有误，未导入。{hint}", f"{sf.source}: the header is wrong; "
                               "nothing was imported.", details=problems)
    return {"format": MAPPING_FORMAT, "coding": "value", "identity": {"student_no": sf.columns[0].header},
            "items": items, "values": {}}


def _item_key(d: Definition, key: str) -> str | None:
    if key.isdigit() and 1 <= int(key) <= d.n_items:
        return f"{d.id}:{d.items[int(key) - 1].id}"
    for it in d.items:
        if it.id.lower() == key:
            return f"{d.id}:{it.id}"
    return None


def check_mapping(mapping: object, sf: SurveyFile, defns: Sequence[Definition]) -> dict:
    """The mapping if it is well formed and fits this file; every problem listed otherwise."""
    problems: list[str] = []
    if not isinstance(mapping, dict) or mapping.get("format") != MAPPING_FORMAT:
        raise ValidationFailed("对应关系文件格式不对。", "Not a survey mapping file.",
                               details=[msg(f"format 应为 {MAPPING_FORMAT}", f"format must be {MAPPING_FORMAT}")])
    if mapping.get("coding") not in CODINGS:
        problems.append(msg(f"coding 应为 {' / '.join(CODINGS)}", f"coding must be {' / '.join(CODINGS)}"))
    by_id = {d.id: d for d in defns}
    identity = mapping.get("identity") or {}
    if not (identity.get("student_no") or (identity.get("name") and identity.get("class"))):
        problems.append("需要指明学籍号列，或姓名列加班级列 / identify students by 学籍号, or by name and class")
    for key, header in identity.items():
        if key not in _ID_WORDS:
            problems.append(msg(f"identity 中未知的项目：{key}", f"unknown key in identity: {key}"))
        elif header and sf.column(header) is None:
            problems.append(f"文件中没有列“{header}” / no column {header!r}")
    seen: dict[str, str] = {}
    for header, target in (mapping.get("items") or {}).items():
        if sf.column(header) is None:
            problems.append(f"文件中没有列“{header}” / no column {header!r}")
        iid, _, item = str(target).partition(":")
        d = by_id.get(iid)
        if d is None or item not in {it.id for it in d.items}:
            problems.append(f"列“{header}”对应的题目 {target} 不在本次测评中 / {target} is not in the battery")
        elif target in seen:
            problems.append(msg(f"题目 {target} 同时对应了“{seen[target]}”和“{header}”两列",
                                f"item {target} is fed by two columns, {seen[target]!r} and {header!r}"))
        else:
            seen[target] = header
    if not mapping.get("items"):
        problems.append("没有任何列对应到题目 / no column is mapped to an item")
    if problems:
        raise ValidationFailed("对应关系与文件不符，未导入。", "The mapping does not fit the file; nothing was imported.",
                               details=problems)
    return mapping


# --- answers -------------------------------------------------------------------------------------

@dataclass
class ParsedRow:
    row: int
    identity: dict[str, str]
    answers: dict[str, list[float | None]]       # instrument id → values in definition order
    present: dict[str, bool]                     # instrument id → any item answered
    seconds: float | None
    submitted: object = None                     # the 提交答卷时间 cell as read


def _column_letter(index: int) -> str:
    letters, index = "", index + 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _value(it: Item, text: str, coding: str, overrides: dict[str, float]) -> float | None:
    if text in overrides:
        return float(overrides[text])
    # Digits are ASCII only (full-width ones were made ASCII by ``norm``): Python's int() and float()
    # also read other scripts' digits (``٣`` is 3), which no 问卷星 export writes — such a cell is a
    # damaged or doctored file, refused rather than read.
    if coding == "ordinal":
        m = _ORDINAL.fullmatch(text)
        if m and 1 <= int(m.group(1)) <= len(it.options):
            return it.options[int(m.group(1)) - 1].value
        return None
    if coding == "value":
        for o in it.options:
            if text.upper() == o.code.upper():
                return o.value
        if not _NUMBER.fullmatch(text):
            return None
        v = float(text)
        return v if v in it.values else None
    t = re.sub(r"\s", "", text)
    for o in it.options:
        if t in (re.sub(r"\s", "", o.label_zh), re.sub(r"\s", "", o.label_en).lower(), o.code):
            return o.value
    return _decorated_label(it, t)


# Forms often show an option's letter or its score in the option text ("A.完全不会", "几乎每天(3分)"),
# and 按文本 exports carry it. The decoration is read only when it agrees with the option it sits on
# (the letter is the option's place, the score its value): then it proves the answer; otherwise the
# cell is refused like any other text.
_LETTER = re.compile(r"^([A-Za-z])[.、)]")
_SCORE = re.compile(r"\(([0-9]+(?:\.[0-9]+)?)分\)$", re.ASCII)


def _decorated_label(it: Item, t: str) -> float | None:
    letter = _LETTER.match(t)
    score = _SCORE.search(t)
    if not letter and not score:
        return None
    core = t[letter.end() if letter else 0:score.start() if score else len(t)]
    for k, o in enumerate(it.options):
        if core != re.sub(r"\s", "", o.label_zh):
            continue
        if letter and ord(letter.group(1).upper()) - ord("A") != k:
            return None
        if score and float(score.group(1)) != o.value:
            return None
        return o.value
    return None


def parse_seconds(text: str) -> float | None:
    """问卷星 writes ``125秒``; some files ``2分5秒`` or a plain number."""
    t = norm(text).replace(" ", "")
    if not t:
        return None
    m = re.fullmatch(r"(?:(\d+)(?:时|小时))?(?:(\d+)分(?:钟)?)?(?:(\d+(?:\.\d+)?)秒?)?", t)
    if not m or not any(m.groups()):
        return None
    h, mi, s = m.groups()
    return int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)


def parse_answers(sf: SurveyFile, mapping: dict, defns: Sequence[Definition]) -> list[ParsedRow]:
    """Every row's answers as option values; refuses the whole file when any cell is not an option,
    saying whether the mapping (or the export kind) or the data is the likely cause."""
    by_id = {d.id: d for d in defns}
    coding = mapping["coding"]
    cols = []
    for header, target in mapping["items"].items():
        iid, _, item = target.partition(":")
        d = by_id[iid]
        j = d.item_index(item)
        values = mapping.get("values") or {}
        overrides = {norm(k): v for k, v in {**values.get("*", {}), **values.get(header, {})}.items()}
        cols.append((sf.column(header), d, j, overrides))
    ident = {k: sf.column(h).index for k, h in (mapping.get("identity") or {}).items() if h}
    sec_col = sf.meta.get("所用时间")
    time_col = sf.meta.get("提交答卷时间")
    problems: list[tuple[int, Column, str, str]] = []        # row, column, text, why
    filled: dict[int, int] = {}                              # column index → non-blank cells
    out: list[ParsedRow] = []
    for r in sf.rows:
        answers = {d.id: [None] * d.n_items for d in defns}
        present = {d.id: False for d in defns}
        for col, d, j, overrides in cols:
            text = norm(cell_text(r.cells[col.index]))
            if not text or text in MISSING_TEXTS:
                continue
            filled[col.index] = filled.get(col.index, 0) + 1
            it = d.items[j]
            v = _value(it, text, coding, overrides) if MULTI_SEP not in text or text in overrides else None
            if v is None:
                allowed = "、".join(o.label_zh if coding == "label" else
                                   (str(k + 1) if coding == "ordinal" else o.code) for k, o in enumerate(it.options))
                why = msg("是多选答案，不能对应单选题", " is a multiple choice; the item takes one answer") \
                    if MULTI_SEP in text else msg(f"不是该题的选项（{allowed}）", f" is not an option ({allowed})")
                problems.append((r.number, col, text, why))
                continue
            answers[d.id][j] = v
            present[d.id] = True
        identity = {k: norm(cell_text(r.cells[i])) for k, i in ident.items()}
        for k, i in ident.items():
            if is_lossy_number(r.cells[i]):
                identity[k] = "!lossy:" + identity[k]
        secs = parse_seconds(cell_text(r.cells[sec_col])) if sec_col is not None else None
        out.append(ParsedRow(r.number, identity, answers, present, secs,
                             r.cells[time_col] if time_col is not None else None))
    if problems:
        raise _refusal(sf, problems, filled, cols, coding, defns)
    return out


def _refusal(sf: SurveyFile, problems: list, filled: dict[int, int], cols: list, coding: str,
             defns: Sequence[Definition]) -> ValidationFailed:
    """One refusal naming the first bad cell and the likely cause: mapping, export kind, or data."""
    bad: dict[int, int] = {}
    for _, col, _, _ in problems:
        bad[col.index] = bad.get(col.index, 0) + 1
    target_of = {col.index: (d, d.items[j]) for col, d, j, _ in cols}
    other_labels = {re.sub(r"\s", "", o.label_zh) for d in defns for it in d.items for o in it.options}
    cause_of: dict[int, str] = {}
    for index, n in bad.items():
        d, it = target_of[index]
        own = {re.sub(r"\s", "", o.label_zh) for o in it.options}
        texts = {re.sub(r"\s", "", t) for _, c, t, _ in problems if c.index == index}
        whole_column = (n * 2 >= filled.get(index, 0) and n >= 2) or n == filled.get(index, 0)
        if coding == "label" and all(_LETTER.match(t) or _SCORE.search(t) for t in texts):
            cause_of[index] = "decoration"
        elif coding == "label" and texts & (other_labels - own):
            cause_of[index] = "mapping"
        elif whole_column:
            cause_of[index] = "kind" if coding in ("ordinal", "value") else "mapping"
        else:
            cause_of[index] = "data"
    rows = []
    for number, col, text, why in problems:
        d, it = target_of[col.index]
        rows.append(msg(f"第{number}行，第{col.index + 1}列（{_column_letter(col.index)}，“{col.header}”→{d.name_zh}第"
                        f"{it.position}题）：“{text}”{why}",
                        f"row {number}, column {col.index + 1} ({_column_letter(col.index)}, {col.header!r} → "
                        f"{d.name_zh} item {it.position}): {text!r}{why}"))
    causes = set(cause_of.values())
    hints = []
    if "mapping" in causes:
        cols_txt = "、".join(f"“{c.header}”" for c in sf.columns if cause_of.get(c.index) == "mapping")[:200]
        hints.append(msg(f"更可能是对应关系的问题：{cols_txt}列的答案大多不是所对应题目的选项（或是另一题的选项），"
                         "请核对这些列对应的题目",
                         f"more likely the mapping: most answers in columns {cols_txt} are not options of the item "
                         "they feed (or are another item's): check which items these columns feed"))
    if "decoration" in causes:
        hints.append(msg("选项文字带有字母或分数（如“A.”“(3分)”），但与量表选项的顺序或分值不符：问卷星上的选项顺序或所设分数"
                         "可能与量表不同，请核对问卷的设置",
                         "the option texts carry letters or scores (such as \"A.\" or \"(3分)\") that disagree with the "
                         "scale's order or values: the option order or scores set on 问卷星 may differ from the scale's"))
    if "kind" in causes:
        hints.append(msg("更可能是导出方式选错了：这些列的数字大多不是所选导出方式（按序号/按分数）下的有效值；"
                         "问卷星上设置的分数也可能与量表的分值不同",
                         "more likely the wrong export kind: most numbers in these columns are not valid for the chosen "
                         "kind (ordinals/scores); the scores set on 问卷星 may also differ from the scale's values"))
    if "data" in causes:
        hints.append(msg("个别单元格的问题更可能出在数据本身（学生填写或文件被改动）：可改正文件，或在“特别的答案文字”中写明其分值",
                         "single cells are more likely a problem of the data itself (typed by a student, or the file "
                         "was edited): correct the file, or give their value under special answer texts"))
    number, col, text, _ = problems[0]
    more = len(rows) - 50
    details = hints + rows[:50] + ([msg(f"……另有 {more} 处", f"… {more} more")] if more > 0 else [])
    return ValidationFailed(
        f"{sf.source}：第{number}行第{col.index + 1}列（“{col.header}”）的“{text}”不是该题的选项；"
        f"共 {len(problems)} 处问题，未导入任何数据。{hints[0]}。",
        f"{sf.source}: row {number}, column {col.index + 1} ({col.header!r}): {text!r} is not an option; "
        f"{len(problems)} problem(s), nothing was imported. Likely cause: {', '.join(sorted(causes))}.",
        row=number, field=col.header, details=details)
