"""The key file beside each school database, kept so that damage can never lock a school out.

The database is encrypted with a 256-bit key that belongs to nobody. Each account holds a *slot*:
that key wrapped (AES-256-GCM) under a key derived from the person's password (Argon2id). A
recovery slot wraps it under the printed recovery key. Changing a password rewraps one slot.

The slots cannot live inside the database (it is locked until a slot is opened), so they live in
``<database>.keys`` — JSON, no student data. How it survives damage:

* **Integrity checks.** Every slot carries ``check``: SHA-256 over the canonical JSON of the slot
  together with the file's ``db_id`` and ``generation``; the file carries ``check`` over everything
  else. A slot whose check fails is *damaged*, and is reported as damage (which slot, which file),
  never tried with a password — so one changed character can no longer read as "wrong password".
  The check algorithm is fixed for every format version, so an old app can tell a newer file from a
  damaged one.
* **Copies and generations.** Each save writes the new content twice (``.keys`` and its mirror
  ``.keys.1``) and keeps the previous good content as ``.keys.2`` and the one before as ``.keys.3``.
  Only a copy that verifies is ever rotated into an older generation; a damaged current file is set
  aside as ``.keys.damaged``. A slot is taken from the newest copy in which it verifies.
* **Failed logins never write the key file.** They go to ``<database>.failed-logins`` (see
  :mod:`xadesk.storage.loginlog`), so a run of wrong passwords cannot degrade a good generation.
* **Counselling compartment.** A second key, the *counselling key*, encrypts counselling content
  inside the database (:mod:`xadesk.compartment`). Every slot carries an X25519 public key ``pub``
  whose private half is derived from the slot's own wrapping key (so only its password opens it);
  a slot that should hold the counselling key (counselors, the recovery key) carries it in ``ck``,
  sealed to ``pub``. Sealing needs only the public key, so a counselor who holds the key can grant
  it to a colleague whose password they do not know. Both fields sit inside the slot's check.
* **The recovery key does not need this file.** For databases created since format 2, the database
  key is derived from the recovery key itself (HKDF-SHA256, :func:`database_key_from_recovery`): the
  printed recovery sheet alone opens the database, and ``xadesk recover`` rebuilds a key file.
  The recovery key carries 119 random bits, so a fast derivation adds no weakness.
* **Rotation** (:mod:`xadesk.keys.rotation`) gives the database a new key, derived from the recovery key
  and the key *epoch* (0 for the key made at ``init``, +1 per rotation), so the sheet still opens it.
  Nobody knows the other people's passwords, so each remaining slot keeps its old ``wrapped`` (which
  proves the password) and gains ``dk``: the new database key sealed to the slot's ``pub``. The next
  login opens it and wraps it in place of the old one. A file with ``dk`` slots is format 4: an app
  that knows only 3 would drop ``dk`` and lock those people out.
* **One writer at a time.** Every change is made with :meth:`KeyFile.update`: under the key file's
  lock (:mod:`xadesk.storage.keylock`) and on a fresh read, so one session's stale copy never undoes
  another session's change.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import DatabaseTooNew, KeyFileDamaged, NotXADeskDatabase, WrongPassword
from ..i18n import msg
from . import kdf, keylock
from .atomic import atomic_write_bytes

FORMAT = "xadesk-keys"
# 3: slots may carry ``pub`` and ``ck`` (compartments). An app that knows only 2 would verify such a file
# and then drop both on its next save, taking every counselor's counselling key with it: it must say
# "newer" instead.
VERSION = 4
# Written when no slot carries ``dk``, so an ordinary file stays readable by the previous release.
PLAIN_VERSION = 3
# Epochs tried when the recovery key must open the database with no key file to say which is current.
MAX_EPOCH = 512
RECOVERY_SLOT = "recovery"
OLDER_GENERATIONS = 2  # .keys.2 and .keys.3, besides the current content and its mirror
_RECOVERY_INFO = b"xadesk database key from recovery key v1"
_COUNSELLING_RECOVERY_INFO = b"xadesk counselling recovery x25519 v1"
_SLOT_X25519_INFO = b"xadesk slot x25519 v1"
_SEAL_INFO = b"xadesk counselling seal v1"


def keyfile_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".keys")


def copy_paths(path: Path) -> list[Path]:
    """Every place a copy of this key file may be, newest first: current, mirror, older generations,
    and ``.keys.bak`` written by format 1."""
    return [path, *(path.with_name(f"{path.name}.{n}") for n in range(1, OLDER_GENERATIONS + 2)),
            path.with_name(path.name + ".bak")]


def damaged_copy_path(path: Path) -> Path:
    return path.with_name(path.name + ".damaged")


def all_key_paths(db_path: Path) -> list[Path]:
    """Every file that belongs to the key file of this database (for removal and backups)."""
    kp = keyfile_path(db_path)
    return [*copy_paths(kp), damaged_copy_path(kp)]


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.b64decode(s.encode("ascii"), validate=True)


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _slot_check(db_id: str, generation: int, slot: dict) -> str:
    body = {k: v for k, v in slot.items() if k != "check"}
    return hashlib.sha256(_canonical({"db_id": db_id, "generation": generation, "slot": body})).hexdigest()


def _file_check(data: dict) -> str:
    return hashlib.sha256(_canonical({k: v for k, v in data.items() if k != "check"})).hexdigest()


def user_slot_id(login: str) -> str:
    return f"user:{login.casefold()}"


def slot_label(slot_id: str) -> str:
    """How a slot is named to a person: 账号 admin / 恢复密钥."""
    if slot_id == RECOVERY_SLOT:
        return msg("恢复密钥", "recovery key")
    if slot_id.startswith("user:"):
        return msg(f"账号 {slot_id[5:]}", f"account {slot_id[5:]}")
    return slot_id


def database_key_from_recovery(normalised_recovery_key: str, db_id: str = "", *, epoch: int = 0) -> bytes:
    """The database key that a (format 2) recovery key stands for at key ``epoch`` (0 at ``init``, one
    more per rotation). ``db_id`` is not mixed in: the key must be derivable with nothing but the
    printed sheet."""
    del db_id
    info = _RECOVERY_INFO if epoch == 0 else _RECOVERY_INFO + f" epoch {int(epoch)}".encode()
    return HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(normalised_recovery_key.encode("utf-8"))


def recovery_epoch_of(normalised_recovery_key: str, db_key: bytes) -> int | None:
    """The epoch at which this recovery key derives ``db_key``, None when it does not (an older school
    whose key is random and held by a recovery slot, or the wrong recovery key)."""
    for epoch in range(MAX_EPOCH + 1):
        if database_key_from_recovery(normalised_recovery_key, epoch=epoch) == db_key:
            return epoch
    return None


def recovery_private_key(normalised_recovery_key: str) -> X25519PrivateKey:
    """The recovery key's X25519 key pair, derived from the printed key alone (another HKDF info string
    than the database key): the counselling key sealed to its public half opens with the sheet alone."""
    return X25519PrivateKey.from_private_bytes(HKDF(hashes.SHA256(), 32, salt=None, info=_COUNSELLING_RECOVERY_INFO)
                                               .derive(normalised_recovery_key.encode("utf-8")))


def recovery_public_key(normalised_recovery_key: str) -> bytes:
    return recovery_private_key(normalised_recovery_key).public_key().public_bytes_raw()


def seal_to(pub: bytes, key: bytes, aad: bytes) -> dict:
    """``key`` sealed to an X25519 public key (ephemeral-static ECDH, HKDF, AES-256-GCM)."""
    eph = X25519PrivateKey.generate()
    eph_pub = eph.public_key().public_bytes_raw()
    shared = eph.exchange(X25519PublicKey.from_public_bytes(pub))
    nonce = secrets.token_bytes(12)
    ct = AESGCM(_seal_key(pub, eph_pub, shared)).encrypt(nonce, key, aad)
    return {"epk": _b64(eph_pub), "nonce": _b64(nonce), "ct": _b64(ct)}


def open_sealed(priv: X25519PrivateKey, sealed: dict, aad: bytes) -> bytes | None:
    """What :func:`seal_to` sealed, or None when this private key (or the data) does not fit."""
    try:
        pub = priv.public_key().public_bytes_raw()
        eph_pub = _unb64(sealed["epk"])
        shared = priv.exchange(X25519PublicKey.from_public_bytes(eph_pub))
        return AESGCM(_seal_key(pub, eph_pub, shared)).decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ct"]), aad)
    except (InvalidTag, ValueError, KeyError, TypeError):
        return None


def _slot_private_key(wrapping: bytes) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(HKDF(hashes.SHA256(), 32, salt=None, info=_SLOT_X25519_INFO)
                                               .derive(wrapping))


def _seal_key(pub: bytes, eph_pub: bytes, shared: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=eph_pub + pub, info=_SEAL_INFO).derive(shared)


@dataclass
class Slot:
    slot_id: str
    kdf: kdf.KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes
    pub: bytes | None = None  # X25519 public key (slots written before compartments have none)
    ck: dict | None = None  # the counselling key sealed to ``pub``: {"epk", "nonce", "ct"} (base64)
    dk: dict | None = None  # after a rotation, until the next login: the new database key sealed to ``pub``

    def to_dict(self) -> dict:
        d = {"id": self.slot_id, "kdf": self.kdf.to_dict(), "salt": _b64(self.salt),
             "nonce": _b64(self.nonce), "wrapped": _b64(self.wrapped)}
        if self.pub is not None:
            d["pub"] = _b64(self.pub)
        if self.ck is not None:
            d["ck"] = dict(self.ck)
        if self.dk is not None:
            d["dk"] = dict(self.dk)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Slot:
        pub = _unb64(d["pub"]) if "pub" in d else None
        ck = d.get("ck")
        if ck is not None:
            if not isinstance(ck, dict) or pub is None:
                raise ValueError("ck")
            ck = {k: _b64(_unb64(ck[k])) for k in ("epk", "nonce", "ct")}
        dk = d.get("dk")
        if dk is not None:
            if not isinstance(dk, dict) or pub is None:
                raise ValueError("dk")
            dk = {k: _b64(_unb64(dk[k])) for k in ("epk", "nonce", "ct")}
        return cls(str(d["id"]), kdf.KdfParams.from_dict(d["kdf"]), _unb64(d["salt"]), _unb64(d["nonce"]),
                   _unb64(d["wrapped"]), pub, ck, dk)


@dataclass
class CopyReport:
    """What one copy of the key file holds, as far as can be told without any password."""

    path: Path
    status: str  # "ok", "missing", "unreadable" (not JSON / not ours), "damaged" (some check failed), "newer"
    generation: int | None = None
    db_id: str | None = None
    slots: dict[str, Slot] = field(default_factory=dict)  # verified slots only
    bad_slots: list[str] = field(default_factory=list)  # slot ids (or "#n" when the id itself is unreadable)
    header_damaged: bool = False
    legacy: bool = False  # format 1: no checks to verify
    rotated_at: int | None = None  # generation written when the database key was last rotated

    @property
    def intact(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        name = self.path.name
        if self.status == "missing":
            return msg(f"{name}：不存在", f"{name}: missing")
        if self.status == "unreadable":
            return msg(f"{name}：已损坏，无法读取", f"{name}: damaged, cannot be read")
        if self.status == "newer":
            return msg(f"{name}：由更新版本的 XA Desk 写入", f"{name}: written by a newer XA Desk")
        parts = []
        if self.bad_slots:
            labels = "、".join(slot_label(s) for s in self.bad_slots)
            parts.append(msg(f"钥匙槽已损坏：{labels}", f"damaged slots: {labels}"))
        if self.header_damaged and not self.bad_slots:
            parts.append(msg("文件头校验失败（钥匙槽完好）", "file check failed (slots intact)"))
        if not parts:
            parts.append(msg(f"完好（第 {self.generation} 代，{len(self.slots)} 个钥匙槽）",
                             f"intact (generation {self.generation}, {len(self.slots)} slots)"))
        return f"{name}：" + "；".join(parts)


def inspect_copy(path: Path) -> CopyReport:
    """Read one copy and verify every check it carries. Never raises for damage."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return CopyReport(path, "missing")
    except OSError:
        return CopyReport(path, "unreadable")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return CopyReport(path, "unreadable")
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("slots"), list):
        return CopyReport(path, "unreadable")
    version = data.get("version")
    file_ok = isinstance(data.get("check"), str) and data["check"] == _file_check(data)
    if version == 1 and "check" not in data:
        return _inspect_legacy(path, data)
    if not isinstance(version, int) or isinstance(version, bool):
        return CopyReport(path, "unreadable")
    if version > VERSION:
        # A newer file carries a check computed the same way; without it this is damage, not "newer".
        return CopyReport(path, "newer" if file_ok else "unreadable")
    db_id, generation = data.get("db_id"), data.get("generation")
    report = CopyReport(path, "ok", header_damaged=not file_ok)
    if file_ok and isinstance(data.get("rotated_at"), int):
        report.rotated_at = int(data["rotated_at"])
    for n, entry in enumerate(data["slots"]):
        sid = entry.get("id") if isinstance(entry, dict) and isinstance(entry.get("id"), str) else f"#{n + 1}"
        try:
            if entry["check"] != _slot_check(db_id, generation, entry):
                raise ValueError("check")
            slot = Slot.from_dict(entry)
        except (KeyError, TypeError, ValueError, AttributeError):
            report.bad_slots.append(sid)
            continue
        report.slots[slot.slot_id] = slot
        # A verified slot vouches for db_id and generation (both are inside its check).
        report.db_id, report.generation = str(db_id), int(generation)
    if report.bad_slots or report.header_damaged:
        report.status = "damaged"
    return report


