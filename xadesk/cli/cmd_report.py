"""``xadesk report …``: the school report (PDF/xlsx/JSON), the district aggregate file, and the small
registers the plan figures need (staff, training hours, lessons and activities)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..errors import UserError
from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).


def register(subparsers) -> None:
    p = subparsers.add_parser("report", help=msg("报告：学校指标、上报区县的汇总文件、人员与培训登记",
                                                 "reports: school indicators, district file, staff and training"))
    sub = p.add_subparsers(dest="report_cmd", metavar="WHAT", required=True)

    s = sub.add_parser("school", help=msg("学校报告（PDF 或 xlsx）", "the school report (PDF or xlsx)"))
    g = s.add_mutually_exclusive_group()
    g.add_argument("--year", metavar="Y", help=msg("学年，如 2026-2027（默认本学年）", "school year, e.g. 2026-2027"))
    g.add_argument("--campaign", metavar="C", help=msg("测评批次（编号或名称）", "campaign (id or name)"))
    s.add_argument("--grade", metavar="G", help=msg("只看一个年级", "one grade only"))
    s.add_argument("--class", dest="class_", metavar="C", help=msg("只看一个班", "one class only"))
    s.add_argument("--out", metavar="FILE", help=msg("输出 .pdf 或 .xlsx", "write .pdf or .xlsx"))
    s.add_argument("--json", action="store_true", help=msg("以 JSON 输出指标", "print the figures as JSON"))
    s.set_defaults(func=run_school)

    a = sub.add_parser("aggregate", help=msg("生成上报区县的加密汇总文件（不含任何学生个人信息）",
                                             "write the encrypted aggregate file for the district"))
    a.add_argument("--year", metavar="Y", required=True)
    a.add_argument("--out", metavar="FILE", required=True)
    a.set_defaults(func=run_aggregate)

    st = sub.add_parser("staff", help=msg("心理健康教师与教职工登记", "staff register"))
    sts = st.add_subparsers(dest="staff_cmd", metavar="ACTION", required=True)
    x = sts.add_parser("add", help=msg("登记一位教职工", "add a staff member"))
    x.add_argument("name")
    x.add_argument("--post", required=True, help=msg("专职 / 兼职 / 教师 / 其他", "counselor_full / counselor_part / "
                                                                              "teacher / other"))
    x.set_defaults(func=run_staff_add)
    x = sts.add_parser("list", help=msg("列出教职工及本学年培训学时", "list staff with training hours"))
    x.add_argument("--year", metavar="Y")
    x.add_argument("--json", action="store_true")
    x.set_defaults(func=run_staff_list)

    tr = sub.add_parser("training", help=msg("登记培训学时", "record training hours"))
    trs = tr.add_subparsers(dest="training_cmd", metavar="ACTION", required=True)
    x = trs.add_parser("add")
    x.add_argument("--staff", required=True, metavar="NAME")
    x.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    x.add_argument("--hours", required=True)
    x.add_argument("--topic", required=True)
    x.set_defaults(func=run_training_add)

    ac = sub.add_parser("activity", help=msg("登记心理健康课或主题活动", "record a lesson or themed activity"))
    acs = ac.add_subparsers(dest="activity_cmd", metavar="ACTION", required=True)
    x = acs.add_parser("add")
    x.add_argument("--kind", required=True, help=msg("心理健康课 / 主题教育活动", "lesson / activity"))
    x.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    x.add_argument("--title", required=True)
    x.add_argument("--class", dest="class_", metavar="C")
    x.add_argument("--grade", metavar="G")
    x.set_defaults(func=run_activity_add)
    x = acs.add_parser("list")
    x.add_argument("--year", metavar="Y")
    x.add_argument("--json", action="store_true")
    x.set_defaults(func=run_activity_list)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"日期“{text}”无效，应写成如 2026-10-12。", f"Bad date {text!r}; use 2026-10-12.",
                        field="date") from None


def run_school(args, cli) -> int:
    from ..reports.indicators import build_report
    from ..reports.school_report import write_report

    if not args.out and not args.json:
        raise UserError("请用 --out FILE.pdf|FILE.xlsx 指定输出文件，或用 --json。", "Give --out FILE or --json.")
    ctx = cli.session()
    report = build_report(ctx, year=args.year, campaign=args.campaign, grade_code=args.grade, class_=args.class_)
    if args.json:
        cli.json(report.to_json())
    if args.out:
        path = write_report(ctx, report, Path(args.out))
        cli.out(msg(f"已生成报告：{path}", f"Report written: {path}"))
    return 0


def run_aggregate(args, cli) -> int:
    from ..reports.aggregate import write_aggregate

    ctx = cli.session()
    passphrase = cli.secret(msg("上报口令（区县提供）", "District passphrase"), "XADESK_DISTRICT_PASSPHRASE")
    info = write_aggregate(ctx, year=args.year, path=Path(args.out), passphrase=passphrase)
    cli.out(msg(f"已生成上报文件：{info.path}（{info.school_name}，{info.period}）",
                f"District file written: {info.path} ({info.school_name}, {info.period})"))
    return 0


def run_staff_add(args, cli) -> int:
    from ..reports.plan_records import add_staff

    row = add_staff(cli.session(), args.name, args.post)
    cli.out(msg(f"已登记：{row.name}（{row.post_label}）", f"Added: {row.name} ({row.post})"))
    return 0


def run_staff_list(args, cli) -> int:
    from ..reports.plan_records import list_staff

    rows = list_staff(cli.session(), year=args.year)
    if args.json:
        cli.json([{"id": r.id, "name": r.name, "post": r.post, "active": r.active, "hours": r.hours} for r in rows])
    else:
        for r in rows:
            cli.out(f"{r.id:>4}  {r.name:<10} {r.post_label:<10} {r.hours:g} 学时{'' if r.active else '（已停用）'}")
    return 0


def run_training_add(args, cli) -> int:
    from ..reports.plan_records import add_training, staff_id_by_name

    ctx = cli.session()
    staff = int(args.staff) if args.staff.isdigit() else staff_id_by_name(ctx, args.staff)
    add_training(ctx, staff, held_on=_day(args.date), hours=args.hours, topic=args.topic)
    cli.out(msg("已登记培训。", "Training recorded."))
    return 0


def run_activity_add(args, cli) -> int:
    from ..reports.plan_records import add_activity

    add_activity(cli.session(), args.kind, held_on=_day(args.date), title=args.title, class_=args.class_,
                 grade_code=args.grade)
    cli.out(msg("已登记。", "Recorded."))
    return 0


def run_activity_list(args, cli) -> int:
    from ..reports.plan_records import list_activities

    rows = list_activities(cli.session(), year=args.year)
    if args.json:
        cli.json([{"id": r.id, "kind": r.kind, "date": r.held_on.isoformat(), "title": r.title, "where": r.where}
                  for r in rows])
    else:
        for r in rows:
            cli.out(f"{r.held_on.isoformat()}  {r.kind_label}  {r.where}  {r.title}")
    return 0
