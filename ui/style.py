"""The application's look: Fusion, a light palette and a small style sheet (``style.qss``).

Fusion looks the same on Windows, UOS and Kylin, so screenshots taken in tests are what teachers
see. The palette is set explicitly so a dark desktop theme does not turn half the widgets dark;
the style sheet only adds what Fusion lacks: taller hit targets and a keyboard focus ring that is
always visible.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

STYLE_SHEET_PATH = Path(__file__).resolve().parent / "style.qss"

# Named so screens can reuse them (e.g. charts, warning-level colours are defined elsewhere).
WINDOW = "#f5f6f8"
BASE = "#ffffff"
ALTERNATE = "#f6f8fb"
TEXT = "#1f2328"
MUTED_TEXT = "#5b6470"
DISABLED_TEXT = "#9aa1ab"
BUTTON = "#f0f1f3"
HIGHLIGHT = "#2f6fdb"
LINK = "#1f5fc4"


def light_palette() -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: WINDOW,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: ALTERNATE,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: BUTTON,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: HIGHLIGHT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#fffbe6",
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: DISABLED_TEXT,
        QPalette.ColorRole.Link: LINK,
        QPalette.ColorRole.LinkVisited: LINK,
        QPalette.ColorRole.Light: "#ffffff",
        QPalette.ColorRole.Midlight: "#e3e6ea",
        QPalette.ColorRole.Mid: "#c9ced6",
        QPalette.ColorRole.Dark: "#9aa1ab",
        QPalette.ColorRole.Shadow: "#5b6470",
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(DISABLED_TEXT))
    # Keep the selection blue when the window loses focus: a grey selection is easy to miss.
    pal.setColor(QPalette.ColorGroup.Inactive, QPalette.ColorRole.Highlight, QColor(HIGHLIGHT))
    pal.setColor(QPalette.ColorGroup.Inactive, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    return pal


def style_sheet() -> str:
    return STYLE_SHEET_PATH.read_text(encoding="utf-8")


def apply_style(app: QApplication) -> None:
    """Fusion + light palette + style sheet. Idempotent."""
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None:
        app.setStyle(fusion)
        # The style sheet wraps the style in a proxy whose name is empty; remember the base style.
        app.setProperty("xadesk_base_style", fusion.name())
    app.setPalette(light_palette())
    app.setStyleSheet(style_sheet())
