"""The demo school's warning grid: levels, contacts, follow-ups (some overdue), a referral, releases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from xadesk.demo import DEMO_PASSWORD, build_demo
from xadesk.services import grid_care as C
from xadesk.services import grid_monitors as M
from xadesk.services import grid_tracking as T
from xadesk.services.login import login
from xadesk.storage.models_grid import GridRelease

DAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("griddemo") / "demo.xadesk"
    build_demo(path, today=DAY)
    return path


@pytest.fixture
def as_user(demo_path):
    opened = []

    def open_(name):
        ctx = login(demo_path, name, DEMO_PASSWORD)
        opened.append(ctx)
        return ctx

    yield open_
    for c in opened:
        c.close()


def test_demo_grid_has_every_level_contacts_and_overdue_follow_ups(as_user):
    x = as_user("xinli")
    rows = T.grid_list(x, today=DAY)
    assert {r.level for r in rows} == {"L1", "L2", "L3", "L4"}
    assert all(r.contact for r in rows)
    assert 0 < sum(r.overdue for r in rows) < len(rows)
    records = [T.student_record(x, r.student_id, today=DAY) for r in rows]
    assert all(rec.interviews and rec.history for rec in records)
    assert sum(len(rec.follow_ups) for rec in records) >= 10
    referral = next(ref for rec in records for ref in rec.referrals)
    assert referral.outcome == "outpatient" and referral.return_plan and len(referral.feedback) == 2
    assert any(rec.crises for rec in records)


def test_demo_releases_and_monitors(as_user):
    x, leader = as_user("xinli"), as_user("xiaozhang")
    [pending] = C.pending_releases(leader)
    assert pending.level == "L1" and pending.approver_role == "leader"
    with x.db.read() as s:
        approved = s.scalars(select(GridRelease).where(GridRelease.status == "approved")).all()
    assert len(approved) == 1 and approved[0].student_id not in {r.student_id for r in T.grid_list(x)}
    history = T.student_record(x, approved[0].student_id, today=DAY).history
    assert history[-1].to_level is None
    rows = M.compliance(x, today=DAY)
    assert len(rows) == 15 and 0 < sum(r.compliant for r in rows) < 15


def test_demo_homeroom_teacher_sees_her_class_and_her_overdue_task(as_user):
    h = as_user("bzr701")
    rows = T.grid_list(h, today=DAY)
    assert rows and {r.class_label for r in rows} == {"七年级(1)班"}
    greeting = T.greeting(h, today=DAY)
    assert greeting.overdue and all(r.contact_id == h.actor.user_id for r in greeting.overdue)
