"""The archive PDF as a school signs and hands it over (issue 11), read with pdftotext from the demo."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import time
from datetime import date

import pytest
from sqlalchemy import select

from xadesk.archive.document import BuildOptions, build_document, series_of, timeline
from xadesk.archive.pdf import HANDOVER_HEADING, render_archive_pdf
from xadesk.demo import DEMO_PASSWORD, build_demo
from xadesk.grid import archive_sections as grid_sections
from xadesk.screening import archive_sections as screening_sections
from xadesk.services.login import login
from xadesk.storage.models import Student, User
from xadesk.storage.models_grid import GridCase, GridFollowUp, GridReferral

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")


@pytest.fixture(autouse=True)
def _real_providers():
    """Other tests replace and then drop the screening and grid sections; put the areas' own back."""
    importlib.reload(screening_sections)
    importlib.reload(grid_sections)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.xadesk"
    build_demo(path, today=date(2026, 11, 29))
    ctx = login(path, "xinli", DEMO_PASSWORD)
    yield ctx
    ctx.close()


def _text(pdf: bytes, tmp_path, name: str = "a.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def _doc(ctx, sid: int, edition: str) -> dict:
    with ctx.db.read() as s:
        return build_document(s, sid, BuildOptions(edition=edition, may_read_counselling=True,
                                                   exporter_name=ctx.actor.display_name))


def _red_student(ctx) -> int:
    with ctx.db.read() as s:
        return s.scalar(select(GridReferral.student_id).order_by(GridReferral.id))


def test_follow_ups_listed_once_with_their_author(demo, tmp_path):
    sid = _red_student(demo)
    with demo.db.read() as s:
        n = len(s.scalars(select(GridFollowUp.id).where(GridFollowUp.student_id == sid)).all())
        authors = {a for (a,) in s.execute(select(GridFollowUp.by_name).where(GridFollowUp.student_id == sid))}
    assert n >= 2
    text = _text(render_archive_pdf(_doc(demo, sid, "full")), tmp_path)
    assert len(re.findall(r"随访 · (?:面谈|电话|日常观察)", text)) == n     # once each, not in two sections
    for a in authors:
        assert f"（{a}）" not in text                                   # not pasted into the content
        assert a in text
    assert "家长告知的诊断：家长告知" not in text


def test_no_line_starts_with_a_closing_mark(demo, tmp_path):
    sid = _red_student(demo)
    for edition in ("full", "transfer"):
        text = _text(render_archive_pdf(_doc(demo, sid, edition)), tmp_path, f"{edition}.pdf")
        bad = [line for line in text.splitlines() if re.match(r"\s*[；，、：]", line)]
        assert bad == [], bad


def test_local_time_on_the_cover(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        doc = _doc(demo, _red_student(demo), "full")
        text = _text(render_archive_pdf(doc), tmp_path)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    stamp = doc["generated_at"]                                      # stored UTC, e.g. …T08:32:02Z
    hour = (int(stamp[11:13]) + 8) % 24
    assert "UTC" not in text
    assert re.search(rf"生成时间：\d{{4}}-\d\d-\d\d {hour:02d}:{stamp[14:16]}", text)


def test_transfer_edition_does_not_claim_an_empty_archive_and_has_a_handover_block(demo, tmp_path):
    sid = _red_student(demo)
    text = _text(render_archive_pdf(_doc(demo, sid, "transfer")), tmp_path)
    assert "暂无档案记录" not in text and "心理测评" in text and "转介" in text
    assert HANDOVER_HEADING in text
    for needle in ("移交方", "接收方", "经办人（签字）", "学校（盖章）", "日期"):
        assert needle in text
    full = _text(render_archive_pdf(_doc(demo, sid, "full")), tmp_path, "full.pdf")
    assert HANDOVER_HEADING not in full and "审核人（签字）" in full


def test_demo_has_two_years_so_trends_have_two_points(demo, tmp_path):
    with demo.db.read() as s:
        j3 = s.scalars(select(Student.id).join(Student.school_class).where(Student.status == "enrolled")
                       .order_by(Student.id)).all()
    two = 0
    for sid in j3[-300:]:
        doc = _doc(demo, sid, "full")
        if any(len(x["points"]) >= 2 for x in series_of(doc)):
            two += 1
    assert two > 50
    # and a one-point archive prints a table instead of a lone dot
    one = next(sid for sid in j3 if (d := _doc(demo, sid, "full")) and series_of(d)
               and max(len(x["points"]) for x in series_of(d)) == 1)
    text = _text(render_archive_pdf(_doc(demo, one, "full")), tmp_path)
    assert "暂不能画出趋势" in text and "分数" in text


def test_demo_data_reads_right(demo):
    with demo.db.read() as s:
        names = [n for (n,) in s.execute(select(User.display_name))]
        phone = s.scalars(select(GridFollowUp.summary).where(GridFollowUp.method == "phone")).all()
        red = s.scalars(select(GridCase.student_id).where(GridCase.level_code == "L1")).all()
    assert not any("（" in n for n in names)                         # the app adds roles; names carry none
    assert phone and not any(p.startswith("面谈") for p in phone)
    for sid in red:
        doc = _doc(demo, sid, "full")
        summary = (doc["sections"].get("screenings") or {}).get("summary", "")
        assert "均未超过关注界值" not in summary
    entries = timeline(_doc(demo, red[0], "full"))
    follow = [e for e in entries if e.title.startswith("随访")]
    assert follow and all(e.author for e in follow)


def test_demo_accounts_need_no_password_change(demo):
    for login_name in ("xinli", "bzr701", "xiaozhang"):
        ctx = login(demo.db.path, login_name, DEMO_PASSWORD)
        try:
            assert not ctx.actor.must_change_password
        finally:
            ctx.close()
