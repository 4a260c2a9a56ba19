"""The school report as PDF and xlsx on the demo school: nothing per student in either, numbers as
numbers, text never a formula; the command line around it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from xadesk.cli.main import main
from xadesk.demo import DEMO_PASSWORD, build_demo
from xadesk.reports.indicators import build_report
from xadesk.reports.school_report import report_xlsx, write_report
from xadesk.services.login import login
from xadesk.storage.models import Student

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.xadesk"
    build_demo(path)
    return path


@pytest.fixture(scope="module")
def roster(demo) -> list[tuple[str, str, str | None]]:
    ctx = login(demo, "admin", DEMO_PASSWORD)
    try:
        with ctx.db.read() as s:
            return [tuple(r) for r in s.execute(select(Student.name, Student.student_no, Student.school_no))]
    finally:
        ctx.close()


def _pdftext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("login_name, scope", [("xiaozhang", {}), ("xinli", {}), ("nianji7", {}),
                                               ("xiaozhang", {"class_": "七年级(1)班"})])
def test_no_name_or_student_number_in_the_pdf(demo, roster, tmp_path, login_name, scope):
    ctx = login(demo, login_name, DEMO_PASSWORD)
    try:
        out = write_report(ctx, build_report(ctx, **scope), tmp_path / "r.pdf")
    finally:
        ctx.close()
    text = _pdftext(out)
    flat = "".join(text.split())
    assert "心理健康工作报告" in flat and "行动方案指标达标情况" in flat
    for name, no, school_no in roster:
        assert no not in flat
        assert name not in flat, name
        assert not school_no or school_no not in flat


def test_xlsx_numbers_are_numbers_and_text_is_never_a_formula(demo, tmp_path):
    ctx = login(demo, "xiaozhang", DEMO_PASSWORD)
    try:
        report = build_report(ctx)
    finally:
        ctx.close()
    report.table("special_groups").rows[0] = "=HYPERLINK(\"http://x\",\"点我\")"
    path = tmp_path / "r.xlsx"
    path.write_bytes(report_xlsx(report))
    wb = openpyxl.load_workbook(path)
    assert len(wb.sheetnames) == len(report.tables)  # a summary sheet + one per table but the plan
    ws = wb[next(n for n in wb.sheetnames if n.startswith("预警等级分布"))]
    total_row = next(row for row in ws.iter_rows(min_row=3) if row[0].value == "合计")
    assert all(isinstance(c.value, int) for c in total_row[1:])
    sheet = wb[next(n for n in wb.sheetnames if n.startswith("特殊群体"))]
    cell = sheet.cell(row=3, column=1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    hidden = [c.value for row in wb[next(n for n in wb.sheetnames if n.startswith("测评覆盖"))].iter_rows()
              for c in row if c.value in ("<5", "×")]
    assert hidden  # the leader's copy hides small counts as text
    cov = wb[next(n for n in wb.sheetnames if n.startswith("测评覆盖"))]
    rates = [r[-1] for r in cov.iter_rows(min_row=3) if isinstance(r[-1].value, float)]
    assert rates and all(c.number_format == "0.0%" for c in rates)


def test_cli_report_school(demo, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XADESK_PASSWORD", DEMO_PASSWORD)
    base = ["--db", str(demo), "--user", "xiaozhang", "report", "school"]
    assert main([*base, "--out", str(tmp_path / "r.xlsx")]) == 0
    assert (tmp_path / "r.xlsx").stat().st_size > 0
    assert main([*base, "--grade", "七年级", "--out", str(tmp_path / "g.pdf")]) == 0
    assert "七年级" in _pdftext(tmp_path / "g.pdf")
    assert main([*base, "--out", str(tmp_path / "r.docx")]) == 1
    assert ".pdf 或 .xlsx" in capsys.readouterr().err
    assert not (tmp_path / "r.docx").exists()
    with pytest.raises(SystemExit) as exc:
        main([*base, "--year", "2026-2027", "--campaign", "1", "--out", str(tmp_path / "x.pdf")])
    assert exc.value.code == 2
    monkeypatch.setenv("XADESK_PASSWORD", DEMO_PASSWORD)
    assert main(["--db", str(demo), "--user", "bzr701", "report", "school", "--out", str(tmp_path / "h.pdf")]) == 1
    assert not (tmp_path / "h.pdf").exists()


def _global_cells(report, scope_kind: str, scope_label: str):
    """Each per-unit table cell of a report under a name that is the same in every report showing
    the same people: (table, population, column)."""
    sexes = {"男", "女"}
    out = {}
    for t in report.tables:
        if not t.counts:
            continue
        shown = t.display(False)
        counts = t.count_values()
        if t.row_header not in ("年级", "班级"):
            # One figure per row for the whole scope: the scope's figures add up to the wider one's.
            for r, label in enumerate(t.rows):
                for c, col in enumerate(t.cols):
                    if counts[r][c] is not None:
                        out[(t.id, scope_kind, scope_label, label, col)] = (shown[r][c], counts[r][c])
            out.setdefault("lines", []).extend(
                (tuple((t.id, scope_kind, scope_label, t.rows[r], t.cols[c]) for r, c in line.members),
                 (t.id, scope_kind, scope_label, t.rows[line.total[0]], t.cols[line.total[1]]))
                for line in t.lines)
            continue

        unit = "grade" if t.row_header == "年级" else "class"

        def population(label: str, unit: str = unit) -> tuple[str, ...]:
            if label in sexes:
                return ("sex", scope_label, label)
            if label == "合计":
                return (scope_kind, scope_label)
            return (unit, label)

        for r, label in enumerate(t.rows):
            for c, col in enumerate(t.cols):
                if counts[r][c] is not None:
                    out[(t.id, *population(label), col)] = (shown[r][c], counts[r][c])
        for line in t.lines:
            members = [(t.id, *population(t.rows[r]), t.cols[c]) for r, c in line.members
                       if counts[r][c] is not None]
            r, c = line.total
            if counts[r][c] is not None:
                out.setdefault("lines", []).append((tuple(members), (t.id, *population(t.rows[r]), t.cols[c])))
    return out


def test_school_grade_and_class_reports_together_give_away_no_small_count(demo):
    """A leader can open the school report, each grade's and each class's: what one report hides
    as a complement another must not show, or subtracting gives a "<5" away (found on the demo:
    the school report and 九年级's together pinned 八年级's GAD-7 重度 count at 2)."""
    from xadesk.domain.grades import grade
    from xadesk.reports.indicators import choices
    from xadesk.reports.suppression import Line, determined_cells

    ctx = login(demo, "xiaozhang", DEMO_PASSWORD)
    try:
        views = [_global_cells(build_report(ctx, audit_view=False), "school", "全校")]
        ch = choices(ctx)
        for code, _label in ch.grades:
            views.append(_global_cells(build_report(ctx, grade_code=code, audit_view=False), "grade",
                                       grade(code).label))
        # Every class of two grades (the demo's small counts are there): each class report builds its
        # grade's and the school's, so all thirty would be slow.
        for cid, label, _g in [c for c in ch.classes if c[2] in ("J2", "J3")]:
            views.append(_global_cells(build_report(ctx, class_=cid, audit_view=False), "class", label))
    finally:
        ctx.close()
    known, hidden, small, lines = {}, {}, set(), set()
    for view in views:
        lines.update(view.pop("lines", []))
        for cell, (shown, value) in view.items():
            if isinstance(shown, str):
                hidden[cell] = value
                if shown == "<5":
                    small.add(cell)
            else:
                known[cell] = value
    assert small, "the demo has small counts to protect"
    # The grades' one-figure tables add up to the school's, and the classes' to their grade's.
    scalar = {c for c in (*known, *hidden) if len(c) == 5}
    for cell in scalar:
        table, kind, label, row, col = cell
        if kind == "grade":
            parts = {c for c in scalar if c[0] == table and c[1] == "class" and c[3:] == (row, col)
                     and c[2].startswith(label)}
            if parts:  # the classes of this grade were opened
                lines.add((tuple(sorted(parts)), cell))
        elif kind == "school":
            parts = {c for c in scalar if c[0] == table and c[1] == "grade" and c[3:] == (row, col)}
            lines.add((tuple(sorted(parts)), cell))
    # Boys (girls) of the school are the boys of its grades; of a grade, the boys of its classes.
    sex_cells = {c for c in (*known, *hidden) if len(c) == 5 and c[1] == "sex"}
    for cell in sex_cells:
        table, _sex, where, who, col = cell
        if where == "全校":
            parts = {c for c in sex_cells if c[0] == table and c[3:] == (who, col) and c[2].endswith("年级")}
        elif where.endswith("年级"):
            parts = {c for c in sex_cells if c[0] == table and c[3:] == (who, col) and c[2].startswith(where)
                     and c[2] != where}
        else:
            continue
        if parts and len({c[2] for c in parts}) == len([1 for _ in parts]):
            lines.add((tuple(sorted(parts)), cell))
    secret = {c for c in hidden if c not in known}
    assert not (small & set(known)), sorted(small & set(known))[:3]
    pinned = set(determined_cells([Line(m, t) for m, t in lines], secret)) & small
    # Whole-school counts are shown even when small (the policy): a grade holding all of such a
    # count (every other grade has none) is pinned by the school's own figure, not by differencing.
    pinned = {c for c in pinned if not (len(c) == 5 and known.get((c[0], "school", "全校", c[3], c[4]), 5) < 5)}
    assert not pinned, sorted(pinned)[:5]
