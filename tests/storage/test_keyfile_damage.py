"""The key file survives damage: one changed byte anywhere is reported as damage (which file, which
slot), never as a wrong password; an intact copy is used; the recovery key still works; failed logins
never rewrite a generation; a disabled account's slot is gone from every generation."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from tests.conftest import ADMIN_PASSWORD
from xadesk.cli.main import main
from xadesk.errors import KeyFileDamaged, WrongPassword
from xadesk.services.login import create_school, login, recover
from xadesk.storage.keyfile import check_keys, copy_paths, inspect_copy, keyfile_path


def _positions(text: str) -> list[tuple[str, int]]:
    """(field description, byte offset) for the middle of every key name and every scalar value."""
    out: list[tuple[str, int]] = [("opening brace", 0), ("closing brace", len(text) - 1)]
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip().rstrip(",")
        if stripped.startswith('"') and '":' in stripped:
            start = offset + line.index('"')
            name_end = line.index('":')
            key = line[line.index('"') + 1:name_end]
            out.append((f"name {key}", start + 1 + len(key) // 2))
            value_start = name_end + 2
            value = line[value_start:].strip().rstrip(",")
            if value and value not in ("{", "["):
                vpos = offset + line.index(value, value_start)
                out.append((f"value {key}", vpos + len(value) // 2))
        offset += len(line)
    return out


def _damage(path, pos: int) -> None:
    data = bytearray(path.read_bytes())
    # Keep it ASCII: change the byte to a different printable one, as a bad sector or an editor would.
    data[pos] = ord("Q") if data[pos] != ord("Q") else ord("R")
    path.write_bytes(bytes(data))


def _digests(db_path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in copy_paths(keyfile_path(db_path))
            if p.exists()}


@pytest.fixture
def school(db_path):
    created = create_school(db_path, "西安市示例中学", "admin", ADMIN_PASSWORD)
    return created


def _field_positions(db_path) -> list[tuple[str, int]]:
    return _positions(keyfile_path(db_path).read_text(encoding="utf-8"))


def test_the_sweep_covers_every_field(school, db_path):
    names = {name for name, _ in _field_positions(db_path)}
    for field in ("format", "version", "db_id", "generation", "saved_at", "note", "id", "time_cost",
                  "memory_kib", "parallelism", "salt", "nonce", "wrapped", "check"):
        assert f"value {field}" in names or f"name {field}" in names, field


def test_one_byte_anywhere_in_the_current_file_is_survived_and_reported(school, db_path):
    kp = keyfile_path(db_path)
    pristine = kp.read_bytes()
    for name, pos in _field_positions(db_path):
        kp.write_bytes(pristine)
        keep = _digests(db_path)
        _damage(kp, pos)
        report = inspect_copy(kp)
        assert report.status in ("damaged", "unreadable"), name
        checked = check_keys(kp)
        assert not checked.ok and any(kp.name in line for line in checked.lines), name
        # The mirror is intact: the person logs in, is told, and the file is rewritten from the good copy.
        ctx = login(db_path, "admin", ADMIN_PASSWORD)
        try:
            assert any("损坏" in w for w in ctx.warnings), name
        finally:
            ctx.close()
        assert check_keys(kp).ok, name
        assert inspect_copy(kp).intact
        # The good content of before moved down a generation; the damaged one went aside, not into a generation.
        assert keep[kp.name] == hashlib.sha256((kp.with_name(kp.name + ".2")).read_bytes()).hexdigest()
        assert kp.with_name(kp.name + ".damaged").exists()
        pristine = kp.read_bytes()


def test_the_same_byte_damaged_in_both_copies_is_damage_never_a_wrong_password(tmp_path):
    sample = tmp_path / "sample" / "school.xadesk"
    created = create_school(sample, "西安市示例中学", "admin", ADMIN_PASSWORD)
    positions = _field_positions(sample)
    assert len(positions) > 30
    for n, (name, pos) in enumerate(positions):
        db_path = tmp_path / str(n) / "school.xadesk"
        db_path.parent.mkdir()
        for src in (sample, *copy_paths(keyfile_path(sample))[:2]):
            shutil.copyfile(src, db_path.with_name(src.name))
        kp, mirror = copy_paths(keyfile_path(db_path))[:2]
        _damage(kp, pos)
        _damage(mirror, pos)
        try:
            ctx = login(db_path, "admin", ADMIN_PASSWORD)
        except KeyFileDamaged as exc:
            assert "不是密码错误" in exc.message and kp.name in exc.message, name
        except WrongPassword:
            pytest.fail(f"damage to {name} read as a wrong password")
        else:
            # Damage outside the admin's slot (the recovery slot, the note …): opens, and says so.
            assert ctx.warnings, name
            ctx.close()
        # The recovery key opens the school whatever the damage, and the admin gets a password again.
        recover(db_path, created.recovery_key, "admin", "fresh-Pass-9931")
        login(db_path, "admin", "fresh-Pass-9931").close()
        assert check_keys(kp).ok, name


def test_recovery_key_alone_opens_the_school_with_every_key_file_gone(school, db_path):
    for p in copy_paths(keyfile_path(db_path)):
        p.unlink(missing_ok=True)
    notes = recover(db_path, school.recovery_key, "admin", "fresh-Pass-9931")
    assert notes and "重建" in notes[0]
    ctx = login(db_path, "admin", "fresh-Pass-9931")
    ctx.close()
    assert check_keys(keyfile_path(db_path), None).ok


def test_a_wrong_recovery_key_without_a_key_file_is_refused_plainly(school, db_path):
    for p in copy_paths(keyfile_path(db_path)):
        p.unlink(missing_ok=True)
    with pytest.raises(WrongPassword) as err:
        recover(db_path, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", "admin", "fresh-Pass-9931")
    assert "恢复密钥不正确" in err.value.message
    assert not keyfile_path(db_path).exists()


def test_failed_logins_never_write_any_key_copy(school, db_path):
    ctx = login(db_path, "admin", ADMIN_PASSWORD)
    ctx.close()
    before = _digests(db_path)
    for _ in range(20):
        with pytest.raises(WrongPassword):
            login(db_path, "admin", "not-the-password", sleep=lambda _s: None)
    assert _digests(db_path) == before


def test_failed_logins_with_a_damaged_file_do_not_spread_the_damage(school, db_path):
    kp = keyfile_path(db_path)
    _damage(kp, _field_positions(db_path)[8][1])
    mirror_before = _digests(db_path)[kp.name + ".1"]
    for _ in range(5):
        with pytest.raises((WrongPassword, KeyFileDamaged)):
            login(db_path, "admin", "not-the-password", sleep=lambda _s: None)
    assert _digests(db_path)[kp.name + ".1"] == mirror_before
    assert inspect_copy(kp.with_name(kp.name + ".1")).intact


def test_generations_are_kept_and_each_verifies(admin_ctx, db_path):
    from xadesk.services.accounts import change_own_password

    for n in range(4):
        change_own_password(admin_ctx, ADMIN_PASSWORD if n == 0 else f"pass-Word-{n - 1}x",
                            f"pass-Word-{n}x")
    reports = [inspect_copy(p) for p in copy_paths(keyfile_path(db_path))[:4]]
    assert all(r.intact for r in reports)
    gens = [r.generation for r in reports]
    assert gens[0] == gens[1] and gens[0] > gens[2] > gens[3]


def test_a_disabled_account_leaves_no_slot_in_any_generation(admin_ctx, db_path):
    from xadesk.services import roles
    from xadesk.services.accounts import RoleSpec, add_user, deactivate, reset_password

    add_user(admin_ctx, "teacher", "张老师", [RoleSpec(roles.COUNSELOR)], "teacher-Pass-77")
    reset_password(admin_ctx, "teacher", "teacher-Pass-78")  # another generation holding the slot
    deactivate(admin_ctx, "teacher")
    for p in copy_paths(keyfile_path(db_path)):
        if p.exists():
            assert "user:teacher" not in p.read_text(encoding="utf-8"), p.name
            assert inspect_copy(p).intact, p.name


def test_keys_check_reports_a_damaged_recovery_slot(school, db_path, capsys):
    kp, mirror = copy_paths(keyfile_path(db_path))[:2]
    for p in (kp, mirror):
        data = json.loads(p.read_text(encoding="utf-8"))
        slot = next(s for s in data["slots"] if s["id"] == "recovery")
        slot["wrapped"] = "A" + slot["wrapped"][1:]
        p.write_text(json.dumps(data, indent=1), encoding="utf-8")
    assert main(["--db", str(db_path), "keys", "check"]) == 1
    out = capsys.readouterr()
    assert "恢复密钥" in out.out and "损坏" in out.out
    assert "Traceback" not in out.err


def test_keys_check_with_the_recovery_key(school, db_path, capsys, monkeypatch):
    monkeypatch.setenv("XADESK_RECOVERY_KEY", school.recovery_key)
    assert main(["--db", str(db_path), "keys", "check"]) == 0
    assert "恢复密钥正确" in capsys.readouterr().out
    monkeypatch.setenv("XADESK_RECOVERY_KEY", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
    assert main(["--db", str(db_path), "keys", "check"]) == 1



def test_a_disabled_accounts_slot_left_in_a_legacy_bak_is_purged_at_the_next_login(admin_ctx, db_path):
    from xadesk.services import roles
    from xadesk.services.accounts import RoleSpec, add_user, deactivate

    add_user(admin_ctx, "teacher", "张老师", [RoleSpec(roles.COUNSELOR)], "teacher-Pass-77")
    kp = keyfile_path(db_path)
    legacy = kp.read_text(encoding="utf-8")  # as the previous version kept it: a .keys.bak with the slot
    deactivate(admin_ctx, "teacher")
    kp.with_name(kp.name + ".bak").write_text(legacy, encoding="utf-8")
    login(db_path, "admin", ADMIN_PASSWORD).close()
    for p in copy_paths(kp):
        if p.exists():
            assert "user:teacher" not in p.read_text(encoding="utf-8"), p.name
