"""Chinese line breaking in every PDF (archive, reports, slips): no line starts with a closing mark,
also where two closing marks meet (”。 ）。 》，), and no line ends with an opening mark. Checked with
pdftotext on a PDF where each pair falls at every position of a line, in a paragraph of one style
and in one with a line break inside (reportlab's two splitting loops)."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate

from xadesk.reports.linebreak import next_line_start
from xadesk.reports.styles import para

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")

CLOSING = "，；：！？、。）》」』】〕〉…”’％"
OPENING = "（《「『【〔〈“‘"
PAIRS = ["“好”。", "（见附件）。", "《守则》，", "说“不”；", "（二）、"]


def sentences() -> list[str]:
    out = []
    for pair in PAIRS:
        for k in range(0, 48):        # the pair at every position of a ~45-character line
            out.append("甲" * k + pair + "乙" * 30)
    return out


def pdf_lines(tmp_path, texts: list[str]) -> list[str]:
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4).build([para(t) for t in texts])
    path = tmp_path / "lines.pdf"
    path.write_bytes(buf.getvalue())
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("break_inside", [False, True], ids=["one-style", "with-line-break"])
def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one(tmp_path, break_inside):
    texts = [("丙\n" + t) if break_inside else t for t in sentences()]
    lines = pdf_lines(tmp_path, texts)
    starts = [line for line in lines if line.lstrip()[0] in CLOSING]
    ends = [line for line in lines if line.rstrip()[-1] in OPENING]
    assert (starts, ends) == ([], [])
    assert "".join(lines).replace("\u3000", "") == "".join(texts).replace("\n", "")   # nothing lost


def test_one_closing_mark_still_hangs_rather_than_moving_a_character_down():
    # "甲乙。丙": overflowing at "。" followed by an ordinary character: it stays on the line.
    assert next_line_start("甲乙。丙", 0, 2) == 3
    # two marks: the character before them moves down with them
    assert next_line_start("甲乙）。丙", 0, 2) == 1
    # an opening mark never ends a line
    assert next_line_start("甲（乙）", 0, 2) == 1
    # a line of nothing but marks still makes progress
    assert next_line_start("）。，", 0, 0) == 1
