"""Check an instrument definition and build a :class:`Definition`, or refuse it with every problem listed.

Each problem names the field by its JSON path (``scales[2].items[4]``) and says what is wrong, so a
counselor importing a school's own definition can fix the file. Nothing half-valid is ever returned.
"""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

from ..errors import ValidationFailed
from .definition import (
    COMBINE_METHODS,
    FORMAT_ID,
    METHODS,
    RATER_STUDENT,
    RATERS,
    REPORT_OF_RATER,
    Band,
    BandRule,
    Definition,
    Item,
    MissingRule,
    Norm,
    NormGroup,
    Option,
    Rule,
    Scale,
    ValidityCheck,
    scale_range,
)

_OPS = ("eq", "ne", "ge", "gt", "le", "lt")
_REPORTS = ("self", "teacher", "parent")
_RULE_KINDS = ("safety", "screen")
_VALIDITY_KINDS = ("lie_scale", "straight_lining", "too_fast", "inconsistent_pairs")
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")
# Two band edges closer than this count as touching (mean scores printed as 1.99 / 2.00).
_EDGE_EPS = 1e-9
# Versions are stored in a SQLite INTEGER; a school's own definitions count up from 1.
MAX_VERSION = 1_000_000


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, zh: str, en: str) -> None:
        self.items.append(f"{path}: {zh} / {en}" if path else f"{zh} / {en}")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _good_id(v: Any) -> bool:
    return isinstance(v, str) and 0 < len(v) <= 64 and set(v) <= _ID_CHARS and v[0].isalpha()


def _text(p: _Problems, d: dict, key: str, path: str, required: bool = True) -> tuple[str, str]:
    """A bilingual text: ``{"zh": ..., "en": ...}`` (zh required) or a plain string (taken as zh)."""
    v = d.get(key)
    if v is None:
        if required:
            p.add(f"{path}.{key}" if path else key, "缺少此字段", "missing")
        return "", ""
    if isinstance(v, str):
        return v, v
    if isinstance(v, dict) and isinstance(v.get("zh"), str) and v["zh"].strip() \
            and isinstance(v.get("en", ""), str):
        return v["zh"], v.get("en") or v["zh"]
    p.add(f"{path}.{key}" if path else key, "应为文字或 {\"zh\": …, \"en\": …}", "must be text or {\"zh\": …, \"en\": …}")
    return "", ""


def _list(p: _Problems, d: dict, key: str, path: str, required: bool = False) -> list:
    v = d.get(key)
    if v is None:
        if required:
            p.add(path_join(path, key), "缺少此字段", "missing")
        return []
    if not isinstance(v, list):
        p.add(path_join(path, key), "应为列表", "must be a list")
        return []
    return v


def path_join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def definition_from_dict(data: Any, source_name: str = "") -> Definition:
    """Validate ``data`` (a parsed JSON object) and return the definition.

    Raises :class:`ValidationFailed` whose message names ``source_name`` and whose ``details`` list one
    problem per line, each starting with the JSON path of the field.
    """
    p = _Problems()
    if not isinstance(data, dict):
        _fail(source_name, ["定义应为一个 JSON 对象 / a definition must be a JSON object"])
    data = copy.deepcopy(data)
    defn = _build(p, data, source_name)
    if p.items or defn is None:
        _fail(source_name, p.items)
    return defn


def _fail(source_name: str, problems: list[str]) -> None:
    where = source_name or "量表定义"
    where_en = source_name or "definition"
    raise ValidationFailed(f"{where}：量表定义有 {len(problems)} 处错误，未导入。",
                           f"{where_en}: the definition has {len(problems)} problem(s); nothing was imported.",
                           details=problems)