def _inspect_legacy(path: Path, data: dict) -> CopyReport:
    try:
        slots = {s["id"]: Slot.from_dict(s) for s in data["slots"]}
        return CopyReport(path, "ok", generation=0, db_id=str(data["db_id"]), slots=slots, legacy=True)
    except (KeyError, TypeError, ValueError, AttributeError):
        return CopyReport(path, "unreadable")


def inspect_all(path: Path) -> list[CopyReport]:
    return [inspect_copy(p) for p in copy_paths(path)]


def _wrong() -> WrongPassword:
    return WrongPassword("用户名或密码错误。请检查键盘的大小写和输入法后重试。",
                         "Wrong login or password. Check Caps Lock and the input method, then try again.")


@dataclass
class Unlocked:
    """The result of opening a slot: the key, the key file to keep working with, and what was wrong."""

    key: bytes
    keyfile: KeyFile
    warnings: list[str]
    repaired: bool  # the working key file was assembled from intact copies and should be saved
    wrapping: bytes = b""  # the slot's wrapping key: opens the counselling key sealed to this slot
    # After a rotation not yet finished for this slot: ``key`` is the new database key (from ``dk``)
    # and this the old one, which still opens the database if the rotation stopped before the swap.
    previous_key: bytes | None = None


@dataclass
class KeyFile:
    path: Path
    db_id: str
    slots: dict[str, Slot] = field(default_factory=dict)
    generation: int = 0
    damage: list[str] = field(default_factory=list)  # descriptions of damaged copies seen at load
    rotated_at: int | None = None  # generation at which the database key was last rotated

    # --- persistence -----------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, db_id: str | None = None) -> KeyFile:
        return cls(path=path, db_id=db_id or str(uuid.uuid4()))

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        """The working key file assembled from every copy: each slot from the newest copy where it
        verifies. Raises only when no copy can be used at all."""
        reports = inspect_all(path)
        return _assemble(path, reports)

    def to_bytes(self, generation: int) -> bytes:
        version = VERSION if any(s.dk is not None for s in self.slots.values()) else PLAIN_VERSION
        data: dict = {"format": FORMAT, "version": version, "db_id": self.db_id, "generation": generation,
                      "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
                      "note": "XA Desk key slots: wrapped database keys, no student data. Keep beside the database.",
                      "slots": []}
        if self.rotated_at is not None:
            data["rotated_at"] = self.rotated_at
        for slot in self.slots.values():
            entry = slot.to_dict()
            entry["check"] = _slot_check(self.db_id, generation, entry)
            data["slots"].append(entry)
        data["check"] = _file_check(data)
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")

    def save(self) -> None:
        """Write a new generation: the previous good content moves down, damaged copies never do."""
        with keylock.held(self.path):
            self._save()

    def _save(self) -> None:
        paths = copy_paths(self.path)
        current, mirror, older = paths[0], paths[1], paths[2:2 + OLDER_GENERATIONS]
        reports = {p: inspect_copy(p) for p in (current, mirror)}
        previous = next((p for p in (current, mirror) if reports[p].intact), None)
        if reports[current].status in ("unreadable", "damaged"):
            with contextlib.suppress(OSError):
                atomic_write_bytes(damaged_copy_path(self.path), current.read_bytes())
        if previous is not None:
            prev_gen = reports[previous].generation or 0
            newest_old = inspect_copy(older[0])
            if not (newest_old.intact and newest_old.generation == prev_gen):
                for n in range(len(older) - 1, 0, -1):
                    if inspect_copy(older[n - 1]).intact:
                        os.replace(older[n - 1], older[n])
                atomic_write_bytes(older[0], previous.read_bytes())
        self.generation = max(self.generation, *(r.generation or 0 for r in reports.values())) + 1
        payload = self.to_bytes(self.generation)
        # Mirror first: a crash between the two writes leaves two good copies of some generation.
        atomic_write_bytes(mirror, payload)
        atomic_write_bytes(current, payload)
        self.damage = []

    def refresh(self) -> None:
        """Take the slots as they are on disk now. A session keeps its key file from login; another
        session may have saved since (a counselor's login grants the counselling key), and saving a
        stale copy would undo that. Changes go through :meth:`update`, which calls this under the lock."""
        fresh = KeyFile.load(self.path)
        if fresh.db_id == self.db_id:
            self.slots, self.generation = fresh.slots, max(self.generation, fresh.generation)
            self.rotated_at = fresh.rotated_at

    @contextlib.contextmanager
    def update(self, *, fresh: bool = True) -> Iterator[KeyFile]:
        """Change the key file: under its lock, on a fresh read, saved when the block ends without an
        exception (nothing is written otherwise). ``fresh=False`` only for a file assembled inside the
        same lock (a repair right after login)."""
        with keylock.held(self.path):
            if fresh:
                self.refresh()
            yield self
            self.save()

    @contextlib.contextmanager
    def locked(self) -> Iterator[KeyFile]:
        """Under the lock, on a fresh read, for a change that decides itself whether to save."""
        with keylock.held(self.path):
            self.refresh()
            yield self

    def purge_slot(self, slot_id: str) -> None:
        """Remove a slot from the working file and from every older copy (a disabled account's slot
        must not keep opening the database from an old generation)."""
        with keylock.held(self.path):
            with self.update():
                self.remove_slot(slot_id)
            # After the save, which moved the previous content (still holding the slot) down a generation.
            self._purge_older(slot_id)

    def _purge_older(self, slot_id: str) -> None:
        for p in copy_paths(self.path)[2:]:
            report = inspect_copy(p)
            if slot_id in report.slots or slot_id in report.bad_slots:
                if report.intact and report.db_id and report.generation is not None:
                    old = KeyFile(p, report.db_id, dict(report.slots))
                    old.remove_slot(slot_id)
                    atomic_write_bytes(p, old.to_bytes(report.generation))
                else:
                    p.unlink()
        dmg = damaged_copy_path(self.path)
        if dmg.exists():
            dmg.unlink()

    def purge_counselling(self, slot_id: str) -> None:
        """Take the counselling key out of a slot here and in every older copy (the counselor role was
        removed): the person keeps the database key, no generation keeps the counselling key for them."""
        with keylock.held(self.path):
            with self.update():
                slot = self.slots.get(slot_id)
                if slot is not None:
                    slot.ck = None
            self._purge_older_counselling(slot_id)

    def _purge_older_counselling(self, slot_id: str) -> None:
        for p in copy_paths(self.path)[2:]:
            report = inspect_copy(p)
            old_slot = report.slots.get(slot_id)
            if old_slot is not None and old_slot.ck is not None:
                if report.intact and report.db_id and report.generation is not None:
                    old_slot.ck = None
                    old = KeyFile(p, report.db_id, dict(report.slots))
                    atomic_write_bytes(p, old.to_bytes(report.generation))
                else:
                    p.unlink()
            elif slot_id in report.bad_slots:
                p.unlink()

    # --- slots -----------------------------------------------------------------------------------
    def _aad(self, slot_id: str) -> bytes:
        return f"{FORMAT}|{self.db_id}|{slot_id}".encode()

    def _ck_aad(self, slot_id: str) -> bytes:
        return f"{FORMAT}|{self.db_id}|{slot_id}|counselling".encode()

    def set_slot(self, slot_id: str, secret: str, db_key: bytes, params: kdf.KdfParams | None = None,
                 *, counselling_key: bytes | None = None) -> bytes:
        """Write a slot for ``secret``; with ``counselling_key`` the slot holds that key too.
        Returns the slot's wrapping key."""
        params = params or kdf.default_params()
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        wrapping = kdf.derive(secret, salt, params)
        wrapped = AESGCM(wrapping).encrypt(nonce, db_key, self._aad(slot_id))
        pub = _slot_private_key(wrapping).public_key().public_bytes_raw()
        self.slots[slot_id] = Slot(slot_id, params, salt, nonce, wrapped, pub)
        if counselling_key is not None:
            self.grant_counselling(slot_id, counselling_key)
        return wrapping

    def ensure_public_key(self, slot_id: str, wrapping: bytes) -> bool:
        """Give a slot written before compartments its public key (needs the slot's wrapping key,
        i.e. its owner's password). True when the slot changed."""
        slot = self.slots.get(slot_id)
        if slot is None or slot.pub is not None:
            return False
        slot.pub = _slot_private_key(wrapping).public_key().public_bytes_raw()
        return True

    def has_public_key(self, slot_id: str) -> bool:
        slot = self.slots.get(slot_id)
        return slot is not None and slot.pub is not None

    def holds_counselling(self, slot_id: str) -> bool:
        slot = self.slots.get(slot_id)
        return slot is not None and slot.ck is not None

    def grant_counselling(self, slot_id: str, counselling_key: bytes) -> bool:
        """Seal the counselling key to a slot's public key (no password needed). True when the slot
        changed; False when it already holds it or has no public key yet (its owner has not logged in
        since compartments)."""
        slot = self.slots.get(slot_id)
        if slot is None or slot.pub is None or slot.ck is not None:
            return False
        slot.ck = seal_to(slot.pub, counselling_key, self._ck_aad(slot_id))
        return True

    def open_counselling(self, slot_id: str, wrapping: bytes) -> bytes | None:
        """The counselling key held by this slot, or None (not held, or not openable)."""
        slot = self.slots.get(slot_id)
        if slot is None or slot.ck is None or slot.pub is None:
            return None
        priv = _slot_private_key(wrapping)
        if priv.public_key().public_bytes_raw() != slot.pub:
            return None
        return open_sealed(priv, slot.ck, self._ck_aad(slot_id))

    # --- rotation (xadesk.keys.rotation) ----------------------------------------------------------
    def _dk_aad(self, slot_id: str) -> bytes:
        return f"{FORMAT}|{self.db_id}|{slot_id}|database-key".encode()

    def seal_database_key(self, slot_id: str, new_key: bytes) -> bool:
        """Give a slot the rotated database key, sealed to its public key (no password needed). False
        when the slot has no public key: its owner has not logged in since compartments, so nothing
        can be sealed to them and the slot cannot follow the rotation."""
        slot = self.slots.get(slot_id)
        if slot is None or slot.pub is None:
            return False
        slot.dk = seal_to(slot.pub, new_key, self._dk_aad(slot_id))
        return True

    def open_pending(self, slot_id: str, wrapping: bytes) -> bytes | None:
        """The rotated database key waiting in this slot, or None."""
        slot = self.slots.get(slot_id)
        if slot is None or slot.dk is None or slot.pub is None:
            return None
        priv = _slot_private_key(wrapping)
        if priv.public_key().public_bytes_raw() != slot.pub:
            return None
        return open_sealed(priv, slot.dk, self._dk_aad(slot_id))

    def has_pending(self) -> bool:
        return any(s.dk is not None for s in self.slots.values())

    def finish_slot(self, slot_id: str, wrapping: bytes, key: bytes) -> bool:
        """Wrap ``key`` (the database key that opened the database) in the slot in place of the old one
        and drop the sealed copy. The wrapping key comes from the password just given, so no KDF runs
        again. True when the slot changed."""
        slot = self.slots.get(slot_id)
        if slot is None or slot.dk is None:
            return False
        nonce = secrets.token_bytes(12)
        slot.nonce, slot.wrapped = nonce, AESGCM(wrapping).encrypt(nonce, key, self._aad(slot_id))
        slot.dk = None
        return True

    def abandon_pending(self) -> bool:
        """A rotation stopped before the new database took the old one's place: its sealed keys open
        nothing and are dropped. True when something changed."""
        changed = False
        for slot in self.slots.values():
            if slot.dk is not None:
                slot.dk, changed = None, True
        return changed

    def drop_pre_rotation_copies(self) -> list[Path]:
        """After the rotated database took the old one's place: remove every older copy written before
        the rotation (its slots wrap the old key, which opens nothing now; one of them may still hold a
        disabled account). Returns what was removed."""
        if self.rotated_at is None:
            return []
        removed = []
        for p in [*copy_paths(self.path)[2:], damaged_copy_path(self.path)]:
            report = inspect_copy(p)
            if report.status == "missing":
                continue
            if report.generation is None or report.generation <= self.rotated_at or report.legacy:
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
                    removed.append(p)
        return removed

    def remove_slot(self, slot_id: str) -> None:
        self.slots.pop(slot_id, None)

    def has_slot(self, slot_id: str) -> bool:
        return slot_id in self.slots

    def unwrap(self, slot_id: str, secret: str) -> bytes:
        """The database key, or :class:`WrongPassword` (same message for unknown login and bad password)."""
        return self.unwrap_with_wrapping(slot_id, secret)[0]

    def unwrap_with_wrapping(self, slot_id: str, secret: str) -> tuple[bytes, bytes]:
        """(database key, the slot's wrapping key) — the latter opens the slot's counselling key."""
        slot = self.slots.get(slot_id)
        if slot is None:
            # Spend the same time as a real attempt so the reply does not tell which logins exist.
            kdf.derive(secret, b"\0" * 16, kdf.default_params())
            raise _wrong()
        wrapping = kdf.derive(secret, slot.salt, slot.kdf)
        try:
            return AESGCM(wrapping).decrypt(slot.nonce, slot.wrapped, self._aad(slot_id)), wrapping
        except InvalidTag:
            raise _wrong() from None


