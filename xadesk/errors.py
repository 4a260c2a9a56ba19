"""Errors a person can act on.

Every failure that a teacher may meet is a :class:`UserError` carrying a message in Chinese (and
English), optionally the row and field it concerns. The CLI prints it and exits 1; the GUI shows it
in a dialog or banner. Nothing else should reach a user: anything that is not a ``UserError`` is a
bug and is reported without student data (see ``xadesk.logsafe``).
"""

from __future__ import annotations

from .i18n import msg


class UserError(Exception):
    """A problem the user can understand and fix. ``str()`` is the message in the current language."""

    def __init__(self, zh: str, en: str | None = None, *, row: int | None = None,
                 field: str | None = None, details: list[str] | None = None) -> None:
        self.zh = zh
        self.en = en or zh
        self.row = row
        self.field = field
        self.details = list(details or [])
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return msg(self.zh, self.en)

    def full_text(self) -> str:
        """The message followed by its detail lines (e.g. every bad row of an import)."""
        return "\n".join([self.message, *self.details])

    def __str__(self) -> str:
        return self.message


class PermissionDenied(UserError):
    """The acting user's role or scope does not cover what was asked."""

    def __init__(self, zh: str = "您没有权限执行此操作。", en: str = "You are not allowed to do this.") -> None:
        super().__init__(zh, en)


class NotFound(UserError):
    pass


class ValidationFailed(UserError):
    """Input was refused as a whole; ``details`` lists each problem (row-numbered where it has rows)."""


# --- opening a database -------------------------------------------------------------------------

class DatabaseError(UserError):
    """Base for problems opening a school database; each subclass has its own message."""


class DatabaseMissing(DatabaseError):
    pass


class WrongPassword(DatabaseError):
    pass


class NotXADeskDatabase(DatabaseError):
    pass


class DatabaseDamaged(DatabaseError):
    pass


class KeyFileDamaged(DatabaseError):
    """The key file (or the slot needed) is damaged in every copy: said as damage, never as a wrong password."""


class DatabaseTooNew(DatabaseError):
    pass


class DatabaseExists(DatabaseError):
    pass


class Cancelled(UserError):
    """A long operation was cancelled by the user; nothing was written."""

    def __init__(self) -> None:
        super().__init__("操作已取消，未做任何更改。", "Cancelled; nothing was changed.")
