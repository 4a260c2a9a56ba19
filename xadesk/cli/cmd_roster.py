"""``xadesk roster import|list``."""

from __future__ import annotations

from pathlib import Path

from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).


def register(subparsers) -> None:
    p = subparsers.add_parser("roster", help=msg("学生名单", "the roster"))
    sub = p.add_subparsers(dest="roster_cmd", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help=msg("从 Excel/CSV 导入学生名单", "import students from xlsx/csv"))
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help=msg("只预览，不写入", "preview only"))
    imp.set_defaults(func=run_import)
    ls = sub.add_parser("list", help=msg("列出学生", "list students"))
    ls.add_argument("--grade", help=msg("年级，如 七年级", "grade, e.g. 七年级"))
    ls.add_argument("--class", dest="class_", help=msg("班级，如 七年级(3)班", "class, e.g. 七年级(3)班"))
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)


def run_import(args, cli) -> int:
    from ..services.roster_import import import_roster

    plan = import_roster(cli.session(), Path(args.file), dry_run=args.dry_run)
    cli.out(plan.summary())
    cli.out(msg("（预览，未写入）", "(dry run: nothing written)") if args.dry_run else msg("导入完成。", "Imported."))
    return 0


def run_list(args, cli) -> int:
    from ..services.roster import SEX_LABELS, list_students

    rows = list_students(cli.session(), grade=args.grade, class_=args.class_)
    if args.json:
        cli.json([r.to_json() for r in rows])
    else:
        if rows:
            cli.out(msg("学籍号                姓名     性别  出生日期    班级", "student no.           name   sex  born        class"))
        for r in rows:
            cli.out(f"{r.student_no:<20} {r.name:<6} {SEX_LABELS.get(r.sex, r.sex)}  "
                    f"{r.birth_date.isoformat() if r.birth_date else '':<10}  {r.class_label or ''}")
        cli.out(msg(f"共 {len(rows)} 名学生", f"{len(rows)} students"))
    return 0
