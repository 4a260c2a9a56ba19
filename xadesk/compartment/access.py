"""Who holds the counselling key, and what happens at login.

Where the key comes from: nobody holds it until the first counselor logs in (in a new school or one
upgraded from before compartments); that login makes a random 256-bit key. From then on:

* **Counselors** hold it in their key-file slot (``ck``, sealed to the slot's public key; keyfile.py).
  Sealing needs only the public key, so any login that holds the key grants it to every active
  counselor who lacks it. An account made counselor by an administrator (who never holds the key)
  therefore gets it at the next login of a counselor who has it — or at once when the administrator
  completes the grant with the printed recovery key (:func:`grant_with_recovery`).
* **The recovery key** holds it through the database itself: the recovery key's X25519 public key is
  stored in ``meta`` (written at ``init``, or at the first use of the recovery key in a school made
  before compartments) and the key sealed to it is stored in ``meta`` too. Only the printed sheet
  derives the private half, so the sheet alone (no key file) still opens everything, while the
  database key (which every account holds) opens nothing of it.

The database stores an HMAC of the key (``meta``), so a wrong or damaged key is never used to
encrypt. Content written before compartments is encrypted at the first login that holds the key;
a login without it leaves the content and sets a marker, so the next key-holding login finishes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import msg
from ..storage.keyfile import (
    KeyFile,
    open_sealed,
    recovery_private_key,
    recovery_public_key,
    seal_to,
    user_slot_id,
)
from ..storage.models import Meta, RoleAssignment, User
from ..storage.models_archive import ArchiveRecord
from ..storage.models_grid import GridInterview
from . import answers, content

CHECK_META = "counselling_key_check"
PENDING_META = "counselling_plaintext_pending"  # content left in plaintext until a key holder logs in
RECOVERY_PUB_META = "counselling_recovery_pub"  # the recovery key's X25519 public key (base64)
RECOVERY_SEALED_META = "counselling_key_for_recovery"  # the counselling key sealed to it (JSON)
_RECOVERY_AAD = b"xadesk counselling key for the recovery key"
COUNSELOR_ROLE = "counselor"  # roles.COUNSELOR (services import this package, not the other way)

GRANT_PENDING = msg(
    "辅导钥匙：管理员不持有辅导钥匙，新的心理教师账号会在另一位心理教师下次登录时自动获得它"
    "（或由管理员用恢复密钥为其重设密码：xadesk recover）。在此之前该账号看不到辅导内容。",
    "Counselling key: administrators do not hold it. The new counselor receives it automatically at the next "
    "login of another counselor (or through a password reset with the recovery key: xadesk recover); "
    "until then the account cannot read counselling content.")


def key_check(key: bytes) -> str:
    return hmac.new(key, b"xadesk counselling key check v1", hashlib.sha256).hexdigest()


def stored_check(s: Session) -> str | None:
    return s.scalar(select(Meta.value).where(Meta.key == CHECK_META))


def _set_meta(s: Session, key: str, value: str | None) -> None:
    row = s.get(Meta, key)
    if value is None:
        if row is not None:
            s.delete(row)
    elif row is None:
        s.add(Meta(key=key, value=value))
    else:
        row.value = value


def record_recovery_public_key(s: Session, normalised_recovery_key: str) -> None:
    """Remember the recovery key's public half (at ``init`` and at every use of the recovery key)."""
    pub = base64.b64encode(recovery_public_key(normalised_recovery_key)).decode("ascii")
    if s.get(Meta, RECOVERY_PUB_META) is None or s.get(Meta, RECOVERY_PUB_META).value != pub:
        _set_meta(s, RECOVERY_PUB_META, pub)
        _set_meta(s, RECOVERY_SEALED_META, None)


def _seal_for_recovery(s: Session, key: bytes) -> None:
    pub = s.get(Meta, RECOVERY_PUB_META)
    if pub is not None and s.get(Meta, RECOVERY_SEALED_META) is None:
        sealed = seal_to(base64.b64decode(pub.value), key, _RECOVERY_AAD)
        _set_meta(s, RECOVERY_SEALED_META, json.dumps(sealed))


