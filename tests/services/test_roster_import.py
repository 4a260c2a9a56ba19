"""Roster import through the core and the CLI: all or nothing, idempotent, and nothing in plaintext."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ADMIN_PASSWORD
from xadesk.cli.main import main
from xadesk.domain.idnumbers import make_id_number
from xadesk.errors import ValidationFailed
from xadesk.services import audit, roster
from xadesk.services.roster_import import import_roster

HEADER = ["姓名", "性别", "出生日期", "全国学籍号", "身份证号", "年级", "班级", "特殊群体"]


def student(i: int, klass: str = "初一(1)班", sex: str = "M", tags: str = "") -> list:
    born = date(2013, 1 + i % 12, 1 + i % 27)
    idn = make_id_number("610113", born, 2 * i + (1 if sex == "M" else 2))
    return [f"测试生{i:03d}", "男" if sex == "M" else "女", born.isoformat(), "G" + idn, idn, "七年级", klass, tags]


def write_xlsx(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def count(ctx) -> int:
    return len(roster.list_students(ctx, status=None))


def test_import_then_reimport_changes_nothing(admin_ctx, tmp_path):
    f = write_xlsx(tmp_path / "名单.xlsx", [student(i, f"初一({1 + i % 2})班") for i in range(10)])
    plan = import_roster(admin_ctx, f)
    assert (len(plan.new), len(plan.updated), plan.unchanged) == (10, 0, 0)
    assert sorted(plan.new_classes) == ["七年级(1)班", "七年级(2)班"]
    again = import_roster(admin_ctx, f)
    assert (len(again.new), len(again.updated), again.unchanged) == (0, 0, 10)
    assert count(admin_ctx) == 10


def test_updated_file_updates_in_place(admin_ctx, tmp_path):
    rows = [student(i) for i in range(3)]
    import_roster(admin_ctx, write_xlsx(tmp_path / "a.xlsx", rows))
    rows[1][6] = "初一(2)班"  # moved class
    rows[2][7] = "留守"  # became left-behind
    plan = import_roster(admin_ctx, write_xlsx(tmp_path / "b.xlsx", rows))
    assert (len(plan.new), len(plan.updated), plan.unchanged) == (0, 2, 1)
    by_name = {r.name: r for r in roster.list_students(admin_ctx)}
    assert by_name["测试生001"].class_label == "七年级(2)班"
    assert by_name["测试生002"].tags == ("left_behind",)
    assert count(admin_ctx) == 3


def test_student_number_corrected_matches_on_id_number(admin_ctx, tmp_path):
    rows = [student(0)]
    import_roster(admin_ctx, write_xlsx(tmp_path / "a.xlsx", rows))
    idn = rows[0][4]
    rows[0][3] = "L610113" + idn[6:14] + "0001"  # the school fixed the registry number
    plan = import_roster(admin_ctx, write_xlsx(tmp_path / "b.xlsx", rows))
    assert len(plan.updated) == 1 and not plan.new
    assert [r.student_no for r in roster.list_students(admin_ctx)] == [rows[0][3]]


def test_bad_file_imports_nothing_and_names_rows(admin_ctx, tmp_path):
    rows = [student(i) for i in range(5)]
    rows[2][4] = rows[2][4][:-1] + ("0" if rows[2][4][-1] != "0" else "1")  # bad check digit
    rows[3][3] = rows[0][3]  # duplicate 学籍号
    with pytest.raises(ValidationFailed) as err:
        import_roster(admin_ctx, write_xlsx(tmp_path / "bad.xlsx", rows))
    text = err.value.full_text()
    assert "第4行" in text and "第5行" in text
    assert count(admin_ctx) == 0
    assert not [e for e in audit.list_entries(admin_ctx) if e.action == "roster.import"]


def test_dry_run_writes_nothing(admin_ctx, tmp_path):
    plan = import_roster(admin_ctx, write_xlsx(tmp_path / "a.xlsx", [student(i) for i in range(4)]), dry_run=True)
    assert len(plan.new) == 4
    assert count(admin_ctx) == 0


def test_cancel_rolls_everything_back(admin_ctx, tmp_path):
    from xadesk.errors import Cancelled

    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(Cancelled):
        import_roster(admin_ctx, write_xlsx(tmp_path / "a.xlsx", [student(i) for i in range(450)]),
                      cancelled=cancelled)
    assert count(admin_ctx) == 0


def test_no_plaintext_names_or_ids_on_disk(new_school, db_path, tmp_path):
    _, ctx = new_school
    rows = [student(i) for i in range(30)]
    import_roster(ctx, write_xlsx(tmp_path / "a.xlsx", rows))
    roster.list_students(ctx)  # reads, with the WAL still holding the import

    def files():
        return [p for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)]

    needles = [r[0] for r in rows[:5]] + [r[4] for r in rows[:5]]
    encoded = [n.encode(enc) for n in needles for enc in ("utf-8", "utf-16-le", "gb18030")]

    def assert_clean():
        for p in files():
            data = p.read_bytes()
            for n in encoded:
                assert n not in data, f"plaintext found in {p.name}"

    assert any(p.name.endswith("-wal") for p in files())
    assert_clean()
    ctx.close()
    assert_clean()


def test_cli_import_list_json_and_filters(new_school, db_path, tmp_path, capsys, monkeypatch):
    import json

    _, ctx = new_school
    ctx.close()
    f = write_xlsx(tmp_path / "a.xlsx", [student(i, f"初一({1 + i % 2})班") for i in range(6)])
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    base = ["--db", str(db_path), "--user", "admin"]
    assert main([*base, "roster", "import", str(f), "--dry-run"]) == 0
    assert "新增 6" in capsys.readouterr().out
    assert main([*base, "roster", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main([*base, "roster", "import", str(f)]) == 0
    capsys.readouterr()
    assert main([*base, "roster", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 6
    first = rows[0]
    assert set(first) >= {"student_no", "name", "sex", "birth_date", "grade", "class"}
    assert first["grade"] == "七年级" and first["class"] in {"七年级(1)班", "七年级(2)班"}
    # the labels go back in as filters, as do the usual variants
    for cls in ("七年级(2)班", "初一2班", "7年级02班"):
        assert main([*base, "roster", "list", "--class", cls, "--json"]) == 0
        assert {r["class"] for r in json.loads(capsys.readouterr().out)} == {"七年级(2)班"}
    assert main([*base, "roster", "list", "--grade", first["grade"], "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 6


def test_cli_bad_input_exit_codes(new_school, db_path, tmp_path, capsys, monkeypatch):
    _, ctx = new_school
    ctx.close()
    base = ["--db", str(db_path), "--user", "admin"]
    monkeypatch.setenv("XADESK_PASSWORD", "wrong-password")
    assert main([*base, "roster", "list"]) == 1
    err = capsys.readouterr().err
    assert "用户名或密码错误" in err and "Traceback" not in err
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"this is not a spreadsheet")
    assert main([*base, "roster", "import", str(bad)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([*base, "roster", "frobnicate"])
    assert exit_info.value.code == 2
    monkeypatch.setenv("XADESK_LANG", "en")
    monkeypatch.setenv("XADESK_PASSWORD", "wrong-password")
    assert main([*base, "roster", "list"]) == 1
    assert "Wrong login or password" in capsys.readouterr().err
