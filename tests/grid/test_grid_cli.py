"""``xadesk grid``, ``grid list`` and ``grid overdue``: JSON shapes, scope and filters."""

from __future__ import annotations

import json
from datetime import date

from tests.grid.conftest import STAFF_PASSWORD, place
from xadesk.cli.main import main
from xadesk.services import grid_tracking as T


def _run(monkeypatch, capsys, path, user, *args):
    monkeypatch.setenv("XADESK_PASSWORD", STAFF_PASSWORD)
    code = main(["--db", str(path), "--user", user, "grid", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_tree_json_shape(staff, monkeypatch, capsys):
    place(staff, "林一鸣", "L2", contact=staff.homeroom)
    place(staff, "任浩然", "L1")
    code, out, _ = _run(monkeypatch, capsys, staff.school.path, "xinli", "--json")
    assert code == 0
    tree = json.loads(out)
    assert tree["name"] == "西安市示例中学" and tree["counts"] == {"L1": 1, "L2": 1, "L3": 0, "L4": 0}
    assert [g["name"] for g in tree["children"]] == ["七年级", "八年级"]
    j1 = tree["children"][0]
    assert [(c["name"], c["counts"]["L2"]) for c in j1["children"]] == [("七年级(1)班", 1), ("七年级(2)班", 0)]
    assert all("children" not in c and set(c["counts"]) == {"L1", "L2", "L3", "L4"} for c in j1["children"])
    code, out, _ = _run(monkeypatch, capsys, staff.school.path, "xinli", "--grade", "八年级", "--json")
    assert [g["name"] for g in json.loads(out)["children"]] == ["八年级"]
    code, out, _ = _run(monkeypatch, capsys, staff.school.path, "bzr", "--json")
    tree = json.loads(out)
    assert tree["counts"]["L1"] == 0 and [c["name"] for c in tree["children"][0]["children"]] == ["七年级(1)班"]
    code, out, _ = _run(monkeypatch, capsys, staff.school.path, "xinli")
    assert code == 0 and "七年级(1)班" in out and "二级 1" in out


def test_list_and_overdue_json(staff, monkeypatch, capsys):
    place(staff, "林一鸣", "L2", contact=staff.homeroom, today=date(2026, 9, 1))
    place(staff, "任浩然", "L1", today=date(2026, 9, 1))
    code, out, _ = _run(monkeypatch, capsys, staff.school.path, "xinli", "list", "--json")
    rows = json.loads(out)
    assert [set(r) >= {"student_no", "name", "grade", "class", "level", "contact", "next_due"} for r in rows] == [True] * 2
    assert [(r["name"], r["level"], r["contact"], r["grade"], r["class"]) for r in rows] == [
        ("任浩然", "L1", None, "八年级", "八年级(1)班"), ("林一鸣", "L2", "班主任甲", "七年级", "七年级(1)班")]
    assert rows[1]["next_due"] == "2026-09-15"
    code, out, _ = _run(monkeypatch, capsys, staff.school.path, "xinli", "list", "--level", "一级", "--json")
    assert [r["name"] for r in json.loads(out)] == ["任浩然"]
    code, out, _ = _run(monkeypatch, capsys, staff.school.path, "bzr", "overdue", "--mine", "--json")
    [row] = json.loads(out)
    assert row["name"] == "林一鸣" and row["days_overdue"] > 0 and row["next_due"] == "2026-09-15"
    code, out, _ = _run(monkeypatch, capsys, staff.school.path, "xinli", "overdue", "--json")
    assert code == 0 and {r["name"] for r in json.loads(out)} == {"林一鸣", "任浩然"}
    assert [r.name for r in T.overdue(staff.homeroom)] == ["林一鸣"]


def test_bad_level_is_a_clear_error(staff, monkeypatch, capsys):
    code, _, err = _run(monkeypatch, capsys, staff.school.path, "xinli", "list", "--level", "紫")
    assert code == 1 and "无法识别的预警等级" in err
