"""Many service calls in one transaction, for the benchmark's generator only.

A service call is one write transaction: its commit waits for the disk and the audit head is
anchored in a file beside the database (~5–10 ms here). Right for a person's click; for a
generator writing ten years of a school's follow-ups, observations and decisions one by one it is
most of the build. Inside ``batched(ctx)`` every ``ctx.db.write()`` and ``ctx.db.read()`` the
services open is a SAVEPOINT in one shared write transaction, committed (and the audit head
anchored) once at the end. The services' own code writes every row and every audit entry, so the
result is what they would write call by call; a call that fails rolls back to its savepoint, as its
own transaction would have.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from ..services.context import AppContext
from ..storage.database import AUDIT_HEAD_INFO, SchoolDatabase


class _Batched:
    """Stands in for a SchoolDatabase while a batch is open; everything else passes through."""

    def __init__(self, db: SchoolDatabase, session: Session) -> None:
        self._db, self._session = db, session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    @contextmanager
    def write(self) -> Iterator[Session]:
        s = self._session
        head = s.info.get(AUDIT_HEAD_INFO)
        savepoint = s.begin_nested()
        try:
            yield s
        except BaseException:
            savepoint.rollback()
            if head is None:
                s.info.pop(AUDIT_HEAD_INFO, None)
            else:
                s.info[AUDIT_HEAD_INFO] = head   # the rolled-back call's entries are gone
            raise
        savepoint.commit()

    @contextmanager
    def read(self) -> Iterator[Session]:
        yield self._session   # sees the batch's own writes, as the next call would after a commit

    def settle(self) -> None:
        """A checkpoint would wait for the batch's own open transaction: done after the batch."""


@contextmanager
def batched(*contexts: AppContext) -> Iterator[None]:
    """Run the block's service calls for ``contexts`` (same database) in one transaction."""
    db = contexts[0].db
    with db.write() as s:
        saved = [c.db for c in contexts]
        for c in contexts:
            c.db = _Batched(db, s)
        try:
            yield
        finally:
            for c, d in zip(contexts, saved, strict=True):
                c.db = d
    db.settle()
