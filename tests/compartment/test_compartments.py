"""The counselling compartment (issue 10, item 4): counselling content is readable only with the
counselling key, which counselors and the recovery key hold and nobody else — checked with raw access
to the files, the way someone who copied them would read them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import select

from tests.services.conftest import STAFF_PASSWORD
from xadesk.backup import service as B
from xadesk.compartment import access, content
from xadesk.errors import UserError
from xadesk.exchange.passphrase import normalise
from xadesk.services import accounts, records, roles
from xadesk.services import grid as G
from xadesk.services import grid_tracking as T
from xadesk.services.accounts import RoleSpec
from xadesk.services.login import login, recover
from xadesk.storage.database import SchoolDatabase
from xadesk.storage.keyfile import (
    KeyFile,
    copy_paths,
    database_key_from_recovery,
    inspect_copy,
    keyfile_path,
    user_slot_id,
)
from xadesk.storage.models import Meta
from xadesk.storage.models_archive import ArchiveRecord
from xadesk.storage.models_grid import GridInterview

NOTE = "辅导记录：她说起家里的事，哭了很久 NOTE-7781"
FINDINGS = "访谈发现：睡眠差，曾有自伤念头 FIND-9923"


def _write_content(school) -> tuple[int, int]:
    """A counselling note and an interview, written by the counselor in the app."""
    xinli = school.as_user("xinli")
    try:
        assert xinli.counselling_key is not None
        sid = school.student_ids["林一鸣"]
        rec = records.add_counselling(xinli, sid, text=NOTE)
        iv = G.record_interview(xinli, sid, held_at=datetime.now() - timedelta(hours=1), findings=FINDINGS,
                                recommendation=None)
        assert rec.text == NOTE and iv.findings == FINDINGS
        return rec.id, iv.id
    finally:
        xinli.close()


def _raw_dump(db_path, key: bytes) -> str:
    """Everything in the database as SQL text, opened with SQLCipher directly (no XA Desk code)."""
    conn = sqlcipher.connect(str(db_path))
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        lines = []
        for t in tables:
            for row in conn.execute(f'SELECT * FROM "{t}"'):
                lines.append(t + "|" + "|".join(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                                                for v in row))
        return "\n".join(lines)
    finally:
        conn.close()


def _files_text(db_path) -> str:
    """Every file beside the database (key file copies, anchor, WAL) as text, for a grep."""
    out = []
    for p in db_path.parent.iterdir():
        if p.is_file() and p.name.startswith(db_path.name):
            out.append(p.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(out)


def test_a_homeroom_teachers_password_with_both_files_reads_no_counselling_content(small_school):
    _write_content(small_school)
    kpath = keyfile_path(small_school.path)
    for who in ("bzr", "nj", "xz"):
        db_key, wrapping = KeyFile.load(kpath).unwrap_with_wrapping(user_slot_id(who), STAFF_PASSWORD)
        dump = _raw_dump(small_school.path, db_key)
        assert "林一鸣" in dump  # the roster is there: the dump really is the decrypted database
        assert "NOTE-7781" not in dump and "FIND-9923" not in dump and "自伤" not in dump
        assert KeyFile.load(kpath).open_counselling(user_slot_id(who), wrapping) is None
    # The administrator's slot does not hold the counselling key either.
    assert not KeyFile.load(kpath).holds_counselling(user_slot_id("admin"))
    assert "NOTE-7781" not in _files_text(small_school.path)


def test_counselor_reads_the_notes_in_the_app_and_others_get_them_redacted(small_school):
    _rec_id, _iv_id = _write_content(small_school)
    sid = small_school.student_ids["林一鸣"]
    xinli = small_school.as_user("xinli")
    try:
        rows = records.list_records(xinli, sid, kinds=["counselling"])
        assert [r.text for r in rows] == [NOTE]
        assert any(i.findings == FINDINGS for i in T.student_record(xinli, sid).interviews)
    finally:
        xinli.close()
    bzr = small_school.as_user("bzr")
    try:
        assert bzr.counselling_key is None
        rows = records.list_records(bzr, sid, kinds=["counselling"])
        assert [(r.text, r.redacted) for r in rows] == [(None, True)]
    finally:
        bzr.close()


def test_the_recovery_key_alone_reads_them_even_without_the_key_file(small_school, new_school):
    created, _ = new_school
    _write_content(small_school)
    secret = normalise(created.recovery_key)
    for p in copy_paths(keyfile_path(small_school.path)):
        p.unlink(missing_ok=True)
    db = SchoolDatabase(small_school.path, database_key_from_recovery(secret))
    try:
        with db.read() as s:
            key = access.key_from_recovery(s, secret)
            rec = s.scalar(select(ArchiveRecord).where(ArchiveRecord.kind == "counselling"))
            iv = s.scalar(select(GridInterview))
            assert content.record_text(key, rec) == NOTE
            assert content.interview_findings(key, iv) == FINDINGS
    finally:
        db.engine.dispose()
    # And through the app: the recovery key rebuilds the key file and the counselor reads again.
    recover(small_school.path, created.recovery_key, "xinli", "A-new-Pass-2026!")
    ctx = login(small_school.path, "xinli", "A-new-Pass-2026!")
    try:
        assert [r.text for r in records.list_records(ctx, small_school.student_ids["林一鸣"])
                if r.kind == "counselling"] == [NOTE]
    finally:
        ctx.close()


def test_a_ciphertext_moved_to_another_row_does_not_open(small_school):
    _write_content(small_school)
    xinli = small_school.as_user("xinli")
    try:
        sid = small_school.student_ids["苏晓雨"]
        records.add_counselling(xinli, sid, text="另一条记录")
        with xinli.db.write() as s:
            recs = list(s.scalars(select(ArchiveRecord).where(ArchiveRecord.kind == "counselling")
                                  .order_by(ArchiveRecord.id)))
            recs[1].text = recs[0].text  # someone with the database key swaps the ciphertexts
        with pytest.raises(UserError, match="无法解密"):
            records.list_records(xinli, sid)
    finally:
        xinli.close()


def test_an_admin_made_counselor_gets_the_key_at_the_next_login_of_a_counselor(small_school):
    _write_content(small_school)
    accounts.add_user(small_school.admin, "xl2", "第二心理", [RoleSpec(roles.COUNSELOR)], STAFF_PASSWORD)
    assert accounts.counselling_grant_pending(small_school.admin, "xl2")
    xl2 = small_school.as_user("xl2")
    try:
        assert xl2.counselling_key is None
        assert any("辅导钥匙" in w for w in xl2.warnings)
        with pytest.raises(UserError, match="辅导钥匙"):
            records.add_counselling(xl2, small_school.student_ids["林一鸣"], text="写不进去")
    finally:
        xl2.close()
    small_school.as_user("xinli").close()  # the existing counselor logs in: the grant is completed
    xl2 = small_school.as_user("xl2")
    try:
        assert [r.text for r in records.list_records(xl2, small_school.student_ids["林一鸣"])
                if r.kind == "counselling"] == [NOTE]
    finally:
        xl2.close()


def test_the_administrator_can_complete_a_grant_with_the_recovery_key(small_school, new_school):
    created, _ = new_school
    _write_content(small_school)
    accounts.add_user(small_school.admin, "xl2", "第二心理", [RoleSpec(roles.COUNSELOR)], STAFF_PASSWORD)
    with pytest.raises(UserError):
        accounts.grant_counselling_with_recovery(small_school.admin, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
    assert accounts.grant_counselling_with_recovery(small_school.admin, created.recovery_key) == ["xl2"]
    assert small_school.admin.counselling_key is None
    xl2 = small_school.as_user("xl2")
    try:
        assert xl2.counselling_key is not None
    finally:
        xl2.close()


def _copies_holding(db_path, slot_id: str, *, counselling: bool) -> list[str]:
    out = []
    for p in copy_paths(keyfile_path(db_path)):
        r = inspect_copy(p)
        slot = r.slots.get(slot_id)
        if slot is not None and (not counselling or slot.ck is not None):
            out.append(p.name)
    return out


def test_disabling_a_counselor_removes_their_counselling_key_from_every_generation(small_school):
    accounts.add_user(small_school.admin, "xl2", "第二心理", [RoleSpec(roles.COUNSELOR)], STAFF_PASSWORD)
    _write_content(small_school)  # xinli's login grants xl2
    for _ in range(3):  # more generations, every one of them with xl2's counselling key
        KeyFile.load(keyfile_path(small_school.path)).save()
    assert len(_copies_holding(small_school.path, user_slot_id("xl2"), counselling=True)) >= 3
    accounts.deactivate(small_school.admin, "xl2")
    assert _copies_holding(small_school.path, user_slot_id("xl2"), counselling=False) == []


def test_removing_the_counselor_role_removes_the_counselling_key_but_not_the_account(small_school):
    accounts.add_user(small_school.admin, "xl2", "第二心理", [RoleSpec(roles.COUNSELOR)], STAFF_PASSWORD)
    _write_content(small_school)
    for _ in range(2):
        KeyFile.load(keyfile_path(small_school.path)).save()
    accounts.set_roles(small_school.admin, "xl2", [RoleSpec(roles.LEADER)])
    assert _copies_holding(small_school.path, user_slot_id("xl2"), counselling=True) == []
    assert _copies_holding(small_school.path, user_slot_id("xl2"), counselling=False)
    xl2 = small_school.as_user("xl2")
    xl2.close()


def _make_pre_compartment(school, *, keep_public_keys: bool = False) -> None:
    """Turn the school into one written before compartments: plaintext notes, no key anywhere
    (``keep_public_keys``: as after the counselors logged in once while nobody could make the key)."""
    kf = KeyFile.load(keyfile_path(school.path))
    for slot in kf.slots.values():
        slot.ck = None
        if not keep_public_keys:
            slot.pub = None
    kf.save()
    with school.admin.db.write() as s:
        for k in (access.CHECK_META, access.RECOVERY_PUB_META, access.RECOVERY_SEALED_META):
            row = s.get(Meta, k)
            if row is not None:
                s.delete(row)
        for rec in s.scalars(select(ArchiveRecord).where(ArchiveRecord.kind == "counselling")):
            rec.text = NOTE
        for iv in s.scalars(select(GridInterview)):
            iv.findings = FINDINGS


def _plain_in_raw_db(school) -> bool:
    return "NOTE-7781" in _raw_dump(school.path, school.admin.db.key)


def test_upgrade_a_homeroom_login_first_leaves_a_marker_and_the_counselor_encrypts(small_school):
    _write_content(small_school)
    _make_pre_compartment(small_school)
    assert _plain_in_raw_db(small_school)
    small_school.as_user("bzr").close()
    with small_school.admin.db.read() as s:
        assert s.get(Meta, access.PENDING_META).value == "2"
    assert _plain_in_raw_db(small_school)  # nobody with the key has logged in yet
    xinli = small_school.as_user("xinli")
    try:
        assert xinli.counselling_key is not None
        assert any("单独加密" in w for w in xinli.warnings)
        assert [r.text for r in records.list_records(xinli, small_school.student_ids["林一鸣"])
                if r.kind == "counselling"] == [NOTE]
    finally:
        xinli.close()
    assert not _plain_in_raw_db(small_school)
    with small_school.admin.db.read() as s:
        assert s.get(Meta, access.PENDING_META) is None


def test_upgrade_the_recovery_key_first_encrypts_and_keeps_it_for_the_counselor(small_school, new_school):
    created, _ = new_school
    _write_content(small_school)
    _make_pre_compartment(small_school, keep_public_keys=True)
    recover(small_school.path, created.recovery_key, "admin", "Admin-New-Pass-77!")
    assert not _plain_in_raw_db(small_school)
    xinli = small_school.as_user("xinli")  # gets the key the recovery login made (sealed to its slot)
    try:
        assert [r.text for r in records.list_records(xinli, small_school.student_ids["林一鸣"])
                if r.kind == "counselling"] == [NOTE]
    finally:
        xinli.close()


def test_upgrade_the_recovery_key_before_any_counselor_can_receive_waits_for_the_counselor(small_school, new_school):
    created, _ = new_school
    _write_content(small_school)
    _make_pre_compartment(small_school)
    recover(small_school.path, created.recovery_key, "admin", "Admin-New-Pass-77!")
    assert _plain_in_raw_db(small_school)  # nobody could have received a key made now
    xinli = small_school.as_user("xinli")
    xinli.close()
    assert not _plain_in_raw_db(small_school)
    db = SchoolDatabase(small_school.path, database_key_from_recovery(normalise(created.recovery_key)))
    try:
        with db.read() as s:  # the key the counselor made is sealed for the recovery key too
            rec = s.scalar(select(ArchiveRecord).where(ArchiveRecord.kind == "counselling"))
            assert content.record_text(access.key_from_recovery(s, normalise(created.recovery_key)), rec) == NOTE
    finally:
        db.engine.dispose()


def test_a_backup_keeps_the_ciphertext_and_the_slots(small_school, tmp_path):
    _write_content(small_school)
    xinli = small_school.as_user("xinli")
    try:
        info = B.create_backup(xinli, tmp_path / "备份")
    finally:
        xinli.close()
    target = tmp_path / "restored" / "school.xadesk"
    B.restore_backup(info.path, target, B.Secret("xinli", STAFF_PASSWORD))
    bzr_key = KeyFile.load(keyfile_path(target)).unwrap(user_slot_id("bzr"), STAFF_PASSWORD)
    assert "NOTE-7781" not in _raw_dump(target, bzr_key)
    ctx = login(target, "xinli", STAFF_PASSWORD)
    try:
        assert NOTE in [r.text for r in records.list_records(ctx, small_school.student_ids["林一鸣"])]
    finally:
        ctx.close()
    assert json.loads(keyfile_path(target).read_text("utf-8"))["format"] == "xadesk-keys"
