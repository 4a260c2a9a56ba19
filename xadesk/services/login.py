"""Creating a school database, logging in, and recovering access.

Order of checks when opening (each failure has its own message and changes nothing in the data):
file present and not plain SQLite → key file readable → the person's slot opens (else wrong password,
recorded in the key file and audited at the next good login) → SQLCipher reads and every page's
HMAC verifies (else damaged) → it carries the XA Desk marker (else not ours) → its schema revision
is known (else written by a newer version) → migrations, after an encrypted backup.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from .. import strength
from ..compartment import access as compartment
from ..compartment import answers
from ..domain.names import check_name
from ..domain.schoolyear import school_year_of
from ..errors import (
    DatabaseDamaged,
    DatabaseExists,
    KeyFileDamaged,
    NotXADeskDatabase,
    UserError,
    WrongPassword,
)
from ..exchange.passphrase import generate as generate_recovery_key
from ..exchange.passphrase import normalise
from ..exchange.passphrase import normalise as normalise_key
from ..i18n import msg
from ..storage import anchor, keylock, loginlog, migrate, rekey
from ..storage.anchor import anchor_path
from ..storage.database import (
    APP_MARKER,
    APP_MARKER_KEY,
    SchoolDatabase,
    check_file,
    open_engine_checked,
    opens_with,
)
from ..storage.keyfile import (
    MAX_EPOCH,
    RECOVERY_SLOT,
    KeyFile,
    database_key_from_recovery,
    inspect_all,
    keyfile_path,
    lingering_slots,
    open_slot,
    user_slot_id,
)
from ..storage.models import Meta, RoleAssignment, School, SchoolYear, Semester, User
from . import audit, roles
from .context import Actor, AppContext


def normalise_login(login: str) -> str:
    return login.strip().casefold()


def check_password_strength(password: str, *, login: str | None = None, school_name: str | None = None) -> None:
    """Refuse a weak account password, saying why and how to choose a good one (xadesk.strength)."""
    strength.check(password, login=login, school_name=school_name)


def current_school_name(session) -> str | None:
    return session.scalar(select(School.name).limit(1))


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- create ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CreatedSchool:
    path: Path
    recovery_key: str
    school_uuid: str


def create_school(path: Path, school_name: str, admin_login: str, admin_password: str,
                  admin_name: str | None = None, *, today: date | None = None) -> CreatedSchool:
    """A new encrypted school database with its admin account and a recovery key (returned once)."""
    path = Path(path)
    kpath = keyfile_path(path)
    if path.exists() or kpath.exists():
        raise DatabaseExists(f"数据库 {path} 已存在，不会覆盖。如需新建，请换一个位置（--db）。",
                             f"{path} already exists and will not be overwritten. Choose another --db.")
    if not school_name.strip():
        raise UserError("请填写学校名称。", "A school name is required.", field="school")
    check_name(school_name, field="school", what="学校名称", what_en="the school name")
    check_name(admin_name or "", field="admin_name")
    login = normalise_login(admin_login)
    if not login:
        raise UserError("请填写管理员登录名。", "An admin login is required.", field="login")
    check_password_strength(admin_password, login=login, school_name=school_name.strip())
    path.parent.mkdir(parents=True, exist_ok=True)

    # Build under temporary names and move into place only when complete, so a crash half way
    # never leaves something that looks like a school database.
    tmp_db = path.with_name(f".{path.name}.creating-{os.getpid()}")
    # Leftovers of an earlier database at this path (its anchor and failed logins belong to no database now;
    # an old anchor would read as a rollback of the new one).
    for leftover in (tmp_db, Path(f"{tmp_db}-wal"), Path(f"{tmp_db}-shm"), anchor_path(path), loginlog.log_path(path)):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    # The database key is derived from the recovery key, so the printed sheet alone opens the
    # database even if every copy of the key file is lost (keyfile.py explains why that is safe).
    recovery = generate_recovery_key()
    key = database_key_from_recovery(normalise_key(recovery))
    kf = KeyFile.create(kpath)
    kf.set_slot(user_slot_id(login), admin_password, key)
    kf.set_slot(RECOVERY_SLOT, normalise_key(recovery), key)
    school_uuid = str(uuid.uuid4())
    db = SchoolDatabase(tmp_db, key)
    db.anchor_enabled = False  # the anchor belongs beside the final name, written at the first login
    try:
        migrate.upgrade(db, backup=False)
        year = school_year_of(today or date.today())
        with db.write() as s:
            s.add(Meta(key=APP_MARKER_KEY, value=APP_MARKER))
            s.add(Meta(key="db_id", value=kf.db_id))
            # The counselling key is made at the first counselor's login and sealed for this recovery key.
            compartment.record_recovery_public_key(s, normalise_key(recovery))
            s.add(School(uuid=school_uuid, name=school_name.strip(), created_at=now_utc()))
            sy = SchoolYear(label=year.label, start_date=year.start, end_date=year.end, is_current=True)
            s.add(sy)
            s.flush()
            for number, start, end in year.semesters:
                s.add(Semester(school_year_id=sy.id, number=number, start_date=start, end_date=end))
            admin = User(login=login, display_name=(admin_name or login).strip(), active=True,
                         must_change_password=False, created_at=now_utc())
            admin.roles.append(RoleAssignment(role=roles.ADMIN))
            s.add(admin)
            s.flush()
            audit.record(s, admin.id, login, "school.create", target=school_name.strip())
            audit.record(s, admin.id, login, "account.create", target=login, detail={"roles": [roles.ADMIN]})
        db.close()
        os.replace(tmp_db, path)
        kf.save()
    except BaseException:
        db.engine.dispose()
        for leftover in (tmp_db, Path(f"{tmp_db}-wal"), Path(f"{tmp_db}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise
    return CreatedSchool(path=path, recovery_key=recovery, school_uuid=school_uuid)


# --- open --------------------------------------------------------------------------------------

def _unlock(path: Path, slot_id: str, secret: str,
            login_for_failure: str | None) -> tuple[SchoolDatabase, KeyFile, list[str], bytes]:
    path = Path(path)
    check_file(path)
    try:
        opened = open_slot(keyfile_path(path), slot_id, secret)
    except WrongPassword:
        # Written beside the key file, never into it: a failed login cannot touch a key generation.
        loginlog.record_failure(path, login_for_failure or slot_id)
        raise
    warnings = list(opened.warnings)
    db, rotation = _open_rotated(path, opened)
    kf = opened.keyfile
    try:
        _check_ours(db)
        migrate.upgrade(db)
        if rotation == "finished" and opened.previous_key is not None:
            # The rotated database is in place: the anchor follows the new key if the rotation stopped
            # before moving it, and this slot wraps the new key from now on (the password just given
            # makes the wrapping key; nobody else could).
            anchor.carry_over(path, opened.previous_key, db.key)
            with kf.update():
                kf.finish_slot(slot_id, opened.wrapping, db.key)
                if not kf.has_pending():
                    kf.drop_pre_rotation_copies()
        elif rotation == "abandoned":
            warnings += _drop_abandoned_rotation(path, kf, db)
        elif opened.repaired:
            # Only after the database proved the key right: rewrite the key file from the intact copies.
            with kf.update():
                pass
    except BaseException:
        db.engine.dispose()
        raise
    return db, kf, warnings, opened.wrapping


def _open_rotated(path: Path, opened) -> tuple[SchoolDatabase, str]:
    """Open with the slot's key. After a key rotation the slot holds two: the new one first (the
    rotated database is in place: "finished"), else the old one (the rotation stopped before the
    swap: "abandoned"). Anything else is damage, reported as before."""
    if opened.previous_key is None:
        return open_engine_checked(path, opened.key), ""
    try:
        return open_engine_checked(path, opened.key), "finished"
    except DatabaseDamaged:
        if not opens_with(path, opened.previous_key):
            raise
    return open_engine_checked(path, opened.previous_key), "abandoned"


def _drop_abandoned_rotation(path: Path, kf: KeyFile, db: SchoolDatabase) -> list[str]:
    """A rotation stopped before its new database took the old one's place (a crash, a power cut):
    the old key still opens the school, so the half-made copy and the sealed new keys go."""
    with kf.locked():
        # Under the lock: a rotation running right now holds it, so by here it has ended — and if it
        # ended by putting its database in place, the old key no longer opens the file.
        if not kf.has_pending():
            return []
        if not opens_with(path, db.key):
            raise UserError("数据库的密钥刚刚更换（轮换），请重新登录。",
                            "The database key was just rotated; please log in again.")
        rekey.remove_leftovers(path)
        kf.abandon_pending()
        kf.save()
    return [_abandoned_note()]


def _abandoned_note() -> str:
    return msg("上次数据库密钥轮换没有完成（可能是中途断电或程序被关闭），数据库仍用原来的密钥，一切数据完好。"
               "如仍需要，请管理员重新轮换密钥。",
               "The last key rotation did not finish; the database keeps its previous key and nothing was "
               "lost. An administrator can rotate again.")


def _check_ours(db: SchoolDatabase) -> None:
    with db.engine.connect() as conn:
        marker = None
        with contextlib.suppress(DBAPIError):
            marker = conn.exec_driver_sql("SELECT value FROM meta WHERE key = 'app'").scalar()
        current = migrate.current_revision(conn)
        app_version = migrate.written_by(conn)
        conn.rollback()
    if marker != APP_MARKER:
        raise NotXADeskDatabase("这个文件不是 XA Desk 数据库。", "This file is not an XA Desk database.")
    migrate.check_not_newer(current, app_version)


def load_actor(session, user: User) -> Actor:
    role_set = frozenset(r.role for r in user.roles)
    perms: set[str] = set()
    for r in role_set:
        perms |= roles.PERMISSIONS.get(r, frozenset())
    return Actor(user_id=user.id, login=user.login, display_name=user.display_name, roles=role_set,
                 grade_codes=frozenset(r.grade_code for r in user.roles if r.role == roles.GRADE_LEADER and r.grade_code),
                 class_ids=frozenset(r.class_id for r in user.roles if r.role == roles.HOMEROOM and r.class_id),
                 permissions=frozenset(perms), must_change_password=bool(user.must_change_password))


def login_notices(ctx: AppContext) -> list[str]:
    """What a person must be told right after logging in: damaged key-file copies (repaired) and
    failed attempts on their account since their last login."""
    lines = list(ctx.warnings)
    if ctx.failed_attempts:
        last = max(ctx.failed_attempts).astimezone().strftime("%Y-%m-%d %H:%M")
        n = len(ctx.failed_attempts)
        lines.append(msg(f"自您上次登录以来，您的账号有 {n} 次密码错误的登录尝试（最近一次：{last}）。"
                         "如果不是您本人，请告诉管理员并修改密码。",
                         f"Since your last login there were {n} failed login attempts on your account (last: {last}). "
                         "If that was not you, tell the administrator and change your password."))
    return lines


def login_delay(path: Path, login_name: str, now: datetime | None = None) -> float:
    """Seconds the next login of this account will wait because of its recent failures (for the UI)."""
    return loginlog.delay_seconds(loginlog.failures_for(Path(path), normalise_login(login_name)), now)


def login(path: Path, login_name: str, password: str, *, clock: Callable[[], datetime] | None = None,
          sleep: Callable[[float], None] = time.sleep) -> AppContext:
    """Unlock the database with this person's slot and return their context (audited).

    After repeated failures on this account the attempt first waits (``login_delay``); ``clock`` and
    ``sleep`` are injectable so tests need not wait.
    """
    path = Path(path)
    login_key = normalise_login(login_name)
    wait = login_delay(path, login_key, clock() if clock else None)
    if wait > 0:
        sleep(wait)
    db, kf, warnings, wrapping = _unlock(path, user_slot_id(login_key), password, login_key)
    try:
        own_failures = loginlog.failures_for(path, login_key)
        with db.read() as s:
            known = s.scalar(select(User.active).where(func.lower(User.login) == login_key))
        if not known:
            # A slot without an active account (e.g. deactivated): a failed login, recorded in its own
            # transaction so the refusal does not roll the record back with it.
            with db.write() as s:
                audit.record(s, None, login_key, "login.failed", detail={"reason": "disabled"})
            raise WrongPassword("该账号已停用，请联系学校管理员。", "This account is disabled; ask the administrator.")
        # The key file is locked (and read afresh) before the transaction that may change it, so a
        # grant made here cannot undo another session's change, and the order is always key file
        # first, database second (the same as every other key-file change).
        with keylock.held(kf.path):
            kf.refresh()
            with db.write() as s:
                user = s.scalar(select(User).where(func.lower(User.login) == login_key))
                for f in loginlog.take_unaudited(path):
                    audit.record(s, None, f["login"], "login.failed",
                                 at=datetime.fromisoformat(f["at"]).astimezone(UTC).replace(tzinfo=None))
                damage = [w for w in warnings if w != _abandoned_note()]
                if damage:
                    audit.record(s, user.id, user.login, "keys.damaged", detail={"copies": len(damage) - 1})
                # The database against the audit head anchored beside it: a rollback or a lost tail is told
                # now and recorded in the chain itself (the anchor moves on with this login's entry).
                rollback = audit.rollback_detail(s, path, db.key)
                anchor_warnings = audit.anchor_problems(s, path, db.key)
                if rollback is not None:
                    audit.record(s, user.id, user.login, "audit.rollback", detail=rollback)
                warnings = [*warnings, *anchor_warnings]
                is_counselor = roles.COUNSELOR in {r.role for r in user.roles}
                if is_counselor:
                    warnings = [*warnings, *audit.care_role_grants_since_last_login(s, user.id, user.login)]
                settled = compartment.settle(s, kf, user_slot_id(login_key), wrapping, is_counselor=is_counselor)
                warnings = [*warnings, *settled.warnings]
                if settled.encrypted:
                    audit.record(s, user.id, user.login, "counselling.encrypt", detail={"values": settled.encrypted})
                if settled.substituted:
                    audit.record(s, user.id, user.login, "counselling.pubkey", detail={"replaced": True})
                if settled.keyfile_changed:
                    # Before the commit: ciphertext under a new key never exists without that key in the key file.
                    kf.save()
                audit.record(s, user.id, user.login, "login")
                user.last_login_at = now_utc()
                actor = load_actor(s, user)
        loginlog.clear_login(path, login_key)
        if settled.key is not None:
            # Item answers stored before compartments (or before the answers public key existed):
            # sealed now, in batches each committed on its own, so a crash loses nothing.
            sealed_rows = answers.seal_pending(db, settled.key)
            if sealed_rows:
                with db.write() as s:
                    audit.record(s, actor.user_id, actor.login, "counselling.encrypt", detail={"answers": sealed_rows})
        with db.read() as s:
            inactive = list(s.scalars(select(User.login).where(User.active.is_(False))))
        # Slots of disabled accounts left in older copies (e.g. .keys.bak written before this version).
        for slot_id in lingering_slots(kf.path, [user_slot_id(x) for x in inactive]):
            kf.purge_slot(slot_id)
        if settled.drop_from_slot:
            # No longer a counselor: the counselling key leaves this slot in every generation.
            kf.purge_counselling(user_slot_id(login_key))
    except BaseException:
        db.close()
        raise
    return AppContext(db=db, actor=actor, keyfile=kf, warnings=warnings, failed_attempts=own_failures,
                      counselling_key=settled.key)


def recover(path: Path, recovery_key: str, login_name: str, new_password: str) -> list[str]:
    """Set a new password for ``login_name`` using the printed recovery key.

    Works with the key file damaged or lost: the recovery slot is used when some copy holds it
    intact; otherwise the database key is derived from the recovery key itself and a key file is
    rebuilt from the slots that survive in any copy. Returns what was repaired, in words.
    """
    login_key = normalise_login(login_name)
    check_password_strength(new_password, login=login_key)
    path = Path(path)
    secret = normalise(recovery_key)
    check_file(path)
    wrong = WrongPassword("恢复密钥不正确。请对照打印的恢复密钥逐组核对后重试。",
                          "The recovery key is wrong. Check it group by group against the printout.")
    notes: list[str] = []
    rebuilt = False
    try:
        db, kf, notes, _wrapping = _unlock(path, RECOVERY_SLOT, secret, "recovery")
    except (WrongPassword, KeyFileDamaged, NotXADeskDatabase):
        # The recovery slot is refused, damaged or gone: the key derived from the recovery key itself
        # still opens a database made since key-file format 2; for an older one the slot's answer stands.
        try:
            db, kf = _open_from_recovery_key(path, secret, wrong)
        except WrongPassword:
            raise wrong from None
        rebuilt = True
        notes = [msg("钥匙文件已损坏或丢失：已用恢复密钥直接打开数据库，并重建了钥匙文件。"
                     "其他账号若无法登录，请由管理员重设密码。",
                     "The key file was damaged or missing: the database was opened with the recovery key "
                     "itself and the key file rebuilt. Other accounts that cannot log in need a password reset.")]
    try:
        with keylock.held(kf.path), db.write() as s:
            if not rebuilt:
                kf.refresh()  # a rebuilt key file stands on its own: the copies on disk are damaged or gone
            user = s.scalar(select(User).where(func.lower(User.login) == login_key))
            if user is None:
                raise UserError(f"没有登录名为 {login_name} 的账号。", f"No account named {login_name}.")
            check_password_strength(new_password, login=login_key, school_name=current_school_name(s))
            user.active = True
            # The counselling key as the recovery key holds it (in the database, sealed to its public key).
            settled = compartment.settle_with_recovery(s, kf, secret)
            notes = [*notes, *settled.warnings]
            ck = settled.key
            is_counselor = roles.COUNSELOR in {r.role for r in user.roles}
            kf.set_slot(user_slot_id(login_key), new_password, db.key, counselling_key=ck if is_counselor else None)
            kf.set_slot(RECOVERY_SLOT, secret, db.key)
            if settled.encrypted:
                audit.record(s, user.id, user.login, "counselling.encrypt", detail={"values": settled.encrypted})
            audit.record(s, user.id, user.login, "account.recover", target=user.login)
            kf.save()
        if ck is not None:
            answers.seal_pending(db, ck)   # item answers from before 0012, as a counselor's login would
    finally:
        db.close()
    return notes


def _open_from_recovery_key(path: Path, secret: str, wrong: WrongPassword) -> tuple[SchoolDatabase, KeyFile]:
    # The key of epoch 0 unless the school rotated its key since (xadesk.keys.rotation): each rotation
    # derives the next epoch's key from the same recovery key, and nothing outside the key file says
    # which epoch is current, so they are tried in turn (a raw key costs one short read each).
    key = next((k for k in (database_key_from_recovery(secret, epoch=e) for e in range(MAX_EPOCH + 1))
                if opens_with(path, k)), database_key_from_recovery(secret))
    try:
        db = open_engine_checked(path, key)
    except DatabaseDamaged:
        # A wrong key reads exactly like a damaged file; say which is likelier here.
        raise wrong from None
    try:
        _check_ours(db)
        migrate.upgrade(db)
        with db.read() as s:
            db_id = s.scalar(select(Meta.value).where(Meta.key == "db_id"))
    except BaseException:
        db.engine.dispose()
        raise
    kf = KeyFile.create(keyfile_path(path), db_id=db_id)
    # Keep every slot that still verifies in some copy of the same database's key file.
    for report in reversed(inspect_all(keyfile_path(path))):
        if report.db_id == db_id:
            kf.slots.update(report.slots)
            kf.generation = max(kf.generation, report.generation or 0)
    return db, kf
