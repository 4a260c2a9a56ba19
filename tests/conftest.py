"""Shared fixtures. Every test runs with cheap KDF parameters, Chinese messages and a private data
folder, so nothing touches the developer's real school database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["XADESK_KDF_PROFILE"] = "test"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ADMIN_PASSWORD = "admin-pass-123"
TODAY = None


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XADESK_LANG", "zh")
    for var in ("XADESK_DB", "XADESK_USER", "XADESK_PASSWORD", "XADESK_NEW_PASSWORD",
                "XADESK_TRANSFER_PASSPHRASE", "XADESK_RECOVERY_KEY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "school.xadesk"


@pytest.fixture
def new_school(db_path):
    """An empty school: (created, admin context)."""
    from xadesk.services.login import create_school, login

    created = create_school(db_path, "西安市示例中学", "admin", ADMIN_PASSWORD, "王管理")
    ctx = login(db_path, "admin", ADMIN_PASSWORD)
    yield created, ctx
    ctx.close()


@pytest.fixture
def admin_ctx(new_school):
    return new_school[1]
