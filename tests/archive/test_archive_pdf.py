"""The PDFs a person reads: the text extracts (pdftotext) and the CJK font is embedded (pdffonts)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.archive.conftest import PASSPHRASE
from xadesk.archive import transfer
from xadesk.archive.document import register_section, unregister_section, view_archive
from xadesk.archive.pdf import HEADINGS, render_archive_pdf

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"),
                                reason="poppler-utils not installed")


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _fonts(pdf: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:]]


def _flat(text: str) -> str:
    return "".join(text.split())


def test_full_edition_for_a_counselor(school_a, tmp_path):
    doc = view_archive(school_a.counselor, school_a.ids["林一鸣"])
    pdf = render_archive_pdf(doc)
    text = _flat(_text(pdf, tmp_path))
    for needle in ("林一鸣", "学生心理成长档案", "完整版", *HEADINGS, "暂无测评记录", "自述考试焦虑", "课间常独处",
                   "<注意>&", "留守儿童", "第1页", "第2页"):
        assert needle in text, needle
    fonts = _fonts(pdf, tmp_path)
    assert fonts and all("WenQuanYi" in f[0] and f[-5] == "yes" for f in fonts)  # only our font, embedded


def test_transfer_edition_carries_only_what_the_policy_lets_travel(school_a, tmp_path):
    out = transfer.export_student(school_a.counselor, school_a.ids["苏晓雨"], tmp_path / "su.xadx",
                                  passphrase=PASSPHRASE)
    pdf = transfer.read_transfer(out.path, PASSPHRASE).pdf
    text = _flat(_text(pdf, tmp_path))
    assert "苏晓雨" in text and "转移版" in text and "主动帮助同学" in text
    assert "人际困扰" not in text  # counselling without consent stays at school A
    assert "心理辅导内容：未包含" in text


def test_sections_from_other_areas_are_rendered_with_the_trend_chart(school_a, tmp_path):
    def screenings(session, student_id, edition):
        return {"summary": "两次测评，分数下降。", "items": [{"date": "2025-10-10", "title": "PHQ-9 12分", "text": "中度"}],
                "series": [{"name": "PHQ-9", "points": [["2024-10-10", 12], ["2025-10-10", 7]]}]}

    def broken(session, student_id, edition):
        raise RuntimeError("bug in another area")

    register_section("screenings", screenings, title=("心理测评", "screenings"), order=10)
    register_section("warning_levels", broken, title=("预警等级", "warning levels"), order=20)
    try:
        doc = view_archive(school_a.counselor, school_a.ids["贺子轩"])
        pdf = render_archive_pdf(doc)
        text = _flat(_text(pdf, tmp_path))
    finally:
        unregister_section("screenings")
        unregister_section("warning_levels")
    assert "两次测评，分数下降。" in text and "PHQ-9" in text and "暂无测评记录" not in text
    assert "以下部分暂时无法生成：预警等级" in text
    assert all("WenQuanYi" in f[0] and f[-5] == "yes" for f in _fonts(pdf, tmp_path))  # the chart's text too


def test_an_empty_archive_renders_and_says_so(school_a, tmp_path):
    doc = view_archive(school_a.counselor, school_a.ids["任浩然"])
    text = _flat(_text(render_archive_pdf(doc), tmp_path))
    assert "任浩然" in text and "成长记录（观察、家访、家长联系、辅导等）：暂无" in text and "暂无测评记录" in text and "无特殊群体记录" in text


def test_handover_list(school_a, tmp_path):
    ids = transfer.batch_students(school_a.counselor, "七年级")
    batch = transfer.export_batch(school_a.counselor, ids, tmp_path / "out", passphrase=None)
    text = _flat(_text(batch.handover_pdf.read_bytes(), tmp_path))
    assert all("WenQuanYi" in f[0] and f[-5] == "yes" for f in _fonts(batch.handover_pdf.read_bytes(), tmp_path))
    assert batch.passphrase and batch.passphrase in text
    for f in batch.files:
        assert f.name in text and f.file_name in text
    # The generated passphrase opens every file of the batch.
    assert transfer.read_transfer(batch.files[-1].path, batch.passphrase).archive["student"]["name"] == \
        batch.files[-1].name
