"""Entry point of the ``xadesk`` command.

Each ``xadesk/cli/cmd_*.py`` module registers its own sub-commands through ``register(subparsers)``
and sets ``func=run`` on its parser; ``run(args, cli)`` returns the exit code. Commands are found
by name, so adding one touches no shared file.

Exit codes: 0 success, 1 a user error (message printed, nothing changed), 2 usage, 3 an internal
error (a crash report without values was written), 141 the reader of the output closed the pipe
(128 + SIGPIPE, what a shell reports for other tools in the same case).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import re
import sys
from importlib.metadata import entry_points

from ..errors import UserError
from ..i18n import msg
from .context import CliContext

# Lazy imports: start-up speed. `--version` loads alembic and SQLCipher and the crash report its
# own helpers: only when they are needed.

CLOSED_PIPE = 141


class _VersionAction(argparse.Action):
    """``--version``: the app, the schema it writes and the SQLCipher it carries (found only when asked)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from ..versions import current  # loads alembic and SQLCipher: only when asked

        v = current()
        print(f"xadesk {v.app}", *v.lines()[1:], sep="\n")  # stdout, as argparse's own version action
        parser.exit(0)


class _Parser(argparse.ArgumentParser):
    """argparse with its own words (headings, -h, "usage:") in the CLI's language."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = msg("位置参数", "positional arguments")
        self._optionals.title = msg("选项", "options")
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help=msg("显示本帮助并退出", "show this help message and exit"))

    def format_usage(self) -> str:
        return _usage_word(super().format_usage())

    def format_help(self) -> str:
        return _usage_word(super().format_help())

    def error(self, message: str) -> None:  # argparse's own usage errors exit 2
        self.print_usage(sys.stderr)
        self.exit(2, msg(f"用法错误：{_argparse_zh(message)}\n", f"usage error: {message}\n"))


# argparse's messages (it has no Chinese catalogue): the ones a teacher meets, in Chinese.
_ARGPARSE_ZH = (
    (re.compile(r"^unrecognized arguments: (.*)$"), "无法识别的参数：{0}"),
    (re.compile(r"^the following arguments are required: (.*)$"), "缺少必需的参数：{0}"),
    (re.compile(r"^argument (\S+): invalid choice: (.*?) \(choose from (.*)\)$"), "参数 {0} 的值 {1} 无效（可选：{2}）"),
    (re.compile(r"^argument (\S+): expected one argument$"), "参数 {0} 后面需要一个值"),
    (re.compile(r"^argument (\S+): invalid (\w+) value: (.*)$"), "参数 {0} 的值 {2} 不是有效的数"),
)


def _argparse_zh(message: str) -> str:
    for pattern, zh in _ARGPARSE_ZH:
        m = pattern.match(message)
        if m:
            return zh.format(*m.groups())
    return message


def _usage_word(text: str) -> str:
    return msg("用法：", "usage: ") + text[len("usage: "):] if text.startswith("usage: ") else text


def build_parser(front_ends: bool = True) -> argparse.ArgumentParser:
    parser = _Parser(prog="xadesk", description=msg("XA Desk 学生心理健康工作台", "XA Desk — student mental-health workbench"))
    parser.add_argument("--version", action=_VersionAction,
                        help=msg("显示软件、数据库结构和 SQLCipher 的版本", "show the app, schema and SQLCipher versions"))
    parser.add_argument("--db", metavar="PATH", help=msg("数据库文件（默认：用户数据目录，或 XADESK_DB）",
                                                        "database file (default: user data folder, or XADESK_DB)"))
    parser.add_argument("--user", metavar="LOGIN", help=msg("登录名（或 XADESK_USER）", "login (or XADESK_USER)"))
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    from . import __path__ as cli_path

    for info in sorted(pkgutil.iter_modules(cli_path), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"{__package__}.{info.name}").register(subparsers)
    # Front ends (the desktop UI) add their commands through an entry point: the core never imports them.
    if front_ends:
        for ep in sorted(entry_points(group="xadesk.commands"), key=lambda e: e.name):
            ep.load()(subparsers)
    return parser


def _command_word(argv: list[str]) -> str | None:
    """The sub-command named on the command line (global options and their values skipped)."""
    words = iter(argv)
    for word in words:
        if word in ("--db", "--user"):
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main(argv: list[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    core = build_parser(front_ends=False)
    # A core command needs no front end: skipping the entry-point scan (importlib.metadata reads every
    # installed package's metadata) saves a noticeable part of the start of every scripted call.
    known = core._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    parser = core if _command_word(words) in known else build_parser()
    args, rest = parser.parse_known_args(argv)
    if not getattr(args, "command", None):
        choices = parser._subparsers._group_actions[0].choices
        if "gui" not in choices:  # installed without the UI
            parser.print_help()
            return 2
        # Bare ``xadesk [--db X] [--demo]``: the global options are parsed, the rest belongs to ``gui``.
        args = choices["gui"].parse_args(rest, namespace=args)
        args.command = "gui"
    elif rest:
        args = parser.parse_args(argv)  # argparse's own "unrecognized arguments" error
    cli = CliContext(args)
    try:
        code = int(args.func(args, cli) or 0)
        sys.stdout.flush()   # a closed pipe shows here, inside the try, not at interpreter exit
        return code
    except BrokenPipeError:
        return _closed_pipe()
    except UserError as exc:
        cli.error(exc.full_text())
        return 1
    except Exception as exc:  # a bug: say so without the message, which may carry student data
        from ..logsafe import report_crash

        where = report_crash(exc)
        cli.error(msg(f"程序内部错误（{type(exc).__name__}），操作未完成。诊断信息（不含学生数据）：{where}",
                      f"Internal error ({type(exc).__name__}); nothing was completed. Report (no student data): {where}"))
        return 3
    except KeyboardInterrupt:
        cli.error(msg("已中断，未做任何更改。", "Interrupted; nothing was changed."))
        return 1
    finally:
        cli.close()


def _closed_pipe() -> int:
    """The reader of our output went away (``xadesk score … | head``): stop quietly, as other
    command-line tools do. Whatever the command changed is complete (writes finish before output);
    stdout is pointed at the null device so the interpreter's final flush raises nothing either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):   # no real file descriptor (an embedding or a test's capture)
        pass
    return CLOSED_PIPE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
