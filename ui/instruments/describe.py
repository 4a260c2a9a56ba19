"""Plain-language Chinese descriptions of a definition: items, scoring methods, missing rules, conditions,
bands, norms, flags — and the detail page's HTML.

Everything a definition says is user content once a school imports its own file, so every string put
into HTML goes through :func:`esc`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable

from xadesk.display import grade_span
from xadesk.display.sources import citation_parts
from xadesk.instruments.definition import Band, Definition, Item, Norm, Scale, ValidityCheck, scale_range
from xadesk.services.instruments import InstrumentInfo

SAFETY_COLOUR = "#c0262d"
SCREEN_COLOUR = "#a35a00"
MUTED_COLOUR = "#5b6470"

SOURCE_LABELS = {"builtin": "内置", "school": "本校"}
STATUS_LABELS = {"active": "使用中", "retired": "已停用"}
REPORT_LABELS = {"self": "自评", "teacher": "教师评", "parent": "家长评"}
_OPS = {"eq": "=", "ne": "≠", "ge": "≥", "gt": ">", "le": "≤", "lt": "<"}


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def num(x: float | int | None, digits: int = 2) -> str:
    """A score as people write it: whole numbers without decimals, others to ``digits`` places."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    x = float(x)
    if x.is_integer():
        return str(int(x))
    return f"{x:.{digits}f}".rstrip("0").rstrip(".")


# --- items ----------------------------------------------------------------------------------------

def item_ref(defn: Definition, item_id: str) -> str:
    """"第9题" for an item id (falls back to the id for a reference that is not an item)."""
    try:
        return f"第{defn.items[defn.item_index(item_id)].position}题"
    except KeyError:
        return item_id


def item_text(defn: Definition, item: Item) -> str:
    """The item's wording, or "第N题" when the definition may not show it (licensed paper form)."""
    if not defn.item_text_allowed or not item.text_zh:
        return f"第{item.position}题"
    return item.text_zh


def items_ref(defn: Definition, item_ids: Iterable[str]) -> str:
    """"第1、4、12题" — compact, in the order given."""
    positions = []
    for iid in item_ids:
        try:
            positions.append(str(defn.items[defn.item_index(iid)].position))
        except KeyError:
            positions.append(iid)
    return f"第{'、'.join(positions)}题" if positions else "—"


def options_text(item: Item) -> str:
    if item.correct is not None:  # a quiz: scored right or wrong, the option values mean nothing
        return "；".join(f"{o.code} {o.label_zh}" for o in item.options)
    return "；".join(f"{o.code} {o.label_zh}" if o.code == num(o.value) else f"{o.code}（{num(o.value)}分）{o.label_zh}"
                     for o in item.options)


def codes_hint(item: Item) -> str:
    """What may be typed for an item: "0–3" for a run of whole numbers, else "A/B/C"."""
    codes = [o.code for o in item.options]
    if all(c.isdigit() for c in codes):
        ints = sorted(int(c) for c in codes)
        if len(ints) > 2 and ints == list(range(ints[0], ints[-1] + 1)):
            return f"{ints[0]}–{ints[-1]}"
    return "/".join(codes)


# --- scales -----------------------------------------------------------------------------------------

def scale_name(defn: Definition, scale_id: str) -> str:
    try:
        return defn.scale(scale_id).name_zh or scale_id
    except KeyError:
        return scale_id


def method_text(defn: Definition, scale: Scale) -> str:
    if scale.from_scales:
        how = "求和" if scale.method == "sum" else "求均分"
        text = f"由分量表{how}：{'、'.join(scale_name(defn, c) for c in scale.components)}"
    elif scale.method == "sum":
        text = "各题得分求和"
    elif scale.method == "mean":
        text = "各题得分求均分"
    elif scale.method == "count_ge":
        text = f"计数：得分 ≥ {num(scale.threshold)} 的题数"
    else:
        text = f"得分 ≥ {num(scale.threshold)} 的各题求均分"
    if scale.factor != 1:
        text += f"，再 × {num(scale.factor)}"
    return text


def missing_text(scale: Scale) -> str:
    m = scale.missing
    if scale.from_scales and m is None:
        return "任一分量表无分则不计分"
    if m is None:
        return "—"
    if m.max_blank == 0:
        return "不允许空题：有空题则不计分"
    how = "按已答题求均分" if scale.method in ("mean", "mean_ge") else "按比例折算" + ("并四舍五入取整" if m.round else "")
    return f"最多空 {m.max_blank} 题，{how}；超过则不计分"


def range_text(defn: Definition, scale: Scale) -> str:
    lo, hi = scale_range(defn, scale)
    return f"{num(lo)}–{num(hi)}"


