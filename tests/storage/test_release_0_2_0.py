"""Upgrades from real files: a school written by release 0.2.0 (schema 0011, key file format 3).

The files in tests/fixtures/release_0_2_0/ were made once by 0.2.0 and are never rebuilt. 0.2.0 had
sealed counselling notes but kept item-level answers in plaintext under the database key; later
releases seal the answers at the first counselor login. Every later release must open the school
with the ordinary login, keep every row, leave no answer readable with a homeroom teacher's password
once a counselor has logged in, and keep the recovery key and ``audit verify`` working.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy.exc

from xadesk import __version__
from xadesk.errors import WrongPassword
from xadesk.exchange.passphrase import normalise
from xadesk.keys import rotation
from xadesk.services import accounts, audit, records, roster
from xadesk.services.login import login, recover
from xadesk.storage import migrate
from xadesk.storage.database import SchoolDatabase
from xadesk.storage.keyfile import KeyFile, check_keys, keyfile_path, user_slot_id

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "release_0_2_0"
PASSWORD = "xadesk-demo"  # every account of the fixture school
RECOVERY_KEY = "AHEA-ESGF-AHYY-TZB5-W7RH-ERRA"
RELEASE_REVISION = "0011"


@pytest.fixture
def old_school(tmp_path) -> Path:
    """A private copy of every file 0.2.0 keeps beside the database (copies, generations, anchor)."""
    for f in FIXTURE.iterdir():
        if f.name.startswith("school.xadesk"):
            shutil.copyfile(f, tmp_path / f.name)
    return tmp_path / "school.xadesk"


def _sql(path: Path, login_name: str, query: str) -> list[tuple]:
    """A raw query under the key the account's own password unwraps (what someone with a copy of the
    files and that password can read outside the app)."""
    key = KeyFile.load(keyfile_path(path)).unwrap(user_slot_id(login_name), PASSWORD)
    db = SchoolDatabase(path, key)
    try:
        with db.engine.connect() as conn:
            rows = [tuple(r) for r in conn.exec_driver_sql(query)]
            conn.rollback()
        return rows
    finally:
        db.engine.dispose()


def test_the_fixture_is_from_release_0_2_0(old_school):
    assert _sql(old_school, "admin", "SELECT version_num FROM alembic_version") == [(RELEASE_REVISION,)]
    assert _sql(old_school, "admin", "SELECT value FROM meta WHERE key = 'app_version'") == [("0.2.0",)]
    # What makes it worth keeping: plaintext item answers and sealed counselling notes.
    answers = _sql(old_school, "admin", "SELECT answers_json FROM screening_response")
    assert len(answers) > 300 and all(a.startswith("[") for (a,) in answers)
    notes = _sql(old_school, "admin", "SELECT text FROM archive_record WHERE kind = 'counselling'")
    assert len(notes) == 36 and all(t.startswith("xc1:") for (t,) in notes)


def _counts(path: Path) -> dict[str, int]:
    names = [n for (n,) in _sql(path, "admin", "SELECT name FROM sqlite_master WHERE type = 'table' "
                                               "AND name NOT LIKE 'sqlite_%'")]
    return {n: _sql(path, "admin", f'SELECT count(*) FROM "{n}"')[0][0] for n in names}


def test_upgrade_keeps_every_row_and_the_first_counselor_login_seals_the_answers(old_school):
    before = _counts(old_school)
    admin = login(old_school, "admin", PASSWORD)  # migrates; the administrator holds no counselling key
    try:
        result = audit.verify(admin)
        assert result.ok, result.problems
        assert len(roster.list_students(admin)) == 106
    finally:
        admin.close()
    assert _sql(old_school, "admin", "SELECT version_num FROM alembic_version") == [(migrate.head_revision(),)]
    assert _sql(old_school, "admin", "SELECT value FROM meta WHERE key = 'app_version'") == [(__version__,)]
    # Still plaintext: nobody holding the counselling key has logged in yet.
    assert any(a.startswith("[") for (a,) in _sql(old_school, "admin", "SELECT answers_json FROM screening_response"))

    counselor = login(old_school, "xinli", PASSWORD)
    try:
        student_id = _sql(old_school, "admin",
                          "SELECT student_id FROM archive_record WHERE kind = 'counselling' LIMIT 1")[0][0]
        notes = records.list_records(counselor, student_id, kinds=["counselling"])
        assert notes and all(r.text and not r.text.startswith("xc1:") for r in notes)
    finally:
        counselor.close()

    # With a homeroom teacher's password and both files, no item answer and no note reads.
    for (value,) in _sql(old_school, "bzr701", "SELECT answers_json FROM screening_response"):
        assert not value.startswith("[")
    for (value,) in _sql(old_school, "bzr701", "SELECT text FROM archive_record WHERE kind = 'counselling'"):
        assert value.startswith("xc1:")
    after = _counts(old_school)
    lost = {t: (n, after.get(t)) for t, n in before.items() if after.get(t, -1) < n}
    assert not lost


def test_every_account_the_recovery_key_and_keys_check_still_work(old_school):
    for name in ("xinli", "xiaozhang", "bzr701"):
        login(old_school, name, PASSWORD).close()
    checked = check_keys(keyfile_path(old_school), normalise(RECOVERY_KEY))
    assert checked.ok, checked.lines
    recover(old_school, RECOVERY_KEY, "bzr701", "a-new-password-1")
    login(old_school, "bzr701", "a-new-password-1").close()


def test_disabling_a_teacher_and_rotating_locks_their_old_copy_out(old_school, tmp_path):
    """The 0.2.0 school (database key derived from the recovery key, epoch 0) rotates: the disabled
    teacher's password, with a copy of the key file taken before, opens nothing; the others log in."""
    stolen = tmp_path / "copied.keys"
    shutil.copyfile(keyfile_path(old_school), stolen)
    admin = login(old_school, "admin", PASSWORD)
    try:
        accounts.deactivate(admin, "bzr701")
        rotation.rotate(admin, RECOVERY_KEY)
    finally:
        admin.close()
    old_key = KeyFile.load(stolen).unwrap(user_slot_id("bzr701"), PASSWORD)
    with pytest.raises(sqlalchemy.exc.DatabaseError):  # "file is not a database": the old key opens nothing
        db = SchoolDatabase(old_school, old_key)
        try:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM student").scalar()
        finally:
            db.engine.dispose()
    for name in ("xinli", "xiaozhang", "admin"):
        login(old_school, name, PASSWORD).close()
    with pytest.raises(WrongPassword):
        login(old_school, "bzr701", PASSWORD)
    recover(old_school, RECOVERY_KEY, "xiaozhang", "a-new-password-2")
    counselor = login(old_school, "xinli", PASSWORD)
    try:
        assert audit.verify(counselor).ok
    finally:
        counselor.close()
