"""Creating the QApplication: names, high-DPI policy, the bundled CJK font, translators, style.

``create_app`` is the only place a QApplication is made, in the program and in tests (the pytest
``qapp`` fixture calls it), so what tests render is what teachers see.
"""

from __future__ import annotations

import atexit
import logging
import sys
from collections.abc import Sequence
from types import TracebackType

import shiboken6
from PySide6.QtCore import QEvent, QLocale, Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from xadesk import paths

from . import i18n, style, worker

log = logging.getLogger(__name__)

APP_NAME = "XA Desk"
ORGANISATION = "XADesk"
FONT_FAMILY = "WenQuanYi Micro Hei"
# 10.5 pt is 五号, the usual Chinese body size; a little larger reads better on classroom PCs.
DEFAULT_POINT_SIZE = 11.0

_CONFIGURED = "xadesk_configured"
# Held here so the QApplication outlives every window, whatever scope the caller keeps it in.
_app: QApplication | None = None


def register_bundled_font() -> str | None:
    """Register ``assets/fonts/wqy-microhei.ttc``; return its family name, or None if it failed.

    A missing font is not fatal: Qt falls back to a system font (possibly with tofu for CJK on a
    bare Linux), which is still better than not starting.
    """
    path = paths.font_path()
    font_id = QFontDatabase.addApplicationFont(str(path))
    if font_id < 0:
        log.warning("bundled font could not be registered: %s", path.name)
        return None
    families = QFontDatabase.applicationFontFamilies(font_id)
    # The .ttc holds the proportional face and a "Mono" face; we want the proportional one.
    return FONT_FAMILY if FONT_FAMILY in families else (families[0] if families else None)


def create_app(argv: Sequence[str] | None = None, *, install_excepthook: bool = True) -> QApplication:
    """Return the configured QApplication, creating it if needed (safe when one exists, e.g. in tests)."""
    app = QApplication.instance()
    if app is None:
        # Must precede the QApplication: PassThrough keeps 125 % / 150 % exact instead of rounding
        # to 100 % / 200 % (Qt 6's default too, set here so it never depends on the environment).
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        QApplication.setApplicationName(APP_NAME)
        QApplication.setOrganizationName(ORGANISATION)
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication), "a non-widget Q(Gui|Core)Application already exists"
    if app.property(_CONFIGURED):
        return app
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    icon = paths.assets_dir() / "icons" / "xadesk.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    app.setApplicationDisplayName(APP_NAME)

    family = register_bundled_font()
    font = QFont(family) if family else QFont(app.font())
    font.setPointSizeF(DEFAULT_POINT_SIZE)
    app.setFont(font)

    locale = i18n.ui_locale()
    QLocale.setDefault(locale)
    # Kept on the app object: a translator that Python garbage-collects stops translating.
    app._xadesk_translators = i18n.install_translators(app, locale)  # type: ignore[attr-defined]

    style.apply_style(app)
    app.aboutToQuit.connect(worker.shutdown)
    if install_excepthook:
        install_crash_handler()
    app.setProperty(_CONFIGURED, True)
    global _app
    _app = app
    atexit.register(_delete_windows_at_exit)
    return app


def _delete_windows_at_exit() -> None:
    """Delete the remaining top-level widgets before PySide's own exit clean-up runs.

    A window kept alive to the end (by the program, or by a slot lambda that captures ``self``)
    is otherwise torn down during interpreter finalisation in an order that crashes PySide
    ("shared QObject was deleted directly", then SIGSEGV/SIGBUS) — measured on 6.12: 10 of 10 exits of
    the demo window crashed without this, 0 of 8 with it. Deleting the wrappers directly with
    shiboken6.delete() crashed in releaseWrapper on 6.11 (a dialog deleted with its parent), so the
    windows go through Qt's own deleteLater instead. atexit runs handlers last-in first-out,
    so this one (registered after PySide was imported) runs before PySide's.
    """
    if QApplication.instance() is None:
        return
    # A program that never ran app.exec() (screenshot helpers, scripts) never emitted aboutToQuit:
    # stop the database worker thread here too, or its QThread is destroyed while running.
    worker.shutdown(2000)
    # Close and let Qt delete them through its own event loop (deleteLater + one pass), so the C++
    # side tears down parent before children; deleting wrappers directly crashed in shiboken.
    for widget in QApplication.topLevelWidgets():
        if shiboken6.isValid(widget):
            widget.close()
            widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()


def install_crash_handler() -> None:
    """Route uncaught exceptions (e.g. raised in a slot) to the scrubbed crash log and a generic dialog."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        worker.report_exception(exc, parent=QApplication.activeWindow())

    sys.excepthook = hook
