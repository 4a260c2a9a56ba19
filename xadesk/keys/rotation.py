"""Rotating the database key after an account was disabled.

The threat: someone whose account is now disabled copied the key file while they could still log in.
With their own password that copy unwraps the database key, and the database key opens every later
copy of the database — the slot removed from today's key file does not matter. The only answer is a
new database key, so that what they hold opens nothing current.

How (an administrator, with the printed recovery key; audited):

1. The new key is derived from the recovery key and the next *epoch* (keyfile.database_key_from_recovery),
   so the printed sheet still opens the database without any key file (recovery tries the epochs).
2. A key-file generation is written in which every remaining slot keeps its old wrapped key (which
   proves its owner's password) and gains the new key sealed to the slot's X25519 public key — no one
   needs to know anyone else's password. Disabled accounts get no slot; a slot without a public key
   (its owner has not logged in since compartments) cannot receive the new key: that account needs a
   password reset afterwards, and the administrator is told which ones before anything starts.
3. The database is copied under the new key, fsynced, proven page by page and table by table, and put
   in the old file's place with one rename (storage/rekey.py). The audit anchor follows under the new key.
4. The recovery slot is re-made under the new key, and every key-file copy written before step 2 is
   removed (their slots wrap the old key, which opens nothing now).

kill -9 at any point leaves a school that opens: before the rename the old file and the old key (every
slot still wraps it); after it the new file and the new key (every slot carries it sealed). A login
tries the new key first and then the old one (services/login.py); finding the old one still in use, it
drops the half-done rotation. The key file stays locked for the whole rotation, so no other session's
key-file change is lost in between. Another window or PC with the database open must be closed first:
the copy is made on a connection that holds the database file alone, which is refused while anyone else
has it open (and nobody can open it until the new file is in place).

Backups made before the rotation keep their own key slots and database, and restore as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from ..errors import Cancelled, UserError, WrongPassword
from ..exchange.passphrase import normalise as normalise_recovery_key
from ..i18n import msg
from ..services import audit
from ..services.context import AppContext
from ..storage import anchor, keylock, rekey
from ..storage.keyfile import RECOVERY_SLOT, database_key_from_recovery, recovery_epoch_of, user_slot_id
from ..storage.models import Meta, User

EPOCH_KEY = "key_epoch"

# Stages reported to ``step`` (for progress, and for the crash tests that stop the process at each).
STAGES = ("pending", "exported", "verified", "before-swap", "swapped", "anchored", "done")
STAGE_LABELS = {
    "pending": ("已在钥匙文件中为每个账号准备好新密钥", "new key prepared for every slot"),
    "exported": ("已把数据库复制到新密钥下", "database copied under the new key"),
    "verified": ("已逐页核对新数据库", "new database checked page by page"),
    "before-swap": ("正在换上新数据库", "putting the new database in place"),
    "swapped": ("已换上新数据库", "new database in place"),
    "anchored": ("审计锚点已改用新密钥", "audit anchor moved to the new key"),
    "done": ("完成", "done"),
}


def stage_label(stage: str) -> str:
    zh, en = STAGE_LABELS.get(stage, (stage, stage))
    return msg(zh, en)


@dataclass(frozen=True)
class RotationPlan:
    """What a rotation will do, in logins (for the confirmation)."""

    disabled: list[str]  # disabled accounts: a key file they copied earlier opens nothing afterwards
    need_reset: list[str]  # active accounts whose slot cannot receive the new key
    keep: list[str]  # active accounts that log in as before


@dataclass
class RotationResult:
    epoch: int
    disabled: list[str]
    need_reset: list[str]
    seconds: float
    removed_copies: list[str] = field(default_factory=list)


def _logins(ctx: AppContext) -> tuple[list[str], list[str]]:
    with ctx.db.read() as s:
        rows = s.execute(select(User.login, User.active)).all()
    active = sorted(login.casefold() for login, on in rows if on)
    inactive = sorted(login.casefold() for login, on in rows if not on)
    return active, inactive


def plan(ctx: AppContext) -> RotationPlan:
    ctx.require("accounts.manage")
    active, inactive = _logins(ctx)
    ctx.keyfile.refresh()
    slots = ctx.keyfile.slots
    need_reset = [x for x in active if user_slot_id(x) in slots and slots[user_slot_id(x)].pub is None]
    keep = [x for x in active if user_slot_id(x) in slots and x not in need_reset]
    return RotationPlan(inactive, need_reset, keep)


def _wrong() -> WrongPassword:
    return WrongPassword("恢复密钥不正确。请对照打印的恢复密钥逐组核对后重试。",
                         "The recovery key is wrong. Check it group by group against the printout.")


def _current_epoch(ctx: AppContext, secret: str) -> int:
    """The epoch of the key now in use; proves the recovery key. A school made before the key was
    derived from the recovery key has a recovery slot instead, and its stored epoch counts on."""
    derived = recovery_epoch_of(secret, ctx.db.key)
    if derived is not None:
        return derived
    if not ctx.keyfile.has_slot(RECOVERY_SLOT):
        raise _wrong()
    try:
        if ctx.keyfile.unwrap(RECOVERY_SLOT, secret) != ctx.db.key:
            raise _wrong()
    except WrongPassword:
        raise _wrong() from None
    with ctx.db.read() as s:
        stored = s.scalar(select(Meta.value).where(Meta.key == EPOCH_KEY))
    return int(stored) if stored and stored.isdigit() else 0


def rotate(ctx: AppContext, recovery_key: str, *, step: Callable[[str], None] = lambda _s: None,
           cancelled: Callable[[], bool] = lambda: False) -> RotationResult:
    """Give the database a new key (see the module docstring). ``step`` hears each stage;
    ``cancelled`` is asked before the point of no return (the rename)."""
    ctx.require("accounts.manage")
    start = time.perf_counter()
    secret = normalise_recovery_key(recovery_key)
    ctx.keyfile.refresh()
    epoch = _current_epoch(ctx, secret) + 1
    new_key = database_key_from_recovery(secret, epoch=epoch)
    old_key = ctx.db.key
    db_path = ctx.db.path
    kf = ctx.keyfile
    active, disabled = _logins(ctx)
    with keylock.held(kf.path):
        # The whole rotation holds the key file: a session that changes it meanwhile waits, so nothing
        # it writes can be lost between the pending generation and the final one.
        kf.refresh()
        _old, recovery_wrapping = (kf.unwrap_with_wrapping(RECOVERY_SLOT, secret) if kf.has_slot(RECOVERY_SLOT)
                                   else (None, b""))
        recovery_ck = kf.open_counselling(RECOVERY_SLOT, recovery_wrapping) if recovery_wrapping else None
        with ctx.db.write() as s:
            row = s.get(Meta, EPOCH_KEY)
            if row is None:
                s.add(Meta(key=EPOCH_KEY, value=str(epoch)))
            else:
                row.value = str(epoch)
            audit.record_for(ctx, s, "keys.rotate.start", detail={"epoch": epoch})
        previous_rotated_at = kf.rotated_at
        with kf.update():
            for sid in [sid for sid in kf.slots if sid.startswith("user:") and sid[5:] not in active]:
                kf.remove_slot(sid)
            if not kf.has_slot(RECOVERY_SLOT):
                recovery_wrapping = kf.set_slot(RECOVERY_SLOT, secret, old_key)
            kf.ensure_public_key(RECOVERY_SLOT, recovery_wrapping)
            need_reset = sorted(sid[5:] for sid in list(kf.slots) if not kf.seal_database_key(sid, new_key)
                                and sid.startswith("user:"))
            for login in need_reset:
                kf.remove_slot(user_slot_id(login))
            kf.rotated_at = kf.generation  # every generation up to this one wraps only the old key
        step("pending")
        try:
            if cancelled():
                raise Cancelled()
            ctx.db.checkpoint()
            with rekey.exclusive(ctx.db) as alone:
                # Nobody else can open the database until the new file is in place.
                counts = rekey.export_copy(alone, db_path, new_key)
                step("exported")
                rekey.verify_copy(db_path, new_key, counts)
                step("verified")
                if cancelled():
                    raise Cancelled()
            rekey.swap(db_path, step)
        except BaseException as exc:
            # Not swapped: the old database and key stand; the sealed new keys open nothing.
            rekey.remove_leftovers(db_path)
            with kf.update():
                kf.abandon_pending()
                kf.rotated_at = previous_rotated_at
            if isinstance(exc, rekey.InUse):
                raise UserError("这个学校正在另一个窗口或另一台电脑上打开。请先在那里退出，再更换数据库密钥。"
                                "数据库仍用原来的密钥，什么都没有改变。",
                                "The school is open in another window or on another PC; close it there first. "
                                "Nothing changed.") from None
            if isinstance(exc, rekey.RekeyFailed):
                raise UserError("新数据库核对没有通过，密钥没有更换，数据库仍用原来的密钥。",
                                "The copy under the new key did not verify; nothing changed.") from None
            raise
        step("swapped")
        anchor.carry_over(db_path, old_key, new_key)
        ctx.db.reopen(new_key)
        step("anchored")
        with kf.update():
            kf.set_slot(RECOVERY_SLOT, secret, new_key, counselling_key=recovery_ck)
        removed_copies = [p.name for p in kf.drop_pre_rotation_copies()]
    seconds = time.perf_counter() - start
    with ctx.db.write() as s:
        audit.record_for(ctx, s, "keys.rotate", detail={"epoch": epoch, "disabled": disabled, "need_reset": need_reset})
    step("done")
    return RotationResult(epoch, disabled, need_reset, seconds, removed_copies)
