"""The audit chain's head, anchored outside the database it protects.

The chain head also lives in ``meta`` — inside the database. A database rolled back to an older copy,
or one that lost its last transactions (a damaged ``-wal`` after a crash: SQLite stops replaying at
the first bad frame), carries a shorter chain that verifies perfectly on its own. So after every
commit that adds audit entries the head (last seq and hash) is also written to
``<database>.keys.anchor`` beside the key file, AES-256-GCM under a key derived from the database key
(HKDF, so only someone who can open the database can read or forge it). ``audit verify`` and the
login compare the database against it: a chain that ends before the anchor, or whose entry at the
anchor's seq has another hash, is reported.

The anchor is written after the database commit: a crash in between leaves the anchor one step
behind, never ahead, of the truth (so it never raises a false alarm). A missing anchor (a new or
restored database) is simply written at the next commit.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .atomic import atomic_write_bytes

FORMAT = "xadesk-anchor"
_INFO = b"xadesk audit anchor v1"


def anchor_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".keys.anchor")


def _key(db_key: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=_INFO).derive(db_key)


@dataclass(frozen=True)
class Anchor:
    seq: int
    digest: str


def write(db_path: Path, db_key: bytes, seq: int, digest: str) -> None:
    nonce = secrets.token_bytes(12)
    body = json.dumps({"seq": seq, "hash": digest}).encode("utf-8")
    ct = AESGCM(_key(db_key)).encrypt(nonce, body, FORMAT.encode())
    atomic_write_bytes(anchor_path(db_path), json.dumps(
        {"format": FORMAT, "version": 1, "nonce": nonce.hex(), "data": ct.hex()}).encode("utf-8"))


class AnchorDamaged(Exception):
    pass


def read(db_path: Path, db_key: bytes) -> Anchor | None:
    """The anchored head, None when there is no anchor yet; :class:`AnchorDamaged` when unreadable."""
    path = anchor_path(db_path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AnchorDamaged(str(exc)) from None
    try:
        outer = json.loads(raw.decode("utf-8"))
        body = AESGCM(_key(db_key)).decrypt(bytes.fromhex(outer["nonce"]), bytes.fromhex(outer["data"]),
                                            FORMAT.encode())
        inner = json.loads(body.decode("utf-8"))
        return Anchor(int(inner["seq"]), str(inner["hash"]))
    except (InvalidTag, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise AnchorDamaged("unreadable") from None


def carry_over(db_path: Path, old_key: bytes, new_key: bytes) -> None:
    """After the database key was rotated: the anchor re-written under the new key (same head). A no-op
    when it already reads under the new key, or when there is none; a damaged anchor stays as it is,
    for the login to report."""
    try:
        read(db_path, new_key)
        return  # already under the new key, or no anchor yet
    except AnchorDamaged:
        pass
    try:
        old = read(db_path, old_key)
    except AnchorDamaged:
        return
    if old is not None:
        write(db_path, new_key, old.seq, old.digest)
