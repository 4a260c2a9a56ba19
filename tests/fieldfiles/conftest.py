"""The small school of tests/services and a counselor's context (see tests/screening/conftest.py)."""

from __future__ import annotations

import pytest

from tests.services.conftest import small_school  # noqa: F401


@pytest.fixture
def counselor(small_school):  # noqa: F811
    ctx = small_school.as_user("xinli")
    yield ctx
    ctx.close()


@pytest.fixture
def campaign(counselor):
    from xadesk.services.campaigns import create_campaign

    return create_campaign(counselor, "2026秋季筛查", ["phq9", "gad7"], grades=["J1", "J2"], open_now=True)
