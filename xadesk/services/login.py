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
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from ..domain.names import check_name
from ..domain.schoolyear import school_year_of
from ..errors import DatabaseExists, NotXADeskDatabase, UserError, WrongPassword
from ..storage import migrate
from ..storage.database import APP_MARKER, APP_MARKER_KEY, SchoolDatabase, check_file, open_engine_checked
from ..storage.keyfile import RECOVERY_SLOT, KeyFile, keyfile_path, new_database_key, user_slot_id
from ..storage.models import Meta, RoleAssignment, School, SchoolYear, Semester, User
from . import audit, roles
from .context import Actor, AppContext

MIN_PASSWORD_LENGTH = 8


def normalise_login(login: str) -> str:
    return login.strip().casefold()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。",
                        f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", field="password")


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
    from ..exchange.passphrase import generate as generate_recovery_key
    from ..exchange.passphrase import normalise as normalise_key

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
    check_password_strength(admin_password)
    path.parent.mkdir(parents=True, exist_ok=True)

    # Build under temporary names and move into place only when complete, so a crash half way
    # never leaves something that looks like a school database.
    tmp_db = path.with_name(f".{path.name}.creating-{os.getpid()}")
    for leftover in (tmp_db, Path(f"{tmp_db}-wal"), Path(f"{tmp_db}-shm")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    key = new_database_key()
    kf = KeyFile.create(kpath)
    kf.set_slot(user_slot_id(login), admin_password, key)
    recovery = generate_recovery_key()
    kf.set_slot(RECOVERY_SLOT, normalise_key(recovery), key)
    school_uuid = str(uuid.uuid4())
    db = SchoolDatabase(tmp_db, key)
    try:
        migrate.upgrade(db, backup=False)
        year = school_year_of(today or date.today())
        with db.write() as s:
            s.add(Meta(key=APP_MARKER_KEY, value=APP_MARKER))
            s.add(Meta(key="db_id", value=kf.db_id))
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

def _unlock(path: Path, slot_id: str, secret: str, login_for_failure: str | None) -> tuple[SchoolDatabase, KeyFile]:
    path = Path(path)
    check_file(path)
    kf = KeyFile.load(keyfile_path(path))
    try:
        key = kf.unwrap(slot_id, secret)
    except WrongPassword:
        kf.record_failure(login_for_failure or slot_id)
        raise
    db = open_engine_checked(path, key)
    try:
        with db.engine.connect() as conn:
            marker = None
            with contextlib.suppress(DBAPIError):
                marker = conn.exec_driver_sql("SELECT value FROM meta WHERE key = 'app'").scalar()
            current = migrate.current_revision(conn)
            conn.rollback()
        if marker != APP_MARKER:
            raise NotXADeskDatabase("这个文件不是 XA Desk 数据库。", "This file is not an XA Desk database.")
        migrate.check_not_newer(current)
        migrate.upgrade(db)
    except BaseException:
        db.engine.dispose()
        raise
    return db, kf


def load_actor(session, user: User) -> Actor:
    role_set = frozenset(r.role for r in user.roles)
    perms: set[str] = set()
    for r in role_set:
        perms |= roles.PERMISSIONS.get(r, frozenset())
    return Actor(user_id=user.id, login=user.login, display_name=user.display_name, roles=role_set,
                 grade_codes=frozenset(r.grade_code for r in user.roles if r.role == roles.GRADE_LEADER and r.grade_code),
                 class_ids=frozenset(r.class_id for r in user.roles if r.role == roles.HOMEROOM and r.class_id),
                 permissions=frozenset(perms), must_change_password=bool(user.must_change_password))


def login(path: Path, login_name: str, password: str) -> AppContext:
    """Unlock the database with this person's slot and return their context (audited)."""
    login_key = normalise_login(login_name)
    db, kf = _unlock(path, user_slot_id(login_key), password, login_key)
    try:
        with db.write() as s:
            user = s.scalar(select(User).where(func.lower(User.login) == login_key))
            if user is None or not user.active:
                # A slot without an active account (e.g. deactivated): treat as a failed login.
                audit.record(s, None, login_key, "login.failed", detail={"reason": "inactive"})
                raise WrongPassword("该账号已停用，请联系学校管理员。", "This account is disabled; ask the administrator.")
            failures = kf.take_failures()
            for f in failures:
                audit.record(s, None, f["login"], "login.failed",
                             at=datetime.fromisoformat(f["at"]))
            audit.record(s, user.id, user.login, "login")
            user.last_login_at = now_utc()
            actor = load_actor(s, user)
        if failures:
            kf.save()
    except BaseException:
        db.close()
        raise
    return AppContext(db=db, actor=actor, keyfile=kf)


def recover(path: Path, recovery_key: str, login_name: str, new_password: str) -> None:
    """Set a new password for ``login_name`` using the printed recovery key."""
    from ..exchange.passphrase import normalise

    check_password_strength(new_password)
    login_key = normalise_login(login_name)
    try:
        db, kf = _unlock(path, RECOVERY_SLOT, normalise(recovery_key), "recovery")
    except WrongPassword:
        raise WrongPassword("恢复密钥不正确。请对照打印的恢复密钥逐组核对后重试。",
                            "The recovery key is wrong. Check it group by group against the printout.") from None
    try:
        with db.write() as s:
            user = s.scalar(select(User).where(func.lower(User.login) == login_key))
            if user is None:
                raise UserError(f"没有登录名为 {login_name} 的账号。", f"No account named {login_name}.")
            user.active = True
            kf.set_slot(user_slot_id(login_key), new_password, db.key)
            audit.record(s, user.id, user.login, "account.recover", target=user.login)
        kf.save()
    finally:
        db.close()
