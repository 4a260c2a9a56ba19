"""Backups: made while the app runs (even mid-import), verified without and with a secret, restored
only to a new path after verifying, refused when damaged; what an older backup lacks; retention;
the folder setting and the stale-backup warning."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import ADMIN_PASSWORD
from xadesk.backup import fileformat
from xadesk.backup import service as B
from xadesk.backup.fileformat import BackupDamaged
from xadesk.errors import PermissionDenied, UserError, WrongPassword
from xadesk.services.audit import verify
from xadesk.services.login import login

PHQ = "id,1,2,3,4,5,6,7,8,9,10\n"


def _restore_and_open(backup, target, login_name="admin", password=ADMIN_PASSWORD):
    B.restore_backup(backup, target, B.Secret(login_name, password))
    ctx = login(target, login_name, password)
    try:
        assert ctx.db.integrity_check() == []
        assert verify(ctx).ok
    finally:
        ctx.close()


def test_create_verify_restore(new_school, db_path, tmp_path):
    created, ctx = new_school
    info = B.create_backup(ctx, tmp_path / "备份")
    assert info.path.exists() and info.path.suffix == ".xabak"
    assert b"\xe8\xa5\xbf\xe5\xae\x89" not in info.path.read_bytes()  # the school name (西安) is not in clear
    assert not B.verify_backup(info.path).full
    full = B.verify_backup(info.path, B.Secret("admin", ADMIN_PASSWORD))
    assert full.full and full.school_name == "西安市示例中学" and full.audit_count >= 2
    assert B.verify_backup(info.path, B.Secret(recovery_key=created.recovery_key)).full
    with pytest.raises(WrongPassword):
        B.verify_backup(info.path, B.Secret("admin", "not-the-password"))
    _restore_and_open(info.path, tmp_path / "restored" / "school.xadesk")


def test_restore_never_writes_over_an_existing_file(new_school, db_path, tmp_path):
    _, ctx = new_school
    info = B.create_backup(ctx, tmp_path / "b")
    before = db_path.read_bytes()
    with pytest.raises(UserError) as err:
        B.restore_backup(info.path, db_path, B.Secret("admin", ADMIN_PASSWORD))
    assert "不会覆盖" in err.value.message
    assert db_path.read_bytes() == before


@pytest.mark.parametrize("where", ["magic", "header", "body", "mac", "truncate"])
def test_restore_refuses_a_damaged_backup(new_school, tmp_path, where):
    _, ctx = new_school
    info = B.create_backup(ctx, tmp_path / "b")
    data = bytearray(info.path.read_bytes())
    opened = fileformat.read_header(info.path)
    pos = {"magic": 3, "header": opened.body_offset - 40, "body": opened.body_offset + len(data) // 3,
           "mac": len(data) - 5}.get(where)
    if where == "truncate":
        data = data[:-1000]
    else:
        data[pos] ^= 0x01
    info.path.write_bytes(bytes(data))
    target = tmp_path / "r" / "school.xadesk"
    with pytest.raises(BackupDamaged):
        B.restore_backup(info.path, target, B.Secret("admin", ADMIN_PASSWORD))
    assert not target.exists()
    if where != "mac":  # a changed MAC byte needs the key to be seen; everything else is found without one
        with pytest.raises(BackupDamaged):
            B.verify_backup(info.path)


def test_a_backup_made_while_a_campaign_import_runs_restores_and_verifies(small_school, tmp_path, monkeypatch):
    from xadesk.services.campaigns import create_campaign
    from xadesk.services.screening_import import import_survey
    from xadesk.services.screening_results import results

    counselor = small_school.as_user("xinli")
    admin = small_school.admin
    campaign = create_campaign(counselor, "普查", ["phq9"], grades=["J1", "J2"], open_now=True)
    answers = tmp_path / "answers.csv"
    from tests.services.conftest import STUDENTS

    answers.write_text(PHQ + "".join(f"{no},1,1,1,1,1,1,1,1,0,1\n" for *_, no, _ in STUDENTS), encoding="utf-8")
    snapshot_taken = threading.Event()
    real_write = fileformat.write

    def write_and_signal(*a, **k):
        snapshot_taken.set()  # the snapshot exists; its file is being written
        return real_write(*a, **k)

    monkeypatch.setattr(fileformat, "write", write_and_signal)
    made: list = []
    errors: list = []

    def backup() -> None:
        try:
            made.append(B.create_backup(admin, tmp_path / "b"))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=backup)

    def mid_import(done, total) -> None:
        # The import's rows are in its open write transaction: take the backup now, from another connection.
        thread.start()
        assert snapshot_taken.wait(30)

    report = import_survey(counselor, campaign.id, answers, instrument="phq9", progress=mid_import)
    thread.join(60)
    assert not errors and made and report.total.added == len(STUDENTS)
    assert len(results(counselor, campaign.id)) == len(STUDENTS)
    counselor.close()
    target = tmp_path / "restored" / "school.xadesk"
    _restore_and_open(made[0].path, target)
    # The snapshot holds the database as of one commit: before the import, never half of it.
    restored = login(target, "xinli", "staff-pass-123")
    try:
        assert results(restored, campaign.id) == []
    finally:
        restored.close()


def test_restore_says_what_an_older_backup_lacks(small_school, tmp_path):
    from xadesk.services import roles
    from xadesk.services.accounts import RoleSpec, add_user

    admin = small_school.admin
    info = B.create_backup(admin, tmp_path / "b")
    add_user(admin, "new1", "新老师", [RoleSpec(roles.COUNSELOR)], "Tea-cup 47 rain")
    report = B.restore_backup(info.path, tmp_path / "r" / "old.xadesk", B.Secret("admin", ADMIN_PASSWORD),
                              current_db=small_school.path)
    text = "\n".join(report.lacks)
    assert "没有这些更改" in text and "新建账号 × 1" in text


def test_only_counselors_and_admins_back_up(small_school, tmp_path):
    bzr = small_school.as_user("bzr")
    try:
        with pytest.raises(PermissionDenied):
            B.create_backup(bzr, tmp_path / "b")
        assert B.status(bzr).warnings == []
        assert not B.auto_backup_due(bzr)
    finally:
        bzr.close()


def test_folder_setting_status_and_automatic_backup(new_school, db_path, tmp_path):
    _, ctx = new_school
    st = B.status(ctx)
    assert any("还没有设置备份文件夹" in w for w in st.warnings)
    with pytest.raises(UserError):
        B.set_folder(ctx, db_path.parent)  # the database's own folder dies with the disk
    folder = tmp_path / "usb" / "XADesk备份"
    B.set_folder(ctx, folder)
    assert any("找不到" in w for w in B.status(ctx).warnings)  # the stick is not plugged in
    assert not B.auto_backup_due(ctx)
    folder.mkdir(parents=True)
    now = datetime.now(UTC)
    assert B.auto_backup_due(ctx, now)
    assert B.auto_backup(ctx, now) is not None
    assert B.auto_backup(ctx, now + timedelta(minutes=5)) is None  # at most one a day
    assert B.status(ctx, now).warnings == []
    stale = B.status(ctx, now + timedelta(days=8))
    assert any("8 天前" in w for w in stale.warnings)


def test_retention_keeps_seven_daily_and_twelve_monthly(new_school, tmp_path):
    _, ctx = new_school
    folder = tmp_path / "b"
    start = datetime(2025, 1, 15, 4, 0, tzinfo=UTC)
    made = []
    for day in range(0, 400, 9):  # every 9 days for 13 months, plus a burst of recent days
        made.append(B.create_backup(ctx, folder, now=start + timedelta(days=day)).path)
    last = start + timedelta(days=396)
    for d in range(1, 10):
        made.append(B.create_backup(ctx, folder, now=last + timedelta(days=d)).path)
    stranger = folder / "xadesk-backup-20250101-000000.xabak"
    stranger.write_bytes(b"not ours")
    B.prune(folder, ctx.keyfile.db_id)
    kept = [p for _, p in B.list_backups(folder) if p != stranger]
    days = {p.name[14:22] for p in kept}
    months = {p.name[14:20] for p in kept}
    assert len(kept) <= 7 + 12 and len(months) == 12
    recent = sorted(days)[-7:]
    assert all(any(p.name[14:22] == d for p in kept) for d in recent)
    assert stranger.exists()  # never delete a file that is not this school's backup