def band_range(band: Band) -> str:
    return f"{num(band.min)}–{num(band.max)}" if band.max is not None else f"≥ {num(band.min)}"


# --- conditions, rules and checks -----------------------------------------------------------------------

def _flatten(key: str, subs: list) -> list:
    out = []
    for sub in subs:
        if isinstance(sub, dict) and list(sub) == [key]:
            out.extend(_flatten(key, sub[key]))
        else:
            out.append(sub)
    return out


def condition_text(defn: Definition, c: object, nested: bool = False) -> str:
    """A rule's ``when`` in words: "第9题 ≥ 1", "以下任一：…", "下列条件中满足的项数 ≥ 5：…"."""
    if not isinstance(c, dict):
        return str(c)
    op = next((k for k in c if k in _OPS), None)
    text: str | None = None
    if "any" in c or "all" in c:
        key = "any" if "any" in c else "all"
        parts = [condition_text(defn, sub, nested=True) for sub in _flatten(key, c[key])]
        text = ("以下任一：" if key == "any" else "同时满足：") + "；".join(parts)
    elif "not" in c:
        return f"并非{condition_text(defn, c['not'], nested=True)}"
    elif "count" in c and op:
        parts = [condition_text(defn, sub, nested=True) for sub in c["count"]]
        text = f"下列条件中满足的项数 {_OPS[op]} {num(c[op])}：" + "；".join(parts)
    if text is not None:
        return f"（{text}）" if nested else text
    if "blank" in c:
        return f"{item_ref(defn, c['blank'])}未作答"
    if "item" in c and op:
        label = ""
        try:
            item = defn.items[defn.item_index(c["item"])]
            if op == "eq":
                label = next((f"（{o.label_zh}）" for o in item.options if o.value == c[op]), "")
        except KeyError:
            pass
        return f"{item_ref(defn, c['item'])} {_OPS[op]} {num(c[op])}{label}"
    if "scale" in c and op:
        return f"{scale_name(defn, c['scale'])} {_OPS[op]} {num(c[op])}"
    return str(c)


def validity_text(defn: Definition, v: ValidityCheck) -> str:
    p = v.params
    if v.kind == "lie_scale":
        text = f"测谎分量表“{scale_name(defn, p.get('scale', ''))}” ≥ {num(p.get('ge'))}"
    elif v.kind == "straight_lining":
        text = (f"在正、反向计分混合的 {len(p.get('items', []))} 道题上全部选同一答案"
                f"（至少答了 {p.get('min_answered')} 题时检查）")
    elif v.kind == "too_fast":
        text = f"平均每题用时少于 {num(p.get('min_seconds_per_item'))} 秒（需要作答用时）"
    else:
        text = (f"{len(p.get('pairs', []))} 对相关题目中作答矛盾的超过 {p.get('max_inconsistent', 0)} 对")
    return text + ("，判为无效" if v.invalidates else "，仅提示")


def norm_groups_text(norm: Norm) -> str:
    parts = []
    for g in norm.groups:
        who = []
        if g.grades:
            who.append(grade_span(min(g.grades), max(g.grades)))
        if g.sex:
            who.append("男" if g.sex == "M" else "女")
        label = "、".join(who) or "不限年级性别"
        if norm.kind == "t":
            label += f"（均数 {num(g.mean)}，标准差 {num(g.sd)}）"
        else:
            label += f"（{len(g.table)} 行百分位表）"
        parts.append(label)
    return "；".join(parts)


def flag_text(defn: Definition, flag: str) -> tuple[str, str]:
    """(kind, Chinese label) of an engine flag such as ``safety:item9``."""
    kind, _, fid = flag.partition(":")
    if kind in ("safety", "screen"):
        rule = next((r for r in defn.rules if r.id == fid and r.kind == kind), None)
        return kind, rule.label_zh if rule else fid
    if kind == "validity":
        check = next((v for v in defn.validity if v.id == fid), None)
        return kind, check.label_zh if check else fid
    if flag == "info:answered_not_asked":
        return "info", "回答了按规则不必回答的题目（已忽略该题的答案）"
    if flag == "no_answers":
        return "info", "没有作答任何题目"
    return "info", flag


# --- the detail page ----------------------------------------------------------------------------------

def population_text(defn: Definition) -> str:
    pop = defn.population
    parts = []
    if pop.get("report"):
        parts.append(REPORT_LABELS.get(pop["report"], pop["report"]))
    lo, hi = pop.get("grade_min"), pop.get("grade_max")
    if lo or hi:
        parts.append(grade_span(lo, hi))
    return " · ".join(parts)


