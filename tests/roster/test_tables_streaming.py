"""CSV files are decoded as they are read: the same records as decoding the whole text at once, in
UTF-8 (with or without a BOM), GB18030 and UTF-16, whatever falls on a slice boundary, with memory
for a slice of text rather than the file's."""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xadesk import tables
from xadesk.tables import csv_records, read_table, text_encoding


def reference(data: bytes, encoding: str) -> list[list[str | None]]:
    """What the reader gave before it streamed: the whole text decoded, then the csv module."""
    text = data.decode(encoding)
    delimiter = tables.csv_delimiter(text)
    return [[v.strip() or None for v in rec] for rec in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def streamed(data: bytes) -> list[list[str | None]]:
    encoding = text_encoding(data)
    assert encoding is not None
    return [cells for _, cells in csv_records(data, encoding, "a.csv")]


ROW = "G610113201301010011,张小明,男,初二(3)班,“好”\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_a_file_of_several_slices_reads_as_the_whole_text_did(tmp_path, encoding):
    text = "学籍号,姓名,性别,班级,备注\r\n" + ROW * 60_000 + '1,"两行\r\n的备注",女,七年级1班,\r\n'
    data = text.encode(encoding)
    assert len(data) > 2 * (1 << 20)     # several 1 MB slices, a character cut at each boundary
    path = tmp_path / "名单.csv"
    path.write_bytes(data)
    table = read_table(path)
    assert [table.header, *[r.cells for r in table.rows]] == reference(data, encoding)
    assert table.rows[-1].cells[1] == "两行\r\n的备注" and table.rows[-1].number == 60_002


def test_first_chinese_character_two_megabytes_in_is_still_gb18030(tmp_path):
    text = "id,name\n" + "".join(f"{k},student{k}\n" for k in range(150_000)) + "150000,李小红\n"
    data = text.encode("gb18030")
    assert data.index(b"\xc0\xee") > 2 * (1 << 20)
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    assert text_encoding(data) == "gb18030"
    assert read_table(path).rows[-1].cells == ["150000", "李小红"]


def test_utf8_with_a_gbk_line_deep_inside_is_read_as_gb18030_whole(tmp_path):
    """Whole-file order as before: one GBK line makes the file GB18030, even after UTF-8-looking text."""
    data = ("id,name\n" + "1,abc\n" * 300_000).encode() + "2,李小红\n".encode("gbk")
    assert text_encoding(data) == "gb18030" and streamed(data) == reference(data, "gb18030")


def test_reading_holds_a_slice_of_text_not_the_file(tmp_path):
    data = ("学籍号,姓名\n" + "G610113201301010011,欧阳娜娜\n" * 200_000).encode("utf-8-sig")
    tracemalloc.start()
    try:
        count = sum(1 for _ in csv_records(data, "utf-8-sig", "a.csv"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_001
    assert peak < len(data) // 2     # the whole text as one str was 1.5× the file (10 MB here)


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(st.lists(st.text(alphabet=st.sampled_from(list('ab张,"\r\n\t 　好é𝄞')), max_size=6),
                               min_size=1, max_size=4), min_size=1, max_size=12),
       ending=st.sampled_from(["\n", "\r\n", "\r"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
       slice_bytes=st.integers(min_value=1, max_value=9))
def test_any_slice_boundary_gives_the_records_of_the_whole_text(cells, ending, encoding, slice_bytes):
    buf = io.StringIO()
    csv.writer(buf, lineterminator=ending).writerows(cells)
    data = buf.getvalue().encode(encoding)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(tables, "_SLICE_BYTES", slice_bytes)   # tiny slices: every boundary is exercised
        assert streamed(data) == reference(data, text_encoding(data))
