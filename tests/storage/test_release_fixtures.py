"""Upgrades from real files: a school database and key file written by release 0.1.0.

The files in tests/fixtures/release_0_1_0/ were made once by 0.1.0 (schema revision 0005) and are
never rebuilt. Every later release must open them with the ordinary login, migrate them after an
encrypted backup, keep every row, and pass ``audit verify``. An older release must refuse a
database written by a newer one, naming both versions, and change nothing.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from xadesk import __version__
from xadesk.cli.main import main as cli_main
from xadesk.errors import DatabaseTooNew
from xadesk.services import audit, campaigns, roster
from xadesk.services.login import login, recover
from xadesk.storage import migrate
from xadesk.storage.database import SchoolDatabase
from xadesk.storage.keyfile import KeyFile, keyfile_path, user_slot_id

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "release_0_1_0"
PASSWORD = "xadesk-demo"  # every account of the fixture school
RECOVERY_KEY = "4PDR-ZDBC-R352-N8DM-YUYP-BUC6"
RELEASE_REVISION = "0005"


@pytest.fixture
def old_school(tmp_path) -> Path:
    """A private copy: opening a database writes to it (audit entries, migrations)."""
    target = tmp_path / "school.xadesk"
    shutil.copyfile(FIXTURE / "school.xadesk", target)
    shutil.copyfile(FIXTURE / "school.xadesk.keys", keyfile_path(target))
    return target


def _raw(path: Path) -> SchoolDatabase:
    """The database opened under its key without logging in (nothing written)."""
    key = KeyFile.load(keyfile_path(path)).unwrap(user_slot_id("admin"), PASSWORD)
    return SchoolDatabase(path, key)


def _row_counts(path: Path) -> dict[str, int]:
    db = _raw(path)
    try:
        with db.engine.connect() as conn:
            names = [r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            counts = {n: conn.exec_driver_sql(f'SELECT count(*) FROM "{n}"').scalar() for n in names}
            conn.rollback()
    finally:
        db.engine.dispose()
    return counts


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_fixture_is_from_release_0_1_0():
    db = _raw(FIXTURE / "school.xadesk")
    try:
        with db.engine.connect() as conn:
            assert migrate.current_revision(conn) == RELEASE_REVISION
            conn.rollback()
    finally:
        db.engine.dispose()


def test_the_current_release_opens_migrates_and_keeps_every_row(old_school):
    before = _row_counts(old_school)
    assert before["student"] == 106 and before["campaign"] == 1 and before["grid_case"] == 19
    ctx = login(old_school, "admin", PASSWORD)  # migrates in-process
    try:
        with ctx.db.engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
            assert migrate.written_by(conn) == __version__
            conn.rollback()
        result = audit.verify(ctx)
        assert result.ok, result.problems
        assert result.count >= before["audit_log"]
        students = roster.list_students(ctx)
        assert len(students) == 106
        assert len({s.class_label for s in students}) == 30
    finally:
        ctx.close()
    counselor = login(old_school, "xinli", PASSWORD)
    try:
        assert [c.name for c in campaigns.list_campaigns(counselor)] == ["第一学期心理健康普查"]
    finally:
        counselor.close()
    after = _row_counts(old_school)
    # A migration may add tables and rows (the login itself adds audit entries), never lose any.
    lost = {t: (n, after.get(t)) for t, n in before.items() if after.get(t, -1) < n}
    assert not lost

    backups = sorted((old_school.parent / "backups").glob("school-before-*.xadesk"))
    if migrate.head_revision() == RELEASE_REVISION:
        assert backups == []  # nothing to migrate, so nothing to back up
    else:
        assert len(backups) == 1
        copy = SchoolDatabase(backups[0], _raw(old_school).key)
        try:
            assert copy.integrity_check() == []
            with copy.engine.connect() as conn:
                assert migrate.current_revision(conn) == RELEASE_REVISION
                conn.rollback()
        finally:
            copy.engine.dispose()


def test_audit_verify_from_the_command_line_passes(old_school, monkeypatch, capsys):
    monkeypatch.setenv("XADESK_USER", "admin")
    monkeypatch.setenv("XADESK_PASSWORD", PASSWORD)
    assert cli_main(["--db", str(old_school), "audit", "verify"]) == 0
    assert "审计日志完整" in capsys.readouterr().out


def test_every_account_and_the_recovery_key_still_open_it(old_school):
    for name in ("xinli", "xiaozhang", "nianji7", "bzr701", "bzr401"):
        login(old_school, name, PASSWORD).close()
    recover(old_school, RECOVERY_KEY, "bzr701", "a-new-password-1")
    login(old_school, "bzr701", "a-new-password-1").close()


def _stamp_future(path: Path, revision: str, app_version: str | None) -> None:
    db = _raw(path)
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = ?", (revision,))
            if app_version:
                conn.exec_driver_sql("INSERT OR REPLACE INTO meta(key, value) VALUES ('app_version', ?)",
                                     (app_version,))
    finally:
        db.close()


def test_a_database_from_a_newer_release_is_refused_naming_both_versions(old_school):
    _stamp_future(old_school, "0099", "9.2.0")
    before = _digest(old_school), _digest(keyfile_path(old_school))
    with pytest.raises(DatabaseTooNew) as err:
        login(old_school, "admin", PASSWORD)
    text = str(err.value)
    assert "更新版本的 XA Desk（9.2.0）" in text and "0099" in text  # the version that wrote it
    assert f"XA Desk {__version__}" in text and migrate.head_revision() in text  # this one
    assert (_digest(old_school), _digest(keyfile_path(old_school))) == before


def test_a_newer_database_without_a_release_note_still_names_this_version(old_school, monkeypatch, capsys):
    _stamp_future(old_school, "0099", None)
    monkeypatch.setenv("XADESK_USER", "admin")
    monkeypatch.setenv("XADESK_PASSWORD", PASSWORD)
    assert cli_main(["--db", str(old_school), "roster", "list"]) == 1
    err = capsys.readouterr().err
    assert "更新版本的 XA Desk" in err and "0099" in err and __version__ in err
    assert "Traceback" not in err


def test_version_names_app_schema_and_sqlcipher(capsys):
    with pytest.raises(SystemExit) as done:
        cli_main(["--version"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"xadesk {__version__}\n")
    assert f"数据库结构版本：{migrate.head_revision()}" in out
    assert "SQLCipher 版本：4." in out