def header_text(defn: Definition, info: InstrumentInfo | None) -> str:
    parts = [f"编号 {defn.id}", f"第{defn.version}版"]
    if info is not None:
        parts.append(SOURCE_LABELS.get(info.source, info.source))
        parts.append(STATUS_LABELS.get(info.status, info.status))
    parts.append(f"{defn.n_items} 题")
    pop = population_text(defn)
    if pop:
        parts.append(pop)
    return " · ".join(parts)


def _h(title: str, anchor: str = "") -> str:
    name = f"<a name='{anchor}'></a>" if anchor else ""
    return f"<h3 style='margin-top:14px; margin-bottom:4px'>{name}{esc(title)}</h3>"


def html_table(headers: list[str], rows: list[list[str]]) -> str:
    """Rows are already-escaped HTML cells; no headers, no header row."""
    head = "".join(f"<th align='left' bgcolor='#eef0f3'>{esc(h)}</th>" for h in headers)
    head_row = f"<tr>{head}</tr>" if headers else ""
    body = "".join("<tr>" + "".join(f"<td valign='top'>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (f"<table width='99%' cellspacing='0' cellpadding='4' border='1' style='border-color:#d5d9df; "
            f"border-collapse:collapse'>{head_row}{body}</table>")


def _item_marks(defn: Definition, it: Item, reverse: set[str]) -> list[str]:
    marks = []
    if it.id in reverse:
        marks.append(f"<b style='color:{SCREEN_COLOUR}'>反向计分</b>")
    if it.correct is not None:
        right = next((o.code for o in it.options if o.value == it.correct), num(it.correct))
        marks.append(f"正确答案 {esc(right)}")
    if it.show_if:
        marks.append(esc("仅当" + condition_text(defn, it.show_if) + "时作答"))
    return marks


def licence_html(defn: Definition) -> str:
    """The licence note and the citation in a highlighted box: what the school may do with the instrument."""
    rows = [f"<b>版权与使用：</b>{esc(defn.text('licence') or '（定义文件未写明）')}"]
    if defn.source_citation:
        refs, note = citation_parts(defn.id, defn.source_citation)
        rows.append(f"<span style='color:#4a4f57'><b>出处：</b>{esc(refs)}</span>")
        if note:
            rows.append(f"<span style='color:#4a4f57'><b>说明：</b>{esc(note)}</span>")
    return ("<table width='99%' cellspacing='0' cellpadding='8' border='1' bgcolor='#fff6e0' "
            "style='border-color:#e6c46f; border-collapse:collapse'><tr><td>" + "<br>".join(rows)
            + "</td></tr></table>")


def _muted(text: str) -> str:
    return f"<span style='color:{MUTED_COLOUR}'>{esc(text)}</span>"


def detail_html(defn: Definition, info: InstrumentInfo | None = None) -> str:
    """The whole detail: name, licence and citation first (they say what the school may do), then
    instructions, items, scales, bands, norms, rules and validity checks."""
    out: list[str] = [f"<h2 style='margin-bottom:2px'>{esc(defn.name_zh)}</h2>",
                      f"<p style='margin-top:0'>{_muted(header_text(defn, info))}</p>", licence_html(defn)]
    pop_note = defn.population.get("note")
    note = pop_note.get("zh") if isinstance(pop_note, dict) else pop_note
    intro = []
    if defn.text("time_frame"):
        intro.append(f"<b>时间范围：</b>{esc(defn.text('time_frame'))}")
    if defn.text("instructions"):
        intro.append(f"<b>指导语：</b>{esc(defn.text('instructions'))}")
    if note:
        intro.append(f"<b>适用对象：</b>{esc(note)}")
    if intro:
        out.append("<p>" + "<br>".join(intro) + "</p>")

    out.append(_h(f"题目与选项（共 {defn.n_items} 题）", "items"))
    if not defn.item_text_allowed:
        out.append(f"<p>{_muted('本量表不在屏幕上显示题目原文，请使用学校合法持有的纸质问卷；这里只显示题号。')}</p>")
    reverse = set(defn.reverse_keyed)
    sets: dict[str, Item] = {}
    for it in defn.items:
        sets.setdefault(it.option_set, it)
    shared = {name for name in sets if sum(1 for it in defn.items if it.option_set == name) > 1}
    for name in sorted(shared, key=lambda n: sets[n].position):
        used = [it.id for it in defn.items if it.option_set == name]
        out.append(f"<p><b>选项（{esc(items_ref(defn, used)) if len(used) < defn.n_items else '各题'}）：</b>"
                   f"{esc(options_text(sets[name]))}</p>")
    if defn.item_text_allowed:
        rows = []
        for it in defn.items:
            marks = _item_marks(defn, it, reverse)
            if it.option_set not in shared:
                marks.insert(0, "选项：" + esc(options_text(it)))
            rows.append([esc(f"第{it.position}题"), esc(item_text(defn, it)), "<br>".join(marks)])
        out.append(html_table(["题号", "题目", "选项与备注"], rows))
    else:
        # No wording to show: a compact grid of item numbers, with any key marks beside them.
        cells = []
        for it in defn.items:
            marks = _item_marks(defn, it, reverse)
            if it.option_set not in shared:
                marks.insert(0, esc(options_text(it)))
            cells.append(esc(f"第{it.position}题") + ("<br>" + "<br>".join(marks) if marks else ""))
        per_row = 10
        rows = [cells[i:i + per_row] + [""] * (per_row - len(cells[i:i + per_row]))
                for i in range(0, len(cells), per_row)]
        out.append(html_table([], rows))
    if reverse:
        lo_hi = ", ".join(sorted({f"{num(defn.items[defn.item_index(i)].min_value)}–"
                                  f"{num(defn.items[defn.item_index(i)].max_value)}" for i in reverse}))
        out.append(f"<p>{_muted(f'反向计分题按“最低分 + 最高分 − 所选分值”计分（{lo_hi}）：')}"
                   f"{esc(items_ref(defn, defn.reverse_keyed))}</p>")

    scales = [s for s in defn.scales if s.kind == "scale"]
    indices = [s for s in defn.scales if s.kind != "scale"]
    for title, group in (("分量表与计分", scales), ("指数", indices)):
        if not group:
            continue
        out.append(_h(title, "scales" if group is scales else "indices"))
        rows = []
        for s in group:
            what = esc(items_ref(defn, s.items)) if s.items else esc("、".join(scale_name(defn, c) for c in s.components))
            missing = esc(missing_text(s))
            if s.missing and s.missing.source:
                missing += "<br>" + _muted("依据：" + s.missing.source)
            rows.append([f"<b>{esc(s.name_zh)}</b><br>{_muted(s.id)}", what, esc(method_text(defn, s)),
                         esc(range_text(defn, s)), missing])
        out.append(html_table(["名称", "题目", "计分方法", "分数范围", "缺失规则"], rows))

    banded = [s for s in defn.scales if s.bands or s.band_rules or s.cutoffs]
    if banded:
        out.append(_h("划界分与等级", "bands"))
        for s in banded:
            lines = [f"<b>{esc(s.name_zh)}</b>"]
            if s.bands:
                lines.append("；".join(f"{esc(band_range(b))} {esc(b.label_zh)}" for b in s.bands))
            for r in s.band_rules:
                lines.append(f"{esc(r.label_zh)}：{esc(condition_text(defn, r.when))}")
            if s.bands_source:
                lines.append(_muted("出处：" + s.bands_source))
            for c in s.cutoffs:
                lines.append(f"其他划界分 ≥ {esc(num(c.get('ge')))}（{esc(c.get('id', ''))}）："
                             + _muted(str(c.get("source", ""))))
            out.append("<p>" + "<br>".join(lines) + "</p>")

    out.append(_h("常模"))
    if defn.norms:
        rows = [[esc(scale_name(defn, n.scale)), esc("T 分" if n.kind == "t" else "百分位"),
                 esc(norm_groups_text(n)), esc(n.source)] for n in defn.norms]
        out.append(html_table(["分量表", "类型", "分组", "出处"], rows))
    else:
        out.append(f"<p>{_muted('未附常模：只给出原始分和划界等级。')}</p>")

    safety = [r for r in defn.rules if r.kind == "safety"]
    screen = [r for r in defn.rules if r.kind != "safety"]
    if safety:
        out.append(_h("安全规则（不可关闭）", "safety"))
        for r in safety:
            out.append(f"<p><b style='color:{SAFETY_COLOUR}'>{esc(r.label_zh)}</b>"
                       f"<span style='color:{SAFETY_COLOUR}'>（不可关闭）</span><br>"
                       f"条件：{esc(condition_text(defn, r.when))}"
                       + (f"<br>{_muted('出处：' + r.source)}" if r.source else "") + "</p>")
    if screen:
        out.append(_h("筛查规则"))
        for r in screen:
            out.append(f"<p><b>{esc(r.label_zh)}</b><br>条件：{esc(condition_text(defn, r.when))}"
                       + (f"<br>{_muted('出处：' + r.source)}" if r.source else "") + "</p>")

    out.append(_h("效度检查"))
    if defn.validity:
        for v in defn.validity:
            out.append(f"<p><b>{esc(v.label_zh)}</b><br>{esc(validity_text(defn, v))}"
                       + (f"<br>{_muted('出处：' + v.source)}" if v.source else "") + "</p>")
    else:
        out.append(f"<p>{_muted('无。')}</p>")
    return "\n".join(out)
