"""The plaintext parts of an exchange file: preamble, header and trailer (FORMAT.md §2, §3, §5).

Everything here works without the passphrase. It decides, before any key derivation, whether the
file is an exchange file at all, whether it is too new, cut short or damaged — so that a
wrong-passphrase message is only ever given for a file whose plaintext parts are intact.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from .errors import ExchangeTampered, ExchangeTooNew, ExchangeTruncated, NotAnExchangeFile

MAGIC = b"\x89XADX\r\n\x1a"
END_MAGIC = b"XADX-END"
FORMAT_NAME = "xadesk-exchange"
FORMAT_VERSION = 1
SUPPORTED_VERSION = 1

PREAMBLE = struct.Struct(">8sHHII")        # magic, version, flags, header_len, crc32(previous 16 bytes)
PREAMBLE_LEN = PREAMBLE.size               # 20
HEADER_V1 = struct.Struct(">BBBBII32s32sI7s32s")  # see FORMAT.md §3
HEADER_V1_LEN = PREAMBLE_LEN + HEADER_V1.size + 32  # + SHA-256 over everything before it = 171
TRAILER = struct.Struct(">8sQI")           # end magic, total file length, crc32(previous 16 bytes)
TRAILER_LEN = TRAILER.size                 # 20
TAG_LEN = 16
KEY_CHECK_LEN = 32
SALT_LEN = 32
NONCE_PREFIX_LEN = 7

KDF_ARGON2ID = 1
CIPHER_AES256GCM_STREAM = 1
COMPRESSION_ZLIB = 1

# Bounds a reader enforces so that a forged header cannot make it allocate gigabytes.
MAX_TIME_COST = 32
MAX_MEMORY_KIB = 1024 * 1024
MAX_PARALLELISM = 16
MIN_SEGMENT = 4 * 1024
MAX_SEGMENT = 16 * 1024 * 1024
DEFAULT_SEGMENT = 1024 * 1024

_TRAILER_SCAN = 1024 * 1024


@dataclass(frozen=True)
class Header:
    version: int
    time_cost: int
    memory_kib: int
    parallelism: int
    kdf_salt: bytes
    file_salt: bytes
    segment_size: int
    nonce_prefix: bytes
    key_check: bytes
    raw: bytes  # the exact header bytes: associated data of every segment

    @property
    def length(self) -> int:
        return len(self.raw)


def build_header(*, time_cost: int, memory_kib: int, parallelism: int, kdf_salt: bytes, file_salt: bytes,
                 segment_size: int, nonce_prefix: bytes, key_check: bytes) -> bytes:
    head = struct.pack(">8sHHI", MAGIC, FORMAT_VERSION, 0, HEADER_V1_LEN)
    preamble = head + struct.pack(">I", zlib.crc32(head))
    body = HEADER_V1.pack(KDF_ARGON2ID, parallelism, CIPHER_AES256GCM_STREAM, COMPRESSION_ZLIB, time_cost,
                          memory_kib, kdf_salt, file_salt, segment_size, nonce_prefix, key_check)
    before = preamble + body
    out = before + hashlib.sha256(before).digest()
    assert len(out) == HEADER_V1_LEN
    return out


def build_trailer(total_len: int) -> bytes:
    head = struct.pack(">8sQ", END_MAGIC, total_len)
    return head + struct.pack(">I", zlib.crc32(head))


def _sniff(first: bytes) -> NotAnExchangeFile:
    """A friendlier refusal for the files teachers most often pick by mistake."""
    if first.startswith(b"%PDF"):
        return NotAnExchangeFile(
            "这是一个 PDF 文件（例如交接单或档案打印件），不是转移文件，未导入任何内容。请选择扩展名为 .xadx 的文件。",
            "This is a PDF (e.g. a handover sheet or a printed archive), not an exchange file. Nothing was "
            "imported. Please pick the file ending in .xadx.")
    if first.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return NotAnExchangeFile(
            "这是一个 zip 压缩包（或 Word/Excel 文件），不是转移文件，未导入任何内容。若转移文件被打包压缩过，"
            "请先解压，再选择其中扩展名为 .xadx 的文件。",
            "This is a zip archive (or a Word/Excel file), not an exchange file. Nothing was imported. If the "
            "exchange files were zipped, unzip them first and pick the file ending in .xadx.")
    if first.startswith((b"Rar!", b"7z\xbc\xaf\x27\x1c")):
        return NotAnExchangeFile(
            "这是一个 rar/7z 压缩包，不是转移文件，未导入任何内容。请先解压，再选择其中扩展名为 .xadx 的文件。",
            "This is a rar/7z archive, not an exchange file. Nothing was imported. Unzip it first and pick the "
            "file ending in .xadx.")
    return NotAnExchangeFile()


def _differing(a: bytes, b: bytes) -> int:
    return sum(1 for x, y in zip(a, b, strict=True) if x != y)


def read_header(fh: BinaryIO, size: int) -> Header:
    """Check magic, preamble, version, header checksum and trailer; return the parsed header.

    Raises NotAnExchangeFile, ExchangeTruncated, ExchangeTooNew or ExchangeTampered (FORMAT.md §7).
    """
    if size == 0:
        raise NotAnExchangeFile("文件是空的（0 字节），可能复制未完成，未导入任何内容。请重新复制原文件。",
                                "The file is empty (0 bytes); the copy may have failed. Nothing was imported. "
                                "Please copy the original file again.")
    fh.seek(0)
    first = fh.read(min(size, 64))
    if len(first) < len(MAGIC):
        if MAGIC.startswith(first):
            raise ExchangeTruncated()
        raise _sniff(first)
    if first[:8] != MAGIC:
        # One changed byte in eight is damage, not a different kind of file.
        if _differing(first[:8], MAGIC) == 1:
            raise ExchangeTampered("文件开头", "at the start of the file")
        raise _sniff(first)
    if size < PREAMBLE_LEN:
        raise ExchangeTruncated()
    _, version, flags, header_len, crc = PREAMBLE.unpack(first[:PREAMBLE_LEN])
    if zlib.crc32(first[:16]) != crc:
        raise ExchangeTampered("文件头", "in the file header")
    if version > SUPPORTED_VERSION:
        raise ExchangeTooNew(version, SUPPORTED_VERSION)
    if version < 1:
        raise ExchangeTampered("文件头", "in the file header")
    if flags:
        # Flags are how a later writer marks a feature this reader does not know.
        raise ExchangeTooNew(version, SUPPORTED_VERSION)
    if header_len != HEADER_V1_LEN:
        raise ExchangeTampered("文件头", "in the file header")
    if size < header_len:
        raise ExchangeTruncated()
    fh.seek(0)
    raw = fh.read(header_len)
    if len(raw) < header_len:
        raise ExchangeTruncated()
    if hashlib.sha256(raw[:-32]).digest() != raw[-32:]:
        raise ExchangeTampered("文件头", "in the file header")
    (kdf_id, parallelism, cipher_id, compression_id, time_cost, memory_kib, kdf_salt, file_salt, segment_size,
     nonce_prefix, key_check) = HEADER_V1.unpack(raw[PREAMBLE_LEN:-32])
    if (kdf_id != KDF_ARGON2ID or cipher_id != CIPHER_AES256GCM_STREAM or compression_id != COMPRESSION_ZLIB
            or not 1 <= time_cost <= MAX_TIME_COST or not 1 <= parallelism <= MAX_PARALLELISM
            or not 8 * parallelism <= memory_kib <= MAX_MEMORY_KIB
            or not MIN_SEGMENT <= segment_size <= MAX_SEGMENT):
        raise ExchangeTampered("文件头", "in the file header")
    _check_trailer(fh, size, header_len)
    return Header(version, time_cost, memory_kib, parallelism, kdf_salt, file_salt, segment_size, nonce_prefix,
                  key_check, raw)


def _check_trailer(fh: BinaryIO, size: int, header_len: int) -> None:
    if size < header_len + TAG_LEN + TRAILER_LEN:
        raise ExchangeTruncated()
    fh.seek(size - TRAILER_LEN)
    tail = fh.read(TRAILER_LEN)
    magic, declared, crc = TRAILER.unpack(tail)
    if magic == END_MAGIC:
        if zlib.crc32(tail[:16]) != crc:
            raise ExchangeTampered("文件末尾", "at the end of the file")
        if declared == size:
            return
        raise ExchangeTruncated() if declared > size else ExchangeTampered("文件末尾", "at the end of the file")
    if _differing(magic, END_MAGIC) == 1:
        raise ExchangeTampered("文件末尾", "at the end of the file")
    # No end record where it belongs: either the file was cut, or bytes were appended after it.
    start = max(header_len, size - _TRAILER_SCAN)
    fh.seek(start)
    window = fh.read(size - start)
    pos = window.rfind(END_MAGIC)
    while pos >= 0:
        rec = window[pos:pos + TRAILER_LEN]
        if len(rec) == TRAILER_LEN:
            _, declared, crc = TRAILER.unpack(rec)
            if zlib.crc32(rec[:16]) == crc and declared == start + pos + TRAILER_LEN:
                raise ExchangeTampered("文件末尾有多余的数据", "extra data after the end of the file")
        pos = window.rfind(END_MAGIC, 0, pos)
    raise ExchangeTruncated()


def segment_layout(size: int, header: Header) -> list[tuple[int, int]]:
    """(offset, stored length) of each segment between header and trailer (FORMAT.md §4)."""
    body = size - header.length - TRAILER_LEN
    full = header.segment_size + TAG_LEN
    count = max(1, -(-body // full))
    last = body - (count - 1) * full
    if last < TAG_LEN:
        raise ExchangeTampered("文件内容", "in the file body")
    offsets = [(header.length + i * full, full) for i in range(count - 1)]
    offsets.append((header.length + (count - 1) * full, last))
    return offsets
