"""Every page of the open school database checked, off the login path.

Login checks the key, the header and the schema only once the database is larger than
``FULL_CHECK_AT_OPEN_BYTES`` (storage/database.py); this full check (SQLCipher's per-page HMAC and
SQLite's structural check) then runs right after login on the worker, and again in ``audit verify``
and before each backup is written. A failure is said loudly and recorded in the audit log, so it is
on record even if no one reads the message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlcipher3.dbapi2 as sqlcipher

from ..errors import Cancelled
from ..i18n import msg
from ..services import audit
from ..services.context import AppContext

ACTION = "db.pages_damaged"   # its label lives with the others in services/audit.py


@dataclass(frozen=True)
class PageCheck:
    problems: tuple[str, ...]
    audited: bool          # the failure is in the audit log (a write may itself fail on a damaged file)

    @property
    def ok(self) -> bool:
        return not self.problems

    def message(self) -> str:
        return damaged_message(self.audited)


def damaged_message(audited: bool = True) -> str:
    return msg("数据库文件校验失败：文件的部分内容被改动或已损坏。请立即停止录入，告诉学校管理员，"
               "并用最近的备份恢复（“备份与还原”）。" + ("此事已记入审计日志。" if audited else ""),
               "The database file failed its check: part of it was altered or is damaged. Stop entering "
               "data, tell the administrator and restore the latest backup."
               + (" This is recorded in the audit log." if audited else ""))


def check_pages(ctx: AppContext, *, progress: Callable[[int, int], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> PageCheck:
    """Check every page (two steps: page HMACs, then structure); on failure record it in the audit log."""
    steps = (ctx.db.cipher_pages_check, ctx.db.structure_check)
    problems: list[str] = []
    for done, step in enumerate(steps):
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(done, len(steps))
        try:
            problems += step()
        except Exception:   # a page so damaged the check itself cannot read it
            problems.append("unreadable")
        if problems:
            break   # no need for the structural pass: the file is already known bad
    if progress is not None:
        progress(len(steps), len(steps))
    ctx.db.pages_checked = not problems
    if not problems:
        return PageCheck((), False)
    return PageCheck(tuple(problems), record_damage(ctx, len(problems), found_by="login"))


# What SQLite/SQLCipher say when a page cannot be read back: a failed HMAC reads as "file is not a
# database" (SQLITE_NOTADB), a page whose content makes no sense as "database disk image is malformed"
# (SQLITE_CORRUPT). A locked or busy database says something else and is not damage.
_DAMAGE_TEXTS = ("file is not a database", "database disk image is malformed", "malformed database schema")


def is_damage_error(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it, or the driver error SQLAlchemy wraps) says a page of the
    database file could not be read: damage, to be told as damage and not as a program error."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, sqlcipher.DatabaseError) and any(t in str(e).lower() for t in _DAMAGE_TEXTS):
            return True
        todo += [getattr(e, "orig", None), e.__cause__, e.__context__]
    return False


def record_damage(ctx: AppContext, problems: int, *, found_by: str) -> bool:
    """Put a failed page check in the audit log; False when the damaged file refuses the write."""
    try:
        with ctx.db.write() as s:
            audit.record_for(ctx, s, ACTION, detail={"problems": problems, "found_by": found_by})
    except Exception:   # the write may touch the damaged page: the person is told all the same
        return False
    return True
