"""Opening a school database: every failure has its own message, exit code 1 and changes nothing."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from tests.conftest import ADMIN_PASSWORD
from xadesk.errors import (
    DatabaseDamaged,
    DatabaseExists,
    DatabaseMissing,
    DatabaseTooNew,
    NotXADeskDatabase,
    WrongPassword,
)
from xadesk.services.login import create_school, login
from xadesk.storage.keyfile import keyfile_path


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_plain_sqlite_cannot_open_the_database(new_school, db_path):
    _, ctx = new_school
    ctx.close()
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT * FROM sqlite_master").fetchall()
    conn.close()
    assert not db_path.read_bytes().startswith(b"SQLite format 3")


def test_wrong_password_is_refused_and_changes_nothing(new_school, db_path):
    _, ctx = new_school
    ctx.close()
    before = _digest(db_path)
    with pytest.raises(WrongPassword) as err:
        login(db_path, "admin", "not-the-password")
    assert "用户名或密码错误" in str(err.value)
    assert _digest(db_path) == before
    # An unknown login gets the same message (it does not reveal which logins exist).
    with pytest.raises(WrongPassword) as err2:
        login(db_path, "nobody", "whatever-123")
    assert str(err2.value) == str(err.value)


def test_failed_logins_are_audited_at_next_login(new_school, db_path):
    from xadesk.services.audit import list_entries

    _, ctx = new_school
    ctx.close()
    for _ in range(2):
        with pytest.raises(WrongPassword):
            login(db_path, "admin", "bad-password")
    ctx = login(db_path, "admin", ADMIN_PASSWORD)
    actions = [r.action for r in list_entries(ctx)]
    ctx.close()
    assert actions.count("login.failed") == 2
    assert actions[0] == "login"


def test_missing_file(tmp_path):
    with pytest.raises(DatabaseMissing) as err:
        login(tmp_path / "none.xadesk", "admin", ADMIN_PASSWORD)
    assert "找不到数据库文件" in str(err.value)


def test_plain_sqlite_file_is_not_ours(tmp_path):
    p = tmp_path / "other.db"
    sqlite3.connect(p).execute("create table t(x)").connection.close()
    with pytest.raises(NotXADeskDatabase) as err:
        login(p, "admin", ADMIN_PASSWORD)
    assert "不是 XA Desk 数据库" in str(err.value)


def test_random_file_without_key_file_is_not_ours(tmp_path):
    p = tmp_path / "photo.jpg"
    p.write_bytes(b"\xff\xd8\xff\xe0" + bytes(4000))
    with pytest.raises(NotXADeskDatabase) as err:
        login(p, "admin", ADMIN_PASSWORD)
    assert "钥匙文件" in str(err.value)


def test_damaged_database(new_school, db_path):
    _, ctx = new_school
    ctx.close()
    data = bytearray(db_path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit in a middle page
    db_path.write_bytes(bytes(data))
    before = _digest(db_path)
    with pytest.raises(DatabaseDamaged) as err:
        login(db_path, "admin", ADMIN_PASSWORD)
    assert "已损坏" in str(err.value)
    assert _digest(db_path) == before


def test_truncated_database(new_school, db_path):
    _, ctx = new_school
    ctx.close()
    data = db_path.read_bytes()
    db_path.write_bytes(data[:4096 + 100])
    with pytest.raises(DatabaseDamaged):
        login(db_path, "admin", ADMIN_PASSWORD)


def test_database_from_a_newer_version(new_school, db_path):
    _, ctx = new_school
    with ctx.db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    ctx.close()
    before = _digest(db_path)
    with pytest.raises(DatabaseTooNew) as err:
        login(db_path, "admin", ADMIN_PASSWORD)
    assert "更新版本" in str(err.value)
    assert _digest(db_path) == before


def test_keyfile_from_a_newer_version(new_school, db_path):
    import json

    _, ctx = new_school
    ctx.close()
    kp = keyfile_path(db_path)
    data = json.loads(kp.read_text())
    data["version"] = 99
    # A newer XA Desk writes the whole-file check the same way (keyfile.py); without it this is damage.
    data["check"] = hashlib.sha256(json.dumps({k: v for k, v in data.items() if k != "check"}, ensure_ascii=False,
                                              sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    kp.write_text(json.dumps(data))
    with pytest.raises(DatabaseTooNew):
        login(db_path, "admin", ADMIN_PASSWORD)


def test_init_refuses_to_overwrite(new_school, db_path):
    with pytest.raises(DatabaseExists):
        create_school(db_path, "另一所学校", "admin", ADMIN_PASSWORD)


def test_init_needs_a_reasonable_password(tmp_path):
    from xadesk.errors import UserError

    with pytest.raises(UserError) as err:
        create_school(tmp_path / "s.xadesk", "学校", "admin", "short")
    assert "至少需要" in str(err.value)
    assert not (tmp_path / "s.xadesk").exists()
    assert not keyfile_path(tmp_path / "s.xadesk").exists()


def test_recovery_key_resets_a_forgotten_password(new_school, db_path):
    from xadesk.services.login import recover

    created, ctx = new_school
    ctx.close()
    recover(db_path, created.recovery_key.lower().replace("-", " "), "admin", "brand-new-pass")
    with pytest.raises(WrongPassword):
        login(db_path, "admin", ADMIN_PASSWORD)
    login(db_path, "admin", "brand-new-pass").close()


def test_wrong_recovery_key(new_school, db_path):
    from xadesk.services.login import recover

    _, ctx = new_school
    ctx.close()
    with pytest.raises(WrongPassword) as err:
        recover(db_path, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", "admin", "brand-new-pass")
    assert "恢复密钥" in str(err.value)


def test_database_errors_carry_no_bound_values(new_school):
    from datetime import datetime

    from sqlalchemy.exc import IntegrityError

    from xadesk.storage.models import Student

    _, ctx = new_school
    now = datetime(2026, 9, 1)

    def add(session):
        session.add(Student(student_no="G610113201301010011", name="保密姓名甲", sex="M", boarding=False,
                            status="enrolled", created_at=now, updated_at=now, id_number="610113201301010011"))

    with ctx.db.write() as s:
        add(s)
    with pytest.raises(IntegrityError) as err, ctx.db.write() as s:
        add(s)
    text = str(err.value) + repr(err.value)
    assert "保密姓名甲" not in text and "610113201301010011" not in text
