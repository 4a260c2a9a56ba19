"""Class packs for a whole school: export 60 packs (one per homeroom teacher, each with its own
generated passphrase and real Argon2id parameters), then import 60 returns of 20 entries each.

Setup (not timed): a temporary school of 60 classes × 40 fictional students and 60 homeroom
teachers; the teacher side (open each pack, save 20 entries, write the return) is timed apart, as
it runs on 60 different PCs in real life. Printed: the three times and the per-pack / per-return mean.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..i18n import msg
from .measure import measure

# Lazy imports: start-up speed. `xadesk bench` imports every benchmark to list them; each loads the
# services it measures only when it runs.

PASSWORD = "bench-pass-123"


def add_arguments(parser) -> None:
    parser.add_argument("--classes", type=int, default=60, help=msg("班级数（每班一名班主任）", "number of classes"))
    parser.add_argument("--entries", type=int, default=20, help=msg("每份交回文件的记录数", "entries per return"))
    parser.add_argument("--per-class", type=int, default=40, help=msg("每班学生数", "students per class"))


def _build_school(folder: Path, classes: int, per_class: int):
    from ..domain.synthetic import generate_students
    from ..services import roles
    from ..services.accounts import RoleSpec, add_user
    from ..services.login import create_school, login, now_utc
    from ..storage.models import SchoolClass, Student

    path = folder / "school.xadesk"
    create_school(path, "西安市基准测试中学", "admin", PASSWORD, "管理员")
    admin = login(path, "admin", PASSWORD)
    grades = ("J1", "J2", "J3")
    keys = [(grades[i % 3], i // 3 + 1) for i in range(classes)]
    people = generate_students(keys, per_class=per_class, seed=14)
    stamp = now_utc()
    ids = {}
    with admin.db.write() as s:
        for g, n in keys:
            c = SchoolClass(grade_code=g, number=n, active=True)
            s.add(c)
            s.flush()
            ids[(g, n)] = c.id
        for r in people:
            s.add(Student(student_no=r.student_no, name=r.name, sex=r.sex, birth_date=r.birth_date,
                          id_number=r.id_number, class_id=ids[(r.grade_code, r.class_number)], status="enrolled",
                          created_at=stamp, updated_at=stamp))
    for i, key in enumerate(keys):
        add_user(admin, f"bzr{i}", f"班主任{i}", [RoleSpec(roles.HOMEROOM, class_id=ids[key])], PASSWORD)
    add_user(admin, "xinli", "心理老师", [RoleSpec(roles.COUNSELOR)], PASSWORD)
    admin.close()
    return path


def run(args, cli) -> int:
    from ..classpack.export import export_batch
    from ..classpack.merge import import_return
    from ..classpack.teacher import TeacherPack
    from ..services.login import login

    with tempfile.TemporaryDirectory(prefix="xadesk-bench-classpack-") as tmp:
        folder = Path(tmp)
        cli.out(msg(f"准备 {args.classes} 个班、每班 {args.per_class} 名学生…", "Setting up…"))
        path = _build_school(folder, args.classes, args.per_class)
        counselor = login(path, "xinli", PASSWORD)
        try:
            with measure(trace_memory=False) as m:
                batch = export_batch(counselor, folder / "packs")
            n = len(batch.packs)
            cli.out(msg(f"导出 {n} 个班级包（含口令条 PDF）：{m.seconds:.1f} 秒，平均每个 {m.seconds / n:.2f} 秒",
                        f"Exported {n} packs: {m.seconds:.1f} s ({m.seconds / n:.2f} s each)"))
            returns = []
            with measure(trace_memory=False) as mt:
                for i, p in enumerate(batch.packs):
                    tp = TeacherPack.open(p.path, p.passphrase or "")
                    nos = sorted(tp.student_numbers())
                    for k in range(args.entries):
                        no = nos[k % len(nos)]
                        if k % 5 == 4:
                            tp.add_home_visit(no, visitors=tp.teacher_name, present="母亲", text="家庭关系和睦。")
                        else:
                            tp.add_observation(no, category="mood", text=f"课间独处，情绪一般（{k}）。")
                    out = folder / f"return-{i}.xadx"
                    tp.write_return(out)
                    returns.append((out, p.passphrase or ""))
            cli.out(msg(f"班主任端（{n} 个包，各记 {args.entries} 条并生成交回文件）：{mt.seconds:.1f} 秒",
                        f"Teacher side ({n} packs × {args.entries} entries + return): {mt.seconds:.1f} s"))
            added = 0
            with measure(trace_memory=False) as mi:
                for out, phrase in returns:
                    added += import_return(counselor, out, phrase).added_total
            cli.out(msg(f"导入 {len(returns)} 份交回文件（新增 {added} 条记录）：{mi.seconds:.1f} 秒，"
                        f"平均每份 {mi.seconds / len(returns):.2f} 秒",
                        f"Imported {len(returns)} returns ({added} records): {mi.seconds:.1f} s"))
        finally:
            counselor.close()
    return 0
