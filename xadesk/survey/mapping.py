"""Columns → instrument items, proved rather than guessed.

A 问卷星 file numbers its questions (``4、题干``) and numbers a matrix question's rows by position
(``第4题(没兴趣)`` … in the order of the form). Schools shorten matrix row labels when they build
the form, so the text often cannot say which item a column is; the numbers can. The order of proof:

1. **Question number and sub-item position.** A matrix question whose row count equals an
   instrument's scored items (or all its items) is that instrument, row k = its k-th item — proved
   when it is the only question of that size and the instrument the only one of that size, or when
   the rows' text agrees. Unscored items (PHQ-9's difficulty question) are never filled this way
   unless the matrix holds every item of the instrument, i.e. the form asked it.
2. **Text.** A column whose text matches one scored item clearly better than any other.
3. **Order, last and never proved.** When the columns left over are exactly as many as the scored
   items left over, they are proposed in order — shown as a guess a person must confirm.

Every scored item of every instrument must be mapped exactly once, or the import stops and shows the
mapping. (An instrument with no column at all is allowed — a school may run one survey per
instrument — but then the mapping is not proven: a person confirms that the file lacks it.) A mapping is *proven* when every item column rests on 1 or 2 (or was confirmed before);
an unproven mapping is stored only after a person confirms it.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import ValidationFailed
from ..i18n import msg
from ..instruments.definition import Definition, Item
from ..screening.survey import MAPPING_FORMAT, Column, SurveyFile, norm

ID_WORDS = {"student_no": ("全国学籍号", "学籍号", "学号", "学生编号"), "name": ("姓名", "名字", "学生姓名"),
            "class": ("班级", "所在班级", "班别"), "grade": ("年级", "所在年级")}
IDENTITY_LABELS = {"student_no": ("学籍号", "student number"), "name": ("姓名", "name"), "class": ("班级", "class"),
                   "grade": ("年级", "grade")}
EVIDENCE_LABELS = {"number": ("按题号和子项位置", "by question number and row"),
                   "number+text": ("按题号，题干也相符", "by question number, the wording agrees"),
                   "text": ("按题干文字", "by the question's wording"),
                   "text?": ("题干相近，请核对", "similar wording: please check"),
                   "order": ("仅按顺序推测，请核对", "guessed from the order only: please check"),
                   "conflict": ("题号与题干不一致，请核对", "number and wording disagree: please check"),
                   "saved": ("沿用上次确认的对应", "as confirmed last time"),
                   "person": ("由您指定", "chosen by you"), "identity": ("按列名", "by the column name"), "": ("", "")}
PROVEN = {"number", "number+text", "text", "saved", "person", "identity"}


@dataclass(frozen=True)
class MappedColumn:
    """One line of the mapping table: a file column and what it feeds."""

    index: int
    header: str
    target: str                 # "" (not imported) / "identity:name" / "phq9:q3"
    evidence: str = ""
    note: str = ""

    @property
    def evidence_label(self) -> str:
        return evidence_label(self.evidence)


def evidence_label(code: str) -> str:
    """How a column's target was found, in words (the current language)."""
    return msg(*EVIDENCE_LABELS.get(code, (code, code)))


@dataclass
class Proposal:
    mapping: dict
    columns: list[MappedColumn]
    proven: bool
    problems: list[str] = field(default_factory=list)     # empty: every scored item mapped exactly once

    @property
    def complete(self) -> bool:
        return not self.problems


def required_items(d: Definition) -> list[Item]:
    """The items the instrument scores or checks (scales, rules, validity), in form order."""
    used: set[str] = set()
    for sc in d.scales:
        used.update(sc.items)

    def walk(x: object) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("item", "items") and isinstance(v, str):
                    used.add(v)
                elif k == "items" and isinstance(v, list | tuple):
                    used.update(i for i in v if isinstance(i, str))
                walk(v)
        elif isinstance(x, list | tuple):
            for v in x:
                walk(v)

    for rule in d.rules:
        walk(rule.when)
    for check in d.validity:
        walk(check.params)
    return [it for it in d.items if it.id in used]


def short_name(d: Definition) -> str:
    """The instrument's short display name: ``PHQ-9`` from ``患者健康问卷抑郁量表（PHQ-9）``."""
    m = re.search(r"[（(]([^（）()]{2,16})[)）]\s*$", d.name_zh)
    return m.group(1) if m else d.name_zh


