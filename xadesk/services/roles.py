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

# Roles whose scope is the whole school.
WHOLE_SCHOOL = frozenset({ADMIN, COUNSELOR, LEADER})

PERMISSIONS: dict[str, frozenset[str]] = {
    ADMIN: frozenset({"roster.read", "roster.write", "roster.import", "accounts.manage", "audit.read",
                      "school.manage", "instruments.manage"}),
    COUNSELOR: frozenset({"roster.read", "roster.write", "audit.read", "instruments.manage",
                          "screening.manage", "screening.results", "grid.manage", "grid.read",
                          "counselling.read", "counselling.write", "archive.read", "archive.export",
                          "archive.import", "observation.write", "homevisit.write", "archive.consent"}),
    LEADER: frozenset({"roster.read", "audit.read", "grid.read", "grid.approve", "screening.results",
                       "archive.read", "reports.read"}),
    GRADE_LEADER: frozenset({"roster.read", "grid.read", "observation.write", "homevisit.write", "archive.read"}),
    HOMEROOM: frozenset({"roster.read", "grid.read", "observation.write", "homevisit.write", "archive.read"}),
}


def role_label(role: str) -> str:
    zh, en = ROLE_LABELS.get(role, (role, role))
    return msg(zh, en)


def parse_role(text: str) -> str | None:
    return ROLE_ALIASES.get(text.strip().lower()) or ROLE_ALIASES.get(text.strip())
