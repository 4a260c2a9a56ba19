"""``xadesk audit verify|list``."""

from __future__ import annotations

from ..display import local_time
from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).


def register(subparsers) -> None:
    p = subparsers.add_parser("audit", help=msg("审计日志", "audit log"))
    sub = p.add_subparsers(dest="audit_cmd", metavar="ACTION", required=True)
    v = sub.add_parser("verify", help=msg("检查审计日志是否被改动或删除", "check the chain for edits and deletions"))
    v.set_defaults(func=run_verify)
    ls = sub.add_parser("list", help=msg("列出审计记录", "list entries"))
    ls.add_argument("--student", metavar="NO", help=msg("只看某个学生（学籍号）", "one student (student number)"))
    ls.add_argument("--limit", type=int, default=200)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)


def run_verify(args, cli) -> int:
    from ..services.audit import verify

    result = verify(cli.session())
    if result.ok:
        cli.out(msg(f"审计日志完整：{result.count} 条记录，链条无断裂。", f"Audit log intact: {result.count} entries."))
        return 0
    cli.error(msg("审计日志被改动过：", "The audit log was tampered with:"))
    for p in result.problems:
        cli.error("  " + p)
    return 1


def run_list(args, cli) -> int:
    from ..services.audit import list_entries

    rows = list_entries(cli.session(), student_no=args.student, limit=args.limit)
    if args.json:
        cli.json([{"seq": r.seq, "at": r.at, "user": r.actor_login, "action": r.action, "student_no": r.student_no,
                   "target": r.target} for r in rows])
    else:
        for r in rows:
            cli.out(f"{r.seq:>6}  {local_time(r.at)}  {r.actor_login:<12} {r.action_label}"
                    + (f"  {r.student_no}" if r.student_no else "")
                    + (f"  {r.target_label}" if r.target_label else "")
                    + (f"  {r.detail_label}" if r.detail_label else ""))
    return 0
