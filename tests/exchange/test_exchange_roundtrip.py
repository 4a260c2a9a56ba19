"""Writing and reading exchange files: what goes in comes out, with a manifest that says what it is."""

from __future__ import annotations

import hashlib
import itertools
import os
import uuid
from datetime import UTC, datetime

import pytest

import xadesk
from tests.exchange.conftest import FIELDS, PASSPHRASE, SCHOOL_ID, write
from xadesk.exchange import (
    ExchangeKey,
    ExchangeMissingEntry,
    PassphraseTooShort,
    open_container,
    precheck,
    verify,
    write_container,
)
from xadesk.exchange.manifest import content_hash


def test_round_trip_returns_every_entry_and_the_manifest(tmp_path):
    entries = {"archive.json": '{"学生": "张三"}'.encode(), "transfer.pdf": os.urandom(50_000),
               "notes/empty.txt": b""}
    path = tmp_path / "张三.xadx"
    written = write_container(path, kind="archive", manifest_fields=FIELDS, entries=entries, passphrase=PASSPHRASE)
    box = open_container(path, PASSPHRASE, expected_kind="archive")
    assert box.entry_names == list(entries)
    for name, data in entries.items():
        assert box.entry(name) == data
    assert box.entry_json("archive.json") == {"学生": "张三"}
    m = box.manifest
    assert m == written
    assert (m.format, m.format_version, m.kind) == ("xadesk-exchange", 1, "archive")
    assert (m.school_name, m.school_id, m.campaign_id) == ("西安市示例中学", SCHOOL_ID, None)
    assert (m.exporter_name, m.exporter_login, m.app_version) == ("王老师", "wang", xadesk.__version__)
    assert m.exported_at == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)
    assert [(e.name, e.size, e.sha256) for e in m.entries] == [
        (n, len(d), hashlib.sha256(d).hexdigest()) for n, d in entries.items()]
    assert m.content_sha256 == content_hash(m.entries)


def test_lab_kit_and_pack_carry_their_campaign(tmp_path):
    campaign = str(uuid.uuid4())
    for kind, name in (("lab_kit", "kit.json"), ("lab_pack", "answers.json")):
        path = write(tmp_path / f"{kind}.xadx", kind=kind, entries={name: b"{}"}, campaign_id=campaign,
                     extra={"pc": "机房3-12"})
        box = open_container(path, PASSPHRASE, expected_kind=kind)
        assert box.manifest.campaign_id == campaign
        assert box.manifest.extra == {"pc": "机房3-12"}


def test_lab_kit_without_campaign_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError, match="campaign"):
        write(tmp_path / "kit.xadx", kind="lab_kit")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", "../x", "/abs", "a//b", "a/./b", "con:x", "a\\b", "trail.", "tab\tname"])
def test_unsafe_entry_names_are_refused_before_writing(tmp_path, name):
    with pytest.raises(ValueError):
        write(tmp_path / "a.xadx", entries={name: b"x"})
    assert list(tmp_path.iterdir()) == []


def test_same_content_same_content_hash_whoever_exports(tmp_path):
    a = write(tmp_path / "a.xadx", exporter_name="李老师", exporter_login="li")
    b = write(tmp_path / "b.xadx")
    ma, mb = verify(a, PASSPHRASE), verify(b, PASSPHRASE)
    assert ma.content_sha256 == mb.content_sha256
    assert a.read_bytes() != b.read_bytes()  # fresh salts and nonces every time


def test_passphrase_typed_loosely_still_opens(tmp_path):
    path = write(tmp_path / "a.xadx")
    for typed in ("7kqm x3rb pv2d 9hte cwna 4fys", "７ＫＱＭ－Ｘ３ＲＢ－ＰＶ２Ｄ－９ＨＴＥ－ＣＷＮＡ－４ＦＹＳ",
                  "7KQMX3RBPV2D9HTECWNA4FYS", " 7KQM—X3RB—PV2D—9HTE—CWNA—4FYS\n"):
        assert open_container(path, typed).entry_names == ["archive.json", "transfer.pdf"]


def test_missing_entry_is_a_clear_error(tmp_path):
    box = open_container(write(tmp_path / "a.xadx"), PASSPHRASE)
    with pytest.raises(ExchangeMissingEntry, match=r"answers\.json"):
        box.entry("answers.json")


def test_short_passphrase_is_refused_and_nothing_written(tmp_path):
    with pytest.raises(PassphraseTooShort, match="至少需要 8 个字符"):
        write(tmp_path / "a.xadx", passphrase="ab-cd 12")
    assert list(tmp_path.iterdir()) == []


def test_batch_key_derives_once_and_every_file_opens(tmp_path, monkeypatch):
    from xadesk.storage import kdf

    calls = []
    real = kdf.derive
    monkeypatch.setattr(kdf, "derive", lambda *a, **k: calls.append(1) or real(*a, **k))
    key = ExchangeKey(PASSPHRASE)
    paths = [write(tmp_path / f"s{i}.xadx", passphrase=key, entries={"archive.json": str(i).encode()})
             for i in range(5)]
    assert len(calls) == 1
    reader = ExchangeKey(PASSPHRASE.lower())
    assert [open_container(p, reader).entry("archive.json") for p in paths] == [str(i).encode() for i in range(5)]
    assert len(calls) == 2
    # distinct files still: distinct file salts, so distinct keys and ciphertexts
    assert len({p.read_bytes()[64:96] for p in paths}) == 5


def test_progress_reports_bytes_and_ends_complete(tmp_path):
    seen: list[tuple[int, int]] = []
    entries = {"big.bin": os.urandom(3 * 1024 * 1024 + 5)}
    path = tmp_path / "p.xadx"
    write_container(path, kind="archive", manifest_fields=FIELDS, entries=entries, passphrase=PASSPHRASE,
                    progress=lambda d, t: seen.append((d, t)))
    assert len(seen) >= 3 and seen[-1] == (len(entries["big.bin"]),) * 2
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))
    seen.clear()
    verify(path, PASSPHRASE, progress=lambda d, t: seen.append((d, t)))
    size = path.stat().st_size
    assert seen[-1] == (size, size)


def test_precheck_reads_the_plaintext_header_only(tmp_path):
    header = precheck(write(tmp_path / "a.xadx"))
    assert header.version == 1
    assert header.length == 171
    assert header.segment_size == 4096


def test_file_is_owner_only_and_has_no_plaintext(tmp_path):
    secret = "张三的咨询记录".encode()
    path = write(tmp_path / "a.xadx", entries={"archive.json": secret * 50})
    if os.name != "nt":
        assert path.stat().st_mode & 0o777 == 0o600
    raw = path.read_bytes()
    assert secret not in raw and b"archive.json" not in raw and "西安".encode() not in raw
