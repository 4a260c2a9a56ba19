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

from ..errors import DatabaseTooNew

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


def check_not_newer(revision: str | None) -> None:
    if revision is not None and not is_known(revision):
        raise DatabaseTooNew(
            "这个数据库由更新版本的 XA Desk 写入，当前版本无法安全打开。请先把本软件升级到最新版本。",
            "This database was written by a newer version of XA Desk. Please update XA Desk first.")


def upgrade(db, revision: str = "head", *, backup: bool = True) -> Path | None:
    """Upgrade ``db`` (a SchoolDatabase) to ``revision``; returns the backup path if one was made."""
    with db.engine.connect() as conn:
        current = current_revision(conn)
        conn.rollback()
    check_not_newer(current)
    target = head_revision() if revision == "head" else revision
    if current == target:
        return None
    backup_path = None
    if backup and current is not None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup_path = db.path.parent / "backups" / f"{db.path.stem}-before-{target}-{stamp}{db.path.suffix}"
        db.backup_to(backup_path)
    with db.engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    return backup_path
