"""Write and read XA Desk exchange files: archive transfer files, lab kits and lab result packs.

One format for all three (FORMAT.md): a plaintext header, then the zlib-compressed payload
(manifest + entries) encrypted with AES-256-GCM in 1 MiB segments (STREAM construction), then a
plaintext end record. The key comes from the passphrase through Argon2id. Reading checks every
byte before handing anything back, so a caller that gets a :class:`Container` may import it; any
refusal is an :class:`~xadesk.exchange.errors.ExchangeError` and nothing was imported.

Memory: writing holds the caller's entries plus about two segments; reading holds the decrypted
entries (one copy) plus about two segments — never the whole file, ciphertext and plaintext at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import os
import struct
import tempfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .. import __version__
from ..errors import Cancelled
from ..storage import kdf
from . import layout
from .errors import (
    ExchangeMissingEntry,
    ExchangeTampered,
    ExchangeTruncated,
    ExchangeUnreadable,
    ExchangeWriteFailed,
    PassphraseTooShort,
    WrongExchangeKind,
    WrongPassphrase,
    os_reason,
)
from .layout import Header
from .manifest import EntryInfo, Manifest, build, check_entry_name
from .passphrase import normalise

Progress = Callable[[int, int], None]
IsCancelled = Callable[[], bool]

MIN_PASSPHRASE_LEN = 8
COMPRESS_LEVEL = 6
MAX_MANIFEST_LEN = 16 * 1024 * 1024
_FEED = 1024 * 1024          # bytes handed to zlib at a time, and most bytes zlib may hand back
_HKDF_INFO = b"xadesk-exchange v1"


# --- keys --------------------------------------------------------------------------------------

class ExchangeKey:
    """A passphrase plus its Argon2id results, so a batch pays for key derivation once.

    Pass one to :func:`write_container` for every file of a batch that shares a passphrase: they
    then share the KDF salt (each file still gets its own random file key), and a reader holding
    an ``ExchangeKey`` derives once for the whole batch too.
    """

    def __init__(self, passphrase: str, *, params: kdf.KdfParams | None = None) -> None:
        self._secret = normalise(passphrase)
        self._params = params
        self._cache: dict[tuple[bytes, int, int, int], bytes] = {}
        self._writing: tuple[kdf.KdfParams, bytes] | None = None

    def matches(self, passphrase: str) -> bool:
        """Whether ``passphrase`` (as typed: case, spaces and dashes do not matter) is this key's
        passphrase; compared in constant time (a kiosk's exit check uses it)."""
        typed = normalise(passphrase)
        return bool(typed) and hmac.compare_digest(typed.encode("utf-8"), self._secret.encode("utf-8"))

    def _master(self, salt: bytes, time_cost: int, memory_kib: int, parallelism: int) -> bytes:
        k = (salt, time_cost, memory_kib, parallelism)
        if k not in self._cache:
            self._cache[k] = kdf.derive(self._secret, salt, kdf.KdfParams(time_cost, memory_kib, parallelism))
        return self._cache[k]

    def _for_writing(self) -> tuple[kdf.KdfParams, bytes, bytes]:
        if len(self._secret) < MIN_PASSPHRASE_LEN:
            raise PassphraseTooShort(MIN_PASSPHRASE_LEN)
        if self._writing is None:
            p = self._params or kdf.default_params()
            # Store what argon2 actually uses, so the header is exact.
            p = kdf.KdfParams(p.time_cost, max(p.memory_kib, 8 * p.parallelism), p.parallelism)
            self._writing = (p, os.urandom(layout.SALT_LEN))
        p, salt = self._writing
        return p, salt, self._master(salt, p.time_cost, p.memory_kib, p.parallelism)

    def _open(self, header: Header) -> bytes:
        """The file's encryption key, or WrongPassphrase. Only called once the header is intact."""
        if not self._secret:
            raise WrongPassphrase()
        master = self._master(header.kdf_salt, header.time_cost, header.memory_kib, header.parallelism)
        enc_key, check = _subkeys(master, header.file_salt)
        if not hmac.compare_digest(check, header.key_check):
            raise WrongPassphrase()
        return enc_key


def _subkeys(master: bytes, file_salt: bytes) -> tuple[bytes, bytes]:
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=file_salt, info=_HKDF_INFO).derive(master)
    return okm[:32], okm[32:]


