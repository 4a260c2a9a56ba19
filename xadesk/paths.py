"""Where things live on disk."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "XADesk"
DEFAULT_DB_NAME = "school.xadesk"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def database_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` wins, then ``XADESK_DB``, then the user data folder."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("XADESK_DB")
    if env:
        return Path(env).expanduser()
    return data_dir() / DEFAULT_DB_NAME


def assets_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "assets"


def font_path() -> Path:
    return assets_dir() / "fonts" / "wqy-microhei.ttc"
