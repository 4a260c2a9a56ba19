"""How strong a chosen secret is: account passwords and user-chosen transfer / lab-kit passphrases.

A password that a person chose must still hold when someone has the key file (a school PC, a copied
USB stick) and can try guesses offline; Argon2id slows each guess, it cannot save ``12345678``. The
check is the usual one — length, a mix of character kinds, not a common password, not built from
the login name or the school's name, not a run like ``aaaaaaaa`` or ``13579135`` — and its refusal
says how to make a good one. Generated passphrases (``exchange.passphrase.generate``) carry 119
random bits and remain the default everywhere; they always pass.
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import cache
from importlib import resources

from ..errors import UserError

MIN_LENGTH = 8
LONG_ENOUGH = 16  # a long passphrase of ordinary words needs no mix of character kinds
MIN_LEFT_AFTER_NAMES = 6

HOW_TO = ("好密码的做法：把三四个彼此无关、只有您知道的词连起来，中间加数字或符号，例如“书包-月亮-37-跑步”的样子"
          "（不要照抄这个例子），至少 8 个字符；不要用生日、电话、登录名或学校名。")
HOW_TO_EN = ("How to make a good one: join three or four unrelated words only you would pick, with digits or symbols "
             "between them (like 'satchel-moon-37-jog', but not that one), at least 8 characters; no birthdays, "
             "phone numbers, login or school name.")

_KEYBOARD_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./", "1qaz2wsx3edc4rfv5tgb6yhn7ujm",
                  "abcdefghijklmnopqrstuvwxyz", "0123456789")


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("common.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def _classes(text: str) -> int:
    kinds = set()
    for ch in text:
        if ch.isdigit():
            kinds.add("digit")
        elif ch.isascii() and ch.isalpha():
            kinds.add("upper" if ch.isupper() else "lower")
        else:
            kinds.add("other")  # symbols and CJK characters
    return len(kinds)


def _is_run(text: str) -> bool:
    """A repeated or sequential pattern: aaaaaaaa, abababab, 12345678, 87654321, qwertyui, 1qaz2wsx."""
    t = text.casefold()
    if len(set(t)) <= 3:
        return True
    for period in range(1, 5):
        if len(t) >= 2 * period and all(t[i] == t[i % period] for i in range(len(t))):
            return True
    for row in _KEYBOARD_ROWS:
        if t in row or t in row[::-1] or t in row * 2 or t in (row * 2)[::-1]:
            return True
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(t)}
    return len(steps) == 1 and abs(next(iter(steps))) <= 2


def _without(text: str, parts: list[str]) -> str:
    out = text.casefold()
    for part in parts:
        if part:
            out = out.replace(part.casefold(), "")
    return out


def _name_parts(login: str | None, school_name: str | None) -> list[str]:
    parts = []
    if login and len(login.strip()) >= 2:
        parts.append(login.strip())
    if school_name:
        name = unicodedata.normalize("NFKC", school_name).strip()
        if name:
            parts.append(name)
            # The short forms people type: 西安市第八十三中学 → 第八十三中学, 八十三中 …
            for cut in ("市", "区", "县"):
                if cut in name:
                    parts.append(name.split(cut, 1)[1])
            parts += [name[i:i + 4] for i in range(0, max(len(name) - 3, 0))]
    return [p for p in parts if len(p) >= 2]


def problems(secret: str, *, login: str | None = None, school_name: str | None = None) -> list[str]:
    """Why ``secret`` is weak, in Chinese (empty when it is fine)."""
    found: list[str] = []
    s = unicodedata.normalize("NFKC", secret)
    folded = s.casefold()
    core = folded.strip("0123456789!@#$%^&*()_+-=.,;:?~ ")
    if len(s) < MIN_LENGTH:
        found.append(f"至少需要 {MIN_LENGTH} 个字符")
    if folded in common_passwords() or (core and core in common_passwords()):
        found.append("这是最常见的密码之一，别人会最先试它")
    elif _is_run(s):
        found.append("这是重复或连续的字符（如 aaaaaaaa、12345678、qwertyui），很容易猜到")
    parts = _name_parts(login, school_name)
    if parts and len(_without(s, parts)) < MIN_LEFT_AFTER_NAMES and len(s) >= 1:
        found.append("不要用登录名或学校名做密码的主要部分")
    if len(s) < LONG_ENOUGH and _classes(s) < 2:
        found.append(f"少于 {LONG_ENOUGH} 个字符时，请混用字母、数字或符号中的至少两种")
    return found


def check(secret: str, *, login: str | None = None, school_name: str | None = None, what: str = "密码",
          what_en: str = "password", field: str = "password") -> None:
    """Raise a :class:`UserError` naming every weakness and saying how to choose well."""
    found = problems(secret, login=login, school_name=school_name)
    if found:
        raise UserError(f"{what}太弱：" + "；".join(found) + "。" + HOW_TO,
                        f"The {what_en} is too weak. " + HOW_TO_EN, field=field, details=[])


def check_passphrase(passphrase: object, *, school_name: str | None = None) -> None:
    """A transfer or lab-kit passphrase a person typed. An ``ExchangeKey`` (already derived, e.g. a
    generated one reused for a batch) is not re-checked."""
    if isinstance(passphrase, str):
        check(passphrase, school_name=school_name, what="口令", what_en="passphrase", field="passphrase")
