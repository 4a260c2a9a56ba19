"""Accounts: people, their roles and scopes, and their key slots."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..compartment import access as compartment
from ..domain.grades import class_label, grade
from ..domain.names import check_name
from ..errors import NotFound, PermissionDenied, UserError, WrongPassword
from ..exchange.passphrase import normalise as normalise_recovery_key
from ..storage.keyfile import RECOVERY_SLOT, recovery_epoch_of, user_slot_id
from ..storage.models import RoleAssignment, SchoolClass, User
from . import audit, roles
from .context import AppContext
from .login import check_password_strength, current_school_name, normalise_login, now_utc


@dataclass(frozen=True)
class RoleSpec:
    """A role as asked for: grade leaders name grade codes, homeroom teachers class ids."""

    role: str
    grade_code: str | None = None
    class_id: int | None = None


@dataclass(frozen=True)
class UserRow:
    id: int
    login: str
    display_name: str
    active: bool
    roles: tuple[str, ...]  # human labels, e.g. "班主任 七年级(3)班"
    role_codes: tuple[str, ...]
    last_login_at: str | None


def _describe_role(r: RoleAssignment, class_labels: dict[int, str]) -> str:
    label = roles.role_label(r.role)
    if r.role == roles.GRADE_LEADER and r.grade_code:
        return f"{label} {grade(r.grade_code).label}"
    if r.role == roles.HOMEROOM and r.class_id:
        return f"{label} {class_labels.get(r.class_id, '?')}"
    return label


def _class_labels(session) -> dict[int, str]:
    return {c.id: class_label(c.grade_code, c.number) for c in session.scalars(select(SchoolClass))}


def _validate_specs(session, specs: list[RoleSpec]) -> None:
    if not specs:
        raise UserError("请至少选择一个角色。", "Choose at least one role.", field="role")
    for spec in specs:
        if spec.role not in roles.ROLES:
            raise UserError(f"未知角色：{spec.role}", f"Unknown role: {spec.role}", field="role")
        if spec.role == roles.GRADE_LEADER and not spec.grade_code:
            raise UserError("年级组长需要指定年级（--grade）。", "A grade leader needs a grade (--grade).", field="grade")
        if spec.role == roles.HOMEROOM and (not spec.class_id or session.get(SchoolClass, spec.class_id) is None):
            raise UserError("班主任需要指定一个已存在的班级（--class）。",
                            "A homeroom teacher needs an existing class (--class).", field="class")


def list_users(ctx: AppContext) -> list[UserRow]:
    ctx.require("accounts.manage")
    with ctx.db.read() as s:
        labels = _class_labels(s)
        out = []
        for u in s.scalars(select(User).order_by(User.login)):
            out.append(UserRow(u.id, u.login, u.display_name, u.active,
                               tuple(_describe_role(r, labels) for r in u.roles),
                               tuple(sorted({r.role for r in u.roles})),
                               u.last_login_at.isoformat(sep=" ", timespec="minutes") if u.last_login_at else None))
        return out


def add_user(ctx: AppContext, login: str, display_name: str, specs: list[RoleSpec], password: str, *,
             must_change: bool = True) -> UserRow:
    """A new account. ``must_change``: the person sets their own password at first login (an
    administrator chose this one); the demo school's published accounts pass False."""
    ctx.require("accounts.manage")
    login_key = normalise_login(login)
    if not login_key or any(ch.isspace() for ch in login_key):
        raise UserError("登录名不能为空，也不能包含空格。", "A login must be non-empty and without spaces.", field="login")
    check_name(login_key, field="login", what="登录名", what_en="the login")
    check_name(display_name or "", field="display_name")
    with ctx.db.write() as s:
        check_password_strength(password, login=login_key, school_name=current_school_name(s))
        if s.scalar(select(User.id).where(func.lower(User.login) == login_key)) is not None:
            raise UserError(f"登录名 {login_key} 已被使用。", f"The login {login_key} is taken.", field="login")
        _validate_specs(s, specs)
        user = User(login=login_key, display_name=(display_name or login_key).strip(), active=True,
                    must_change_password=must_change, created_at=now_utc())
        for spec in specs:
            user.roles.append(RoleAssignment(role=spec.role, grade_code=spec.grade_code, class_id=spec.class_id))
        s.add(user)
        s.flush()
        audit.record_for(ctx, s, "account.create", target=login_key,
                         detail={"roles": [[sp.role, sp.grade_code, sp.class_id] for sp in specs]})
    # The slot is written only after the account row is committed: a crash in between leaves an
    # account without a slot (fixed by a password reset), never a slot without an account.
    with ctx.keyfile.update():  # locked and read afresh: another session may have saved since this one logged in
        ctx.keyfile.set_slot(user_slot_id(login_key), password, ctx.db.key)
    return next(u for u in list_users(ctx) if u.login == login_key)


