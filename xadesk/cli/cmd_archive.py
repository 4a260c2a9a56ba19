"""``xadesk archive export|verify|import|pdf``: growth archives and transfer files (档随人走).

The transfer passphrase comes from ``XADESK_TRANSFER_PASSPHRASE`` or a prompt, never from the
command line (it would stay in the shell history). When exporting without either, a passphrase is
generated and printed once — and for a batch, printed on the handover list as well.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from ..errors import UserError
from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).

ENV = "XADESK_TRANSFER_PASSPHRASE"


def register(subparsers) -> None:
    p = subparsers.add_parser("archive", help=msg("学生成长档案与转移文件", "growth archives and transfer files"))
    sub = p.add_subparsers(dest="archive_cmd", metavar="ACTION", required=True)

    ex = sub.add_parser("export", help=msg("导出档案转移文件（单个学生或整个年级）", "export transfer files"))
    who = ex.add_mutually_exclusive_group(required=True)
    who.add_argument("--student", metavar="NO", help=msg("学籍号", "student number"))
    who.add_argument("--grade", metavar="G", help=msg("年级，如 九年级", "grade, e.g. 九年级"))
    who.add_argument("--graduates", action="store_true", help=msg("待导出的毕业生", "graduates waiting for export"))
    ex.add_argument("--key-only", action="store_true", help=msg("只导出重点关注学生", "key-attention students only"))
    ex.add_argument("--out", required=True, metavar="PATH",
                    help=msg("文件（--student）或文件夹（--grade/--graduates）", "file (--student) or folder"))
    ex.set_defaults(func=run_export)

    ve = sub.add_parser("verify", help=msg("检查转移文件是否完整（完整时退出码为 0）", "check a transfer file"))
    ve.add_argument("file")
    ve.set_defaults(func=run_verify)

    im = sub.add_parser("import", help=msg("导入档案转移文件", "import a transfer file"))
    im.add_argument("file")
    im.add_argument("--dry-run", action="store_true", help=msg("只预览，不写入", "preview only"))
    im.add_argument("--class", dest="class_", metavar="C", help=msg("编入班级，如 七年级(3)班", "class to place in"))
    im.add_argument("--confirm-match", action="store_true",
                    help=msg("确认按姓名和出生日期匹配到的学生", "confirm a match by name and birth date"))
    im.set_defaults(func=run_import)

    pdf = sub.add_parser("pdf", help=msg("生成学生档案 PDF", "render an archive PDF"))
    pdf.add_argument("--student", required=True, metavar="NO")
    pdf.add_argument("--out", required=True, metavar="FILE")
    pdf.add_argument("--edition", choices=("full", "transfer"), default="full")
    pdf.set_defaults(func=run_pdf)


def _export_passphrase(cli) -> tuple[str, bool]:
    """(passphrase, generated?)"""
    from ..exchange.passphrase import generate

    value = os.environ.get(ENV)
    if value:
        return value, False
    if sys.stdin and sys.stdin.isatty():
        first = getpass.getpass(msg("转移口令（直接回车由软件生成）: ", "Transfer passphrase (Enter = generate): "))
        if first:
            if getpass.getpass(msg("再次输入: ", "Again: ")) != first:
                raise UserError("两次输入的口令不一致。", "The two entries differ.")
            return first, False
    return generate(), True


def _print_passphrase(cli, phrase: str) -> None:
    cli.out(msg("========== 转移口令（请抄写或打印，与文件分开交付）==========",
                "========== TRANSFER PASSPHRASE (hand over separately from the files) =========="))
    cli.out("    " + phrase)
    cli.out("=" * 40)


def run_export(args, cli) -> int:
    from ..archive import transfer
    from ..services.roster import student_id_by_no

    ctx = cli.session()
    phrase, generated = _export_passphrase(cli)
    if args.student:
        if args.key_only:
            raise UserError("--key-only 只用于按年级导出。", "--key-only applies to --grade only.")
        f = transfer.export_student(ctx, student_id_by_no(ctx, args.student), Path(args.out), passphrase=phrase)
        cli.out(msg(f"已导出 {f.name} 的档案转移文件：{f.path}（{f.records} 条记录）",
                    f"Exported the transfer file of {f.name}: {f.path} ({f.records} records)"))
        if generated:
            _print_passphrase(cli, phrase)
        return 0
    if args.graduates:
        from ..services.year_end import export_queue

        ids = [g.student_id for g in export_queue(ctx)]
        if not ids:
            cli.out(msg("没有待导出档案的毕业生。", "No graduates are waiting for export."))
            return 0
    else:
        ids = transfer.batch_students(ctx, args.grade, key_only=args.key_only)

    def progress(done: int, total: int) -> None:
        print(f"\r{msg('正在导出', 'Exporting')} {done}/{total}", end="", file=sys.stderr, flush=True)

    result = transfer.export_batch(ctx, ids, Path(args.out), passphrase=None if generated else phrase,
                                   progress=progress)
    print(file=sys.stderr)
    cli.out(msg(f"已导出 {len(result.files)} 个档案转移文件到 {result.folder}",
                f"Exported {len(result.files)} transfer files to {result.folder}"))
    cli.out(msg(f"交接单：{result.handover_pdf}（含口令，请打印后与文件分开交付）" if generated
                else f"交接单：{result.handover_pdf}（口令未打印在交接单上，请另行告知对方）",
                f"Handover list: {result.handover_pdf}"))
    if generated:
        # The passphrase the files were actually encrypted with (export_batch generated it).
        _print_passphrase(cli, result.passphrase or "")
    return 0


def _import_passphrase(cli) -> str:
    return cli.secret(msg("转移口令", "Transfer passphrase"), ENV)


def run_verify(args, cli) -> int:
    from ..archive.transfer import read_transfer

    tf = read_transfer(Path(args.file), _import_passphrase(cli))
    st = tf.archive["student"]
    cli.out(msg(f"文件完整：{st['name']}（{st['student_no']}）的档案，来自{tf.manifest.school_name}，"
                f"{len(tf.archive.get('records', []))} 条记录。",
                f"Intact: archive of {st['name']} ({st['student_no']}) from {tf.manifest.school_name}, "
                f"{len(tf.archive.get('records', []))} records."))
    return 0


def run_import(args, cli) -> int:
    from ..archive.transfer import import_transfer

    ctx = cli.session()
    result = import_transfer(ctx, Path(args.file), _import_passphrase(cli), class_=args.class_,
                             confirm_name_match=args.confirm_match, dry_run=args.dry_run)
    cli.out(result.summary())
    if args.dry_run:
        cli.out(msg("（预览，未写入）", "(dry run: nothing written)"))
    elif result.already_imported:
        cli.out(msg("此文件已导入过，未重复导入。", "Already imported; nothing was duplicated."))
    else:
        cli.out(msg("导入完成。", "Imported."))
    return 0


def run_pdf(args, cli) -> int:
    from ..archive.pdf import student_pdf
    from ..services.roster import student_id_by_no
    from ..storage.atomic import atomic_write_bytes

    ctx = cli.session()
    data = student_pdf(ctx, student_id_by_no(ctx, args.student), edition=args.edition)
    atomic_write_bytes(Path(args.out), data)
    cli.out(msg(f"已生成：{args.out}", f"Written: {args.out}"))
    return 0
