"""A six-student school with one of everything the report counts, entered row by row so that every
figure can be worked out by hand (the services that normally write these rows are tested
elsewhere). Dates sit in school year 2026-2027; "today" is 2026-11-15."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from tests.services.conftest import STAFF_PASSWORD, STUDENTS, SmallSchool, small_school  # noqa: F401  (fixture)
from xadesk.services.login import now_utc
from xadesk.storage import models_grid as mg
from xadesk.storage import models_reports as mr
from xadesk.storage import models_screening as ms
from xadesk.storage.models import StudentTag
from xadesk.storage.models_archive import ArchiveRecord

TODAY = date(2026, 11, 15)
NAMES = [s[0] for s in STUDENTS]  # 林一鸣 苏晓雨 (七1) 贺子轩 姚佳琪 (七2) 任浩然 邵可欣 (八1)


@dataclass
class Fixture:
    school: SmallSchool
    ids: dict
    campaign_id: int
    previous_id: int


def _campaign(s, name, year, day, purpose="general", instrument="phq9"):
    c = ms.Campaign(uuid=str(uuid.uuid4()), name=name, school_year=year, semester=1, purpose=purpose, status="closed",
                 opens_on=day, created_at=datetime(day.year, day.month, day.day), target_json="{}")
    s.add(c)
    s.flush()
    s.add(ms.CampaignInstrument(campaign_id=c.id, position=0, instrument_id=instrument, version=1, digest="x", grades=""))
    return c


def _score(s, c, sid, instrument, scale, band, raw, status="completed"):
    r = ms.ScreeningResponse(campaign_id=c.id, student_id=sid, instrument_id=instrument, definition_version=1,
                          status=status, mode="paper", answers_json="[]", seconds_json="[]",
                          started_at=now_utc(), updated_at=now_utc(), completed_at=now_utc())
    s.add(r)
    s.flush()
    if status != "completed":
        return
    sc = ms.ScreeningScore(response_id=r.id, campaign_id=c.id, instrument_id=instrument, definition_version=1,
                        definition_digest="x", valid=True, flags_json="[]", scored_at=now_utc())
    s.add(sc)
    s.flush()
    s.add(ms.ScreeningScaleScore(score_id=sc.id, scale_id=scale, raw=raw, band=band, band_label=band))


def _change(s, sid, frm, to, day, case_id):
    s.add(mg.GridLevelChange(case_id=case_id, student_id=sid, from_level=frm, to_level=to, changed_on=day, reason="",
                          by_name="心理老师", created_at=now_utc()))


@pytest.fixture
def fx(small_school):  # noqa: F811
    ids = small_school.student_ids
    s1, s2, s3, s4, s5, s6 = (ids[n] for n in NAMES)
    cls = small_school.class_ids
    with small_school.admin.db.write() as s:
        c0 = _campaign(s, "去年普查", "2025-2026", date(2025, 10, 1))
        _score(s, c0, s1, "phq9", "total", "mild", 6)
        _score(s, c0, s2, "phq9", "total", "mild", 7)
        c1 = _campaign(s, "今年普查", "2026-2027", date(2026, 9, 20))
        for sid, excused in ((s1, None), (s2, None), (s3, None), (s4, "absent"), (s5, "declined"), (s6, None)):
            s.add(ms.CampaignTarget(campaign_id=c1.id, student_id=sid, class_id=None, code=f"K{sid}", excused=excused))
        _score(s, c1, s1, "phq9", "total", "minimal", 2)
        _score(s, c1, s2, "phq9", "total", "moderate", 12)
        _score(s, c1, s3, "phq9", "total", None, None, status="in_progress")
        c2 = _campaign(s, "知识问卷", "2026-2027", date(2026, 10, 20), purpose="targeted", instrument="mhk")
        _score(s, c2, s1, "mhk", "rate", None, 0.8)
        _score(s, c2, s2, "mhk", "rate", None, 0.9)
        # the grid
        case1 = mg.GridCase(student_id=s1, level_code="L2", status="active", opened_on=date(2026, 9, 25), contact_id=None,
                         frequency_days=14, next_due=date(2026, 11, 1), created_at=now_utc(), updated_at=now_utc())
        case2 = mg.GridCase(student_id=s2, level_code="L4", status="released", opened_on=date(2026, 9, 26),
                         closed_on=date(2026, 10, 20), frequency_days=60, next_due=None, created_at=now_utc(),
                         updated_at=now_utc())
        case3 = mg.GridCase(student_id=s3, level_code="L4", status="active", opened_on=date(2025, 5, 1),
                         frequency_days=30, next_due=date(2026, 12, 1), created_at=now_utc(), updated_at=now_utc())
        s.add_all([case1, case2, case3])
        s.flush()
        _change(s, s1, None, "L3", date(2026, 9, 25), case1.id)
        _change(s, s1, "L3", "L2", date(2026, 10, 10), case1.id)
        _change(s, s2, None, "L4", date(2026, 9, 26), case2.id)
        _change(s, s2, "L4", None, date(2026, 10, 20), case2.id)
        _change(s, s3, None, "L3", date(2025, 5, 1), case3.id)
        _change(s, s3, "L3", "L4", date(2026, 10, 1), case3.id)
        for day, nxt in ((date(2026, 10, 5), date(2026, 10, 19)), (date(2026, 10, 25), date(2026, 11, 1))):
            s.add(mg.GridFollowUp(case_id=case1.id, student_id=s1, occurred_on=day, method="talk", summary="随访",
                               next_due=nxt, by_name="心理老师", created_at=now_utc()))
        for sid, day, outcome in ((s1, date(2026, 10, 12), "outpatient"), (s3, date(2025, 6, 1), "pending")):
            s.add(mg.GridReferral(student_id=sid, institution="市精神卫生中心", referred_on=day, outcome=outcome,
                               created_by_name="心理老师", created_at=now_utc(), updated_at=now_utc()))
        s.add(mg.GridCrisis(student_id=s1, occurred_at=datetime(2026, 10, 11, 9), summary="x", recorded_by_name="心理老师",
                         created_at=now_utc()))
        for sid, made, held in ((s1, datetime(2026, 9, 22, 10), datetime(2026, 9, 25, 9)),
                                (s2, datetime(2026, 9, 23, 10), datetime(2026, 9, 24, 9))):
            s.add(mg.GridProposal(student_id=sid, campaign_id=c1.id, source="screening", level_code="L3", rule_key="r",
                               rule_label="r", created_at=made, created_by_name="系统"))
            s.add(mg.GridInterview(student_id=sid, interviewer_name="心理老师", held_at=held, findings="保密",
                                recommendation="L3", created_at=held))
        # archive records
        for sid, kind, day in ((s1, "home_visit", date(2026, 10, 1)), (s4, "observation", date(2026, 10, 2)),
                               (s6, "home_visit", date(2025, 10, 1))):
            s.add(ArchiveRecord(uuid=str(uuid.uuid4()), student_id=sid, kind=kind, occurred_on=day, text="",
                                author_name="班主任", created_at=now_utc()))
        # special groups
        s.add(StudentTag(student_id=s1, tag="left_behind", set_on=date(2025, 9, 1)))
        s.add(StudentTag(student_id=s5, tag="migrant", set_on=date(2026, 9, 10)))
        s.add(StudentTag(student_id=s6, tag="orphan", set_on=date(2024, 9, 1), cleared_on=date(2026, 9, 5)))
        # health monitors and their training
        for sid, cid in ((s1, cls[("J1", 1)]), (s2, cls[("J1", 1)]), (s3, cls[("J1", 2)])):
            s.add(mg.HealthMonitor(class_id=cid, student_id=sid, appointed_on=date(2026, 9, 5), created_at=now_utc()))
        s.add(mg.MonitorTraining(held_on=date(2026, 10, 15), topic="识别情绪", created_at=now_utc()))
        s.add(mg.MonitorTraining(held_on=date(2025, 12, 1), topic="去年的培训", created_at=now_utc()))
        # staff, training hours, lessons and activities
        full = mr.ReportStaff(name="心理老师", post="counselor_full", active=True, note="", created_at=now_utc())
        teacher = mr.ReportStaff(name="班主任甲", post="teacher", active=True, note="", created_at=now_utc())
        gone = mr.ReportStaff(name="已调走", post="teacher", active=False, note="", created_at=now_utc())
        s.add_all([full, teacher, gone])
        s.flush()
        for sid, h, day in ((full.id, 10, date(2026, 10, 1)), (teacher.id, 20, date(2026, 11, 1)),
                            (teacher.id, 50, date(2025, 11, 1)), (gone.id, 30, date(2026, 10, 1))):
            s.add(mr.ReportTraining(staff_id=sid, held_on=day, hours=h, topic="培训", created_at=now_utc()))
        s.add(mr.ReportActivity(kind="lesson", held_on=date(2026, 10, 8), title="认识情绪", created_at=now_utc()))
        s.add(mr.ReportActivity(kind="activity", held_on=date(2026, 10, 9), title="心理游园会",
                             class_id=cls[("J1", 1)], created_at=now_utc()))
        c1_id, c0_id = c1.id, c0.id
    json.dumps({})
    return Fixture(small_school, ids, c1_id, c0_id)


__all__ = ["NAMES", "STAFF_PASSWORD", "TODAY", "Fixture"]
