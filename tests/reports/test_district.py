"""District mode: aggregate files in, summary and report out. Import is verified, all or nothing,
idempotent; a newer file replaces; tampered, foreign and wrong-period files are refused; the totals
equal the sum of the schools' own reports."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.reports.conftest import TODAY, Fixture, fx  # noqa: F401  (fixture)
from tests.services.conftest import small_school  # noqa: F401  (fixture)
from xadesk.cli.main import main
from xadesk.district.store import import_files, init_district, preview, schools
from xadesk.district.summary import district_report, summary
from xadesk.errors import UserError
from xadesk.exchange import write_container
from xadesk.reports.aggregate import aggregate_payload, write_aggregate
from xadesk.reports.indicators import build_report
from xadesk.reports.school_report import write_report
from xadesk.services.login import create_school, login

PASS = "district-pass-2026"
YEAR = "2026-2027"


@pytest.fixture
def district(tmp_path):
    path = tmp_path / "district.xadesk"
    init_district(path, "示例区教育局", "qx", ADMIN_PASSWORD, period=YEAR)
    ctx = login(path, "qx", ADMIN_PASSWORD)
    yield ctx
    ctx.close()


@pytest.fixture
def leader(fx):  # noqa: F811
    ctx = fx.school.as_user("xz")
    yield ctx
    ctx.close()


@pytest.fixture
def second_school(tmp_path):
    path = tmp_path / "b.xadesk"
    create_school(path, "示例第二小学", "admin", ADMIN_PASSWORD, "管理员")
    ctx = login(path, "admin", ADMIN_PASSWORD)
    from xadesk.services import roles
    from xadesk.services.accounts import RoleSpec, add_user

    add_user(ctx, "xz", "校长", [RoleSpec(roles.LEADER)], ADMIN_PASSWORD)
    ctx.close()
    lead = login(path, "xz", ADMIN_PASSWORD)
    yield lead
    lead.close()


def _aggregate(ctx, path: Path, year: str = YEAR) -> Path:
    write_aggregate(ctx, year=year, path=path, passphrase=PASS)
    return path


def test_the_file_holds_nothing_per_student(leader, fx, tmp_path):  # noqa: F811
    payload = aggregate_payload(leader, YEAR)
    text = json.dumps(payload, ensure_ascii=False)
    from tests.reports.conftest import STUDENTS

    for name, _sex, _g, _n, no, idn in STUDENTS:
        assert name not in text and no not in text and idn not in text
    assert payload["period"] == YEAR and payload["students"] == 6
    assert set(payload) >= {"school", "levels", "indicators", "tables", "plan"}


def test_import_is_idempotent_and_a_newer_file_replaces(district, leader, tmp_path):
    a = _aggregate(leader, tmp_path / "a1.xadx")
    first = import_files(district, [a], PASS)
    assert [x.action for x in first] == ["new"]
    again = import_files(district, [a], PASS)
    assert [x.action for x in again] == ["same"]
    period, entries = schools(district)
    assert period == YEAR and len(entries) == 1
    before = entries[0].payload
    # the school records a lesson and sends a new file for the same period
    from datetime import date

    from xadesk.reports.plan_records import add_activity

    counselor = login(leader.db.path, "xinli", "staff-pass-123")
    add_activity(counselor, "lesson", held_on=date(2026, 10, 30), title="第二节课")
    counselor.close()
    b = _aggregate(leader, tmp_path / "a2.xadx")
    assert [x.action for x in preview(district, [b], PASS)] == ["replace"]
    import_files(district, [b], PASS)
    _, entries = schools(district)
    assert len(entries) == 1
    assert entries[0].payload["indicators"]["lessons"] == before["indicators"]["lessons"] + 1
    # the older file is now refused, and changes nothing
    with pytest.raises(UserError) as exc:
        import_files(district, [a], PASS)
    assert "更旧" in " ".join(exc.value.details)
    assert schools(district)[1][0].payload["indicators"]["lessons"] == before["indicators"]["lessons"] + 1


def _flip(path: Path, at: int) -> Path:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    out = path.with_name("flipped-" + path.name)
    out.write_bytes(bytes(data))
    return out


def test_tampered_foreign_and_wrong_period_files_are_refused_and_nothing_changes(district, leader, tmp_path):
    good = _aggregate(leader, tmp_path / "good.xadx")
    size = good.stat().st_size
    tampered = _flip(good, size // 2)
    other_district = tmp_path / "other.xadx"
    write_aggregate(leader, year=YEAR, path=other_district, passphrase="another-district-9")
    archive_like = tmp_path / "transfer.xadx"
    write_container(archive_like, kind="archive", passphrase=PASS, entries={"x.json": b"{}"},
                    manifest_fields={"school_name": "x", "school_id": "6f1c0f0e-0000-4000-8000-000000000001",
                                     "exporter_name": "x", "exporter_login": "x"})
    forged = tmp_path / "forged.xadx"
    write_container(forged, kind="district_aggregate", passphrase=PASS, entries={"aggregate.json": b'{"format": 1}'},
                    manifest_fields={"school_name": "x", "school_id": "6f1c0f0e-0000-4000-8000-000000000002",
                                     "exporter_name": "x", "exporter_login": "x"})
    last_year = _aggregate(leader, tmp_path / "last.xadx", year="2025-2026")
    for bad, words in ((tampered, "损坏"), (other_district, "口令"), (archive_like, "转移文件"),
                       (forged, "不是学校上报汇总文件"), (last_year, "2025-2026")):
        with pytest.raises(UserError) as exc:
            import_files(district, [good, bad], PASS)  # one bad file: nothing at all is imported
        assert bad.name in " ".join(exc.value.details)
        assert words in " ".join(exc.value.details), (bad.name, exc.value.details)
        assert schools(district)[1] == []


def test_summary_totals_are_the_sum_of_the_schools_own_reports(district, leader, second_school, tmp_path):
    import_files(district, [_aggregate(leader, tmp_path / "a.xadx"), _aggregate(second_school, tmp_path / "b.xadx")],
                 PASS)
    data = summary(district)
    assert {r["name"] for r in data["schools"]} == {"西安市示例中学", "示例第二小学"}
    own = [build_report(ctx, year=YEAR, audit_view=False) for ctx in (leader, second_school)]
    assert data["total"]["students"] == sum(r.headline["students"] for r in own)
    for i, code in enumerate(("L1", "L2", "L3", "L4")):
        shown = [r.table("levels").display(False)[-1][i] for r in own]
        assert data["total"]["levels"][code] == sum(v for v in shown if isinstance(v, int))
        assert data["total"]["levels_hidden"][code] == sum(1 for v in shown if isinstance(v, str))
    for r, row in zip(own, sorted(data["schools"], key=lambda x: x["name"] != "西安市示例中学"), strict=True):
        assert row["indicators"] == {p.id: p.value for p in r.plan}


def test_schools_that_have_not_sent_a_file_are_listed(district, leader, tmp_path, capsys, monkeypatch):
    from xadesk.district.store import expect_school

    expect_school(district, "示例第三中学")
    expect_school(district, "西安市示例中学")
    import_files(district, [_aggregate(leader, tmp_path / "a.xadx")], PASS)
    data = summary(district)
    assert data["missing"] == ["示例第三中学"]
    assert [r["name"] for r in data["schools"]] == ["西安市示例中学"]  # the registered name took the file
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    assert main(["--db", str(district.db.path), "--user", "qx", "district", "summary", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["missing"] == ["示例第三中学"] and out["total"]["schools"] == 1


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_district_report_pdf_and_cli(district, leader, tmp_path, monkeypatch):
    import_files(district, [_aggregate(leader, tmp_path / "a.xadx")], PASS)
    out = write_report(district, district_report(district, district_name="示例区教育局"), tmp_path / "d.pdf")
    text = "".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout.split())
    assert "西安市示例中学" in text and "各校行动方案指标" in text
    from tests.reports.conftest import STUDENTS

    assert not any(name in text or no in text for name, _s, _g, _n, no, _i in STUDENTS)
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("XADESK_DISTRICT_PASSPHRASE", PASS)
    base = ["--db", str(district.db.path), "--user", "qx", "district"]
    assert main([*base, "report", "--out", str(tmp_path / "d.xlsx")]) == 0
    assert main([*base, "import", "--dry-run", str(tmp_path / "a.xadx")]) == 0


def test_only_whole_school_roles_send_the_file(fx, tmp_path):  # noqa: F811
    from xadesk.errors import PermissionDenied

    nj = fx.school.as_user("nj")
    try:
        with pytest.raises(PermissionDenied, match="代表全校"):
            write_aggregate(nj, year=YEAR, path=tmp_path / "g.xadx", passphrase=PASS)
    finally:
        nj.close()
    assert not (tmp_path / "g.xadx").exists()


def test_district_commands_refuse_a_school_database(leader, fx, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("XADESK_PASSWORD", "staff-pass-123")
    assert main(["--db", str(fx.school.path), "--user", "xz", "district", "summary"]) == 1
    assert "不是区县数据库" in capsys.readouterr().err


def test_full_payload_keeps_the_tables_and_the_summary_reads_the_small_part(district, leader, tmp_path):
    import_files(district, [_aggregate(leader, tmp_path / "a.xadx")], PASS)
    _, small = schools(district)
    _, full = schools(district, full=True)
    assert "tables" not in small[0].payload and full[0].payload["tables"]
    assert small[0].payload["indicators"] == full[0].payload["indicators"]