def key_from_recovery(s: Session, normalised_recovery_key: str) -> bytes | None:
    """The counselling key opened with the printed recovery key (from ``meta``), or None."""
    row = s.get(Meta, RECOVERY_SEALED_META)
    if row is None:
        return None
    try:
        sealed = json.loads(row.value)
    except ValueError:
        return None
    key = open_sealed(recovery_private_key(normalised_recovery_key), sealed, _RECOVERY_AAD)
    check = stored_check(s)
    return key if key is not None and (check is None or key_check(key) == check) else None


def _new_key(s: Session) -> bytes:
    key = secrets.token_bytes(32)
    _set_meta(s, CHECK_META, key_check(key))
    return key


def _plaintext_records(s: Session) -> list[ArchiveRecord]:
    return list(s.scalars(select(ArchiveRecord).where(ArchiveRecord.kind == content.COUNSELLING_KIND,
                                                      ArchiveRecord.text.not_like(content.PREFIX + "%"))))


def _plaintext_interviews(s: Session) -> list[GridInterview]:
    return list(s.scalars(select(GridInterview).where(GridInterview.findings.not_like(content.PREFIX + "%"))))


def plaintext_count(s: Session) -> int:
    return len(_plaintext_records(s)) + len(_plaintext_interviews(s))


def encrypt_plaintext(s: Session, key: bytes) -> int:
    """Seal every counselling value still in plaintext; clears the marker. Returns how many."""
    n = 0
    for rec in _plaintext_records(s):
        rec.text = content.seal_record_text(key, rec.uuid, rec.text or "")
        n += 1
    for iv in _plaintext_interviews(s):
        iv.findings = content.seal_findings(key, iv.id, iv.findings or "")
        n += 1
    _set_meta(s, PENDING_META, None)
    return n


def active_counselor_logins(s: Session) -> list[str]:
    return list(s.scalars(select(User.login).join(RoleAssignment, RoleAssignment.user_id == User.id)
                          .where(User.active.is_(True), RoleAssignment.role == COUNSELOR_ROLE).distinct()))


def grant_all(s: Session, kf: KeyFile, key: bytes) -> bool:
    """Seal the key to every active counselor's slot that lacks it, and for the recovery key."""
    changed = False
    for login in active_counselor_logins(s):
        changed |= kf.grant_counselling(user_slot_id(login), key)
    _seal_for_recovery(s, key)
    return changed


@dataclass
class Settled:
    key: bytes | None
    keyfile_changed: bool = False
    encrypted: int = 0
    drop_from_slot: bool = False  # the slot holds the key but its owner is no longer a counselor
    substituted: bool = False  # the stored answers public key did not match the key (replaced)
    warnings: list[str] = field(default_factory=list)


SUBSTITUTED = msg(
    "数据库中用于加密每题答案的公钥被改动过（与辅导钥匙不符），已恢复为正确的公钥。"
    "在此期间由没有辅导钥匙的账号录入的作答可能无法打开。请告诉学校管理员检查谁能接触数据库文件。",
    "The public key that seals item answers had been changed in the database (it did not match the "
    "counselling key) and was restored. Answers stored meanwhile by accounts without the key may not open.")


def _publish(s: Session, key: bytes, out: Settled) -> None:
    """The answers public key for sessions without the counselling key (``answers``), checked."""
    if answers.publish_public_key(s, key):
        out.warnings.append(SUBSTITUTED)
        out.substituted = True


def _leave_pending(s: Session) -> None:
    n = plaintext_count(s)
    if n:
        _set_meta(s, PENDING_META, str(n))


