"""``xadesk init``, ``xadesk demo``, ``xadesk recover``: creating and recovering a school database."""

from __future__ import annotations

import os

from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).


def register(subparsers) -> None:
    p = subparsers.add_parser("init", help=msg("新建一个学校数据库", "create a school database"))
    p.add_argument("--school", required=True, metavar="NAME", help=msg("学校名称", "school name"))
    p.add_argument("--admin", required=True, metavar="LOGIN", help=msg("管理员登录名", "admin login"))
    p.add_argument("--admin-name", metavar="NAME", help=msg("管理员姓名", "admin's display name"))
    p.set_defaults(func=run_init)

    p = subparsers.add_parser("demo", help=msg("生成示例学校（虚构数据）", "build the demo school (fictional data)"))
    p.add_argument("--force", action="store_true", help=msg("覆盖已有的示例数据库", "replace an existing database"))
    p.set_defaults(func=run_demo)

    p = subparsers.add_parser("recover", help=msg("用恢复密钥重设某个账号的密码", "reset a password with the recovery key"))
    p.add_argument("--login", required=True, metavar="LOGIN")
    p.set_defaults(func=run_recover)


def print_recovery_key(cli, key: str) -> None:
    from ..exchange.passphrase import format_groups

    cli.out(msg("", ""))
    cli.out(msg("========== 恢复密钥（只显示这一次）==========", "========== RECOVERY KEY (shown once) =========="))
    cli.out("    " + format_groups(key))
    cli.out(msg("请把它抄写或打印下来，锁在安全的地方（不要存在这台电脑上）。",
                "Write it down or print it and lock it away (not on this computer)."))
    cli.out(msg("忘记所有密码时，只有它能打开数据库。密码和恢复密钥全部丢失，数据将无法找回。",
                "If every password is forgotten, only this key opens the database. Losing all passwords and "
                "this key loses the data for good."))
    cli.out("=" * 46)


def run_init(args, cli) -> int:
    from ..services.login import create_school

    # A new password, like every other one (README): XADESK_NEW_PASSWORD; XADESK_PASSWORD is still read
    # because the same word is then the login password of the scripts that set it.
    env = "XADESK_NEW_PASSWORD" if os.environ.get("XADESK_NEW_PASSWORD") is not None else "XADESK_PASSWORD"
    password = cli.new_secret(msg("管理员密码", "Admin password"), env)
    created = create_school(cli.db_path(), args.school, args.admin, password, args.admin_name)
    cli.out(msg(f"已新建学校数据库：{created.path}", f"Created school database: {created.path}"))
    print_recovery_key(cli, created.recovery_key)
    return 0


def run_demo(args, cli) -> int:
    from ..demo import DEMO_PASSWORD, build_demo

    password = os.environ.get("XADESK_PASSWORD") or DEMO_PASSWORD
    path = cli.db_path()

    def progress(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            print(f"\r{msg('正在生成示例学校', 'Building the demo school')} {done}/{total}", end="", flush=True)

    result = build_demo(path, password, force=args.force, progress=progress)
    print()
    cli.out(msg(f"示例学校已生成：{result.path}（{result.students} 名学生，{result.classes} 个班）",
                f"Demo school ready: {result.path} ({result.students} students, {result.classes} classes)"))
    cli.out(msg("账号（密码均为 ", "Accounts (password ") + password + msg("）：", " for all):"))
    for login, label in result.accounts:
        cli.out(f"  {login:<14} {label}")
    print_recovery_key(cli, result.recovery_key)
    return 0


def run_recover(args, cli) -> int:
    from ..services.login import recover

    key = cli.secret(msg("恢复密钥", "Recovery key"), "XADESK_RECOVERY_KEY")
    password = cli.new_secret(msg("新密码", "New password"), "XADESK_NEW_PASSWORD")
    recover(cli.db_path(), key, args.login, password)
    cli.out(msg(f"已为 {args.login} 设置新密码。", f"New password set for {args.login}."))
    return 0
