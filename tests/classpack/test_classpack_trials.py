"""Class packs tried as a hostile tester would (issue 14, second round): a return that names a student
of another class, a weak chosen passphrase, invisible characters in returned text."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.classpack.conftest import PASS
from xadesk.classpack.export import export_pack
from xadesk.classpack.merge import conflicts, import_return, resolve_conflict
from xadesk.classpack.teacher import TeacherPack
from xadesk.errors import UserError
from xadesk.services.records import list_records
from xadesk.storage.models_archive import ArchiveRecord
from xadesk.storage.models_classpack import ClassPackSeries

LIN = "林一鸣"
HE = "G610113201303030038"       # 贺子轩's 学籍号 (七年级(2)班): not in 班主任甲's class


def _forged_entry(tp: TeacherPack, student_no: str, text: str) -> None:
    """A return crafted with the pack's passphrase (anyone holding the slip can write one): the
    teacher app refuses a student outside the roster, so the entry is appended by hand."""
    tp.add_observation(LIN, category="mood", text="真实的记录")
    tp.entries.append({**tp.entries[0], "id": "5b0c8a52-7a53-4d0e-9a43-2f0e2d7c9b11", "student_no": student_no,
                       "text": text})


def test_a_return_naming_a_student_of_another_class_is_not_merged_into_that_archive(staff, pack, tmp_path):
    tp = TeacherPack.open(pack, PASS)
    _forged_entry(tp, HE, "别班学生的“观察”")
    ret = tmp_path / "r.xadx"
    tp.write_return(ret)
    report = import_return(staff.counselor, ret, PASS)
    assert report.added_total == 1
    assert [r.text for r in list_records(staff.counselor, staff.ids["贺子轩"])] == []
    waiting = conflicts(staff.counselor)
    assert len(waiting) == 1 and waiting[0].student_name == "贺子轩"
    assert "不在七年级(1)班" in waiting[0].reason
    # Set aside, it stays in the ledger and never reaches the archive.
    resolve_conflict(staff.counselor, waiting[0].entry_uuid, keep=False)
    assert [r.text for r in list_records(staff.counselor, staff.ids["贺子轩"])] == []


def test_weak_chosen_pack_passphrase_refused_and_nothing_written(staff, j1_1, tmp_path):
    out = tmp_path / "p.xadx"
    for weak in ("12345678", "password", "aaaaaaaa"):
        with pytest.raises(UserError, match="口令"):
            export_pack(staff.counselor, j1_1, out, weak)
    assert not out.exists()
    with staff.counselor.db.read() as s:
        assert s.scalar(select(func.count()).select_from(ClassPackSeries)) == 0


def test_invisible_and_control_characters_in_returned_text_are_stripped(staff, pack, tmp_path):
    tp = TeacherPack.open(pack, PASS)
    tp.add_observation(LIN, category="mood", text="ok")
    tp.entries[0]["text"] = "=HYPERLINK(\"http://x\")\u202e\u200b情绪\x07低落\ufeff"
    ret = tmp_path / "r.xadx"
    tp.write_return(ret)
    import_return(staff.counselor, ret, PASS)
    with staff.counselor.db.read() as s:
        texts = list(s.scalars(select(ArchiveRecord.text)))
    assert texts == ["=HYPERLINK(\"http://x\")情绪低落"]


def test_an_entry_saved_by_mistake_is_withdrawn_before_the_return(staff, pack, tmp_path):
    """One click saves: a teacher who clicked the wrong student takes the entry back, and it never
    reaches the student's archive; the withdrawal survives reopening the pack."""
    tp = TeacherPack.open(pack, PASS)
    wrong = tp.add_observation(LIN, category="mood", text="记错了学生", severity="urgent")
    right = tp.add_observation(LIN, category="mood", text="正确的记录")
    tp.withdraw(wrong["id"])
    assert [e["id"] for e in tp.unreturned()] == [right["id"]]
    tp = TeacherPack.open(pack, PASS)                     # reopened: still withdrawn
    assert [e["id"] for e in tp.unreturned()] == [right["id"]]
    with pytest.raises(UserError, match="不能在本机撤回"):
        tp.withdraw(wrong["id"])
    ret = tmp_path / "r.xadx"
    assert tp.write_return(ret) == 1
    report = import_return(staff.counselor, ret, PASS)
    assert report.added_total == 1 and report.to_review == 0
    assert [r.text for r in list_records(staff.counselor, staff.ids["林一鸣"])] == ["正确的记录"]


def test_a_safety_answer_in_a_returned_teacher_rating_reaches_the_review_queue(staff, j1_1, tmp_path):
    """A school's licensed teacher-rated form may have a safety item ("has spoken of wanting to die");
    rated positive on the teacher's PC it must reach the queue at import like a student's own answer."""
    import json

    from xadesk.classpack.ratings import DEMO_CHECKLIST
    from xadesk.services import grid as G
    from xadesk.services.campaigns import create_campaign
    from xadesk.services.instruments import add_definition

    d = json.loads(DEMO_CHECKLIST.read_text(encoding="utf-8"))
    d["id"], d["version"] = "school_teacher_form", 1
    d["name"] = {"zh": "学校班主任观察表（测试）", "en": "School teacher form (test)"}
    d["rules"] = [{"id": "death_talk", "kind": "safety", "when": {"item": d["items"][-1]["id"], "ge": 1},
                   "label": {"zh": "提到过不想活：须当天当面跟进", "en": "Spoke of dying"}, "source": "test"}]
    add_definition(staff.counselor, d)
    c = create_campaign(staff.counselor, "班主任观察（含安全题）", ["school_teacher_form"], grades=["J1"],
                        open_now=True)
    pack = tmp_path / "p.xadx"
    export_pack(staff.counselor, j1_1, pack, PASS)
    tp = TeacherPack.open(pack, PASS)
    [task] = tp.rating_tasks()
    tp.add_rating("苏晓雨", task["campaign_uuid"], "school_teacher_form", [0, 0, 0, 0, 0, 1])
    ret = tmp_path / "r.xadx"
    tp.write_return(ret)
    import_return(staff.counselor, ret, PASS)
    rows = [q for q in G.review_queue(staff.counselor, c.id) if q.student_id == staff.ids["苏晓雨"]]
    assert rows and any(p.safety for q in rows for p in q.proposals)
