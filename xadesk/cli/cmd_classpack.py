"""``xadesk classpack``: class packs for homeroom teachers (issue 14).

School PC: ``export --class C [--expires DATE] --out FILE`` or ``export --grade G --out DIR`` (a pack
and a generated passphrase per class, plus a PDF of slips), ``import RETURN [--dry-run]``,
``conflicts``, ``resolve ENTRY --keep|--discard``.
Teacher PC (no database): ``add-observation``, ``add-homevisit``, ``add-followup``, ``entries``,
``return FILE --out RETURN``. Passphrases come from ``XADESK_PACK_PASSPHRASE`` or a prompt.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from ..errors import UserError
from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).

PASS_ENV = "XADESK_PACK_PASSPHRASE"


def register(subparsers) -> None:
    p = subparsers.add_parser("classpack", help=msg("班级包：班主任在自己电脑上记录，交回后合并", "class packs"))
    sub = p.add_subparsers(dest="classpack_cmd", metavar="ACTION", required=True)
    ex = sub.add_parser("export", help=msg("为班主任导出班级包（学校电脑）", "export packs (school PC)"))
    ex.add_argument("--class", dest="class_", metavar="C", help=msg("班级，如 七年级(1)班", "class"))
    ex.add_argument("--grade", metavar="G", help=msg("整个年级（每班一个包，附口令条）", "a whole grade"))
    ex.add_argument("--all", action="store_true", help=msg("全校每班一个包，附口令条", "every class of the school"))
    ex.add_argument("--expires", metavar="YYYY-MM-DD", help=msg("过期日期（默认本学期末）", "expiry (default: end of semester)"))
    ex.add_argument("--out", required=True, metavar="FILE|DIR")
    ex.set_defaults(func=run_export)

    def teacher(name: str, help_zh: str, help_en: str):
        t = sub.add_parser(name, help=msg(help_zh, help_en))
        t.add_argument("file", metavar="FILE", help=msg("班级包文件", "class pack"))
        return t

    ob = teacher("add-observation", "记一条观察（班主任电脑）", "add an observation (teacher PC)")
    ob.add_argument("--student", required=True, metavar="NAME",
                    help=msg("学生姓名（同名时用 students 列出的编号）", "the student's name (or pack key)"))
    ob.add_argument("--category", required=True, metavar="C", help=msg("情绪、行为、人际关系、学业…", "category"))
    ob.add_argument("--text", required=True, metavar="T")
    ob.add_argument("--severity", default="info", metavar="S", help=msg("一般、需关注、紧急", "info/attention/urgent"))
    ob.add_argument("--level", metavar="L", help=msg("建议的预警等级 L1–L4（可不填）", "proposed level"))
    ob.add_argument("--date", metavar="YYYY-MM-DD")
    ob.set_defaults(func=run_add_observation)
    hv = teacher("add-homevisit", "记一次家访（班主任电脑）", "add a home visit (teacher PC)")
    hv.add_argument("--student", required=True, metavar="NAME",
                    help=msg("学生姓名（同名时用 students 列出的编号）", "the student's name (or pack key)"))
    hv.add_argument("--visitors", required=True, metavar="WHO")
    hv.add_argument("--present", required=True, metavar="WHO", help=msg("在场家庭成员", "family members present"))
    hv.add_argument("--text", required=True, metavar="T", help=msg("家访情况", "findings"))
    hv.add_argument("--family", action="append", default=[], metavar="F",
                    help=msg("家庭情况（可多次）：single_parent、blended、left_behind、difficulty、migrant",
                             "family situation (repeatable)"))
    hv.add_argument("--date", metavar="YYYY-MM-DD")
    hv.set_defaults(func=run_add_homevisit)
    fu = teacher("add-followup", "记一次随访（班主任电脑）", "add a follow-up (teacher PC)")
    fu.add_argument("--student", required=True, metavar="NAME",
                    help=msg("学生姓名（同名时用 students 列出的编号）", "the student's name (or pack key)"))
    fu.add_argument("--summary", required=True, metavar="T")
    fu.add_argument("--method", default="talk", metavar="M")
    fu.add_argument("--level", metavar="L")
    fu.add_argument("--date", metavar="YYYY-MM-DD")
    fu.set_defaults(func=run_add_followup)
    ra = teacher("add-rating", "班主任评定一名学生（班主任电脑）", "rate a student (teacher PC)")
    ra.add_argument("--student", required=True, metavar="NAME",
                    help=msg("学生姓名（同名时用 students 列出的编号）", "the student's name (or pack key)"))
    ra.add_argument("--instrument", required=True, metavar="ID", help=msg("班主任评定量表的编号", "instrument id"))
    ra.add_argument("--answers", required=True, metavar="0,1,2,…", help=msg("各题选项分值，逗号分隔", "values"))
    ra.set_defaults(func=run_add_rating)
    st = teacher("students", "列出班级包中的学生（姓名、编号）", "list the pack's students and their keys")
    st.set_defaults(func=run_students)
    ls = teacher("entries", "列出本机尚未交回的记录", "list entries not yet returned")
    ls.set_defaults(func=run_entries)
    wd = teacher("withdraw", "撤回一条记错的记录（班主任电脑，交回之前）", "take back an entry saved by mistake")
    wd.add_argument("--entry", required=True, type=int, metavar="N",
                    help=msg("entries 列出的序号", "the number shown by entries"))
    wd.set_defaults(func=run_withdraw)
    rt = teacher("return", "生成交回文件（班主任电脑）", "write the return (teacher PC)")
    rt.add_argument("--out", required=True, metavar="RETURN")
    rt.set_defaults(func=run_return)

    rr = sub.add_parser("rate", help=msg("班主任在学校电脑上评定本班学生", "rate a student at the school PC"))
    rr.add_argument("--campaign", required=True, metavar="CAMPAIGN")
    rr.add_argument("--student", required=True, metavar="NO")
    rr.add_argument("--instrument", required=True, metavar="ID")
    rr.add_argument("--answers", required=True, metavar="0,1,2,…")
    rr.set_defaults(func=run_rate)

    im = sub.add_parser("import", help=msg("导入班主任交回的文件（学校电脑）", "import a return (school PC)"))
    im.add_argument("file", metavar="RETURN")
    im.add_argument("--dry-run", action="store_true", help=msg("只预览，不导入", "preview only"))
    im.add_argument("--json", action="store_true")
    im.set_defaults(func=run_import)
    cf = sub.add_parser("conflicts", help=msg("待决定的交回记录", "entries waiting for a decision"))
    cf.add_argument("--json", action="store_true")
    cf.set_defaults(func=run_conflicts)
    rs = sub.add_parser("resolve", help=msg("决定一条待处理的交回记录", "decide a conflict"))
    rs.add_argument("entry", metavar="ENTRY")
    g = rs.add_mutually_exclusive_group(required=True)
    g.add_argument("--keep", action="store_true", help=msg("仍然并入", "merge it after all"))
    g.add_argument("--discard", action="store_true", help=msg("搁置（内容保留）", "set it aside"))
    rs.set_defaults(func=run_resolve)


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"无法识别的日期“{text}”，请写成 2026-09-01。", f"Bad date {text!r}; use 2026-09-01.") from None


def _pack(args, cli):
    from ..classpack.teacher import TeacherPack

    return TeacherPack.open(Path(args.file), cli.secret(msg("班级包口令", "Class pack passphrase"), PASS_ENV))


def run_export(args, cli) -> int:
    from ..classpack.export import class_id_of, export_batch, export_pack

    ctx = cli.session()
    expires = _date(args.expires)
    if args.class_:
        phrase = os.environ.get(PASS_ENV)
        info = export_pack(ctx, class_id_of(ctx, args.class_), Path(args.out), phrase, expires_on=expires)
        cli.out(msg(f"已导出 {info.class_label} 的班级包 {args.out}（{info.teacher_name} 老师，{info.students} 名学生，"
                    f"有效期至 {info.expires_on}）。", f"Wrote {args.out} for {info.teacher_name}."))
        if info.passphrase:
            cli.out(msg(f"口令（只显示这一次，请抄在口令条上交给班主任）：{info.passphrase}",
                        f"Passphrase (shown once): {info.passphrase}"))
        return 0
    if not (args.grade or args.all):
        raise UserError("请用 --class 指定一个班，或用 --grade / --all 批量导出。", "Give --class, --grade or --all.")
    batch = export_batch(ctx, Path(args.out), grade=args.grade, expires_on=expires)
    cli.out(msg(f"已导出 {len(batch.packs)} 个班级包到 {args.out}，口令条：{batch.slips.name}",
                f"Wrote {len(batch.packs)} packs; slips: {batch.slips.name}"))
    for label in batch.skipped:
        cli.out(msg(f"  {label}：没有登记班主任，未导出", f"  {label}: no homeroom teacher"))
    return 0


def _saved(cli, tp, entry) -> int:
    from ..classpack.content import URGENT_LINE, describe

    cli.out(msg(f"已保存：{tp.name_of(entry['student_no'])} {describe(entry)}", "Saved."))
    cli.out(URGENT_LINE)
    return 0


def run_add_observation(args, cli) -> int:
    tp = _pack(args, cli)
    return _saved(cli, tp, tp.add_observation(args.student, category=args.category, text=args.text,
                                              severity=args.severity, day=_date(args.date),
                                              proposed_level=args.level))


def run_add_homevisit(args, cli) -> int:
    tp = _pack(args, cli)
    return _saved(cli, tp, tp.add_home_visit(args.student, visitors=args.visitors, present=args.present,
                                             text=args.text, family=args.family, day=_date(args.date)))


def run_add_followup(args, cli) -> int:
    tp = _pack(args, cli)
    return _saved(cli, tp, tp.add_follow_up(args.student, summary=args.summary, method=args.method,
                                            day=_date(args.date), proposed_level=args.level))


def _answers(text: str) -> list[float | None]:
    out: list[float | None] = []
    for k, part in enumerate(text.replace("，", ",").split(","), 1):
        part = part.strip()
        try:
            out.append(None if part == "" else float(part))
        except ValueError:
            raise UserError(f"第{k}题的答案“{part}”不是数字。", f"Item {k}: {part!r} is not a number.",
                            field="answers") from None
    return out


def run_add_rating(args, cli) -> int:
    tp = _pack(args, cli)
    tasks = [t for t in tp.rating_tasks() if t["instrument_id"] == args.instrument]
    if not tasks:
        raise UserError(f"班级包中没有班主任评定量表 {args.instrument}。", f"No rating {args.instrument} in this pack.")
    return _saved(cli, tp, tp.add_rating(args.student, tasks[0]["campaign_uuid"], args.instrument,
                                         _answers(args.answers)))


def run_rate(args, cli) -> int:
    from ..classpack.ratings import rate_at_school
    from ..services.roster import student_id_by_no

    ctx = cli.session()
    stats = rate_at_school(ctx, args.campaign, student_id_by_no(ctx, args.student), args.instrument,
                           _answers(args.answers))
    cli.out(msg(f"已记录评定（新增 {stats.added}，更新 {stats.updated}，待处理 {stats.conflicts}）。", "Rated."))
    return 0


def run_students(args, cli) -> int:
    tp = _pack(args, cli)
    for st in tp.students():
        cli.out(f"{st.student_no}  {st.name}  {'男' if st.sex == 'M' else '女'}  {st.level_name or ''}")
    return 0


def run_entries(args, cli) -> int:
    from ..classpack.content import describe

    tp = _pack(args, cli)
    rows = tp.unreturned()
    for i, e in enumerate(rows, 1):
        cli.out(f"{i:>3}. {e['date']}  {tp.name_of(e['student_no'])}  {describe(e)}")
    cli.out(msg(f"尚未交回 {len(rows)} 条（记错的可用 withdraw --entry 序号 撤回）",
                f"{len(rows)} not yet returned (take one back with withdraw --entry N)"))
    return 0


def run_withdraw(args, cli) -> int:
    from ..classpack.content import describe

    tp = _pack(args, cli)
    rows = tp.unreturned()
    if not 1 <= args.entry <= len(rows):
        raise UserError(f"没有第 {args.entry} 条尚未交回的记录（共 {len(rows)} 条，见 entries）。",
                        f"No entry {args.entry} (there are {len(rows)}; see entries).", field="entry")
    e = tp.withdraw(rows[args.entry - 1]["id"])
    cli.out(msg(f"已撤回：{tp.name_of(e['student_no'])} {describe(e)}。如已生成过交回文件，请删掉旧文件，重新生成。",
                "Withdrawn. If a return was already made, delete it and make a new one."))
    return 0


def run_return(args, cli) -> int:
    tp = _pack(args, cli)
    n = tp.write_return(Path(args.out))
    cli.out(msg(f"已生成交回文件 {args.out}（{n} 条记录）。请交给心理老师导入；紧急情况请直接打电话。",
                f"Wrote {args.out} ({n} entries)."))
    return 0


def run_import(args, cli) -> int:
    from ..classpack.merge import import_return

    ctx = cli.session()
    phrase = cli.secret(msg("班级包口令", "Class pack passphrase"), PASS_ENV)
    report = import_return(ctx, Path(args.file), phrase, dry_run=args.dry_run)
    if args.json:
        cli.json(report.to_json())
    else:
        cli.out(report.summary())
    return 0


def run_conflicts(args, cli) -> int:
    from ..classpack.merge import conflicts

    rows = conflicts(cli.session())
    if args.json:
        cli.json([{"entry": c.entry_uuid, "student_no": c.student_no, "name": c.student_name, "kind": c.kind,
                   "what": c.gist, "reason": c.reason, "teacher": c.teacher_name, "class": c.class_label}
                  for c in rows])
        return 0
    for c in rows:
        cli.out(f"{c.entry_uuid}  {c.class_label} {c.student_name}  {c.gist}  —— {c.reason}")
    cli.out(msg(f"共 {len(rows)} 条待决定", f"{len(rows)} waiting"))
    return 0


def run_resolve(args, cli) -> int:
    from ..classpack.merge import resolve_conflict

    status = resolve_conflict(cli.session(), args.entry, keep=args.keep)
    cli.out(msg("已并入。" if status == "kept" else "已搁置（内容保留）。", f"Done: {status}."))
    return 0
