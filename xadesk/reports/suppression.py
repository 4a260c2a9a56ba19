"""Small-count suppression for every report table (plan reports, district files, band counts).

The rule (issue 13): a count from 1 to 4 in a cell that is not the whole school is shown as "<5"
to everyone but counselors (primary suppression). Because tables also print row and column totals,
one hidden cell in a line whose total is shown could be worked out by subtraction; so more cells are
hidden (complementary suppression, shown as "×") until every line with a shown total either hides
nothing or hides enough that no hidden value is pinned down.

A table is given as a grid of values plus *lines*: (member cells, total cell) where the members add
up to the total (a row and its row total, a column and the total row, a partition by sex …). The
function knows nothing about what the numbers mean, so the same code protects every table.

What a reader can know about hidden cells: a "<5" cell holds 1–4, a "×" cell holds any count. A
line's hidden cells are at risk when there is only one of them, when their sum equals the number of
"<5" cells (every one must then be 1 and every "×" 0, including a line of "×" cells adding up to 0), or when there is no "×" among them and their
sum is four times the number of "<5" cells (every one must be 4). Complements are chosen from the
line's other cells: non-zero counts before zeros, and among them the cell that opens the fewest new
lines with a single hidden cell, then the smallest; a whole-school cell only as a last resort.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

Cell = tuple[int, int]
THRESHOLD = 5
PRIMARY_MARK = "<5"
COMPLEMENT_MARK = "×"
LEGEND = "“<5”表示人数为 1–4，不予显示；“×”表示为防止由合计反推而一并隐藏的数字。"


@dataclass(frozen=True)
class Line:
    members: tuple[Cell, ...]
    total: Cell


@dataclass(frozen=True)
class Suppressed:
    primary: frozenset[Cell]
    complement: frozenset[Cell]

    @property
    def hidden(self) -> frozenset[Cell]:
        return self.primary | self.complement

    def mark(self, cell: Cell) -> str | None:
        if cell in self.primary:
            return PRIMARY_MARK
        if cell in self.complement:
            return COMPLEMENT_MARK
        return None


NOTHING = Suppressed(frozenset(), frozenset())


def is_small(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value < THRESHOLD


def _at_risk(cells: Sequence[Cell], values, primary: set[Cell], complement: set[Cell]) -> bool:
    hidden = [c for c in cells if c in primary or c in complement]
    if not hidden:
        return False
    if len(hidden) == 1:
        return True
    n_primary = sum(1 for c in hidden if c in primary)
    total = sum(_value(values, c) for c in hidden)
    if total == n_primary:
        return True
    return bool(n_primary) and n_primary == len(hidden) and total == (THRESHOLD - 1) * n_primary


def _value(values, cell: Cell) -> int:
    v = values[cell[0]][cell[1]]
    return v if isinstance(v, int) else 0


def suppress(values: Sequence[Sequence[int | None]], lines: Iterable[Line], *,
             exempt: Iterable[Cell] = (), hide: Iterable[Cell] = (), keep: Iterable[Cell] = ()) -> Suppressed:
    """Which cells to hide. ``values[r][c]`` is a count or None (not a count: never hidden);
    ``exempt`` cells describe the whole school (never primary-suppressed, hidden only as a last
    resort complement). ``hide`` and ``keep`` are cells another view of the same figures (the same
    grade in the school's report) already hides or shows: hidden here too, and never chosen as a
    complement here (a reader has that view as well, so hiding it here would protect nothing)."""
    lines = list(lines)
    exempt = set(exempt)
    primary = {(r, c) for r, row in enumerate(values) for c, v in enumerate(row)
               if is_small(v) and (r, c) not in exempt}
    complement: set[Cell] = {c for c in hide if c not in primary and values[c[0]][c[1]] is not None}
    fixed = set(keep) - primary
    lines_of: dict[Cell, list[Line]] = {}
    for line in lines:
        for cell in (*line.members, line.total):
            lines_of.setdefault(cell, []).append(line)

    def new_lone(cell: Cell) -> int:
        # How many other lines this cell would leave with a single hidden cell: choosing cells that
        # close a gap already open elsewhere keeps the cascade short.
        n = 0
        for other in lines_of.get(cell, []):
            if not any(c in primary or c in complement for c in (*other.members, other.total)):
                n += 1
        return n

    changed = True
    while changed:
        changed = False
        for line in lines:
            cells = [*line.members, line.total]
            while _at_risk(cells, values, primary, complement):
                candidates = [c for c in cells if c not in primary and c not in complement
                              and c not in fixed and values[c[0]][c[1]] is not None]
                if not candidates:
                    break
                best = min(candidates, key=lambda c: (c in exempt, _value(values, c) == 0, new_lone(c),
                                                      _value(values, c), c))
                complement.add(best)
                changed = True
        if not changed:
            # Per-line rules miss a cell pinned through several lines at once (a hidden total
            # that is the sum of cells each pinned by its own row): check the whole table.
            for cell in determined_cells(lines, primary | complement):
                for line in lines_of.get(cell, []):
                    cells = [*line.members, line.total]
                    candidates = [c for c in cells if c not in primary and c not in complement
                                  and c not in fixed and values[c[0]][c[1]] is not None]
                    if candidates:
                        complement.add(min(candidates, key=lambda c: (c in exempt, _value(values, c) == 0,
                                                                      new_lone(c), _value(values, c), c)))
                        changed = True
                        break
                if changed:
                    break
    return Suppressed(frozenset(primary), frozenset(complement))


def determined_cells(lines: Sequence[Line], hidden: set[Cell] | frozenset[Cell]) -> list[Cell]:
    """Hidden cells whose value follows from the shown cells and the lines' sums alone: those on
    which every solution of the lines' equations (restricted to hidden cells) agrees, i.e. cells
    with a zero component in every vector of the null space."""
    cells = sorted(hidden)
    if not cells:
        return []
    index = {c: i for i, c in enumerate(cells)}
    rows = []
    for line in lines:
        row = np.zeros(len(cells))
        for c in line.members:
            if c in index:
                row[index[c]] += 1.0
        if line.total in index:
            row[index[line.total]] -= 1.0
        if row.any():
            rows.append(row)
    if not rows:
        return []
    a = np.array(rows)
    _, sv, vt = np.linalg.svd(a)
    rank = int((sv > 1e-9 * max(1.0, sv.max())).sum())
    null = vt[rank:]
    if null.shape[0] == 0:
        return cells
    weight = np.abs(null).max(axis=0)
    return [c for c, w in zip(cells, weight, strict=True) if w < 1e-9]


def shown(value: int | float | None, cell: Cell, result: Suppressed) -> int | float | str | None:
    """The value a non-counselor sees in ``cell``."""
    return result.mark(cell) or value


def table_lines(n_rows: int, n_cols: int, *, row_totals: bool, total_row: bool) -> list[Line]:
    """Lines of the usual table: the last column is each row's total (``row_totals``) and the last
    row is each column's total (``total_row``)."""
    lines = []
    data_cols = n_cols - 1 if row_totals else n_cols
    data_rows = n_rows - 1 if total_row else n_rows
    if row_totals:
        for r in range(n_rows):
            lines.append(Line(tuple((r, c) for c in range(data_cols)), (r, n_cols - 1)))
    if total_row:
        for c in range(n_cols):
            lines.append(Line(tuple((r, c) for r in range(data_rows)), (n_rows - 1, c)))
    return lines


def suppress_line_with_total(counts: dict[str, int], total: int) -> tuple[dict[str, int | str], int | str]:
    """One line of counts whose total is shown (a class's bands, with the number screened)."""
    keys = list(counts)
    values = [[*(counts[k] for k in keys), total]]
    result = suppress(values, [Line(tuple((0, i) for i in range(len(keys))), (0, len(keys)))])
    return ({k: shown(counts[k], (0, i), result) for i, k in enumerate(keys)},
            shown(total, (0, len(keys)), result))
