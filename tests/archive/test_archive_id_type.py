"""Issue 16 left over: the student's document type (``id_type``) travels with the number in the
transfer file, so a passport number does not arrive as a 身份证号. Files written before the key
existed still import (ARCHIVE_FORMAT.md §3.1)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.archive.conftest import PASSPHRASE
from tests.archive.test_archive_refusals import _rewritten, _state
from xadesk.archive import transfer
from xadesk.services.roster import get_student
from xadesk.storage.models import Student

PASSPORT = "E12345678"


def _set_document(ctx, student_id, number, id_type):
    with ctx.db.write() as s:
        st = s.get(Student, student_id)
        st.id_number, st.id_type = number, id_type


def _arrived(ctx, student_no):
    with ctx.db.read() as s:
        st = s.scalar(select(Student).where(Student.student_no == student_no))
        return st.id_number, st.id_type, st.id


@pytest.fixture
def passport_file(school_a, tmp_path):
    sid = school_a.ids["林一鸣"]
    _set_document(school_a.counselor, sid, PASSPORT, "passport")
    return transfer.export_student(school_a.counselor, sid, tmp_path / "lin.xadx", passphrase=PASSPHRASE)


def test_a_passport_number_arrives_with_its_type(passport_file, school_b):
    tf = transfer.read_transfer(passport_file.path, PASSPHRASE)
    assert tf.archive["student"]["id_type"] == "passport"
    b = school_b.counselor
    assert transfer.import_transfer(b, passport_file.path, PASSPHRASE, class_=school_b.class_id).imported
    number, id_type, sid = _arrived(b, passport_file.student_no)
    assert (number, id_type) == (PASSPORT, "passport")
    assert get_student(b, sid).id_type_label == "护照"          # what the student record shows


@pytest.mark.parametrize(("number", "expected"), [(PASSPORT, "other"), (None, None)])
def test_an_old_file_without_id_type_still_imports(passport_file, school_b, tmp_path, number, expected):
    def old(doc):
        del doc["student"]["id_type"]
        doc["student"]["id_number"] = number
    path = _rewritten(passport_file.path, tmp_path, mutate=old)
    b = school_b.counselor
    assert transfer.import_transfer(b, path, PASSPHRASE, class_=school_b.class_id).imported
    got_number, id_type, _ = _arrived(b, passport_file.student_no)
    # Never a passport number labelled 身份证号: without a recorded type it is 其他.
    assert (got_number, id_type) == (number, expected)


def test_an_old_file_with_a_valid_id_number_keeps_it_as_before(school_a, school_b, tmp_path):
    sid = school_a.ids["林一鸣"]
    sent = transfer.export_student(school_a.counselor, sid, tmp_path / "lin.xadx", passphrase=PASSPHRASE)
    with school_a.counselor.db.read() as s:
        idn = s.get(Student, sid).id_number
    assert idn
    path = _rewritten(sent.path, tmp_path, mutate=lambda d: d["student"].pop("id_type"))
    b = school_b.counselor
    assert transfer.import_transfer(b, path, PASSPHRASE, class_=school_b.class_id).imported
    number, id_type, new_id = _arrived(b, sent.student_no)
    assert (number, id_type) == (idn, None)
    assert get_student(b, new_id).id_type_label == "居民身份证"


def test_an_unknown_id_type_is_refused_and_nothing_changes(passport_file, school_b, tmp_path):
    path = _rewritten(passport_file.path, tmp_path, mutate=lambda d: d["student"].update(id_type="驾驶证"))
    b = school_b.counselor
    before = _state(b)
    with pytest.raises(transfer.ArchiveInvalid) as err:
        transfer.import_transfer(b, path, PASSPHRASE, class_=school_b.class_id)
    assert any("证件类型" in d for d in err.value.details)
    assert _state(b) == before
