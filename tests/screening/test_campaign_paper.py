"""Paper: answer sheets with the header fields, a grid with range checks, double entry mismatches."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from xadesk.errors import ValidationFailed
from xadesk.services.screening_paper import (
    answer_sheets,
    paper_grid,
    paper_mismatches,
    resolve_paper,
    save_paper_row,
)
from xadesk.services.screening_results import results


def test_answer_sheets_pdf(counselor, campaign, small_school, tmp_path):
    pdf = answer_sheets(counselor, campaign.id, small_school.class_ids[("J1", 1)])
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        (tmp_path / "s.pdf").write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True).stdout
        for word in ("学校", "年级", "班级", "学号", "姓名", "性别", "日期", "林一鸣", "苏晓雨", "七年级(1)班",
                     "做事时提不起劲或没有兴趣", "□0 完全不会"):
            assert word in text, word


def test_grid_single_and_double_entry(counselor, campaign, small_school):
    cls = small_school.class_ids[("J1", 1)]
    lin, su = small_school.student_ids["林一鸣"], small_school.student_ids["苏晓雨"]
    grid = paper_grid(counselor, campaign.id, cls, "phq9")
    assert [r.name for r in grid.rows] == ["林一鸣", "苏晓雨"] and grid.codes[0] == ("0", "1", "2", "3")
    with pytest.raises(ValidationFailed) as exc:
        save_paper_row(counselor, campaign.id, lin, "phq9", ["1", "4", "x", "0"])
    assert exc.value.details == ["第2题只能填 0、1、2、3，不能填“4”。", "第3题只能填 0、1、2、3，不能填“X”。"]
    assert paper_grid(counselor, campaign.id, cls, "phq9").rows[0].pass1 is None      # nothing saved

    assert save_paper_row(counselor, campaign.id, lin, "phq9", ["1"] * 9 + ["0"]).stored
    first = save_paper_row(counselor, campaign.id, su, "phq9", ["0"] * 9, double_entry=True)
    assert not first.stored
    second = save_paper_row(counselor, campaign.id, su, "phq9", ["0"] * 4 + ["2"] + ["0"] * 4, pass_no=2,
                            double_entry=True)
    assert not second.stored and second.mismatch == (5,)
    [m] = paper_mismatches(counselor, campaign.id)
    assert (m.name, m.items) == ("苏晓雨", ((5, 0, 2),))
    resolve_paper(counselor, campaign.id, su, "phq9", ["0"] * 9)
    assert paper_mismatches(counselor, campaign.id) == []
    totals = {r.name: r.scales["total"].raw for r in results(counselor, campaign.id)}
    assert totals == {"林一鸣": 9, "苏晓雨": 0}
