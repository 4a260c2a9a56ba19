"""Scoring engine: 100,000 respondents × 100 items, against the per-respondent reference.

A synthetic definition with 8 scales, reverse keys, 2% blanks, norms, bands, rules and validity checks
(``xadesk.scoring.synthetic``). Reports the engine's best-of-3 time and peak memory, and how much
faster it is than the plain-Python reference run on a slice and scaled to the full size.
"""

from __future__ import annotations

import time

from ..i18n import msg
from .measure import best_of, measure

HELP_ZH = "计分引擎：100,000 人 × 100 题，与逐人参考实现对比。"


def add_arguments(parser) -> None:
    parser.add_argument("--respondents", type=int, default=100_000, help=msg("作答人数", "respondents"))
    parser.add_argument("--items", type=int, default=100, help=msg("题目数", "items"))
    parser.add_argument("--slice", type=int, default=2_000,
                        help=msg("参考实现计时所用的人数", "respondents the reference implementation is timed on"))
    parser.add_argument("--json", action="store_true", help=msg("以 JSON 输出结果", "print the figures as JSON"))


def run(args, cli) -> int:
    from ..scoring import score, score_one
    from ..scoring.synthetic import synthetic_answers, synthetic_definition

    defn = synthetic_definition(args.items)
    x, seconds, grades, sexes = synthetic_answers(defn, args.respondents)

    def engine():
        return score(defn, x, seconds=seconds, grades=grades, sexes=sexes)

    engine()  # warm-up: imports and first-touch page faults are not the engine's steady cost
    seconds_engine = best_of(engine, repeat=3)
    with measure() as mem:
        result = engine()

    k = min(args.slice, args.respondents)
    rows = [list(r) for r in x[:k]]
    start = time.perf_counter()
    for i in range(k):
        score_one(defn, rows[i], seconds=float(seconds[i]), grade=int(grades[i]), sex=str(sexes[i]))
    seconds_ref_slice = time.perf_counter() - start
    seconds_ref = seconds_ref_slice * args.respondents / k

    figures = {
        "respondents": args.respondents, "items": defn.n_items, "scales": len(defn.scales),
        "engine_seconds": round(seconds_engine, 4),
        "engine_peak_mb": round(mem.peak_python_mb, 1),
        "process_max_rss_mb": round(mem.max_rss_mb, 1),
        "reference_slice": k,
        "reference_seconds_scaled": round(seconds_ref, 2),
        "speedup": round(seconds_ref / seconds_engine, 1),
        "valid_share": round(float(result.valid.mean()), 4),
        "targets": {"engine_seconds_max": 0.5, "speedup_min": 20},
    }
    if args.json:
        cli.json(figures)
        return 0
    cli.out(msg(f"计分引擎：{args.respondents:,} 人 × {defn.n_items} 题，{len(defn.scales)} 个分量表/指数",
                f"Scoring engine: {args.respondents:,} respondents × {defn.n_items} items, {len(defn.scales)} scales/indices"))
    cli.out(msg(f"  用时（3 次取最快）：{seconds_engine:.3f} 秒（目标 ≤ 0.5 秒）",
                f"  time (best of 3): {seconds_engine:.3f} s (target ≤ 0.5 s)"))
    cli.out(msg(f"  内存峰值：{mem.peak_python_mb:.1f} MB（进程最大常驻 {mem.max_rss_mb:.0f} MB）",
                f"  peak memory: {mem.peak_python_mb:.1f} MB (process max RSS {mem.max_rss_mb:.0f} MB)"))
    cli.out(msg(f"  逐人参考实现：{k:,} 人用时 {seconds_ref_slice:.2f} 秒，折算全部 {seconds_ref:.1f} 秒",
                f"  per-respondent reference: {seconds_ref_slice:.2f} s for {k:,}, scaled {seconds_ref:.1f} s"))
    cli.out(msg(f"  加速比：{seconds_ref / seconds_engine:.0f} 倍（目标 ≥ 20 倍）",
                f"  speed-up: {seconds_ref / seconds_engine:.0f}× (target ≥ 20×)"))
    return 0
