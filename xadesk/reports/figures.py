"""The shape of a report: tables of figures (with the lines their totals close), plan indicators
against targets, and the report that holds them. PDF, xlsx, the screen and the district file all
read this one shape, so the same figures appear everywhere.

Suppression is applied here, once: :meth:`Table.display` returns what a viewer sees, with "<5" and
"×" in place of hidden counts, and rates computed from a hidden count hidden too ("—").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .suppression import NOTHING, Cell, Line, Suppressed, suppress, table_lines

HIDDEN_RATE = "—"


@dataclass
class Table:
    id: str
    title: str
    row_header: str
    rows: list[str]
    cols: list[str]
    values: list[list[int | float | None]]
    lines: list[Line] = field(default_factory=list)
    exempt: set[Cell] = field(default_factory=set)
    # rate cells: cell -> (numerator cell, denominator cell); shown as a percentage
    rates: dict[Cell, tuple[Cell, Cell]] = field(default_factory=dict)
    chart: str | None = None            # bar / stacked / line
    chart_cols: list[int] | None = None  # the columns drawn (None: every count column but totals)
    chart_rows: list[int] | None = None  # the rows drawn (None: every row but a total row)
    colours: list[str] | None = None     # one per drawn column
    note: str = ""
    counts: bool = True                  # False: not counts of students (hours, ratios): never suppressed
    plain: set[Cell] = field(default_factory=set)  # cells that are not counts of students (class sizes)
    # Cells the wider report (the school's for a grade, the grade's for a class) hides or shows: the
    # same figures must look the same in every report a person can open (see ``inherit_from``).
    hide: set[Cell] = field(default_factory=set)
    keep: set[Cell] = field(default_factory=set)

    def suppression(self, counselor: bool) -> Suppressed:
        if counselor or not self.counts:
            return NOTHING
        return suppress(self.count_values(), self.lines, exempt=self.exempt, hide=self.hide, keep=self.keep)

    def count_values(self) -> list[list[int | float | None]]:
        return [[None if (r, c) in self.rates or (r, c) in self.plain else v for c, v in enumerate(row)]
                for r, row in enumerate(self.values)]

    def inherit_from(self, wider: Table, rows: dict[str, str]) -> None:
        """Take the hidden/shown pattern of the cells this table shares with ``wider``: ``rows`` maps
        a row label here to the row label there holding the same counts (七年级's 合计 ↔ the school
        report's 七年级 row), columns match by name. Without this, the grade report could show a
        count the school report hides as a complement, and the two together give away a "<5"."""
        hidden = wider.suppression(False).hidden
        wider_counts = wider.count_values()
        mine = self.count_values()
        for r, label in enumerate(self.rows):
            there = rows.get(label)
            if there is None or there not in wider.rows:
                continue
            wr = wider.rows.index(there)
            for c, col in enumerate(self.cols):
                if mine[r][c] is None or col not in wider.cols:
                    continue
                wc = wider.cols.index(col)
                if wider_counts[wr][wc] is None or wider_counts[wr][wc] != mine[r][c]:
                    continue
                (self.hide if (wr, wc) in hidden else self.keep).add((r, c))

    def display(self, counselor: bool) -> list[list[int | float | str | None]]:
        """The cells as this viewer sees them: numbers, "<5", "×", or "—" for a hidden rate."""
        sup = self.suppression(counselor)
        out = []
        for r, row in enumerate(self.values):
            line: list[int | float | str | None] = []
            for c, v in enumerate(row):
                if (r, c) in self.rates:
                    num, den = self.rates[(r, c)]
                    line.append(HIDDEN_RATE if (num in sup.hidden or den in sup.hidden) else v)
                else:
                    line.append(sup.mark((r, c)) or v)
            out.append(line)
        return out

    def to_json(self, counselor: bool) -> dict:
        return {"id": self.id, "title": self.title, "row_header": self.row_header, "rows": self.rows,
                "cols": self.cols, "values": self.display(counselor), "chart": self.chart,
                "chart_cols": self.chart_cols, "chart_rows": self.chart_rows, "colours": self.colours,
                "rate_cells": sorted([list(k) for k in self.rates]), "note": self.note}


def count_table(id: str, title: str, row_header: str, rows: Sequence[str], cols: Sequence[str],
                values: list[list[int]], *, total_label: str | None = "合计", row_totals: bool = True,
                whole_school_total: bool = False, **kw) -> Table:
    """A table of counts with a total column (each row's sum) and a total row (each column's sum)
    appended, and the lines those totals close. ``whole_school_total``: the total row is the whole
    school, so it is never primary-suppressed."""
    cols = list(cols)
    vals = [list(r) for r in values]
    if row_totals:
        cols.append("合计")
        vals = [[*r, sum(r)] for r in vals]
    rows = list(rows)
    total_row = total_label is not None
    if total_row:
        rows.append(total_label)
        vals.append([sum(r[c] for r in vals) for c in range(len(cols))])
    t = Table(id, title, row_header, rows, cols, vals, **kw)
    t.lines = table_lines(len(rows), len(cols), row_totals=row_totals, total_row=total_row)
    if total_row and whole_school_total:
        t.exempt = {(len(rows) - 1, c) for c in range(len(cols))}
    if t.chart_rows is None and total_row:
        t.chart_rows = list(range(len(rows) - 1))
    if t.chart_cols is None and row_totals:
        t.chart_cols = list(range(len(cols) - 1))
    return t


def pct(num: int | float, den: int | float) -> float | None:
    return round(num / den, 4) if den else None


@dataclass(frozen=True)
class PlanIndicator:
    id: str
    label: str
    value: float | None
    target: float | None
    unit: str             # "%", "人", "小时", "次", "名/千人"
    higher_is_better: bool = True
    source: str = ""      # where the figure comes from, for the reader

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def shown_value(self) -> str:
        if self.value is None:
            return "无数据"
        if self.unit == "%":
            return f"{self.value * 100:.1f}%"
        v = round(self.value, 2)
        return f"{int(v) if float(v).is_integer() else v}{self.unit}"

    def shown_target(self) -> str:
        if self.target is None:
            return "—"
        if self.unit == "%":
            return f"≥{self.target * 100:.0f}%"
        v = round(self.target, 2)
        return f"{'≥' if self.higher_is_better else '≤'}{int(v) if float(v).is_integer() else v}{self.unit}"

    def to_json(self) -> dict:
        return {"id": self.id, "label": self.label, "value": self.value, "target": self.target,
                "unit": self.unit, "met": self.met, "source": self.source}


@dataclass
class Report:
    school_name: str
    school_uuid: str
    period_label: str      # "2026-2027学年" / the campaign's name
    school_year: str
    scope_label: str       # 全校 / 七年级 / 七年级(1)班
    scope_kind: str        # school / grade / class
    generated_at: str      # ISO 8601 UTC
    counselor_view: bool
    headline: dict[str, int | float | None]
    tables: list[Table]
    plan: list[PlanIndicator]
    campaign_name: str | None = None
    previous_campaign_name: str | None = None
    summary_lines: list[tuple[str, str]] | None = None  # the summary page's figures, when not a school's
    title: str = "心理健康工作报告"

    def table(self, id: str) -> Table:
        return next(t for t in self.tables if t.id == id)

    def to_json(self) -> dict:
        return {"school": {"name": self.school_name, "uuid": self.school_uuid},
                "period": self.period_label, "school_year": self.school_year, "scope": self.scope_label,
                "scope_kind": self.scope_kind, "generated_at": self.generated_at,
                "campaign": self.campaign_name, "previous_campaign": self.previous_campaign_name,
                "headline": self.headline, "tables": [t.to_json(self.counselor_view) for t in self.tables],
                "plan": [p.to_json() for p in self.plan]}


def stacked_hidden(part: Table, units: Sequence[Table], whole: Table, *, whole_school: bool) -> set[Cell]:
    """The cells of ``part`` (one of ``units``) to hide so that ``units`` (the same table for every
    grade, or every class of a grade, always in the same order so that every unit's report solves
    the same problem) together with ``whole`` (the school's, or the grade's) give no small count
    away: a grade's figure is the school's minus the other grades'. The tables are
    stacked into one, with each table's own lines and, for each row label and column, the line
    "these parts add up to the whole"; the whole is never primary-suppressed when it is the school,
    and otherwise keeps the pattern it already shows."""
    blocks = [whole, *[t for t in units if t.cols == whole.cols or t is part]]
    offsets, values, lines = [], [], []
    for t in blocks:
        offsets.append(len(values))
        values += t.count_values()
        off = offsets[-1]
        lines += [Line(tuple((r + off, c) for r, c in ln.members), (ln.total[0] + off, ln.total[1])) for ln in t.lines]
    for wr, label in enumerate(whole.rows):
        for c in range(len(whole.cols)):
            total = values[wr][c]
            if total is None:
                continue
            members = [(offsets[b] + t.rows.index(label), c) for b, t in enumerate(blocks) if b and label in t.rows]
            member_values = [values[r][cc] for r, cc in members]
            # Only lines that truly hold (every table here splits the same students by scope).
            if members and None not in member_values and sum(member_values) == total:
                lines.append(Line(tuple(members), (wr, c)))
    whole_cells = [(r, c) for r in range(len(whole.rows)) for c in range(len(whole.cols)) if values[r][c] is not None]
    if whole_school:
        result = suppress(values, lines, exempt=whole_cells)
    else:
        shown_hidden = whole.suppression(False).hidden
        result = suppress(values, lines, hide=[x for x in whole_cells if x in shown_hidden],
                          keep=[x for x in whole_cells if x not in shown_hidden])
    mine = next(b for b, t in enumerate(blocks) if t is part)
    lo, hi = offsets[mine], offsets[mine] + len(part.rows)
    return {(r - lo, c) for r, c in result.hidden if lo <= r < hi}


def consistent_split(part: Table, units: Sequence[tuple[str, Table]], whole: Table, split: Sequence[str]) -> set[Cell]:
    """The cells of ``part``'s ``split`` rows (男/女) to hide so that the split rows of every unit
    (each grade's boys, girls) and of ``whole`` (the school's) together give no small count away.
    ``units`` are (the unit's row label in ``whole``, its table), in one fixed order, ``part`` among
    them. Each block is the split rows and the 合计 row; ``whole``'s cells and each unit's 合计 keep
    the pattern ``whole`` shows (the unit's 合计 is ``whole``'s row for that unit)."""
    shown_hidden = whole.suppression(False).hidden
    values: list[list[int | float | None]] = []
    lines: list[Line] = []
    fixed_hide: list[Cell] = []
    fixed_keep: list[Cell] = []
    where: dict[int, dict[str, int]] = {}
    blocks = [("", whole), *units]
    for b, (label, t) in enumerate(blocks):
        counts = t.count_values()
        keep_rows = [r for r, name in enumerate(t.rows) if name in split or name == "合计"]
        at = {t.rows[r]: len(values) + i for i, r in enumerate(keep_rows)}
        where[b] = at
        values += [counts[r] for r in keep_rows]
        index = {r: at[t.rows[r]] for r in keep_rows}
        for ln in t.lines:
            cells = (*ln.members, ln.total)
            if all(r in index for r, _ in cells):
                lines.append(Line(tuple((index[r], c) for r, c in ln.members), (index[ln.total[0]], ln.total[1])))
        source = {name: name for name in at} if b == 0 else ({"合计": label} if label in whole.rows else {})
        for name, there in source.items():
            wr = whole.rows.index(there)
            for c in range(len(t.cols)):
                if values[at[name]][c] is None or c >= len(whole.cols) or whole.cols[c] != t.cols[c]:
                    continue
                (fixed_hide if (wr, c) in shown_hidden else fixed_keep).append((at[name], c))
    for name in (*split, "合计"):
        if name not in where[0]:
            continue
        for c in range(len(whole.cols)):
            total = values[where[0][name]][c]
            members = [(where[b][name], c) for b in range(1, len(blocks)) if name in where[b]]
            member_values = [values[r][cc] for r, cc in members]
            if total is not None and members and None not in member_values and sum(member_values) == total:
                lines.append(Line(tuple(members), (where[0][name], c)))
    result = suppress(values, lines, exempt=fixed_keep, hide=fixed_hide, keep=fixed_keep)
    mine = next(b for b, (_, t) in enumerate(blocks) if t is part)
    back = {v: k for k, v in where[mine].items()}
    return {(part.rows.index(back[r]), c) for r, c in result.hidden if r in back and back[r] in split}
