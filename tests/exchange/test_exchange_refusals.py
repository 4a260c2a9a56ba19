"""Every way a file can be wrong gets its own refusal and message, and nothing comes out of it.

FORMAT.md §7 is the table these tests follow.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.exchange.conftest import PASSPHRASE, SMALL_SEGMENT, cut, flip, write
from xadesk.exchange import (
    ExchangeError,
    ExchangeTampered,
    ExchangeTooNew,
    ExchangeTruncated,
    ExchangeUnreadable,
    NotAnExchangeFile,
    WrongExchangeKind,
    WrongPassphrase,
    open_container,
    precheck,
    verify,
)
from xadesk.exchange.layout import HEADER_V1_LEN, TRAILER_LEN

WRONG = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"


def refusal(path, passphrase=PASSPHRASE, **kw):
    """The refusal from both readers (they must agree); fails if either accepts."""
    with pytest.raises(Exception) as a:
        open_container(path, passphrase, **kw)
    with pytest.raises(Exception) as b:
        verify(path, passphrase, **kw)
    assert type(a.value) is type(b.value)
    return a.value


# --- flipped bytes --------------------------------------------------------------------------------

def test_every_single_header_byte_flip_is_tampering_not_a_wrong_passphrase(multi_segment):
    for offset in range(HEADER_V1_LEN):
        bad = flip(multi_segment, offset, multi_segment.with_name("h.xadx"))
        err = refusal(bad)
        assert isinstance(err, ExchangeTampered), (offset, type(err))
        # decided from the plaintext alone: the passphrase does not matter
        assert isinstance(refusal(bad, WRONG), ExchangeTampered)
    assert "已损坏或被改动过" in str(err)


@pytest.mark.parametrize("where", ["first", "middle", "last_segment_start", "last_tag"])
def test_a_flipped_body_byte_is_tampering(multi_segment, where):
    size = multi_segment.stat().st_size
    offset = {"first": HEADER_V1_LEN, "middle": HEADER_V1_LEN + SMALL_SEGMENT + 100,
              "last_segment_start": HEADER_V1_LEN + 4 * (SMALL_SEGMENT + 16),
              "last_tag": size - TRAILER_LEN - 1}[where]
    err = refusal(flip(multi_segment, offset))
    assert isinstance(err, ExchangeTampered)
    assert str(err).startswith("此文件已损坏或被改动过（文件内容）")


def test_a_flipped_body_byte_with_a_wrong_passphrase_says_wrong_passphrase(multi_segment):
    assert isinstance(refusal(flip(multi_segment, HEADER_V1_LEN + 10), WRONG), WrongPassphrase)


@pytest.mark.parametrize("from_end", range(1, TRAILER_LEN + 1))
def test_every_end_record_byte_flip_is_tampering(multi_segment, from_end):
    bad = flip(multi_segment, -from_end)
    err = refusal(bad)
    assert isinstance(err, ExchangeTampered)
    assert "文件末尾" in str(err)
    assert isinstance(refusal(bad, WRONG), ExchangeTampered)


def test_bytes_appended_after_the_end_are_tampering(multi_segment):
    bad = multi_segment.with_name("appended.xadx")
    bad.write_bytes(multi_segment.read_bytes() + b"\x00" * 17)
    err = refusal(bad)
    assert isinstance(err, ExchangeTampered)
    assert "多余的数据" in str(err)


# --- truncation -----------------------------------------------------------------------------------

def _cut_points(size):
    seg0 = HEADER_V1_LEN
    full = SMALL_SEGMENT + 16
    return sorted({1, 5, 8, 12, 19, 20, 21, 100, 170, seg0, seg0 + 1, seg0 + 16, seg0 + full - 1,
                   seg0 + full,          # exactly at a segment boundary
                   seg0 + 2 * full,      # another boundary
                   seg0 + 2 * full + 1,
                   size - TRAILER_LEN,   # exactly before the end record
                   size - TRAILER_LEN + 1, size - 8, size - 1})


def test_a_file_cut_short_anywhere_is_reported_as_truncated(multi_segment):
    size = multi_segment.stat().st_size
    for n in _cut_points(size):
        short = cut(multi_segment, n, multi_segment.with_name("short.xadx"))
        err = refusal(short)
        assert isinstance(err, ExchangeTruncated), (n, type(err))
        assert isinstance(refusal(short, WRONG), ExchangeTruncated), n
    assert "不完整" in str(err)


def test_cut_at_a_segment_boundary_with_a_forged_end_record_is_still_truncated(multi_segment):
    """The STREAM last-segment flag catches a forger who rebuilds the end record after cutting."""
    full = SMALL_SEGMENT + 16
    body = multi_segment.read_bytes()[:HEADER_V1_LEN + 2 * full]
    end = struct.pack(">8sQ", b"XADX-END", len(body) + TRAILER_LEN)
    forged = multi_segment.with_name("forged.xadx")
    forged.write_bytes(body + end + struct.pack(">I", zlib.crc32(end)))
    assert isinstance(refusal(forged), ExchangeTruncated)


def test_a_single_segment_file_cut_in_its_tag_is_truncated(tmp_path):
    path = write(tmp_path / "one.xadx")
    size = path.stat().st_size
    for n in (size - TRAILER_LEN - 1, size - TRAILER_LEN - 16, HEADER_V1_LEN + 3):
        assert isinstance(refusal(cut(path, n)), ExchangeTruncated), n


# --- passphrase, version, not ours, kind ----------------------------------------------------------

def test_wrong_passphrase(multi_segment):
    err = refusal(multi_segment, WRONG)
    assert isinstance(err, WrongPassphrase)
    assert str(err).startswith("口令不正确")


def test_empty_passphrase_is_wrong(multi_segment):
    assert isinstance(refusal(multi_segment, " - "), WrongPassphrase)


def _rewrite_version(path, version, flags=0):
    data = bytearray(path.read_bytes())
    head = struct.pack(">8sHHI", bytes(data[:8]), version, flags, HEADER_V1_LEN)
    data[:20] = head + struct.pack(">I", zlib.crc32(head))
    out = path.with_name(f"v{version}_{flags}.xadx")
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize(("version", "flags"), [(2, 0), (7, 0), (65535, 0), (1, 1)])
def test_a_newer_format_asks_to_update_the_app(multi_segment, version, flags):
    newer = _rewrite_version(multi_segment, version, flags)
    err = refusal(newer)
    assert isinstance(err, ExchangeTooNew)
    assert "请先将 XA Desk 升级到最新版本" in str(err)
    assert isinstance(refusal(newer, WRONG), ExchangeTooNew)
    with pytest.raises(ExchangeTooNew):
        precheck(newer)


def test_newer_format_message_in_english(multi_segment, monkeypatch):
    monkeypatch.setenv("XADESK_LANG", "en")
    err = refusal(_rewrite_version(multi_segment, 3))
    assert "update XA Desk" in str(err) and "version 3" in str(err)


def _zip_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("张三.xadx", b"whatever")
    return buf.getvalue()


@pytest.mark.parametrize(("content", "hint"), [
    (b"", "文件是空的"),
    (os.urandom(5000), "不是 XA Desk 交换文件"),
    (b"\x00" * 300, "不是 XA Desk 交换文件"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n" + os.urandom(400), "这是一个 PDF 文件"),
    (_zip_bytes(), "zip 压缩包"),
    ("学号,姓名\n2023001,张三\n".encode("gbk"), "不是 XA Desk 交换文件"),
    (b"XA", "不是 XA Desk 交换文件"),
])
def test_files_that_are_not_exchange_files(tmp_path, content, hint):
    path = tmp_path / "picked.xadx"
    path.write_bytes(content)
    err = refusal(path)
    assert isinstance(err, NotAnExchangeFile)
    assert hint in str(err)


def test_missing_file_and_folder_are_unreadable(tmp_path):
    assert "不存在" in str(refusal(tmp_path / "nope.xadx"))
    err = refusal(tmp_path)
    assert isinstance(err, ExchangeUnreadable)


def test_wrong_kind_names_both_kinds(tmp_path):
    kit = write(tmp_path / "kit.xadx", kind="lab_kit", entries={"kit.json": b"{}"}, campaign_id="c-1")
    err = refusal(kit, expected_kind="archive")
    assert isinstance(err, WrongExchangeKind)
    assert "机房筛查包" in str(err) and "学生成长档案转移文件" in str(err)
    pack = write(tmp_path / "pack.xadx", kind="lab_pack", entries={"answers.json": b"{}"}, campaign_id="c-1")
    assert isinstance(refusal(pack, expected_kind="lab_kit"), WrongExchangeKind)
    assert open_container(pack, PASSPHRASE, expected_kind="lab_pack").kind == "lab_pack"


def test_every_refusal_has_english_too(multi_segment, monkeypatch):
    monkeypatch.setenv("XADESK_LANG", "en")
    assert "passphrase is not correct" in str(refusal(multi_segment, WRONG))
    assert "damaged or has been altered" in str(refusal(flip(multi_segment, 50)))
    assert "incomplete" in str(refusal(cut(multi_segment, 1000)))


def test_every_byte_of_a_small_file_is_protected(tmp_path):
    path = write(tmp_path / "small.xadx", entries={"archive.json": b'{"ok": true}'})
    size = path.stat().st_size
    for offset in range(size):
        err = refusal(flip(path, offset, tmp_path / "f.xadx"))
        assert isinstance(err, ExchangeTampered), (offset, type(err))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_damage_is_never_accepted(multi_segment, data):
    raw = bytearray(multi_segment.read_bytes())
    for _ in range(data.draw(st.integers(1, 5))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= data.draw(st.integers(1, 255))
    keep = data.draw(st.integers(1, len(raw)))
    bad = multi_segment.with_name("random.xadx")
    bad.write_bytes(bytes(raw[:keep]))
    err = refusal(bad)
    assert isinstance(err, ExchangeError)
    assert not isinstance(err, WrongPassphrase)