def _not_ours(path: Path) -> NotXADeskDatabase:
    return NotXADeskDatabase(
        f"这不是 XA Desk 数据库：找不到或无法读取钥匙文件 {path.name}（它必须与数据库文件放在同一文件夹）。",
        f"Not an XA Desk database: the key file {path.name} is missing or unreadable "
        "(it must sit beside the database file).")


def _damaged_error(path: Path, reports: list[CopyReport], slot_id: str | None) -> KeyFileDamaged:
    lines = [r.describe() for r in reports if r.status not in ("missing", "ok")]
    what = slot_label(slot_id) if slot_id else msg("钥匙槽", "slots")
    return KeyFileDamaged(
        f"钥匙文件 {path.name} 已损坏（{what}），不是密码错误。所有副本中都找不到完好的{what}。"
        "请用打印的恢复密钥恢复（xadesk recover），或从备份还原。",
        f"The key file {path.name} is damaged ({what}); this is not a wrong password. No copy holds an intact "
        f"{what}. Use the printed recovery key (xadesk recover) or restore a backup.", details=lines)


def _assemble(path: Path, reports: list[CopyReport]) -> KeyFile:
    if reports[0].status == "newer":
        raise DatabaseTooNew("这个数据库的钥匙文件由更新版本的 XA Desk 创建，请先升级本软件。",
                             "This database's key file was written by a newer XA Desk; please update.")
    usable = [r for r in reports if r.db_id is not None]
    if not usable:
        if any(r.status in ("unreadable", "damaged") for r in reports):
            raise _damaged_error(path, reports, None)
        if any(r.status == "newer" for r in reports):
            raise DatabaseTooNew("这个数据库的钥匙文件由更新版本的 XA Desk 创建，请先升级本软件。",
                                 "This database's key file was written by a newer XA Desk; please update.")
        raise _not_ours(path)
    newest = max(usable, key=lambda r: r.generation or 0)
    kf = KeyFile(path=path, db_id=newest.db_id or "", generation=newest.generation or 0,
                 rotated_at=newest.rotated_at)
    # The newest verified content decides which slots exist; a slot that is damaged there is taken
    # from the newest older copy where it verifies.
    current_gen = [r for r in usable if r.generation == newest.generation]
    wanted: set[str] = set()
    for r in current_gen:
        wanted |= set(r.slots) | {s for s in r.bad_slots if not s.startswith("#")}
    for sid in wanted:
        for r in sorted(usable, key=lambda r: -(r.generation or 0)):
            if r.db_id == kf.db_id and sid in r.slots:
                kf.slots[sid] = r.slots[sid]
                break
    kf.damage = [r.describe() for r in reports if r.status in ("unreadable", "damaged")
                 and r.path.name != path.name + ".bak"]
    return kf


