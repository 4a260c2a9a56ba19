"""A 50 MB transfer file (a long archive with scanned attachments) fits a school PC's memory:
writing adds a few segments to the caller's data, reading holds one copy of the entries."""

from __future__ import annotations

import os
import tracemalloc

from tests.exchange.conftest import FIELDS, PASSPHRASE
from xadesk.exchange import open_container, verify, write_container

MB = 1024 * 1024
SIZE = 50 * MB


def _peak_extra(fn):
    """Python-allocated bytes at the peak of ``fn`` beyond what was allocated before it, and kept after."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = fn()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak - base, current - base


def test_large_payload_memory(tmp_path):
    payload = os.urandom(SIZE // 2) + bytes(SIZE // 2)   # half incompressible (PDF-like), half not
    path = tmp_path / "big.xadx"

    _, peak, _ = _peak_extra(lambda: write_container(
        path, kind="archive", manifest_fields=FIELDS, entries={"archive.json": b"{}", "transfer.pdf": payload},
        passphrase=PASSPHRASE))
    assert peak < 0.25 * SIZE, f"writing needed {peak / MB:.1f} MB beyond the payload"

    box, peak, kept = _peak_extra(lambda: open_container(path, PASSPHRASE))
    assert box.entry("transfer.pdf") == payload
    assert peak < 1.25 * SIZE, f"reading peaked at {peak / MB:.1f} MB"
    assert kept < 1.1 * SIZE
    del box

    _, peak, _ = _peak_extra(lambda: verify(path, PASSPHRASE))
    assert peak < 0.25 * SIZE, f"verify needed {peak / MB:.1f} MB"
