"""档随人走 across two separate school databases: export a grade at school A, import it at school B;
the archives arrive equal (records, dates, provenance) and importing again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.archive.conftest import PASSPHRASE
from xadesk.archive import transfer
from xadesk.archive.document import BuildOptions, build_document
from xadesk.compartment import content
from xadesk.storage.models import School, Student
from xadesk.storage.models_archive import ArchiveConsent, ArchiveImport, ArchiveRecord, ClassHistory


def _export_grade(school_a, tmp_path):
    ids = transfer.batch_students(school_a.counselor, "七年级")
    return transfer.export_batch(school_a.counselor, ids, tmp_path / "out" / "七年级", passphrase=PASSPHRASE)


def _snapshot(ctx):
    """Everything an import could change, for "nothing changed" comparisons."""
    with ctx.db.read() as s:
        return {
            "students": s.scalar(select(func.count()).select_from(Student)),
            "records": sorted((r.uuid, r.kind, r.occurred_on, r.text, r.ended_on)
                              for r in s.scalars(select(ArchiveRecord))),
            "imports": s.scalar(select(func.count()).select_from(ArchiveImport)),
            "history": s.scalar(select(func.count()).select_from(ClassHistory)),
            "consents": s.scalar(select(func.count()).select_from(ArchiveConsent)),
        }


def _records_by_uuid(ctx, student_no):
    with ctx.db.read() as s:
        st = s.scalar(select(Student).where(Student.student_no == student_no))
        return {r.uuid: r for r in s.scalars(select(ArchiveRecord).where(ArchiveRecord.student_id == st.id))}


def test_a_grade_travels_from_school_a_to_school_b_and_arrives_equal(school_a, school_b, tmp_path):
    batch = _export_grade(school_a, tmp_path)
    assert [f.file_name for f in batch.files] == ["archive-001.xadx", "archive-002.xadx", "archive-003.xadx",
                                                  "archive-004.xadx"]
    assert batch.passphrase is None  # the user set it: not printed
    assert batch.handover_pdf.exists() and batch.handover_pdf.parent != batch.folder

    with school_a.counselor.db.read() as s:
        school = s.scalar(select(School))
        a_uuid, a_name = school.uuid, school.name
        sent = {f.student_no: build_document(s, f.student_id, BuildOptions(
                    edition="transfer", counselling_key=school_a.counselor.counselling_key))
                for f in batch.files}

    b = school_b.counselor
    for f in batch.files:
        result = transfer.import_transfer(b, f.path, PASSPHRASE, class_=school_b.class_id)
        assert result.imported and result.match == "new"
        assert result.source_school == a_name

    for student_no, doc in sent.items():
        got = _records_by_uuid(b, student_no)
        expected = {r["uuid"]: r for r in doc["records"]}
        expected_groups = {g["uuid"]: g for g in doc["group_history"]}
        assert set(got) == set(expected) | set(expected_groups)
        for uid, r in expected.items():
            row = got[uid]
            # Counselling text is stored sealed under school B's counselling key (xadesk.compartment).
            text = content.record_text(b.counselling_key, row)
            assert row.kind != "counselling" or content.is_sealed(row.text)
            assert (row.kind, row.occurred_on.isoformat(), row.category, row.severity, text, row.author_name) == \
                   (r["kind"], r["date"], r["category"], r["severity"], r["text"], r["author"])
            assert row.created_at.isoformat() == r["created_at"]
            assert (row.source_school_uuid, row.source_school_name) == (a_uuid, a_name)
            assert row.imported_at is not None and row.author_id is None
        for uid, g in expected_groups.items():
            row = got[uid]
            assert (row.category, row.occurred_on.isoformat()) == (g["tag"], g["set_on"])
            assert (row.ended_on.isoformat() if row.ended_on else None) == g["cleared_on"]
            assert row.source_school_uuid == a_uuid

    # The transfer edition follows the default policy: strengths and special-group history travel,
    # counselling only for the student whose guardian consented, observations and home visits stay.
    lin = school_a.school.student_ids["林一鸣"]
    lin_no = next(f.student_no for f in batch.files if f.student_id == lin)
    kinds = sorted(r.kind for r in _records_by_uuid(b, lin_no).values())
    assert kinds == ["counselling", "group_change", "group_change", "strength"]
    su_no = next(f.student_no for f in batch.files if f.name == "苏晓雨")
    assert sorted(r.kind for r in _records_by_uuid(b, su_no).values()) == ["strength"]

    # The archive at B shows A as a previous school, the consent travelled with its provenance.
    with b.db.read() as s:
        st = s.scalar(select(Student).where(Student.student_no == lin_no))
        doc_b = build_document(s, st.id, BuildOptions(edition="full", may_read_counselling=True))
        consent = s.scalar(select(ArchiveConsent).where(ArchiveConsent.student_id == st.id))
        assert consent.source_school_uuid == a_uuid and consent.given_by == "母亲 李某"
        assert st.class_id == school_b.class_id and st.name == "林一鸣"
    assert [p["school_name"] for p in doc_b["previous_schools"]] == [a_name]
    assert any(h["school_name"] == a_name and h["source"]["school_uuid"] == a_uuid for h in doc_b["class_history"])

    # Importing the same files again changes nothing.
    before = _snapshot(b)
    for f in batch.files:
        again = transfer.import_transfer(b, f.path, PASSPHRASE)
        assert again.already_imported and again.records_new == 0 and again.match == "student_no"
    assert _snapshot(b) == before


def test_a_fresh_export_of_the_same_archive_adds_only_what_is_new(school_a, school_b, tmp_path):
    from datetime import date

    from xadesk.services import records

    lin = school_a.ids["林一鸣"]
    first = transfer.export_student(school_a.counselor, lin, tmp_path / "1.xadx", passphrase=PASSPHRASE)
    transfer.import_transfer(school_b.counselor, first.path, PASSPHRASE, class_="七年级(5)班")
    records.add_strength(school_a.counselor, lin, text="科技节一等奖", category="award", day=date(2026, 6, 10))
    second = transfer.export_student(school_a.counselor, lin, tmp_path / "2.xadx", passphrase=PASSPHRASE)
    preview = transfer.preview_import(school_b.counselor, second.path, PASSPHRASE)
    assert (preview.match, preview.records_new, preview.already_imported) == ("student_no", 1, False)
    transfer.import_transfer(school_b.counselor, second.path, PASSPHRASE)
    texts = sorted(r.text for r in _records_by_uuid(school_b.counselor, first.student_no).values()
                   if r.kind == "strength")
    assert texts == ["校运会800米第二名", "科技节一等奖"]


def test_the_archive_travels_on_to_a_third_school_with_its_first_provenance(school_a, school_b, tmp_path):
    lin = school_a.ids["林一鸣"]
    f = transfer.export_student(school_a.counselor, lin, tmp_path / "a.xadx", passphrase=PASSPHRASE)
    transfer.import_transfer(school_b.counselor, f.path, PASSPHRASE, class_=school_b.class_id)
    with school_b.counselor.db.read() as s:
        sid_b = s.scalar(select(Student.id).where(Student.student_no == f.student_no))
    onward = transfer.export_student(school_b.counselor, sid_b, tmp_path / "b.xadx", passphrase=PASSPHRASE)
    tf = transfer.read_transfer(onward.path, PASSPHRASE)
    with school_a.counselor.db.read() as s:
        a_uuid = s.scalar(select(School.uuid))
    assert tf.manifest.school_name == "西安市第二高级中学"
    # Records written at A still name A, not B, as the school that wrote them.
    assert {r["source"]["school_uuid"] for r in tf.archive["records"]} == {a_uuid}


def test_preview_writes_nothing_and_names_the_match(school_a, school_b, tmp_path):
    f = transfer.export_student(school_a.counselor, school_a.ids["林一鸣"], tmp_path / "x.xadx", passphrase=PASSPHRASE)
    before = _snapshot(school_b.counselor)
    p = transfer.preview_import(school_b.counselor, f.path, PASSPHRASE, class_="七年级(5)班")
    assert p.match == "new" and p.target_class == "七年级(5)班"
    assert p.source_school == "西安市示例中学" and p.records_new == p.records_total == 4
    text = p.summary()
    assert "西安市示例中学" in text and "林一鸣" in text and "新增 4 条" in text
    dry = transfer.import_transfer(school_b.counselor, f.path, PASSPHRASE, class_="七年级(5)班", dry_run=True)
    assert not dry.imported
    assert _snapshot(school_b.counselor) == before


def test_a_cancelled_batch_leaves_no_files_and_no_audit_entries(school_a, tmp_path):
    import pytest

    from xadesk.errors import Cancelled
    from xadesk.storage.models import AuditEntry

    ids = transfer.batch_students(school_a.counselor, "七年级")
    seen = []

    def progress(done, total):
        seen.append((done, total))

    with school_a.counselor.db.read() as s:
        audit_before = s.scalar(select(func.count()).select_from(AuditEntry))
    folder = tmp_path / "batch"
    with pytest.raises(Cancelled):
        transfer.export_batch(school_a.counselor, ids, folder, passphrase=PASSPHRASE, progress=progress,
                              cancelled=lambda: len(seen) >= 2)
    assert seen == [(1, 4), (2, 4)]
    assert not folder.exists() and not list(tmp_path.glob("*.pdf"))
    with school_a.counselor.db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    # Without a cancel the same call completes, with progress to the end.
    seen.clear()
    result = transfer.export_batch(school_a.counselor, ids, folder, passphrase=PASSPHRASE, progress=progress)
    assert seen[-1] == (4, 4) and len(list(folder.iterdir())) == 4 and result.handover_pdf.exists()


def test_the_school_policy_decides_what_travels(school_a, tmp_path):
    from xadesk.archive.document import TransferPolicy, set_transfer_policy
    from xadesk.services import records

    lin = school_a.ids["林一鸣"]
    admin = school_a.school.admin

    def kinds_sent(name):
        f = transfer.export_student(school_a.counselor, lin, tmp_path / name, passphrase=PASSPHRASE)
        return sorted({r["kind"] for r in transfer.read_transfer(f.path, PASSPHRASE).archive["records"]})

    assert kinds_sent("default.xadx") == ["counselling", "strength"]
    set_transfer_policy(admin, TransferPolicy(kinds=("strength", "observation", "life_event")))
    assert kinds_sent("wider.xadx") == ["counselling", "life_event", "observation", "strength"]
    consent = records.list_consents(school_a.counselor, lin)[0]
    records.revoke_consent(school_a.counselor, consent.id)
    assert kinds_sent("revoked.xadx") == ["life_event", "observation", "strength"]
