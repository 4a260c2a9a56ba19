"""Transfer files for a graduating grade: export N students' files with their PDFs, then import them.

Setup (not timed): a temporary school with N fictional 九年级 students, each with a handful of
records of every kind, special-group tags, a counselling consent for one in ten, and a stand-in
screening section with two scales over three years (so every PDF draws a chart). Counselling
notes are written by a counselor through ``records.add_counselling``, sealed as in a real school. Timed: the batch
export (one passphrase, real Argon2id parameters: derived once for the batch), and the import of
every file at a second school. Target: 500 students exported in ≤ 60 s on a 2-core machine.
"""

from __future__ import annotations

import random
import tempfile
import uuid
from datetime import date, timedelta
from pathlib import Path

from ..i18n import msg
from .measure import measure

# Lazy imports: start-up speed. `xadesk bench` imports every benchmark to list them; each loads the
# services it measures only when it runs.

PASSWORD = "bench-pass-123"


HELP_ZH = "毕业年级的转出文件：导出 N 名学生的档案文件及 PDF，再导入。"


def add_arguments(parser) -> None:
    parser.add_argument("--students", type=int, default=500, help=msg("学生人数", "number of students"))
    parser.add_argument("--no-import", action="store_true", help=msg("不测导入", "skip the import"))
    parser.add_argument("--keep", metavar="DIR", help=msg("保留生成的文件到此文件夹", "keep the files here"))


def _screenings(session, student_id: int, edition: str) -> dict:
    rng = random.Random(student_id)
    points = {"PHQ-9": [], "GAD-7": []}
    items = []
    for year in (2024, 2025, 2026):
        day = date(year, 10, 10).isoformat()
        phq, gad = rng.randint(0, 20), rng.randint(0, 16)
        points["PHQ-9"].append([day, phq])
        points["GAD-7"].append([day, gad])
        items.append({"date": day, "title": f"PHQ-9 {phq}分，GAD-7 {gad}分", "text": "第一学期心理健康筛查"})
    return {"summary": f"共 {len(items)} 次筛查。", "items": items,
            "series": [{"name": k, "points": v} for k, v in points.items()]}


