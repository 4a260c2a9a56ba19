"""Schema migrations, run in-process on the unlocked database.

A new database runs every revision from empty; an existing one is upgraded after an encrypted
backup copy is written beside it. A database stamped with a revision this program does not know
was written by a newer XA Desk and is refused before anything is touched.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .. import __version__
from ..errors import DatabaseTooNew
from .database import SchoolDatabase

# The release that last opened a database, kept in ``meta`` so a refusal can name it.
APP_VERSION_KEY = "app_version"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None
    return head


def current_revision(connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def is_known(revision: str) -> bool:
    try:
        return script_directory().get_revision(revision) is not None
    except Exception:
        return False


def written_by(connection) -> str | None:
    """The XA Desk release that last opened this database (None before 0.1.1 or without a meta table)."""
    try:
        value = connection.exec_driver_sql("SELECT value FROM meta WHERE key = ?", (APP_VERSION_KEY,)).scalar()
    except Exception:  # no meta table: not ours, or older than the marker; the caller decides
        return None
    return str(value)[:32] if value else None


def check_not_newer(revision: str | None, app_version: str | None = None) -> None:
    """Refuse a schema revision this program does not know, naming both versions so the IT teacher
    knows which release to install."""
    if revision is None or is_known(revision):
        return
    named = app_version if app_version and app_version != __version__ else None
    head = head_revision()
    who, who_en = (f"（{named}）", f" ({named})") if named else ("", "")
    to = f" {named} 或更新的版本" if named else "最新版本"
    raise DatabaseTooNew(
        f"这个数据库由更新版本的 XA Desk{who}写入（数据库结构版本 {revision}），当前软件是 XA Desk {__version__}"
        f"（数据库结构版本 {head}），无法安全打开。请先把本软件升级到{to}；数据库未做任何改动。",
        f"This database was written by a newer XA Desk{who_en} (schema {revision}); this is XA Desk {__version__} "
        f"(schema {head}) and cannot open it safely. Please update XA Desk first; nothing was changed.")


def record_app_version(connection) -> None:
    """Note this release in ``meta`` (on the caller's transaction) when it differs."""
    if written_by(connection) != __version__:
        connection.exec_driver_sql(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (APP_VERSION_KEY, __version__))


def upgrade(db, revision: str = "head", *, backup: bool = True) -> Path | None:
    """Upgrade ``db`` (a SchoolDatabase) to ``revision``; returns the backup path if one was made."""
    with db.engine.connect() as conn:
        current = current_revision(conn)
        app_version = written_by(conn) if current is not None else None
        conn.rollback()
    check_not_newer(current, app_version)
    target = head_revision() if revision == "head" else revision
    if current == target:
        if revision == "head" and app_version != __version__:
            with db.engine.begin() as conn:
                record_app_version(conn)
        return None
    backup_path = None
    if backup and current is not None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup_path = db.path.parent / "backups" / f"{db.path.stem}-before-{target}-{stamp}{db.path.suffix}"
        db.backup_to(backup_path)
    with db.engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
        if revision == "head":
            record_app_version(conn)
    return backup_path


def _autogenerate(rev_id: str, message: str) -> None:  # pragma: no cover - a developer tool
    """Write a draft revision: upgrade a scratch database to head, then diff it against the models."""
    import tempfile


    with tempfile.TemporaryDirectory() as tmp:
        db = SchoolDatabase(Path(tmp) / "scratch.xadesk", b"\x01" * 32)
        upgrade(db, backup=False)
        with db.engine.begin() as conn:
            command.revision(alembic_config(conn), message=message, autogenerate=True, rev_id=rev_id)
        db.engine.dispose()


if __name__ == "__main__":  # pragma: no cover
    import sys

    # python -m xadesk.storage.migrate new 0003 "what changed" -> migrations/versions/0003_<slug>.py (review it!)
    if len(sys.argv) != 4 or sys.argv[1] != "new":
        sys.exit("usage: python -m xadesk.storage.migrate new REV_ID MESSAGE")
    _autogenerate(sys.argv[2], sys.argv[3])
