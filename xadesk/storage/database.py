"""Opening and creating the encrypted school database.

SQLCipher 4 through a plain ``sqlite://`` SQLAlchemy URL with ``module=sqlcipher3.dbapi2`` and a
``connect`` listener that keys each connection with the raw 256-bit key (no per-connection KDF) and
then reads once, so a wrong key or a damaged file fails at once (ENGINEERING.md).

Durability: WAL with ``synchronous=FULL`` — every committed transaction survives a power cut.
Temp storage stays in memory so no sort or temp table spills to a plaintext temp file.
Transactions: the driver's own implicit BEGIN is switched off and SQLAlchemy's ``begin`` emits
``BEGIN`` (reads) or ``BEGIN IMMEDIATE`` (writes), so a write never fails half way on a lock upgrade.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..errors import DatabaseDamaged, DatabaseMissing, NotXADeskDatabase
from . import anchor

SQLITE_MAGIC = b"SQLite format 3\x00"
AUDIT_HEAD_INFO = "xadesk_audit_head"  # session.info key: (seq, hash) of the newest audit entry
APP_MARKER_KEY = "app"
APP_MARKER = "xadesk"
# Up to this size (database plus -wal) the open runs the full page check (well under 0.2 s); beyond it
# the open only proves the key, the header and the schema, so login costs the same at 20 MB and at
# 1 GB, and the full check runs after login in the background (xadesk/integrity). README: data safety.
FULL_CHECK_AT_OPEN_BYTES = 8 * 1024 * 1024


def damaged(path: Path) -> DatabaseDamaged:
    return DatabaseDamaged(
        f"数据库文件 {path.name} 已损坏或被改动，无法读取。请用最近的备份恢复，或联系学校管理员。",
        f"The database file {path.name} is damaged or was altered and cannot be read. Restore a backup.")


def check_file(path: Path) -> None:
    """Cheap checks before any key is tried: present, non-empty, not a plain SQLite file."""
    if not path.exists():
        raise DatabaseMissing(f"找不到数据库文件：{path}。请先运行 “xadesk init” 新建学校，或 “xadesk demo” 生成示例学校。",
                              f"Database not found: {path}. Run 'xadesk init' or 'xadesk demo' first.")
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise NotXADeskDatabase(f"无法读取文件 {path.name}（{exc.strerror}）。", f"Cannot read {path.name}.") from None
    if head == SQLITE_MAGIC:
        raise NotXADeskDatabase(f"{path.name} 是未加密的普通数据库，不是 XA Desk 数据库。",
                                f"{path.name} is a plain, unencrypted SQLite file, not an XA Desk database.")
    if len(head) < 16:
        raise damaged(path)


def _key_pragma(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


class SchoolDatabase:
    """An unlocked school database: one engine, transactions on demand."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = Path(path)
        self.key = key
        self.anchor_enabled = True  # off only for a database still being built under a temporary name
        self.pages_checked = False  # every page passed the full check since this open (integrity_check)
        self._lock = threading.Lock()
        self.engine = self._make_engine()
        self.write_engine = self.engine.execution_options(xadesk_begin="IMMEDIATE")

    def _make_engine(self) -> Engine:
        key_sql = _key_pragma(self.key)
        engine = create_engine(f"sqlite:///{self.path}", module=sqlcipher, hide_parameters=True,
                               connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            try:
                cur.execute(key_sql)
                cur.execute("PRAGMA cipher_log_level = NONE")
                cur.execute("SELECT count(*) FROM sqlite_master").fetchone()
                cur.execute("PRAGMA foreign_keys = ON")
                cur.execute("PRAGMA journal_mode = WAL")
                cur.execute("PRAGMA synchronous = FULL")
                cur.execute("PRAGMA temp_store = MEMORY")
                cur.execute("PRAGMA secure_delete = ON")
            finally:
                cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:
            mode = conn.get_execution_options().get("xadesk_begin", "")
            conn.exec_driver_sql(f"BEGIN {mode}".strip())

        return engine

    # --- transactions ----------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any exception.

        When the transaction appended audit entries (the audit service leaves the new head in
        ``session.info``), the head is anchored outside the database after the commit (anchor.py).
        """
        with Session(self.write_engine, expire_on_commit=False) as session:
            with session.begin():
                yield session
            head = session.info.pop(AUDIT_HEAD_INFO, None)
        if head is not None and self.anchor_enabled:
            anchor.write(self.path, self.key, *head)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A consistent read-only snapshot (rolled back at the end)."""
        # close() ends the transaction without expiring loaded objects (rollback() would), so rows read
        # here stay usable, detached, after the block.
        session = Session(self.engine, expire_on_commit=False)
        try:
            session.begin()
            yield session
        finally:
            session.close()

    # --- maintenance -----------------------------------------------------------------------------
    def integrity_check(self) -> list[str]:
        """SQLCipher's per-page HMAC check plus SQLite's own structural check; empty when intact.
        Reads every page: its cost grows with the file (about 1 s at 60 MB on a school PC)."""
        # The two passes each read the whole file inside SQLite (the interpreter is let go meanwhile):
        # side by side they take the time of the longer one on a 2-core PC, not the sum.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xadesk-pages") as pool:
            cipher = pool.submit(self.cipher_pages_check)
            structure = self.structure_check()
            problems = cipher.result() + structure
        self.pages_checked = not problems
        return problems

    def cipher_pages_check(self) -> list[str]:
        """Every page's HMAC (a flipped byte anywhere in the file or the -wal); empty when intact."""
        with self.engine.connect() as conn:
            problems = [r[0] for r in conn.exec_driver_sql("PRAGMA cipher_integrity_check")]
            conn.rollback()
        return problems

    def structure_check(self) -> list[str]:
        """SQLite's own structural check of every b-tree page; empty when intact."""
        with self.engine.connect() as conn:
            ok = conn.exec_driver_sql("PRAGMA quick_check").fetchall()
            conn.rollback()
        return [r[0] for r in ok if r[0] != "ok"]

    def cheap_check(self) -> None:
        """What every open can afford whatever the size: the key, the header and the schema pages
        (reading them verifies their HMACs) and the schema's own consistency. Raises when damaged."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA schema_version").scalar()
            conn.exec_driver_sql("SELECT name, sql FROM sqlite_master").fetchall()
            conn.rollback()

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())

    def checkpoint(self, mode: str = "TRUNCATE") -> None:
        """Copy the WAL into the database file. TRUNCATE (after an import, on close) waits for other
        writers and empties the -wal; PASSIVE copies what it can without waiting (before a backup)."""
        if mode not in ("PASSIVE", "FULL", "RESTART", "TRUNCATE"):
            raise ValueError(mode)
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA wal_checkpoint({mode})")
            conn.rollback()

    def settle(self) -> None:
        """After an import: move the committed pages from the -wal into the database file, so a damaged
        -wal after a later crash cannot take the import with it. Best effort (a busy database just
        keeps its -wal until the next checkpoint)."""
        with contextlib.suppress(Exception):
            self.checkpoint()

    def backup_to(self, target: Path) -> None:
        """An encrypted copy under the same key, consistent even while others read."""
        target.parent.mkdir(parents=True, exist_ok=True)
        raw = self.engine.raw_connection()
        try:
            dest = sqlcipher.connect(str(target))
            try:
                dest.execute(_key_pragma(self.key))
                raw.driver_connection.backup(dest)
            finally:
                dest.close()
        finally:
            # A page failing its HMAC while being copied leaves SQLCipher's connection read-only
            # without an error from the copy itself: never pool the copying connection again.
            raw.invalidate()
            raw.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.checkpoint()
        self.engine.dispose()

    def reopen(self, key: bytes) -> None:
        """Work on under another key (the file under this name was replaced by a rotated copy): every
        pooled connection still points at the old file and goes."""
        self.engine.dispose()
        self.key = key
        self.engine = self._make_engine()
        self.write_engine = self.engine.execution_options(xadesk_begin="IMMEDIATE")


def opens_with(path: Path, key: bytes) -> bool:
    """True when ``key`` reads the database file now under ``path`` (one short raw connection)."""
    try:
        conn = sqlcipher.connect(str(path), isolation_level=None, check_same_thread=False, timeout=15)
    except sqlcipher.Error:
        return False
    try:
        conn.execute(_key_pragma(key))
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher.Error:
        return False
    finally:
        conn.close()


def open_engine_checked(path: Path, key: bytes) -> SchoolDatabase:
    """Key the file and prove it is readable and intact; map every failure to a clear message.

    A small database gets the full page check here; a larger one only the cheap check, and
    ``db.pages_checked`` stays False so the caller runs the full check after login (integrity.check_pages)."""
    db = SchoolDatabase(path, key)
    try:
        db.cheap_check()
        problems = db.integrity_check() if db.size_bytes() <= FULL_CHECK_AT_OPEN_BYTES else []
    except Exception:
        db.engine.dispose()
        raise damaged(path) from None
    if problems:
        db.engine.dispose()
        raise damaged(path)
    return db
