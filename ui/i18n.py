"""How UI text is written and translated.

Convention: UI source strings are Simplified Chinese, written where they are shown as
``self.tr("…")`` inside a QObject subclass, or ``tr("Context", "…")`` elsewhere. Both are forms that
Qt's ``pyside6-lupdate`` extracts into ``ui/translations/xadesk_<lang>.ts``; ``pyside6-lrelease``
compiles them to ``.qm`` files that :func:`install_translators` loads at start. Chinese needs no
catalogue (it is the source language); an English ``.qm`` is optional, and when one is missing the
UI simply stays Chinese.

Use a literal string as the argument (lupdate cannot see through variables), format after
translating: ``tr("Roster", "共 {n} 名学生").format(n=n)``.

Messages that come from the core (``UserError``) are already in the user's language
(``xadesk.i18n.msg``) and are shown as they are.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from xadesk.i18n import language

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def tr(context: str, text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """Translate ``text`` (Chinese source) in ``context``; lupdate extracts calls named ``tr``."""
    return QCoreApplication.translate(context, text, disambiguation, n)


def ui_locale() -> QLocale:
    """The locale the UI speaks: Chinese unless ``XADESK_LANG=en``, the same switch as the core."""
    if language() == "en":
        return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    return QLocale(QLocale.Language.Chinese, QLocale.Country.China)


def install_translators(app: QCoreApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """Install Qt's own catalogue (standard dialogs, context menus) and ours, when present.

    Returns the installed translators; the caller keeps them alive (a QTranslator that is garbage
    collected silently stops translating).
    """
    locale = locale or ui_locale()
    installed: list[QTranslator] = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    candidates = [("qtbase", qt_dir)]
    if locale.language() != QLocale.Language.Chinese:
        candidates.append(("xadesk", str(TRANSLATIONS_DIR)))
    for name, directory in candidates:
        translator = QTranslator(app)
        # QTranslator.load(locale, …) tries zh_CN, then zh, and returns False when nothing matches.
        if translator.load(locale, name, "_", directory):
            app.installTranslator(translator)
            installed.append(translator)
    return installed
