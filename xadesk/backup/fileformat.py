"""The backup file (``.xabak``): one file holding a consistent snapshot of the database and its key slots.

Layout::

    MAGIC (16 bytes)  b"XADESK-BACKUP\\x00v1"[:16]
    u32 big-endian    header length
    header            UTF-8 JSON: format, version, created_at, db_id, schema, app, db_size, db_sha256,
                      audit_seq, audit_at, created_by, keyfile (base64 of the key file), check
    body              the SQLCipher database snapshot (already encrypted under the database key)
    mac (32 bytes)    HMAC-SHA256 over everything before it, keyed by HKDF(database key)

No student data is in plain text: the body is SQLCipher pages; the header holds only key slots (the
same as the key file beside the database), times, counts of nothing, and the creator's login.
Damage is found *without* a password (``header.check`` and ``db_sha256``); tampering and the
contents are checked once a slot is opened (the MAC, SQLCipher's page HMACs, the audit chain).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import UserError

MAGIC = b"XADESK-BACKUP\x00v1"
FORMAT = "xadesk-backup"
VERSION = 1
EXTENSION = ".xabak"
MAX_HEADER = 1024 * 1024
MAC_LEN = 32
_CHUNK = 1024 * 1024


class BackupDamaged(UserError):
    """The backup file is damaged, truncated, altered or not a backup at all."""


def mac_key(db_key: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"xadesk backup mac v1").derive(db_key)


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def header_check(header: dict) -> str:
    return hashlib.sha256(_canonical({k: v for k, v in header.items() if k != "check"})).hexdigest()


def damaged(path: Path, what_zh: str, what_en: str) -> BackupDamaged:
    return BackupDamaged(f"备份文件 {path.name} 已损坏或被改动（{what_zh}），不能用来还原。请换一份备份。",
                         f"The backup {path.name} is damaged or altered ({what_en}) and cannot be restored. "
                         "Use another backup.")


def write(target: Path, header: dict, body_path: Path, key: bytes) -> None:
    """Write the backup atomically (temp file beside it, fsync, replace); ``header`` gains its sizes."""
    size = body_path.stat().st_size
    digest = hashlib.sha256()
    with body_path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    header = dict(header, format=FORMAT, version=VERSION, db_size=size, db_sha256=digest.hexdigest())
    header["check"] = header_check(header)
    head = json.dumps(header, ensure_ascii=False).encode("utf-8")
    mac = hmac.new(mac_key(key), digestmod=hashlib.sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if os.name != "nt":
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            for piece in (MAGIC, struct.pack(">I", len(head)), head):
                out.write(piece)
                mac.update(piece)
            with body_path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(_CHUNK), b""):
                    out.write(chunk)
                    mac.update(chunk)
            out.write(mac.digest())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class Opened:
    path: Path
    header: dict
    body_offset: int
    size: int


def read_header(path: Path) -> Opened:
    """The header of a backup, with every check that needs no password (body hash included)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            magic = fh.read(len(MAGIC))
            if magic[:13] != MAGIC[:13]:
                raise BackupDamaged(f"{path.name} 不是 XA Desk 备份文件。", f"{path.name} is not an XA Desk backup.")
            if magic != MAGIC:
                raise BackupDamaged(f"{path.name} 由更新版本的 XA Desk 创建，请先升级本软件。",
                                    f"{path.name} was made by a newer XA Desk; please update.")
            raw_len = fh.read(4)
            if len(raw_len) < 4:
                raise damaged(path, "文件被截断", "truncated")
            (head_len,) = struct.unpack(">I", raw_len)
            if head_len > MAX_HEADER:
                raise damaged(path, "文件头长度不对", "bad header length")
            head = fh.read(head_len)
            try:
                header = json.loads(head.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise damaged(path, "文件头无法读取", "unreadable header") from None
            if not isinstance(header, dict) or header.get("check") != header_check(header):
                raise damaged(path, "文件头校验失败", "header check failed")
            offset = len(MAGIC) + 4 + head_len
            db_size = header.get("db_size")
            if not isinstance(db_size, int) or offset + db_size + MAC_LEN != size:
                raise damaged(path, "文件长度不对，可能被截断", "wrong length, probably truncated")
            digest = hashlib.sha256()
            left = db_size
            while left:
                chunk = fh.read(min(_CHUNK, left))
                if not chunk:
                    raise damaged(path, "文件被截断", "truncated")
                digest.update(chunk)
                left -= len(chunk)
            if digest.hexdigest() != header.get("db_sha256"):
                raise damaged(path, "数据库部分校验失败", "database part check failed")
    except OSError as exc:
        raise BackupDamaged(f"无法读取 {path.name}：{exc.strerror or exc}", f"Cannot read {path.name}.") from None
    return Opened(path, header, offset, size)


def read_header_only(path: Path) -> dict:
    """Just the header (checked), without reading the body: enough to tell whose backup a file is."""
    try:
        with Path(path).open("rb") as fh:
            if fh.read(len(MAGIC)) != MAGIC:
                raise damaged(Path(path), "不是备份文件", "not a backup")
            (head_len,) = struct.unpack(">I", fh.read(4))
            if head_len > MAX_HEADER:
                raise damaged(Path(path), "文件头长度不对", "bad header length")
            header = json.loads(fh.read(head_len).decode("utf-8"))
    except (OSError, struct.error, UnicodeDecodeError, ValueError):
        raise damaged(Path(path), "文件头无法读取", "unreadable header") from None
    if not isinstance(header, dict) or header.get("check") != header_check(header):
        raise damaged(Path(path), "文件头校验失败", "header check failed")
    return header


def check_mac(opened: Opened, db_key: bytes) -> bool:
    mac = hmac.new(mac_key(db_key), digestmod=hashlib.sha256)
    with opened.path.open("rb") as fh:
        left = opened.size - MAC_LEN
        while left:
            chunk = fh.read(min(_CHUNK, left))
            mac.update(chunk)
            left -= len(chunk)
        stored = fh.read(MAC_LEN)
    return hmac.compare_digest(mac.digest(), stored)


def extract_body(opened: Opened, target: Path) -> None:
    """Copy the database snapshot out (it stays SQLCipher-encrypted) to ``target``."""
    with opened.path.open("rb") as fh, target.open("wb") as out:
        if os.name != "nt":
            os.fchmod(out.fileno(), 0o600)
        fh.seek(opened.body_offset)
        left = opened.header["db_size"]
        while left:
            chunk = fh.read(min(_CHUNK, left))
            out.write(chunk)
            left -= len(chunk)
        out.flush()
        os.fsync(out.fileno())
