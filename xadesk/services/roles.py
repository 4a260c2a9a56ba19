"""Roles and what each may do. Scope (which students) is separate: see ``Actor.sees_all``."""

from __future__ import annotations

from ..i18n import msg

ADMIN = "admin"
COUNSELOR = "counselor"
LEADER = "leader"
GRADE_LEADER = "grade_leader"
HOMEROOM = "homeroom"

ROLES = (ADMIN, COUNSELOR, LEADER, GRADE_LEADER, HOMEROOM)

ROLE_LABELS = {
    ADMIN: ("管理员", "administrator"),
    COUNSELOR: ("心理健康教师", "counselor"),
    LEADER: ("校领导", "school leader"),
    GRADE_LEADER: ("年级组长", "grade leader"),
    HOMEROOM: ("班主任", "homeroom teacher"),
}

ROLE_ALIASES = {
    "admin": ADMIN, "管理员": ADMIN,
    "counselor": COUNSELOR, "counsellor": COUNSELOR, "心理教师": COUNSELOR, "心理健康教师": COUNSELOR,
    "leader": LEADER, "school_leader": LEADER, "校领导": LEADER, "心理副校长": LEADER, "分管校领导": LEADER,
    "grade_leader": GRADE_LEADER, "grade-leader": GRADE_LEADER, "年级组长": GRADE_LEADER,
    "homeroom": HOMEROOM, "班主任": HOMEROOM,
}

# screening.manage: campaigns, kiosk, imports, answers; screening.results: scores per student;
# screening.summary: band counts per class within the actor's scope (never a name or an answer).

# Roles whose scope is the whole school.
WHOLE_SCHOOL = frozenset({ADMIN, COUNSELOR, LEADER})

PERMISSIONS: dict[str, frozenset[str]] = {
    ADMIN: frozenset({"roster.read", "roster.write", "roster.import", "accounts.manage", "audit.read",
                      "school.manage", "instruments.manage"}),
    COUNSELOR: frozenset({"roster.read", "roster.write", "audit.read", "instruments.manage",
                          "screening.manage", "screening.results", "screening.summary", "grid.manage", "grid.read",
                          "counselling.read", "counselling.write", "archive.read", "archive.export",
                          "archive.import", "observation.write", "homevisit.write", "archive.consent"}),
    # Leaders see the grid, release evidence in words and the reports, never a named score table
    # (issue 11): scores and answers are for counselors (screening.results).
    LEADER: frozenset({"roster.read", "audit.read", "grid.read", "grid.approve",
                       "screening.summary",
                       "archive.read", "reports.read"}),
    GRADE_LEADER: frozenset({"roster.read", "grid.read", "observation.write", "homevisit.write", "archive.read",
                           "screening.summary"}),
    HOMEROOM: frozenset({"roster.read", "grid.read", "observation.write", "homevisit.write", "archive.read",
                       "screening.summary"}),
}


# The warning grid (issue 5): grid.read — the grid within scope (levels, contacts, plans, follow-ups;
# never interview findings or scores); grid.followup — log follow-ups and crisis events;
# grid.propose — propose a level from an observation or a referral; grid.monitors — class health
# monitors; grid.manage — rules, review, decisions, contacts, referrals, releases; grid.approve —
# approve releases the school reserves for a leader.
_GRID_PERMISSIONS: dict[str, frozenset[str]] = {
    COUNSELOR: frozenset({"grid.followup", "grid.propose", "grid.monitors"}),
    GRADE_LEADER: frozenset({"grid.followup", "grid.propose"}),
    HOMEROOM: frozenset({"grid.followup", "grid.propose", "grid.monitors"}),
}
PERMISSIONS = {role: perms | _GRID_PERMISSIONS.get(role, frozenset()) for role, perms in PERMISSIONS.items()}

# Class packs (issue 14): classpack.export — packs for homeroom teachers (an administrator's are
# roster-only); classpack.import — take returns back and decide their conflicts.
_CLASSPACK_PERMISSIONS: dict[str, frozenset[str]] = {
    ADMIN: frozenset({"classpack.export"}),
    COUNSELOR: frozenset({"classpack.export", "classpack.import"}),
}
PERMISSIONS = {role: perms | _CLASSPACK_PERMISSIONS.get(role, frozenset()) for role, perms in PERMISSIONS.items()}

# Backups (issue 10): backup.manage — make backups, choose the backup folder (the people who close
# the app at the end of a working day in a school office).
PERMISSIONS = {role: perms | ({"backup.manage"} if role in (ADMIN, COUNSELOR) else set())
               for role, perms in PERMISSIONS.items()}


def role_label(role: str) -> str:
    zh, en = ROLE_LABELS.get(role, (role, role))
    return msg(zh, en)


def parse_role(text: str) -> str | None:
    return ROLE_ALIASES.get(text.strip().lower()) or ROLE_ALIASES.get(text.strip())


# Reports (issue 13): reports.read — the school's indicators within scope (grade leaders: their grade);
# reports.manage — record what the plan figures need beyond the database (staff, training hours,
# lessons and activities); district.manage — in district mode, import schools' aggregate files.
_REPORT_PERMISSIONS: dict[str, frozenset[str]] = {
    ADMIN: frozenset({"reports.manage", "district.manage"}),
    COUNSELOR: frozenset({"reports.read", "reports.manage"}),
    LEADER: frozenset({"district.manage"}),
    GRADE_LEADER: frozenset({"reports.read"}),
}
PERMISSIONS = {role: perms | _REPORT_PERMISSIONS.get(role, frozenset()) for role, perms in PERMISSIONS.items()}


def roles_with(permission: str) -> list[str]:
    """The roles that hold ``permission``, in the order of ``ROLES``."""
    return [r for r in ROLES if permission in PERMISSIONS.get(r, frozenset())]


def denied_text(permission: str, roles_held: frozenset[str] = frozenset()) -> tuple[str, str]:
    """(zh, en) refusal naming the roles that may do it and the roles the user has."""
    need = roles_with(permission)
    have_zh = "、".join(ROLE_LABELS[r][0] for r in ROLES if r in roles_held) or "无角色"
    have_en = ", ".join(ROLE_LABELS[r][1] for r in ROLES if r in roles_held) or "no role"
    if not need:
        return (f"您没有权限执行此操作（您的角色：{have_zh}）。", f"You are not allowed to do this (your roles: {have_en}).")
    return (f"您没有权限执行此操作：需要{'或'.join(ROLE_LABELS[r][0] for r in need)}角色（您的角色：{have_zh}）。",
            f"You are not allowed to do this: it needs the {' or '.join(ROLE_LABELS[r][1] for r in need)} role "
            f"(your roles: {have_en}).")
