"""The acting user and the unlocked database, passed to every core service."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, true

from ..errors import PermissionDenied
from ..storage.database import SchoolDatabase
from ..storage.keyfile import KeyFile
from ..storage.models import SchoolClass, Student
from . import roles


@dataclass(frozen=True)
class Actor:
    user_id: int
    login: str
    display_name: str
    roles: frozenset[str]
    grade_codes: frozenset[str] = frozenset()  # grades led (grade leader)
    class_ids: frozenset[int] = frozenset()  # classes taught as homeroom teacher
    permissions: frozenset[str] = field(default=frozenset())
    must_change_password: bool = False  # set by an administrator's reset; the UI asks at login

    @property
    def sees_all(self) -> bool:
        return bool(self.roles & roles.WHOLE_SCHOOL)

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def student_filter(self) -> ColumnElement[bool]:
        """SQL condition on ``Student`` (joined to ``SchoolClass``) for the students this actor may see."""
        if self.sees_all:
            return true()
        conds = []
        if self.class_ids:
            conds.append(Student.class_id.in_(self.class_ids))
        if self.grade_codes:
            conds.append(Student.class_id.in_(
                SchoolClass.__table__.select().with_only_columns(SchoolClass.id)
                .where(SchoolClass.grade_code.in_(self.grade_codes), SchoolClass.active.is_(True))
                .scalar_subquery()))
        if not conds:
            return false()
        from sqlalchemy import or_

        return or_(*conds)


@dataclass
class AppContext:
    db: SchoolDatabase
    actor: Actor
    keyfile: KeyFile
    warnings: list[str] = field(default_factory=list)  # e.g. a damaged key file copy found at login
    failed_attempts: list = field(default_factory=list)  # UTC times of this account's failed logins since its last
    # The counselling compartment's key (xadesk.compartment): only counselors who hold it; None for everyone else.
    counselling_key: bytes | None = field(default=None, repr=False)
    # Item answers this session sealed without holding the key, kept in memory so a kiosk run by such a
    # counselor continues a student's questionnaire (xadesk.compartment.answers.Codec).
    answer_memory: dict = field(default_factory=dict, repr=False)

    def require(self, permission: str) -> None:
        if not self.actor.can(permission):
            raise PermissionDenied(*roles.denied_text(permission, self.actor.roles))

    def close(self) -> None:
        self.db.close()
