"""Chinese line breaking for reportlab paragraphs (避头尾: no closing mark starts a line, no opening
mark ends one).

reportlab's CJK wrap (``wordWrap="CJK"``) cuts between any two characters. When the character that
does not fit may not start a line it hangs it on the line before, but only one: with two closing
marks together (``”。``, ``）。``, ``》，``) the second one started the next line. Its lists are also
Japanese, without most full-width Chinese marks.

Here, when the character that overflows may not start a line:

- it hangs in the margin when the character after it may start a line (reportlab's own rule, one
  character at most);
- otherwise the break moves back until the next line starts with a character that may start one
  and the line does not end with an opening mark, so ``字）。`` moves down together.

The two splitting loops reportlab uses (``textsplit.dumbSplit`` for a paragraph of one style,
``paragraph.cjkFragSplit`` for mixed styles and ``<br/>``) are replaced by copies that differ only
in where a line ends; :func:`install` puts them in place (``reports.styles`` calls it on import).
"""

from __future__ import annotations

from collections.abc import Sequence
from unicodedata import category

from reportlab.lib import textsplit as _rl_textsplit
from reportlab.platypus import paragraph as _rl_paragraph
from reportlab.rl_config import _FUZZ

# GB/T 15834 usage: closing quotes, brackets and marks, pause and stop marks, ellipsis and dash halves.
CANNOT_START = "".join(dict.fromkeys(
    _rl_textsplit.ALL_CANNOT_START + "，；：！？、。）》」』】〕〉…—·％”’〗｝］" + "!),.:;?]}%"))
CANNOT_END = "".join(dict.fromkeys(_rl_textsplit.ALL_CANNOT_END + "（《「『【〔〈“‘〖｛［" + "([{"))


def _closing(ch: str) -> bool:
    return bool(ch) and ch in CANNOT_START      # an empty glyph (an image, a link anchor) is neither


def _opening(ch: str) -> bool:
    return bool(ch) and ch in CANNOT_END


def next_line_start(chars: Sequence[str], start: int, over: int) -> int:
    """Where the next line begins, when the line begun at ``start`` overflows at ``over`` (the first
    character that does not fit). Always > ``start``, so every line holds at least one character."""
    if _closing(chars[over]) and (over + 1 >= len(chars) or not _closing(chars[over + 1])):
        return over + 1                     # hang one closing mark in the margin
    cut = over
    while cut > start + 1 and (_closing(chars[cut]) or _opening(chars[cut - 1])):
        cut -= 1
    return cut if cut > start else start + 1


def _latin_back(chars: Sequence[str], start: int, over: int) -> int:
    """Inside a run of Latin text, the overflowing position moved back to just after a space or a
    CJK character (at most half the line back), as reportlab does; else ``over`` unchanged."""
    for j in range(over, (start + over + 1) >> 1, -1):
        cj = chars[j]
        if category(cj) == "Zs" or ord(cj) >= 0x3000:
            if j + 1 < over + 1:
                return j + 1
            break
    return over


def dumb_split(word: str, widths: Sequence[float], max_widths) -> list[list]:
    """``textsplit.dumbSplit`` with the breaking rule above: ``[[extra space, line text], …]``."""
    if not isinstance(max_widths, list | tuple):
        max_widths = [max_widths]
    lines: list[list] = []
    i = used = start = 0
    max_width = max_widths[0]
    n = len(word)
    while i < n:
        used += widths[i]
        i += 1
        if used > max_width + _FUZZ and used > 0:
            over = i - 1
            if ord(word[over]) < 0x3000:
                over = _latin_back(word, start, over)
            i = next_line_start(word, start, over)
            lines.append([max_width - sum(widths[start:i]), word[start:i].strip()])
            max_width = max_widths[min(len(lines), len(max_widths) - 1)]
            start = i
            used = 0
    if used > 0:
        lines.append([max_width - used, word[start:]])
    return lines


def cjk_frag_split(frags, max_widths, calc_bounds, encoding: str = "utf8"):
    """``paragraph.cjkFragSplit`` with the breaking rule above."""
    cjk_u, make_line = _rl_paragraph.cjkU, _rl_paragraph.makeCJKParaLine
    glyphs = []
    for f in frags:
        text = f.text
        if isinstance(text, bytes):
            text = text.decode(encoding)
        if text:
            glyphs.extend(cjk_u(t, f, encoding) for t in text)
        else:
            glyphs.append(cjk_u(text, f, encoding))
    lines = []
    i = used = start = 0
    max_width = max_widths[0]
    widths: list[float] = []
    n = len(glyphs)
    while i < n:
        u = glyphs[i]
        w = u.width
        if hasattr(w, "normalizedValue"):
            w._normalizer = max_width
            w = w.normalizedValue(max_width)
        widths.append(w)
        i += 1
        used += w
        line_break = hasattr(u.frag, "lineBreak")
        if (used > max_width + _FUZZ and used > 0) or line_break:
            if not line_break:
                over = i - 1
                if u and ord(u) < 0x3000:
                    over = _latin_back(glyphs, start, over)
                i = next_line_start(glyphs, start, over)
                used = sum(widths[:i - start])
            lines.append(make_line(glyphs[start:i], max_width, used, max_width - used, line_break, calc_bounds))
            max_width = max_widths[min(len(lines), len(max_widths) - 1)]
            start = i
            used = 0
            widths = []
    if used > 0:
        lines.append(make_line(glyphs[start:], max_width, used, max_width - used, False, calc_bounds))
    return _rl_paragraph.ParaLines(kind=1, lines=lines)


def install() -> None:
    """Use these loops in every reportlab paragraph of this process (idempotent)."""
    _rl_textsplit.dumbSplit = dumb_split           # wordSplit looks it up at call time
    _rl_paragraph.cjkFragSplit = cjk_frag_split    # so does Paragraph.breakLinesCJK
    _rl_paragraph.ALL_CANNOT_START = CANNOT_START
