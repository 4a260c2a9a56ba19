"""The lab kiosk's answer journal: append-only, encrypted, one fsync per answer.

A lab PC has no school database, so each answer is appended to a journal file beside the kit before
the next item appears. Layout::

    header  b"XAJ1" | journal id (16 bytes) | campaign uuid (36 ASCII bytes)
    record  u32 big-endian length n | 12-byte nonce | AES-256-GCM(JSON record) (n - 12 bytes)

The key comes from the kit (a random 32-byte journal key inside the encrypted kit, so only someone
holding the kit passphrase can read a journal) through HKDF with the PC id. Each record's
associated data binds it to this journal and its sequence number, so records cannot be reordered,
dropped from the middle, or moved between journals without failing authentication.

A power cut can leave a torn last record (short, or failing authentication): reading stops at the
last good record and the file is cut back to it, so the next append continues cleanly and at most
the answer being written is lost — the student is shown that item again. A bad record *before*
good ones is tampering or disk damage and is refused.
"""

from __future__ import annotations

import json
import os
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import UserError

MAGIC = b"XAJ1"
_HEADER_LEN = 4 + 16 + 36
_LEN = struct.Struct(">I")
MAX_RECORD = 1 << 20


class JournalDamaged(UserError):
    def __init__(self, name: str) -> None:
        super().__init__(f"作答记录文件 {name} 已损坏或被改动，无法继续使用。请联系心理老师。",
                         f"The answer journal {name} is damaged or was altered. Ask the counselor.")


def _key(journal_key: bytes, pc_id: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=pc_id.encode("utf-8"),
                info=b"xadesk-lab-journal v1").derive(journal_key)


@dataclass
class Journal:
    path: Path
    journal_id: bytes
    campaign_uuid: str
    _aead: AESGCM
    _seq: int = 0

    @classmethod
    def open(cls, path: Path, journal_key: bytes, pc_id: str, campaign_uuid: str) -> tuple[Journal, list[dict]]:
        """Open (or create) the journal and return it with every record already in it, in order."""
        path = Path(path)
        aead = AESGCM(_key(journal_key, pc_id))
        if not path.exists() or path.stat().st_size == 0:
            jid = uuid.uuid4().bytes
            header = MAGIC + jid + campaign_uuid.encode("ascii")
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(header)
                fh.flush()
                os.fsync(fh.fileno())
            return cls(path, jid, campaign_uuid, aead), []
        data = path.read_bytes()
        if len(data) < _HEADER_LEN or data[:4] != MAGIC:
            raise JournalDamaged(path.name)
        jid, camp = data[4:20], data[20:_HEADER_LEN].decode("ascii", "replace")
        if camp != campaign_uuid:
            raise UserError(f"{path.name} 属于另一次测评活动。", f"{path.name} belongs to another campaign.")
        j = cls(path, jid, campaign_uuid, aead)
        records, good_end = [], _HEADER_LEN
        off = _HEADER_LEN
        while off < len(data):
            if off + 4 > len(data):
                break
            (n,) = _LEN.unpack_from(data, off)
            end = off + 4 + n
            if n < 12 + 16 or n > MAX_RECORD or end > len(data):
                break
            try:
                plain = aead.decrypt(data[off + 4:off + 16], data[off + 16:end], j._aad(len(records)))
            except InvalidTag:
                if end < len(data):          # a bad record with more after it: not a torn tail
                    raise JournalDamaged(path.name) from None
                break
            records.append(json.loads(plain.decode("utf-8")))
            off = good_end = end
        if good_end < len(data):
            with open(path, "r+b") as fh:      # cut the torn tail so appends continue cleanly
                fh.truncate(good_end)
                fh.flush()
                os.fsync(fh.fileno())
        j._seq = len(records)
        return j, records

    def _aad(self, seq: int) -> bytes:
        return MAGIC + self.journal_id + self.campaign_uuid.encode("ascii") + struct.pack(">Q", seq)

    @property
    def id(self) -> str:
        return str(uuid.UUID(bytes=self.journal_id))

    def append(self, record: dict[str, Any]) -> None:
        """Write one record durably (fsync) before returning."""
        plain = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        nonce = os.urandom(12)
        blob = nonce + self._aead.encrypt(nonce, plain, self._aad(self._seq))
        with open(self.path, "ab") as fh:
            fh.write(_LEN.pack(len(blob)) + blob)
            fh.flush()
            os.fsync(fh.fileno())
        self._seq += 1

    def close(self) -> None:
        """Nothing to release: every append opens, fsyncs and closes the file itself."""
