"""``xadesk keys check``: verify the key file without any password."""

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