def set_roles(ctx: AppContext, login: str, specs: list[RoleSpec]) -> None:
    ctx.require("accounts.manage")
    login_key = normalise_login(login)
    with ctx.db.write() as s:
        user = s.scalar(select(User).where(func.lower(User.login) == login_key))
        if user is None:
            raise NotFound(f"没有登录名为 {login} 的账号。", f"No account named {login}.")
        _validate_specs(s, specs)
        if user.id == ctx.actor.user_id and roles.ADMIN not in {sp.role for sp in specs}:
            raise UserError("不能取消自己的管理员角色（请让另一位管理员操作）。",
                            "You cannot remove your own admin role.")
        was_counselor = roles.COUNSELOR in {r.role for r in user.roles}
        user.roles.clear()
        s.flush()
        for spec in specs:
            user.roles.append(RoleAssignment(role=spec.role, grade_code=spec.grade_code, class_id=spec.class_id))
        audit.record_for(ctx, s, "account.roles", target=login_key,
                         detail={"roles": [[sp.role, sp.grade_code, sp.class_id] for sp in specs]})
    if was_counselor and roles.COUNSELOR not in {sp.role for sp in specs}:
        # No longer a counselor: the counselling key leaves the slot, in every generation.
        ctx.keyfile.purge_counselling(user_slot_id(login_key))


def change_own_password(ctx: AppContext, old_password: str, new_password: str) -> None:
    slot = user_slot_id(ctx.actor.login)
    with ctx.db.read() as s:
        check_password_strength(new_password, login=ctx.actor.login, school_name=current_school_name(s))
    # Locked and read afresh: another session may have saved since this one logged in (even changed this
    # password: the old password is proved against the file as it is now, not as this session read it).
    with ctx.keyfile.update():
        ctx.keyfile.unwrap(slot, old_password)  # raises WrongPassword; nothing is saved then
        with ctx.db.write() as s:
            user = s.get(User, ctx.actor.user_id)
            user.must_change_password = False
            audit.record_for(ctx, s, "account.password", target=ctx.actor.login)
        # A counselor keeps the counselling key across a password change (it is sealed to the new slot).
        ctx.keyfile.set_slot(slot, new_password, ctx.db.key, counselling_key=ctx.counselling_key)


def reset_password(ctx: AppContext, login: str, new_password: str) -> None:
    """An administrator sets another person's password (they must change it at next login)."""
    ctx.require("accounts.manage")
    login_key = normalise_login(login)
    with ctx.db.write() as s:
        check_password_strength(new_password, login=login_key, school_name=current_school_name(s))
        user = s.scalar(select(User).where(func.lower(User.login) == login_key))
        if user is None:
            raise NotFound(f"没有登录名为 {login} 的账号。", f"No account named {login}.")
        user.must_change_password = user.id != ctx.actor.user_id
        audit.record_for(ctx, s, "account.reset", target=login_key)
    with ctx.keyfile.update():  # locked and read afresh: another session may have saved since this one logged in
        ctx.keyfile.set_slot(user_slot_id(login_key), new_password, ctx.db.key)


def grant_counselling_with_recovery(ctx: AppContext, recovery_key: str) -> list[str]:
    """Give the counselling key to every active counselor who lacks it, with the printed recovery key
    (administrators do not hold the counselling key themselves). Returns the logins granted (audited)."""
    ctx.require("accounts.manage")
    secret = normalise_recovery_key(recovery_key)
    # Proven before anything is written: a wrong key would replace the recovery key's public key.
    if ctx.keyfile.has_slot(RECOVERY_SLOT):
        ctx.keyfile.unwrap(RECOVERY_SLOT, secret)
    elif recovery_epoch_of(secret, ctx.db.key) is None:
        raise WrongPassword("恢复密钥不正确。请对照打印的恢复密钥逐组核对后重试。",
                            "The recovery key is wrong. Check it group by group against the printout.")
    with ctx.keyfile.locked(), ctx.db.write() as s:
        granted = compartment.grant_with_recovery(s, ctx.keyfile, secret)
        audit.record_for(ctx, s, "counselling.grant", detail={"logins": granted})
        ctx.keyfile.save()
    return granted


def counselling_grant_pending(ctx: AppContext, login: str) -> bool:
    """True when ``login`` is a counselor whose slot does not hold the counselling key yet."""
    with ctx.db.read() as s:
        is_counselor = normalise_login(login) in compartment.active_counselor_logins(s)
    return is_counselor and not ctx.keyfile.holds_counselling(user_slot_id(normalise_login(login)))


def deactivate(ctx: AppContext, login: str) -> None:
    ctx.require("accounts.manage")
    login_key = normalise_login(login)
    if login_key == ctx.actor.login:
        raise PermissionDenied("不能停用自己的账号。", "You cannot disable your own account.")
    with ctx.db.write() as s:
        user = s.scalar(select(User).where(func.lower(User.login) == login_key))
        if user is None:
            raise NotFound(f"没有登录名为 {login} 的账号。", f"No account named {login}.")
        user.active = False
        audit.record_for(ctx, s, "account.deactivate", target=login_key)
    # From every generation too: an old copy must not keep opening the database for this person.
    ctx.keyfile.purge_slot(user_slot_id(login_key))
