"""A failed or cancelled write never leaves a file under the final name, nor a temp file behind,
and never damages a file that was already there."""

from __future__ import annotations

import errno
import os

import pytest

from tests.exchange.conftest import FIELDS, PASSPHRASE
from xadesk.errors import Cancelled
from xadesk.exchange import ExchangeWriteFailed, container, open_container, write_container

BIG = {"archive.json": b"{}", "transfer.pdf": os.urandom(3 * 1024 * 1024)}


def _write(path, **kw):
    return write_container(path, kind="archive", manifest_fields=FIELDS, entries=kw.pop("entries", BIG),
                           passphrase=PASSPHRASE, **kw)


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def existing(tmp_path):
    """A good file already under the target name (a re-export over an earlier one)."""
    path = tmp_path / "张三.xadx"
    _write(path, entries={"archive.json": b'{"old": true}'})
    return path, path.read_bytes()


def test_cancel_mid_write_leaves_nothing(tmp_path):
    calls = iter(range(1000))
    target = tmp_path / "out.xadx"
    with pytest.raises(Cancelled):
        _write(target, cancelled=lambda: next(calls) >= 2)
    assert _listing(tmp_path) == []


def test_cancel_before_start_writes_nothing(tmp_path):
    with pytest.raises(Cancelled):
        _write(tmp_path / "out.xadx", cancelled=lambda: True)
    assert _listing(tmp_path) == []


def test_cancel_keeps_the_existing_file(existing):
    path, before = existing
    calls = iter(range(1000))
    with pytest.raises(Cancelled):
        _write(path, cancelled=lambda: next(calls) >= 1)
    assert path.read_bytes() == before
    assert _listing(path.parent) == [path.name]
    assert open_container(path, PASSPHRASE).entry("archive.json") == b'{"old": true}'


class _DiskFullAfter:
    """Wraps the temp file: the write that crosses ``limit`` bytes fails as a full disk would."""

    def __init__(self, fh, limit):
        self._fh, self._limit, self._n = fh, limit, 0

    def write(self, data):
        self._n += len(data)
        if self._n > self._limit:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        self._fh.__enter__()
        return self

    def __exit__(self, *exc):
        return self._fh.__exit__(*exc)


def test_disk_full_mid_write(existing, monkeypatch):
    path, before = existing
    real = os.fdopen
    monkeypatch.setattr(container.os, "fdopen", lambda *a, **k: _DiskFullAfter(real(*a, **k), 1_000_000))
    with pytest.raises(ExchangeWriteFailed) as err:
        _write(path)
    assert "磁盘空间不足" in str(err.value) and "未留下不完整的文件" in str(err.value)
    assert path.read_bytes() == before
    assert _listing(path.parent) == [path.name]


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_failing_fsync_or_rename(existing, monkeypatch, step):
    path, before = existing

    def boom(*a, **k):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(container.os, step, boom)
    with pytest.raises(ExchangeWriteFailed, match="U 盘"):
        _write(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _listing(path.parent) == [path.name]


def test_an_entry_that_breaks_mid_write(tmp_path, monkeypatch):
    """A bug while streaming (here: compression blowing up) leaves nothing behind either."""
    target = tmp_path / "out.xadx"
    real = container.zlib.compressobj

    class Breaks:
        def __init__(self, *a):
            self._c, self._n = real(*a), 0

        def compress(self, data):
            self._n += 1
            if self._n > 2:
                raise RuntimeError("simulated failure")
            return self._c.compress(data)

        def flush(self):
            return self._c.flush()

    monkeypatch.setattr(container.zlib, "compressobj", Breaks)
    with pytest.raises(RuntimeError):
        _write(target)
    assert _listing(tmp_path) == []


def test_missing_target_folder(tmp_path):
    with pytest.raises(ExchangeWriteFailed, match="不存在"):
        _write(tmp_path / "no-such-folder" / "out.xadx")
    assert _listing(tmp_path) == []


def test_no_plaintext_temp_files_anywhere(tmp_path, monkeypatch):
    """Every file opened for writing during an export is the target's temp file, and it is ciphertext."""
    opened = []
    real_mkstemp = container.tempfile.mkstemp
    monkeypatch.setattr(container.tempfile, "mkstemp",
                        lambda *a, **k: opened.append(k.get("dir")) or real_mkstemp(*a, **k))
    target = tmp_path / "out.xadx"
    _write(target, entries={"archive.json": "张三的咨询记录".encode() * 1000})
    assert opened == [tmp_path]
    assert "张三".encode() not in target.read_bytes()
