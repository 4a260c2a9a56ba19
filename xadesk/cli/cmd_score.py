"""``xadesk score --instrument ID FILE``: score a file of answers, stateless (no database, no login)."""

from __future__ import annotations

import io
from pathlib import Path

from ..errors import NotFound, UserError
from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).


def register(subparsers) -> None:
    p = subparsers.add_parser("score", help=msg("对答卷文件计分（不需要数据库）", "score a file of answers (no database)"),
                              description=msg(
                                  "FILE 为 CSV（UTF-8 或 GB18030）或 xlsx：第一列 id，其后每题一列，表头为题号 1…N 或题目编号；"
                                  "单元格填写问卷上印的选项分值，空白表示未作答。可选列：seconds（用时）、grade（年级）、sex（性别）。",
                                  "FILE is CSV (UTF-8 or GB18030) or xlsx: first column id, then one column per item headed "
                                  "1…N or by item id; cells hold option values as printed on the form; blank = missing. "
                                  "Optional columns: seconds, grade, sex."))
    p.add_argument("--instrument", required=True, metavar="ID",
                   help=msg("量表编号（如 phq9），或一个量表定义文件 .json", "instrument id (e.g. phq9) or a definition .json file"))
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", choices=("csv", "json"), default=None,
                   help=msg("输出格式（默认 json；--out 以 .csv 结尾时为 csv）", "output format (default json; csv when --out ends in .csv)"))
    p.add_argument("--out", metavar="FILE", help=msg("写入文件（默认输出到屏幕）", "write to this file (default: standard output)"))
    p.add_argument("--explain", action="store_true",
                   help=msg("同时输出每个分数所用的规则", "also give the rule behind each score"))
    p.set_defaults(func=run)


def resolve_instrument(ref: str):
    from ..instruments import builtin_ids, load_builtin, load_definition_file
    from ..instruments.loader import refuse_builtin_id

    if ref in builtin_ids():
        return load_builtin(ref)
    if ref.lower().endswith(".json") and Path(ref).is_file():
        defn = load_definition_file(ref)
        refuse_builtin_id(defn, allow_identical=True)
        return defn
    raise NotFound(f"没有编号为“{ref}”的量表（内置：{'、'.join(builtin_ids())}）。",
                   f"No instrument {ref!r} (built in: {', '.join(builtin_ids())}).")


# Respondents scored and written per slice: keeps the engine's temporaries and the output text of one
# slice (a few tens of MB for SCL-90) in memory, not the whole file's.
SLICE = 16_384


def run(args, cli) -> int:
    from ..answers.reader import read_answers
    from ..scoring import score
    from ..scoring.output import ScoreWriter

    defn = resolve_instrument(args.instrument)
    table = read_answers(args.file, [defn], instrument=defn.id, action="score")
    answers = table.answers[defn.id]
    fmt = args.format or ("csv" if args.out and args.out.lower().endswith(".csv") else "json")

    def emit(stream) -> None:
        writer = ScoreWriter(defn, fmt, stream, explain=args.explain)
        writer.begin()
        for a in range(0, table.n, SLICE):
            b = min(a + SLICE, table.n)
            result = score(defn, answers[a:b],
                           seconds=None if table.seconds is None else table.seconds[a:b],
                           grades=None if table.grades is None else table.grades[a:b],
                           sexes=None if table.sexes is None else table.sexes[a:b],
                           check_values=False)   # the reader has checked every cell against its options
            writer.write(table.ids[a:b], result)
        writer.end()

    if args.out:
        _write(Path(args.out), emit, fmt)
        cli.error(msg(f"已计分 {table.n} 人，结果写入 {args.out}（量表 {defn.id} 第 {defn.version} 版）。",
                      f"Scored {table.n} respondent(s) into {args.out} ({defn.id} version {defn.version})."))
    else:
        emit(cli.stdout())
    return 0


def _write(path: Path, emit, fmt: str) -> None:
    from ..storage.atomic import atomic_writer

    try:
        with atomic_writer(path) as fh:
            # A BOM lets Excel on Chinese Windows open the CSV as UTF-8 rather than GBK.
            stream = io.TextIOWrapper(fh, encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="",
                                      write_through=False)
            emit(stream)
            stream.flush()
            stream.detach()
    except OSError as exc:
        raise UserError(f"无法写入 {path}：{exc.strerror or exc}", f"Cannot write {path}: {exc.strerror or exc}") from None
