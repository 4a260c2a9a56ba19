"""What an answer cell may hold, and why a cell that is not an option was refused.

A cell is compared with the item's option codes after two foldings only: surrounding white space is
dropped, and full-width ASCII (``０``–``９``, ``Ａ``–``Ｚ``, the ideographic space) becomes ordinary
ASCII — Chinese input methods produce full-width digits all the time, and they mean the same digit.
Nothing else is folded: Arabic-Indic ``١``, circled ``①``, superscript ``¹`` and other scripts'
digits are refused with a message that says so, as are invisible characters (zero-width space,
direction marks) hidden in a cell. Python's ``float('١')`` is 1.0, which is exactly why no cell goes
through ``float`` here: only the option codes, and their values written as ``2`` or ``2.0``, are
accepted.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from ..instruments.definition import Item

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold(text: str) -> str:
    """The text compared with option codes: full-width ASCII folded, white space stripped, upper case."""
    return text.translate(_FULLWIDTH).strip().upper()


def accepted_texts(item: Item) -> dict[str, float]:
    """Folded cell text → option value: the printed code, and for numeric codes the value as ``2.0``."""
    out: dict[str, float] = {}
    numeric = all(o.code == _fmt(o.value) for o in item.options)
    for o in item.options:
        out[fold(o.code)] = o.value
        if numeric:   # letters stay letters: "1" is not option A
            out[f"{o.value:.1f}"] = o.value
    return out


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def why_not(text: str) -> str:
    """A short Chinese / English reason for a refused cell beyond "not an option", or ""."""
    for ch in text.translate(_FULLWIDTH):
        if ch.isascii():
            continue
        name = unicodedata.name(ch, f"U+{ord(ch):04X}")
        if unicodedata.category(ch) == "Nd" or ch.isdigit():
            return (f"含其他文字的数字“{ch}”（{name}），请只用 0–9（全角数字也可以） / holds the digit {ch!r} "
                    f"({name}) of another script; use 0–9")
        if not ch.isprintable() or unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp"):
            return (f"含不可见字符 U+{ord(ch):04X}（{name}） / holds the invisible character U+{ord(ch):04X}")
    stripped = text.strip()
    if stripped.startswith("="):
        return "看起来是公式而不是数值 / looks like a formula, not a value"
    return ""


class TokenTable(dict):
    """Cell text → small integer token, assigned on first sight (``table[text]``). Answer columns hold
    a handful of different texts, so values are looked up once per distinct text, not once per cell.

    Token 0 is a blank cell; tokens 1–128 are the single ASCII characters (the CSV fast path maps a
    one-byte field straight to its token); 129 stands for a lone byte that is not text."""

    BLANK = 0
    LONE_BYTE = 129

    def __init__(self, limit: int = 200_000) -> None:
        super().__init__()
        self.texts: list[str] = [""] + [chr(b) for b in range(128)] + ["\ufffd"]
        for k, t in enumerate(self.texts):
            self.setdefault(t, k)
        self[None] = 0
        self.limit = limit

    def __missing__(self, text: str) -> int:
        if len(self.texts) >= self.limit:
            raise OverflowError("too many different cell texts")
        k = len(self.texts)
        self.texts.append(text)
        self[text] = k
        return k

    @staticmethod
    def byte_tokens() -> np.ndarray:
        """Token of each one-byte field, indexed by the byte."""
        lut = np.full(256, TokenTable.LONE_BYTE, dtype=np.int32)
        lut[:128] = np.arange(1, 129, dtype=np.int32)
        return lut


def value_table(tokens: TokenTable, item: Item, cache: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For every token so far: the option value (NaN for a blank or a refused cell) and whether it is
    refused. ``cache`` (keyed by the item's accepted texts) shares the work between items alike."""
    accepted = accepted_texts(item)
    key = (tuple(sorted(accepted.items())), len(tokens.texts))
    if cache is not None and key in cache:
        return cache[key]
    n = len(tokens.texts)
    values = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)
    for k, text in enumerate(tokens.texts):
        f = fold(text)
        if not f:
            continue
        v = accepted.get(f)
        if v is None:
            bad[k] = True
        else:
            values[k] = v
    if cache is not None:
        cache[key] = (values, bad)
    return values, bad