def settle(s: Session, kf: KeyFile, slot_id: str, wrapping: bytes, *, is_counselor: bool) -> Settled:
    """At a person's login (inside its write transaction): find their counselling key (or make the
    school's first one), grant it to those who lack it, encrypt what is still plaintext. A login that
    is not a counselor's never decrypts anything; it only sets the marker. The caller saves ``kf``
    before the transaction commits when ``keyfile_changed``, so ciphertext under a new key never
    exists without that key in the key file."""
    out = Settled(None)
    out.keyfile_changed = kf.ensure_public_key(slot_id, wrapping)
    if not is_counselor:
        out.drop_from_slot = kf.holds_counselling(slot_id)
        _leave_pending(s)
        return out
    check = stored_check(s)
    key = kf.open_counselling(slot_id, wrapping)
    if key is not None and check is not None and key_check(key) != check:
        key = None
        out.warnings.append(msg("您钥匙槽中的辅导钥匙与数据库不符，未使用。请告诉学校管理员。",
                                "The counselling key in your slot does not match this database and was not used."))
    if key is None and check is None:
        key = _new_key(s)  # the school's first counselor login
        if s.get(Meta, RECOVERY_PUB_META) is None:
            out.warnings.append(msg(
                "辅导内容（辅导记录、复核访谈发现）现已单独加密，只有心理教师和恢复密钥能打开。恢复密钥要在下次使用后"
                "（xadesk recover）才能打开它，在此之前请确保至少两位心理教师能登录。",
                "Counselling content is now encrypted separately, for counselors and the recovery key only. The "
                "recovery key can open it after its next use (xadesk recover); until then keep two counselors "
                "able to log in."))
    if key is None:
        out.warnings.append(msg(
            "您还没有辅导钥匙，暂时看不到也不能写辅导内容：另一位心理教师下次登录时会自动授予您，"
            "或请管理员用恢复密钥授予（xadesk keys grant）。",
            "You do not hold the counselling key yet: it is granted when another counselor next logs in, or by "
            "an administrator with the recovery key (xadesk keys grant)."))
        _leave_pending(s)
        return out
    out.key = key
    out.keyfile_changed |= kf.grant_counselling(slot_id, key)
    out.keyfile_changed |= grant_all(s, kf, key)
    out.encrypted = encrypt_plaintext(s, key)
    _publish(s, key, out)
    return out


def settle_with_recovery(s: Session, kf: KeyFile, normalised_recovery_key: str) -> Settled:
    """When the recovery key is used (``recover``, ``keys grant``): remember its public key, open the
    counselling key with it (or make the school's first one), grant and encrypt. Works without any
    slot, so also when the key file was lost."""
    record_recovery_public_key(s, normalised_recovery_key)
    key = key_from_recovery(s, normalised_recovery_key)
    out = Settled(None)
    receivers = [login for login in active_counselor_logins(s) if kf.has_public_key(user_slot_id(login))]
    if key is None and stored_check(s) is None and receivers:
        # Made here only when some counselor can receive it; otherwise the first counselor login makes
        # it (and seals it for this recovery key, whose public key is now known).
        key = _new_key(s)
    if key is None and stored_check(s) is None:
        _leave_pending(s)
        return out
    if key is None:
        out.warnings.append(msg(
            "恢复密钥还不能打开辅导内容（这所学校的辅导钥匙是在恢复密钥使用之前建立的）：心理教师下次登录后即可。",
            "The recovery key cannot open counselling content yet (the key was made before the recovery key was "
            "used); it can after a counselor's next login."))
        _leave_pending(s)
        return out
    out.key = key
    out.keyfile_changed = grant_all(s, kf, key)
    out.encrypted = encrypt_plaintext(s, key)
    _publish(s, key, out)
    return out


def grant_with_recovery(s: Session, kf: KeyFile, normalised_recovery_key: str) -> list[str]:
    """Complete pending grants with the printed recovery key. Returns the logins granted."""
    before = {login for login in active_counselor_logins(s) if kf.holds_counselling(user_slot_id(login))}
    settled = settle_with_recovery(s, kf, normalised_recovery_key)
    if settled.key is None:
        return []
    return [login for login in active_counselor_logins(s)
            if login not in before and kf.holds_counselling(user_slot_id(login))]
