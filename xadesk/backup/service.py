"""Making, checking and restoring backups, the backup folder setting, and the automatic backup.

* ``create_backup``: a consistent snapshot taken through the open connection with SQLite's online
  backup API (one step, so one read transaction: other connections keep writing, the snapshot is
  the database as of one commit), written with the key file into one ``.xabak`` (fileformat.py).
* ``verify_backup``: without a secret, the checks that need none (damage); with a login's password or
  the recovery key, also the MAC, SQLCipher's per-page check and the audit chain inside.
* ``restore_backup``: verifies first, then writes database and key file to a *new* path; never over an
  existing file (so never over a live database). It says what the backup lacks compared with the
  current database when that can be read.
* Automatic backups: when a counselor or administrator closes the app, at most one a day; the folder
  keeps 7 daily and 12 monthly backups (``prune``).
"""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from .. import __version__
from ..errors import PermissionDenied, UserError, WrongPassword
from ..exchange.passphrase import normalise
from ..i18n import msg
from ..integrity import pages
from ..services import audit
from ..services.context import AppContext
from ..storage import migrate
from ..storage.atomic import atomic_write_bytes
from ..storage.database import SchoolDatabase
from ..storage.keyfile import RECOVERY_SLOT, copy_paths, keyfile_path, open_slot, user_slot_id
from ..storage.models import AuditEntry, Meta, School, Student
from . import fileformat
from .fileformat import EXTENSION, BackupDamaged

FOLDER_KEY = "backup.folder"
LAST_KEY = "backup.last_at"
STALE_AFTER = timedelta(days=7)
KEEP_DAILY = 7
KEEP_MONTHLY = 12
PREFIX = "xadesk-backup-"


def _now() -> datetime:
    return datetime.now(UTC)


def _require(ctx: AppContext) -> None:
    if not ctx.actor.can("backup.manage"):
        raise PermissionDenied("只有管理员和心理健康教师可以备份或设置备份。",
                               "Only administrators and counselors make backups.")


# --- settings ----------------------------------------------------------------------------------

def get_folder(ctx: AppContext) -> Path | None:
    with ctx.db.read() as s:
        value = s.scalar(select(Meta.value).where(Meta.key == FOLDER_KEY))
    return Path(value) if value else None


def set_folder(ctx: AppContext, folder: Path | str | None) -> None:
    """The backup folder (a USB stick or a share). It need not be present now; it is checked at use."""
    _require(ctx)
    text = str(folder).strip() if folder else ""
    if text and not Path(text).is_absolute():
        raise UserError("请选择一个完整路径的文件夹（例如 E:\\XADesk备份）。", "Choose a full folder path.", field="folder")
    if text and Path(text).resolve() == ctx.db.path.parent.resolve():
        raise UserError("备份文件夹不能是数据库所在的文件夹：硬盘坏了，两者会一起丢失。请选 U 盘或共享文件夹。",
                        "The backup folder must not be the database's own folder.", field="folder")
    with ctx.db.write() as s:
        row = s.get(Meta, FOLDER_KEY)
        if row is None:
            s.add(Meta(key=FOLDER_KEY, value=text))
        else:
            row.value = text
        audit.record_for(ctx, s, "backup.settings", target=text or None)


def folder_usable(folder: Path | None) -> bool:
    return folder is not None and folder.is_dir() and os.access(folder, os.W_OK)


# --- create --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    created_at: datetime
    audit_seq: int
    seconds: float = 0.0


def backup_name(at: datetime) -> str:
    return f"{PREFIX}{at.astimezone(UTC):%Y%m%d-%H%M%S}{EXTENSION}"


