"""The small school of tests/services (three classes, six students, one account per role) plus a
counselor's context and an open campaign."""

from __future__ import annotations

import pytest

from tests.services.conftest import STAFF_PASSWORD, STUDENTS, SmallSchool, small_school  # noqa: F401


@pytest.fixture
def counselor(small_school):  # noqa: F811
    ctx = small_school.as_user("xinli")
    yield ctx
    ctx.close()


@pytest.fixture
def campaign(counselor):
    from xadesk.services.campaigns import create_campaign

    return create_campaign(counselor, "2026秋季普查", ["phq9", "asq"], grades=["J1", "J2"], open_now=True)


__all__ = ["STAFF_PASSWORD", "STUDENTS", "SmallSchool"]
