"""``xadesk campaign create|list|open|close|import|coverage|results|kit|import-pack|conflicts|resolve``.

CAMPAIGN is a campaign's id, uuid or exact name. Kit and pack passphrases come from
``XADESK_KIT_PASSPHRASE`` (scripts) or a prompt; ``campaign kit`` without either generates one and
prints it once.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..display import flag_name, instrument_name, instrument_names, score_line
from ..i18n import msg

PASS_ENV = "XADESK_KIT_PASSPHRASE"


def register(subparsers) -> None:
    p = subparsers.add_parser("campaign", help=msg("心理测评活动", "screening campaigns"))
    sub = p.add_subparsers(dest="campaign_cmd", metavar="ACTION", required=True)

    c = sub.add_parser("create", help=msg("新建测评活动（默认立即开始）", "create a campaign (opened at once)"))
    c.add_argument("name")
    c.add_argument("--instruments", required=True, metavar="ID[,ID…]")
    c.add_argument("--grade", action="append", default=[], help=msg("年级（可重复）", "grade (repeatable)"))
    c.add_argument("--class", dest="class_", action="append", default=[], help=msg("班级（可重复）", "class (repeatable)"))
    c.add_argument("--purpose", choices=("general", "targeted", "watch"), default="general")
    c.add_argument("--draft", action="store_true", help=msg("保存为草稿，不开始", "keep as a draft"))
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=run_create)

    ls = sub.add_parser("list", help=msg("列出测评活动", "list campaigns"))
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)

    for name, func, text in (("open", run_open, ("开始测评活动", "open a campaign")),
                             ("close", run_close, ("结束测评活动", "close a campaign"))):
        x = sub.add_parser(name, help=msg(*text))
        x.add_argument("campaign", metavar="CAMPAIGN")
        x.set_defaults(func=func)

    im = sub.add_parser("import", help=msg("导入问卷星或答卷文件", "import a survey or answer file"))
    im.add_argument("campaign", metavar="CAMPAIGN")
    im.add_argument("file")
    im.add_argument("--mapping", metavar="FILE", help=msg("对应关系 JSON 文件", "mapping JSON file"))
    im.add_argument("--instrument", metavar="ID", help=msg("按 xadesk score 格式导入时的量表", "instrument of a score-layout file"))
    im.add_argument("--dry-run", action="store_true", help=msg("只预览，不写入", "preview only"))
    im.add_argument("--save-mapping", metavar="FILE", help=msg("把所用的对应关系写入文件", "write the mapping used to FILE"))
    im.add_argument("--json", action="store_true")
    im.set_defaults(func=run_import)

    cv = sub.add_parser("coverage", help=msg("完成情况（已完成、未完成、缺测）", "who has answered and who is missing"))
    cv.add_argument("campaign", metavar="CAMPAIGN")
    cv.add_argument("--json", action="store_true")
    cv.set_defaults(func=run_coverage)

    rs = sub.add_parser("results", help=msg("测评结果", "results"))
    rs.add_argument("campaign", metavar="CAMPAIGN")
    rs.add_argument("--json", action="store_true")
    rs.add_argument("--out", metavar="FILE.xlsx", help=msg("导出为 Excel", "export to xlsx"))
    rs.set_defaults(func=run_results)

    kt = sub.add_parser("kit", help=msg("导出机房测评包（加密）", "export an encrypted lab kit"))
    kt.add_argument("campaign", metavar="CAMPAIGN")
    kt.add_argument("--out", required=True, metavar="FILE")
    kt.set_defaults(func=run_kit)

    ip = sub.add_parser("import-pack", help=msg("导入机房结果包", "import a lab result pack"))
    ip.add_argument("file")
    ip.add_argument("--json", action="store_true")
    ip.set_defaults(func=run_import_pack)

    cf = sub.add_parser("conflicts", help=msg("列出重复作答", "list duplicate answers to decide"))
    cf.add_argument("campaign", metavar="CAMPAIGN")
    cf.add_argument("--json", action="store_true")
    cf.set_defaults(func=run_conflicts)

    rv = sub.add_parser("resolve", help=msg("处理一条重复作答", "resolve a conflict"))
    rv.add_argument("conflict", type=int)
    rv.add_argument("--keep", choices=("a", "b"), required=True)
    rv.set_defaults(func=run_resolve)


def run_create(args, cli) -> int:
    from ..services.campaigns import create_campaign

    ids = [i.strip() for i in args.instruments.split(",") if i.strip()]
    info = create_campaign(cli.session(), args.name, ids, grades=args.grade, classes=args.class_,
                           purpose=args.purpose, open_now=not args.draft)
    if args.json:
        cli.json(info.to_json())
    else:
        cli.out(msg(f"已新建测评活动 {info.id}：{info.name}（{len(info.battery)} 个量表，{info.n_targets} 名学生）",
                    f"Created campaign {info.id}: {info.name} ({len(info.battery)} instruments, {info.n_targets} students)"))
    return 0


def run_list(args, cli) -> int:
    from ..services.campaigns import STATUS_LABELS, list_campaigns

    rows = list_campaigns(cli.session())
    if args.json:
        cli.json([r.to_json() for r in rows])
    elif not rows:
        cli.out(msg("还没有测评活动。", "No campaigns yet."))
    else:
        cli.out(msg("编号  状态  学年 学期            名称  [量表]  人数", "  id  status  year semester  name  [instruments]  students"))
        for r in rows:
            cli.out(f"{r.id:>4}  {msg(*STATUS_LABELS[r.status]):<4}  {r.school_year} 第{r.semester}学期  {r.name}  "
                    f"[{instrument_names(r.instrument_ids)}]  {r.n_targets}")
    return 0


def run_open(args, cli) -> int:
    from ..services.campaigns import get_campaign, open_campaign

    ctx = cli.session()
    info = open_campaign(ctx, get_campaign(ctx, args.campaign).id)
    cli.out(msg(f"测评活动“{info.name}”已开始。", f"Campaign {info.name!r} is open."))
    return 0


def run_close(args, cli) -> int:
    from ..services.campaigns import close_campaign, get_campaign

    ctx = cli.session()
    info = close_campaign(ctx, get_campaign(ctx, args.campaign).id)
    cli.out(msg(f"测评活动“{info.name}”已结束。", f"Campaign {info.name!r} is closed."))
    return 0


def run_import(args, cli) -> int:
    import json

    from ..services.screening_import import import_survey

    report = import_survey(cli.session(), args.campaign, Path(args.file), mapping=args.mapping,
                           instrument=args.instrument, dry_run=args.dry_run)
    if args.save_mapping:
        from ..storage.atomic import atomic_write_bytes

        atomic_write_bytes(Path(args.save_mapping),
                           json.dumps(report.mapping, ensure_ascii=False, indent=1).encode("utf-8"))
    if args.json:
        cli.json(report.to_json())
    else:
        cli.out(report.summary())
        cli.out(msg("（预览，未写入）", "(dry run: nothing written)") if args.dry_run else msg("导入完成。", "Imported."))
    return 0


def run_coverage(args, cli) -> int:
    from ..services.campaigns import coverage

    cov = coverage(cli.session(), args.campaign)
    if args.json:
        cli.json(cov.to_json())
        return 0
    head = msg("范围              对象  完成  进行中  未测  缺测  拒测", "scope             total done  partial missing absent declined")
    cli.out(head)
    for row in [cov.total, *cov.grades, *cov.classes]:
        cli.out(f"{row.label:<16}{row.targets:>6}{row.completed:>6}{row.in_progress:>8}{row.missing:>6}"
                f"{row.absent:>6}{row.declined:>6}")
    return 0


def run_results(args, cli) -> int:
    from ..services.screening_results import export_results_xlsx, results

    ctx = cli.session()
    if args.out:
        n = export_results_xlsx(ctx, args.campaign, Path(args.out))
        cli.error(msg(f"已导出 {n} 行到 {args.out}。", f"Exported {n} rows to {args.out}."))
        return 0
    rows = results(ctx, args.campaign)
    if args.json:
        cli.json([r.to_json() for r in rows])
    else:
        for r in rows:
            scales = score_line(r.instrument_id, {sid: (sc.raw, sc.band) for sid, sc in r.scales.items()})
            flags = "；".join(flag_name(r.instrument_id, f) for f in r.flags)
            cli.out(f"{r.student_no:<20} {r.name:<6} {r.class_label:<10} {instrument_name(r.instrument_id)}  {scales}"
                    + (f"  {flags}" if flags else ""))
    return 0


def _passphrase(cli, *, generate: bool) -> tuple[str, bool]:
    value = os.environ.get(PASS_ENV)
    if value is not None:
        return value, False
    if generate:
        from ..exchange.passphrase import generate as gen

        return gen(), True
    return cli.secret(msg("测评包口令", "Kit passphrase"), PASS_ENV), False


def run_kit(args, cli) -> int:
    from ..services.screening_lab import export_kit

    passphrase, generated = _passphrase(cli, generate=True)
    kit = export_kit(cli.session(), args.campaign, Path(args.out), passphrase)
    cli.out(msg(f"已导出机房测评包 {args.out}：{kit.students} 名学生，{len(kit.instruments)} 个量表。",
                f"Wrote lab kit {args.out}: {kit.students} students, {len(kit.instruments)} instruments."))
    if generated:
        cli.out(msg(f"口令（只显示这一次，请抄下，机房电脑打开测评包和导入结果包都要用）：{passphrase}",
                    f"Passphrase (shown once; needed on the lab PCs and to import the packs): {passphrase}"))
    return 0


def run_import_pack(args, cli) -> int:
    from ..services.screening_lab import import_pack

    passphrase, _ = _passphrase(cli, generate=False)
    report = import_pack(cli.session(), Path(args.file), passphrase)
    if args.json:
        cli.json(report.to_json())
    else:
        cli.out(report.summary())
    return 0


def run_conflicts(args, cli) -> int:
    from ..services.screening_answers import conflicts

    rows = conflicts(cli.session(), args.campaign)
    if args.json:
        cli.json([{"id": r.id, "student_no": r.student_no, "name": r.name, "class": r.class_label,
                   "instrument": r.instrument_id, "a": {"mode": r.a.mode, "source": r.a.source},
                   "b": {"mode": r.b.mode, "source": r.b.source}, "differing_items": list(r.differing_items)}
                  for r in rows])
    else:
        for r in rows:
            cli.out(f"{r.id:>4}  {r.student_no}  {r.name}  {r.class_label}  {r.instrument_id}  "
                    f"A={r.a.mode}:{r.a.source}  B={r.b.mode}:{r.b.source}  "
                    + msg(f"不同的题：{','.join(map(str, r.differing_items))}",
                          f"items differ: {','.join(map(str, r.differing_items))}"))
    return 0


def run_resolve(args, cli) -> int:
    from ..services.screening_answers import resolve_conflict

    resolve_conflict(cli.session(), args.conflict, args.keep)
    cli.out(msg("已处理。", "Resolved."))
    return 0
