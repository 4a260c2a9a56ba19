"""Teacher ratings: the instrument format's ``rater``; a campaign holding the fictional demo
checklist; the homeroom teacher rates in the class pack (and at the school PC); ratings are scored
like self-report results and a grid rule can combine both; students are never shown the form."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import select

import xadesk.classpack as classpack_pkg
from tests.classpack.conftest import CHECKLIST, PASS
from xadesk.classpack.export import export_pack
from xadesk.classpack.merge import conflicts, import_return
from xadesk.classpack.ratings import rate_at_school
from xadesk.classpack.teacher import TeacherPack
from xadesk.errors import PermissionDenied, UserError
from xadesk.grid.rules import Rule
from xadesk.instruments.schema import definition_from_dict
from xadesk.screening.kiosk import SchoolKiosk
from xadesk.services import grid as G
from xadesk.services.campaigns import coverage
from xadesk.services.grid_screening import propose_for_campaign
from xadesk.services.screening_results import results
from xadesk.storage.models_screening import ScreeningResponse

LIN, SU = "G610113201301010011", "G61011320130202002X"


def _raw() -> dict:
    return json.loads(CHECKLIST.read_text(encoding="utf-8"))


def test_rater_field_validated_and_defaults_to_student():
    d = definition_from_dict(_raw(), "demo")
    assert d.rater == "teacher" and "虚构" in d.name_zh
    phq = json.loads((Path(classpack_pkg.__file__).parents[1] / "instruments/library/phq9.json").read_text("utf-8"))
    assert definition_from_dict(phq, "phq9").rater == "student"
    bad = _raw()
    bad["rater"] = "counselor"
    with pytest.raises(UserError) as e1:
        definition_from_dict(bad, "bad")
    assert any("rater" in d for d in e1.value.details)
    mismatch = copy.deepcopy(_raw())
    mismatch["population"]["report"] = "self"
    with pytest.raises(UserError) as e2:
        definition_from_dict(mismatch, "mismatch")
    assert any("population.report" in d for d in e2.value.details)


def test_students_never_see_a_teacher_rated_form_but_coverage_counts_it(staff, rating_campaign):
    kiosk = SchoolKiosk.start(staff.counselor, rating_campaign.id, "PC-1")
    st = kiosk.identify(LIN, "2013-01-01")
    assert [t.instrument_id for t in kiosk.tasks(st)] == ["phq9"]
    for v in [0] * 9 + [None]:
        item = kiosk.next_item(st, "phq9")
        if item is None:
            break
        kiosk.answer(st, "phq9", item.index, v, 5.0)
    row = next(x for x in coverage(staff.counselor, rating_campaign.id).students if x.student_no == LIN)
    assert row.state == "in_progress" and "demo_teacher_checklist" in row.pending
    rate_at_school(staff.homeroom, rating_campaign.id, staff.ids["林一鸣"], "demo_teacher_checklist", [0] * 6)
    row = next(x for x in coverage(staff.counselor, rating_campaign.id).students if x.student_no == LIN)
    assert row.state == "completed"


def test_teacher_rates_in_the_pack_and_a_rule_combines_both(staff, j1_1, rating_campaign, tmp_path):
    pack = tmp_path / "p.xadx"
    export_pack(staff.counselor, j1_1, pack, PASS)
    tp = TeacherPack.open(pack, PASS)
    [task] = tp.rating_tasks()
    assert task["instrument_id"] == "demo_teacher_checklist" and {tp.name_of(n) for n in task["students"]} == {"林一鸣", "苏晓雨"}
    with pytest.raises(UserError, match="第6题还没有评定"):
        tp.add_rating("林一鸣", task["campaign_uuid"], "demo_teacher_checklist", [2, 2, 2, 2, 2, None])
    with pytest.raises(UserError, match="不是选项"):
        tp.add_rating("林一鸣", task["campaign_uuid"], "demo_teacher_checklist", [2, 2, 2, 2, 2, 7])
    tp.add_rating("林一鸣", task["campaign_uuid"], "demo_teacher_checklist", [2, 2, 2, 1, 2, 1])   # 10: 较多（演示）
    tp.add_rating("苏晓雨", task["campaign_uuid"], "demo_teacher_checklist", [0, 0, 1, 0, 0, 0])
    assert tp.rated(task["campaign_uuid"], "demo_teacher_checklist") == {tp.student_key("林一鸣"),
                                                                       tp.student_key("苏晓雨")}
    ret = tmp_path / "r.xadx"
    tp.write_return(ret)
    report = import_return(staff.counselor, ret, PASS)
    assert report.added["rating"] == 2
    with staff.counselor.db.read() as s:
        rows = s.scalars(select(ScreeningResponse).where(ScreeningResponse.instrument_id == "demo_teacher_checklist")).all()
        assert {(r.mode, r.source) for r in rows} == {("teacher", "bzr")}
    by = {(r.student_no, r.instrument_id): r for r in results(staff.counselor, rating_campaign.id)}
    assert by[(LIN, "demo_teacher_checklist")].scales["total"].raw == 10
    assert by[(LIN, "demo_teacher_checklist")].scales["total"].band == "many"
    # A rule combining the teacher's rating with the student's own answers.
    kiosk = SchoolKiosk.start(staff.counselor, rating_campaign.id, "PC-1")
    st = kiosk.identify(LIN, "2013-01-01")
    for v in [2, 2, 2, 2, 2, 1, 1, 0, 0, 0]:
        item = kiosk.next_item(st, "phq9")
        if item is None:
            break
        kiosk.answer(st, "phq9", item.index, v, 5.0)
    G.save_rule(staff.counselor, Rule(key="both_teacher_and_self", name="自评与班主任评定都偏高", level="L3",
                                      when={"all": [{"instrument": "phq9", "scale": "total", "ge": 10},
                                                    {"instrument": "demo_teacher_checklist", "scale": "total",
                                                     "ge": 9}]}))
    propose_for_campaign(staff.counselor, rating_campaign.id)
    queue = {q.student_id: q for q in G.review_queue(staff.counselor)}
    assert staff.ids["林一鸣"] in queue and staff.ids["苏晓雨"] not in queue


def test_rating_at_the_school_pc_then_the_same_teacher_rerates_in_the_pack(staff, rating_campaign, tmp_path, j1_1):
    lin = staff.ids["林一鸣"]
    stats = rate_at_school(staff.homeroom, rating_campaign.id, lin, "demo_teacher_checklist", [1, 1, 1, 1, 1, 1])
    assert stats.added == 1
    with pytest.raises(PermissionDenied):
        rate_at_school(staff.grade_leader, rating_campaign.id, lin, "demo_teacher_checklist", [0] * 6)
    with pytest.raises(UserError, match="没有这个班主任评定量表"):
        rate_at_school(staff.homeroom, rating_campaign.id, lin, "phq9", [0] * 9)
    pack = tmp_path / "p.xadx"
    export_pack(staff.counselor, j1_1, pack, PASS)
    tp = TeacherPack.open(pack, PASS)
    cu = tp.rating_tasks()[0]["campaign_uuid"]
    tp.add_rating("林一鸣", cu, "demo_teacher_checklist", [2, 2, 2, 2, 2, 2])
    ret = tmp_path / "r.xadx"
    tp.write_return(ret)
    assert import_return(staff.counselor, ret, PASS).added["rating"] == 1
    # The same teacher's later rating replaces their own earlier one (same source), with no conflict.
    by = {(r.student_no, r.instrument_id): r for r in results(staff.counselor, rating_campaign.id)}
    assert by[(LIN, "demo_teacher_checklist")].scales["total"].raw == 12
    assert conflicts(staff.counselor) == []


def test_teacher_ratings_stay_under_the_database_key_and_the_teacher_reads_them_back(staff, rating_campaign):
    """A rating is the homeroom teacher's own observation (like the observations teachers log), not
    counselling content: it is not sealed, and the teacher sees it again on the rating screen. The
    students' own answers in the same campaign are sealed (xadesk.compartment.answers)."""
    from xadesk.classpack.ratings import school_rating_tasks
    from xadesk.compartment.answers import PREFIX

    lin = staff.ids["林一鸣"]
    rate_at_school(staff.homeroom, rating_campaign.id, lin, "demo_teacher_checklist", [1, 2, 1, 2, 1, 2])
    kiosk = SchoolKiosk.start(staff.counselor, rating_campaign.id, "PC-01")
    st = kiosk.identify(LIN, "2013-01-01")
    item = kiosk.next_item(st, "phq9")
    kiosk.answer(st, "phq9", item.index, 1, 5.0)
    with staff.counselor.db.read() as s:
        stored = dict(s.execute(select(ScreeningResponse.instrument_id, ScreeningResponse.answers_json)).all())
    assert json.loads(stored["demo_teacher_checklist"]) == [1, 2, 1, 2, 1, 2]
    assert stored["phq9"].startswith(PREFIX)
    [task] = school_rating_tasks(staff.homeroom)
    assert [s.answers for s in task.students if s.student_id == lin] == [(1.0, 2.0, 1.0, 2.0, 1.0, 2.0)]
