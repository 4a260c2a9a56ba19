"""Backup: snapshot, verify and restore of the demo school and of a 5,000-student school; and the key
rotation offered after an account is disabled (copy under the new key, page check, swap)."""

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

PASSWORD = "bench-password-1"


def add_arguments(parser) -> None:
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--json", action="store_true")


def _big_school(folder: Path, n: int) -> tuple[Path, str]:
    from ..domain.synthetic import bench_students
    from ..scoring.synthetic import synthetic_answers, synthetic_definition
    from ..services import roles
    from ..services.accounts import RoleSpec, add_user
    from ..services.campaigns import create_campaign
    from ..services.instruments import add_definition
    from ..services.login import create_school, login
    from ..services.roster_import import import_records
    from ..services.screening_import import import_survey

    db = folder / "big.xadesk"
    created = create_school(db, "基准测试学校", "admin", PASSWORD)
    admin = login(db, "admin", PASSWORD)
    records = bench_students(n)
    try:
        import_records(admin, records, "bench")
        add_user(admin, "xinli", "心理老师", [RoleSpec(roles.COUNSELOR)], PASSWORD)
    finally:
        admin.close()
    ctx = login(db, "xinli", PASSWORD)
    try:
        defn = synthetic_definition(100)
        add_definition(ctx, defn.to_dict())
        info = create_campaign(ctx, "基准测评", [defn.id], grades=sorted({r.grade_code for r in records}),
                               open_now=True)
        x, _, _, _ = synthetic_answers(defn, len(records))
        answers = folder / "answers.csv"
        with answers.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(csv_row(["id", *[str(j + 1) for j in range(x.shape[1])]]))
            for r, row in zip(records, x, strict=True):
                w.writerow(csv_row([r.student_no, *["" if math.isnan(v) else str(int(v)) for v in row]]))
        import_survey(ctx, info.id, answers)
    finally:
        ctx.close()
    return db, created.recovery_key


def _one(db: Path, folder: Path, password: str, recovery_key: str) -> dict:
    from ..backup.service import Secret, create_backup, restore_backup, verify_backup
    from ..keys.rotation import rotate
    from ..services.login import login

    ctx = login(db, "admin", password)
    try:
        with measure(trace_memory=False) as m_create:
            info = create_backup(ctx, folder / "backups")
    finally:
        ctx.close()
    with measure(trace_memory=False) as m_quick:
        verify_backup(info.path)
    with measure(trace_memory=False) as m_full:
        verify_backup(info.path, Secret("admin", password))
    with measure(trace_memory=False) as m_restore:
        restore_backup(info.path, folder / f"restored-{db.name}", Secret("admin", password))
    ctx = login(db, "admin", password)
    try:
        with measure(trace_memory=False) as m_rotate:
            rotate(ctx, recovery_key)
    finally:
        ctx.close()
    return {"database_mb": round(db.stat().st_size / 1e6, 2), "backup_mb": round(info.size / 1e6, 2),
            "create_seconds": round(m_create.seconds, 3), "verify_quick_seconds": round(m_quick.seconds, 3),
            "verify_full_seconds": round(m_full.seconds, 3), "restore_seconds": round(m_restore.seconds, 3),
            "rotate_seconds": round(m_rotate.seconds, 3), "max_rss_mb": round(m_restore.max_rss_mb, 1)}


def run(args, cli) -> int:
    from ..demo import DEMO_PASSWORD, build_demo

    with tempfile.TemporaryDirectory(prefix="xadesk-bench-") as tmp:
        folder = Path(tmp)
        demo = folder / "demo.xadesk"
        made = build_demo(demo, DEMO_PASSWORD)  # the demo's own steps log in with the demo password
        figures = {"demo": _one(demo, folder, DEMO_PASSWORD, made.recovery_key)}
        big, recovery_key = _big_school(folder, args.students)
        figures[f"school_{args.students}"] = _one(big, folder, PASSWORD, recovery_key)
    if args.json:
        cli.json(figures)
        return 0
    for name, f in figures.items():
        label = msg("示例学校（约 1,200 名学生）", "demo school (~1,200 students)") if name == "demo" else msg(
            f"{args.students:,} 名学生的学校（含 100 题测评）", f"{args.students:,}-student school (100-item screening)")
        cli.out(label)
        cli.out(msg(f"  数据库 {f['database_mb']} MB，备份文件 {f['backup_mb']} MB",
                    f"  database {f['database_mb']} MB, backup {f['backup_mb']} MB"))
        cli.out(msg(f"  备份 {f['create_seconds']:.2f} 秒；不用密码检查 {f['verify_quick_seconds']:.2f} 秒；"
                    f"完整检查 {f['verify_full_seconds']:.2f} 秒；还原 {f['restore_seconds']:.2f} 秒",
                    f"  backup {f['create_seconds']:.2f} s; quick verify {f['verify_quick_seconds']:.2f} s; "
                    f"full verify {f['verify_full_seconds']:.2f} s; restore {f['restore_seconds']:.2f} s"))
        cli.out(msg(f"  更换数据库密钥（轮换）{f['rotate_seconds']:.2f} 秒",
                    f"  database key rotation {f['rotate_seconds']:.2f} s"))
    return 0
