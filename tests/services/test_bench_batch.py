"""The decade benchmark's batching (xadesk/bench/batch.py): many service calls in one transaction
write what the calls would write one by one: rows, a valid audit chain, the anchor; a call that
fails leaves nothing behind, as its own transaction would."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from xadesk.bench.batch import batched
from xadesk.errors import UserError
from xadesk.services import audit
from xadesk.services.records import add_observation
from xadesk.storage.models import AuditEntry
from xadesk.storage.models_archive import ArchiveRecord


def _records(ctx) -> int:
    with ctx.db.read() as s:
        return s.scalar(select(func.count()).select_from(ArchiveRecord))


def _seqs(ctx) -> list[int]:
    with ctx.db.read() as s:
        return list(s.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))


def test_batched_calls_write_rows_and_a_valid_chain_and_a_failed_call_leaves_nothing(small_school):
    counselor = small_school.as_user("xinli")
    try:
        ids = list(small_school.student_ids.values())
        before = _seqs(counselor)[-1]
        day = date(2025, 3, 3)
        with batched(counselor):
            for sid in ids:
                add_observation(counselor, sid, category="mood", text="课间独处。", day=day, today=day)
            with pytest.raises(UserError):   # a date in the future: refused, as outside a batch
                add_observation(counselor, ids[0], category="mood", text="x", day=date(2025, 3, 4), today=day)
            add_observation(counselor, ids[0], category="peer", text="与同学争执。", day=day, today=day)
        assert _records(counselor) == len(ids) + 1
        assert _seqs(counselor)[-(len(ids) + 2):] == list(range(before, before + len(ids) + 2))
        result = audit.verify(small_school.admin)   # chain, anchor and pages
        assert result.ok, result.problems
    finally:
        counselor.close()


def test_an_exception_in_the_batch_rolls_back_the_whole_batch(small_school):
    counselor = small_school.as_user("xinli")
    try:
        sid = small_school.student_ids["林一鸣"]
        day = date(2025, 3, 3)
        with pytest.raises(RuntimeError), batched(counselor):
            add_observation(counselor, sid, category="mood", text="课间独处。", day=day, today=day)
            raise RuntimeError("generator stopped")
        assert _records(counselor) == 0
        assert audit.verify(small_school.admin).ok
        add_observation(counselor, sid, category="mood", text="课间独处。", day=day, today=day)   # ordinary again
        assert _records(counselor) == 1
    finally:
        counselor.close()