def build_school(folder: Path, count: int) -> Path:
    """The bench school at ``folder/a.xadesk`` (admin and counselor "xinli", password :data:`PASSWORD`)."""
    from ..domain.synthetic import generate_students
    from ..services import roles
    from ..services.accounts import RoleSpec, add_user
    from ..services.login import create_school, login, now_utc
    from ..services.records import add_counselling
    from ..storage.models import SchoolClass, Student, StudentTag
    from ..storage.models_archive import ArchiveConsent, ArchiveRecord

    path = folder / "a.xadesk"
    create_school(path, "西安市基准测试中学", "admin", PASSWORD, "管理员")
    admin = login(path, "admin", PASSWORD)
    classes = [("J3", n) for n in range(1, -(-count // 50) + 1)]
    people = generate_students(classes, per_class=50, seed=6)[:count]
    rng = random.Random(7)
    stamp = now_utc()
    texts = ["课间常独处，情绪低落。", "与同学发生争执后主动和解。", "上课注意力不集中，作业拖欠。", "近期睡眠不好，精神欠佳。"]
    sessions: list[tuple[int, date, str]] = []   # (student, day, notes): written by the counselor below
    with admin.db.write() as s:
        ids = {}
        for g, n in classes:
            c = SchoolClass(grade_code=g, number=n, active=True)
            s.add(c)
            s.flush()
            ids[(g, n)] = c.id
        for i, r in enumerate(people):
            st = Student(student_no=r.student_no, name=r.name, sex=r.sex, birth_date=r.birth_date,
                         id_number=r.id_number, class_id=ids[(r.grade_code, r.class_number)], status="enrolled",
                         created_at=stamp, updated_at=stamp)
            s.add(st)
            s.flush()
            for tag in sorted(r.tags or ()):
                s.add(StudentTag(student_id=st.id, tag=tag, set_on=date(2024, 9, 1)))
            base = date(2024, 9, 1)
            for k, (kind, cat, sev) in enumerate([("observation", "mood", "attention"), ("observation", "peer", "info"),
                                                  ("home_visit", None, None), ("parent_contact", "phone", None),
                                                  ("counselling", "individual", None), ("strength", "award", None),
                                                  ("strength", "good_moment", None), ("life_event", "other", None)]):
                day = base + timedelta(days=rng.randrange(600))
                if kind == "counselling":
                    sessions.append((st.id, day, texts[(i + k) % len(texts)]))
                    continue
                s.add(ArchiveRecord(uuid=str(uuid.uuid4()), student_id=st.id, kind=kind,
                                    occurred_on=day, category=cat, severity=sev,
                                    text=texts[(i + k) % len(texts)], visitors="班主任" if kind == "home_visit" else None,
                                    present="母亲" if kind == "home_visit" else None, author_name="王老师",
                                    created_at=stamp))
            if i % 10 == 0:
                s.add(ArchiveConsent(uuid=str(uuid.uuid4()), student_id=st.id, basis_kind="guardian_consent",
                                     recorded_on=date(2026, 6, 1), given_by="母亲", basis="书面同意",
                                     recorded_by_name="心理老师", created_at=stamp))
    add_user(admin, "xinli", "心理老师", [RoleSpec(roles.COUNSELOR)], PASSWORD)
    admin.close()
    # Counselling notes go through the service that seals them under the counselling key (and audits
    # them), as a counselor writes them: never as plaintext rows left for the next login to encrypt.
    counselor = login(path, "xinli", PASSWORD)
    try:
        for student_id, day, notes in sessions:
            add_counselling(counselor, student_id, text=notes, session_type="individual", day=day, today=stamp.date())
    finally:
        counselor.close()
    return path


def run(args, cli) -> int:
    from ..archive import transfer
    from ..archive.document import register_section, unregister_section
    from ..exchange import ExchangeKey
    from ..exchange.passphrase import generate
    from ..services.login import create_school, login
    from ..services.roster import resolve_class
    from ..storage.models import SchoolClass

    count = args.students
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep) if args.keep else Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        cli.out(msg(f"准备 {count} 名学生的示例数据…", f"Setting up {count} students…"))
        path = build_school(root, count)
        register_section("screenings", _screenings, title=("心理测评", "screenings"), order=10)
        ctx = login(path, "xinli", PASSWORD)
        try:
            ids = transfer.batch_students(ctx, "九年级")
            phrase = generate()
            with measure(trace_memory=False) as m:
                result = transfer.export_batch(ctx, ids, root / "out", passphrase=phrase)
            sizes = [f.path.stat().st_size for f in result.files]
            cli.out(msg(f"导出 {len(result.files)} 个转移文件（含 PDF）：{m.seconds:.1f} 秒，"
                        f"每个 {1000 * m.seconds / len(result.files):.0f} 毫秒；"
                        f"文件平均 {sum(sizes) / len(sizes) / 1024:.0f} KB，共 {sum(sizes) / 1e6:.1f} MB；"
                        f"进程内存峰值 {m.max_rss_mb:.0f} MB",
                        f"Exported {len(result.files)} transfer files with PDFs: {m.seconds:.1f} s, "
                        f"{1000 * m.seconds / len(result.files):.0f} ms each; mean file {sum(sizes) / len(sizes) / 1024:.0f} KB, "
                        f"total {sum(sizes) / 1e6:.1f} MB; peak RSS {m.max_rss_mb:.0f} MB"))
        finally:
            ctx.close()
            unregister_section("screenings")
        if not args.no_import:
            b_path = root / "b.xadesk"
            create_school(b_path, "西安市基准测试高中", "admin", PASSWORD)
            b = login(b_path, "admin", PASSWORD)
            try:
                with b.db.write() as s:
                    s.add(SchoolClass(grade_code="S1", number=1, active=True))
                from ..services import roles
                from ..services.accounts import RoleSpec, add_user

                add_user(b, "xl", "心理老师", [RoleSpec(roles.COUNSELOR)], PASSWORD)
            finally:
                b.close()
            bc = login(b_path, "xl", PASSWORD)
            try:
                with bc.db.read() as s:
                    class_id = resolve_class(s, "高一(1)班").id
                key = ExchangeKey(phrase)
                with measure(trace_memory=False) as m2:
                    added = sum(transfer.import_transfer(bc, f.path, key, class_=class_id).records_new
                                for f in result.files)
                cli.out(msg(f"在另一所学校导入 {len(result.files)} 个文件（{added} 条记录）：{m2.seconds:.1f} 秒，"
                            f"每个 {1000 * m2.seconds / len(result.files):.0f} 毫秒",
                            f"Imported {len(result.files)} files ({added} records) at another school: "
                            f"{m2.seconds:.1f} s, {1000 * m2.seconds / len(result.files):.0f} ms each"))
            finally:
                bc.close()
    return 0