def target_label(target: str, defns: Sequence[Definition]) -> str:
    """What the table shows for a target: ``PHQ-9 第3题 入睡困难、睡不安稳或睡眠过多``."""
    if not target:
        return msg("（不导入）", "(not imported)")
    if target.startswith("identity:"):
        zh, en = IDENTITY_LABELS.get(target[9:], (target[9:], target[9:]))
        return msg(f"学生的{zh}", f"the student's {en}")
    iid, _, item = target.partition(":")
    for d in defns:
        if d.id == iid:
            for it in d.items:
                if it.id == item:
                    scored = "" if it in required_items(d) else msg("（不计分）", " (not scored)")
                    return msg(f"{short_name(d)} 第{it.position}题{scored} {it.text_zh or ''}",
                               f"{short_name(d)} item {it.position}{scored} {it.text_zh or ''}").rstrip()
    return target


def _similar(a: str, b: str) -> float:
    a, b = re.sub(r"\W", "", a), re.sub(r"\W", "", b)
    if not a or not b:
        return 0.0
    if a in b or b in a:           # a shortened label inside the item text: good, but less than the whole
        return 0.6 + 0.4 * min(len(a), len(b)) / max(len(a), len(b))
    return difflib.SequenceMatcher(None, a, b).ratio()


# A consent form asks for the parent's name and the homeroom teacher's too ("1、家长姓名"); such a
# column is about someone else and never the student's identity.
OTHER_PERSON = ("家长", "父亲", "母亲", "监护人", "班主任", "老师", "教师", "联系人")


def identity_columns(sf: SurveyFile) -> dict[str, str]:
    identity: dict[str, str] = {}
    used: set[int] = set()
    for key, words in ID_WORDS.items():
        for w in words:                  # earlier words are more specific (学籍号 before 学号)
            col = next((c for c in sf.question_columns if c.index not in used and w in c.stem.replace(" ", "")
                        and len(c.stem) <= len(w) + 12 and not any(o in c.stem for o in OTHER_PERSON)), None)
            if col is not None:
                identity[key] = col.header
                used.add(col.index)
                break
    return identity


STRONG_TEXT = 0.85     # the item's own wording (or nearly): proof; below it a resemblance to check


def _text_match(c: Column, defns: Sequence[Definition], scored: dict[str, set[str]]) -> tuple[str, float] | None:
    """The one scored item this column's text resembles clearly better than any other, with the score."""
    scores = sorted(((_similar(c.stem, it.text_zh), f"{d.id}:{it.id}") for d in defns for it in d.items
                     if it.text_zh and it.id in scored[d.id]), reverse=True)
    if not scores or scores[0][0] < 0.6:
        return None
    if len(scores) > 1 and scores[1][0] >= scores[0][0] - 0.05:
        return None
    return scores[0][1], scores[0][0]


