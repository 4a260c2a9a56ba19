"""Item answers as counselling content: the one-off sealing of answers stored before it, and opening
a whole campaign's answers for a rescore.

A fresh encrypted school with ``--students`` students and ``--campaigns`` closed campaigns of two
10-item instruments each (5,000 × 20 × 2 = 200,000 responses by default), stored in plaintext the
way a school upgraded from 0011 has them, with the marker migration 0012 sets. Times
``answers.seal_pending`` (what the first key-holding login runs, in batches of its own
transactions), then opening every answer and seconds value of one campaign (a rescore's read) and
of all of them. Run: ``xadesk bench answers [--students N] [--campaigns N] [--json]``.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from ..i18n import msg
from .measure import measure

# Lazy imports: start-up speed. `xadesk bench` imports every benchmark to list them; each loads the
# services it measures only when it runs.

HELP_ZH = "每题答案加密：升级前作答的一次性加密（默认 20 万份），以及一次活动的批量解密。"


def add_arguments(parser) -> None:
    parser.add_argument("--students", type=int, default=5000, help=msg("学生人数", "number of students"))
    parser.add_argument("--campaigns", type=int, default=20, help=msg("测评活动数", "number of campaigns"))
    parser.add_argument("--json", action="store_true", help=msg("以 JSON 输出结果", "print the figures as JSON"))


def run(args, cli) -> int:
    from sqlalchemy import select, text

    from ..compartment import answers
    from ..domain.synthetic import bench_students
    from ..screening.battery import dumps
    from ..services import roles
    from ..services.accounts import RoleSpec, add_user
    from ..services.login import create_school, login
    from ..services.roster_import import import_records
    from ..storage.models import Student
    from ..storage.models_screening import ScreeningResponse

    password = "bench-password-1"
    rng = random.Random(10)
    with tempfile.TemporaryDirectory(prefix="xadesk-bench-") as tmp:
        db_path = Path(tmp) / "answers.xadesk"
        create_school(db_path, "基准测试学校", "admin", password)
        admin = login(db_path, "admin", password)
        try:
            import_records(admin, bench_students(args.students), "bench")
            add_user(admin, "xinli", "心理老师", [RoleSpec(roles.COUNSELOR)], password)
        finally:
            admin.close()
        ctx = login(db_path, "xinli", password)   # makes the counselling key
        key = ctx.counselling_key
        try:
            with ctx.db.write() as s:
                ids = list(s.scalars(select(Student.id)))
                for c in range(args.campaigns):
                    s.execute(text(
                        "INSERT INTO campaign(uuid, name, school_year, semester, purpose, status, modes, "
                        "consent_notes, target_json, created_at) VALUES (:u, :n, '2025-2026', 1, 'general', "
                        "'closed', 'kiosk', '', '{}', '2025-09-01 08:00:00')"), {"u": f"bench-{c}", "n": f"活动{c}"})
                rows = [{"c": c + 1, "s": sid, "i": iid, "a": dumps([rng.randint(0, 3) for _ in range(10)]),
                         "t": dumps([round(rng.uniform(1, 9), 1) for _ in range(10)])}
                        for c in range(args.campaigns) for sid in ids for iid in ("phq9", "gad7")]
                s.execute(text(
                    "INSERT INTO screening_response(campaign_id, student_id, instrument_id, definition_version, "
                    "status, mode, source, answers_json, seconds_json, started_at, updated_at, completed_at) "
                    "VALUES (:c, :s, :i, 1, 'completed', 'kiosk', 'PC', :a, :t, '2025-09-10 02:00:00', "
                    "'2025-09-10 02:05:00', '2025-09-10 02:05:00')"), rows)
                answers.mark_pending(s)
            n_rows = len(rows)
            del rows
            with measure(trace_memory=False) as m_seal:
                sealed = answers.seal_pending(ctx.db, key)
            with ctx.db.read() as s:
                with measure(trace_memory=False) as m_one:
                    k = answers.Codec(s, key)
                    one = s.execute(select(ScreeningResponse).where(ScreeningResponse.campaign_id == 1)).scalars().all()
                    for r in one:
                        row = answers.response_row(r.campaign_id, r.student_id, r.instrument_id)
                        k.need(answers.RESPONSE, row, "answers_json", r.answers_json, "", "")
                        k.need(answers.RESPONSE, row, "seconds_json", r.seconds_json, "", "")
                with measure(trace_memory=False) as m_all:
                    k = answers.Codec(s, key)
                    n_open = 0
                    for cid, sid, iid, a in s.execute(select(ScreeningResponse.campaign_id, ScreeningResponse.student_id,
                                                             ScreeningResponse.instrument_id,
                                                             ScreeningResponse.answers_json)):
                        k.need(answers.RESPONSE, answers.response_row(cid, sid, iid), "answers_json", a, "", "")
                        n_open += 1
            size_mb = db_path.stat().st_size / 1e6
        finally:
            ctx.close()
    figures = {"students": args.students, "campaigns": args.campaigns, "responses": n_rows, "sealed": sealed,
               "seal_seconds": round(m_seal.seconds, 2), "seal_rows_per_second": round(sealed / m_seal.seconds),
               "open_one_campaign_responses": len(one), "open_one_campaign_seconds": round(m_one.seconds, 3),
               "open_all_answers": n_open, "open_all_seconds": round(m_all.seconds, 2),
               "database_mb": round(size_mb, 1), "process_max_rss_mb": round(m_all.max_rss_mb, 1)}
    if args.json:
        cli.json(figures)
        return 0
    cli.out(msg(f"每题答案加密基准：{args.students:,} 名学生 × {args.campaigns} 次活动 × 2 个量表 = {n_rows:,} 份作答",
                f"Item answers: {args.students:,} students × {args.campaigns} campaigns × 2 instruments = "
                f"{n_rows:,} responses"))
    cli.out(msg(f"  升级后一次性加密（答案与用时）：{m_seal.seconds:.1f} 秒（{figures['seal_rows_per_second']:,} 份/秒）",
                f"  one-off sealing (answers and seconds): {m_seal.seconds:.1f} s "
                f"({figures['seal_rows_per_second']:,} responses/s)"))
    cli.out(msg(f"  解密一次活动的全部作答（重新计分时）：{m_one.seconds:.2f} 秒，{len(one):,} 份",
                f"  open one campaign (a rescore's read): {m_one.seconds:.2f} s, {len(one):,} responses"))
    cli.out(msg(f"  解密全部答案：{m_all.seconds:.1f} 秒，{n_open:,} 份；数据库 {size_mb:.1f} MB",
                f"  open every answer: {m_all.seconds:.1f} s, {n_open:,}; database {size_mb:.1f} MB"))
    return 0
