"""District files tried as a hostile tester would (issue 13, second round): truncated, empty, a
folder, a newer format, the same school under two names, two schools under one name."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.reports.conftest import fx  # noqa: F401  (fixture)
from tests.reports.test_district import PASS, YEAR, _aggregate, district, leader, second_school  # noqa: F401
from tests.services.conftest import small_school  # noqa: F401  (fixture)
from xadesk.district.store import import_files, schools
from xadesk.errors import UserError
from xadesk.exchange import write_container
from xadesk.reports.aggregate import aggregate_payload


def _refused(district, path, words):  # noqa: F811
    with pytest.raises(UserError) as exc:
        import_files(district, [path], PASS)
    text = exc.value.zh + " ".join(exc.value.details)
    assert words in text, text
    assert "Traceback" not in text
    assert schools(district)[1] == []


def test_truncated_empty_and_folder_refused_in_words(district, leader, tmp_path):  # noqa: F811
    good = _aggregate(leader, tmp_path / "good.xadx")
    data = good.read_bytes()
    for n, words in ((len(data) - 1, "不完整"), (len(data) // 2, "不完整"), (40, "不完整"), (0, "文件是空的")):
        cut = tmp_path / f"cut{n}.xadx"
        cut.write_bytes(data[:n])
        _refused(district, cut, words)
    folder = tmp_path / "一个文件夹.xadx"
    folder.mkdir()
    _refused(district, folder, "文件夹")


def test_newer_format_refused_as_newer(district, leader, tmp_path):  # noqa: F811
    payload = aggregate_payload(leader, YEAR)
    payload["version"] = 2
    newer = tmp_path / "newer.xadx"
    write_container(newer, kind="district_aggregate", passphrase=PASS,
                    entries={"aggregate.json": json.dumps(payload, ensure_ascii=False).encode()},
                    manifest_fields={"school_name": payload["school"]["name"], "school_id": payload["school"]["uuid"],
                                     "exporter_name": "x", "exporter_login": "x"})
    _refused(district, newer, "更新版本")


def test_two_schools_with_one_name_are_told_apart(district, leader, tmp_path, capsys, monkeypatch):  # noqa: F811
    """Two schools of a county can share a name (or one can take another's): the district must see
    two schools, told apart, and be warned at import, never two identical rows."""
    from xadesk.cli.main import main
    from xadesk.district.store import preview
    from xadesk.district.summary import district_report, summary
    from xadesk.services.login import create_school, login
    from xadesk.storage.models import School

    with leader.db.read() as s:
        name = s.query(School).one().name
    twin_db = tmp_path / "twin.xadesk"
    create_school(twin_db, name, "admin", "Twin-School-Admin-2026", "管理员")
    twin = login(twin_db, "admin", "Twin-School-Admin-2026")
    from xadesk.services import roles
    from xadesk.services.accounts import RoleSpec, add_user

    add_user(twin, "xz", "校长", [RoleSpec(roles.LEADER)], "Twin-School-Leader-2026")
    twin.close()
    twin = login(twin_db, "xz", "Twin-School-Leader-2026")
    try:
        a = _aggregate(leader, tmp_path / "a.xadx")
        b = _aggregate(twin, tmp_path / "b.xadx")
    finally:
        twin.close()
    rows = preview(district, [a, b], PASS)
    assert all("同名" in r.note for r in rows)
    import_files(district, [a], PASS)
    assert "同名" in preview(district, [b], PASS)[0].note   # the first one is already held
    import_files(district, [b], PASS)
    labels = [r["label"] for r in summary(district)["schools"]]
    assert len(labels) == 2 and len(set(labels)) == 2 and all(x.startswith(name) for x in labels)
    report = district_report(district)
    shown = report.table("district_schools").rows
    assert len(set(shown)) == len(shown)
    monkeypatch.setenv("XADESK_DISTRICT_PASSPHRASE", PASS)
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    capsys.readouterr()
    base = ["--db", str(district.db.path), "--user", "qx", "district"]
    assert main([*base, "import", "--dry-run", str(b)]) == 0
    assert "同名学校" in capsys.readouterr().out
    assert main([*base, "summary"]) == 0
    out = capsys.readouterr().out
    assert all(label in out for label in labels)