def _as_key(passphrase: str | ExchangeKey) -> ExchangeKey:
    return passphrase if isinstance(passphrase, ExchangeKey) else ExchangeKey(passphrase)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


# --- writing -----------------------------------------------------------------------------------

def write_container(path: str | os.PathLike[str], *, kind: str, manifest_fields: Mapping[str, Any],
                    entries: Mapping[str, bytes], passphrase: str | ExchangeKey,
                    progress: Progress | None = None, cancelled: IsCancelled | None = None,
                    segment_size: int = layout.DEFAULT_SEGMENT) -> Manifest:
    """Write an exchange file atomically and return its manifest.

    ``manifest_fields``: ``school_name``, ``school_id`` (UUID), ``exporter_name``, ``exporter_login``
    (required); ``campaign_id`` (required for lab kits and packs), ``exported_at`` (aware datetime or
    ISO string; default now), ``app_version`` (default this app's), ``extra`` (JSON object).
    Entries are written in the mapping's order. Bad arguments raise ValueError/TypeError (bugs);
    a weak passphrase raises PassphraseTooShort; a failed write ExchangeWriteFailed; a cancel
    Cancelled — and in every failing case no file exists under ``path`` that was not there before.
    """
    target = Path(path)
    if not layout.MIN_SEGMENT <= segment_size <= layout.MAX_SEGMENT:
        raise ValueError("segment_size out of range")
    infos: list[EntryInfo] = []
    for name, data in entries.items():
        check_entry_name(name)
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"entry {name!r} must be bytes")
        infos.append(EntryInfo(name, memoryview(data).nbytes, hashlib.sha256(data).hexdigest()))
    manifest = build(kind, dict(manifest_fields), infos, __version__)
    mjson = manifest.to_json()
    if len(mjson) > MAX_MANIFEST_LEN:
        raise ValueError("manifest too large (too many entries or too much extra metadata)")
    params, kdf_salt, master = _as_key(passphrase)._for_writing()
    _check_cancel(cancelled)

    file_salt = os.urandom(layout.SALT_LEN)
    nonce_prefix = os.urandom(layout.NONCE_PREFIX_LEN)
    enc_key, key_check = _subkeys(master, file_salt)
    header = layout.build_header(time_cost=params.time_cost, memory_kib=params.memory_kib,
                                 parallelism=params.parallelism, kdf_salt=kdf_salt, file_salt=file_salt,
                                 segment_size=segment_size, nonce_prefix=nonce_prefix, key_check=key_check)
    total = manifest.total_size
    done = 0
    try:
        with _atomic_output(target) as out:
            out.write(header)
            seg = _SegmentWriter(out, AESGCM(enc_key), nonce_prefix, header, segment_size)
            comp = zlib.compressobj(COMPRESS_LEVEL)
            seg.feed(comp.compress(struct.pack(">I", len(mjson)) + mjson))
            for data in entries.values():
                view = memoryview(data).cast("B")
                for off in range(0, len(view), _FEED):
                    _check_cancel(cancelled)
                    piece = view[off:off + _FEED]
                    seg.feed(comp.compress(piece))
                    done += len(piece)
                    if progress:
                        progress(done, total)
            _check_cancel(cancelled)
            seg.feed(comp.flush())
            seg.finish()
            out.write(layout.build_trailer(out.tell() + layout.TRAILER_LEN))
    except OSError as exc:
        zh, en = os_reason(exc)
        raise ExchangeWriteFailed(target.name, zh, en) from exc
    if progress:
        progress(total, total)
    return manifest


def _check_cancel(cancelled: IsCancelled | None) -> None:
    if cancelled is not None and cancelled():
        raise Cancelled()


class _SegmentWriter:
    """Cuts the compressed stream into segments and encrypts them; holds back the last one."""

    def __init__(self, out: BinaryIO, aead: AESGCM, prefix: bytes, aad: bytes, segment_size: int) -> None:
        self._out, self._aead, self._prefix, self._aad = out, aead, prefix, aad
        self._size = segment_size
        self._buf = bytearray()
        self._counter = 0

    def feed(self, data: bytes) -> None:
        self._buf += data
        # Strictly greater: the final segment must be the one written by finish().
        while len(self._buf) > self._size:
            chunk = bytes(self._buf[:self._size])
            del self._buf[:self._size]
            self._emit(chunk, last=False)

    def finish(self) -> None:
        self._emit(bytes(self._buf), last=True)
        self._buf = bytearray()

    def _emit(self, chunk: bytes, last: bool) -> None:
        if self._counter > 0xFFFFFFFF:
            raise ValueError("too many segments")
        self._out.write(self._aead.encrypt(_nonce(self._prefix, self._counter, last), chunk, self._aad))
        self._counter += 1


