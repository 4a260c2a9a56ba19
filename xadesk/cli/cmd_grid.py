"""``xadesk grid [--grade G] [--class C] [--json]`` — the warning grid as a tree;
``xadesk grid list [--level L] [--grade G] [--class C] [--json]``; ``xadesk grid overdue [--mine] [--json]``;
``xadesk grid propose CAMPAIGN`` — proposals from a screening campaign's results.

JSON shapes: the tree is the school node ``{"name", "kind", "id", "counts", "total", ["change"], "children"}``
whose children are grades (same keys) whose children are classes (no ``children``); ``counts`` maps
every level id (L1 … L4) to a number of students. ``list`` prints an array of ``{"student_no", "name",
"grade", "class", "level", "level_name", "status", "contact", "next_due", "overdue", "opened_on"}``;
``overdue`` an array of ``{"student_no", "name", "class", "level", "contact", "next_due", "days_overdue"}``.
``xadesk grid queue [--campaign C] [--json]`` — the pending review queue, most severe first: an array of
``{"student_no", "name", "class", "proposed_level", "safety", "validity_review", "interviewed", "reasons"}``;
``proposed_level`` is a level id (L1 … L4) or null (answers to review, a critical item left blank);
``safety`` is true for a safety-floor proposal and for a critical item left blank; ``reasons`` are the
labels people read ("PHQ-9 第9题（自伤或轻生念头）≥1").
"""

from __future__ import annotations

from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).


def register(subparsers) -> None:
    p = subparsers.add_parser("grid", help=msg("四级预警网格", "the warning grid"))
    p.add_argument("--grade", help=msg("只看一个年级，如 七年级", "one grade, e.g. 七年级"))
    p.add_argument("--class", dest="class_", help=msg("只看一个班，如 七年级(3)班", "one class"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_tree)
    sub = p.add_subparsers(dest="grid_cmd", metavar="ACTION")
    ls = sub.add_parser("list", help=msg("预警名单", "students on the list"))
    ls.add_argument("--level", help=msg("等级，如 一级 / L1 / 红", "level, e.g. L1"))
    ls.add_argument("--grade")
    ls.add_argument("--class", dest="class_")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)
    od = sub.add_parser("overdue", help=msg("逾期未随访", "overdue follow-ups"))
    od.add_argument("--mine", action="store_true", help=msg("只看我负责联系的学生", "only where I am the contact"))
    od.add_argument("--json", action="store_true")
    od.set_defaults(func=run_overdue)
    qu = sub.add_parser("queue", help=msg("复核队列（待复核的预警建议）", "the pending review queue"))
    qu.add_argument("--campaign", help=msg("只看一次测评活动（编号或名称）", "one campaign (id or name)"))
    qu.add_argument("--json", action="store_true")
    qu.set_defaults(func=run_queue)
    pr = sub.add_parser("propose", help=msg("根据测评活动结果生成预警建议", "proposals from a campaign"))
    pr.add_argument("campaign", help=msg("测评活动编号或名称", "campaign id or name"))
    pr.set_defaults(func=run_propose)


def _levels(cli) -> dict:
    from ..services.grid import levels

    return {lv.code: lv for lv in levels(cli.session())}


def _counts_text(counts: dict, names: dict) -> str:
    return "  ".join(f"{names[k].name} {v}" for k, v in counts.items())


def run_tree(args, cli) -> int:
    from ..services.grid_tracking import grid_tree

    root = grid_tree(cli.session(), grade=args.grade, class_=args.class_)
    if args.json:
        cli.json(root.to_json())
        return 0
    names = _levels(cli)
    cli.out(f"{root.name}  {_counts_text(root.counts, names)}")
    for g in root.children:
        cli.out(f"  {g.name}  {_counts_text(g.counts, names)}")
        for c in g.children:
            cli.out(f"    {c.name}  {_counts_text(c.counts, names)}")
    return 0


def run_list(args, cli) -> int:
    from ..services.grid_tracking import grid_list

    rows = grid_list(cli.session(), level=args.level, grade=args.grade, class_=args.class_)
    if args.json:
        cli.json([r.to_json() for r in rows])
        return 0
    for r in rows:
        due = r.next_due.isoformat() if r.next_due else ""
        flag = msg(" 逾期", " overdue") if r.overdue else ""
        cli.out(f"{r.level_name:<8} {r.student_no:<20} {r.name:<6} {r.class_label or '':<10} "
                f"{r.contact or msg('（未指定联系人）', '(no contact)')}  {due}{flag}")
    cli.out(msg(f"共 {len(rows)} 名学生", f"{len(rows)} students"))
    return 0


def run_overdue(args, cli) -> int:
    from ..services.grid_tracking import overdue

    rows = overdue(cli.session(), mine=args.mine)
    if args.json:
        cli.json([r.to_json() for r in rows])
        return 0
    for r in rows:
        cli.out(f"{r.student_no:<20} {r.name:<6} {r.class_label or '':<10} {r.contact or ''}  "
                + msg(f"应于 {r.next_due} 随访，已逾期 {r.days_overdue} 天", f"due {r.next_due}, {r.days_overdue} days overdue"))
    cli.out(msg(f"共 {len(rows)} 名学生逾期未随访", f"{len(rows)} overdue"))
    return 0


def run_queue(args, cli) -> int:
    from ..services.campaigns import get_campaign
    from ..services.grid import review_queue

    ctx = cli.session()
    campaign_id = None
    if args.campaign:
        ref = int(args.campaign) if args.campaign.isdigit() else args.campaign
        campaign_id = get_campaign(ctx, ref).id
    rows = review_queue(ctx, campaign_id)
    if args.json:
        cli.json([r.to_json() for r in rows])
        return 0
    names = _levels(cli)
    for r in rows:
        level = names[r.proposed_level].name if r.proposed_level else msg("待核实", "to check")
        mark = msg("【安全】", "[safety] ") if r.safety else ""
        cli.out(f"{mark}{level:<6} {r.student_no:<20} {r.name:<6} {r.class_label or '':<10} {'；'.join(r.reasons)}")
    if not rows:
        cli.out(msg("复核队列是空的。测评活动结束时（xadesk campaign close）会生成预警建议；"
                    "也可以用 xadesk grid propose 活动 立即生成。",
                    "The review queue is empty. Closing a campaign (xadesk campaign close) makes its proposals; "
                    "xadesk grid propose CAMPAIGN makes them now."))
    else:
        cli.out(msg(f"共 {len(rows)} 名学生待复核（其中安全提示 {sum(r.safety for r in rows)} 名）",
                    f"{len(rows)} students to review ({sum(r.safety for r in rows)} safety)"))
    return 0


def run_propose(args, cli) -> int:
    from ..services.grid_screening import propose_for_campaign

    ref = int(args.campaign) if args.campaign.isdigit() else args.campaign
    s = propose_for_campaign(cli.session(), ref)
    cli.out(msg(f"预警建议 {s.proposed} 名（其中安全底线 {s.safety} 名），作答待复核 {s.validity_review} 名，"
                f"接近阈值 {s.near} 名；替换此前未处理的建议 {s.replaced} 条。",
                f"{s.proposed} proposed ({s.safety} by the safety floor), {s.validity_review} answers to review, "
                f"{s.near} near threshold; {s.replaced} earlier pending proposals replaced."))
    return 0
