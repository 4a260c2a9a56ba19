"""``xadesk backup create|verify|restore|folder``: backups of the school database with its key slots."""

from __future__ import annotations

import os
from pathlib import Path

from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).


def register(subparsers) -> None:
    p = subparsers.add_parser("backup", help=msg("备份与还原", "backups and restore"))
    sub = p.add_subparsers(dest="backup_cmd", metavar="ACTION", required=True)
    c = sub.add_parser("create", help=msg("立即备份（软件运行中也可以）", "make a backup now (works while the app runs)"))
    c.add_argument("--to", metavar="DIR", help=msg("备份到这个文件夹（默认：备份设置中的文件夹）",
                                                   "folder (default: the configured backup folder)"))
    c.set_defaults(func=run_create)
    v = sub.add_parser("verify", help=msg("检查备份文件（给出 --user 或 XADESK_RECOVERY_KEY 时也检查内容）",
                                          "check a backup (contents too with --user or XADESK_RECOVERY_KEY)"))
    v.add_argument("file", metavar="FILE")
    v.set_defaults(func=run_verify)
    r = sub.add_parser("restore", help=msg("先检查，再把备份还原为一个新的数据库文件（从不覆盖）",
                                           "verify, then restore into a new database file (never overwrites)"))
    r.add_argument("file", metavar="FILE")
    r.add_argument("--to", required=True, metavar="PATH", help=msg("新数据库文件的路径", "path of the new database"))
    r.set_defaults(func=run_restore)
    f = sub.add_parser("folder", help=msg("查看或设置备份文件夹", "show or set the backup folder"))
    f.add_argument("folder", nargs="?", metavar="DIR")
    f.set_defaults(func=run_folder)


def _secret(cli):
    from ..backup.service import Secret

    recovery = os.environ.get("XADESK_RECOVERY_KEY")
    if recovery:
        return Secret(recovery_key=recovery)
    login = getattr(cli.args, "user", None) or os.environ.get("XADESK_USER")
    if login:
        return Secret(login=login, password=cli.secret(msg("密码", "Password"), "XADESK_PASSWORD"))
    return None


def run_create(args, cli) -> int:
    from ..backup.service import create_backup

    info = create_backup(cli.session(), Path(args.to) if args.to else None)
    cli.out(msg(f"已备份：{info.path}（{info.size / 1e6:.1f} MB，{info.seconds:.1f} 秒）",
                f"Backup made: {info.path} ({info.size / 1e6:.1f} MB, {info.seconds:.1f} s)"))
    return 0


def run_verify(args, cli) -> int:
    from ..backup.service import verify_backup

    report = verify_backup(Path(args.file), _secret(cli))
    for line in report.lines:
        cli.out(line)
    return 0


def run_restore(args, cli) -> int:
    from ..backup.service import restore_backup
    from ..errors import UserError

    secret = _secret(cli)
    if secret is None:
        raise UserError("还原需要一个账号（--user 和密码）或恢复密钥（XADESK_RECOVERY_KEY）。",
                        "Restoring needs a login (--user and password) or the recovery key (XADESK_RECOVERY_KEY).")
    report = restore_backup(Path(args.file), Path(args.to), secret, current_db=cli.db_path())
    for line in report.verify.lines:
        cli.out(line)
    for line in report.lacks:
        cli.out(line)
    cli.out(msg(f"已还原到 {report.target}（钥匙文件在它旁边）。用 --db {report.target} 打开并检查后，再决定是否替换原数据库。",
                f"Restored to {report.target} (key file beside it). Open it with --db {report.target} and check it "
                "before replacing the original."))
    return 0


def run_folder(args, cli) -> int:
    from ..backup.service import get_folder, set_folder, status

    ctx = cli.session()
    if args.folder is not None:
        set_folder(ctx, Path(args.folder).expanduser().absolute() if args.folder else None)
    folder = get_folder(ctx)
    cli.out(msg(f"备份文件夹：{folder or '（未设置）'}", f"Backup folder: {folder or '(not set)'}"))
    for line in status(ctx).warnings:
        cli.out("  " + line)
    return 0
