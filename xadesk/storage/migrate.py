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


def _autogenerate(rev_id: str, message: str) -> None:  # pragma: no cover - a developer tool
    """Write a draft revision: upgrade a scratch database to head, then diff it against the models."""
    import tempfile

    from .database import SchoolDatabase

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
