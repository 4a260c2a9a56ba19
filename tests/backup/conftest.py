"""The small school of tests/services, used by the backup tests."""

from __future__ import annotations

from tests.services.conftest import STAFF_PASSWORD, SmallSchool, small_school  # noqa: F401

__all__ = ["STAFF_PASSWORD", "SmallSchool"]
