"""Scoring: the engine alone (100,000 × 100) and ``xadesk score`` end to end (100,000 × 90 SCL-90 CSV).

Engine: a synthetic definition with 8 scales, reverse keys, 2% blanks, norms, bands, rules and
validity checks (``xadesk.scoring.synthetic``). Reports the engine's best-of-3 time and peak memory,
and how much faster it is than the plain-Python reference run on a slice and scaled to the full size.

End to end: a synthetic SCL-90 answer file (ids and answers 1–5, 2% blank) is scored by
``xadesk score`` in a fresh interpreter, CSV and JSON to standard output, and compared with a fresh
interpreter that only reads the same file with Python's ``csv`` module — interpreter start included
on both sides, all in the same run, with compiled bytecode available as in an installed copy. Times are the best of ``--repeat`` runs; memory is each child
process's peak resident set (``wait4``), the figure a 4 GB school PC cares about.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ..i18n import msg
from .measure import best_of, measure

# Lazy imports: start-up speed. `xadesk bench` imports every benchmark to list them; each loads the
# services it measures only when it runs.

E2E_TARGETS = {"csv_ratio_max": 5.0, "json_ratio_max": 10.0, "peak_rss_mb_max": 400.0}
HELP_ZH = "计分引擎：100,000 人 × 100 题，与逐人参考实现对比；另测 xadesk score 端到端（与 csv 模块读文件之比、峰值内存）。"


def add_arguments(parser) -> None:
    parser.add_argument("--respondents", type=int, default=100_000, help=msg("作答人数", "respondents"))
    parser.add_argument("--items", type=int, default=100, help=msg("题目数", "items"))
    parser.add_argument("--slice", type=int, default=2_000,
                        help=msg("参考实现计时所用的人数", "respondents the reference implementation is timed on"))
    parser.add_argument("--e2e-rows", type=int, default=100_000,
                        help=msg("端到端计分所用文件的行数（0 表示不测）", "rows of the end-to-end file (0 skips it)"))
    parser.add_argument("--repeat", type=int, default=3, help=msg("端到端每项运行次数", "end-to-end runs per case"))
    parser.add_argument("--json", action="store_true", help=msg("以 JSON 输出结果", "print the figures as JSON"))


def write_scl90_file(path: Path, rows: int, seed: int = 90) -> None:
    """A synthetic SCL-90 answer file in the ``xadesk score`` layout (no real person in it)."""
    rng = np.random.default_rng(seed)
    texts = np.array(["", "1", "2", "3", "4", "5"], dtype=object)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("id," + ",".join(str(i) for i in range(1, 91)) + "\n")
        for start in range(0, rows, 10_000):      # a block at a time: the bench's own memory stays small
            k = min(10_000, rows - start)
            codes = rng.choice(np.array([1, 1, 1, 2, 2, 3, 4, 5]), size=(k, 90))
            codes[rng.random((k, 90)) < 0.02] = 0
            block = texts[codes].tolist()
            fh.write("".join(f"S{start + i:06d}," + ",".join(r) + "\n" for i, r in enumerate(block)))


_CSV_READ = ("import csv, sys\n"
             "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
             "    for row in csv.reader(f):\n"
             "        pass\n")


# The cases run under this small launcher, not under the bench itself: Linux counts a child's peak
# RSS from its parent's size at the fork, and the bench process holds numpy and test data.
_LAUNCHER = """
import json, os, subprocess, sys, time
cases, repeat = json.loads(sys.argv[1]), int(sys.argv[2])
out = {name: {"wall": [], "cpu": [], "rss": []} for name in cases}
for _ in range(repeat):
    for name, argv in cases.items():
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(name + " failed")
        out[name]["wall"].append(wall)
        out[name]["cpu"].append(usage.ru_utime + usage.ru_stime)
        out[name]["rss"].append(usage.ru_maxrss / 1024.0)
