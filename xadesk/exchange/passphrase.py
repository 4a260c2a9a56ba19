"""Passphrases a teacher can copy by hand from a printed sheet and type back in.

Generated passphrases use 31 characters that cannot be confused in print or handwriting (no 0/O,
no 1/I/L), in groups separated by hyphens: six groups of four carry 118.9 bits. The same functions
serve the database recovery key (more groups).

``normalise`` is the single definition of "the same passphrase": it is applied to every passphrase
before key derivation (generated or chosen by a user), so case, spaces, hyphens, zero-width
characters and the full-width forms a Chinese input method produces never matter. FORMAT.md
repeats the rule for independent readers.
"""

from __future__ import annotations

import math
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MIN_BITS = 100
# A minus sign is not "Pd" (dash punctuation) in Unicode but IMEs and word processors produce it.
_EXTRA_SEPARATORS = frozenset("\u2212")


def bits(groups: int, group_len: int) -> float:
    """Entropy of a generated passphrase of this shape."""
    return groups * group_len * math.log2(len(ALPHABET))


def generate(groups: int = 6, group_len: int = 4) -> str:
    """A fresh random passphrase, e.g. ``"7KQM-X3RB-…"``; refuses shapes under 100 bits."""
    if groups < 1 or group_len < 1:
        raise ValueError("groups and group_len must be positive")
    if bits(groups, group_len) < MIN_BITS:
        raise ValueError(f"a {groups}x{group_len} passphrase has fewer than {MIN_BITS} bits")
    raw = "".join(secrets.choice(ALPHABET) for _ in range(groups * group_len))
    return format_groups(raw, group_len=group_len)


def _round(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    kept = [c for c in text
            if not (c.isspace() or c in _EXTRA_SEPARATORS or unicodedata.category(c) in ("Pd", "Cf"))]
    return "".join(kept).upper()


def normalise(text: str) -> str:
    """The canonical form: NFKC, separators/dashes/format characters removed, upper case.

    Repeated until stable (at most 5 rounds): removing a space can join a letter with a combining mark
    that NFKC then composes, so one round is not always idempotent. ASCII settles in one round.
    """
    for _ in range(5):
        nxt = _round(text)
        if nxt == text:
            break
        text = nxt
    return text


def format_groups(text: str, group_len: int = 4, sep: str = "-") -> str:
    """Normalise, then split into groups for printing: ``"7kqm x3rb"`` -> ``"7KQM-X3RB"``."""
    if group_len < 1:
        raise ValueError("group_len must be positive")
    flat = normalise(text)
    return sep.join(flat[i:i + group_len] for i in range(0, len(flat), group_len))


def foreign_characters(text: str) -> str:
    """Characters (after normalising) that never occur in a generated passphrase, in order, once each.

    Lets the UI add a hint after a wrong passphrase, e.g. that "O" is probably a misread letter.
    """
    seen: list[str] = []
    for c in normalise(text):
        if c not in ALPHABET and c not in seen:
            seen.append(c)
    return "".join(seen)
