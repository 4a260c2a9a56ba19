"""The key file beside each school database.

The database is encrypted with a random 256-bit key that belongs to nobody. Each account holds a
*slot*: that key wrapped (AES-256-GCM) under a key derived from the person's password (Argon2id).
A recovery slot wraps it under a printed recovery key. Changing a password rewraps one slot.

The slots cannot live inside the database (it is locked until a slot is opened), so they live in
``<database>.keys`` — JSON, no student data: logins, KDF parameters, wrapped keys, and failed login
attempts waiting to be moved into the audit log at the next successful login. It is written
atomically (temp file, fsync, replace) and the previous version is kept as ``.keys.bak``.
Losing the database key file and every password and the recovery key loses the data.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import NotXADeskDatabase, WrongPassword
from ..i18n import msg
from . import kdf
from .atomic import atomic_write_bytes

FORMAT = "xadesk-keys"
VERSION = 1
MAX_PENDING_FAILURES = 500
RECOVERY_SLOT = "recovery"


def keyfile_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".keys")


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.b64decode(s.encode("ascii"), validate=True)


def user_slot_id(login: str) -> str:
    return f"user:{login.casefold()}"


@dataclass
class Slot:
    slot_id: str
    kdf: kdf.KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes

    def to_dict(self) -> dict:
        return {"id": self.slot_id, "kdf": self.kdf.to_dict(), "salt": _b64(self.salt),
                "nonce": _b64(self.nonce), "wrapped": _b64(self.wrapped)}

    @classmethod
    def from_dict(cls, d: dict) -> Slot:
        return cls(d["id"], kdf.KdfParams.from_dict(d["kdf"]), _unb64(d["salt"]), _unb64(d["nonce"]),
                   _unb64(d["wrapped"]))


@dataclass
class KeyFile:
    path: Path
    db_id: str
    slots: dict[str, Slot] = field(default_factory=dict)
    failed_logins: list[dict] = field(default_factory=list)

    # --- persistence -----------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path) -> KeyFile:
        return cls(path=path, db_id=str(uuid.uuid4()))

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        not_ours = NotXADeskDatabase(
            f"这不是 XA Desk 数据库：找不到或无法读取钥匙文件 {path.name}（它必须与数据库文件放在同一文件夹）。",
            f"Not an XA Desk database: the key file {path.name} is missing or unreadable "
            "(it must sit beside the database file).")
        try:
            data = json.loads(path.read_bytes().decode("utf-8"))
        except (OSError, ValueError):
            raise not_ours from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise not_ours
        if int(data.get("version", 0)) > VERSION:
            from ..errors import DatabaseTooNew

            raise DatabaseTooNew("这个数据库的钥匙文件由更新版本的 XA Desk 创建，请先升级本软件。",
                                 "This database's key file was written by a newer XA Desk; please update.")
        try:
            slots = {s["id"]: Slot.from_dict(s) for s in data["slots"]}
            return cls(path=path, db_id=str(data["db_id"]), slots=slots,
                       failed_logins=list(data.get("failed_logins", [])))
        except (KeyError, TypeError, ValueError):
            raise not_ours from None

    def save(self) -> None:
        data = {"format": FORMAT, "version": VERSION, "db_id": self.db_id,
                "note": "XA Desk key slots: wrapped database keys, no student data. Keep beside the database.",
                "slots": [s.to_dict() for s in self.slots.values()],
                "failed_logins": self.failed_logins[-MAX_PENDING_FAILURES:]}
        payload = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
        if self.path.exists():
            atomic_write_bytes(self.path.with_name(self.path.name + ".bak"), self.path.read_bytes())
        atomic_write_bytes(self.path, payload)

    # --- slots -----------------------------------------------------------------------------------
    def _aad(self, slot_id: str) -> bytes:
        return f"{FORMAT}|{self.db_id}|{slot_id}".encode()

    def set_slot(self, slot_id: str, secret: str, db_key: bytes, params: kdf.KdfParams | None = None) -> None:
        params = params or kdf.default_params()
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        wrapping = kdf.derive(secret, salt, params)
        wrapped = AESGCM(wrapping).encrypt(nonce, db_key, self._aad(slot_id))
        self.slots[slot_id] = Slot(slot_id, params, salt, nonce, wrapped)

    def remove_slot(self, slot_id: str) -> None:
        self.slots.pop(slot_id, None)

    def has_slot(self, slot_id: str) -> bool:
        return slot_id in self.slots

    def unwrap(self, slot_id: str, secret: str) -> bytes:
        """The database key, or :class:`WrongPassword` (same message for unknown login and bad password)."""
        slot = self.slots.get(slot_id)
        wrong = WrongPassword("用户名或密码错误。请检查键盘的大小写和输入法后重试。",
                              "Wrong login or password. Check Caps Lock and the input method, then try again.")
        if slot is None:
            # Spend the same time as a real attempt so the reply does not tell which logins exist.
            kdf.derive(secret, b"\0" * 16, kdf.default_params())
            raise wrong
        wrapping = kdf.derive(secret, slot.salt, slot.kdf)
        try:
            return AESGCM(wrapping).decrypt(slot.nonce, slot.wrapped, self._aad(slot_id))
        except InvalidTag:
            raise wrong from None

    # --- failed logins (audited once the database is open) ----------------------------------------
    def record_failure(self, login: str) -> None:
        self.failed_logins.append({"login": login[:64], "at": datetime.now(UTC).isoformat(timespec="seconds")})
        self.save()

    def take_failures(self) -> list[dict]:
        taken, self.failed_logins = self.failed_logins, []
        return taken


def new_database_key() -> bytes:
    return secrets.token_bytes(32)


def describe() -> str:
    return msg("钥匙文件", "key file")


def _ensure_dir(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.name != "nt":
        os.chmod(path.parent, 0o700)
