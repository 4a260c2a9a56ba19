"""create_app: the bundled font, Chinese Qt dialogs, the house style, idempotence."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtGui import QFontInfo, QFontMetrics, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from ui import app as ui_app
from ui import style
from ui.i18n import tr

pytestmark = pytest.mark.gui


def test_create_app_is_idempotent(qapp):
    assert ui_app.create_app([]) is qapp is QApplication.instance()
    assert qapp.applicationName() == "XA Desk" and qapp.organizationName() == "XADesk"


def test_bundled_cjk_font_is_the_application_font(qapp):
    font = qapp.font()
    assert QFontInfo(font).family() == ui_app.FONT_FAMILY
    assert font.pointSizeF() == ui_app.DEFAULT_POINT_SIZE
    metrics = QFontMetrics(font)
    for ch in "学生心理健康工作台（）ＡBc123":
        assert metrics.inFontUcs4(ord(ch)), ch


def test_high_dpi_policy_is_pass_through(qapp):
    assert (QGuiApplication.highDpiScaleFactorRoundingPolicy()
            == Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)


def test_qt_standard_texts_are_chinese(qapp):
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    assert QLocale().language() == QLocale.Language.Chinese


def test_tr_passes_chinese_source_through(qapp):
    assert tr("Roster", "共 {n} 名学生").format(n=3) == "共 3 名学生"


def test_house_style(qapp):
    assert qapp.property("xadesk_base_style") == "fusion"
    assert qapp.palette().color(QPalette.ColorRole.Highlight).name() == style.HIGHLIGHT
    assert ":focus" in qapp.styleSheet()


def test_missing_font_does_not_stop_the_app(qapp, monkeypatch, tmp_path):
    monkeypatch.setattr(ui_app.paths, "font_path", lambda: tmp_path / "nope.ttc")
    assert ui_app.register_bundled_font() is None


EXIT_SCRIPT = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, sys.argv[1])
from PySide6.QtCore import QTimer
from ui.app import create_app

def main():
    app = create_app([])
    from test_infra_demo import DemoWindow, demo_rows
    window = DemoWindow(demo_rows(200))  # its slot lambdas capture self: alive until exit
    window.show()
    QTimer.singleShot(100, app.quit)
    return app.exec()

sys.exit(main())
"""


def test_program_exits_cleanly_with_a_window_still_alive(tmp_path):
    """Regression: PySide 6.12 crashed at interpreter exit when a window outlived main()."""
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "exit_check.py"
    script.write_text(EXIT_SCRIPT, encoding="utf-8")
    here = str(Path(__file__).parent)
    for _ in range(3):  # the crash was an exit-order race: one clean run is not proof
        result = subprocess.run([sys.executable, str(script), here], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr[-2000:]


def test_app_has_the_bundled_icon(qapp):
    assert not qapp.windowIcon().isNull()