def propose(sf: SurveyFile, defns: Sequence[Definition]) -> Proposal:
    """A mapping built by the rules of the module docstring, with the evidence of each column."""
    identity = identity_columns(sf)
    id_headers = {h: k for k, h in identity.items()}
    free = [c for c in sf.question_columns if c.header not in id_headers]
    req = {d.id: required_items(d) for d in defns}
    scored = {d.id: {it.id for it in req[d.id]} for d in defns}
    matched = {c.header: m for c in free if (m := _text_match(c, defns, scored))}
    by_text = {h: t for h, (t, _) in matched.items()}
    chosen: dict[str, tuple[str, str, str]] = {}          # header → (target, evidence, note)
    done: set[str] = set()

    groups: dict[int, list[Column]] = {}
    for c in free:
        if c.sub is not None and c.number is not None:
            groups.setdefault(c.number, []).append(c)
    sizes = Counter(len(g) for g in groups.values())
    for number, cols in groups.items():
        m = len(cols)
        cands = [d for d in defns if d.id not in done and m in (len(req[d.id]), d.n_items)]
        if not cands:
            continue
        votes = Counter(by_text[c.header].split(":")[0] for c in cols if c.header in by_text)
        top = votes.most_common(1)
        d, evidence = None, ""
        if top and top[0][1] * 2 > m and any(x.id == top[0][0] for x in cands):
            d, evidence = next(x for x in cands if x.id == top[0][0]), "number+text"
        elif len(cands) == 1 and sizes[m] == 1 and \
                sum(1 for x in defns if m in (len(req[x.id]), x.n_items)) == 1:
            d, evidence = cands[0], "number"
        else:
            d, evidence = cands[0], "order"
        targets = list(d.items) if m == d.n_items else req[d.id]
        texts = [by_text.get(c.header) for c in cols]
        strong = [matched[c.header][1] >= STRONG_TEXT for c in cols if c.header in matched]
        if all(t and t.startswith(f"{d.id}:") for t in texts) and len(set(texts)) == m and all(strong) \
                and texts != [f"{d.id}:{it.id}" for it in targets]:
            # The form put the rows in another order, and every row says which item it is: trust the words.
            pos = {f"{d.id}:{it.id}": it for it in d.items}
            targets = [pos[t] for t in texts]
            evidence = "text"
        for k, (c, it) in enumerate(zip(cols, targets, strict=True), start=1):
            t = f"{d.id}:{it.id}"
            note = msg(f"第{number}题的第{k}个子项 → {d.name_zh}第{it.position}题",
                       f"question {number}, row {k} → {d.name_zh} item {it.position}")
            ev = evidence
            if c.header in by_text and by_text[c.header] != t:
                ev, note = "conflict", note + msg(f"；但题干更像{target_label(by_text[c.header], defns)}",
                                                  f"; but the wording is more like {target_label(by_text[c.header], defns)}")
            chosen[c.header] = (t, ev, note)
        done.add(d.id)

    taken = {t for t, _, _ in chosen.values()}
    for c in free:
        t = by_text.get(c.header)
        if c.header in chosen or t is None or t in taken or t.split(":")[0] in done:
            continue
        if matched[c.header][1] >= STRONG_TEXT:
            chosen[c.header] = (t, "text", msg("题干与该题相符", "the wording matches this item"))
        else:
            chosen[c.header] = (t, "text?", msg("题干与该题相近，但不完全相同", "the wording is close to this item, not the same"))
        taken.add(t)

    # Order, last: only when what is left fits exactly; shown as a guess.
    missing = [(d, it) for d in defns for it in req[d.id] if f"{d.id}:{it.id}" not in taken]
    left = [c for c in free if c.header not in chosen]
    if missing and len(left) == len(missing):
        for c, (d, it) in zip(left, missing, strict=True):
            chosen[c.header] = (f"{d.id}:{it.id}", "order", msg(
                f"剩余的列正好与未对应的题目一样多，按顺序推测为{d.name_zh}第{it.position}题",
                f"as many columns are left as unmapped items: guessed from the order as {d.name_zh} item {it.position}"))

    mapping = {"format": MAPPING_FORMAT, "coding": None, "identity": identity,
               "items": {h: t for h, (t, _, _) in chosen.items()}, "values": {}}
    columns = []
    for c in sf.question_columns:
        if c.header in id_headers:
            columns.append(MappedColumn(c.index, c.header, f"identity:{id_headers[c.header]}", "identity"))
        elif c.header in chosen:
            t, ev, note = chosen[c.header]
            columns.append(MappedColumn(c.index, c.header, t, ev, note))
        else:
            columns.append(MappedColumn(c.index, c.header, "", "", _why_not(c, by_text, defns)))
    problems = same_headers(mapping, sf) + coverage_problems(mapping, defns)
    proven = not problems and not absent_instruments(mapping, defns) and \
        all(c.evidence in PROVEN for c in columns if c.target)
    return Proposal(mapping, columns, proven, problems)


def _why_not(c: Column, by_text: dict[str, str], defns: Sequence[Definition]) -> str:
    if c.header in by_text:
        label = target_label(by_text[c.header], defns)
        return msg(f"题干像{label}，但该题已有对应的列", f"the wording is like {label}, which another column already feeds")
    for d in defns:
        scored = {it.id for it in required_items(d)}
        for it in d.items:
            if it.id not in scored and it.text_zh and _similar(c.stem, it.text_zh) >= 0.5:
                return msg(f"像{short_name(d)}第{it.position}题（不计分），默认不导入；需要时可在此选择",
                           f"like {short_name(d)} item {it.position} (not scored): not imported unless chosen here")
    return ""