def _build(p: _Problems, d: dict, source_name: str) -> Definition | None:
    fmt = d.get("format", FORMAT_ID)
    if fmt != FORMAT_ID:
        p.add("format", f"不支持的格式 {fmt!r}（应为 {FORMAT_ID}）", f"unsupported format {fmt!r} (expected {FORMAT_ID})")
    if not _good_id(d.get("id")):
        p.add("id", "缺少或不合法（小写字母开头，仅含小写字母、数字、下划线）",
              "missing or invalid (lower-case letter first, then a-z 0-9 _)")
    version = d.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        p.add("version", "应为正整数", "must be a positive integer")
    elif version > MAX_VERSION:
        p.add("version", f"版本号过大（不得超过 {MAX_VERSION}）", f"too large (at most {MAX_VERSION})")
    name_zh, name_en = _text(p, d, "name", "")
    _text(p, d, "instructions", "")
    _text(p, d, "licence", "")
    _text(p, d, "time_frame", "", required=False)
    src = d.get("source")
    if not isinstance(src, dict) or not isinstance(src.get("citation"), str) or not src["citation"].strip():
        p.add("source.citation", "缺少出处", "missing citation")
    _check_population(p, d.get("population"))
    _check_rater(p, d)
    allowed = d.get("item_text_allowed")
    if not isinstance(allowed, bool):
        p.add("item_text_allowed", "应为 true 或 false", "must be true or false")
        allowed = False

    option_sets = _option_sets(p, d.get("option_sets"))
    items = _items(p, d, option_sets, allowed)
    item_ids = {it.id: it for it in items}
    reverse = _reverse(p, d, item_ids)
    scales = _scales(p, d, items, item_ids)
    scale_ids = {s.id for s in scales}
    _conditional_items(p, d, item_ids, scale_ids)
    if p.items:
        return None
    partial = Definition(id=d["id"], version=version, name_zh=name_zh, name_en=name_en,
                         item_text_allowed=allowed, items=tuple(items), reverse_keyed=tuple(reverse),
                         scales=tuple(scales), norms=(), rules=(), validity=(), source_name=source_name,
                         _raw=d)
    _check_bands(p, partial)
    norms = _norms(p, d, partial)
    rules = _rules(p, d, item_ids, scale_ids)
    validity = _validity(p, d, partial)
    if p.items:
        return None
    return Definition(id=d["id"], version=version, name_zh=name_zh, name_en=name_en,
                      item_text_allowed=allowed, items=tuple(items), reverse_keyed=tuple(reverse),
                      scales=tuple(scales), norms=tuple(norms), rules=tuple(rules),
                      validity=tuple(validity), source_name=source_name, _raw=d)


def _check_population(p: _Problems, pop: Any) -> None:
    if not isinstance(pop, dict):
        p.add("population", "缺少适用人群", "missing population")
        return
    lo, hi = pop.get("grade_min"), pop.get("grade_max")
    if not (isinstance(lo, int) and isinstance(hi, int) and 1 <= lo <= hi <= 16):
        p.add("population.grade_min", "年级范围应为 1–16 的整数且 grade_min ≤ grade_max",
              "grades must be integers 1–16 with grade_min ≤ grade_max")
    if pop.get("report") not in _REPORTS:
        p.add("population.report", f"应为 {'/'.join(_REPORTS)} 之一", f"must be one of {', '.join(_REPORTS)}")


def _check_rater(p: _Problems, d: dict) -> None:
    """``rater`` (default ``student``) must be known and agree with ``population.report``."""
    rater = d.get("rater", RATER_STUDENT)
    if rater not in RATERS:
        p.add("rater", f"应为 {'/'.join(RATERS)} 之一（默认 student：学生自评）",
              f"must be one of {', '.join(RATERS)} (default student: self-report)")
        return
    pop = d.get("population")
    report = pop.get("report") if isinstance(pop, dict) else None
    if report in _REPORTS and report != REPORT_OF_RATER[rater]:
        p.add("rater", f"与 population.report（{report}）不一致：rater 为 {rater} 时 report 应为 {REPORT_OF_RATER[rater]}",
              f"disagrees with population.report ({report}): rater {rater} needs report {REPORT_OF_RATER[rater]}")


def _option_sets(p: _Problems, sets: Any) -> dict[str, tuple[Option, ...]]:
    out: dict[str, tuple[Option, ...]] = {}
    if not isinstance(sets, dict) or not sets:
        p.add("option_sets", "缺少选项集", "missing option sets")
        return out
    for name, opts in sets.items():
        path = f"option_sets.{name}"
        if not isinstance(opts, list) or len(opts) < 2:
            p.add(path, "至少需要两个选项", "needs at least two options")
            continue
        parsed: list[Option] = []
        for j, o in enumerate(opts):
            op = f"{path}[{j}]"
            if not isinstance(o, dict) or not _is_number(o.get("value")):
                p.add(f"{op}.value", "选项分值应为数字", "option value must be a number")
                continue
            value = float(o["value"])
            code = o.get("code", _fmt_value(value))
            if not isinstance(code, str) or not code.strip():
                p.add(f"{op}.code", "选项代码应为非空文字", "option code must be non-empty text")
                continue
            zh, en = _text(p, o, "label", op)
            parsed.append(Option(value=value, code=code.strip(), label_zh=zh, label_en=en))
        values = [o.value for o in parsed]
        codes = [o.code.upper() for o in parsed]
        if len(set(values)) != len(values):
            p.add(path, "选项分值重复", "duplicate option values")
        if len(set(codes)) != len(codes):
            p.add(path, "选项代码重复", "duplicate option codes")
        out[name] = tuple(parsed)
    return out


