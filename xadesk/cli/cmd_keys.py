"""``xadesk keys check``: verify the key file without any password."""

from __future__ import annotations

import os

from ..i18n import msg


def register(subparsers) -> None:
    p = subparsers.add_parser("keys", help=msg("钥匙文件", "the key file"))
    sub = p.add_subparsers(dest="keys_cmd", metavar="ACTION", required=True)
    c = sub.add_parser("check", help=msg("不用密码检查钥匙文件的每个副本和钥匙槽（设置 XADESK_RECOVERY_KEY 时也检查恢复密钥）",
                                         "check every copy and slot without a password (and the recovery key "
                                         "when XADESK_RECOVERY_KEY is set)"))
    c.set_defaults(func=run_check)


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
