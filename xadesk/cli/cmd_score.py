"""``xadesk score --instrument ID FILE``: score a file of answers, stateless (no database, no login)."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from ..errors import NotFound, UserError
from ..i18n import msg
from ..sheets import csv_row


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

    if ref in builtin_ids():
        return load_builtin(ref)
    if ref.lower().endswith(".json") and Path(ref).is_file():
        return load_definition_file(ref)
    raise NotFound(f"没有编号为“{ref}”的量表（内置：{'、'.join(builtin_ids())}）。",
                   f"No instrument {ref!r} (built in: {', '.join(builtin_ids())}).")


def run(args, cli) -> int:
    from ..scoring import score
    from ..scoring.answer_file import read_answer_file

    defn = resolve_instrument(args.instrument)
    table = read_answer_file(args.file, defn)
    result = score(defn, table.answers, seconds=table.seconds, grades=table.grades, sexes=table.sexes)
    rows = [_row(table.ids[i], result, i, args.explain) for i in range(result.n)]
    fmt = args.format or ("csv" if args.out and args.out.lower().endswith(".csv") else "json")
    text = _as_csv(defn, result, rows) if fmt == "csv" else json.dumps(rows, ensure_ascii=False, indent=2)
    if args.out:
        _write(Path(args.out), text, fmt)
        cli.error(msg(f"已计分 {result.n} 人，结果写入 {args.out}（量表 {defn.id} 第 {defn.version} 版）。",
                      f"Scored {result.n} respondent(s) into {args.out} ({defn.id} version {defn.version})."))
    else:
        cli.out(text.rstrip("\n"))
    return 0


def _row(rid: str, result, i: int, explain: bool) -> dict:
    data = result.per_respondent(i)
    scales = {}
    for sid, s in data["scales"].items():
        entry = {"raw": _round(s["raw"], 4), "t": _round(s["t"], 2), "band": s["band"]}
        if s["percentile"] is not None:
            entry["percentile"] = _round(s["percentile"], 2)
        if explain:
            entry["rule"] = s["rule"]
        scales[sid] = entry
    out = {"id": rid, "valid": data["valid"], "scales": scales, "flags": data["flags"]}
    if explain:
        out["definition"] = data["definition"]
    return out


def _round(x, places: int):
    if x is None or isinstance(x, int):
        return x
    r = round(x, places)
    return int(r) if float(r).is_integer() else r


def _as_csv(defn, result, rows: list[dict]) -> str:
    has_t = {n.scale for n in defn.norms if n.kind == "t"}
    has_p = {n.scale for n in defn.norms if n.kind == "percentile"}
    explain = bool(rows) and "rule" in next(iter(rows[0]["scales"].values()), {})
    head = ["id", "valid"]
    for sid in defn.scale_ids:
        head += [f"{sid}_raw"] + ([f"{sid}_t"] if sid in has_t else []) + ([f"{sid}_percentile"] if sid in has_p else [])
        head += [f"{sid}_band"] + ([f"{sid}_rule"] if explain else [])
    head.append("flags")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(csv_row(head))
    for r in rows:
        line = [r["id"], "true" if r["valid"] else "false"]
        for sid in defn.scale_ids:
            s = r["scales"][sid]
            line.append(_cell(s["raw"]))
            if sid in has_t:
                line.append(_cell(s["t"]))
            if sid in has_p:
                line.append(_cell(s.get("percentile")))
            line.append(s["band"] or "")
            if explain:
                line.append(s["rule"])
        line.append(";".join(r["flags"]))
        w.writerow(csv_row(line))
    return buf.getvalue()


def _cell(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return str(x)


def _write(path: Path, text: str, fmt: str) -> None:
    from ..storage.atomic import atomic_write_bytes

    # A BOM lets Excel on Chinese Windows open the CSV as UTF-8 rather than GBK.
    data = ("\ufeff" + text if fmt == "csv" else text).encode("utf-8")
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise UserError(f"无法写入 {path}：{exc.strerror or exc}", f"Cannot write {path}: {exc.strerror or exc}") from None
