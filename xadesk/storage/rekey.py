"""The database file under a new key: copy, prove, swap (the storage half of key rotation).

``PRAGMA rekey`` re-encrypts in place; a crash half way through leaves a file in which some pages are
under one key and some under the other, and in WAL mode SQLCipher does not support it at all. So the
rotation writes a separately keyed copy beside the database (``ATTACH … KEY`` + ``sqlcipher_export``,
ENGINEERING.md), fsyncs it, opens it under the new key and checks every page and every table's row
count against the original, and only then puts it in the original's place with one ``os.replace``.
At every moment one complete file sits under the database's name: the old one (old key) or the new one
(new key). The key file carries both keys until the swap is known to have happened (keyfile.py), so
whichever file is there opens.

The old file's pages are gone with the replace: the name now points to the new file, and the old
content is no longer reachable through the school's folder (secure_delete scrubs freed pages inside a
file, not a whole file; on a disk that keeps old blocks only full-disk encryption removes them).

Nothing here is plaintext on disk: the copy is encrypted page by page as it is written.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher

from .atomic import fsync_dir
from .database import SchoolDatabase


class RekeyFailed(Exception):
    """The copy under the new key did not prove equal to the original; nothing was swapped."""


def rotating_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".rotating")


def leftovers(db_path: Path) -> list[Path]:
    t = rotating_path(db_path)
    return [t, Path(f"{t}-journal"), Path(f"{t}-wal"), Path(f"{t}-shm")]


def remove_leftovers(db_path: Path) -> None:
    for p in leftovers(db_path):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _hex(key: bytes) -> str:
    return f"x'{key.hex()}'"


def _tables(conn, schema: str = "main") -> list[str]:
    return [r[0] for r in conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _counts(conn, schema: str = "main") -> dict[str, int]:
    return {t: conn.execute(f'SELECT count(*) FROM {schema}."{t}"').fetchone()[0] for t in _tables(conn, schema)}


class InUse(RekeyFailed):
    """Another connection (another window, another PC on the share) has the database open."""


@contextlib.contextmanager
def exclusive(db: SchoolDatabase, wait_seconds: float = 5.0) -> Iterator[sqlcipher.Connection]:
    """One connection that holds the database file alone (``locking_mode = EXCLUSIVE``): refused while
    anyone else has it open, so nobody can write to a file about to be replaced. Closing it checkpoints
    and removes the -wal, which must not outlive the file it belongs to."""
    db.engine.dispose()
    conn = sqlcipher.connect(str(db.path), isolation_level=None, check_same_thread=False, timeout=wait_seconds)
    try:
        conn.execute(f'PRAGMA key = "{_hex(db.key)}"')
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        try:
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            conn.execute("COMMIT")
        except sqlcipher.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise InUse("in use elsewhere") from None
            raise
        yield conn
    finally:
        conn.close()


def export_copy(conn: sqlcipher.Connection, db_path: Path, new_key: bytes) -> dict[str, int]:
    """Write the database (open alone on ``conn``, see :func:`exclusive`) under ``new_key`` to
    :func:`rotating_path` and fsync it. Returns the row count of every table as copied."""
    target = rotating_path(db_path)
    remove_leftovers(db_path)  # sqlcipher_export into an existing file copies nothing, silently
    conn.execute(f'ATTACH DATABASE ? AS rotated KEY "{_hex(new_key)}"', (str(target),))
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            counts = _counts(conn)
            conn.execute("SELECT sqlcipher_export('rotated')")
            copied = _counts(conn, "rotated")
            # COMMIT writes only the copy: nothing in the main database was changed.
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("DETACH DATABASE rotated")
    if copied != counts:
        remove_leftovers(db_path)
        raise RekeyFailed("row counts differ")
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())
    fsync_dir(target.parent)
    return counts


def verify_copy(db_path: Path, new_key: bytes, counts: dict[str, int]) -> None:
    """Open the copy under the new key: every page's HMAC, the structure, and each table's rows."""
    probe = SchoolDatabase(rotating_path(db_path), new_key)
    try:
        try:
            problems = probe.integrity_check()
            with probe.engine.connect() as conn:
                raw = conn.connection.driver_connection
                copied = _counts(raw)
                conn.rollback()
        except Exception:
            raise RekeyFailed("the copy cannot be read under the new key") from None
        if problems or copied != counts:
            raise RekeyFailed("the copy differs from the original")
    finally:
        probe.engine.dispose()
    # Opening the probe put it in WAL mode; nothing was written, but make sure no -wal travels with it.
    for side in (Path(f"{rotating_path(db_path)}-wal"), Path(f"{rotating_path(db_path)}-shm")):
        if side.exists() and side.stat().st_size > 0 and side.name.endswith("-wal"):
            raise RekeyFailed("the copy left a journal")
        with contextlib.suppress(FileNotFoundError):
            side.unlink()


def swap(db_path: Path, step: Callable[[str], None] = lambda _s: None) -> None:
    """Put the proven copy in the database's place, right after :func:`exclusive` closed the old one
    (checkpointed): a -wal left beside it would be replayed into the new file."""
    wal, shm = Path(f"{db_path}-wal"), Path(f"{db_path}-shm")
    if wal.exists() and wal.stat().st_size > 0:
        raise RekeyFailed("the database still has a journal")
    for side in (wal, shm):
        with contextlib.suppress(FileNotFoundError):
            side.unlink()
    step("before-swap")
    os.replace(rotating_path(db_path), db_path)
    fsync_dir(db_path.parent)
