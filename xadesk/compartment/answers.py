"""Item-level answers as counselling content (issue 10, item 4).

What a student answered item by item (``screening_response.answers_json`` and ``seconds_json``, the
other copy of a conflict, each paper-entry pass) is counselling content: only the counselling key's
holders (counselors who hold it, the recovery key) read it. Scores and bands stay under the database
key, for the grid and the reports.

Who writes answers is not the same as who may read them. A counselor who has not been granted the key
yet still runs a kiosk or imports a file, and a session may be any account's. So answers are sealed to
a **public key**: an X25519 key pair derived from the counselling key (HKDF); its public half is in
``meta`` (:data:`PUB_META`), so every session can seal, and only the private half opens.

Format: ``xa1:`` + base64(ephemeral public key (32) ‖ nonce (12) ‖ AES-256-GCM ciphertext). The AES
key is HKDF over the X25519 exchange of an ephemeral key with the answers public key. A
:class:`Sealer` makes one ephemeral key and uses it for every value it seals (one per transaction),
so a 6,000-response import costs one exchange, not 12,000; an :class:`Opener` remembers the AES key of
each ephemeral key it has met, so opening a whole campaign costs one exchange per import that wrote
it. The associated data names the table, the row (by its natural key, known before the insert) and
the column: a ciphertext moved to another row, column or table does not open.

Substitution: the stored public key carries an HMAC under the counselling key. A session that holds
the key seals to the public key derived from its own key (never the stored one) and, at login,
checks the stored one and replaces it when it was changed (reported). A session without the key
cannot check it: someone who can write to the database file could substitute their own public key,
and answers written by a key-less session afterwards would be sealed to them until the next
key-holding login. The README says so; only counselors write answers, and all but a newly made one
hold the key.

Teacher ratings (``mode`` :data:`TEACHER_MODE`, xadesk.classpack.ratings) are **not** counselling
content: they are the homeroom teacher's own observation of a student, like the observations teachers
log (which stay under the database key), and the teacher reads them back on the rating screen.

Plaintext: a value without the prefix is read as it is. Answers stored before this version (marked
by migration 0012) and answers written while no public key existed yet (a school upgraded from 0011
before any key-holding login) set :data:`PENDING_META`; the first key-holding login seals them in
batches, each batch its own transaction, so a crash leaves every row either plaintext or sealed
(:func:`seal_pending`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

from ..errors import UserError
from ..screening import battery
from ..storage.database import SchoolDatabase
from ..storage.models import Meta

PREFIX = "xa1:"
TEACHER_MODE = "teacher"  # xadesk.classpack.ratings.MODE: teacher ratings stay under the database key
PUB_META = "counselling_answers_pub"  # base64(public key) "." HMAC-SHA256 under the counselling key
PENDING_META = "counselling_answers_pending"  # answers in plaintext wait for a key-holding login

RESPONSE = "screening_response"
CONFLICT = "screening_conflict"
PAPER = "screening_paper_entry"

_X25519_INFO = b"xadesk counselling answers x25519 v1"
_AES_INFO = b"xadesk counselling answers aes v1"
_PUB_MAC = b"xadesk counselling answers public key v1|"


# --- the key pair ----------------------------------------------------------------------------------

def private_key(counselling_key: bytes) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(
        HKDF(hashes.SHA256(), 32, salt=None, info=_X25519_INFO).derive(counselling_key))


def public_key(counselling_key: bytes) -> bytes:
    return private_key(counselling_key).public_key().public_bytes_raw()


def _pub_value(counselling_key: bytes) -> str:
    pub = public_key(counselling_key)
    tag = hmac.new(counselling_key, _PUB_MAC + pub, hashlib.sha256).hexdigest()
    return base64.b64encode(pub).decode("ascii") + "." + tag


def publish_public_key(s: Session, counselling_key: bytes) -> bool:
    """Store (or check and repair) the answers public key; True when a different one was stored —
    someone changed it, or it belonged to another key (the caller reports it)."""
    want = _pub_value(counselling_key)
    row = s.get(Meta, PUB_META)
    if row is None:
        s.add(Meta(key=PUB_META, value=want))
        return False
    if hmac.compare_digest(row.value, want):
        return False
    row.value = want
    return True


def stored_public_key(s: Session) -> bytes | None:
    row = s.get(Meta, PUB_META)
    if row is None:
        return None
    try:
        pub = base64.b64decode(row.value.split(".", 1)[0], validate=True)
    except ValueError:
        return None
    return pub if len(pub) == 32 else None


# --- sealing and opening ---------------------------------------------------------------------------

def is_sealed(value: str | None) -> bool:
    return bool(value) and value.startswith(PREFIX)


def _aad(table: str, row: str, column: str) -> bytes:
    return f"xadesk answers|{table}|{row}|{column}".encode()


def _aes_key(shared: bytes, eph_pub: bytes, pub: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=eph_pub + pub, info=_AES_INFO).derive(shared)


class Sealer:
    """Seals values to the answers public key with one ephemeral key (one per transaction).

    The nonce is a counter: the AES key is new with every Sealer (a fresh ephemeral key), so a
    counter never repeats under one key, and it costs nothing per value (random nonces from the OS
    were a third of the one-off conversion's time)."""

    def __init__(self, pub: bytes) -> None:
        eph = X25519PrivateKey.generate()
        self._eph_pub = eph.public_key().public_bytes_raw()
        self._aes = AESGCM(_aes_key(eph.exchange(X25519PublicKey.from_public_bytes(pub)), self._eph_pub, pub))
        self._count = 0

    def seal(self, table: str, row: str, column: str, text: str) -> str:
        self._count += 1
        nonce = self._count.to_bytes(12, "big")
        ct = self._aes.encrypt(nonce, text.encode("utf-8"), _aad(table, row, column))
        return PREFIX + base64.b64encode(self._eph_pub + nonce + ct).decode("ascii")


def damaged() -> UserError:
    return UserError("一份作答的每题答案已损坏或被改动，无法解密。请从备份还原。",
                     "A response's item answers are damaged or were altered and cannot be decrypted.")


class Opener:
    """Opens sealed values with the counselling key; one exchange per ephemeral key met."""

    def __init__(self, counselling_key: bytes) -> None:
        self._priv = private_key(counselling_key)
        self._pub = self._priv.public_key().public_bytes_raw()
        self._keys: dict[bytes, AESGCM] = {}

    def open(self, table: str, row: str, column: str, value: str) -> str:
        try:
            raw = base64.b64decode(value[len(PREFIX):].encode("ascii"), validate=True)
            eph_pub, nonce, ct = raw[:32], raw[32:44], raw[44:]
            aes = self._keys.get(eph_pub)
            if aes is None:
                shared = self._priv.exchange(X25519PublicKey.from_public_bytes(eph_pub))
                aes = self._keys[eph_pub] = AESGCM(_aes_key(shared, eph_pub, self._pub))
            return aes.decrypt(nonce, ct, _aad(table, row, column)).decode("utf-8")
        except (InvalidTag, ValueError, UnicodeDecodeError):
            raise damaged() from None


def locked(what_zh: str, what_en: str) -> UserError:
    """A read that needs the item answers, refused to a session without the counselling key."""
    return UserError(
        f"{what_zh}需要读出每题答案，每题答案属于辅导内容，只有持有辅导钥匙的心理教师能打开。"
        "您的账号还没有辅导钥匙：另一位心理教师登录一次后会自动授予，或由管理员用恢复密钥授予（xadesk keys grant）。",
        f"{what_en} needs the item answers, which are counselling content: only counselors holding the "
        "counselling key open them. Your account does not hold it yet (granted at another counselor's next "
        "login, or with the recovery key: xadesk keys grant).")


# --- row keys (natural keys, known before the insert) ---------------------------------------------

def response_row(campaign_id: int, student_id: int, instrument_id: str) -> str:
    return f"{campaign_id}:{student_id}:{instrument_id}"


def paper_row(campaign_id: int, student_id: int, instrument_id: str, pass_no: int) -> str:
    return f"{campaign_id}:{student_id}:{instrument_id}:{pass_no}"


# --- one transaction's codec -----------------------------------------------------------------------

Values = list[float | None]


class Codec:
    """Seal and open answer arrays inside one transaction.

    ``key``: the session's counselling key or None. ``memory``: answers this session wrote and still
    holds in memory (``AppContext.answer_memory``): a kiosk run by a counselor without the key
    continues a student's questionnaire from there; after a restart it cannot (:func:`locked`)."""

    def __init__(self, s: Session, key: bytes | None, memory: dict | None = None) -> None:
        self.s, self.key = s, key
        self.memory = memory if memory is not None else {}
        self._sealer: Sealer | None = None
        self._sealer_made = False
        self._opener = Opener(key) if key is not None else None

    @property
    def can_open(self) -> bool:
        return self._opener is not None

    def _get_sealer(self) -> Sealer | None:
        if not self._sealer_made:
            self._sealer_made = True
            pub = public_key(self.key) if self.key is not None else stored_public_key(self.s)
            self._sealer = Sealer(pub) if pub is not None else None
        return self._sealer

    def seal(self, table: str, row: str, column: str, values: Sequence[float | None], *,
             counselling: bool = True) -> str:
        text = battery.dumps(values)
        if not counselling:
            return text
        sealer = self._get_sealer()
        if sealer is None:
            # No public key yet (an upgraded school before its first key-holding login): stored as
            # it is, and the marker makes that login seal it.
            mark_pending(self.s)
            return text
        out = sealer.seal(table, row, column, text)
        if self._opener is None:
            self.memory[(table, row, column)] = (out, list(values))
        return out

    def open(self, table: str, row: str, column: str, value: str) -> Values | None:
        """The values; None when sealed and this session cannot open them."""
        if not is_sealed(value):
            return battery.loads(value)
        held = self.memory.get((table, row, column))
        if held is not None and held[0] == value:
            return list(held[1])
        if self._opener is None:
            return None
        return battery.loads(self._opener.open(table, row, column, value))

    def need(self, table: str, row: str, column: str, value: str, what_zh: str, what_en: str) -> Values:
        out = self.open(table, row, column, value)
        if out is None:
            raise locked(what_zh, what_en)
        return out

    def forget(self, table: str, row: str) -> None:
        for k in [k for k in self.memory if k[0] == table and k[1] == row]:
            del self.memory[k]


def readable(value: str) -> Values | None:
    """A value that is not counselling content (a teacher rating), or None when it is sealed."""
    return None if is_sealed(value) else battery.loads(value)


# --- answers stored before compartments ------------------------------------------------------------

def mark_pending(s: Session) -> None:
    if s.get(Meta, PENDING_META) is None:
        s.add(Meta(key=PENDING_META, value="1"))


def pending(s: Session) -> bool:
    return s.get(Meta, PENDING_META) is not None


# (table, the columns that make its row key, the answer columns, which rows are counselling content)
_PENDING_TABLES = (
    (RESPONSE, ("campaign_id", "student_id", "instrument_id"), ("answers_json", "seconds_json"),
     f"mode != '{TEACHER_MODE}'"),
    (CONFLICT, ("id",), ("b_answers_json", "b_seconds_json"), f"b_mode != '{TEACHER_MODE}'"),
    (PAPER, ("campaign_id", "student_id", "instrument_id", "pass_no"), ("answers_json",), "1"),
)


def seal_pending(db: SchoolDatabase, counselling_key: bytes, *, batch: int = 5000,
                 progress: Callable[[int], None] | None = None) -> int:
    """Seal every answer value still in plaintext (teacher ratings excepted), ``batch`` rows per
    transaction in id order; clears the marker when none is left. Returns the rows sealed. A crash
    between batches leaves each row either plaintext or sealed and the marker set, so the next
    key-holding login goes on. Plain SQL (no ORM objects): ~200k rows is a one-off at a login."""
    with db.read() as s:
        if not pending(s):
            return 0
    sealer = Sealer(public_key(counselling_key))
    total = 0
    for table, key_cols, cols, counselling in _PENDING_TABLES:
        select_sql = (f"SELECT id, {', '.join(key_cols + cols)} FROM {table} "
                      f"WHERE id > ? AND {counselling} ORDER BY id LIMIT ?")
        update_sql = f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?"
        nk = len(key_cols)
        last = 0
        while True:
            with db.write() as s:
                conn = s.connection()
                rows = conn.exec_driver_sql(select_sql, (last, batch)).all()
                if not rows:
                    break
                last = rows[-1][0]
                changes = []
                for row in rows:
                    key = ":".join(str(v) for v in row[1:1 + nk])
                    values = row[1 + nk:]
                    if all(is_sealed(v) for v in values):
                        continue
                    changes.append((*(v if is_sealed(v) else sealer.seal(table, key, c, v)
                                      for c, v in zip(cols, values, strict=True)), row[0]))
                if changes:
                    conn.exec_driver_sql(update_sql, changes)
                    total += len(changes)
            if progress is not None:
                progress(total)
    with db.write() as s:
        row = s.get(Meta, PENDING_META)
        if row is not None:
            s.delete(row)
    return total
