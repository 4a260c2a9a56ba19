"""Read and validate a roster file, all or nothing. No database here: the result is applied elsewhere.

Columns (header spellings in :mod:`xadesk.roster.columns`):

- required columns: 姓名, 性别, 学籍号 (全国学籍号, G/J/L form), 班级. 年级 is optional: with it, 班级 may
  be a bare ``3班``; without it, 班级 must name the grade (``初二(3)班``).
- optional columns: 身份证号, 证件类型, 出生日期/出生年月, 是否住校, 特殊群体, 状态, 学号.
- per row, required values: 姓名, 学籍号, 班级 (and 年级 when 班级 alone does not say it). An empty
  性别 cell is filled from the ID number (or the ID inside a G-form 学籍号); with neither it is an error.
- the ID number is optional; when it is blank and the 学籍号 is of the G form, the embedded ID
  number is used. Every 身份证件类型 of the registry is kept with its number (``id_type``, codes in
  :data:`xadesk.roster.columns.ID_TYPES`): 居民身份证, 户口簿, 港澳台居民居住证 (81/82/83…) and the
  18-character 外国人永久居留身份证 have the GB 11643 structure and are checked (check character,
  birth date, sex); passports and permits are kept as written, only checked for stray characters.
- registry group columns (是否留守儿童 = 双亲留守儿童 / 单亲留守儿童 / 否, 是否进城务工人员随迁子女,
  是否孤儿, 是否残疾 …) each set or clear their own special-group tag (``tags`` with ``tag_scope`` =
  the tags the file speaks for); 就读方式 = 住校 / 走读 gives boarding.
- birth date: from the ID number when there is one (a 出生日期 cell must then agree with it — for a
  出生年月 value, the year and month), else from the cell, else from a G/L 学籍号; otherwise None.
  A month-only value with nothing better gives the 1st of the month and ``birth_month_only=True``.
- 是否住校 / 特殊群体 / 状态 absent as columns → None in every record (the database keeps what it
  has). A blank 是否住校 or 状态 cell → None as well; a blank 特殊群体 cell → an empty set (the
  column is there and says "none").

Every problem is collected (row and field named, in Chinese) before anything is returned; any
problem raises :class:`RosterInvalid` and nothing is returned. Duplicates of 学籍号 or ID number
within the file are problems. Messages never repeat ID numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..domain import grades
from ..domain.dates import DateError, parse_birth_date
from ..domain.idnumbers import (
    IdNumber,
    IdNumberError,
    StudentNo,
    normalize_code,
    parse_id_number,
    parse_student_no,
)
from ..domain.names import hidden_characters, name_problem
from ..errors import Cancelled, UserError, ValidationFailed
from ..i18n import msg
from ..tables import (
    FormulaWithoutValue,
    HeaderNotFound,
    HiddenRows,
    Table,
    TableRow,
    cell_text,
    normalize_header,
    read_table,
    refuse_unseen_or_split,
)
from . import columns as col


@dataclass(frozen=True, slots=True)
class RosterRecord:
    row: int  # the row number the teacher sees in Excel
    student_no: str  # 全国学籍号, normalised (upper case, no spaces)
    name: str
    sex: str  # "M" / "F"
    birth_date: date | None
    id_number: str | None  # normalised 18 characters, validated
    grade_code: str  # P1..V3
    class_number: int
    boarding: bool | None = None  # None: not stated in the file
    tags: frozenset[str] | None = None  # None: no tags column; empty: column present, no tags
    status: str | None = None  # enrolled / transferred_out / graduated / suspended; None: not stated
    school_no: str | None = None  # 校内学号
    birth_month_only: bool = False  # birth_date is the 1st of a month given without a day
    id_type: str | None = None  # code of the document id_number belongs to (columns.ID_TYPES)
    tag_scope: frozenset[str] | None = None  # the tags this file speaks for; None: all (a 特殊群体 column)

    @property
    def class_label(self) -> str:
        return grades.class_label(self.grade_code, self.class_number)


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int | None
    field: str | None  # the column as the user knows it (Chinese label)
    message: str  # in the current language

    def text(self) -> str:
        where = []
        if self.row is not None:
            where.append(msg(f"第{self.row}行", f"Row {self.row}"))
        if self.field:
            where.append(self.field)
        return (" ".join(where) + msg("：", ": ") + self.message) if where else self.message


@dataclass
class RosterParse:
    source: str  # file name
    sheet: str | None
    header_row: int
    columns: dict[str, str]  # field → the header as written in the file
    ignored_columns: list[str]
    records: list[RosterRecord]
    warnings: list[RowProblem] = field(default_factory=list)

    def classes(self) -> list[tuple[str, int]]:
        order = {g.code: i for i, g in enumerate(grades.GRADES)}
        return sorted({(r.grade_code, r.class_number) for r in self.records}, key=lambda k: (order[k[0]], k[1]))


_DOC_NUMBER = re.compile(r"[0-9A-Z()\-]{4,30}")


class RosterInvalid(ValidationFailed):
    """The file was refused; ``problems`` holds each one structured, ``details`` the same as text."""

    def __init__(self, zh: str, en: str, problems: list[RowProblem]) -> None:
        super().__init__(zh, en, details=[p.text() for p in problems])
        self.problems = problems


def parse_roster(path: str | Path, progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None, *, today: date | None = None,
                 stages: set[str] | None = None) -> RosterParse:
    """Read ``path`` (.xlsx/.xls/.csv) and validate every row; raise :class:`RosterInvalid` on any problem."""
    today = today or date.today()
    table = _read(path, cancelled)
    mapping, ignored = _map_columns(table)
    validator = _RowValidator(mapping, table.header, today, stages)
    total = len(table.rows)
    if total == 0:
        raise RosterInvalid("名单中没有学生数据（只有表头），未导入任何学生。",
                            "The roster holds no students (only a header); nothing was imported.",
                            [RowProblem(None, None, msg(f"表头在第{table.header_row}行，其下没有数据行。",
                                                        f"The header is on row {table.header_row}; no rows follow it."))])
    for done, row in enumerate(table.rows, start=1):
        validator.check(row)
        if done % 250 == 0 or done == total:
            if cancelled is not None and cancelled():
                raise Cancelled()
            if progress is not None:
                progress(done, total)
    if validator.problems:
        raise _invalid(validator)
    return RosterParse(
        source=table.source, sheet=table.sheet, header_row=table.header_row,
        columns={f: table.header[i] for f, i in mapping.items()}, ignored_columns=ignored,
        records=validator.records, warnings=validator.warnings,
    )


def _read(path: str | Path, cancelled: Callable[[], bool] | None) -> Table:
    def looks_like_roster(texts: list[str]) -> bool:
        fields = {col.HEADER_TO_FIELD.get(normalize_header(t)) for t in texts} - {None}
        return len(fields) >= 2

    try:
        table = read_table(path, header=looks_like_roster, cancelled=cancelled)
        refuse_unseen_or_split(path, table, looks_like_roster)
        return table
    except FormulaWithoutValue as exc:
        raise RosterInvalid(
            f"文件“{exc.source}”中有公式没有保存计算结果，读出来会是空白，未导入任何学生。"
            f"请用 Excel 或 WPS 打开这个文件，保存一次后再导入。",
            f"{exc.source!r} holds formulas whose results were never saved, so they would read as blank; no "
            f"student was imported. Open the file in Excel or WPS, save it once, and import it again.",
            [RowProblem(None, None, text) for text in exc.details],   # each names its sheet, row and column
        ) from None
    except HiddenRows as exc:
        said = HiddenRows(exc.source, exc.sheet, exc.rows, ("未导入任何学生", "no student was imported"))
        raise RosterInvalid(said.zh, said.en, [RowProblem(None, None, text) for text in said.details]) from None
    except HeaderNotFound as exc:
        need = "、".join(col.FIELD_LABELS[f] for f in col.REQUIRED_COLUMNS)
        optional = "、".join(col.FIELD_LABELS[f] for f in col.COLUMN_ALIASES if f not in col.REQUIRED_COLUMNS)
        found = "、".join(exc.seen[:12]) or msg("（空）", "(nothing)")
        raise RosterInvalid(
            f"文件“{exc.source}”看起来不是学生名单：找不到名单的表头。",
            f"{exc.source!r} does not look like a student roster: no roster header found.",
            [RowProblem(None, None, msg(f"名单需要这些列：{need}；可选：{optional}。",
                                        f"A roster needs these columns: {need}; optional: {optional}.")),
             RowProblem(None, None, msg(f"文件开头的内容是：{found}", f"The file starts with: {found}"))],
        ) from None


def _map_columns(table: Table) -> tuple[dict[str, int], list[str]]:
    mapping: dict[str, int] = {}
    ignored: list[str] = []
    problems: list[RowProblem] = []
    for index, header in enumerate(table.header):
        target = col.HEADER_TO_FIELD.get(normalize_header(header))
        if target is None:
            if header:
                ignored.append(header)
            continue
        if target in mapping:
            first = table.header[mapping[target]]
            problems.append(RowProblem(table.header_row, None, msg(
                f"“{first}”和“{header}”两列表示同一项（{col.FIELD_LABELS[target]}），请删去其中一列。",
                f"columns {first!r} and {header!r} mean the same thing ({col.FIELD_LABELS[target]}); delete one.")))
            continue
        mapping[target] = index
    missing = [col.FIELD_LABELS[f] for f in col.REQUIRED_COLUMNS if f not in mapping]
    if missing:
        problems.append(RowProblem(None, None, msg(
            f"缺少必需的列：{'、'.join(missing)}（表头在第{table.header_row}行）。",
            f"missing required column(s): {'、'.join(missing)} (header on row {table.header_row}).")))
    if problems:
        raise RosterInvalid("名单的表头有问题，未导入任何学生。", "The roster's header has problems; nothing was imported.",
                            problems)
    return mapping, ignored


class _RowValidator:
    def __init__(self, mapping: dict[str, int], header: list[str], today: date, stages: set[str] | None = None) -> None:
        self.mapping = mapping
        self.stages = stages
        self.label = {f: header[i] or col.FIELD_LABELS[f] for f, i in mapping.items()}
        self.today = today
        self.records: list[RosterRecord] = []
        self.problems: list[RowProblem] = []
        self.warnings: list[RowProblem] = []
        self.excel_floats = 0
        self.bad_rows: set[int] = set()
        self._student_nos: dict[str, int] = {}
        self._id_numbers: dict[str, int] = {}
        self._row = 0   # the row being checked, for problems found while reading its cells

    def _label(self, f: str) -> str:
        return self.label.get(f, col.FIELD_LABELS[f])

    def _problem(self, row: int, f: str, error: UserError | tuple[str, str]) -> None:
        text = error.message if isinstance(error, UserError) else msg(*error)
        if isinstance(error, IdNumberError) and error.reason == "excel_float":
            self.excel_floats += 1
        self.problems.append(RowProblem(row, self._label(f), text))
        self.bad_rows.add(row)

    def _text(self, cells: list, f: str) -> str:
        """The cell's text with runs of whitespace (no-break spaces included) made one space. A
        zero-width space, BOM, direction mark or other invisible character is a problem of the row,
        named with its field: a code or class holding one would be refused for a reason no one can
        see, a 学号 or name would be stored different from what it looks like. The text is returned
        without them so the rest of the row is still checked (and the row is refused)."""
        index = self.mapping.get(f)
        if index is None:
            return ""
        text = " ".join(cell_text(cells[index]).split())
        hidden = hidden_characters(text)
        if hidden:
            label = self._label(f)
            problem = name_problem(text, label, f"the {label} column")
            assert problem is not None
            self._problem(self._row, f, problem)
            text = " ".join("".join(ch for ch in text if ch not in hidden).split())
        return text

    def check(self, table_row: TableRow) -> None:
        row, cells = table_row.number, table_row.cells
        self._row = row
        before = len(self.problems)

        name = self._text(cells, "name")
        if not name:
            self._problem(row, "name", ("姓名为空。", "the name is empty."))
        elif "\ufffd" in name:
            self._problem(row, "name", ("姓名含有乱码，文件的文字编码可能不对：请另存为.xlsx后再导入。",
                                        "the name contains garbled characters; save the file as .xlsx and retry."))
        elif len(name) > 50:
            self._problem(row, "name", ("姓名超过50个字。", "the name is longer than 50 characters."))

        student_no = None
        raw_no = self._text(cells, "student_no")
        if not raw_no:
            self._problem(row, "student_no", ("学籍号为空。", "the student number is empty."))
        else:
            try:
                student_no = parse_student_no(raw_no, today=self.today)
            except IdNumberError as exc:
                self._problem(row, "student_no", exc)

        id_info = None
        other_number = None         # a document without the GB 11643 structure, kept as written
        id_type = None
        raw_type = self._text(cells, "id_type")
        try:
            id_type = col.parse_id_type(raw_type)
        except UserError as exc:
            self._problem(row, "id_type", exc)
        raw_id = self._text(cells, "id_number")
        checked = id_type is not None and col.is_checked_id_type(id_type)
        if raw_id and id_type == "foreign_permanent" and len(normalize_code(raw_id)) == 15:
            checked = False         # the pre-2023 permanent-residence card: no check character to test
        if raw_id and checked:
            try:
                id_info = parse_id_number(raw_id, today=self.today)
            except IdNumberError as exc:
                self._problem(row, "id_number", exc)
            else:
                hmt = id_info.region[:2] in ("81", "82", "83")
                if id_type == "hmt_residence" and not hmt:
                    self._problem(row, "id_number", ("港澳台居民居住证号码应以81（香港）、82（澳门）或83（台湾）开头。",
                                                     "a HK/Macau/Taiwan residence permit number starts with 81, 82 or 83."))
                elif id_type == "foreign_permanent" and not id_info.region.startswith("9"):
                    self._problem(row, "id_number", ("外国人永久居留身份证号码应以9开头。",
                                                     "a foreigner's permanent residence ID number starts with 9."))
                elif id_info.number.endswith("000"):
                    # Genuine but rare (sequence x00, check 0) — and also what 1 in 11 Excel-truncated
                    # numbers look like after their checksum happens to hold. Worth a second look.
                    self.warnings.append(RowProblem(row, self._label("id_number"), msg(
                        "身份证号末三位是000：号码若曾被Excel当成数字保存就会这样，请与原件核对。",
                        "the ID number ends in 000, which is also what Excel leaves of a number it stored as numeric; "
                        "please check it against the original.")))
        elif raw_id and id_type is not None:
            other_number = normalize_code(raw_id)
            if not _DOC_NUMBER.fullmatch(other_number):
                self._problem(row, "id_number", (f"{col.ID_TYPES[id_type][0]}号码应为4–30个字母或数字。",
                                                 "a document number is 4–30 letters or digits."))
                other_number = None
        if student_no is not None and student_no.id_number is not None:
            if id_info is not None and id_info.number != student_no.id_number.number:
                self._problem(row, "student_no", ("G开头学籍号中包含的身份证号与身份证号列不一致。",
                                                  "the ID number inside this G student number differs from the ID column."))
            elif id_info is None and not raw_id:
                id_info = student_no.id_number
                id_type = "hmt_residence" if id_info.region[:2] in ("81", "82", "83") else "resident"
        identity = id_info or (student_no.id_number if student_no else None)

        sex = None
        raw_sex = self._text(cells, "sex")
        if raw_sex:
            try:
                sex = col.parse_sex(raw_sex)
            except UserError as exc:
                self._problem(row, "sex", exc)
            if sex is not None and identity is not None and sex != identity.sex:
                said, id_says = ("男", "女") if sex == "M" else ("女", "男")
                self._problem(row, "sex", (f"填写为“{said}”，但身份证号显示为{id_says}。",
                                           f"given as {said}, but the ID number says {id_says}."))
        elif identity is not None:
            sex = identity.sex
        else:
            self._problem(row, "sex", ("性别为空（也没有可推断性别的身份证号）。",
                                       "sex is empty (and there is no ID number to take it from)."))

        birth, month_only = self._birth(row, cells, identity, student_no)

        grade_code = None
        raw_grade = self._text(cells, "grade")
        if raw_grade:
            try:
                grade_code = grades.parse_grade(raw_grade, today=self.today)
            except UserError as exc:
                self._problem(row, "grade", exc)
        class_number = None
        raw_class = self._text(cells, "class")
        if not raw_class:
            self._problem(row, "class", ("班级为空。", "the class is empty."))
        elif not (raw_grade and grade_code is None):  # an unknown grade is reported once, not twice
            try:
                grade_code, class_number = grades.parse_class_label(raw_class, grade_code=grade_code, today=self.today,
                                                                      stages=self.stages)
            except UserError as exc:
                self._problem(row, "class", exc)

        boarding = tags = status = None
        if "boarding" in self.mapping and (raw := self._text(cells, "boarding")):
            try:
                boarding = col.parse_boarding(raw)
            except UserError as exc:
                self._problem(row, "boarding", exc)
        tag_scope = None
        if "tags" in self.mapping:
            try:
                tags = col.parse_tags(self._text(cells, "tags"))
            except UserError as exc:
                self._problem(row, "tags", exc)
        groups: dict[str, bool] = {}
        for f in self.mapping:
            if f.startswith("group:") and (raw := self._text(cells, f)):
                try:
                    groups[f[6:]] = col.parse_group_flag(f[6:], raw)
                except UserError as exc:
                    self._problem(row, f, exc)
        if groups:
            said = frozenset(t for t, yes in groups.items() if yes)
            if tags is not None:
                tags = tags | said          # a 特殊群体 column speaks for every tag
            else:
                tags, tag_scope = said, frozenset(groups)
        if "status" in self.mapping and (raw := self._text(cells, "status")):
            try:
                status = col.parse_status(raw)
            except UserError as exc:
                self._problem(row, "status", exc)
        school_no = self._text(cells, "school_no") or None

        repeated_no = False
        if student_no is not None:
            first = self._student_nos.setdefault(student_no.number, row)
            repeated_no = first != row
            if repeated_no:
                self._problem(row, "student_no", (f"学籍号与第{first}行重复。", f"same student number as row {first}."))
        kept_number = id_info.number if id_info is not None else other_number
        if kept_number is not None and not repeated_no:  # a repeated row is reported once
            first = self._id_numbers.setdefault(kept_number, row)
            if first != row:
                f = "id_number" if raw_id else "student_no"
                self._problem(row, f, (f"身份证号与第{first}行重复。", f"same ID number as row {first}."))

        if len(self.problems) == before:
            assert student_no is not None and sex is not None and grade_code is not None and class_number is not None
            self.records.append(RosterRecord(
                row=row, student_no=student_no.number, name=name, sex=sex, birth_date=birth,
                id_number=kept_number, id_type=id_type if kept_number is not None else None, tag_scope=tag_scope,
                grade_code=grade_code, class_number=class_number, boarding=boarding, tags=tags, status=status,
                school_no=school_no, birth_month_only=month_only,
            ))

    def _birth(self, row: int, cells: list, identity: IdNumber | None,
               student_no: StudentNo | None) -> tuple[date | None, bool]:
        index = self.mapping.get("birth_date")
        raw = cells[index] if index is not None else None
        given = None
        if raw is not None and cell_text(raw).strip():
            try:
                given = parse_birth_date(raw)
            except DateError as exc:
                self._problem(row, "birth_date", exc)
                return None, False
            if given.value > self.today:
                self._problem(row, "birth_date", ("出生日期晚于今天。", "the birth date is in the future."))
                return None, False
            if given.value.year < 1950:
                self._problem(row, "birth_date", ("出生日期不合理（早于1950年）。", "implausible birth date (before 1950)."))
                return None, False
        if identity is not None:
            if given is not None:
                a, b = given.value, identity.birth_date
                same = (a.year, a.month) == (b.year, b.month) if given.month_only else a == b
                if not same:
                    self._problem(row, "birth_date", (f"与身份证号中的出生日期（{b:%Y-%m-%d}）不一致。",
                                                      f"differs from the birth date in the ID number ({b:%Y-%m-%d})."))
            return identity.birth_date, False
        if given is not None and not given.month_only:
            result = given.value
        elif student_no is not None and student_no.birth_date is not None:
            result = student_no.birth_date
        elif given is not None:
            return given.value, True
        else:
            return None, False
        if student_no is not None and student_no.form == "L" and student_no.birth_date != result:
            self.warnings.append(RowProblem(row, self._label("student_no"), msg(
                "L开头学籍号中的出生日期与出生日期列不一致（已按出生日期列导入）。",
                "the birth date inside this L student number differs from the birth-date column (the column was used).")))
        return result, False


def _invalid(v: _RowValidator) -> RosterInvalid:
    n, rows = len(v.problems), len(v.bad_rows)
    zh = f"名单中有{n}处问题（涉及{rows}行），未导入任何学生。请改正后重新导入。"
    en = f"The roster has {n} problem(s) on {rows} row(s); nothing was imported. Fix them and import again."
    if v.excel_floats:
        zh += (f"其中{v.excel_floats}个号码被Excel转成了数字（如6.10116E+17），后几位已丢失：请把号码列设为“文本”格式，"
               "重新填入原始号码。")
        en += (f" {v.excel_floats} number(s) were turned into numeric values by Excel (like 6.10116E+17) and lost their "
               "last digits: format the column as Text and re-enter the original numbers.")
    problems = sorted(v.problems, key=lambda p: (p.row or 0))
    return RosterInvalid(zh, en, problems)
