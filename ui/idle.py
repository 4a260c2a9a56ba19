"""Application-wide inactivity timer (KeePassXC's ``InactivityTimer``).

An event filter on the QApplication restarts a single-shot timer on every key press, click, wheel
turn, touch or mouse move; when the timer runs out, ``idle`` is emitted once. The main window locks
itself on ``idle`` (a counselor walks away from an unlocked record); a kiosk returns to its start
screen. The next activity re-arms the timer.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal

# A tuple, not a set: QEvent.type() may come back as a plain int here, which compares equal to the
# enum member but does not hash like it.
ACTIVITY_EVENTS = (
    QEvent.Type.KeyPress,
    QEvent.Type.KeyRelease,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.TabletPress,
)


class InactivityTimer(QObject):
    """``activate(seconds)`` starts watching; ``idle`` fires after that long without input."""

    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        # Precise: a coarse timer may fire up to 5 % late, i.e. 45 s on a 15-minute auto-lock.
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._timed_out)
        self._active = False
        self._emitting = False

    def activate(self, seconds: float) -> None:
        """Start (or restart with a new length). ``seconds`` may be fractional (tests)."""
        if seconds <= 0:
            raise ValueError("idle timeout must be positive")
        self._timer.setInterval(max(1, round(seconds * 1000)))
        if not self._active:
            app = QCoreApplication.instance()
            if app is None:
                raise RuntimeError("InactivityTimer needs a QApplication")
            app.installEventFilter(self)
            self._active = True
        self._timer.start()

    def deactivate(self) -> None:
        if self._active:
            app = QCoreApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
            self._active = False
        self._timer.stop()

    def is_active(self) -> bool:
        return self._active

    def interval_ms(self) -> int:
        return self._timer.interval()

    def poke(self) -> None:
        """Count as activity (e.g. after a long background job that the user was watching)."""
        if self._active:
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The filter sees each event once per widget it propagates through; restarting a timer is
        # cheap, so no de-duplication is needed. It never consumes the event.
        if self._active and not self._emitting and event.type() in ACTIVITY_EVENTS:
            self._timer.start()
        return False

    def _timed_out(self) -> None:
        # A slot connected to ``idle`` may open a modal lock dialog; input inside it must not
        # re-arm the timer into a second ``idle`` while the first is still being handled.
        self._emitting = True
        try:
            self.idle.emit()
        finally:
            self._emitting = False