def open_slot(path: Path, slot_id: str, secret: str) -> Unlocked:
    """Open ``slot_id`` with ``secret`` from the best copy of the key file.

    A slot that verifies in the newest content and refuses the secret is a wrong password. A slot
    that is damaged everywhere is :class:`KeyFileDamaged`. A slot found only in an older copy (the
    newest is damaged) is tried there; if that older copy refuses the secret the person is told the
    file is damaged and an older copy was used, because a password changed since then is not in it.
    """
    reports = inspect_all(path)
    kf = _assemble(path, reports)
    usable = [r for r in reports if r.db_id is not None]
    newest_gen = max(r.generation or 0 for r in usable)
    newest_has_it = any(r.generation == newest_gen and slot_id in r.slots for r in usable)
    if slot_id not in kf.slots:
        # Damaged where it should be, or the newest content is unreadable in both copies (so the slot
        # may have been there): damage. Otherwise the login simply does not exist.
        newest_lost = all(r.db_id is None for r in reports[:2])
        authoritative = any(r.generation == newest_gen and not r.bad_slots for r in usable)
        if newest_lost or not authoritative or any(slot_id in r.bad_slots for r in reports):
            raise _damaged_error(path, reports, slot_id)
        kf.unwrap(slot_id, secret)  # spends the KDF time, then WrongPassword
    try:
        key, wrapping = kf.unwrap_with_wrapping(slot_id, secret)
    except WrongPassword:
        if newest_has_it:
            raise
        raise KeyFileDamaged(
            f"钥匙文件 {path.name} 已损坏：{slot_label(slot_id)} 的钥匙槽只在较早的副本中完好，而它不接受这个密码"
            "（如果最近改过密码，请试旧密码）。也可以用打印的恢复密钥恢复（xadesk recover）。",
            f"The key file {path.name} is damaged: {slot_label(slot_id)} is intact only in an older copy, which does "
            "not accept this password (try the previous one), or use the recovery key.",
            details=kf.damage) from None
    pending = kf.open_pending(slot_id, wrapping)
    warnings = list(kf.damage)
    repaired = bool(warnings) or any(r.legacy for r in usable if r.generation == newest_gen)
    if warnings:
        warnings.insert(0, msg(f"钥匙文件 {path.name} 有损坏的副本；已用完好的副本打开，并重新写好钥匙文件。",
                               f"The key file {path.name} has damaged copies; an intact copy was used and the key "
                               "file was rewritten."))
    if pending is not None:
        return Unlocked(key=pending, keyfile=kf, warnings=warnings, repaired=repaired, wrapping=wrapping,
                        previous_key=key)
    return Unlocked(key=key, keyfile=kf, warnings=warnings, repaired=repaired, wrapping=wrapping)


