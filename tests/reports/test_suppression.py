"""Small-count suppression: no count of 1–4 outside the whole-school cells is visible to a
non-counselor, and no hidden count can be worked out from the totals that are shown."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from xadesk.reports.figures import count_table
from xadesk.reports.suppression import (
    COMPLEMENT_MARK,
    PRIMARY_MARK,
    Line,
    is_small,
    suppress,
    suppress_line_with_total,
)


def _recoverable(values, sup, n_rows: int, n_cols: int) -> list[tuple[int, int]]:
    """Hidden cells a reader can work out from what is shown, for a table whose last column holds
    row totals and last row column totals; a hidden cell being any count (0 or more).

    Exact, by the structure of such tables: two tables that agree on every shown cell and every
    total differ by a circulation on the hidden cells (rows and columns as nodes, hidden cells as
    edges), which splits into simple cycles that each keep the cells non-negative. So a hidden cell
    can be worked out exactly when no simple cycle through it can be moved by one in either direction.
    """
    hidden = set(sup.hidden)
    sign_r = [1] * (n_rows - 1) + [-1]
    sign_c = [1] * (n_cols - 1) + [-1]
    out = []

    def movable(cycle: list[tuple[int, int]]) -> bool:
        # d alternates along the cycle, flipped again where a total row/column is crossed
        d = [1]
        for (r0, c0), (r1, c1) in itertools.pairwise(cycle):
            if r0 == r1:
                d.append(-sign_c[c0] * sign_c[c1] * d[-1])
            else:
                d.append(-sign_r[r0] * sign_r[r1] * d[-1])
        up = all(values[r][c] >= 1 for (r, c), x in zip(cycle, d, strict=False) if x < 0)
        down = all(values[r][c] >= 1 for (r, c), x in zip(cycle, d, strict=False) if x > 0)
        return up or down

    def cycles_through(start):
        # paths alternating row-move / column-move among hidden cells, back to start
        def walk(path, along_row):
            r, c = path[-1]
            for nxt in hidden:
                if nxt in path[1:]:
                    continue
                if along_row and (nxt[0] != r or nxt[1] == c):
                    continue
                if not along_row and (nxt[1] != c or nxt[0] == r):
                    continue
                if nxt == start:
                    if len(path) >= 4 and len(path) % 2 == 0:
                        yield list(path)
                    continue
                if nxt in path:
                    continue
                yield from walk([*path, nxt], not along_row)
        yield from walk([start], True)

    for cell in sorted(hidden):
        if not any(movable(cyc) for cyc in cycles_through(cell)):
            out.append(cell)
    return out


def test_a_small_cell_and_its_complement_in_a_row():
    t = count_table("t", "t", "班级", ["一班", "二班"], ["甲", "乙"], [[3, 20], [10, 12]], whole_school_total=True)
    shown = t.display(counselor=False)
    assert shown[0][0] == PRIMARY_MARK
    # The row total (23) and the column total (13) would give the 3 away: more cells are hidden.
    row = shown[0]
    assert sum(isinstance(v, str) for v in row) >= 2
    assert sum(isinstance(shown[r][0], str) for r in range(3)) >= 2
    assert t.display(counselor=True)[0][0] == 3


def test_whole_school_cells_stay_visible():
    t = count_table("t", "t", "班级", ["一班", "二班"], ["甲", "乙"], [[0, 20], [2, 12]], whole_school_total=True)
    shown = t.display(counselor=False)
    assert shown[1][0] == PRIMARY_MARK
    assert shown[2][0] == 2 or shown[2][0] == COMPLEMENT_MARK
    assert t.display(counselor=False)[2][-1] == 34


def test_a_line_of_hidden_zeros_is_not_left_alone():
    # Both hidden cells of the first row would add up to 0 and so be known: another is hidden.
    values = [[40, 0, 0, 40], [30, 1, 1, 32]]
    lines = [Line(((0, 0), (0, 1), (0, 2)), (0, 3)), Line(((1, 0), (1, 1), (1, 2)), (1, 3))]
    sup = suppress(values, lines)
    assert sup.primary == {(1, 1), (1, 2)}
    assert (1, 0) in sup.complement  # 1 + 1 = 2 = two "<5" cells: each would be 1


def test_homeroom_line_with_total():
    counts, total = suppress_line_with_total({"无": 30, "轻度": 3, "中度": 0}, 33)
    assert counts["轻度"] == PRIMARY_MARK
    assert counts["无"] == COMPLEMENT_MARK or total == COMPLEMENT_MARK


tables = st.integers(min_value=1, max_value=3).flatmap(
    lambda rows: st.integers(min_value=1, max_value=3).flatmap(
        lambda cols: st.lists(st.lists(st.integers(min_value=0, max_value=6), min_size=cols, max_size=cols),
                              min_size=rows, max_size=rows)))


@settings(max_examples=300, deadline=None)
@given(tables, st.booleans())
def test_no_small_count_visible_and_none_recoverable(inner, whole_school):
    t = count_table("t", "t", "单位", [f"r{i}" for i in range(len(inner))], [f"c{j}" for j in range(len(inner[0]))],
                    inner, whole_school_total=whole_school)
    shown = t.display(counselor=False)
    for r, row in enumerate(t.values):
        for c, v in enumerate(row):
            if is_small(v) and (r, c) not in t.exempt:
                assert shown[r][c] == PRIMARY_MARK
    sup = t.suppression(counselor=False)
    if not sup.hidden:
        return
    assert _recoverable(t.values, sup, len(t.rows), len(t.cols)) == [], (t.values, sorted(sup.primary),
                                                                          sorted(sup.complement))


def test_the_recoverability_check_catches_a_lone_hidden_cell():
    values = [[3, 20, 23], [10, 12, 22], [13, 32, 45]]
    only_one = suppress(values, [])  # primary suppression alone: the 3 is the only hidden cell
    assert _recoverable(values, only_one, 3, 3) == [(0, 0)]
