"""Person names: refuse characters a reader cannot see.

A right-to-left override (U+202E) makes "张三" print as something else; a zero-width space (U+200B)
makes two students with the "same" name differ, and a search for the name miss one. Control and
format characters (Unicode categories Cc, Cf), line and paragraph separators, private-use and
unassigned code points, and blank fillers (U+3164, U+115F…) have no place in a name, so a name holding
one is refused with the character named, never cleaned silently (a changed name is a different person).
The middle dot of minority names (·, U+00B7) and ordinary spaces are fine.
"""

from __future__ import annotations

import unicodedata

from ..errors import UserError

_BAD_CATEGORIES = {"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"}
_FILLERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


def hidden_characters(text: str) -> list[str]:
    """The invisible or control characters in ``text``, each once, in order."""
    out: list[str] = []
    for ch in text:
        if (unicodedata.category(ch) in _BAD_CATEGORIES or ch in _FILLERS) and ch not in out:
            out.append(ch)
    return out


def describe_character(ch: str) -> str:
    """"U+202E RIGHT-TO-LEFT OVERRIDE" — what a person can look up."""
    return f"U+{ord(ch):04X} {unicodedata.name(ch, '')}".strip()


def name_problem(text: str, what: str = "姓名", what_en: str = "the name") -> tuple[str, str] | None:
    """(zh, en) saying which hidden characters ``text`` holds, or None when it holds none."""
    bad = hidden_characters(text)
    if not bad:
        return None
    chars = "、".join(describe_character(c) for c in bad)
    return (f"{what}含有看不见的控制字符（{chars}），可能是从网页或聊天软件复制带入的。请删除后重新输入。",
            f"{what_en} contains invisible control characters ({', '.join(describe_character(c) for c in bad)}), "
            f"perhaps copied from a web page or a chat. Delete them and type it again.")


def check_name(text: str, *, field: str = "name", what: str = "姓名", what_en: str = "the name") -> str:
    """``text`` unchanged, or a ``UserError`` naming the hidden characters."""
    problem = name_problem(text, what, what_en)
    if problem is not None:
        raise UserError(*problem, field=field)
    return text
