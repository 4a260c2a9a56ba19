"""Screening campaign: 3,000 students × 100 answers imported, scored and stored (target ≤ 10 s).

A fresh encrypted school with ``--students`` synthetic students, the synthetic 100-item instrument
(8 scales, norms, bands, rules, validity checks) stored as a school definition, one open campaign,
and an answer file in the ``xadesk score`` layout. Times the import (read, match, store, score,
store scores per scale, audit) as one call, then the same file again (nothing changes), and reads
the results back. Run: ``xadesk bench campaign [--students N] [--json]``.
"""

from __future__ import annotations

import csv
import math
import tempfile
from pathlib import Path

from ..i18n import msg
from ..sheets import csv_row
from .measure import measure

# Lazy imports: start-up speed. `xadesk bench` imports every benchmark to list them; each loads the
# services it measures only when it runs.

HELP_ZH = "测评活动：3000 名学生 × 100 题的作答导入、计分并保存（目标 ≤ 10 秒）。"


def add_arguments(parser) -> None:
    parser.add_argument("--students", type=int, default=3000, help=msg("学生人数", "number of students"))
    parser.add_argument("--json", action="store_true", help=msg("以 JSON 输出结果", "print the figures as JSON"))


def _write_answers(path: Path, student_nos: list[str], x) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(csv_row(["id", *[str(j + 1) for j in range(x.shape[1])]]))
        for no, row in zip(student_nos, x, strict=True):
            w.writerow(csv_row([no, *["" if math.isnan(v) else str(int(v)) for v in row]]))


def run(args, cli) -> int:
    from ..domain.synthetic import bench_students
    from ..scoring.synthetic import synthetic_answers, synthetic_definition
    from ..services import roles
    from ..services.accounts import RoleSpec, add_user
    from ..services.campaigns import create_campaign
    from ..services.instruments import add_definition
    from ..services.login import create_school, login
    from ..services.roster_import import import_records
    from ..services.screening_import import import_survey
    from ..services.screening_results import results

    password = "bench-password-1"
    with tempfile.TemporaryDirectory(prefix="xadesk-bench-") as tmp:
        folder = Path(tmp)
        db = folder / "campaign.xadesk"
        create_school(db, "基准测试学校", "admin", password)
        admin = login(db, "admin", password)
        records = bench_students(args.students)
        try:
            import_records(admin, records, "bench")
            add_user(admin, "xinli", "心理老师", [RoleSpec(roles.COUNSELOR)], password)
        finally:
            admin.close()
        ctx = login(db, "xinli", password)
        try:
            defn = synthetic_definition(100)
            add_definition(ctx, defn.to_dict())
            grades = sorted({r.grade_code for r in records})
            info = create_campaign(ctx, "基准测评", [defn.id], grades=grades, open_now=True)
            x, _, _, _ = synthetic_answers(defn, len(records))
            answers = folder / "answers.csv"
            _write_answers(answers, [r.student_no for r in records], x)
            with measure(trace_memory=False) as m_first:
                first = import_survey(ctx, info.id, answers)
            with measure(trace_memory=False) as m_again:
                again = import_survey(ctx, info.id, answers)
            with measure(trace_memory=False) as m_read:
                rows = results(ctx, info.id)
        finally:
            ctx.close()
        size_mb = db.stat().st_size / 1e6
    n_answers = int((~__import__("numpy").isnan(x)).sum())
    figures = {
        "students": len(records), "items": defn.n_items, "scales": len(defn.scales), "answers": n_answers,
        "import_seconds": round(m_first.seconds, 3), "responses_added": first.total.added,
        "reimport_seconds": round(m_again.seconds, 3), "reimport_unchanged": again.total.unchanged,
        "results_read_seconds": round(m_read.seconds, 3), "results_rows": len(rows),
        "database_mb": round(size_mb, 1), "process_max_rss_mb": round(m_read.max_rss_mb, 1),
        "targets": {"import_seconds_max": 10.0},
    }
    if args.json:
        cli.json(figures)
        return 0
    cli.out(msg(f"测评导入基准：{len(records):,} 名学生 × {defn.n_items} 题（{n_answers:,} 个作答，{len(defn.scales)} 个分量表）",
                f"Campaign import: {len(records):,} students × {defn.n_items} items ({n_answers:,} answers, "
                f"{len(defn.scales)} scales)"))
    cli.out(msg(f"  导入 + 计分 + 保存：{m_first.seconds:.2f} 秒（目标 ≤ 10 秒），新增 {first.total.added} 份",
                f"  import + score + store: {m_first.seconds:.2f} s (target ≤ 10 s), {first.total.added} responses"))
    cli.out(msg(f"  再次导入同一文件：{m_again.seconds:.2f} 秒，未变 {again.total.unchanged} 份",
                f"  same file again: {m_again.seconds:.2f} s, {again.total.unchanged} unchanged"))
    cli.out(msg(f"  读取结果：{m_read.seconds:.2f} 秒，{len(rows)} 行",
                f"  read results: {m_read.seconds:.2f} s, {len(rows)} rows"))
    cli.out(msg(f"  数据库 {size_mb:.1f} MB，进程最大常驻 {m_read.max_rss_mb:.0f} MB",
                f"  database {size_mb:.1f} MB, process max RSS {m_read.max_rss_mb:.0f} MB"))
    return 0
