"""The demo school: the fictional teacher checklist is in its library; a campaign with it gives the
demo homeroom teacher a rating task in the class pack, beside the grid tasks of the demo."""

from __future__ import annotations

from datetime import date

from xadesk.classpack.export import class_id_of, export_pack
from xadesk.classpack.ratings import rate_at_school
from xadesk.classpack.teacher import TeacherPack
from xadesk.demo import DEMO_PASSWORD, build_demo
from xadesk.services.campaigns import create_campaign
from xadesk.services.instruments import available
from xadesk.services.login import login
from xadesk.services.roster import list_students


def test_demo_teacher_rating_task_in_the_pack(tmp_path):
    demo = build_demo(tmp_path / "demo.xadesk", today=date(2026, 11, 29))
    ctx = login(demo.path, "xinli", DEMO_PASSWORD)
    bzr = login(demo.path, "bzr701", DEMO_PASSWORD)
    try:
        [info] = [i for i in available(ctx) if i.id == "demo_teacher_checklist"]
        assert "虚构" in info.name
        c = create_campaign(ctx, "班主任评定（演示）", ["demo_teacher_checklist"], classes=["七年级(1)班"],
                            open_now=True)
        first = list_students(bzr, class_="七年级(1)班")[0]
        rate_at_school(bzr, c.id, first.id, "demo_teacher_checklist", [0, 1, 0, 0, 1, 0])
        pack = tmp_path / "teacher" / "p.xadx"
        pack.parent.mkdir()
        export = export_pack(ctx, class_id_of(ctx, "七年级(1)班"), pack, "DEMO-PACK-PASS")
    finally:
        ctx.close()
        bzr.close()
    assert export.teacher_login == "bzr701"
    tp = TeacherPack.open(pack, "DEMO-PACK-PASS")
    [task] = tp.rating_tasks()
    assert "虚构" in task["name"]
    assert {tp.name_of(n) for n in tp.rated(task["campaign_uuid"], task["instrument_id"])} == {first.name}
    assert first.student_no not in {s.student_no for s in tp.students()}   # keys, never the 学籍号
    assert any(s.level for s in tp.students())          # the grid step put students of this class on the list
