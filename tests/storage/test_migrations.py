"""Every schema change is a migration, tested from an empty database and from the previous
revision with data in it."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import inspect, text

from tests.conftest import ADMIN_PASSWORD
from xadesk.services.login import login
from xadesk.storage import migrate
from xadesk.storage.database import SchoolDatabase
from xadesk.storage.keyfile import KeyFile, keyfile_path, new_database_key, user_slot_id
from xadesk.storage.schema import metadata


def _revisions() -> list[str]:
    script = migrate.script_directory()
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_chain_is_linear_and_starts_at_0001():
    revs = _revisions()
    assert revs[0] == "0001"
    assert revs[-1] == migrate.head_revision()


def test_new_database_matches_the_models(db_path, new_school):
    _, ctx = new_school
    insp = inspect(ctx.db.engine)
    tables = set(insp.get_table_names()) - {"alembic_version"}
    assert tables == set(metadata.tables)
    for name, table in metadata.tables.items():
        assert {c["name"] for c in insp.get_columns(name)} == {c.name for c in table.columns}, name


def _fill_at(path, revision: str):
    """A database built up to ``revision`` by the migrations alone, filled with rows through raw SQL
    (the models may already be ahead of that revision)."""
    key = new_database_key()
    kf = KeyFile.create(keyfile_path(path))
    kf.set_slot(user_slot_id("admin"), ADMIN_PASSWORD, key)
    kf.save()
    db = SchoolDatabase(path, key)
    migrate.upgrade(db, revision, backup=False)
    with db.engine.begin() as conn:
        x = conn.exec_driver_sql
        x("INSERT INTO meta(key, value) VALUES ('app', 'xadesk')")
        x("INSERT INTO school(uuid, name, created_at) VALUES ('u-1', '旧版学校', '2025-09-01 08:00:00')")
        x("INSERT INTO user_account(login, display_name, active, must_change_password, created_at) "
          "VALUES ('admin', '管理员', 1, 0, '2025-09-01 08:00:00')")
        x("INSERT INTO role_assignment(user_id, role) VALUES (1, 'admin')")
        x("INSERT INTO school_class(grade_code, number, active) VALUES ('J1', 1, 1)")
        x("INSERT INTO student(student_no, name, sex, birth_date, class_id, boarding, status, created_at, updated_at) "
          "VALUES ('G610113201301010011', '旧数据学生', 'M', '2013-01-01', 1, 0, 'enrolled', "
          "'2025-09-01 08:00:00', '2025-09-01 08:00:00')")
    db.close()


@pytest.mark.parametrize("start", _revisions()[:-1] or ["0001"])
def test_upgrade_from_each_previous_revision_keeps_data(tmp_path, start):
    from xadesk.services.roster import list_students

    path = tmp_path / "old.xadesk"
    _fill_at(path, start)
    ctx = login(path, "admin", ADMIN_PASSWORD)  # upgrades in-process
    try:
        with ctx.db.engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
        rows = list_students(ctx)
        assert [(r.name, r.class_label, r.birth_date) for r in rows] == [("旧数据学生", "七年级(1)班", date(2013, 1, 1))]
    finally:
        ctx.close()
    backups = list((tmp_path / "backups").glob("old-before-*.xadesk"))
    assert (len(backups) == 1) == (start != migrate.head_revision())


def test_0009_moves_interview_times_to_utc(tmp_path, monkeypatch):
    """Interviews stored before 0009 hold local wall-clock times; after it, UTC — shown the same."""
    path = tmp_path / "old.xadesk"
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        key = new_database_key()
        kf = KeyFile.create(keyfile_path(path))
        kf.set_slot(user_slot_id("admin"), ADMIN_PASSWORD, key)
        kf.save()
        db = SchoolDatabase(path, key)
        migrate.upgrade(db, "0005", backup=False)
        with db.engine.begin() as conn:
            x = conn.exec_driver_sql
            x("INSERT INTO meta(key, value) VALUES ('app', 'xadesk')")
            x("INSERT INTO school(uuid, name, created_at) VALUES ('u-1', '旧版学校', '2025-09-01 08:00:00')")
            x("INSERT INTO user_account(login, display_name, active, must_change_password, created_at) "
              "VALUES ('admin', '管理员', 1, 0, '2025-09-01 08:00:00')")
            x("INSERT INTO role_assignment(user_id, role) VALUES (1, 'admin')")
            x("INSERT INTO role_assignment(user_id, role) VALUES (1, 'counselor')")
            x("INSERT INTO school_class(grade_code, number, active) VALUES ('J1', 1, 1)")
            x("INSERT INTO student(student_no, name, sex, birth_date, class_id, boarding, status, created_at, "
              "updated_at) VALUES ('G610113201301010011', '旧数据学生', 'M', '2013-01-01', 1, 0, 'enrolled', "
              "'2025-09-01 08:00:00', '2025-09-01 08:00:00')")
            x("INSERT INTO grid_interview(student_id, interviewer_id, interviewer_name, held_at, findings, "
              "recommendation, created_at) VALUES (1, 1, '管理员', '2026-11-02 10:00:00.000000', 'f', 'none', "
              "'2026-11-02 02:05:00.000000')")
        db.close()
        ctx = login(path, "admin", ADMIN_PASSWORD)
        try:
            with ctx.db.engine.connect() as conn:
                stored = conn.execute(text("SELECT held_at FROM grid_interview")).scalar()
            assert str(stored).startswith("2026-11-02 02:00:00")          # 10:00 in Xi'an = 02:00 UTC
        finally:
            ctx.close()
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
