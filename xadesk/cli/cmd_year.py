"""``xadesk year promote [--dry-run]``: the year-end promotion (升级)."""

from __future__ import annotations

from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).


def register(subparsers) -> None:
    p = subparsers.add_parser("year", help=msg("学年", "school year"))
    sub = p.add_subparsers(dest="year_cmd", metavar="ACTION", required=True)
    pr = sub.add_parser("promote", help=msg("全校升级到下一学年", "promote every class to the next grade"))
    pr.add_argument("--dry-run", action="store_true", help=msg("只预览，不写入", "preview only"))
    pr.set_defaults(func=run_promote)


def run_promote(args, cli) -> int:
    from ..services.year_end import promote

    plan = promote(cli.session(), dry_run=args.dry_run)
    cli.out(plan.summary())
    cli.out(msg("（预览，未写入）", "(dry run: nothing written)") if args.dry_run else msg("升级完成。", "Done."))
    return 0