def _fmt_value(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _items(p: _Problems, d: dict, option_sets: dict, allowed: bool) -> list[Item]:
    raw_items = _list(p, d, "items", "", required=True)
    if not raw_items and "items" in d:
        p.add("items", "至少需要一道题", "needs at least one item")
    items: list[Item] = []
    seen: set[str] = set()
    for i, it in enumerate(raw_items):
        path = f"items[{i}]"
        if not isinstance(it, dict):
            p.add(path, "应为对象", "must be an object")
            continue
        iid = it.get("id")
        if not _good_id(iid):
            p.add(f"{path}.id", "缺少或不合法", "missing or invalid")
            continue
        if iid in seen:
            p.add(f"{path}.id", f"题目编号 {iid} 重复", f"duplicate item id {iid}")
        seen.add(iid)
        text_zh = text_en = None
        if "text" in it:
            if not allowed:
                p.add(f"{path}.text", "item_text_allowed 为 false 时不得包含题目原文",
                      "item text must not be included when item_text_allowed is false")
            else:
                text_zh, text_en = _text(p, it, "text", path)
        elif allowed:
            p.add(f"{path}.text", "缺少题目文字（item_text_allowed 为 true）", "missing item text (item_text_allowed is true)")
        set_name = it.get("options")
        if set_name not in option_sets:
            p.add(f"{path}.options", f"未知的选项集 {set_name!r}", f"unknown option set {set_name!r}")
            continue
        options = option_sets[set_name]
        correct = None
        if "correct" in it:
            c = it["correct"]
            match = [o for o in options if (isinstance(c, str) and o.code.upper() == c.strip().upper())
                     or (_is_number(c) and o.value == float(c))]
            if not match:
                p.add(f"{path}.correct", f"正确答案 {c!r} 不是该题的选项", f"correct answer {c!r} is not one of the options")
            else:
                correct = match[0].value
        critical = it.get("critical", False)
        if not isinstance(critical, bool):
            p.add(f"{path}.critical", "应为 true 或 false", "must be true or false")
            critical = False
        items.append(Item(id=iid, position=i + 1, text_zh=text_zh, text_en=text_en, options=options,
                          option_set=set_name, correct=correct, show_if=it.get("show_if"), critical=critical))
    return items


def _reverse(p: _Problems, d: dict, item_ids: dict[str, Item]) -> list[str]:
    out = []
    for j, r in enumerate(_list(p, d, "reverse_keyed", "")):
        if r not in item_ids:
            p.add(f"reverse_keyed[{j}]", f"未知题目 {r!r}", f"unknown item {r!r}")
        elif item_ids[r].correct is not None:
            p.add(f"reverse_keyed[{j}]", f"知识题 {r} 不能反向计分", f"knowledge item {r} cannot be reverse-keyed")
        elif r in out:
            p.add(f"reverse_keyed[{j}]", f"题目 {r} 重复", f"item {r} listed twice")
        else:
            out.append(r)
    return out


def _scales(p: _Problems, d: dict, items: list[Item], item_ids: dict[str, Item]) -> list[Scale]:
    scales: list[Scale] = []
    seen: set[str] = set()
    entries = [("scales", "scale", s) for s in _list(p, d, "scales", "", required=True)]
    entries += [("indices", "index", s) for s in _list(p, d, "indices", "")]
    if "scales" in d and not d.get("scales"):
        p.add("scales", "至少需要一个分量表", "needs at least one scale")
    counters = {"scales": 0, "indices": 0}
    for key, kind, s in entries:
        path = f"{key}[{counters[key]}]"
        counters[key] += 1
        if not isinstance(s, dict):
            p.add(path, "应为对象", "must be an object")
            continue
        sid = s.get("id")
        if not _good_id(sid):
            p.add(f"{path}.id", "缺少或不合法", "missing or invalid")
            continue
        if sid in seen:
            p.add(f"{path}.id", f"分量表编号 {sid} 重复", f"duplicate scale id {sid}")
        name_zh, name_en = _text(p, s, "name", path)
        method = s.get("method")
        has_items, has_scales = "items" in s, "scales" in s
        if has_items == has_scales:
            p.add(path, "须且只能给出 items（题目）或 scales（由分量表合成）之一",
                  "give exactly one of items or scales (a total built from scales)")
            continue
        factor = s.get("factor", 1)
        if not _is_number(factor) or factor <= 0:
            p.add(f"{path}.factor", "应为正数", "must be a positive number")
            factor = 1
        threshold = s.get("threshold")
        scale_items: list[str] = []
        components: list[str] = []
        missing = None
        if has_items:
            if method not in METHODS:
                p.add(f"{path}.method", f"应为 {'/'.join(METHODS)} 之一", f"must be one of {', '.join(METHODS)}")
            if method in ("count_ge", "mean_ge") and not _is_number(threshold):
                p.add(f"{path}.threshold", f"{method} 需要数值阈值", f"{method} needs a numeric threshold")
            if "factor" in s and method != "sum":
                p.add(f"{path}.factor", "只有 sum 方法可以乘系数", "only method sum takes a factor")
            raw = s.get("items")
            if not isinstance(raw, list) or not raw:
                p.add(f"{path}.items", "应为非空题目列表", "must be a non-empty list of items")
                raw = []
            for j, iid in enumerate(raw):
                if iid not in item_ids:
                    p.add(f"{path}.items[{j}]", f"未知题目 {iid!r}", f"unknown item {iid!r}")
                elif iid in scale_items:
                    p.add(f"{path}.items[{j}]", f"题目 {iid} 重复", f"item {iid} listed twice")
                else:
                    scale_items.append(iid)
            quiz = [item_ids[i].correct is not None for i in scale_items]
            if any(quiz) and not all(quiz):
                p.add(f"{path}.items", "知识题与计分题不能混在同一分量表", "mixes knowledge items and rating items")
            if any(quiz) and method not in ("sum", "mean"):
                p.add(f"{path}.method", "知识题分量表只能用 sum（答对数）或 mean（答对率）",
                      "a knowledge scale uses sum (number right) or mean (share right)")
            ranges = {(item_ids[i].min_value, item_ids[i].max_value) for i in scale_items}
            if len(ranges) > 1 and not any(quiz):
                p.add(f"{path}.items", "分量表内各题的选项分值范围不一致（折算与反向计分会出错）",
                      "the items' option values differ in range (prorating and reversal would be wrong)")
            if any(item_ids[i].show_if is not None for i in scale_items):
                p.add(f"{path}.items", "条件题（show_if）不能计入分量表", "conditional (show_if) items cannot be in a scale")
            missing = _missing(p, s.get("missing"), f"{path}.missing", method, len(scale_items))
        else:
            if method not in COMBINE_METHODS:
                p.add(f"{path}.method", "由分量表合成时应为 sum 或 mean", "a total built from scales uses sum or mean")
            raw = s.get("scales")
            if not isinstance(raw, list) or not raw:
                p.add(f"{path}.scales", "应为非空分量表列表", "must be a non-empty list of scales")
                raw = []
            for j, c in enumerate(raw):
                if c not in seen:
                    p.add(f"{path}.scales[{j}]", f"未知或尚未定义的分量表 {c!r}（须在前面定义）",
                          f"unknown scale {c!r} (components must be defined earlier)")
                else:
                    components.append(c)
            if "missing" in s:
                p.add(f"{path}.missing", "合成总分的缺失规则固定为：任一分量表无效则无效，不能另设",
                      "a total built from scales is invalid when any component is; it takes no missing rule")
        seen.add(sid)
        bands, band_rules, cutoffs = _bands_of(p, s, path, item_ids, seen)
        scales.append(Scale(id=sid, name_zh=name_zh, name_en=name_en, kind=kind, method=method or "sum",
                            items=tuple(scale_items), components=tuple(components), factor=float(factor),
                            threshold=float(threshold) if _is_number(threshold) else None, missing=missing,
                            bands=bands, band_rules=band_rules, bands_source=str(s.get("bands_source", "")),
                            cutoffs=cutoffs))
    return scales


def _missing(p: _Problems, m: Any, path: str, method: str | None, n_items: int) -> MissingRule | None:
    if not isinstance(m, dict):
        p.add(path, "每个分量表都必须写明缺失规则 {\"max_blank\": n, \"prorate\": true/false}",
              "every scale needs an explicit missing rule {\"max_blank\": n, \"prorate\": true/false}")
        return None
    mb, pr = m.get("max_blank"), m.get("prorate")
    ok = True
    if not isinstance(mb, int) or isinstance(mb, bool) or mb < 0:
        p.add(f"{path}.max_blank", "应为非负整数", "must be a non-negative integer")
        ok = False
    elif mb >= n_items > 0:
        p.add(f"{path}.max_blank", f"允许空 {mb} 题，但分量表只有 {n_items} 题", f"allows {mb} blanks in a {n_items}-item scale")
        ok = False
    if not isinstance(pr, bool):
        p.add(f"{path}.prorate", "应为 true 或 false", "must be true or false")
        ok = False
    rnd = m.get("round", method in ("sum", "count_ge"))
    if not isinstance(rnd, bool):
        p.add(f"{path}.round", "应为 true 或 false", "must be true or false")
        ok = False
    if ok and mb > 0 and not pr:
        # Summing only the answered items would score every blank as 0: never allowed.
        p.add(path, "允许空题但不按比例折算，等于把空题当作 0 分：请设 prorate 为 true 或 max_blank 为 0",
              "allows blanks without prorating, which would count a blank as 0: set prorate true or max_blank 0")
        ok = False
    if not ok:
        return None
    return MissingRule(max_blank=mb, prorate=pr, round=rnd, source=str(m.get("source", "")))


def _bands_of(p: _Problems, s: dict, path: str, item_ids: dict, scale_ids: set) -> tuple:
    bands: list[Band] = []
    for j, b in enumerate(_list(p, s, "bands", path)):
        bp = f"{path}.bands[{j}]"
        if not isinstance(b, dict) or not _good_id(b.get("id")):
            p.add(f"{bp}.id", "缺少或不合法", "missing or invalid")
            continue
        zh, en = _text(p, b, "label", bp)
        lo, hi = b.get("min"), b.get("max")
        if not _is_number(lo):
            p.add(f"{bp}.min", "应为数字", "must be a number")
            continue
        if hi is not None and not _is_number(hi):
            p.add(f"{bp}.max", "应为数字或省略（至最高分）", "must be a number or left out (up to the highest score)")
            continue
        if hi is not None and hi < lo:
            p.add(f"{bp}.max", f"上限 {hi} 小于下限 {lo}", f"max {hi} is below min {lo}")
            continue
        bands.append(Band(id=b["id"], label_zh=zh, label_en=en, min=float(lo), max=None if hi is None else float(hi)))
    rules: list[BandRule] = []
    for j, r in enumerate(_list(p, s, "band_rules", path)):
        rp = f"{path}.band_rules[{j}]"
        if not isinstance(r, dict) or not _good_id(r.get("id")):
            p.add(f"{rp}.id", "缺少或不合法", "missing or invalid")
            continue
        zh, en = _text(p, r, "label", rp)
        check_condition(p, r.get("when"), f"{rp}.when", item_ids, scale_ids)
        rules.append(BandRule(id=r["id"], label_zh=zh, label_en=en, when=r.get("when")))
    if bands and rules:
        p.add(f"{path}.band_rules", "bands 与 band_rules 只能用其一", "use either bands or band_rules, not both")
    if (bands or rules) and not str(s.get("bands_source", "")).strip():
        p.add(f"{path}.bands_source", "分级须注明出处", "bands need a source")
    cutoffs = []
    for j, c in enumerate(_list(p, s, "cutoffs", path)):
        cp = f"{path}.cutoffs[{j}]"
        if not isinstance(c, dict) or not _good_id(c.get("id")) or not _is_number(c.get("ge")) \
                or not str(c.get("source", "")).strip():
            p.add(cp, "应为 {\"id\", \"ge\": 数值, \"source\"}", "must be {\"id\", \"ge\": number, \"source\"}")
            continue
        cutoffs.append(dict(c))
    return tuple(bands), tuple(rules), tuple(cutoffs)


def _band_step(defn: Definition, scale: Scale) -> float:
    """The resolution of a scale's scores: whole numbers for sums and counts, hundredths otherwise."""
    if scale.method in ("mean", "mean_ge"):
        return 0.01
    if scale.from_scales:
        return min(_band_step(defn, defn.scale(c)) for c in scale.components) * scale.factor
    if scale.missing and scale.missing.prorate and not scale.missing.round and scale.missing.max_blank:
        return 0.01
    return 1.0


def _check_bands(p: _Problems, defn: Definition) -> None:
    key_pos = _scale_paths(defn)
    for s in defn.scales:
        if not s.bands:
            continue
        path = key_pos[s.id]
        lo, hi = scale_range(defn, s)
        step = _band_step(defn, s)
        bands = s.bands
        for j in range(1, len(bands)):
            prev, cur = bands[j - 1], bands[j]
            if prev.max is None:
                p.add(f"{path}.bands[{j - 1}].max", "只有最后一档可以省略上限", "only the last band may leave out max")
                continue
            if cur.min <= prev.max + _EDGE_EPS:
                p.add(f"{path}.bands[{j}].min", f"与上一档重叠（{cur.min} ≤ {prev.max}）",
                      f"overlaps the band before ({cur.min} ≤ {prev.max})")
            elif cur.min - prev.max > step + _EDGE_EPS:
                p.add(f"{path}.bands[{j}].min", f"与上一档之间有空档（{prev.max} 到 {cur.min}）",
                      f"leaves a gap after the band before ({prev.max} to {cur.min})")
        if bands[0].min > lo + _EDGE_EPS:
            p.add(f"{path}.bands[0].min", f"最低分 {lo:g} 不在任何一档（从 {bands[0].min:g} 开始）",
                  f"the lowest score {lo:g} is in no band (bands start at {bands[0].min:g})")
        last = bands[-1]
        if last.max is not None and last.max < hi - _EDGE_EPS:
            p.add(f"{path}.bands[{len(bands) - 1}].max", f"最高分 {hi:g} 不在任何一档（到 {last.max:g} 为止）",
                  f"the highest score {hi:g} is in no band (bands end at {last.max:g})")
        for j, b in enumerate(bands):
            if b.min > hi + _EDGE_EPS or (b.max is not None and b.max < lo - _EDGE_EPS):
                p.add(f"{path}.bands[{j}]", f"超出分量表分数范围 {lo:g}–{hi:g}", f"outside the scale's range {lo:g}–{hi:g}")
        for j, c in enumerate(s.cutoffs):
            if not lo <= c["ge"] <= hi:
                p.add(f"{path}.cutoffs[{j}].ge", f"超出分量表分数范围 {lo:g}–{hi:g}", f"outside the scale's range {lo:g}–{hi:g}")


def _scale_paths(defn: Definition) -> dict[str, str]:
    out, counters = {}, {"scale": 0, "index": 0}
    for s in defn.scales:
        key = "scales" if s.kind == "scale" else "indices"
        out[s.id] = f"{key}[{counters[s.kind]}]"
        counters[s.kind] += 1
    return out


def _norms(p: _Problems, d: dict, defn: Definition) -> list[Norm]:
    norms: list[Norm] = []
    ids = set(defn.scale_ids)
    for j, n in enumerate(_list(p, d, "norms", "")):
        path = f"norms[{j}]"
        if not isinstance(n, dict):
            p.add(path, "应为对象", "must be an object")
            continue
        sid = n.get("scale")
        if sid not in ids:
            p.add(f"{path}.scale", f"常模指向不存在的分量表 {sid!r}", f"norm table for a scale that does not exist: {sid!r}")
            continue
        kind = n.get("kind")
        if kind not in ("t", "percentile"):
            p.add(f"{path}.kind", "应为 t 或 percentile", "must be t or percentile")
            continue
        if not str(n.get("source", "")).strip():
            p.add(f"{path}.source", "常模须注明出处", "a norm needs a source")
        groups: list[NormGroup] = []
        seen_keys: set = set()
        for k, g in enumerate(_list(p, n, "groups", path, required=True)):
            gp = f"{path}.groups[{k}]"
            if not isinstance(g, dict):
                p.add(gp, "应为对象", "must be an object")
                continue
            grades = g.get("grades")
            if grades is not None and (not isinstance(grades, list) or not grades
                                       or not all(isinstance(x, int) and 1 <= x <= 16 for x in grades)):
                p.add(f"{gp}.grades", "应为年级（1–16）列表或省略（不限年级）", "must be a list of grades 1–16 or left out (any)")
                continue
            sex = g.get("sex")
            if sex not in (None, "M", "F"):
                p.add(f"{gp}.sex", "应为 M、F 或省略（不限性别）", "must be M, F or left out (either)")
                continue
            key = (tuple(sorted(grades)) if grades else None, sex)
            if key in seen_keys:
                p.add(gp, "与前面的常模组重复（同一年级与性别）", "repeats an earlier group (same grades and sex)")
            seen_keys.add(key)
            if kind == "t":
                mean, sd = g.get("mean"), g.get("sd")
                if not _is_number(mean):
                    p.add(f"{gp}.mean", "应为数字", "must be a number")
                    continue
                if not _is_number(sd) or sd <= 0:
                    p.add(f"{gp}.sd", "标准差应为正数", "sd must be a positive number")
                    continue
                groups.append(NormGroup(grades=key[0], sex=sex, mean=float(mean), sd=float(sd)))
            else:
                table = g.get("table")
                rows = table if isinstance(table, list) else []
                ok = bool(rows) and all(isinstance(r, list) and len(r) == 2 and all(_is_number(x) for x in r)
                                        for r in rows)
                if not ok:
                    p.add(f"{gp}.table", "应为 [[最低原始分, 百分位], …] 列表", "must be a list of [lowest raw, percentile]")
                    continue
                raws = [r[0] for r in rows]
                pcts = [r[1] for r in rows]
                if any(b <= a for a, b in itertools.pairwise(raws)):
                    p.add(f"{gp}.table", "原始分须严格递增", "raw scores must increase")
                elif any(b < a for a, b in itertools.pairwise(pcts)) or not all(0 <= x <= 100 for x in pcts):
                    p.add(f"{gp}.table", "百分位须在 0–100 且不递减", "percentiles must be 0–100 and not decrease")
                else:
                    lo, _ = scale_range(defn, defn.scale(sid))
                    if raws[0] > lo + _EDGE_EPS:
                        p.add(f"{gp}.table[0]", f"表须从最低分 {lo:g} 开始", f"the table must start at the lowest score {lo:g}")
                    groups.append(NormGroup(grades=key[0], sex=sex, table=tuple((float(a), float(b)) for a, b in rows)))
        norms.append(Norm(scale=sid, kind=kind, source=str(n.get("source", "")), groups=tuple(groups)))
    by_scale: dict[str, int] = {}
    for j, n in enumerate(norms):
        if n.scale in by_scale:
            p.add(f"norms[{j}].scale", f"分量表 {n.scale} 已有常模表", f"scale {n.scale} already has a norm table")
        by_scale[n.scale] = j
    return norms


def _rules(p: _Problems, d: dict, item_ids: dict, scale_ids: set) -> list[Rule]:
    out: list[Rule] = []
    seen: set[str] = set()
    for j, r in enumerate(_list(p, d, "rules", "")):
        path = f"rules[{j}]"
        if not isinstance(r, dict) or not _good_id(r.get("id")):
            p.add(f"{path}.id", "缺少或不合法", "missing or invalid")
            continue
        if r["id"] in seen:
            p.add(f"{path}.id", f"规则编号 {r['id']} 重复", f"duplicate rule id {r['id']}")
        seen.add(r["id"])
        if r.get("kind") not in _RULE_KINDS:
            p.add(f"{path}.kind", "应为 safety 或 screen", "must be safety or screen")
            continue
        if "enabled" in r or "can_disable" in r:
            p.add(f"{path}", "规则不能被关闭（安全规则始终生效）", "rules cannot be switched off (safety rules always apply)")
        zh, en = _text(p, r, "label", path)
        check_condition(p, r.get("when"), f"{path}.when", item_ids, scale_ids)
        on_refusal = r.get("on_refusal", False)
        if not isinstance(on_refusal, bool):
            p.add(f"{path}.on_refusal", "应为 true 或 false", "must be true or false")
            on_refusal = False
        elif on_refusal and r["kind"] != "safety":
            p.add(f"{path}.on_refusal", "只有安全规则可以把拒答视为阳性", "only a safety rule can count a refusal")
        out.append(Rule(id=r["id"], kind=r["kind"], label_zh=zh, label_en=en, when=r.get("when"),
                        source=str(r.get("source", "")), on_refusal=on_refusal))
    return out


def _validity(p: _Problems, d: dict, defn: Definition) -> list[ValidityCheck]:
    out: list[ValidityCheck] = []
    item_ids = {it.id: it for it in defn.items}
    scale_ids = set(defn.scale_ids)
    seen: set[str] = set()
    for j, v in enumerate(_list(p, d, "validity", "")):
        path = f"validity[{j}]"
        if not isinstance(v, dict) or not _good_id(v.get("id")):
            p.add(f"{path}.id", "缺少或不合法", "missing or invalid")
            continue
        if v["id"] in seen:
            p.add(f"{path}.id", f"效度检查编号 {v['id']} 重复", f"duplicate check id {v['id']}")
        seen.add(v["id"])
        kind = v.get("kind")
        zh, en = _text(p, v, "label", path)
        params: dict = {}
        before = len(p.items)
        if kind == "lie_scale":
            if v.get("scale") not in scale_ids:
                p.add(f"{path}.scale", f"未知分量表 {v.get('scale')!r}", f"unknown scale {v.get('scale')!r}")
            if not _is_number(v.get("ge")):
                p.add(f"{path}.ge", "应为数字（达到即判无效）", "must be a number (at or above: invalid)")
            params = {"scale": v.get("scale"), "ge": v.get("ge")}
        elif kind == "straight_lining":
            its = v.get("items")
            if not isinstance(its, list) or len(its) < 2:
                p.add(f"{path}.items", "至少需要两道题", "needs at least two items")
                its = []
            for k, iid in enumerate(its):
                if iid not in item_ids:
                    p.add(f"{path}.items[{k}]", f"未知题目 {iid!r}", f"unknown item {iid!r}")
            rev = [i for i in its if i in defn.reverse_keyed]
            if its and (not rev or len(rev) == len(its)):
                p.add(f"{path}.items", "须同时包含正向和反向计分题，否则一致作答并不矛盾",
                      "must mix reverse-keyed and plain items, otherwise identical answers are not contradictory")
            known = [i for i in its if i in item_ids]
            if len({item_ids[i].option_set for i in known}) > 1:
                p.add(f"{path}.items", "题目须使用同一选项集", "items must share one option set")
            mina = v.get("min_answered", len(its))
            if not isinstance(mina, int) or not 2 <= mina <= max(len(its), 2):
                p.add(f"{path}.min_answered", "应为 2 到题数之间的整数", "must be an integer from 2 to the number of items")
            params = {"items": list(its), "min_answered": mina, "extreme_only": bool(v.get("extreme_only", False))}
        elif kind == "too_fast":
            sec = v.get("min_seconds_per_item")
            if not _is_number(sec) or sec <= 0:
                p.add(f"{path}.min_seconds_per_item", "应为正数（秒）", "must be a positive number of seconds")
            params = {"min_seconds_per_item": sec}
        elif kind == "inconsistent_pairs":
            pairs = v.get("pairs")
            if not isinstance(pairs, list) or not pairs:
                p.add(f"{path}.pairs", "应为非空列表", "must be a non-empty list")
                pairs = []
            for k, pr in enumerate(pairs):
                pp = f"{path}.pairs[{k}]"
                if not isinstance(pr, dict):
                    p.add(pp, "应为 {\"a\", \"b\", \"relation\", \"tolerance\"}", "must be {\"a\", \"b\", \"relation\", \"tolerance\"}")
                    continue
                for key in ("a", "b"):
                    if pr.get(key) not in item_ids:
                        p.add(f"{pp}.{key}", f"未知题目 {pr.get(key)!r}", f"unknown item {pr.get(key)!r}")
                if pr.get("relation") not in ("same", "opposite"):
                    p.add(f"{pp}.relation", "应为 same 或 opposite", "must be same or opposite")
                tol = pr.get("tolerance", 0)
                if not _is_number(tol) or tol < 0:
                    p.add(f"{pp}.tolerance", "应为非负数", "must be a non-negative number")
            mx = v.get("max_inconsistent", 0)
            if not isinstance(mx, int) or mx < 0:
                p.add(f"{path}.max_inconsistent", "应为非负整数", "must be a non-negative integer")
            params = {"pairs": [dict(x) for x in pairs if isinstance(x, dict)], "max_inconsistent": mx}
        else:
            p.add(f"{path}.kind", f"应为 {'/'.join(_VALIDITY_KINDS)} 之一", f"must be one of {', '.join(_VALIDITY_KINDS)}")
            continue
        if len(p.items) == before:
            out.append(ValidityCheck(id=v["id"], kind=kind, params=params, label_zh=zh, label_en=en,
                                     invalidates=bool(v.get("invalidates", True)), source=str(v.get("source", ""))))
    return out


def _conditional_items(p: _Problems, d: dict, item_ids: dict, scale_ids: set) -> None:
    for i, it in enumerate(d.get("items") or []):
        if isinstance(it, dict) and "show_if" in it:
            check_condition(p, it["show_if"], f"items[{i}].show_if", item_ids, set(), items_only=True,
                            before=it.get("id"))


def check_condition(p: _Problems, c: Any, path: str, item_ids: dict, scale_ids: set, *,
                    items_only: bool = False, before: str | None = None) -> None:
    """A condition is one of: ``{"item": id, op: value}``, ``{"scale": id, op: value}``, ``{"blank": id}``,
    ``{"any": [...]}``, ``{"all": [...]}``, ``{"not": c}``, ``{"count": [...], op: n}``; op is one of
    eq ne ge gt le lt. Item values are the values printed on the form (before reversal)."""
    if not isinstance(c, dict) or not c:
        p.add(path, "条件应为对象", "a condition must be an object")
        return
    ops = [k for k in c if k in _OPS]
    if "any" in c or "all" in c:
        key = "any" if "any" in c else "all"
        subs = c[key]
        if not isinstance(subs, list) or not subs or len(c) != 1:
            p.add(f"{path}.{key}", "应为非空条件列表", "must be a non-empty list of conditions")
            return
        for k, sc in enumerate(subs):
            check_condition(p, sc, f"{path}.{key}[{k}]", item_ids, scale_ids, items_only=items_only, before=before)
    elif "not" in c:
        check_condition(p, c["not"], f"{path}.not", item_ids, scale_ids, items_only=items_only, before=before)
    elif "count" in c:
        subs = c["count"]
        if not isinstance(subs, list) or not subs or len(ops) != 1 or not _is_number(c[ops[0]]):
            p.add(path, "count 需要条件列表和一个比较（如 \"ge\": 5）", "count needs a list of conditions and one comparison")
            return
        for k, sc in enumerate(subs):
            check_condition(p, sc, f"{path}.count[{k}]", item_ids, scale_ids, items_only=items_only, before=before)
    elif "blank" in c:
        if c["blank"] not in item_ids:
            p.add(f"{path}.blank", f"未知题目 {c['blank']!r}", f"unknown item {c['blank']!r}")
    elif "item" in c or "scale" in c:
        if len(ops) != 1 or not _is_number(c[ops[0]]):
            p.add(path, f"需要且只需要一个比较（{'/'.join(_OPS)}）及数值", f"needs exactly one comparison ({', '.join(_OPS)}) with a number")
        if "item" in c:
            ref = c["item"]
            if ref not in item_ids:
                p.add(f"{path}.item", f"未知题目 {ref!r}", f"unknown item {ref!r}")
            elif before is not None and ref == before:
                p.add(f"{path}.item", "条件题不能以自身为条件", "a conditional item cannot depend on itself")
            elif len(ops) == 1 and _is_number(c[ops[0]]):
                _check_item_value(p, path, item_ids[ref], ops[0], float(c[ops[0]]))
        else:
            if items_only:
                p.add(f"{path}.scale", "出题条件只能引用题目", "a show_if condition may refer to items only")
            elif c["scale"] not in scale_ids:
                p.add(f"{path}.scale", f"未知分量表 {c['scale']!r}", f"unknown scale {c['scale']!r}")
    else:
        p.add(path, "无法识别的条件（应含 item/scale/blank/any/all/not/count）",
              "unrecognised condition (use item/scale/blank/any/all/not/count)")


def _check_item_value(p: _Problems, path: str, item: Item, op: str, value: float) -> None:
    """A comparison that no option value can satisfy (or that every one does) is a typo in the key."""
    values = item.values
    hits = sum(_compare(v, op, value) for v in values)
    if op in ("eq", "ne") and value not in values:
        p.add(f"{path}.{op}", f"{value:g} 不是题目 {item.id} 的选项分值（{'、'.join(f'{v:g}' for v in values)}）",
              f"{value:g} is not an option value of item {item.id} ({', '.join(f'{v:g}' for v in values)})")
    elif hits == 0:
        p.add(f"{path}.{op}", f"题目 {item.id} 没有任何选项满足此条件", f"no option value of item {item.id} meets this")


def _compare(a: float, op: str, b: float) -> bool:
    return {"eq": a == b, "ne": a != b, "ge": a >= b, "gt": a > b, "le": a <= b, "lt": a < b}[op]