@contextlib.contextmanager
def _atomic_output(target: Path):
    """A temp file beside ``target``, owner-only before the first byte, fsynced, then renamed."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if os.name != "nt":
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if os.name != "nt":
        with contextlib.suppress(OSError):
            dfd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)


# --- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Container:
    """A fully verified exchange file held in memory."""

    path: Path
    manifest: Manifest
    _entries: dict[str, bytes]

    @property
    def kind(self) -> str:
        return self.manifest.kind

    @property
    def entry_names(self) -> list[str]:
        return self.manifest.entry_names

    def entry(self, name: str) -> bytes:
        try:
            return self._entries[name]
        except KeyError:
            raise ExchangeMissingEntry(name) from None

    def entry_json(self, name: str) -> Any:
        """A JSON entry, parsed. Its bytes were authenticated, so invalid JSON means a faulty writer."""
        try:
            return json.loads(self.entry(name).decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ExchangeTampered(f"“{name}”不是有效的 JSON", f"'{name}' is not valid JSON") from exc


def precheck(path: str | os.PathLike[str]) -> Header:
    """Everything that can be checked without the passphrase: is it an exchange file, too new, cut
    short, is its header damaged? Lets the UI refuse a wrong file before asking for a passphrase."""
    with _open_for_reading(Path(path)) as (fh, size):
        header = layout.read_header(fh, size)
        layout.segment_layout(size, header)
        return header


def open_container(path: str | os.PathLike[str], passphrase: str | ExchangeKey, *,
                   expected_kind: str | None = None, progress: Progress | None = None,
                   cancelled: IsCancelled | None = None) -> Container:
    """Verify the whole file and return its manifest and entries (in memory; nothing touches disk)."""
    manifest, entries = _read(Path(path), passphrase, expected_kind, True, progress, cancelled)
    return Container(Path(path), manifest, entries)


def verify(path: str | os.PathLike[str], passphrase: str | ExchangeKey, *, expected_kind: str | None = None,
           progress: Progress | None = None, cancelled: IsCancelled | None = None) -> Manifest:
    """Check every byte, keep no entry in memory, extract nothing; return the manifest."""
    manifest, _ = _read(Path(path), passphrase, expected_kind, False, progress, cancelled)
    return manifest


@contextlib.contextmanager
def _open_for_reading(path: Path):
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
        size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        zh, en = os_reason(exc)
        raise ExchangeUnreadable(path.name, zh, en) from exc
    with fh:
        try:
            yield fh, size
        except OSError as exc:
            zh, en = os_reason(exc)
            raise ExchangeUnreadable(path.name, zh, en) from exc


def _read(path: Path, passphrase: str | ExchangeKey, expected_kind: str | None, keep: bool,
          progress: Progress | None, cancelled: IsCancelled | None) -> tuple[Manifest, dict[str, bytes]]:
    with _open_for_reading(path) as (fh, size):
        header = layout.read_header(fh, size)
        segments = layout.segment_layout(size, header)
        _check_cancel(cancelled)
        aead = AESGCM(_as_key(passphrase)._open(header))
        parser = _InnerParser(expected_kind, keep)
        dec = zlib.decompressobj()
        for i, (offset, length) in enumerate(segments):
            _check_cancel(cancelled)
            fh.seek(offset)
            blob = fh.read(length)
            if len(blob) < length:  # the file shrank while we read it
                raise ExchangeTruncated()
            plain = _decrypt(aead, header, i, blob, last=i == len(segments) - 1)
            del blob
            _inflate(dec, plain, parser)
            if progress:
                progress(offset + length, size)
        if not dec.eof or dec.unused_data:
            raise ExchangeTampered("文件内容", "in the file body")
        parser.finish()
        if progress:
            progress(size, size)
        assert parser.manifest is not None
        return parser.manifest, parser.entries


def _decrypt(aead: AESGCM, header: Header, index: int, blob: bytes, last: bool) -> bytes:
    try:
        return aead.decrypt(_nonce(header.nonce_prefix, index, last), blob, header.raw)
    except InvalidTag:
        pass
    if last:
        # A segment that authenticates as "not last" where the file ends: cut at a segment boundary.
        with contextlib.suppress(InvalidTag):
            aead.decrypt(_nonce(header.nonce_prefix, index, False), blob, header.raw)
            raise ExchangeTruncated()
    raise ExchangeTampered("文件内容", "in the file body")


def _inflate(dec: Any, data: bytes, parser: _InnerParser) -> None:
    """Decompress in bounded pieces, so a small segment cannot expand into a huge buffer."""
    try:
        while True:
            if dec.eof:
                if data or dec.unused_data:
                    raise ExchangeTampered("文件内容", "in the file body")
                return
            out = dec.decompress(data, _FEED)
            parser.feed(out)
            data = dec.unconsumed_tail
            if not data and len(out) < _FEED:
                return
    except zlib.error as exc:
        raise ExchangeTampered("文件内容", "in the file body") from exc


def _presized(size: int) -> io.BytesIO:
    """A BytesIO whose buffer is allocated once at its final size and overwritten in place.

    CPython's ``getvalue()`` then hands over that very buffer instead of copying it, so a 50 MB
    entry costs 50 MB, not twice that (with another Python it merely costs one copy more).
    """
    sink = io.BytesIO()
    if size:
        sink.seek(size - 1)
        sink.write(b"\0")
        sink.seek(0)
    return sink


class _InnerParser:
    """Splits the decompressed stream: u32 manifest length, manifest JSON, then each entry's bytes."""

    def __init__(self, expected_kind: str | None, keep: bool) -> None:
        self._expected_kind = expected_kind
        self._keep = keep
        self._pending = bytearray()
        self._manifest_len: int | None = None
        self.manifest: Manifest | None = None
        self.entries: dict[str, bytes] = {}
        self._index = 0
        self._remaining = 0
        self._hash = hashlib.sha256()
        self._sink: io.BytesIO | None = None

    def feed(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self.manifest is None:
                view = self._feed_manifest(view)
                continue
            if self._index >= len(self.manifest.entries):
                raise ExchangeTampered("文件内容", "in the file body")
            piece = view[:self._remaining]
            view = view[len(piece):]
            self._hash.update(piece)
            if self._sink is not None:
                self._sink.write(piece)
            self._remaining -= len(piece)
            if self._remaining == 0:
                self._close_entry()
                self._open_next()

    def _feed_manifest(self, view: memoryview) -> memoryview:
        need = 4 if self._manifest_len is None else self._manifest_len
        take = need - len(self._pending)
        self._pending += view[:take]
        view = view[take:]
        if len(self._pending) < need:
            return view
        if self._manifest_len is None:
            n = int.from_bytes(self._pending, "big")
            if not 0 < n <= MAX_MANIFEST_LEN:
                raise ExchangeTampered("文件清单", "in the manifest")
            self._manifest_len = n
            self._pending = bytearray()
            return view
        self.manifest = Manifest.from_json(bytes(self._pending))
        self._pending = bytearray()
        if self._expected_kind is not None and self.manifest.kind != self._expected_kind:
            raise WrongExchangeKind(self.manifest.kind, self._expected_kind)
        self._open_next()
        return view

    def _open_next(self) -> None:
        assert self.manifest is not None
        while self._index < len(self.manifest.entries):
            self._hash = hashlib.sha256()
            self._remaining = self.manifest.entries[self._index].size
            if self._keep:
                self._sink = _presized(self._remaining)
            if self._remaining:
                return
            self._close_entry()

    def _close_entry(self) -> None:
        assert self.manifest is not None
        info = self.manifest.entries[self._index]
        if self._hash.hexdigest() != info.sha256:
            raise ExchangeTampered(f"“{info.name}”校验不符", f"'{info.name}' does not match its checksum")
        if self._sink is not None:
            self.entries[info.name] = self._sink.getvalue()
            self._sink = None
        self._index += 1

    def finish(self) -> None:
        if self.manifest is None or self._index < len(self.manifest.entries):
            raise ExchangeTampered("文件内容", "in the file body")