print(json.dumps(out))
"""


def _measure(cases: dict[str, list[str]], repeat: int, env: dict[str, str]) -> dict:
    """Per case: wall and CPU seconds and peak RSS (MB) of every run, interleaved so that a busy
    moment on the machine hits every case alike."""
    if not hasattr(os, "wait4"):   # Windows: wall time only
        out = {name: {"wall": [], "cpu": [], "rss": []} for name in cases}
        for _ in range(repeat):
            for name, argv in cases.items():
                start = time.perf_counter()
                subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
                out[name]["wall"].append(time.perf_counter() - start)
                out[name]["cpu"].append(float("nan"))
                out[name]["rss"].append(float("nan"))
        return out
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, json.dumps(cases), str(repeat)],
                          capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or "end-to-end run failed")
    return json.loads(done.stdout)


def end_to_end(rows: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="xadesk-bench-") as tmp:
        path = Path(tmp) / "scl90.csv"
        write_scl90_file(path, rows)
        cases = {"csv_module": [sys.executable, "-c", _CSV_READ, str(path)],
                 "score_csv": [sys.executable, "-m", "xadesk.cli.main", "score", "--instrument", "scl90", str(path),
                               "--format", "csv"],
                 "score_json": [sys.executable, "-m", "xadesk.cli.main", "score", "--instrument", "scl90", str(path),
                                "--format", "json"]}
        # As an installed copy runs: with compiled bytecode (kept in the temp folder, not the source
        # tree), written by one untimed run on a two-row file. Without it every start recompiles
        # XA Desk's modules (PYTHONDONTWRITEBYTECODE, as some environments set).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        warm = Path(tmp) / "warm.csv"
        write_scl90_file(warm, 2)
        for fmt in ("csv", "json"):
            subprocess.run([sys.executable, "-m", "xadesk.cli.main", "score", "--instrument", "scl90", str(warm),
                            "--format", fmt], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
        runs = _measure(cases, max(1, repeat), env)
        size_mb = path.stat().st_size / 1e6
    best = {k: min(v["wall"]) for k, v in runs.items()}
    cpu = {k: min(v["cpu"]) for k, v in runs.items()}
    peak = {k: max(v["rss"]) for k, v in runs.items()}
    base = best["csv_module"]
    return {"rows": rows, "items": 90, "file_mb": round(size_mb, 1),
            "csv_module_seconds": round(base, 3), "csv_module_peak_rss_mb": round(peak["csv_module"], 1),
            "score_csv_seconds": round(best["score_csv"], 3), "score_csv_ratio": round(best["score_csv"] / base, 2),
            "score_csv_peak_rss_mb": round(peak["score_csv"], 1),
            "score_json_seconds": round(best["score_json"], 3),
            "score_json_ratio": round(best["score_json"] / base, 2),
            "score_json_peak_rss_mb": round(peak["score_json"], 1),
            "cpu_seconds": {k: round(v, 3) for k, v in cpu.items()},
            "cpu_ratio": {k: round(cpu[k] / cpu["csv_module"], 2) for k in ("score_csv", "score_json")},
            "repeat": repeat, "targets": E2E_TARGETS}


def run(args, cli) -> int:
    from ..scoring import score, score_one
    from ..scoring.synthetic import synthetic_answers, synthetic_definition

    e2e = end_to_end(args.e2e_rows, args.repeat) if args.e2e_rows > 0 else None

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
    if e2e is not None:
        figures["end_to_end"] = e2e
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
    if e2e is not None:
        _print_e2e(cli, e2e)
    return 0


def _print_e2e(cli, e: dict) -> None:
    t = e["targets"]
    cli.out(msg(f"端到端 xadesk score：{e['rows']:,} 人 × 90 题 SCL-90 CSV（{e['file_mb']} MB），{e['repeat']} 次取最快，"
                "均含解释器启动",
                f"End to end, xadesk score: {e['rows']:,} × 90 SCL-90 CSV ({e['file_mb']} MB), best of "
                f"{e['repeat']}, interpreter start included"))
    cli.out(msg(f"  仅用 csv 模块读取：{e['csv_module_seconds']:.2f} 秒，内存峰值 {e['csv_module_peak_rss_mb']:.0f} MB",
                f"  reading with the csv module: {e['csv_module_seconds']:.2f} s, peak RSS "
                f"{e['csv_module_peak_rss_mb']:.0f} MB"))
    for fmt, key in (("CSV", "csv"), ("JSON", "json")):
        target = t[f"{key}_ratio_max"]
        cli.out(msg(f"  输出 {fmt}：{e[f'score_{key}_seconds']:.2f} 秒 = {e[f'score_{key}_ratio']:.1f} 倍"
                    f"（目标 ≤ {target:g} 倍），内存峰值 {e[f'score_{key}_peak_rss_mb']:.0f} MB"
                    f"（目标 < {t['peak_rss_mb_max']:.0f} MB）",
                    f"  {fmt} output: {e[f'score_{key}_seconds']:.2f} s = {e[f'score_{key}_ratio']:.1f}× "
                    f"(target ≤ {target:g}×), peak RSS {e[f'score_{key}_peak_rss_mb']:.0f} MB "
                    f"(target < {t['peak_rss_mb_max']:.0f} MB)"))
    cpu, ratio = e["cpu_seconds"], e["cpu_ratio"]
    cli.out(msg(f"  CPU 时间（机器繁忙时更能说明问题）：csv 模块 {cpu['csv_module']:.2f} 秒；输出 CSV {cpu['score_csv']:.2f} 秒"
                f"（{ratio['score_csv']:.1f} 倍），输出 JSON {cpu['score_json']:.2f} 秒（{ratio['score_json']:.1f} 倍）",
                f"  CPU time (telling when the machine is busy): csv module {cpu['csv_module']:.2f} s; CSV output "
                f"{cpu['score_csv']:.2f} s ({ratio['score_csv']:.1f}×), JSON output {cpu['score_json']:.2f} s "
                f"({ratio['score_json']:.1f}×)"))
