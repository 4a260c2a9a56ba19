"""Through the import path: every broken transfer file is refused with its own message, and the
receiving school's database is left exactly as it was."""

from __future__ import annotations

import json
import struct
import zlib

import pytest
from sqlalchemy import func, select

from tests.archive.conftest import PASSPHRASE
from xadesk.archive import transfer
from xadesk.exchange import (
    ExchangeTampered,
    ExchangeTooNew,
    ExchangeTruncated,
    NotAnExchangeFile,
    WrongExchangeKind,
    WrongPassphrase,
    write_container,
)
from xadesk.exchange.layout import HEADER_V1_LEN
from xadesk.storage.models import AuditEntry, Student
from xadesk.storage.models_archive import ArchiveImport, ArchiveRecord


@pytest.fixture
def sent(school_a, tmp_path):
    return transfer.export_student(school_a.counselor, school_a.ids["林一鸣"], tmp_path / "lin.xadx",
                                   passphrase=PASSPHRASE).path


def _state(ctx):
    with ctx.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Student, ArchiveRecord, ArchiveImport,
                                                                           AuditEntry))


def _flip(path, offset):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    out = path.with_name(f"flip{offset}.xadx")
    out.write_bytes(bytes(data))
    return out


def _newer_format(path):
    data = bytearray(path.read_bytes())
    head = struct.pack(">8sHHI", bytes(data[:8]), 2, 0, HEADER_V1_LEN)
    data[:20] = head + struct.pack(">I", zlib.crc32(head))
    out = path.with_name("v2.xadx")
    out.write_bytes(bytes(data))
    return out


def _rewritten(sent, tmp_path, *, kind="archive", mutate=None):
    """The same content re-packed by the exchange writer, with archive.json changed by ``mutate``."""
    tf = transfer.read_transfer(sent, PASSPHRASE)
    doc = json.loads(json.dumps(tf.archive))
    if mutate:
        mutate(doc)
    out = tmp_path / f"rewritten-{kind}.xadx"
    m = tf.manifest
    fields = {"school_name": m.school_name, "school_id": m.school_id, "exporter_name": m.exporter_name,
              "exporter_login": m.exporter_login}
    if kind != "archive":
        fields["campaign_id"] = "c-1"
    write_container(out, kind=kind, manifest_fields=fields,
                    entries={"archive.json": json.dumps(doc, ensure_ascii=False).encode(), "transfer.pdf": tf.pdf},
                    passphrase=PASSPHRASE)
    return out


CASES = {
    "header byte": (lambda p, t: _flip(p, 40), ExchangeTampered),
    "body byte": (lambda p, t: _flip(p, p.stat().st_size // 2), ExchangeTampered),
    "end byte": (lambda p, t: _flip(p, p.stat().st_size - 3), ExchangeTampered),
    "truncated": (lambda p, t: _cut(p, p.stat().st_size - 100), ExchangeTruncated),
    "newer format": (lambda p, t: _newer_format(p), ExchangeTooNew),
    "newer archive schema": (lambda p, t: _rewritten(p, t, mutate=lambda d: d.update(schema_version=2)),
                             transfer.ArchiveTooNew),
    "not an archive inside": (lambda p, t: _rewritten(p, t, mutate=lambda d: d.pop("schema")),
                              transfer.ArchiveInvalid),
    "a lab kit": (lambda p, t: _rewritten(p, t, kind="lab_kit"), WrongExchangeKind),
    "a PDF file": (lambda p, t: _copy_bytes(t / "x.pdf", b"%PDF-1.4\n" + b"x" * 500), NotAnExchangeFile),
    "an empty file": (lambda p, t: _copy_bytes(t / "e.xadx", b""), NotAnExchangeFile),
}


def _cut(path, length):
    out = path.with_name(f"cut{length}.xadx")
    out.write_bytes(path.read_bytes()[:length])
    return out


def _copy_bytes(out, data):
    out.write_bytes(data)
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_file_is_refused_and_nothing_is_imported(case, sent, school_b, tmp_path):
    make, error = CASES[case]
    bad = make(sent, tmp_path)
    before = _state(school_b.counselor)
    with pytest.raises(error) as exc:
        transfer.import_transfer(school_b.counselor, bad, PASSPHRASE, class_=school_b.class_id)
    assert "未导入任何内容" in exc.value.full_text()
    with pytest.raises(error):
        transfer.preview_import(school_b.counselor, bad, PASSPHRASE)
    assert _state(school_b.counselor) == before


def test_a_wrong_passphrase_is_refused_and_nothing_is_imported(sent, school_b):
    before = _state(school_b.counselor)
    with pytest.raises(WrongPassphrase) as exc:
        transfer.import_transfer(school_b.counselor, sent, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", class_=school_b.class_id)
    assert "口令不正确" in str(exc.value)
    assert _state(school_b.counselor) == before


def test_each_refusal_has_its_own_message(sent, school_b, tmp_path):
    messages = {}
    for case, (make, _error) in CASES.items():
        if case in ("body byte", "end byte", "an empty file"):
            continue  # same class and wording as "header byte" / "a PDF file" by design
        with pytest.raises(Exception) as exc:
            transfer.import_transfer(school_b.counselor, make(sent, tmp_path), PASSPHRASE)
        messages[case] = str(exc.value)
    with pytest.raises(WrongPassphrase) as exc:
        transfer.import_transfer(school_b.counselor, sent, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
    messages["wrong passphrase"] = str(exc.value)
    assert len(set(messages.values())) == len(messages)


def test_a_name_only_match_needs_confirmation(sent, school_b):
    from datetime import date

    from xadesk.services.login import now_utc

    with school_b.admin.db.write() as s:  # same name and birth date, other numbers (e.g. a typo in 学籍号)
        s.add(Student(student_no="L610113201301019999", name="林一鸣", sex="M", birth_date=date(2013, 1, 1),
                      class_id=school_b.class_id, status="enrolled", created_at=now_utc(), updated_at=now_utc()))
    before = _state(school_b.counselor)
    p = transfer.preview_import(school_b.counselor, sent, PASSPHRASE)
    assert p.match == "name_birth" and p.needs_confirmation
    with pytest.raises(Exception, match="确认"):
        transfer.import_transfer(school_b.counselor, sent, PASSPHRASE)
    assert _state(school_b.counselor) == before
    done = transfer.import_transfer(school_b.counselor, sent, PASSPHRASE, confirm_name_match=True)
    assert done.imported
    with school_b.counselor.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Student)) == 1


def test_matched_by_id_number_when_the_student_number_changed(sent, school_b):
    from datetime import date

    from xadesk.services.login import now_utc

    with school_b.admin.db.write() as s:
        s.add(Student(student_no="J610113201301010011", name="林一鸣", sex="M", birth_date=date(2013, 1, 1),
                      id_number="610113201301010011", class_id=school_b.class_id, status="enrolled",
                      created_at=now_utc(), updated_at=now_utc()))
    done = transfer.import_transfer(school_b.counselor, sent, PASSPHRASE)
    assert done.match == "id_number" and done.imported


def test_a_new_student_needs_a_class(sent, school_b):
    before = _state(school_b.counselor)
    with pytest.raises(Exception, match="班级"):
        transfer.import_transfer(school_b.counselor, sent, PASSPHRASE)
    assert _state(school_b.counselor) == before
