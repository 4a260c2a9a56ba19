"""Resident ID numbers (GB 11643-1999) and national student numbers (全国学籍号).

An ID number is region(6) + birth date(8) + sequence(3, odd = male) + a check character computed by
ISO 7064 MOD 11-2. A national student number is ``G`` + an ID number, ``J`` + an 18-character
self-code shaped like one (its check character is not guaranteed), or ``L`` + region(6) + birth
date(8) + 4 random digits (temporary, no check digit).

Values arrive from Excel, so before judging them we undo what spreadsheets do to identifiers:
full-width characters, a leading apostrophe or tab used to force text, spaces, a lowercase ``x``.
What cannot be undone is Excel turning an 18-digit number into a float (``6.10116E+17``, or the
digits with the last three replaced by ``000``); that gets its own explanation so the teacher
knows to fix the column format and re-enter the originals rather than hunt for a typo.

Error messages never repeat the number itself: an ID number identifies a child on its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from ..errors import UserError

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # indexed by S mod 11

# First two digits of the region: provinces, HK/Macau/Taiwan residence permits (81/82/83), Taiwan (71),
# and 9x for the 2023 foreigners' permanent-residence ID, which follows the same structure.
_PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83", "91", "92", "93", "94", "95", "96", "97", "98", "99",
})
_EARLIEST_BIRTH = date(1900, 1, 1)

_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d*)?E[+-]?\d+$")
_FLOAT_DIGITS = re.compile(r"^\d{15,}\.0*$")


class IdNumberError(UserError):
    """An ID number or student number that cannot be accepted; ``reason`` says which rule failed.

    Reasons: ``empty``, ``excel_float``, ``old_15``, ``length``, ``chars``, ``region``, ``date``,
    ``checksum`` (ID numbers); ``form`` (student numbers).
    """

    def __init__(self, reason: str, zh: str, en: str) -> None:
        super().__init__(zh, en)
        self.reason = reason


@dataclass(frozen=True)
class IdNumber:
    number: str  # normalised: 17 digits + digit or upper-case X
    region: str
    birth_date: date
    sex: str  # "M" or "F"


@dataclass(frozen=True)
class StudentNo:
    number: str  # normalised: G/J/L + 18 characters
    form: str  # "G", "J" or "L"
    id_number: IdNumber | None  # only the G form embeds a real ID number
    birth_date: date | None  # G and L forms carry one; J self-codes are not trusted for it
    sex: str | None  # G form only


def normalize_code(value: object) -> str:
    """Undo spreadsheet habits around a code: full-width forms, spaces, a text-forcing ' or tab, lower case."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = "".join(text.split())  # all whitespace, including inside (ID numbers are often grouped 6-8-4)
    text = text.lstrip("'`‘’")
    if text.startswith("="):  # ="610116..." is a common way to force text in CSV
        text = text[1:].strip('"')
    return text.upper()


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("check_char needs exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def excel_float_explanation(value: object) -> tuple[str, str] | None:
    """If ``value`` looks like an ID number that Excel stored as a number, say so (zh, en); else None.

    Excel keeps 15 significant digits: an 18-digit ID typed into a number cell shows as
    ``6.10116E+17`` and is stored as the first 15 digits followed by ``000``. Either form, or a
    float rendering like ``610116199001011000.0``, means the last digits are gone for good.
    """
    text = normalize_code(value).replace(",", "")
    if not text:
        return None
    if _SCIENTIFIC.match(text) or _FLOAT_DIGITS.match(text):
        return _EXCEL_FLOAT_MESSAGE
    if len(text) == 18 and text.isdigit() and text.endswith("000") and check_char(text[:17]) != text[17]:
        return _EXCEL_FLOAT_MESSAGE
    return None


_EXCEL_FLOAT_MESSAGE = (
    "号码被Excel当成数字保存，后几位已变成0或被截断（显示为6.10116E+17之类），无法还原。"
    "请在Excel中先把这一列设为“文本”格式，再重新填入原始号码。",
    "the number was stored by Excel as a numeric value, so its last digits became 0 or were cut "
    "off (shown like 6.10116E+17) and cannot be recovered. Format the column as Text in Excel and "
    "re-enter the original numbers.",
)


def parse_id_number(value: object, *, today: date | None = None) -> IdNumber:
    """Validate an 18-character ID number; raise :class:`IdNumberError` with the precise reason."""
    text = normalize_code(value)
    if not text:
        raise IdNumberError("empty", "身份证号为空。", "the ID number is empty.")
    mangled = excel_float_explanation(value)
    if mangled is not None:
        raise IdNumberError("excel_float", *mangled)
    if len(text) == 15 and text.isdigit():
        raise IdNumberError("old_15", "这是15位的旧身份证号，请填写18位号码。",
                            "this is an old 15-digit ID number; enter the 18-character one.")
    if len(text) != 18:
        raise IdNumberError("length", f"身份证号应为18位，这里是{len(text)}位。",
                            f"an ID number has 18 characters, this one has {len(text)}.")
    if not (text[:17].isascii() and text[:17].isdigit() and (text[17].isdigit() or text[17] == "X")):
        raise IdNumberError("chars", "身份证号只能由17位数字加1位数字或X组成。",
                            "an ID number is 17 digits followed by a digit or X.")
    region = text[:6]
    if region[:2] not in _PROVINCES:
        raise IdNumberError("region", "身份证号前6位（地区码）无效。",
                            "the first 6 digits (region code) of the ID number are not valid.")
    birth = _embedded_date(text[6:14], today)
    if birth is None:
        raise IdNumberError("date", "身份证号中的出生日期（第7–14位）不存在或不合理。",
                            "the birth date in the ID number (digits 7–14) does not exist or is implausible.")
    if check_char(text[:17]) != text[17]:
        raise IdNumberError("checksum", "身份证号校验位错误（可能有数字输错）。",
                            "the ID number's check character is wrong (a digit was probably mistyped).")
    sex = "M" if int(text[16]) % 2 == 1 else "F"
    return IdNumber(number=text, region=region, birth_date=birth, sex=sex)


def is_valid_id_number(value: object) -> bool:
    try:
        parse_id_number(value)
    except IdNumberError:
        return False
    return True


def make_id_number(region: str, birth_date: date, sequence: int) -> str:
    """Build a valid ID number (demo data, tests). ``sequence`` 0–999: odd for a boy, even for a girl."""
    if len(region) != 6 or not region.isdigit():
        raise ValueError("region must be 6 digits")
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be 0..999")
    first17 = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def mask_id_number(number: str) -> str:
    """Keep region prefix and last four characters: enough for a teacher to recognise, not to identify."""
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def parse_student_no(value: object, *, today: date | None = None) -> StudentNo:
    """Validate a national student number in its G, J or L form; raise :class:`IdNumberError`."""
    text = normalize_code(value)
    if not text:
        raise IdNumberError("empty", "学籍号为空。", "the student number is empty.")
    form, body = text[:1], text[1:]
    if form not in ("G", "J", "L"):
        if len(text) == 18 and is_valid_id_number(text):
            raise IdNumberError("form", "学籍号应以G、J或L开头（这一格看起来是身份证号）。",
                                "a student number starts with G, J or L (this looks like an ID number).")
        if excel_float_explanation(value) is not None:
            raise IdNumberError("excel_float", *_EXCEL_FLOAT_MESSAGE)
        raise IdNumberError("form", "学籍号应以G、J或L开头，后接18位。",
                            "a student number is G, J or L followed by 18 characters.")
    if len(body) != 18:
        raise IdNumberError("length", f"学籍号应为19位（{form}加18位），这里是{len(text)}位。",
                            f"a student number has 19 characters ({form} + 18), this one has {len(text)}.")
    if form == "G":
        try:
            embedded = parse_id_number(body, today=today)
        except IdNumberError as exc:
            raise IdNumberError(exc.reason, f"G开头学籍号中的身份证号无效：{exc.zh}",
                                f"the ID number inside this G student number is invalid: {exc.en}") from None
        return StudentNo(text, "G", embedded, embedded.birth_date, embedded.sex)
    if form == "J":
        if not (body[:17].isascii() and body[:17].isdigit() and (body[17].isdigit() or body[17] == "X")):
            raise IdNumberError("chars", "J开头学籍号应为J加17位数字和1位数字或X。",
                                "a J student number is J + 17 digits + a digit or X.")
        return StudentNo(text, "J", None, None, None)
    if not (body.isascii() and body.isdigit()):
        raise IdNumberError("chars", "L开头学籍号应为L加18位数字。", "an L student number is L + 18 digits.")
    birth = _embedded_date(body[6:14], today)
    if birth is None:
        raise IdNumberError("date", "L开头学籍号中的出生日期（第8–15位）不存在或不合理。",
                            "the birth date inside this L student number does not exist or is implausible.")
    return StudentNo(text, "L", None, birth, None)


def _embedded_date(digits: str, today: date | None) -> date | None:
    try:
        value = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    if value < _EARLIEST_BIRTH or value > (today or date.today()):
        return None
    return value
