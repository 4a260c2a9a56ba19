"""Every schema change is a migration, tested from an empty database and from the previous
revision with data in it."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import inspect, text

from tests.conftest import ADMIN_PASSWORD
from tests.storage.old_school import fill_at
from xadesk.services.login import login
from xadesk.storage import migrate
from xadesk.storage.database import SchoolDatabase
from xadesk.storage.keyfile import KeyFile, keyfile_path, user_slot_id
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


@pytest.mark.parametrize("start", _revisions()[:-1] or ["0001"])
def test_upgrade_from_each_previous_revision_keeps_data(tmp_path, start):
    from xadesk.services.roster import list_students

    path = tmp_path / "old.xadesk"
    fill_at(path, start)
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


def test_0007_marks_existing_id_numbers_as_resident_ids(tmp_path):
    path = tmp_path / "old.xadesk"
    fill_at(path, "0005", extra=["UPDATE student SET id_number = '610113201301010011' WHERE id = 1"])
    ctx = login(path, "admin", ADMIN_PASSWORD)  # upgrades in-process
    try:
        with ctx.db.engine.connect() as conn:
            row = conn.exec_driver_sql("SELECT id_type, id_number, name FROM student").one()
        assert tuple(row) == ("resident", "610113201301010011", "旧数据学生")
    finally:
        ctx.close()


def test_0006_gives_existing_alerts_the_time_of_their_answer(tmp_path):
    """An alert raised before 0006 shows when the student answered (the response's completion time),
    not when the alert row was written; nothing else about it changes."""
    path = tmp_path / "old.xadesk"
    fill_at(path, "0005")
    key = KeyFile.load(keyfile_path(path)).unwrap(user_slot_id("admin"), ADMIN_PASSWORD)
    db = SchoolDatabase(path, key)
    with db.engine.begin() as conn:
        x = conn.exec_driver_sql
        x("INSERT INTO campaign(uuid, name, school_year, semester, purpose, status, modes, consent_notes, target_json, "
          "created_at) VALUES ('c-1', '旧活动', '2025-2026', 1, 'general', 'open', 'kiosk', '', '{}', "
          "'2025-09-01 08:00:00')")
        x("INSERT INTO screening_response(campaign_id, student_id, instrument_id, definition_version, status, mode, "
          "source, answers_json, seconds_json, started_at, updated_at, completed_at) VALUES (1, 1, 'phq9', 1, "
          "'completed', 'kiosk', '', '[0,0,0,0,0,0,0,0,2,0]', '[]', '2025-09-10 02:00:00', '2025-09-10 02:05:00', "
          "'2025-09-10 02:05:00')")
        x("INSERT INTO screening_alert(campaign_id, student_id, response_id, instrument_id, flag, label, created_at) "
          "VALUES (1, 1, 1, 'phq9', 'safety:item9', '第9题', '2026-01-01 00:00:00')")
    db.close()
    ctx = login(path, "admin", ADMIN_PASSWORD)
    try:
        with ctx.db.read() as s:
            row = s.execute(text("SELECT answered_at, created_at, label, flag FROM screening_alert")).one()
        assert (str(row[0]), str(row[1]), row[2], row[3]) == ("2025-09-10 02:05:00", "2026-01-01 00:00:00", "第9题",
                                                             "safety:item9")
    finally:
        ctx.close()


def test_class_pack_tables_arrive_empty_beside_the_old_data(tmp_path):
    """0011 only adds the class-pack tables: a school at 0005 keeps its students and can export a pack."""
    from xadesk.services.roster import list_students

    path = tmp_path / "old.xadesk"
    fill_at(path, "0005")
    ctx = login(path, "admin", ADMIN_PASSWORD)
    try:
        insp = inspect(ctx.db.engine)
        assert {"classpack_series", "classpack_return", "classpack_entry"} <= set(insp.get_table_names())
        with ctx.db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM classpack_entry").scalar() == 0
        assert [r.name for r in list_students(ctx)] == ["旧数据学生"]
    finally:
        ctx.close()


def test_0009_moves_interview_times_to_utc(tmp_path, monkeypatch):
    """Interviews stored before 0009 hold local wall-clock times; after it, UTC — shown the same."""
    path = tmp_path / "old.xadesk"
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        fill_at(path, "0005", extra=[
            "INSERT INTO role_assignment(user_id, role) VALUES (1, 'counselor')",
            "INSERT INTO grid_interview(student_id, interviewer_id, interviewer_name, held_at, findings, "
            "recommendation, created_at) VALUES (1, 1, '管理员', '2026-11-02 10:00:00.000000', 'f', 'none', "
            "'2026-11-02 02:05:00.000000')"])
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


def test_0012_marks_answers_stored_before_it_and_a_counselor_login_seals_them(tmp_path):
    """Item answers written before 0012 are plaintext under the database key. The upgrade (run by
    whoever logs in first, here the administrator, who never holds the counselling key) only marks
    them; the first counselor login seals them, and they read back the same."""
    from xadesk.compartment import answers as sealed
    from xadesk.services.screening_results import response_answers

    path = tmp_path / "old.xadesk"
    fill_at(path, "0011", extra=[
        "INSERT INTO user_account(login, display_name, active, must_change_password, created_at) "
        "VALUES ('xinli', '心理老师', 1, 0, '2025-09-01 08:00:00')",
        "INSERT INTO role_assignment(user_id, role) VALUES (2, 'counselor')",
        "INSERT INTO campaign(uuid, name, school_year, semester, purpose, status, modes, consent_notes, target_json, "
        "created_at) VALUES ('c-1', '旧活动', '2025-2026', 1, 'general', 'open', 'kiosk', '', '{}', "
        "'2025-09-01 08:00:00')",
        "INSERT INTO campaign_instrument(campaign_id, position, instrument_id, version, digest, grades) "
        "VALUES (1, 0, 'phq9', 1, '', '')",
        "INSERT INTO screening_response(campaign_id, student_id, instrument_id, definition_version, status, mode, "
        "source, answers_json, seconds_json, started_at, updated_at, completed_at) VALUES (1, 1, 'phq9', 1, "
        "'completed', 'kiosk', '', '[0,1,2,3,0,1,2,3,2,1]', '[4,4,4,4,4,4,4,4,4,4]', '2025-09-10 02:00:00', "
        "'2025-09-10 02:05:00', '2025-09-10 02:05:00')",
        "INSERT INTO screening_paper_entry(campaign_id, student_id, instrument_id, pass_no, answers_json, entered_at) "
        "VALUES (1, 1, 'phq9', 1, '[0,1,2,3,0,1,2,3,2,1]', '2025-09-10 02:00:00')",
    ])
    kf = KeyFile.load(keyfile_path(path))
    db_key = kf.unwrap(user_slot_id("admin"), ADMIN_PASSWORD)
    kf.set_slot(user_slot_id("xinli"), "Counselor-Pass-2025!", db_key)
    kf.save()

    def stored() -> list[str]:
        db = SchoolDatabase(path, db_key)
        try:
            with db.engine.connect() as conn:
                return [*conn.exec_driver_sql("SELECT answers_json, seconds_json FROM screening_response").one(),
                        conn.exec_driver_sql("SELECT answers_json FROM screening_paper_entry").scalar()]
        finally:
            db.close()

    login(path, "admin", ADMIN_PASSWORD).close()   # upgrades; holds no counselling key
    assert stored() == ["[0,1,2,3,0,1,2,3,2,1]", "[4,4,4,4,4,4,4,4,4,4]", "[0,1,2,3,0,1,2,3,2,1]"]
    ctx = login(path, "xinli", "Counselor-Pass-2025!")
    try:
        assert all(v.startswith(sealed.PREFIX) for v in stored())
        got = response_answers(ctx, 1, 1, "phq9")
        assert (got["answers"], got["seconds"]) == ([0, 1, 2, 3, 0, 1, 2, 3, 2, 1], [4.0] * 10)
        with ctx.db.read() as s:
            assert not sealed.pending(s)
    finally:
        ctx.close()