def lingering_slots(path: Path, slot_ids: list[str]) -> list[str]:
    """Those of ``slot_ids`` still present (intact or damaged) in any copy of the key file."""
    reports = inspect_all(path)
    return [sid for sid in slot_ids if any(sid in r.slots or sid in r.bad_slots for r in reports)]


def new_database_key() -> bytes:
    return secrets.token_bytes(32)


def describe() -> str:
    return msg("钥匙文件", "key file")


@dataclass
class KeysCheck:
    ok: bool
    lines: list[str]


def check_keys(path: Path, recovery_secret: str | None = None) -> KeysCheck:
    """What ``xadesk keys check`` says: every copy and slot verified without a password; with the
    (normalised) recovery key also that it opens its slot."""
    reports = inspect_all(path)
    lines = [r.describe() for r in reports if not (r.status == "missing" and r.path.name.endswith(".bak"))]
    ok = all(r.status in ("ok", "missing") for r in reports) and reports[0].intact and reports[1].intact
    try:
        kf = _assemble(path, reports)
    except (KeyFileDamaged, NotXADeskDatabase, DatabaseTooNew) as exc:
        return KeysCheck(False, [*lines, exc.message])
    if RECOVERY_SLOT not in kf.slots:
        ok = False
        lines.append(msg("没有完好的恢复密钥钥匙槽：请尽快由管理员重新生成恢复密钥。",
                         "No intact recovery slot: have an administrator make a new recovery key soon."))
    elif recovery_secret is not None:
        try:
            kf.unwrap(RECOVERY_SLOT, recovery_secret)
            lines.append(msg("恢复密钥正确，能打开钥匙槽。", "The recovery key opens its slot."))
        except WrongPassword:
            ok = False
            lines.append(msg("给出的恢复密钥打不开恢复钥匙槽。", "The given recovery key does not open the recovery slot."))
    return KeysCheck(ok, lines)
