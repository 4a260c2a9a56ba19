"""Every xlsx and CSV the app writes keeps text as text: a name like ``=HYPERLINK(…)`` or
``=cmd|'/c calc'!A1`` can never become a live formula (CSV injection)."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xadesk.cli.main import main
from xadesk.sheets import csv_cell, looks_like_formula

NASTY = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "=cmd|'/c calc'!A1", "+1+2", "-2+3", "@SUM(A1:A2)",
         "\t=1+1", "\r=1+1", " =1+1", "＝1+1"]


def _no_formula_in_xlsx(path) -> None:
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


def test_campaign_results_xlsx_keeps_formula_looking_names_as_text(small_school, tmp_path):
    from xadesk.services import screening_answers as A
    from xadesk.services.campaigns import create_campaign
    from xadesk.services.screening_results import export_results_xlsx
    from xadesk.storage.models import Student

    admin = small_school.admin
    ids = list(small_school.student_ids.values())
    with admin.db.write() as s:
        for sid, name in zip(ids, NASTY, strict=False):
            s.get(Student, sid).name = name
    counselor = small_school.as_user("xinli")
    try:
        c = create_campaign(counselor, "=1+1 普查", ["phq9"], grades=["J1", "J2"], open_now=True)
        for sid in ids:
            for j in range(10):
                A.record_answer(counselor, c.id, sid, "phq9", j, 1, 2.0)
        out = tmp_path / "结果.xlsx"
        assert export_results_xlsx(counselor, c.id, out) == len(ids)
    finally:
        counselor.close()
    _no_formula_in_xlsx(out)
    sheet = openpyxl.load_workbook(out).active
    names = {sheet.cell(row=r, column=2).value for r in range(2, sheet.max_row + 1)}
    assert set(NASTY[:len(ids)]) <= names  # verbatim, and stored as text
    for r in range(2, sheet.max_row + 1):
        cell = sheet.cell(row=r, column=2)
        assert cell.data_type == "s"
        if looks_like_formula(cell.value):
            assert cell.quotePrefix


def test_score_csv_output_defuses_formula_ids(tmp_path, capsys):
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", *range(1, 11)])
        # The answer reader trims ids and refuses repeats, so the whitespace-led variants get distinct tails.
        for k, v in enumerate(NASTY):
            w.writerow([f"{v}{k}", 1, 2, 0, 3, 1, 0, 2, 1, 0, 1])
    out = tmp_path / "out.csv"
    assert main(["score", "--instrument", "phq9", str(src), "--format", "csv", "--out", str(out)]) == 0
    got = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    ids = [r[0] for r in got[1:]]
    assert ids and all(i.startswith("'") for i in ids), ids
    # Numbers stay numbers.
    assert got[1][1] in ("true", "false") and got[1][2].isdigit()


def test_roster_writers_keep_text_as_text(tmp_path):
    import dataclasses

    from xadesk.domain.synthetic import generate_students, write_roster_csv, write_roster_xlsx

    records = generate_students([("J1", 1)], per_class=3)
    records = [dataclasses.replace(r, name=NASTY[i]) for i, r in enumerate(records)]
    x = write_roster_xlsx(tmp_path / "r.xlsx", records)
    _no_formula_in_xlsx(x)
    c = write_roster_csv(tmp_path / "r.csv", records)
    cells = {v for row in csv.reader(io.StringIO(c.read_text(encoding="utf-8-sig"))) for v in row}
    for name in NASTY[:3]:
        assert "'" + name in cells


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_csv_cell_never_leaves_a_formula_start(text):
    out = csv_cell(text)
    if out:
        assert not looks_like_formula(out) and out[0] not in "\t\r"


@pytest.mark.parametrize("value", [3, 2.5, None, -4])
def test_numbers_pass_unchanged(value):
    assert csv_cell(value) == value
