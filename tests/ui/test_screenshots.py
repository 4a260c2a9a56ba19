"""Every page and the main dialogs, for each demo role, checked against the screens schools have.

Budgets, in device-independent pixels (what Qt lays out in): 1366 × 768 at 100 % and 1920 × 1080 at
150 % (= 1280 × 720). A taskbar takes ~40 px, so the main window has 1280 × 680 — the 150 % screen is
the tighter one in both directions, so pages are checked at that size (all five demo roles, every
page and every tab, in this process), and a dialog's frame must fit that area too.

``test_pages_and_dialogs_at_150_percent`` repeats the page checks and opens the main dialogs in a
child process whose offscreen screen is really 1920 × 1020 pixels, scaled 150 %: dialogs
size themselves against it as on a school PC, and the PNGs are real 150 % renderings.

What a teacher would see is checked: a dialog whose buttons are off the screen; a label, button, check
box or drop-down whose text is cut off (Qt clips a label; it does not add "…"); an input hint that ends
mid-word. Images go to ``screenshots/`` (gitignored) with ``XADESK_SCREENSHOTS=1``;
``XADESK_SCREENSHOT_DIR`` picks another folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOptionComboBox,
    QTabWidget,
    QWidget,
)
from sqlalchemy import select

from tests.ui.conftest import REPO_ROOT
from xadesk.archive.document import view_archive
from xadesk.demo import DEMO_PASSWORD, build_demo
from xadesk.services import roster
from xadesk.services.login import login
from xadesk.storage.models_grid import GridCase

WINDOW_BUDGET = (1280, 680)
TITLE_BAR = 30  # a dialog's frame is outside its geometry
ROLES = ("admin", "xinli", "xiaozhang", "nianji7", "bzr701")


def _shot_dir() -> Path | None:
    if os.environ.get("XADESK_SCREENSHOTS") != "1":
        return None
    d = Path(os.environ.get("XADESK_SCREENSHOT_DIR") or REPO_ROOT / "screenshots")
    d.mkdir(parents=True, exist_ok=True)
    return d


def _save(widget: QWidget, name: str) -> None:
    d = _shot_dir()
    if d is not None:
        QApplication.processEvents()
        pixmap = widget.grab()
        pixmap.save(str(d / f"{name}@{pixmap.devicePixelRatio():g}x.png"))


def _settle(qtbot, ms: int = 10) -> None:
    qtbot.wait(ms)
    QApplication.processEvents()


def clipped_texts(root: QWidget) -> list[str]:
    """Visible one-line texts that do not fit their widget (labels, buttons, check boxes, placeholders)."""
    out = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or w.width() <= 1:
            continue
        fm = w.fontMetrics()
        if isinstance(w, QLabel) and not w.wordWrap() and w.pixmap().isNull():
            text = w.text()
            if not text or "<" in text or "\n" in text or w.textFormat() == Qt.TextFormat.RichText:
                continue
            text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
            m = w.contentsMargins()
            room = w.width() - m.left() - m.right() - 2 * w.margin() - w.indent() * 0
            if fm.horizontalAdvance(text) > room + 1:
                out.append(f"标签“{text}”（需 {fm.horizontalAdvance(text)} px，只有 {room} px）")
        elif isinstance(w, QPushButton | QCheckBox | QRadioButton) and w.text():
            if w.sizeHint().width() > w.width() + 1:
                out.append(f"按钮“{w.text()}”（需 {w.sizeHint().width()} px，只有 {w.width()} px）")
        elif isinstance(w, QLineEdit) and w.placeholderText() and not w.text() and not isinstance(w.parent(), QComboBox):
            room = w.width() - 16
            if fm.horizontalAdvance(w.placeholderText()) > room:
                out.append(f"输入框提示“{w.placeholderText()}”（需 {fm.horizontalAdvance(w.placeholderText())} px，"
                           f"只有 {room} px）")
        elif isinstance(w, QComboBox) and w.currentText() and not w.isEditable():
            # the current entry cut off ("四年级(1)]"): the style's own size for this text must fit
            opt = QStyleOptionComboBox()
            w.initStyleOption(opt)
            need = w.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, opt,
                                              QSize(fm.horizontalAdvance(w.currentText()), fm.height()), w).width()
            if need > w.width() + 1:
                out.append(f"下拉框“{w.currentText()}”（需 {need} px，只有 {w.width()} px）")
    return out


def check_dialog(dialog: QDialog, name: str, wait) -> list[str]:
    """Open ``dialog`` as the program does (its own sizing against the screen it is on) and check it."""
    dialog.show()
    wait()
    problems = []
    avail = dialog.screen().availableGeometry()
    room = QSize(avail.width(), avail.height() - TITLE_BAR)
    if dialog.height() > room.height() or dialog.width() > room.width():
        problems.append(f"{name}：打开时 {dialog.width()}×{dialog.height()}，超出屏幕可用区 {room.width()}×{room.height()}"
                        f"（按钮会落到屏幕外）")
    problems += [f"{name}：{t}" for t in clipped_texts(dialog)]
    _save(dialog, name)
    return problems


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("shots") / "demo.xadesk"
    build_demo(path, today=date.today())
    return path


@pytest.fixture
def as_role(demo_path):
    opened = []

    def make(login_name: str):
        ctx = login(demo_path, login_name, DEMO_PASSWORD)
        opened.append(ctx)
        return ctx

    yield make
    for c in opened:
        c.close()


def _tabs_of(page: QWidget) -> list[QTabWidget]:
    return [t for t in page.findChildren(QTabWidget) if t.isVisibleTo(page)]


def check_pages(window, role: str, wait) -> list[str]:
    """Every page of ``window`` (and every tab on it) at the two budgets: fits, no text cut off."""
    problems = []
    # 1280 × 680 is the tighter of the two screens in both directions (1366 × 698 is wider and only
    # 18 px taller), so one pass at it covers both; the PNGs show that size.
    for size, label in ((WINDOW_BUDGET, "1280x680"),):
        window.resize(*size)
        window.show()
        for key in window.page_keys():
            window.show_page(key)
            wait()
            need = window.minimumSizeHint()
            if need.height() > WINDOW_BUDGET[1] or need.width() > WINDOW_BUDGET[0]:
                problems.append(f"{role}/{key}：主窗口至少需要 {need.width()}×{need.height()}")
            page = window.current_page()
            tabs = _tabs_of(page)
            views = [(t, i) for t in tabs[:1] for i in range(t.count())] or [(None, 0)]
            for tab, i in views:
                if tab is not None:
                    tab.setCurrentIndex(i)
                    wait()
                where = f"{role}/{key}" + (f"/{tab.tabText(i)}" if tab is not None else "")
                problems += [f"{where}@{label}：{t}" for t in clipped_texts(page)]
                _save(window, f"{role}-{key}{'-' + str(i) if tab is not None else ''}-{label}")
            if tabs:
                tabs[0].setCurrentIndex(0)
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_and_shows_its_words(qtbot, qapp, sync_ops, as_role, role):
    from ui.mainwindow import MainWindow

    window = MainWindow(as_role(role))
    qtbot.addWidget(window)
    problems = check_pages(window, role, lambda: _settle(qtbot))
    assert problems == [], "\n".join(problems)


def test_pages_and_dialogs_at_150_percent(demo_path, tmp_path):
    """A 1920 × 1080 screen at 150 % with a 60 px taskbar (1280 × 680 usable), for real: Qt's offscreen
    screen configured so and QT_SCALE_FACTOR=1.5, in its own process (Qt reads both when it starts).
    Dialogs size themselves against it exactly as on a school PC."""
    out = _shot_dir() or tmp_path
    screen = tmp_path / "screen.json"
    screen.write_text(json.dumps({"screens": [{"name": "school", "x": 0, "y": 0, "width": 1920, "height": 1020,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screen}", XADESK_SCREENSHOT_DIR=str(out),
               PYTHONPATH=str(REPO_ROOT), QT_SCALE_FACTOR="1.5")  # 1920 × 1020 px / 1.5 = 1280 × 680
    result = subprocess.run([sys.executable, __file__, str(demo_path), "xinli", "bzr701", "xiaozhang"], env=env,
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def _student_ids(ctx) -> tuple[int, int]:
    """A student on the grid (with follow-ups) and one in 七年级(1)班."""
    with ctx.db.read() as s:
        on_grid = s.scalar(select(GridCase.student_id).order_by(GridCase.level_code, GridCase.id))
    mine = roster.list_students(ctx, class_="七年级(1)班")[0].id
    return on_grid, mine


def make_dialogs(ctx, role: str, host: QWidget) -> dict[str, QDialog]:
    """The dialogs a role opens most, on real demo students."""
    from ui.archive.observe import HomeVisitDialog, ObservationDialog
    from ui.archive.view import ArchiveDialog
    from ui.grid.student import TrackingDialog
    from ui.roster.detail import StudentDetailDialog

    on_grid, mine = _student_ids(ctx)
    sid = on_grid if role != "bzr701" else mine
    host.ctx = ctx  # type: ignore[attr-defined]  (the student dialog looks for its page's ctx)
    dialogs: dict[str, QDialog] = {
        "archive": ArchiveDialog(ctx, view_archive(ctx, sid), host),
        "student": StudentDetailDialog(roster.get_student(ctx, sid), host),
        "tracking": TrackingDialog(ctx, sid, host),
    }
    if ctx.actor.can("observation.write"):
        dialogs["observation"] = ObservationDialog(ctx, sid, "七年级(1)班 某某", host)
        dialogs["homevisit"] = HomeVisitDialog(ctx, sid, "七年级(1)班 某某", host)
    if ctx.actor.can("screening.manage"):
        from ui.screening.create_dialog import CreateCampaignDialog

        dialogs["new-campaign"] = CreateCampaignDialog(ctx, host)
    return dialogs


def _child(demo: str, roles: list[str]) -> int:
    from PySide6.QtTest import QTest

    from ui import worker
    from ui.app import create_app
    from ui.mainwindow import MainWindow

    create_app([sys.argv[0]], install_excepthook=False)
    problems = []

    def wait() -> None:
        QTest.qWait(10)

    with worker.run_synchronously():
        for k, role in enumerate(roles):
            ctx = login(Path(demo), role, DEMO_PASSWORD)
            try:
                if k == 0:  # pages once (the counselor has them all); every role's pages run in-process
                    window = MainWindow(ctx)
                    problems += check_pages(window, role, wait)
                    window.close()
                host = QWidget()
                for name, dialog in make_dialogs(ctx, role, host).items():
                    problems += check_dialog(dialog, f"{role}-{name}", wait)
                    dialog.close()
            finally:
                ctx.close()
    print("\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    raise SystemExit(_child(sys.argv[1], sys.argv[2:]))
