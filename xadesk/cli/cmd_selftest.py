"""``xadesk selftest``: run every self-test step in a temporary folder; exit 0 only when all pass."""

from __future__ import annotations

from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, and the
# self-test loads the whole product (services, PDF, transfer): 0.6 s that `xadesk score` paid.


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "selftest", help=msg("自检：在临时文件夹里走一遍建校、导入、计分、测评、转出、PDF 和界面",
                             "self-test: school, import, scoring, campaign, transfer, PDF and GUI in a temp folder"))
    p.add_argument("--keep", action="store_true",
                   help=msg("保留临时文件夹（只含虚构学生），便于排查", "keep the temporary folder (fictional students only)"))
    p.add_argument("--no-gui", action="store_true", help=msg("跳过界面一步", "skip the GUI step"))
    p.set_defaults(func=run)


def run(args, cli) -> int:
    from ..selftest import SelfTestState, all_steps, run_steps

    steps = all_steps()
    if args.no_gui:
        steps = [s for s in steps if not s.gui_thread]
    state = SelfTestState.create(keep=args.keep)
    cli.out(msg(f"XA Desk 自检（临时文件夹 {state.workdir}）", f"XA Desk self-test (temporary folder {state.workdir})"))
    try:
        report = run_steps(state, steps, on_result=lambda r, k, n: cli.out(f"{k}/{n} {r.line()}"))
    finally:
        state.close()
    if report.ok:
        cli.out(report.summary())
        return 0
    cli.error(report.summary())
    return 1
