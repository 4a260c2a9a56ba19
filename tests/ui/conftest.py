"""Shared set-up for GUI tests: offscreen Qt, the real application object, no blocking dialogs.

* ``QT_QPA_PLATFORM=offscreen`` is set here, at import time, before anything imports Qt.
* pytest-qt's session ``qapp`` fixture is overridden to build the app with ``ui.app.create_app``,
  so tests render with the bundled font, palette and style teachers get.
* Every test runs with ``ui.messages`` in test mode (boxes are recorded in ``messages.shown``,
  never shown) and with a crash log in the test's tmp folder.
* ``sync_ops`` runs background operations inline; ``screenshot(widget, name)`` saves a PNG to
  ``screenshots/`` when ``XADESK_SCREENSHOTS=1`` (for looking at screens at 100 % and 150 %, see
  ``tests/ui/screens.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "screenshots"


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["xadesk-tests"]


@pytest.fixture(scope="session")
def qapp(qapp_args: list[str]):
    from ui.app import create_app

    # pytest-qt installs its own excepthook per test to turn exceptions in slots into failures.
    app = create_app(qapp_args, install_excepthook=False)
    yield app


@pytest.fixture(autouse=True)
def _quiet_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from ui import messages

    monkeypatch.setenv("XADESK_CRASH_LOG", str(tmp_path / "crash.log"))
    messages.set_test_mode(True)
    messages.reset()
    yield
    messages.reset()


@pytest.fixture
def crash_log(tmp_path: Path) -> Path:
    """Where this test's crash reports go (the file may not exist yet)."""
    return tmp_path / "crash.log"


@pytest.fixture
def sync_ops() -> Iterator[None]:
    """Run every ``BackgroundOp`` inline: the outcome is delivered before ``run()`` returns."""
    from ui import worker

    with worker.run_synchronously():
        yield


def screenshots_enabled() -> bool:
    return os.environ.get("XADESK_SCREENSHOTS") == "1"


def save_screenshot(widget, name: str, directory: Path | None = None) -> Path | None:
    """Grab ``widget`` into ``<directory>/<name>@<scale>x.png``; None when screenshots are off."""
    if not screenshots_enabled():
        return None
    from PySide6.QtWidgets import QApplication

    directory = directory or SCREENSHOT_DIR
    directory.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    pixmap = widget.grab()
    scale = f"{pixmap.devicePixelRatio():g}"
    path = directory / f"{name}@{scale}x.png"
    pixmap.save(str(path))
    return path


@pytest.fixture
def screenshot(qapp) -> Callable[..., Path | None]:
    """``screenshot(widget, "login")`` → PNG in ``screenshots/`` when ``XADESK_SCREENSHOTS=1``."""
    return save_screenshot


def type_text(widget, text: str) -> None:
    """Type ``text`` the way a teacher does: ASCII as key clicks, Chinese as an input-method commit.

    (QTest.keyClicks asserts on non-ASCII characters; a Chinese IME delivers a QInputMethodEvent.)
    """
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    run = ""
    for ch in text + "\0":
        if ch != "\0" and ch.isascii():
            run += ch
            continue
        if run:
            QTest.keyClicks(widget, run)
            run = ""
        if ch != "\0":
            event = QInputMethodEvent()
            event.setCommitString(ch)
            QApplication.sendEvent(widget, event)


@pytest.fixture(name="type_text")
def type_text_fixture(qapp) -> Callable[[object, str], None]:
    """``type_text(line_edit, "初二 z")``: mixed Chinese/ASCII typing into a focused widget."""
    return type_text
