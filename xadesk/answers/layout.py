"""The header of an answer file: which column is the id, which holds which item, which are extras.

Layout (the ``xadesk score`` layout, also read by ``campaign import``): first column ``id`` (for a
campaign: the 学籍号); then one column per item, headed by its position (``1`` … ``N``), its item id
(``q1``) or, to name the instrument, ``<instrument>.<item>`` (``phq9.9``, ``phq9.q9``); optional
columns ``seconds`` (用时), ``grade`` (年级, 1–12), ``sex`` (性别) and ``name`` (姓名, never read).
Headers are compared loosely (:func:`xadesk.tables.normalize_header`: full width folded, spaces and
bracketed notes dropped).

Every item an instrument's scoring looks at (scale items, items named by a safety, screening or band
rule, validity items, conditions of conditional items) must have a column once any item of that
instrument has one: a file with PHQ-9 items 1–4 only would otherwise score students whose item 9 was
never read. Items no rule reads (PHQ-9's question 10) may be left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import UserError
from ..instruments.definition import Definition
from ..tables import normalize_header

EXTRAS = {"seconds": "seconds", "用时": "seconds", "所用时间": "seconds", "grade": "grade", "年级": "grade",
          "sex": "sex", "性别": "sex", "gender": "sex", "name": "name", "姓名": "name"}


def column_letter(index: int) -> str:
    """Excel's letter for a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def where_column(index: int, header: str | None = None) -> str:
    head = f"，“{header}”" if header else ""
    return f"第{index + 1}列（{column_letter(index)}{head}）"


@dataclass
class Layout:
    width: int                                   # header cells, trailing blanks dropped
    headers: list[str]
    items: dict[int, tuple[str, int]] = field(default_factory=dict)   # column → (instrument id, item index)
    extras: dict[str, int] = field(default_factory=dict)              # "seconds"/"grade"/"sex"/"name" → column

    @property
    def instruments(self) -> list[str]:
        seen: list[str] = []
        for iid, _ in self.items.values():
            if iid not in seen:
                seen.append(iid)
        return seen

    def mapping(self) -> dict[str, str]:
        """Header → ``instrument:item`` (what a survey mapping's ``items`` holds)."""
        return {self.headers[c]: f"{iid}:{j}" for c, (iid, j) in self.items.items()}


def is_id_header(text: str) -> bool:
    return normalize_header(text).lower() == "id"


def scored_items(defn: Definition) -> set[int]:
    """Indexes of the items any scale, rule, band rule, validity check or condition reads."""
    ids: set[str] = set()
    for s in defn.scales:
        ids.update(s.items)
        for br in s.band_rules:
            _condition_items(br.when, ids)
    for r in defn.rules:
        _condition_items(r.when, ids)
    for it in defn.items:
        if it.show_if is not None:
            _condition_items(it.show_if, ids)
    for v in defn.validity:
        p = v.params
        ids.update(p.get("items", ()))
        for pr in p.get("pairs", ()):
            ids.update((pr["a"], pr["b"]))
    known = {it.id for it in defn.items}
    return {defn.item_index(i) for i in ids if i in known}


def _condition_items(cond: object, out: set[str]) -> None:
    if isinstance(cond, dict):
        for key in ("item", "blank"):
            if isinstance(cond.get(key), str):
                out.add(cond[key])
        for value in cond.values():
            if isinstance(value, (dict, list)):
                _condition_items(value, out)
    elif isinstance(cond, list):
        for sub in cond:
            _condition_items(sub, out)


def _item_key(d: Definition, key: str) -> int | None:
    if key.isdigit() and key.isascii() and 1 <= int(key) <= d.n_items:
        return int(key) - 1
    for j, it in enumerate(d.items):
        if it.id.lower() == key:
            return j
    return None


def parse_header(headers: list[str], defns: Sequence[Definition], instrument: str | None) -> tuple[Layout, list[str]]:
    """The layout, and every problem with the header (Chinese / English, naming the column)."""
    by_id = {d.id: d for d in defns}
    if instrument is not None and instrument not in by_id:
        raise UserError(f"测评活动不包含量表 {instrument}。", f"The campaign has no instrument {instrument}.")
    single = by_id[instrument] if instrument else (defns[0] if len(defns) == 1 else None)
    layout = Layout(len(headers), headers)
    problems: list[str] = []
    taken: dict[tuple[str, int], int] = {}
    for c, raw in enumerate(headers[1:], start=1):
        h = normalize_header(raw).lower()
        where = where_column(c, raw)
        target: tuple[str, int] | None = None
        if not h:
            problems.append(f"{where}：表头为空 / column {c + 1}: empty header")
            continue
        if h in EXTRAS:
            if EXTRAS[h] in layout.extras:
                problems.append(f"{where}：与第{layout.extras[EXTRAS[h]] + 1}列重复 / column {c + 1} repeats a column")
            layout.extras[EXTRAS[h]] = c
            continue
        if "." in h or ":" in h:
            iid, _, key = h.replace(":", ".").partition(".")
            d = by_id.get(iid)
            j = _item_key(d, key) if d is not None else None
            if j is not None:
                target = (iid, j)
        elif single is not None:
            j = _item_key(single, h)
            if j is not None:
                target = (single.id, j)
        if target is None:
            names = "、".join(d.id for d in defns)
            hint = (f"应为题号 1–{single.n_items} 或题目编号" if single is not None else
                    f"测评包含多个量表（{names}）：请用“量表.题号”作表头（如 {defns[0].id}.1），或指定量表")
            problems.append(f"{where}：不是题目列，{hint} / column {c + 1} {raw!r} is not an item column")
            continue
        if target in taken:
            problems.append(f"{where}：与第{taken[target] + 1}列是同一题（{by_id[target[0]].name_zh}第{target[1] + 1}题）/ "
                            f"column {c + 1} repeats item {target[1] + 1} of {target[0]}")
            continue
        taken[target] = c
        layout.items[c] = target
    if not layout.items and not problems:
        problems.append("没有任何题目列 / no item columns")
    for iid in layout.instruments:
        d = by_id[iid]
        have = {j for (i, j) in layout.items.values() if i == iid}
        absent = sorted(scored_items(d) - have)
        if absent:
            nums = "、".join(str(j + 1) for j in absent)
            problems.append(f"缺少{d.name_zh}第 {nums} 题的列（计分和安全规则都要用到）/ missing columns for {iid} "
                            f"items {', '.join(str(j + 1) for j in absent)}")
    return layout, problems
