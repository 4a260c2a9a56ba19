"""RowTableModel + FilterProxy: declared columns, filter as you type, sorting, 10,000 rows."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import QLineEdit, QTableView

from ui.tablemodel import (
    RIGHT,
    ROW_ROLE,
    Column,
    FilterProxy,
    RowTableModel,
    configure_table_view,
    connect_filter_edit,
    normalise,
)

pytestmark = pytest.mark.gui

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "子涵欣怡梓轩浩宇雨萱一诺宇轩梓涵可馨思彤俊杰佳怡诗琪博文雅琪晨阳语嫣皓轩明远嘉怡天佑若曦"
GRADES = ["初一", "初二", "初三"]


@dataclass
class Student:
    student_no: str
    name: str
    klass: str
    age: int | None


def make_students(n: int, seed: int = 7) -> list[Student]:
    rnd = random.Random(seed)
    return [
        Student(
            student_no=f"G{110101200801010000 + i:018d}",
            name=rnd.choice(SURNAMES) + rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.6 else ""),
            klass=f"{rnd.choice(GRADES)}({rnd.randint(1, 12)})班",
            age=None if i % 97 == 0 else rnd.randint(11, 16),
        )
        for i in range(n)
    ]


COLUMNS = [
    Column("学籍号", "student_no"),
    Column("姓名", "name"),
    Column("班级", "klass"),
    Column("年龄", "age", align=RIGHT, fmt=lambda v: f"{v} 岁"),
]


def build(rows, filter_columns=(0, 1, 2)):
    model = RowTableModel(COLUMNS)
    model.set_rows(rows)
    return model, FilterProxy(model, filter_columns=list(filter_columns))


def test_columns_headers_alignment_and_rows(qapp):
    students = make_students(5)
    model, proxy = build(students)
    assert model.rowCount() == 5 and model.columnCount() == 4
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == ["学籍号", "姓名", "班级", "年龄"]
    idx = model.index(1, 3)
    assert model.data(idx) == f"{students[1].age} 岁"
    assert model.data(idx, Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    assert model.data(model.index(2, 0), ROW_ROLE) is students[2]
    assert model.row_at(model.index(3, 1)) is students[3]
    assert proxy.row_at(4) is students[4]
    assert not model.flags(idx) & Qt.ItemFlag.ItemIsEditable


def test_dict_rows_and_getters(qapp):
    model = RowTableModel([Column("姓名", "name"), Column("人数", lambda r: len(r["members"]))])
    model.set_rows([{"name": "初二(3)班", "members": [1, 2, 3]}, {"name": None, "members": []}])
    assert model.cell_text(0, 1) == "3"
    assert model.cell_text(1, 0) == ""  # None shows empty


def test_filter_10000_chinese_rows(qapp):
    students = make_students(10_000)
    t0 = time.perf_counter()
    _model, proxy = build(students)
    t1 = time.perf_counter()
    proxy.set_filter_text("张")
    t2 = time.perf_counter()
    expected = [s for s in students if "张" in s.name or "张" in s.klass]
    assert proxy.rowCount() == len(expected) > 0
    assert proxy.visible_rows() == expected
    # Several tokens: all must match; full-width brackets in the query match half-width data.
    proxy.set_filter_text("初二（3）  王")
    expected = [s for s in students if "初二(3)" in s.klass and "王" in s.name]
    assert proxy.rowCount() == len(expected) > 0
    # Case-insensitive on the 学籍号 letter.
    proxy.set_filter_text("g11010120080101000")
    assert proxy.rowCount() == 10
    proxy.set_filter_text("")
    assert proxy.rowCount() == 10_000
    t3 = time.perf_counter()
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    t4 = time.perf_counter()
    print(f"\n10k rows: set_rows {1000 * (t1 - t0):.0f} ms, filter '张' {1000 * (t2 - t1):.0f} ms, "
          f"sort by name {1000 * (t4 - t3):.0f} ms")


def test_filter_only_looks_at_chosen_columns(qapp):
    students = make_students(200)
    _model, proxy = build(students, filter_columns=[1])  # names only
    proxy.set_filter_text("初二")
    assert proxy.rowCount() == 0


def test_sort_keeps_nones_last_and_selection_follows_its_row(qapp, qtbot):
    students = make_students(300)
    _model, proxy = build(students)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    configure_table_view(view)
    assert proxy.visible_rows() == students  # no sorting until a header is clicked
    target = students[123]
    view.selectionModel().select(proxy.index(123, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                 | QItemSelectionModel.SelectionFlag.Rows)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        view.sortByColumn(3, order)
        ages = [proxy.row_at(r).age for r in range(proxy.rowCount())]
        present = [a for a in ages if a is not None]
        assert present == sorted(present, reverse=order == Qt.SortOrder.DescendingOrder)
        assert ages[len(present):] == [None] * (len(ages) - len(present))
        [selected] = view.selectionModel().selectedRows()
        assert proxy.row_at(selected) is target
    # Sorting while filtered keeps the filter.
    proxy.set_filter_text("李")
    view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    names = [r.name for r in proxy.visible_rows()]
    assert names == sorted(names) and all("李" in n or "李" in r.klass for n, r in zip(names, proxy.visible_rows(),
                                                                                     strict=True))


def test_set_rows_resets_the_model(qapp, qtbot):
    model, proxy = build(make_students(50))
    proxy.set_filter_text("张")
    with qtbot.waitSignal(model.modelReset, timeout=1000):
        model.set_rows(make_students(20, seed=3))
    expected = [s for s in make_students(20, seed=3) if "张" in s.name or "张" in s.klass]
    assert proxy.rowCount() == len(expected)
    assert model.rowCount(model.index(0, 0)) == 0 and model.rowCount(QModelIndex()) == 20


def test_filter_edit_applies_after_a_pause_or_on_enter(qapp, qtbot, type_text):
    students = make_students(500)
    _model, proxy = build(students)
    edit = QLineEdit()
    qtbot.addWidget(edit)
    connect_filter_edit(edit, proxy, delay_ms=50)
    type_text(edit, "刘")
    assert edit.text() == "刘"
    qtbot.waitUntil(lambda: proxy.filter_text() == "刘", timeout=2000)
    assert proxy.rowCount() == sum("刘" in s.name or "刘" in s.klass for s in students)
    edit.setText("初三")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert proxy.filter_text() == "初三"  # at once


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(st.tuples(st.text("张王初二(（)）3ＡaB ", max_size=6), st.text("张王初二3aB", max_size=4)),
                      max_size=30),
       query=st.text("张王初二(（)）3ＡaB ", max_size=6))
def test_filter_matches_a_naive_reference(qapp, cells, query):
    model = RowTableModel([Column("a", lambda r: r[0]), Column("b", lambda r: r[1])])
    model.set_rows(cells)
    proxy = FilterProxy(model)
    proxy.set_filter_text(query)
    tokens = normalise(query).split()
    expected = [r for r in cells if all(t in normalise(r[0]) or t in normalise(r[1]) for t in tokens)]
    assert proxy.visible_rows() == expected


def test_rows_are_formatted_when_shown_and_filtering_and_sorting_still_see_every_row(qtbot):
    """set_rows formats nothing up front (issue 15: 5,000 review-queue rows held the UI thread); what
    is shown, filtered and sorted is the same as when every cell was formatted at once."""
    calls: list[str] = []

    def counted(s: Student) -> str:
        calls.append(s.student_no)
        return s.klass

    rows = make_students(3000, seed=11)
    model = RowTableModel([Column("学籍号", "student_no"), Column("姓名", "name"), Column("班级", counted)])
    proxy = FilterProxy(model, filter_columns=[1, 2])
    view = QTableView()
    qtbot.addWidget(view)
    configure_table_view(view)
    view.setModel(proxy)
    view.resize(600, 300)
    model.set_rows(rows)
    view.show()
    qtbot.waitExposed(view)
    view.grab()                                       # paint
    assert 0 < len(calls) < 200                       # the rows painted, not 3,000
    target = rows[2999]
    proxy.set_filter_text(f"{target.name} {target.klass}")
    shown = proxy.visible_rows()
    assert target in shown
    assert shown == [r for r in rows if normalise(target.name) in normalise(r.name)
                     and normalise(target.klass) in normalise(r.klass)]
    proxy.set_filter_text("")
    view.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert [model.cell_text(i, 2) for i in range(model.rowCount())] == sorted((r.klass for r in rows), reverse=True)
    assert [model.cell_text(i, 0) for i in range(3)] == [r.student_no for r in model.rows()[:3]]
