"""``xadesk instruments list|show|validate|add``: the built-in library, checking a definition file, and
storing a school's own definition (``add`` logs in; the others need no database)."""

from __future__ import annotations

from ..display import grade_span
from ..display.sources import citation_parts
from ..i18n import language, msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).

_REPORT = {"self": ("自评", "self-report"), "teacher": ("教师评", "teacher report"), "parent": ("家长评", "parent report")}


def register(subparsers) -> None:
    p = subparsers.add_parser("instruments", help=msg("量表库", "instrument library"))
    sub = p.add_subparsers(dest="instruments_cmd", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help=msg("列出内置量表", "list the built-in instruments"))
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)
    show = sub.add_parser("show", help=msg("显示量表定义", "show a definition"))
    show.add_argument("id", metavar="ID", help=msg("量表编号或定义文件 .json", "instrument id or a definition .json"))
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)
    val = sub.add_parser("validate", help=msg("检查量表定义文件", "check a definition file"))
    val.add_argument("file", metavar="FILE")
    val.set_defaults(func=run_validate)
    add = sub.add_parser("add", help=msg("把学校自己的量表定义存入数据库（同编号则成为新版本）",
                                         "store a school definition (a new version if the id exists)"))
    add.add_argument("file", metavar="FILE")
    add.set_defaults(func=run_add)


def _summary(d) -> dict:
    return {"id": d.id, "version": d.version, "name": {"zh": d.name_zh, "en": d.name_en}, "items": d.n_items,
            "scales": d.scale_ids, "item_text_allowed": d.item_text_allowed,
            "report": d.population.get("report"), "grades": [d.population.get("grade_min"), d.population.get("grade_max")],
            "licence": {"zh": d.text("licence", "zh"), "en": d.text("licence", "en")}}


def run_list(args, cli) -> int:
    from ..instruments import all_builtins

    defs = all_builtins()
    if args.json:
        cli.json([_summary(d) for d in defs])
        return 0
    lang = language()
    for d in defs:
        name = d.name_en if lang == "en" else d.name_zh
        text = "" if d.item_text_allowed else msg("（仅计分键）", " (key only)")
        cli.out(f"{d.id:<10} v{d.version}  {d.n_items:>3} {msg('题', 'items')}  {name}{text}")
    return 0


def run_show(args, cli) -> int:
    from .cmd_score import resolve_instrument

    d = resolve_instrument(args.id)
    if args.json:
        cli.json(d.to_dict())
        return 0
    for line in describe(d, language()):
        cli.out(line)
    return 0


def run_validate(args, cli) -> int:
    from ..instruments import load_definition_file

    d = load_definition_file(args.file)
    cli.out(msg(f"定义有效：{d.id} 第 {d.version} 版，{d.n_items} 题，分量表 {'、'.join(d.scale_ids)}。",
                f"Valid: {d.id} version {d.version}, {d.n_items} items, scales {', '.join(d.scale_ids)}."))
    return 0


def run_add(args, cli) -> int:
    from pathlib import Path

    from ..services.instruments import add_definition

    info = add_definition(cli.session(), Path(args.file))
    cli.out(msg(f"已保存学校量表：{info.id} 第 {info.version} 版（{info.name}）。",
                f"Stored school instrument {info.id} version {info.version} ({info.name})."))
    return 0


def describe(d, lang: str = "zh") -> list[str]:
    """A readable account of a definition: what a counselor checks before using it."""
    zh = lang != "en"
    pop = d.population
    report = _REPORT.get(pop.get("report"), ("", ""))[0 if zh else 1]
    out = [f"{d.name_zh if zh else d.name_en}  [{d.id} v{d.version}]",
           (f"适用：{grade_span(pop.get('grade_min'), pop.get('grade_max'))}，{report}" if zh
            else f"For: grades {pop.get('grade_min')}–{pop.get('grade_max')}, {report}")]
    if d.text("time_frame", lang):
        out.append(("时间范围：" if zh else "Time frame: ") + d.text("time_frame", lang))
    out.append(("指导语：" if zh else "Instructions: ") + d.text("instructions", lang))
    refs, note = citation_parts(d.id, d.source_citation) if zh else (d.source_citation, "")
    out.append(("出处：" if zh else "Source: ") + refs)
    if note:
        out.append("说明：" + note)
    out.append(("许可：" if zh else "Licence: ") + d.text("licence", lang))
    out.append("")
    out.append("题目：" if zh else "Items:")
    rev = set(d.reverse_keyed)
    for it in d.items:
        marks = []
        if it.id in rev:
            marks.append("反向" if zh else "reversed")
        if it.correct is not None:
            right = next(o.code for o in it.options if o.value == it.correct)
            marks.append(f"答案 {right}" if zh else f"answer {right}")
        if it.show_if is not None:
            marks.append("条件题" if zh else "conditional")
        mark = f"  [{', '.join(marks)}]" if marks else ""
        text = it.display_text(lang) if d.item_text_allowed else (f"第{it.position}题" if zh else f"Item {it.position}")
        out.append(f"  {it.position:>3}. {text}{mark}")
    sets = {}
    for it in d.items:
        sets.setdefault(it.option_set, it.options)
    out.append("选项：" if zh else "Options:")
    for name, opts in sets.items():
        out.append(f"  {name}: " + "  ".join(f"{o.code}={o.label_zh if zh else o.label_en}" for o in opts))
    out.append("")
    out.append("分量表与计分：" if zh else "Scales and keys:")
    for s in d.scales:
        parts = ", ".join(str(d.items[d.item_index(i)].position) for i in s.items) if s.items else ", ".join(s.components)
        how = s.method + (f" × {s.factor:g}" if s.factor != 1 else "") + (f" (≥ {s.threshold:g})" if s.threshold is not None else "")
        out.append(f"  {s.id} ({s.name_zh if zh else s.name_en}): {how} [{parts}]")
        if s.missing:
            m = s.missing
            rule = (f"最多空 {m.max_blank} 题" + ("，按比例折算" if m.prorate and m.max_blank else "") if zh
                    else f"at most {m.max_blank} blank" + (", prorated" if m.prorate and m.max_blank else ""))
            out.append(f"      {'缺失规则' if zh else 'missing'}: {rule}. {m.source}")
        for b in s.bands:
            hi = "" if b.max is None else f"{b.max:g}"
            out.append(f"      {b.min:g}–{hi}: {b.label_zh if zh else b.label_en} ({b.id})")
        for b in s.band_rules:
            out.append(f"      {b.id}: {b.label_zh if zh else b.label_en}")
        if s.bands_source:
            out.append(f"      {'分级出处' if zh else 'bands'}: {s.bands_source}")
        for c in s.cutoffs:
            out.append(f"      {'其他划界分' if zh else 'cut-off'} {c['id']} ≥ {c['ge']}: {c['source']}")
    for n in d.norms:
        out.append(f"{'常模' if zh else 'Norm'} {n.scale} ({n.kind}, {len(n.groups)} {'组' if zh else 'groups'}): {n.source}")
    if d.rules:
        out.append("")
        out.append("规则（安全规则始终生效）：" if zh else "Rules (safety rules always apply):")
        for r in d.rules:
            out.append(f"  {r.kind}:{r.id}  {r.label_zh if zh else r.label_en}")
    if d.validity:
        out.append("效度检查：" if zh else "Validity checks:")
        for v in d.validity:
            out.append(f"  validity:{v.id}  {v.label_zh if zh else v.label_en}")
    return out
