"""Which of 问卷星's three export kinds a file is: 按文本 (answer text), 按序号 (option ordinal, 1 = the
first option listed) or 按分数 (the score each option carried on the form).

The file name decides when it says (``{问卷编号}_按序号_{标题}_{n}_{m}.xlsx``; older exports end in
``_0`` = text or ``_2`` = ordinal; 问卷网's ``All_Data_Readable`` / ``All_Data_Original`` are text /
ordinal). Otherwise the cells of the item columns decide: text cells → 按文本; numbers that only an
ordinal can be (4 on a 0–3 scale) → 按序号; numbers only a score can be (0) → 按分数. When the numbers
fit both (every answer 1–3 on a 0–3 scale) the kind is *ambiguous* and a person must say: read the
wrong way, every answer would be off by one. When the name and the cells disagree, the file is refused
with both named, because either the export or the form's scores are not what they seem.

Codings (the mapping's ``coding``): ``label`` = 按文本, ``ordinal`` = 按序号, ``value`` = 按分数.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..i18n import msg
from ..instruments.definition import Item

KIND_LABELS = {"label": "按文本", "ordinal": "按序号", "value": "按分数"}
KIND_NAMES = {"text": "label", "ordinal": "ordinal", "score": "value",
              "label": "label", "value": "value", "按文本": "label", "按序号": "ordinal", "按分数": "value"}
MISSING_TEXTS = {"-2", "-3", "(跳过)", "(空)", "（跳过）", "（空）"}
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def coding_from_name(file_name: str) -> str | None:
    """The coding a 问卷星 (or 问卷网) file name states, or None."""
    stem = Path(file_name).stem
    for word, coding in (("按文本", "label"), ("按选项文本", "label"), ("按序号", "ordinal"), ("按选项序号", "ordinal"),
                         ("按分数", "value"), ("按选项分数", "value")):
        if word in stem:
            return coding
    if "All_Data_Readable" in stem:
        return "label"
    if "All_Data_Original" in stem:
        return "ordinal"
    m = re.fullmatch(r"\d{5,}_.+_(\d)", stem)       # older 问卷星 names: {编号}_{标题}_0.xls / _2.xls
    if m and m.group(1) in "02":
        return "label" if m.group(1) == "0" else "ordinal"
    return None


@dataclass(frozen=True)
class KindVerdict:
    coding: str | None          # label / ordinal / value; None = a person must choose
    source: str                 # "name" / "values" / "person" / "ambiguous" / "conflict"
    reason: str                 # one sentence for the preview, in the current language

    @property
    def label(self) -> str:
        if self.coding is None:
            return (msg("无法确定（按序号还是按分数？）", "undecided (ordinals or scores?)") if self.source == "ambiguous"
                    else msg("导出方式与文件名不符", "the export kind differs from the file name"))
        how = {"name": msg("据文件名", "from the file name"), "values": msg("据单元格内容", "from the cells"),
               "person": msg("由您选定", "chosen by you")}.get(self.source, "")
        return f"{KIND_LABELS[self.coding]}（{how}）" if how else KIND_LABELS[self.coding]


def judge(file_name: str, cells: Iterable[tuple[Item, str]]) -> KindVerdict:
    """The kind of a file from its name and its item cells ((item, normalised text) pairs)."""
    named = coding_from_name(file_name)
    text = numeric = 0
    ordinal_only: str | None = None
    score_only: str | None = None
    for it, t in cells:
        if not t or t in MISSING_TEXTS:
            continue
        if not _NUMBER.fullmatch(t):
            text += 1
            continue
        numeric += 1
        v = float(t)
        as_ordinal = v.is_integer() and 1 <= v <= len(it.options)
        as_score = v in it.values
        if as_ordinal and not as_score and ordinal_only is None:
            ordinal_only = t
        if as_score and not as_ordinal and score_only is None:
            score_only = t
    if text > numeric:
        seen = "label"
    elif not numeric:
        seen = None
    elif ordinal_only is not None and score_only is None:
        seen = "ordinal"
    elif score_only is not None and ordinal_only is None:
        seen = "value"
    else:
        seen = None
    if named is not None:
        clash = (named == "label" and numeric > text) or (named != "label" and text > numeric) or \
            (named == "ordinal" and score_only is not None and ordinal_only is None) or \
            (named == "value" and ordinal_only is not None and score_only is None)
        if clash:
            got = {"label": msg("答案文字", "answer texts"),
                   "ordinal": msg(f"只有选项序号才会出现的“{ordinal_only}”", f"{ordinal_only!r}, which only an ordinal can be"),
                   "value": msg(f"只有分数才会出现的“{score_only}”", f"{score_only!r}, which only a score can be"),
                   }.get(seen or "", msg("与之不符的内容", "something else"))
            if named == "label":
                got = msg("数字", "numbers")
            return KindVerdict(None, "conflict", msg(
                f"文件名表明是{KIND_LABELS[named]}导出，但题目列里是{got}：请确认导出方式（问卷星上设置的分数也可能与量表的"
                f"分值不同）。",
                f"The file name says a {KIND_LABELS[named]} export, but the item columns hold {got}: confirm the export "
                f"kind (the scores set on 问卷星 may also differ from the scale's values)."))
        return KindVerdict(named, "name", msg(f"文件名中写明了“{KIND_LABELS[named]}”。",
                                              f"The file name says {KIND_LABELS[named]}."))
    if seen == "label":
        return KindVerdict("label", "values", msg("题目列里是答案文字。", "The item columns hold answer texts."))
    if seen == "ordinal":
        return KindVerdict("ordinal", "values", msg(f"题目列里出现了“{ordinal_only}”，只有选项序号才会这样。",
                                                    f"The item columns hold {ordinal_only!r}, which only an ordinal can be."))
    if seen == "value":
        return KindVerdict("value", "values", msg(f"题目列里出现了“{score_only}”，只有分数才会这样。",
                                                  f"The item columns hold {score_only!r}, which only a score can be."))
    if ordinal_only is not None and score_only is not None:
        return KindVerdict(None, "ambiguous", msg(
            f"题目列里既有只有序号才会出现的“{ordinal_only}”，又有只有分数才会出现的“{score_only}”：对应关系可能有误，"
            f"或导出方式不明，请选择。",
            f"The item columns hold {ordinal_only!r} (only an ordinal) and {score_only!r} (only a score): the mapping "
            f"may be wrong, or the export kind is unclear; please choose."))
    return KindVerdict(None, "ambiguous", msg(
        "题目列里的数字既可能是选项序号，也可能是分数（按错了每题都会差一分）：请选择导出方式。",
        "The numbers in the item columns could be ordinals or scores (the wrong choice is one point off on every "
        "item): please choose the export kind."))
