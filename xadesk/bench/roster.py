"""Roster import: a 5,000-student xlsx parsed, validated and written to a fresh encrypted school.

Prints wall time and peak memory for each phase and for a second, idempotent import of the same
file. Run: ``xadesk bench roster [--students N]``. Uses a throw-away database in a temp folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..i18n import msg
from .measure import measure

# Lazy imports: start-up speed. `xadesk bench` imports every benchmark to list them; each loads the
# services it measures only when it runs.

HELP_ZH = "花名册导入：解析、校验 5000 名学生的 xlsx，写入新的加密数据库。"


def add_arguments(parser) -> None:
    parser.add_argument("--students", type=int, default=5000, help=msg("学生人数", "number of students"))


def run(args, cli) -> int:
    from ..domain.synthetic import bench_students, write_roster_xlsx
    from ..roster.parse import parse_roster
    from ..services.login import create_school, login
    from ..services.roster_import import import_roster

    with tempfile.TemporaryDirectory(prefix="xadesk-bench-") as tmp:
        folder = Path(tmp)
        records = bench_students(args.students)
        xlsx = folder / "roster.xlsx"
        with measure(trace_memory=False) as m_write:
            write_roster_xlsx(xlsx, records, title="基准测试学校学生名单")
        size_mb = xlsx.stat().st_size / 1e6
        # Timings without tracemalloc (it slows Python several-fold); peak memory from a second,
        # traced import into another fresh database.
        for name in ("timed", "traced"):
            create_school(folder / f"{name}.xadesk", "基准测试学校", "admin", "bench-password-1")
        ctx = login(folder / "timed.xadesk", "admin", "bench-password-1")
        try:
            with measure(trace_memory=False) as m_parse:
                parse_roster(xlsx)
            with measure(trace_memory=False) as m_import:
                plan = import_roster(ctx, xlsx)
            with measure(trace_memory=False) as m_again:
                again = import_roster(ctx, xlsx)
        finally:
            ctx.close()
        ctx = login(folder / "traced.xadesk", "admin", "bench-password-1")
        try:
            with measure() as m_mem:
                import_roster(ctx, xlsx)
        finally:
            ctx.close()
    cli.out(msg(f"名单导入基准（{len(records)} 名学生，{size_mb:.1f} MB xlsx）",
                f"Roster import benchmark ({len(records)} students)"))
    cli.out(f"  write xlsx (setup)       {m_write.seconds:6.2f} s")
    cli.out(f"  parse + validate only    {m_parse.seconds:6.2f} s")
    cli.out(f"  first import (all new)   {m_import.seconds:6.2f} s   new={len(plan.new)}  "
            f"({len(plan.new) / max(m_import.seconds, 1e-9):.0f} students/s)")
    cli.out(f"  re-import (unchanged)    {m_again.seconds:6.2f} s   unchanged={again.unchanged}")
    cli.out(f"  peak Python memory, one import (tracemalloc)  {m_mem.peak_python_mb:6.1f} MB")
    cli.out(f"  process max RSS          {m_mem.max_rss_mb:6.1f} MB")
    return 0
