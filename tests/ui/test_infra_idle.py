"""The inactivity timer fires after a quiet period and is re-armed by any input."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from ui.idle import InactivityTimer

pytestmark = pytest.mark.gui


@pytest.fixture
def edit(qtbot) -> QLineEdit:
    widget = QLineEdit()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_idle_fires_once_after_quiet_period(qtbot):
    timer = InactivityTimer()
    fired = []
    timer.idle.connect(lambda: fired.append(True))
    with qtbot.waitSignal(timer.idle, timeout=3000):
        timer.activate(0.2)
    qtbot.wait(400)
    assert fired == [True], "fires once, then waits for the next activity"
    timer.deactivate()


def test_input_rearms_the_timer(qtbot, edit):
    timer = InactivityTimer()
    timer.activate(60)
    qtbot.wait(150)
    before = timer._timer.remainingTime()
    assert before < 60_000
    qtbot.keyClick(edit, Qt.Key.Key_A)
    assert timer._timer.remainingTime() > before
    qtbot.wait(100)
    before = timer._timer.remainingTime()
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    assert timer._timer.remainingTime() > before
    timer.deactivate()


def test_activity_after_idle_arms_it_again(qtbot, edit):
    timer = InactivityTimer()
    with qtbot.waitSignal(timer.idle, timeout=3000):
        timer.activate(0.15)
    with qtbot.waitSignal(timer.idle, timeout=3000):
        qtbot.keyClick(edit, Qt.Key.Key_B)
    timer.deactivate()


def test_deactivated_timer_stays_silent(qtbot, edit):
    timer = InactivityTimer()
    fired = []
    timer.idle.connect(lambda: fired.append(True))
    timer.activate(0.1)
    timer.deactivate()
    qtbot.keyClick(edit, Qt.Key.Key_C)
    qtbot.wait(300)
    assert fired == [] and not timer.is_active()


def test_timeout_must_be_positive():
    with pytest.raises(ValueError):
        InactivityTimer().activate(0)
