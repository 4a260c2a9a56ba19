"""``xadesk gui`` (also what a bare ``xadesk`` does): open the desktop app; ``xadesk lab``: the
kiosk of a lab PC over an encrypted campaign kit, with no school database on that PC.

Registered through the ``xadesk.commands`` entry point so the core command line never names the UI
(data and dependencies flow ui → core only). Qt is imported only when the command runs.
"""

from __future__ import annotations

from xadesk.i18n import msg

from .platform_check import display_problem

# Lazy imports: start-up speed, and a command line that works without Qt. This module is loaded
# with every `xadesk` command (an entry point); Qt and the app load only when the GUI starts.


def register(subparsers) -> None:
    p = subparsers.add_parser("gui", help=msg("打开桌面程序（默认）", "open the desktop app (default)"))
    p.add_argument("--demo", action="store_true",
                   help=msg("数据库不存在时先生成示例学校", "build the demo school first if there is no database"))
    p.set_defaults(func=run)
    lab = subparsers.add_parser("lab", help=msg("机房电脑：打开测评包，学生在这台电脑上作答",
                                                "lab PC: open a campaign kit and run the kiosk"))
    lab.set_defaults(func=run_lab)


def _qt_missing(cli, exc: ImportError) -> int:
    # The core works without Qt; the GUI needs it and its system libraries.
    cli.error(msg(f"无法启动图形界面：缺少 Qt 组件（{exc.name or exc}）。请按 README 安装。",
                  f"Cannot start the GUI: Qt is missing ({exc.name or exc}). See README."))
    return 1


def _no_display(cli) -> bool:
    problem = display_problem()
    if problem:
        cli.error(problem)
    return problem is not None


def run(args, cli) -> int:
    if _no_display(cli):
        return 1
    try:
        from .main import run_gui
    except ImportError as exc:
        return _qt_missing(cli, exc)
    return run_gui(cli.db_path(), demo=args.demo)


def run_lab(args, cli) -> int:
    if _no_display(cli):
        return 1
    try:
        from .app import create_app
        from .screening.lab import LabStartDialog
    except ImportError as exc:
        return _qt_missing(cli, exc)
    app = create_app()
    dialog = LabStartDialog()
    if not dialog.exec() or dialog.kiosk_window is None:
        return 0
    # The result pack is written when the counselor leaves the kiosk with the kit's passphrase.
    dialog.kiosk_window.exited.connect(app.quit)
    return app.exec()