def review(mapping: dict, sf: SurveyFile, defns: Sequence[Definition], *, evidence: str) -> Proposal:
    """The table for a mapping that was given (``person``) or saved for the campaign (``saved``)."""
    id_headers = {norm(h): f"identity:{k}" for k, h in (mapping.get("identity") or {}).items() if h}
    items = {norm(h): t for h, t in (mapping.get("items") or {}).items()}
    columns = []
    for c in sf.question_columns:
        if c.header in id_headers:
            columns.append(MappedColumn(c.index, c.header, id_headers[c.header], "identity"))
        elif c.header in items:
            columns.append(MappedColumn(c.index, c.header, items[c.header], evidence))
        else:
            columns.append(MappedColumn(c.index, c.header, ""))
    problems = same_headers(mapping, sf) + coverage_problems(mapping, defns)
    return Proposal(mapping, columns, not problems, problems)


def same_headers(mapping: dict, sf: SurveyFile) -> list[str]:
    """A column is named by its header, so two columns with the same header cannot both be mapped:
    the second would be read as the first, or dropped. Schools shorten matrix labels until two rows
    read alike ("第3题(心情)" twice); say so, rather than that an item "has no column"."""
    mapped = {norm(h) for h in [*(mapping.get("items") or {}), *(mapping.get("identity") or {}).values()] if h}
    where: dict[str, list[int]] = {}
    for c in sf.columns:
        if c.header in mapped:
            where.setdefault(c.header, []).append(c.index + 1)
    return [f"第{'、'.join(map(str, cols))}列的表头都是“{h}”，无法分别对应到题目：请在文件中把表头改得各不相同后再导入"
            for h, cols in where.items() if len(cols) > 1]


def coverage_problems(mapping: dict, defns: Sequence[Definition]) -> list[str]:
    """Every scored item mapped exactly once; nothing mapped twice; nothing outside the battery."""
    problems: list[str] = []
    by_id = {d.id: d for d in defns}
    seen: dict[str, str] = {}
    for header, target in (mapping.get("items") or {}).items():
        iid, _, item = str(target).partition(":")
        d = by_id.get(iid)
        if d is None or item not in {it.id for it in d.items}:
            problems.append(msg(f"列“{header}”对应的 {target} 不是本次测评的题目",
                                f"column {header!r} feeds {target}, which is not an item of this campaign"))
        elif target in seen:
            label = target_label(target, defns)
            problems.append(msg(f"{label} 同时对应了“{seen[target]}”和“{header}”两列",
                                f"{label} is fed by two columns, {seen[target]!r} and {header!r}"))
        else:
            seen[target] = header
    for d in defns:
        missing = [it for it in required_items(d) if f"{d.id}:{it.id}" not in seen]
        if len(missing) == len(required_items(d)) and not any(t.startswith(f"{d.id}:") for t in seen):
            continue             # not in this file at all (see absent_instruments)
        if missing:
            nums = "、".join(str(it.position) for it in missing)
            problems.append(msg(f"{d.name_zh}的第{nums}题没有对应的列",
                                f"{d.name_zh}: no column feeds item(s) {nums.replace('、', ', ')}"))
    if not seen:
        problems.append(msg("没有任何列对应到量表的题目", "no column feeds an item of the scales"))
    return problems


def absent_instruments(mapping: dict, defns: Sequence[Definition]) -> list[Definition]:
    """Instruments of the battery with no column in this file (a survey may carry only some of them)."""
    mapped = {str(t).partition(":")[0] for t in (mapping.get("items") or {}).values()}
    return [d for d in defns if d.id not in mapped]


class MappingRefused(ValidationFailed):
    """The import stopped before storing anything because of the mapping (or the export kind);
    ``proposal`` is what a person should look at and fix or confirm."""

    def __init__(self, zh: str, en: str, proposal: Proposal, defns: Sequence[Definition],
                 details: list[str] | None = None) -> None:
        lines = list(details or []) + table_lines(proposal, defns)
        super().__init__(zh, en, details=lines)
        self.proposal = proposal


def table_lines(proposal: Proposal, defns: Sequence[Definition]) -> list[str]:
    """The mapping as text lines (the CLI's table): column → target, with the evidence."""
    out = []
    for c in proposal.columns:
        why = f"  [{c.evidence_label}]" if c.evidence_label else ""
        out.append(f"{_column_letter(c.index)} “{c.header}” → {target_label(c.target, defns)}{why}")
    return out


def _column_letter(index: int) -> str:
    letters, index = "", index + 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
