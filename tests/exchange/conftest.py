"""Helpers for the exchange-file tests: a small valid file and byte-level surgery on it."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from xadesk.exchange import write_container

PASSPHRASE = "7KQM-X3RB-PV2D-9HTE-CWNA-4FYS"
SCHOOL_ID = str(uuid.UUID("0b6c3a52-6f43-4a8e-9d7e-6a1f2f0c1d11"))
FIELDS = {
    "school_name": "西安市示例中学",
    "school_id": SCHOOL_ID,
    "exporter_name": "王老师",
    "exporter_login": "wang",
    "exported_at": datetime(2026, 7, 1, 8, 30, tzinfo=UTC),
}
SMALL_SEGMENT = 4096


def write(path: Path, *, kind: str = "archive", entries: dict[str, bytes] | None = None,
          passphrase=PASSPHRASE, segment_size: int = SMALL_SEGMENT, **fields) -> Path:
    if entries is None:
        entries = {"archive.json": '{"name": "张三", "records": []}'.encode(), "transfer.pdf": b"%PDF-1.4 fake"}
    write_container(path, kind=kind, manifest_fields={**FIELDS, **fields}, entries=entries,
                    passphrase=passphrase, segment_size=segment_size)
    return path


def flip(path: Path, offset: int, out: Path | None = None) -> Path:
    """A copy of ``path`` with one byte changed at ``offset`` (negative = from the end)."""
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    out = out or path.with_name(f"flipped_{offset}_{path.name}")
    out.write_bytes(bytes(data))
    return out


def cut(path: Path, length: int, out: Path | None = None) -> Path:
    out = out or path.with_name(f"cut_{length}_{path.name}")
    out.write_bytes(path.read_bytes()[:length])
    return out


@pytest.fixture
def multi_segment(tmp_path) -> Path:
    """A file with several 4 KiB segments (incompressible entry) plus a small JSON entry."""
    return write(tmp_path / "multi.xadx", entries={"archive.json": b'{"a": 1}', "transfer.pdf": os.urandom(20_000)})
