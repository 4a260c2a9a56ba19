"""``xadesk gui`` (also what a bare ``xadesk`` does): open the desktop app.

Registered through the ``xadesk.commands`` entry point so the core command line never names the UI
(data and dependencies flow ui → core only). Qt is imported only when the command runs.
"""

from __future__ import annotations

from xadesk.i18n import msg


def register(subparsers) -> None:
    p = subparsers.add_parser("gui", help=msg("打开桌面程序（默认）", "open the desktop app (default)"))
    p.add_argument("--demo", action="store_true",
                   help=msg("数据库不存在时先生成示例学校", "build the demo school first if there is no database"))
    p.set_defaults(func=run)


def run(args, cli) -> int:
    try:
        from .main import run_gui
    except ImportError as exc:  # the core works without Qt; the GUI needs it and its system libraries
        cli.error(msg(f"无法启动图形界面：缺少 Qt 组件（{exc.name or exc}）。请按 README 安装。",
                      f"Cannot start the GUI: Qt is missing ({exc.name or exc}). See README."))
        return 1
    return run_gui(cli.db_path(), demo=args.demo)
