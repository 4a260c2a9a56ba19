"""The demo school's class-pack step: the fictional checklist, an open teacher-rating campaign for
七年级(1)班, half rated at the school PC; the demo teacher's pack carries the rest as tasks."""

from __future__ import annotations

from datetime import date

from xadesk.classpack.export import class_id_of, export_pack
from xadesk.classpack.teacher import TeacherPack
from xadesk.demo import DEMO_PASSWORD, build_demo
from xadesk.services.login import login


def test_demo_teacher_rating_task_in_the_pack(tmp_path):
    demo = build_demo(tmp_path / "demo.xadesk", today=date(2026, 11, 29))
    ctx = login(demo.path, "xinli", DEMO_PASSWORD)
    try:
        pack = tmp_path / "teacher" / "p.xadx"
        pack.parent.mkdir()
        info = export_pack(ctx, class_id_of(ctx, "七年级(1)班"), pack, "DEMO-PACK-PASS")
    finally:
        ctx.close()
    assert info.teacher_login == "bzr701"
    tp = TeacherPack.open(pack, "DEMO-PACK-PASS")
    [task] = tp.rating_tasks()
    assert "虚构" in task["name"] and "虚构" in task["campaign_name"]
    rated = tp.rated(task["campaign_uuid"], task["instrument_id"])
    assert 0 < len(rated) < len(task["students"])
    assert any(s.level for s in tp.students())          # the grid step put students of this class on the list
