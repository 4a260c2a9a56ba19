"""``xadesk district …``: the district's own database of schools' aggregate files."""

from __future__ import annotations

from pathlib import Path

from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).


def register(subparsers) -> None:
    p = subparsers.add_parser("district", help=msg("区县模式：汇总各校上报文件", "district mode: merge schools' files"))
    sub = p.add_subparsers(dest="district_cmd", metavar="ACTION", required=True)
    x = sub.add_parser("init", help=msg("新建区县数据库（独立加密、独立账号）", "create a district database"))
    x.add_argument("--name", required=True, help=msg("区县名称", "district name"))
    x.add_argument("--admin", required=True, metavar="LOGIN")
    x.add_argument("--year", metavar="Y", help=msg("汇总的学年（默认本学年）", "school year collected"))
    x.set_defaults(func=run_init)
    x = sub.add_parser("period", help=msg("改为汇总另一个学年", "collect another school year"))
    x.add_argument("year", metavar="Y")
    x.set_defaults(func=run_period)
    x = sub.add_parser("expect", help=msg("登记应上报的学校", "register a school that should send a file"))
    x.add_argument("name")
    x.add_argument("--code")
    x.set_defaults(func=run_expect)
    x = sub.add_parser("import", help=msg("导入学校上报文件（先校验，全部通过才导入）", "import schools' files"))
    x.add_argument("files", nargs="+", metavar="FILE")
    x.add_argument("--dry-run", action="store_true", help=msg("只预览", "preview only"))
    x.set_defaults(func=run_import)
    x = sub.add_parser("summary", help=msg("各校汇总与合计", "per-school figures and totals"))
    x.add_argument("--year", metavar="Y")
    x.add_argument("--json", action="store_true")
    x.set_defaults(func=run_summary)
    x = sub.add_parser("report", help=msg("区县汇总报告（PDF 或 xlsx）", "district report (PDF or xlsx)"))
    x.add_argument("--year", metavar="Y")
    x.add_argument("--out", required=True, metavar="FILE")
    x.set_defaults(func=run_report)


def run_init(args, cli) -> int:
    from ..district.store import init_district
    from .cmd_school import print_recovery_key

    password = cli.new_secret(msg("管理员密码", "Admin password"), "XADESK_PASSWORD")
    created = init_district(cli.db_path(), args.name, args.admin, password, period=args.year)
    cli.out(msg(f"已新建区县数据库：{created.path}", f"Created district database: {created.path}"))
    print_recovery_key(cli, created.recovery_key)
    return 0


def run_period(args, cli) -> int:
    from ..district.store import set_period

    set_period(cli.session(), args.year)
    cli.out(msg(f"现在汇总 {args.year} 学年。", f"Now collecting {args.year}."))
    return 0


def run_expect(args, cli) -> int:
    from ..district.store import expect_school

    expect_school(cli.session(), args.name, args.code)
    cli.out(msg(f"已登记：{args.name}", f"Registered: {args.name}"))
    return 0


def run_import(args, cli) -> int:
    from ..district.store import import_files, preview

    ctx = cli.session()
    passphrase = cli.secret(msg("上报口令", "District passphrase"), "XADESK_DISTRICT_PASSPHRASE")
    files = [Path(f) for f in args.files]
    rows = preview(ctx, files, passphrase) if args.dry_run else import_files(ctx, files, passphrase)
    for r in rows:
        cli.out(f"{r.path.name}  {r.school_name}  {r.period}  {r.students} 名学生  {r.action_label}")
        if r.note:
            cli.out(f"  {r.note}")
    if args.dry_run:
        cli.out(msg("（预览，未导入）", "(preview; nothing imported)"))
    else:
        cli.out(msg(f"已导入 {sum(1 for r in rows if r.action != 'same')} 个文件。",
                    f"Imported {sum(1 for r in rows if r.action != 'same')} files."))
    return 0


def run_summary(args, cli) -> int:
    from ..district.summary import summary

    data = summary(cli.session(), args.year)
    if args.json:
        cli.json(data)
        return 0
    t = data["total"]
    cli.out(msg(f"{data['period']} 学年：已上报 {t['schools']} / {t['expected']} 所，学生 {t['students']} 名，"
                f"已测评 {t['screened']} 名。", f"{data['period']}: {t['schools']}/{t['expected']} schools, "
                f"{t['students']} students, {t['screened']} screened."))
    for r in data["schools"]:
        levels = "  ".join(f"{data['level_names'].get(c, c)} {v}" for c, v in r["levels"].items())
        cli.out(f"  {r['label']}  {r['students']}  {r['screened']}  {levels}")
    if data["missing"]:
        cli.out(msg("尚未上报：", "Not yet sent: ") + "、".join(data["missing"]))
    return 0


def run_report(args, cli) -> int:
    from sqlalchemy import select

    from ..district.store import require_district
    from ..district.summary import district_report
    from ..reports.school_report import write_report
    from ..storage.models import School

    ctx = cli.session()
    require_district(ctx)
    with ctx.db.read() as s:
        name = s.scalar(select(School.name))
    path = write_report(ctx, district_report(ctx, args.year, district_name=name), Path(args.out))
    cli.out(msg(f"已生成区县报告：{path}", f"District report written: {path}"))
    return 0
