"""``xadesk campaign create|list|open|close|import|coverage|results|kit|import-pack|conflicts|resolve``.

CAMPAIGN is a campaign's id, uuid or exact name. Kit and pack passphrases come from
``XADESK_KIT_PASSPHRASE`` (scripts) or a prompt; ``campaign kit`` without either generates one and
prints it once.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..display import flag_name, instrument_name, instrument_names, score_line
from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).

PASS_ENV = "XADESK_KIT_PASSPHRASE"


def register(subparsers) -> None:
    p = subparsers.add_parser("campaign", help=msg("心理测评活动", "screening campaigns"))
    sub = p.add_subparsers(dest="campaign_cmd", metavar="ACTION", required=True)

    c = sub.add_parser("create", help=msg("新建测评活动（默认立即开始）", "create a campaign (opened at once)"))
    c.add_argument("name")
    c.add_argument("--instruments", required=True, metavar="ID[,ID…]")
    c.add_argument("--grade", action="append", default=[], help=msg("年级（可重复）", "grade (repeatable)"))
    c.add_argument("--class", dest="class_", action="append", default=[], help=msg("班级（可重复）", "class (repeatable)"))
    c.add_argument("--purpose", choices=("general", "targeted", "watch"), default="general")
    c.add_argument("--draft", action="store_true", help=msg("保存为草稿，不开始", "keep as a draft"))
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=run_create)

    ls = sub.add_parser("list", help=msg("列出测评活动", "list campaigns"))
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)

    for name, func, text in (("open", run_open, ("开始测评活动", "open a campaign")),
                             ("close", run_close, ("结束测评活动", "close a campaign"))):
        x = sub.add_parser(name, help=msg(*text))
        x.add_argument("campaign", metavar="CAMPAIGN")
        x.set_defaults(func=func)

    im = sub.add_parser("import", help=msg("导入问卷星或答卷文件", "import a survey or answer file"))
    im.add_argument("campaign", metavar="CAMPAIGN")
    im.add_argument("file")
    im.add_argument("--mapping", metavar="FILE", help=msg("对应关系 JSON 文件", "mapping JSON file"))
    im.add_argument("--instrument", metavar="ID", help=msg("按 xadesk score 格式导入时的量表", "instrument of a score-layout file"))
    im.add_argument("--dry-run", action="store_true", help=msg("只预览（列出对应表和匹配结果），不写入",
                                                              "preview only: the mapping table and the matches"))
    im.add_argument("--save-mapping", metavar="FILE",
                    help=msg("把所用的（被拒时：建议的）对应关系写入文件", "write the mapping used (when refused: proposed) to FILE"))
    im.add_argument("--kind", choices=("text", "ordinal", "score"),
                    help=msg("问卷星导出方式：按文本 / 按序号 / 按分数（无法判断时必须指明）",
                             "问卷星 export kind, when the file does not tell"))
    im.add_argument("--confirm", action="store_true",
                    help=msg("我已核对试导入列出的对应表和按姓名班级匹配的行，确认导入",
                             "I checked the mapping table and the name+class matches of the dry run"))
    im.add_argument("--keep-row", type=int, action="append", default=[], metavar="ROW",
                    help=msg("同一学生重复提交时保留这一行（默认保留较晚提交的）",
                             "for a duplicate submission, keep this row (default: the later one)"))
    im.add_argument("--json", action="store_true")
    im.set_defaults(func=run_import)

    cv = sub.add_parser("coverage", help=msg("完成情况（已完成、未完成、缺测）", "who has answered and who is missing"))
    cv.add_argument("campaign", metavar="CAMPAIGN")
    cv.add_argument("--json", action="store_true")
    cv.set_defaults(func=run_coverage)

    rs = sub.add_parser("results", help=msg("测评结果", "results"))
    rs.add_argument("campaign", metavar="CAMPAIGN")
    rs.add_argument("--json", action="store_true")
    rs.add_argument("--out", metavar="FILE.xlsx", help=msg("导出为 Excel", "export to xlsx"))
    rs.set_defaults(func=run_results)

    kt = sub.add_parser("kit", help=msg("导出机房测评包（加密）", "export an encrypted lab kit"))
    kt.add_argument("campaign", metavar="CAMPAIGN")
    kt.add_argument("--out", required=True, metavar="FILE")
    kt.set_defaults(func=run_kit)

    ip = sub.add_parser("import-pack", help=msg("导入机房结果包", "import a lab result pack"))
    ip.add_argument("file")
    ip.add_argument("--json", action="store_true")
    ip.set_defaults(func=run_import_pack)

    cf = sub.add_parser("conflicts", help=msg("列出重复作答", "list duplicate answers to decide"))
    cf.add_argument("campaign", metavar="CAMPAIGN")
    cf.add_argument("--json", action="store_true")
    cf.set_defaults(func=run_conflicts)

    rv = sub.add_parser("resolve", help=msg("处理一条重复作答", "resolve a conflict"))
    rv.add_argument("conflict", type=int)
    rv.add_argument("--keep", choices=("a", "b"), required=True)
    rv.set_defaults(func=run_resolve)


def run_create(args, cli) -> int:
    from ..services.campaigns import create_campaign

    ids = [i.strip() for i in args.instruments.split(",") if i.strip()]
    info = create_campaign(cli.session(), args.name, ids, grades=args.grade, classes=args.class_,
                           purpose=args.purpose, open_now=not args.draft)
    if args.json:
        cli.json(info.to_json())
    else:
        cli.out(msg(f"已新建测评活动 {info.id}：{info.name}（{len(info.battery)} 个量表，{info.n_targets} 名学生）",
                    f"Created campaign {info.id}: {info.name} ({len(info.battery)} instruments, {info.n_targets} students)"))
    return 0


def run_list(args, cli) -> int:
    from ..services.campaigns import STATUS_LABELS, list_campaigns

    rows = list_campaigns(cli.session())
    if args.json:
        cli.json([r.to_json() for r in rows])
    elif not rows:
        cli.out(msg("还没有测评活动。", "No campaigns yet."))
    else:
        cli.out(msg("编号  状态  学年 学期            名称  [量表]  人数", "  id  status  year semester  name  [instruments]  students"))
        for r in rows:
            cli.out(f"{r.id:>4}  {msg(*STATUS_LABELS[r.status]):<4}  {r.school_year} 第{r.semester}学期  {r.name}  "
                    f"[{instrument_names(r.instrument_ids)}]  {r.n_targets}")
    return 0


def run_open(args, cli) -> int:
    from ..services.campaigns import get_campaign, open_campaign

    ctx = cli.session()
    info = open_campaign(ctx, get_campaign(ctx, args.campaign).id)
    cli.out(msg(f"测评活动“{info.name}”已开始。", f"Campaign {info.name!r} is open."))
    return 0


def run_close(args, cli) -> int:
    from ..services.campaigns import get_campaign
    from ..services.grid_screening import close_and_propose

    ctx = cli.session()
    done = close_and_propose(ctx, get_campaign(ctx, args.campaign).id)
    s = done.proposals
    cli.out(msg(f"测评活动“{done.campaign.name}”已结束，已生成预警建议：{s.proposed} 名（其中安全底线 {s.safety} 名），"
                f"作答待复核 {s.validity_review} 名。请在复核队列（xadesk grid queue）中处理。",
                f"Campaign {done.campaign.name!r} is closed; {s.proposed} proposed ({s.safety} by the safety floor), "
                f"{s.validity_review} answers to review. See the review queue (xadesk grid queue)."))
    return 0


def run_import(args, cli) -> int:
    from ..errors import UserError
    from ..services.screening_import import import_survey, survey_columns
    from ..survey.mapping import MappingRefused

    ctx = cli.session()
    path = Path(args.file)
    if args.dry_run and not args.json:
        preview = survey_columns(ctx, args.campaign, path, instrument=args.instrument,
                                 mapping=_read_mapping(args.mapping), coding=args.kind)
        verdict = preview.verdict.label if preview.verdict else ""
        cli.out(msg(f"文件：{preview.file_name}　导出方式：{verdict}", f"File: {preview.file_name}  kind: {verdict}"))
        cli.out(msg("对应表（文件中的列 → 量表的题目）：", "Mapping (file column → instrument item):"))
        for line in _table(preview):
            cli.out("  " + line)
        cli.out(msg("对应关系已由题号或题干证实。", "The mapping is proven by question numbers or text.") if preview.proven
                else msg("对应关系含有推测，导入时需加 --confirm（或用 --mapping 指定）。",
                         "Part of the mapping is a guess: import with --confirm (or --mapping)."))
        for p in preview.problems:
            cli.out("  ! " + p)
    try:
        report = import_survey(ctx, args.campaign, path, mapping=args.mapping, instrument=args.instrument,
                               coding=args.kind, confirm=args.confirm, accept="all" if args.confirm else (),
                               keep=args.keep_row, dry_run=args.dry_run)
    except MappingRefused as exc:
        if args.save_mapping:
            _write_mapping(Path(args.save_mapping), exc.proposal.mapping)
            exc.details.insert(0, msg(f"已把建议的对应关系写入 {args.save_mapping}：核对、改正后用 --mapping 导入。",
                                      f"The proposed mapping was written to {args.save_mapping}: check it, then "
                                      "import with --mapping."))
        raise
    except UserError:
        if args.save_mapping:
            cli.out(msg(f"文件被拒，没有写入 {args.save_mapping}。", f"Refused; {args.save_mapping} was not written."))
        raise
    if args.save_mapping:
        _write_mapping(Path(args.save_mapping), report.mapping)
    if args.json:
        cli.json(report.to_json())
    else:
        cli.out(report.summary())
        if report.to_confirm:
            cli.out(msg("按姓名和班级匹配的行需确认：核对后加 --confirm 再导入。",
                        "Rows matched by name and class need confirming: add --confirm."))
        cli.out(msg("（预览，未写入）", "(dry run: nothing written)") if args.dry_run else msg("导入完成。", "Imported."))
    return 0


def _read_mapping(path: str | None) -> dict | None:
    from ..services.screening_import import load_mapping

    return load_mapping(path) if path else None


def _write_mapping(path: Path, mapping: dict) -> None:
    import json

    from ..storage.atomic import atomic_write_bytes

    atomic_write_bytes(path, json.dumps(mapping, ensure_ascii=False, indent=1).encode("utf-8"))


def _table(preview) -> list[str]:
    out = []
    for c in preview.columns:
        why = f"  [{c.evidence_label}]" if c.evidence_label else ""
        out.append(f"“{c.header}” → {preview.targets.get(c.target, '（不导入）')}{why}")
    for d in preview.decoded:
        parts = "；".join(f"{preview.instruments[k]} " + " ".join("-" if v is None else f"{v:g}" for v in vals)
                         for k, vals in d.answers.items())
        out.append(msg(f"第{d.row}行 {d.name}：{parts}", f"row {d.row} {d.name}: {parts}"))
    if preview.decode_error:
        out.append(preview.decode_error)
    return out


def run_coverage(args, cli) -> int:
    from ..services.campaigns import coverage

    cov = coverage(cli.session(), args.campaign)
    if args.json:
        cli.json(cov.to_json())
        return 0
    head = msg("范围              对象  完成  进行中  未测  缺测  拒测", "scope             total done  partial missing absent declined")
    cli.out(head)
    for row in [cov.total, *cov.grades, *cov.classes]:
        cli.out(f"{row.label:<16}{row.targets:>6}{row.completed:>6}{row.in_progress:>8}{row.missing:>6}"
                f"{row.absent:>6}{row.declined:>6}")
    return 0


def run_results(args, cli) -> int:
    from ..services.screening_results import export_results_xlsx, results

    ctx = cli.session()
    if args.out:
        n = export_results_xlsx(ctx, args.campaign, Path(args.out))
        cli.error(msg(f"已导出 {n} 行到 {args.out}。", f"Exported {n} rows to {args.out}."))
        return 0
    rows = results(ctx, args.campaign)
    if args.json:
        cli.json([r.to_json() for r in rows])
    else:
        for r in rows:
            scales = score_line(r.instrument_id, {sid: (sc.raw, sc.band) for sid, sc in r.scales.items()})
            flags = "；".join(flag_name(r.instrument_id, f) for f in r.flags)
            cli.out(f"{r.student_no:<20} {r.name:<6} {r.class_label:<10} {instrument_name(r.instrument_id)}  {scales}"
                    + (f"  {flags}" if flags else ""))
    return 0


def _passphrase(cli, *, generate: bool) -> tuple[str, bool]:
    value = os.environ.get(PASS_ENV)
    if value is not None:
        return value, False
    if generate:
        from ..exchange.passphrase import generate as gen

        return gen(), True
    return cli.secret(msg("测评包口令", "Kit passphrase"), PASS_ENV), False


def run_kit(args, cli) -> int:
    from ..services.screening_lab import export_kit

    passphrase, generated = _passphrase(cli, generate=True)
    kit = export_kit(cli.session(), args.campaign, Path(args.out), passphrase)
    cli.out(msg(f"已导出机房测评包 {args.out}：{kit.students} 名学生，{len(kit.instruments)} 个量表。",
                f"Wrote lab kit {args.out}: {kit.students} students, {len(kit.instruments)} instruments."))
    if generated:
        cli.out(msg(f"口令（只显示这一次，请抄下，机房电脑打开测评包和导入结果包都要用）：{passphrase}",
                    f"Passphrase (shown once; needed on the lab PCs and to import the packs): {passphrase}"))
    return 0


def run_import_pack(args, cli) -> int:
    from ..services.screening_lab import import_pack

    passphrase, _ = _passphrase(cli, generate=False)
    report = import_pack(cli.session(), Path(args.file), passphrase)
    if args.json:
        cli.json(report.to_json())
    else:
        cli.out(report.summary())
    return 0


def run_conflicts(args, cli) -> int:
    from ..services.screening_answers import conflicts

    rows = conflicts(cli.session(), args.campaign)
    if args.json:
        cli.json([{"id": r.id, "student_no": r.student_no, "name": r.name, "class": r.class_label,
                   "instrument": r.instrument_id, "a": {"mode": r.a.mode, "source": r.a.source},
                   "b": {"mode": r.b.mode, "source": r.b.source}, "differing_items": list(r.differing_items)}
                  for r in rows])
    else:
        for r in rows:
            cli.out(f"{r.id:>4}  {r.student_no}  {r.name}  {r.class_label}  {r.instrument_id}  "
                    f"A={r.a.mode}:{r.a.source}  B={r.b.mode}:{r.b.source}  "
                    + msg(f"不同的题：{','.join(map(str, r.differing_items))}",
                          f"items differ: {','.join(map(str, r.differing_items))}"))
    return 0


def run_resolve(args, cli) -> int:
    from ..services.screening_answers import resolve_conflict

    resolve_conflict(cli.session(), args.conflict, args.keep)
    cli.out(msg("已处理。", "Resolved."))
    return 0