def create_backup(ctx: AppContext, folder: Path | None = None, *, now: datetime | None = None) -> BackupInfo:
    """One backup file in ``folder`` (default: the configured folder); audited; nothing left on failure."""
    _require(ctx)
    folder = Path(folder) if folder else get_folder(ctx)
    if folder is None:
        raise UserError("还没有设置备份文件夹。请在“备份”设置中选择，或用 --to 指定。",
                        "No backup folder is set. Choose one in the backup settings or give --to.", field="folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"备份文件夹 {folder} 无法使用（{exc.strerror or exc}）。U 盘是否已插好？",
                        f"The backup folder {folder} cannot be used ({exc.strerror or exc}).") from None
    start = time.perf_counter()
    at = now or _now()
    target = folder / backup_name(at)
    n = 1
    while target.exists():
        target = folder / f"{target.stem.split('~')[0]}~{n}{EXTENSION}"
        n += 1
    # A passive checkpoint first (it never waits for a running import): the snapshot then reads most
    # pages from the main file.
    with contextlib.suppress(Exception):
        ctx.db.checkpoint("PASSIVE")
    fd, snap = tempfile.mkstemp(prefix=".xadesk-snapshot-", suffix=".tmp", dir=folder)
    os.close(fd)
    snapshot = Path(snap)
    try:
        snapshot.unlink()
        probe = None
        try:
            # Reading every page for the copy verifies each page's HMAC; the snapshot's structure is
            # checked too. A damaged school database is never saved as a good backup.
            ctx.db.backup_to(snapshot)  # SQLCipher pages under the same key: never plaintext on disk
            probe = SchoolDatabase(snapshot, ctx.db.key)
            bad = bool(probe.integrity_check())
        except (sqlcipher.DatabaseError, DBAPIError):
            bad = True
        if bad:
            if probe is not None:
                probe.engine.dispose()
            audited = pages.record_damage(ctx, 1, found_by="backup")
            raise UserError("数据库文件校验失败：文件的部分内容被改动或已损坏，这次备份没有保存。请立即告诉学校管理员，"
                            "并用最近的备份恢复。" + ("此事已记入审计日志。" if audited else ""),
                            "The database failed its page check (altered or damaged); no backup was saved.")
        assert probe is not None
        try:
            with probe.read() as s:
                seq, last_at = _audit_head(s)
                schema = migrate.current_revision(s.connection())
        finally:
            probe.engine.dispose()
        # The key file as it is now on disk (not this session's copy from login, which may miss another
        # session's change): its newest intact content (a damaged copy is never backed up).
        with ctx.keyfile.locked():
            kf_bytes = ctx.keyfile.to_bytes(max(ctx.keyfile.generation, 1))
        header = {"created_at": at.astimezone(UTC).isoformat(timespec="seconds"), "db_id": ctx.keyfile.db_id,
                  "schema": schema, "app": __version__, "audit_seq": seq, "audit_at": last_at,
                  "created_by": ctx.actor.login, "keyfile": _b64(kf_bytes)}
        fileformat.write(target, header, snapshot, ctx.db.key)
    finally:
        for leftover in (snapshot, Path(f"{snapshot}-wal"), Path(f"{snapshot}-shm"), Path(f"{snapshot}-journal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    fileformat.read_header(target)  # read back: a backup counts only once it verifies
    with ctx.db.write() as s:
        row = s.get(Meta, LAST_KEY)
        stamp = at.astimezone(UTC).isoformat(timespec="seconds")
        if row is None:
            s.add(Meta(key=LAST_KEY, value=stamp))
        else:
            row.value = stamp
        audit.record_for(ctx, s, "backup.create", target=target.name, detail={"bytes": target.stat().st_size})
    return BackupInfo(target, target.stat().st_size, at, seq, time.perf_counter() - start)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _audit_head(session) -> tuple[int, str | None]:
    row = session.execute(select(AuditEntry.seq, AuditEntry.at).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, None)


# --- verify ----------------------------------------------------------------------------------------

@dataclass
class Secret:
    """Who opens a backup: a login and password, or the recovery key."""

    login: str | None = None
    password: str | None = None
    recovery_key: str | None = None


@dataclass
class VerifyReport:
    path: Path
    header: dict
    full: bool  # the contents were checked (a secret was given)
    students: int | None = None
    audit_count: int | None = None
    school_name: str | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self.header["created_at"])


def _unlock_key(opened: fileformat.Opened, secret: Secret, workdir: Path) -> bytes:
    kpath = workdir / "backup.keys"
    try:
        kpath.write_bytes(_unb64(opened.header["keyfile"]))
    except (KeyError, ValueError):
        raise fileformat.damaged(opened.path, "钥匙槽无法读取", "key slots unreadable") from None
    if secret.recovery_key:
        try:
            return open_slot(kpath, RECOVERY_SLOT, normalise(secret.recovery_key)).key
        except WrongPassword:
            raise WrongPassword("恢复密钥打不开这份备份。", "The recovery key does not open this backup.") from None
    if not secret.login or secret.password is None:
        raise UserError("检查备份内容需要登录名和密码，或恢复密钥。", "A login and password, or the recovery key, is needed.")
    return open_slot(kpath, user_slot_id(secret.login.strip().casefold()), secret.password).key


def _check_contents(opened: fileformat.Opened, key: bytes, workdir: Path) -> tuple[Path, VerifyReport]:
    if not fileformat.check_mac(opened, key):
        raise fileformat.damaged(opened.path, "完整性校验失败", "integrity check failed")
    body = workdir / "snapshot.xadesk"
    fileformat.extract_body(opened, body)
    db = SchoolDatabase(body, key)
    try:
        try:
            problems = db.integrity_check()
        except Exception:
            problems = ["unreadable"]
        if problems:
            raise fileformat.damaged(opened.path, "数据库页校验失败", "database pages failed their check")
        with db.read() as s:
            chain = audit.verify_session(s)
            students = s.scalar(select(func.count()).select_from(Student))
            school = s.scalar(select(School.name).limit(1))
            db_id = s.scalar(select(Meta.value).where(Meta.key == "db_id"))
        if not chain.ok:
            raise fileformat.damaged(opened.path, "审计日志不完整：" + "；".join(chain.problems),
                                      "audit log broken")
        if db_id != opened.header.get("db_id"):
            raise fileformat.damaged(opened.path, "钥匙槽与数据库不配套", "key slots do not match the database")
    finally:
        db.engine.dispose()
    report = VerifyReport(opened.path, opened.header, True, students, chain.count, school)
    return body, report


def verify_backup(path: Path, secret: Secret | None = None) -> VerifyReport:
    """Check a backup: damage without a secret, everything with one. Raises on any problem."""
    opened = fileformat.read_header(Path(path))
    if secret is None:
        report = VerifyReport(opened.path, opened.header, False)
    else:
        with tempfile.TemporaryDirectory(prefix="xadesk-verify-") as tmp:
            _, report = _check_contents(opened, _unlock_key(opened, secret, Path(tmp)), Path(tmp))
    report.lines = describe(report)
    return report


def describe(report: VerifyReport) -> list[str]:
    h = report.header
    when = report.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
    lines = [msg(f"备份时间：{when}（由 {h.get('created_by', '?')} 创建，XA Desk {h.get('app', '?')}）",
                 f"Made {when} by {h.get('created_by', '?')} (XA Desk {h.get('app', '?')})")]
    if report.full:
        lines.append(msg(f"内容完好：{report.school_name}，{report.students} 名学生，审计日志 {report.audit_count} 条且链条完整。",
                         f"Contents intact: {report.school_name}, {report.students} students, "
                         f"{report.audit_count} audit entries, chain intact."))
    else:
        lines.append(msg("文件完好（未损坏、未截断）。输入密码或恢复密钥可进一步检查内容。",
                         "The file is intact (not damaged or truncated). A password or the recovery key checks "
                         "the contents too."))
    return lines


# --- restore ---------------------------------------------------------------------------------------

@dataclass
class RestoreReport:
    target: Path
    verify: VerifyReport
    lacks: list[str]


def restore_backup(path: Path, target: Path, secret: Secret, *, current_db: Path | None = None) -> RestoreReport:
    """Verify ``path`` fully, then write its database and key file at ``target`` (a new file).

    ``current_db``: the school's database as it is now, compared (read-only) to say what the backup lacks.
    """
    target = Path(target)
    kpath = keyfile_path(target)
    if target.exists() or kpath.exists() or Path(f"{target}-wal").exists():
        raise UserError(f"{target} 已存在，还原不会覆盖任何文件（更不会覆盖正在使用的数据库）。请选一个新的文件名。",
                        f"{target} exists; a restore never overwrites a file. Choose a new name.", field="target")
    opened = fileformat.read_header(Path(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".xadesk-restore-", dir=target.parent) as tmp:
        key = _unlock_key(opened, secret, Path(tmp))
        body, report = _check_contents(opened, key, Path(tmp))
        report.lines = describe(report)
        lacks = what_it_lacks(opened.header, key, current_db) if current_db else []
        kf_bytes = _unb64(opened.header["keyfile"])
        # Key file first (both copies), the database last: a crash leaves no database without its key file.
        for p in copy_paths(kpath)[:2]:
            atomic_write_bytes(p, kf_bytes)
        os.replace(body, target)
    return RestoreReport(target, report, lacks)


def what_it_lacks(header: dict, key: bytes, current_db: Path) -> list[str]:
    """In words: what the current database holds that this backup does not (read-only)."""
    current_db = Path(current_db)
    if not current_db.exists():
        return []
    db = SchoolDatabase(current_db, key)
    try:
        with db.read() as s:
            if s.scalar(select(Meta.value).where(Meta.key == "db_id")) != header.get("db_id"):
                return [msg("当前数据库与这份备份不是同一所学校的数据库，无法比较。",
                            "The current database is another school's; no comparison.")]
            rows = s.execute(select(AuditEntry.action, AuditEntry.at)
                             .where(AuditEntry.seq > int(header.get("audit_seq") or 0))).all()
    except Exception:
        return [msg("当前数据库无法读取，无法比较它比备份多了什么。", "The current database cannot be read for comparison.")]
    finally:
        db.engine.dispose()
    when = datetime.fromisoformat(header["created_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
    if not rows:
        return [msg(f"这份备份（{when}）与当前数据库一样新：没有缺少任何操作。",
                    f"This backup ({when}) is as new as the current database.")]
    counts = Counter(audit.action_label(a) for a, _ in rows
                     if a not in ("login", "login.failed", "student.view", "archive.view", "grid.view",
                                  "screening.results", "screening.answers"))
    last = max(at for _, at in rows)
    last_local = datetime.fromisoformat(last).astimezone().strftime("%Y-%m-%d %H:%M")
    head = msg(f"这份备份是 {when} 的。当前数据库在那之后还有 {len(rows)} 条操作记录（最近一次 {last_local}），"
               "还原后的数据库中没有这些更改：",
               f"This backup is from {when}. The current database has {len(rows)} later audit entries (last "
               f"{last_local}); the restored database lacks those changes:")
    lines = [head]
    lines += [f"  · {label} × {n}" for label, n in counts.most_common()] or [
        msg("  · 只有登录与查看记录，没有数据更改", "  · only logins and views, no data changes")]
    return lines


# --- automatic backups and their folder --------------------------------------------------------------

def list_backups(folder: Path) -> list[tuple[datetime, Path]]:
    """This app's backup files in ``folder``, newest first (by the time in the name)."""
    out = []
    with contextlib.suppress(OSError):
        for p in Path(folder).glob(f"{PREFIX}*{EXTENSION}"):
            stamp = p.stem[len(PREFIX):len(PREFIX) + 15]
            with contextlib.suppress(ValueError):
                out.append((datetime.strptime(stamp, "%Y%m%d-%H%M%S").replace(tzinfo=UTC), p))
    return sorted(out, reverse=True)


def prune(folder: Path, db_id: str, *, today: date | None = None) -> list[Path]:
    """Keep the newest backup of each of the last 7 days with backups and of each of the last 12
    months; delete this school's other backups. Returns what was deleted."""
    keep: set[Path] = set()
    days: list[date] = []
    months: list[tuple[int, int]] = []
    mine = []
    for at, p in list_backups(folder):
        try:
            if fileformat.read_header_only(p).get("db_id") != db_id:
                continue
        except BackupDamaged:
            continue  # never delete a file we cannot identify as ours
        mine.append((at, p))
    for at, p in mine:
        local = at.astimezone().date()
        if local not in days and len(days) < KEEP_DAILY:
            days.append(local)
            keep.add(p)
        month = (local.year, local.month)
        if month not in months and len(months) < KEEP_MONTHLY:
            months.append(month)
            keep.add(p)
    removed = []
    for _, p in mine:
        if p not in keep:
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def auto_backup_due(ctx: AppContext, now: datetime | None = None) -> bool:
    """True when closing the app should make a backup: a counselor or administrator, a usable folder,
    and no backup yet today (local date)."""
    if not ctx.actor.can("backup.manage"):
        return False
    if not folder_usable(get_folder(ctx)):
        return False
    last = last_backup_at(ctx)
    return last is None or last.astimezone().date() != (now or _now()).astimezone().date()


def auto_backup(ctx: AppContext, now: datetime | None = None) -> BackupInfo | None:
    if not auto_backup_due(ctx, now):
        return None
    info = create_backup(ctx, now=now)
    prune(info.path.parent, ctx.keyfile.db_id)
    return info


def last_backup_at(ctx: AppContext) -> datetime | None:
    with ctx.db.read() as s:
        value = s.scalar(select(Meta.value).where(Meta.key == LAST_KEY))
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class BackupStatus:
    folder: Path | None
    folder_ok: bool
    last_at: datetime | None
    warnings: list[str]


def status(ctx: AppContext, now: datetime | None = None) -> BackupStatus:
    """What the greeting says about backups (only to those who make them)."""
    folder, last = get_folder(ctx), last_backup_at(ctx)
    ok = folder_usable(folder)
    if not ctx.actor.can("backup.manage"):
        return BackupStatus(folder, ok, last, [])
    warnings = []
    if folder is None:
        warnings.append(msg("还没有设置备份文件夹：硬盘一坏，全校的数据就没有了。请在“文件 → 备份设置”中选择 U 盘或共享文件夹。",
                            "No backup folder is set. Choose a USB stick or a share in File → Backup settings."))
    elif not ok:
        warnings.append(msg(f"备份文件夹 {folder} 现在找不到或不能写入（U 盘没插？）。",
                            f"The backup folder {folder} is missing or not writable (USB stick not plugged in?)."))
    current = now or _now()
    if last is None:
        warnings.append(msg("这个数据库还没有做过备份。", "This database has never been backed up."))
    elif current - last > STALE_AFTER:
        days = (current - last).days
        warnings.append(msg(f"最近一次成功备份是 {days} 天前（{last.astimezone():%Y-%m-%d}）。",
                            f"The last good backup is {days} days old ({last.astimezone():%Y-%m-%d})."))
    return BackupStatus(folder, ok, last, warnings)


__all__ = ["BackupDamaged", "BackupInfo", "BackupStatus", "RestoreReport", "Secret",
           "VerifyReport", "auto_backup", "auto_backup_due", "create_backup", "get_folder", "last_backup_at",
           "list_backups", "prune", "restore_backup", "set_folder", "status", "verify_backup"]
