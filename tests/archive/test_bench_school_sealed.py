"""``xadesk bench archive`` builds its school as a real one is built: counselling notes are sealed under
the counselling key when written (through the records service), never stored as plaintext rows."""

from __future__ import annotations

from sqlalchemy import select

from xadesk.bench.archive import PASSWORD, build_school
from xadesk.compartment.content import is_sealed
from xadesk.services import audit
from xadesk.services.login import login
from xadesk.services.records import list_records
from xadesk.storage.models_archive import ArchiveRecord


def test_bench_counselling_notes_are_sealed_and_audited(tmp_path):
    path = build_school(tmp_path, 3)
    admin = login(path, "admin", PASSWORD)        # holds no counselling key: sees what is stored
    try:
        with admin.db.read() as s:
            stored = list(s.scalars(select(ArchiveRecord).where(ArchiveRecord.kind == "counselling")))
            others = list(s.scalars(select(ArchiveRecord).where(ArchiveRecord.kind != "counselling")))
        assert len(stored) == 3 and all(is_sealed(r.text) for r in stored)
        assert others and not any(is_sealed(r.text) for r in others)
    finally:
        admin.close()
    counselor = login(path, "xinli", PASSWORD)
    try:
        notes = [r.text for r in list_records(counselor, stored[0].student_id) if r.kind == "counselling"]
        assert len(notes) == 1 and notes[0] and notes[0].endswith("。")
        added = [e for e in audit.list_entries(counselor) if e.action == "record.add"]
        assert len(added) == 3
    finally:
        counselor.close()
