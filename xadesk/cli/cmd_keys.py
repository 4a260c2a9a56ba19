"""``xadesk keys check|grant|rotate``: verify the key file without any password; give counselors the
counselling key with the recovery key; rotate the database key after an account was disabled."""

from __future__ import annotations

import os

from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).


def register(subparsers) -> None:
    p = subparsers.add_parser("keys", help=msg("钥匙文件", "the key file"))
    sub = p.add_subparsers(dest="keys_cmd", metavar="ACTION", required=True)
    c = sub.add_parser("check", help=msg("不用密码检查钥匙文件的每个副本和钥匙槽（设置 XADESK_RECOVERY_KEY 时也检查恢复密钥）",
                                         "check every copy and slot without a password (and the recovery key "
                                         "when XADESK_RECOVERY_KEY is set)"))
    c.set_defaults(func=run_check)
    g = sub.add_parser("grant", help=msg("用恢复密钥（XADESK_RECOVERY_KEY 或提示输入）把辅导钥匙授予还没有它的心理教师（管理员）",
                                         "give the counselling key to counselors who lack it, with the recovery key "
                                         "(XADESK_RECOVERY_KEY or a prompt; administrators)"))
    g.set_defaults(func=run_grant)
    r = sub.add_parser("rotate", help=msg("更换数据库密钥：停用账号以前复制的钥匙文件从此打不开数据库（管理员；需要恢复密钥，"
                                          "XADESK_RECOVERY_KEY 或提示输入）",
                                          "give the database a new key, so key files copied by disabled accounts open "
                                          "nothing (administrators; needs the recovery key)"))
    r.set_defaults(func=run_rotate)


def run_rotate(args, cli) -> int:
    from ..keys.rotation import plan, rotate, stage_label

    ctx = cli.session()
    what = plan(ctx)
    if what.need_reset:
        cli.out(msg(f"以下账号升级后还没登录过，轮换后需要管理员重设密码：{'、'.join(what.need_reset)}",
                    f"These accounts have not logged in since the upgrade and will need a password reset: "
                    f"{', '.join(what.need_reset)}"))
    recovery = cli.secret(msg("恢复密钥", "Recovery key"), "XADESK_RECOVERY_KEY")
    result = rotate(ctx, recovery, step=lambda s: cli.out("  " + stage_label(s)))
    cli.out(msg(f"数据库密钥已更换（第 {result.epoch} 代），用时 {result.seconds:.1f} 秒。"
                "已停用账号以前复制的钥匙文件再也打不开这个数据库；其他人用自己的密码照常登录。",
                f"The database key was rotated (epoch {result.epoch}) in {result.seconds:.1f} s. Key files copied by "
                "disabled accounts open nothing now; everyone else logs in with their own password."))
    if result.need_reset:
        cli.out(msg(f"请为这些账号重设密码：{'、'.join(result.need_reset)}（xadesk user passwd 登录名）",
                    f"Reset the password of: {', '.join(result.need_reset)} (xadesk user passwd LOGIN)"))
    return 0


def run_grant(args, cli) -> int:
    from ..services.accounts import grant_counselling_with_recovery

    ctx = cli.session()
    recovery = cli.secret(msg("恢复密钥", "Recovery key"), "XADESK_RECOVERY_KEY")
    granted = grant_counselling_with_recovery(ctx, recovery)
    if granted:
        cli.out(msg(f"已把辅导钥匙授予：{'、'.join(granted)}（他们下次登录即可读写辅导内容）。",
                    f"Counselling key given to: {', '.join(granted)} (effective at their next login)."))
    else:
        cli.out(msg("没有需要授予辅导钥匙的心理教师（升级前建立、升级后还没登录过的账号须先登录一次）。",
                    "No counselor needed the counselling key (an account made before the upgrade must log in once "
                    "first)."))
    return 0


def run_check(args, cli) -> int:
    from ..exchange.passphrase import normalise
    from ..storage.keyfile import check_keys, keyfile_path

    recovery = os.environ.get("XADESK_RECOVERY_KEY")
    result = check_keys(keyfile_path(cli.db_path()), normalise(recovery) if recovery else None)
    for line in result.lines:
        cli.out("  " + line)
    if result.ok:
        cli.out(msg("钥匙文件完好。", "The key file is intact."))
        return 0
    cli.error(msg("钥匙文件有问题（见上）。能登录的人登录一次，软件会用完好的副本重写它。",
                  "The key file has problems (above). Logging in once rewrites it from intact copies."))
    return 1
