"""The screening and warning-grid sections in a demo student's archive (document, both PDF editions,
the transfer file) and ``--key-only`` exports (exactly the students on the grid)."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
from datetime import date

import pytest
from sqlalchemy import func, select

from xadesk.archive import transfer
from xadesk.archive.document import BuildOptions, build_document, series_of, timeline
from xadesk.archive.pdf import render_archive_pdf
from xadesk.demo import DEMO_PASSWORD, build_demo
from xadesk.services.login import login
from xadesk.storage.models import SchoolClass, Student
from xadesk.storage.models_grid import GridCase, GridCrisis, GridReferral

PASSPHRASE = "7KQM-X3RB-PV2D-9HTE-CWNA-4FYS"


@pytest.fixture(autouse=True)
def _real_providers():
    """Other tests replace and then drop these sections; put the areas' own providers back."""
    from xadesk.grid import archive_sections as grid_sections
    from xadesk.screening import archive_sections as screening_sections

    importlib.reload(screening_sections)
    importlib.reload(grid_sections)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.xadesk"
    build_demo(path, today=date(2026, 11, 20))
    ctx = login(path, "xinli", DEMO_PASSWORD)
    yield ctx
    ctx.close()


def _student_with(ctx, model) -> int:
    with ctx.db.read() as s:
        return s.scalars(select(model.student_id).order_by(model.id)).first()


def _doc(ctx, sid: int, edition: str) -> dict:
    with ctx.db.read() as s:
        return build_document(s, sid, BuildOptions(edition=edition, may_read_counselling=True))


def test_full_edition_has_screenings_levels_follow_up_referrals_and_crisis(demo):
    sid = _student_with(demo, GridReferral)
    doc = _doc(demo, sid, "full")
    assert {"screenings", "warning_levels", "referrals"} <= set(doc["sections"])
    assert doc["sections_unavailable"] == []
    levels = doc["sections"]["warning_levels"]
    assert levels["summary"].startswith(("当前预警等级", "目前不在预警名单中"))
    assert all(len(it["date"]) == 10 for it in levels["items"])
    # the trend chart has one line per instrument total, each point dated
    series = series_of(doc)
    assert series and all(p[0][:2] == "20" for s in series for p in s["points"])
    kinds = {e.kind for e in timeline(doc)}
    assert {"screenings", "warning_levels", "referrals"} <= kinds
    crisis_sid = _student_with(demo, GridCrisis)
    assert "crisis" in _doc(demo, crisis_sid, "full")["sections"]


def test_transfer_edition_follows_the_policy(demo):
    sid = _student_with(demo, GridCrisis)
    full, tr = _doc(demo, sid, "full"), _doc(demo, sid, "transfer")
    assert "crisis" in full["sections"] and "crisis" not in tr["sections"]
    # levels travel with their dates, not the reasons written down at school
    assert [i["date"] for i in tr["sections"]["warning_levels"]["items"]] == \
        [i["date"] for i in full["sections"]["warning_levels"]["items"]]
    assert all(i["text"] == "" for i in tr["sections"]["warning_levels"]["items"])
    if "follow_up" in tr["sections"]:
        assert "items" not in tr["sections"]["follow_up"]  # a summary only
    text = json.dumps(tr, ensure_ascii=False)
    assert "安全提示" not in text  # flags stay at the sending school; the level says what they concluded


def test_item_answers_never_travel(demo):
    sid = _student_with(demo, GridReferral)
    for edition in ("full", "transfer"):
        data = _doc(demo, sid, edition)["sections"]["screenings"]
        assert data["answers_included"] is False
        assert not any("answers" in it for it in data["items"])


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
@pytest.mark.parametrize("edition", ["full", "transfer"])
def test_pdf_shows_the_sections(demo, tmp_path, edition):
    sid = _student_with(demo, GridReferral)
    doc = _doc(demo, sid, edition)
    path = tmp_path / f"{edition}.pdf"
    path.write_bytes(render_archive_pdf(doc))
    text = "".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                                  text=True).stdout.split())
    for heading in ("心理测评", "预警等级", "转介（绿色通道）", doc["student"]["name"]):
        assert heading in text
    assert ("危机事件" in text) == ("crisis" in doc["sections"])


def test_key_only_exports_exactly_the_grid_students(demo, tmp_path):
    with demo.db.read() as s:
        on_grid = set(s.scalars(select(GridCase.student_id).where(GridCase.status.in_(("active", "release_pending")))))
        grade = s.scalar(select(SchoolClass.grade_code).join(Student, Student.class_id == SchoolClass.id)
                         .where(Student.id.in_(on_grid)).order_by(SchoolClass.grade_code))
        in_grade = set(s.scalars(select(Student.id).join(SchoolClass, Student.class_id == SchoolClass.id)
                                 .where(SchoolClass.grade_code == grade, Student.status == "enrolled")))
    expected = on_grid & in_grade
    assert expected and expected != in_grade
    ids = transfer.batch_students(demo, grade, key_only=True)
    assert set(ids) == expected and len(ids) == len(expected)
    result = transfer.export_batch(demo, ids[:2], tmp_path / "out", passphrase=PASSPHRASE)
    tf = transfer.read_transfer(result.files[0].path, PASSPHRASE)
    assert "warning_levels" in tf.archive["sections"]


def test_demo_has_two_school_years_of_history_and_a_graduating_grade(demo):
    from xadesk.services.records import home_visit_coverage
    from xadesk.storage.models_archive import ArchiveConsent, ArchiveRecord

    with demo.db.read() as s:
        days = list(s.scalars(select(ArchiveRecord.occurred_on)))
        kinds = set(s.scalars(select(ArchiveRecord.kind)))
        consents = s.scalar(select(func.count()).select_from(ArchiveConsent))
    assert {d.year if d.month >= 9 else d.year - 1 for d in days} == {2025, 2026}
    assert {"observation", "home_visit", "strength", "counselling", "life_event", "parent_contact"} <= kinds
    assert consents >= 1
    _, last_year = home_visit_coverage(demo, school_year="2025-2026")
    assert all(c.ratio > 0.3 for c in last_year if c.class_label.startswith("九年级"))
    ids = transfer.batch_students(demo, "九年级", key_only=True)
    assert ids  # a graduating grade with key-attention students, ready to export


def test_a_grade_leader_sees_that_screenings_happened_not_their_results(demo):
    from xadesk.archive.document import view_archive

    with demo.db.read() as s:
        sid = s.scalar(select(GridCase.student_id).join(Student, Student.id == GridCase.student_id)
                       .join(SchoolClass, SchoolClass.id == Student.class_id).where(SchoolClass.grade_code == "J1")
                       .order_by(GridCase.id))
    leader = login(demo.db.path, "nianji7", DEMO_PASSWORD)
    try:
        doc = view_archive(leader, sid)
    finally:
        leader.close()
    shown = view_archive(demo, sid)
    assert shown["sections"]["screenings"].get("series") and "series" not in doc["sections"]["screenings"]
    assert doc["sections"]["screenings"]["results_included"] is False
    assert all(it["text"] in ("已参加", "缺席", "未参加（本人或家长拒绝）") for it in doc["sections"]["screenings"]["items"])
    assert all(it["text"] == "" for it in doc["sections"]["warning_levels"]["items"])
    assert series_of(doc) == []
