"""The answer-file reader: its fast byte path and the csv-module path read the same files the same
way, whatever the encoding, line ends, slicing or container; formula cells are found by cell."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from xadesk.answers import reader
from xadesk.answers.reader import is_answer_file, read_answers
from xadesk.errors import ValidationFailed
from xadesk.instruments import load_builtin
from xadesk.xlsx_formulas import formula_cells_without_value

PHQ = load_builtin("phq9")
GAD = load_builtin("gad7")

cell = st.sampled_from(["0", "1", "2", "3", "", " 2", "2.0", "３", "9", "x", "\u0661", "1\u200b"])
row = st.tuples(st.sampled_from(["s1", "s2", "s3", "甲4", "S5", "s6", ""]), st.lists(cell, min_size=9, max_size=9))


def _text(rows, delimiter=",", quote_ids=False) -> str:
    head = delimiter.join(["id", *map(str, range(1, 10))])
    lines = [head]
    for rid, cells in rows:
        rid = f'"{rid}"' if quote_ids else rid
        lines.append(delimiter.join([rid, *cells]))
    return "\n".join(lines) + "\n"


def _outcome(path, defns=(PHQ,), **kw):
    try:
        a = read_answers(path, list(defns), **kw)
    except ValidationFailed as exc:
        return ("refused", exc.full_text().replace(path.name, "F"))
    return ("read", a.ids, a.rows.tolist(), {k: np.nan_to_num(v, nan=-1).tolist() for k, v in a.answers.items()})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=0, max_size=12), crlf=st.booleans(), tab=st.booleans(),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]), small=st.booleans())
def test_fast_path_and_csv_module_agree(tmp_path_factory, monkeypatch, rows, crlf, tab, encoding, small):
    tmp = tmp_path_factory.mktemp("r")
    if small:   # many tiny slices: every slice boundary and the per-slice fallback get exercised
        monkeypatch.setattr(reader, "_SLICE_BYTES", 24)
    text = _text(rows, "\t" if tab else ",")
    quoted = _text(rows, "\t" if tab else ",", quote_ids=True)   # a quote anywhere: the csv module reads it all
    if crlf:
        text, quoted = text.replace("\n", "\r\n"), quoted.replace("\n", "\r\n")
    plain, slow = tmp / "a.csv", tmp / "b.csv"
    plain.write_bytes(text.encode(encoding))
    slow.write_bytes(quoted.encode(encoding))
    assert _outcome(plain, instrument="phq9") == _outcome(slow, instrument="phq9")


def test_csv_and_xlsx_read_alike(tmp_path):
    rows = [("s1", ["1", "2", "", "3", "0", "0", "1", "1", "2"]), ("s2", ["0"] * 9)]
    (tmp_path / "a.csv").write_text(_text(rows), encoding="utf-8")
    wb = Workbook()
    ws = wb.active
    ws.append(["id", *range(1, 10)])
    for rid, cells in rows:
        ws.append([rid, *[int(c) if c else None for c in cells]])
    wb.save(tmp_path / "a.xlsx")
    assert _outcome(tmp_path / "a.csv") == _outcome(tmp_path / "a.xlsx")


def test_ragged_rows_blank_rows_and_short_rows(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("标题行\nid,1,2,3,4,5,6,7,8,9\ns1,0,0,0,0,0,0,0,0,0,,\n,,,,\n\ns2,1,1\n", encoding="utf-8")
    a = read_answers(path, [PHQ])
    assert a.ids == ["s1", "s2"] and a.rows.tolist() == [3, 6]       # empty trailing cells are fine
    assert a.answers["phq9"][1, :2].tolist() == [1.0, 1.0] and np.isnan(a.answers["phq9"][1, 2:]).all()


def test_battery_headers_and_extras(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,姓名,用时,年级,性别,phq9.1,phq9.2,phq9.3,phq9.4,phq9.5,phq9.6,phq9.7,phq9.8,phq9.q9,"
                    + ",".join(f"gad7.{i}" for i in range(1, 8)) + "\n"
                    + "s1,张三,120,8,女," + ",".join(["1"] * 9) + "," + ",".join(["2"] * 7) + "\n", encoding="utf-8")
    a = read_answers(path, [PHQ, GAD], action="import")
    assert a.answers["phq9"][0, :9].tolist() == [1.0] * 9 and a.answers["gad7"][0].tolist() == [2.0] * 7
    assert a.seconds.tolist() == [120.0] and a.grades.tolist() == [8] and a.sexes.tolist() == ["F"]


def test_bare_numbers_with_two_instruments_need_one_named(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(_text([("s1", ["0"] * 9)]), encoding="utf-8")
    with pytest.raises(ValidationFailed) as exc:
        read_answers(path, [PHQ, GAD], action="import")
    assert "phq9.1" in exc.value.full_text() and "第2列（B" in exc.value.full_text()
    assert read_answers(path, [PHQ, GAD], instrument="phq9").answers.keys() == {"phq9"}


def test_is_answer_file_reads_the_header_row(tmp_path):
    (tmp_path / "a.csv").write_text("说明\nID,1,2\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("序号,提交答卷时间,1、题\n1,2026,A\n", encoding="utf-8")
    assert is_answer_file(tmp_path / "a.csv") and not is_answer_file(tmp_path / "b.csv")


def _with_cached_value(path):
    """Rewrite the saved workbook so the formula in B2 carries a saved result, as Excel writes it."""
    src = zipfile.ZipFile(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v />", b"<v>3</v>")
            out.writestr(info, data)
    path.write_bytes(buf.getvalue())


def test_formula_cells_without_value_are_named_and_with_value_are_read(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["id", *range(1, 10)])
    ws.append(["s1", 0, 0, 0, 0, 0, 0, 0, 0, "=2+1"])
    wb.create_sheet("说明").append(["=1+1"])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    assert formula_cells_without_value(path) == ["J2"]
    assert formula_cells_without_value(path.read_bytes(), "说明") == ["A1"]
    with pytest.raises(ValidationFailed) as exc:
        read_answers(path, [PHQ])
    assert "单元格 J2" in exc.value.full_text()
    _with_cached_value(path)
    assert formula_cells_without_value(path) == []
    a = read_answers(path, [PHQ])
    assert a.answers["phq9"][0, 8] == 3.0


def test_a_damaged_workbook_is_a_clear_error(tmp_path):
    path = tmp_path / "f.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    with pytest.raises(Exception) as exc:
        read_answers(path, [PHQ])
    assert "损坏" in str(exc.value)
