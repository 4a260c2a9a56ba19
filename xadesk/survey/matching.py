"""Rows of a survey file → students, as carefully as a person would do it by hand.

1. **学籍号** in any spelling students type: with or without the ``G``, full-width, with spaces or
   a text-forcing apostrophe; a bare 18-character ID number finds the student by the ``G`` form or
   by the ID number on the roster; a 校内学号 is accepted too.
2. **Name + class** when the number is missing or not on the roster, and the pair names exactly one
   student. Such a match is never taken silently: it is listed (``to_confirm``) and stored only when
   a person accepted that row. So is a row whose 学籍号 belongs to a student of another name.
   Invisible characters pasted along (zero-width spaces, BOMs) are dropped before comparing.
3. **Duplicate submissions** of one student: the later one (提交答卷时间, else the later row) is kept
   by default; the pair is listed and a person may keep the other row instead.

Messages name the row and the name typed in the file, never a 学籍号 or ID number (a G-form 学籍号
contains the ID number, which identifies a child on its own).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from ..domain.grades import class_label, parse_class_label, parse_grade
from ..domain.idnumbers import normalize_code
from ..errors import UserError
from ..i18n import msg

_ID_SHAPE = re.compile(r"\d{17}[\dX]")


@dataclass(frozen=True)
class RowIdentity:
    row: int
    student_no: str = ""
    name: str = ""
    class_text: str = ""
    grade_text: str = ""
    submitted: datetime | None = None
    lossy: bool = False          # the number cell was an Excel float: digits lost


@dataclass(frozen=True)
class RosterEntry:
    student_id: int
    student_no: str
    school_no: str | None
    id_number: str | None
    name: str
    class_id: int | None
    grade_code: str | None
    class_number: int | None

    @property
    def class_label(self) -> str:
        return class_label(self.grade_code, self.class_number) if self.grade_code else ""


@dataclass(frozen=True)
class NameMatch:
    """A match a person must confirm (name + class only, or a 学籍号 whose student has another name):
    stored when a person accepts it."""

    row: int
    student_id: int
    name: str
    class_label: str
    reason: str                  # why the number did not decide (current language)


@dataclass(frozen=True)
class Duplicate:
    """Rows of one student; ``kept`` is the row that counts."""

    student_id: int
    name: str
    class_label: str
    rows: tuple[int, ...]
    submitted: tuple[str, ...]
    kept: int
    chosen_by: str               # "later" / "person"


@dataclass
class Matches:
    matched: dict[int, int] = field(default_factory=dict)        # row → student id (what will be stored)
    by_name: list[NameMatch] = field(default_factory=list)        # every name + class match, accepted or not
    accepted: set[int] = field(default_factory=set)               # rows of by_name a person accepted
    duplicates: list[Duplicate] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    # Rows that name a known student but are not stored (a name match not yet confirmed, a student
    # who is not a target, the other copy of a duplicate submission): row → (student id, why, in Chinese). Their
    # answers are still read for safety (a "yes" to a critical item there reaches the review queue).
    held: dict[int, tuple[int, str]] = field(default_factory=dict)

    @property
    def to_confirm(self) -> list[NameMatch]:
        return [m for m in self.by_name if m.row not in self.accepted]


def _visible(text: str) -> str:
    """Drop invisible format characters (zero-width spaces, BOMs, direction marks) pasted along."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def normalize_student_no(text: str) -> str:
    """``g６１０… ``, ``'610113…``, ``610113 20130101 0011`` → ``G610113201301010011``."""
    value = normalize_code(_visible(text))
    if _ID_SHAPE.fullmatch(value):
        return "G" + value
    return value


