"""A school database as an older release left it: built up to a revision by the migrations alone and
filled with rows through raw SQL (the models may already be ahead of that revision). Used by every
migration test that starts from data."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tests.conftest import ADMIN_PASSWORD
from xadesk.storage import migrate
from xadesk.storage.database import SchoolDatabase
from xadesk.storage.keyfile import KeyFile, keyfile_path, new_database_key, user_slot_id


def fill_at(path: Path, revision: str, extra: Sequence[str] = ()) -> None:
    """The school at ``revision``: one admin (``ADMIN_PASSWORD``), class 七年级1班 and one student
    (id 1, 旧数据学生), then the ``extra`` SQL statements."""
    key = new_database_key()
    kf = KeyFile.create(keyfile_path(path))
    kf.set_slot(user_slot_id("admin"), ADMIN_PASSWORD, key)
    kf.save()
    db = SchoolDatabase(path, key)
    migrate.upgrade(db, revision, backup=False)
    with db.engine.begin() as conn:
        x = conn.exec_driver_sql
        x("INSERT INTO meta(key, value) VALUES ('app', 'xadesk')")
        x("INSERT INTO school(uuid, name, created_at) VALUES ('8a6e0804-2bd0-4672-b79a-d97d6a0c5e3b', '旧版学校', "
          "'2025-09-01 08:00:00')")
        x("INSERT INTO user_account(login, display_name, active, must_change_password, created_at) "
          "VALUES ('admin', '管理员', 1, 0, '2025-09-01 08:00:00')")
        x("INSERT INTO role_assignment(user_id, role) VALUES (1, 'admin')")
        x("INSERT INTO school_class(grade_code, number, active) VALUES ('J1', 1, 1)")
        x("INSERT INTO student(student_no, name, sex, birth_date, class_id, boarding, status, created_at, updated_at) "
          "VALUES ('G610113201301010011', '旧数据学生', 'M', '2013-01-01', 1, 0, 'enrolled', "
          "'2025-09-01 08:00:00', '2025-09-01 08:00:00')")
        for sql in extra:
            x(sql)
    db.close()
