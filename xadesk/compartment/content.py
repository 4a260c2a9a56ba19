"""Sealing and opening counselling content columns (AES-256-GCM under the counselling key).

A sealed value is ``xc1:`` + base64(nonce ‖ ciphertext) in the same text column, so no schema change
was needed. The associated data names the table, the row and the column, so a ciphertext moved to
another row or column (by someone with the database key and raw access) no longer opens.
Values without the prefix are content written before compartments, not yet encrypted: they read as
they are until a login with the counselling key encrypts them (``access.encrypt_plaintext``).
"""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import UserError
from ..storage.models_archive import ArchiveRecord
from ..storage.models_grid import GridInterview

PREFIX = "xc1:"
COUNSELLING_KIND = "counselling"


class CounsellingLocked(UserError):
    """Counselling content asked for without the counselling key."""


def locked() -> CounsellingLocked:
    return CounsellingLocked(
        "您的账号还没有辅导钥匙，不能写入或读出辅导内容。另一位心理教师登录一次后会自动授予；"
        "也可以由管理员用打印的恢复密钥为您重设密码（xadesk recover）。",
        "Your account does not hold the counselling key yet. It is granted automatically when another "
        "counselor next logs in, or by a password reset with the printed recovery key (xadesk recover).")


def _aad(table: str, row_key: str, column: str) -> bytes:
    return f"xadesk counselling|{table}|{row_key}|{column}".encode()


def is_sealed(value: str | None) -> bool:
    return bool(value) and value.startswith(PREFIX)


def seal(key: bytes, table: str, row_key: str, column: str, text: str) -> str:
    nonce = secrets.token_bytes(12)
    ct = AESGCM(key).encrypt(nonce, text.encode("utf-8"), _aad(table, row_key, column))
    return PREFIX + base64.b64encode(nonce + ct).decode("ascii")


def open_value(key: bytes | None, table: str, row_key: str, column: str, value: str) -> str | None:
    """The plaintext; None when the value is sealed and no key was given (the caller redacts)."""
    if not is_sealed(value):
        return value
    if key is None:
        return None
    try:
        raw = base64.b64decode(value[len(PREFIX):].encode("ascii"), validate=True)
        return AESGCM(key).decrypt(raw[:12], raw[12:], _aad(table, row_key, column)).decode("utf-8")
    except (InvalidTag, ValueError, UnicodeDecodeError):
        raise UserError("一条辅导内容已损坏或被改动，无法解密。请从备份还原。",
                        "A counselling entry is damaged or was altered and cannot be decrypted.") from None


# --- the columns ---------------------------------------------------------------------------------
# archive_record rows are keyed by their uuid (known before the insert); grid_interview rows by id.

def seal_record_text(key: bytes, record_uuid: str, text: str) -> str:
    return seal(key, "archive_record", record_uuid, "text", text)


def record_text(key: bytes | None, rec: ArchiveRecord) -> str | None:
    """A record's text as a person reads it; None for counselling content without the key."""
    if rec.kind != COUNSELLING_KIND:
        return rec.text
    return open_value(key, "archive_record", rec.uuid, "text", rec.text)


def seal_findings(key: bytes, interview_id: int, text: str) -> str:
    return seal(key, "grid_interview", str(interview_id), "findings", text)


def interview_findings(key: bytes | None, iv: GridInterview) -> str | None:
    return open_value(key, "grid_interview", str(iv.id), "findings", iv.findings)
