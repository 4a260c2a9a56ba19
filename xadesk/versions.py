"""The versions a school's IT teacher or our support needs to know: the app, the database schema
it writes, and the SQLCipher inside (shown by ``xadesk --version`` and 帮助 → 关于)."""

from __future__ import annotations

import platform
from dataclasses import dataclass

import sqlcipher3.dbapi2 as sqlcipher

from . import __version__
from .i18n import msg
from .storage import migrate


def sqlcipher_version() -> str:
    """The SQLCipher library actually loaded (not the binding's version)."""
    conn = sqlcipher.connect(":memory:")
    try:
        row = conn.execute("PRAGMA cipher_version").fetchone()
    finally:
        conn.close()
    return str(row[0]) if row and row[0] else "?"


@dataclass(frozen=True)
class Versions:
    app: str
    schema: str
    sqlcipher: str
    python: str

    def lines(self) -> list[str]:
        return [msg(f"XA Desk 版本：{self.app}", f"XA Desk version: {self.app}"),
                msg(f"数据库结构版本：{self.schema}", f"Database schema: {self.schema}"),
                msg(f"SQLCipher 版本：{self.sqlcipher}", f"SQLCipher: {self.sqlcipher}"),
                msg(f"Python 版本：{self.python}", f"Python: {self.python}")]


def current() -> Versions:
    return Versions(app=__version__, schema=migrate.head_revision(), sqlcipher=sqlcipher_version(),
                    python=platform.python_version())