def parse_submitted(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    text = str(value or "").strip().replace("/", "-")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


# 问卷星 writes 提交答卷时间 as Beijing wall-clock time with no zone. China has kept UTC+8 without
# daylight saving since 1991, so a fixed offset is exact and needs no tz database (absent on Windows).
BEIJING = timezone(timedelta(hours=8), "北京时间")


def submitted_utc(value: object, now: datetime) -> datetime | None:
    """The 提交答卷时间 cell as a naive UTC time (how the database stores times), or None when the
    cell is empty, unreadable, or later than ``now`` (UTC) — an answer cannot come from the future,
    so such a cell is not trusted and the caller falls back to the import time."""
    local = parse_submitted(value)
    if local is None:
        return None
    aware = local.replace(tzinfo=BEIJING) if local.tzinfo is None else local
    utc = aware.astimezone(UTC).replace(tzinfo=None)
    return None if utc > now + timedelta(minutes=5) else utc


class Roster:
    """The roster as the matcher sees it (built once per import)."""

    def __init__(self, entries: Iterable[RosterEntry], classes: dict[tuple[str, int], int],
                 stages: Collection[str] = ()) -> None:
        self.entries = {e.student_id: e for e in entries}
        self.classes = classes
        self.stages = set(stages)
        self.by_no: dict[str, int] = {}
        self.by_name_class: dict[tuple[str, int], list[int]] = {}
        for e in self.entries.values():
            self.by_no[e.student_no.upper()] = e.student_id
        for e in self.entries.values():
            if e.id_number:
                self.by_no.setdefault("G" + e.id_number.upper(), e.student_id)
            if e.school_no:
                self.by_no.setdefault(normalize_code(e.school_no), e.student_id)
            if e.class_id is not None:
                self.by_name_class.setdefault((_name_key(e.name), e.class_id), []).append(e.student_id)

    def by_name_and_class(self, ident: RowIdentity) -> tuple[int | None, str]:
        text = _visible(ident.class_text)   # 八(4)班 pasted with a zero-width space is still 八(4)班
        try:
            grade = parse_grade(_visible(ident.grade_text)) if ident.grade_text else None
            code, number = parse_class_label(text, grade_code=grade, stages=self.stages)
        except UserError as exc:
            return None, msg(f"看不懂班级“{text}”：{exc.zh}", f"cannot read the class {text!r}: {exc.en}")
        cid = self.classes.get((code, number))
        if cid is None:
            return None, msg(f"没有班级“{class_label(code, number)}”", f"there is no class {class_label(code, number)}")
        found = self.by_name_class.get((_name_key(ident.name), cid), [])
        if not found:
            return None, msg(f"{class_label(code, number)}没有名为“{ident.name}”的学生",
                             f"{class_label(code, number)} has no student named {ident.name!r}")
        if len(found) > 1:
            return None, msg(f"{class_label(code, number)}有 {len(found)} 名学生叫“{ident.name}”，无法区分；请补上学籍号",
                             f"{class_label(code, number)} has {len(found)} students named {ident.name!r}: add the "
                             f"student number to tell them apart")
        return found[0], ""


# The separator in names of Uyghur, Kazakh and other minority students (阿依古丽·买买提) is typed
# every way a phone or IME offers — middle dot, bullet, full stop, katakana dot — or left out. The
# registry writes U+00B7. For matching, all of them (and none) are the same name.
_NAME_DOTS = str.maketrans("", "", "·•.・‧∙⋅●")


def _name_key(name: str) -> str:
    return "".join(_visible(unicodedata.normalize("NFKC", name)).split()).translate(_NAME_DOTS)


def _who(ident: RowIdentity) -> str:
    return msg(f"第{ident.row}行" + (f"（“{ident.name}”）" if ident.name else ""),
               f"row {ident.row}" + (f" ({ident.name!r})" if ident.name else ""))


def match(rows: Iterable[RowIdentity], roster: Roster, targets: Collection[int], *,
          accept: Collection[int] | str = (), keep: Collection[int] = ()) -> Matches:
    """Match rows to students. ``accept``: rows whose name + class match a person accepted (or "all");
    ``keep``: rows a person chose among duplicate submissions."""
    out = Matches()
    hits: list[tuple[RowIdentity, int]] = []
    for ident in rows:
        sid: int | None = None
        why = ""
        number_note = ""
        no = normalize_student_no(ident.student_no) if ident.student_no else ""
        if ident.lossy:
            number_note = msg("学籍号被 Excel 变成了科学计数法（如 1.23E+17），后几位已丢失",
                              "Excel turned the student number into E-notation (like 1.23E+17): its last digits are lost")
        elif no:
            sid = roster.by_no.get(no)
            if sid is None:
                number_note = msg("学籍号不在学生名单中，可能填错了", "the student number is not on the roster; perhaps mistyped")
            elif ident.name and _name_key(ident.name) != _name_key(roster.entries[sid].name):
                # The number names someone else than the name typed: a person decides which is right.
                e = roster.entries[sid]
                if sid in targets:
                    out.by_name.append(NameMatch(ident.row, sid, e.name, e.class_label,
                                                 msg(f"学籍号是{e.name}的，与填写的姓名“{ident.name}”不符",
                                                     f"the student number is {e.name}'s, not {ident.name!r} as typed")))
                    if accept == "all" or ident.row in accept:
                        out.accepted.add(ident.row)
                        hits.append((ident, sid))
                    else:
                        out.held[ident.row] = (sid, "学籍号与姓名不符，尚未确认")
                    continue

        else:
            number_note = msg("没有填学籍号", "no student number given")
        if sid is None:
            if ident.name and ident.class_text:
                sid, why = roster.by_name_and_class(ident)
                if sid is not None:
                    e = roster.entries[sid]
                    out.by_name.append(NameMatch(ident.row, sid, e.name, e.class_label, number_note))
                    if accept == "all" or ident.row in accept:
                        out.accepted.add(ident.row)
                    else:
                        out.held[ident.row] = (sid, "按姓名和班级对应，尚未确认")
                        continue               # listed for a person to confirm; not stored yet
                else:
                    why = msg(f"{number_note}；按姓名和班级也找不到：{why}",
                              f"{number_note}; not found by name and class either: {why}") \
                        if ident.student_no or ident.lossy else why
            else:
                why = number_note + (msg("，也没有姓名和班级", ", and no name and class")
                                     if not (ident.name and ident.class_text) else "")
        if sid is not None and sid not in targets:
            e = roster.entries[sid]
            out.held[ident.row] = (sid, "不在本次测评对象中")
            sid, why = None, msg(f"{e.class_label}的{e.name}不在本次测评对象中",
                                 f"{e.name} of {e.class_label} is not a target of this campaign")
        if sid is None:
            out.unmatched.append(f"{_who(ident)}：{why}")
            continue
        hits.append((ident, sid))
    rows_of: dict[int, list[RowIdentity]] = {}
    for ident, sid in hits:
        rows_of.setdefault(sid, []).append(ident)
    keep = set(keep)
    for sid, idents in rows_of.items():
        if len(idents) == 1:
            out.matched[idents[0].row] = sid
            continue
        chosen = [i for i in idents if i.row in keep]
        if len(chosen) == 1:
            kept, how = chosen[0], "person"
        else:
            kept, how = max(idents, key=lambda i: (i.submitted or datetime.min, i.row)), "later"
        e = roster.entries[sid]
        out.duplicates.append(Duplicate(sid, e.name, e.class_label, tuple(i.row for i in idents),
                                        tuple(f"{i.submitted:%Y-%m-%d %H:%M:%S}" if i.submitted else "" for i in idents),
                                        kept.row, how))
        out.matched[kept.row] = sid
        for i in idents:
            if i.row != kept.row:
                out.held[i.row] = (sid, "同一学生的另一份提交，未采用")
    return out
