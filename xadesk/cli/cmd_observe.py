"""``xadesk observe add|list|coverage``: teachers' observations and home-visit coverage."""

from __future__ import annotations

from datetime import date

from ..errors import UserError
from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).


def register(subparsers) -> None:
    p = subparsers.add_parser("observe", help=msg("日常观察记录", "observations"))
    sub = p.add_subparsers(dest="observe_cmd", metavar="ACTION", required=True)
    add = sub.add_parser("add", help=msg("添加一条观察记录", "add an observation"))
    add.add_argument("--student", required=True, metavar="NO", help=msg("学籍号", "student number"))
    add.add_argument("--category", required=True, metavar="C", help=msg("类别，如 情绪、行为、人际关系、学业", "category"))
    add.add_argument("--text", required=True, metavar="T", help=msg("观察内容", "what was observed"))
    add.add_argument("--severity", default="info", metavar="S", help=msg("程度：一般、需关注、紧急", "info/attention/urgent"))
    add.add_argument("--date", metavar="YYYY-MM-DD", help=msg("日期（默认今天）", "date (default today)"))
    add.set_defaults(func=run_add)
    ls = sub.add_parser("list", help=msg("列出学生的档案记录", "list a student's records"))
    ls.add_argument("--student", required=True, metavar="NO")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)
    cov = sub.add_parser("coverage", help=msg("各班家访覆盖情况", "home-visit coverage per class"))
    cov.add_argument("--year", metavar="2026-2027", help=msg("学年（默认当前学年）", "school year"))
    cov.set_defaults(func=run_coverage)


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"无法识别的日期“{text}”，请写成 2026-09-01。", f"Bad date {text!r}; use 2026-09-01.") from None


def run_add(args, cli) -> int:
    from ..services.records import add_observation
    from ..services.roster import student_id_by_no

    ctx = cli.session()
    row = add_observation(ctx, student_id_by_no(ctx, args.student), category=args.category, text=args.text,
                          severity=args.severity, day=_date(args.date))
    cli.out(msg(f"已记录：{row.occurred_on} {row.category_label}（{row.severity_label}）",
                f"Recorded: {row.occurred_on} {row.category} ({row.severity})"))
    return 0


def run_list(args, cli) -> int:
    from ..services.records import list_records
    from ..services.roster import student_id_by_no

    ctx = cli.session()
    rows = list_records(ctx, student_id_by_no(ctx, args.student))
    if args.json:
        cli.json([r.to_json() for r in rows])
        return 0
    for r in rows:
        text = msg("（内容保密）", "(confidential)") if r.redacted else (r.text or "")
        src = f" [{r.source_school_name}]" if r.source_school_name else ""
        cli.out(f"{r.occurred_on}  {r.kind_label:<8} {r.category_label or '':<6} {text}  — {r.author_name}{src}")
    cli.out(msg(f"共 {len(rows)} 条", f"{len(rows)} records"))
    return 0


def run_coverage(args, cli) -> int:
    from ..services.records import home_visit_coverage

    label, classes = home_visit_coverage(cli.session(), school_year=args.year)
    cli.out(msg(f"{label} 学年家访覆盖情况：", f"Home visits in {label}:"))
    for c in classes:
        cli.out(f"  {c.class_label:<12} {c.visited}/{c.students}  ({c.ratio:.0%})")
    return 0
