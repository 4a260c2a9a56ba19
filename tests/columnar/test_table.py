"""``Table.select`` (issue 15: filters, search and sorting over every line of a large table in numpy)
gives exactly what a plain Python filter and sort of the same rows give."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from xadesk.columnar.table import Table, fold

NAMES = ["张三", "李四", "王五", "Ａｂ", "ab", "赵六六"]
CLASSES = ["七年级(10)班", "七年级(2)班", "八年级(1)班", "", None]
ORDER = {"七年级(2)班": (1, 2), "七年级(10)班": (1, 10), "八年级(1)班": (2, 1)}

row = st.tuples(st.sampled_from(NAMES), st.sampled_from(CLASSES), st.one_of(st.none(), st.integers(-3, 30)),
                st.sampled_from(["轻度", "重度", None]), st.sampled_from([(), ("safety:item9",), ("screen:x",)]))


def _table(rows):
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in range(5)]
    return Table({"name": cols[0], "cls": cols[1], "raw": cols[2], "band": cols[3], "flags": cols[4]},
                 text=["name", "cls", "band"], sort_keys={"cls": ORDER.__getitem__})


def _empty(v):
    return v is None or v == "" or v == ()


def _reference(rows, equals, truthy, text, sort):
    names = {"name": 0, "cls": 1, "raw": 2, "band": 3, "flags": 4}
    tokens = fold(text).split()
    keep = []
    for i, r in enumerate(rows):
        if any(r[names[c]] != v for c, v in equals.items()) or any(_empty(r[names[c]]) for c in truthy):
            continue
        cells = [fold("" if r[names[c]] is None else str(r[names[c]])) for c in ("name", "cls", "band")]
        if all(any(t in cell for cell in cells) for t in tokens):
            keep.append(i)
    if sort:
        column, descending = sort
        key = (lambda v: ORDER[v]) if column == "cls" else (lambda v: v)
        present = [i for i in keep if not _empty(rows[i][names[column]])]
        missing = [i for i in keep if _empty(rows[i][names[column]])]
        # Python's sort is stable, reverse=True too: equal keys keep the table's order both ways.
        present.sort(key=lambda i: key(rows[i][names[column]]), reverse=descending)
        keep = present + missing
    return keep


@settings(max_examples=150, deadline=None)
@given(st.lists(row, max_size=40), st.sampled_from([{}, {"cls": "七年级(2)班"}, {"band": "重度"}]),
       st.sampled_from([(), ("flags",), ("raw",)]), st.sampled_from(["", "张", "ab", "AB 七", "年级 重", "（2）"]),
       st.one_of(st.none(), st.tuples(st.sampled_from(["name", "cls", "raw", "band"]), st.booleans())))
def test_select_equals_a_python_filter_and_stable_sort(rows, equals, truthy, text, sort):
    t = _table(rows)
    got = t.select(equals=equals, truthy=truthy, text=text, sort=[sort] if sort else ())
    assert got.tolist() == _reference(rows, equals, truthy, text, sort)


def test_ties_keep_the_table_order_and_empty_values_stay_last_both_ways():
    t = _table([("张三", "七年级(2)班", 5, None, ()), ("李四", None, 5, None, ()), ("王五", "七年级(10)班", None, None, ()),
                ("赵六六", "七年级(2)班", 9, None, ())])
    assert t.select(sort=[("raw", False)]).tolist() == [0, 1, 3, 2]
    assert t.select(sort=[("raw", True)]).tolist() == [3, 0, 1, 2]
    assert t.select(sort=[("cls", False)]).tolist() == [0, 3, 2, 1]    # 七年级(2)班 before (10)班: grade order
    assert t.select(sort=[("cls", True)]).tolist() == [2, 0, 3, 1]
    assert t.distinct("cls") == ["七年级(2)班", "七年级(10)班"]


def test_a_search_token_never_matches_across_two_cells_and_folds_width():
    t = _table([("张三", "七年级(2)班", 1, "重度", ()), ("ab", "", 1, None, ())])
    assert t.select(text="三七").tolist() == []                 # the end of one cell and the start of the next
    assert t.select(text="ＡＢ").tolist() == [1]                 # full width folds to half width
    assert t.select(text="七年级（2） 重度").tolist() == [0]


def test_numpy_columns_are_kept_and_an_empty_table_selects_nothing():
    t = Table({"id": np.array([3, 1, 2], dtype=np.int64)})
    assert t.columns["id"].dtype == np.int64 and t.select(sort=[("id", True)]).tolist() == [0, 2, 1]
    assert Table({}).select(text="x", sort=[]).tolist() == []
