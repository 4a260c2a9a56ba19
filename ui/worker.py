"""The one background-operation API: every long job (import, scoring, PDF batches, export) uses it.

Modelled on Anki's ``CollectionOp``/``QueryOp`` and Orange3's ``TaskState``::

    def work(task: TaskState) -> ImportReport:
        return roster.import_file(session, path, progress=task.progress_callback(),
                                  cancelled=task.cancel_callback())

    BackgroundOp(self, work, title="正在导入花名册…").success(self._show_report).run()

* ``fn(task)`` runs off the GUI thread; it reports with ``task.set_progress(done, total, text)`` and
  polls ``task.is_cancelled()`` (or hands the core the plain callables ``progress_callback()`` and
  ``cancel_callback()``, which is what the core's long operations take).
* Results, errors and progress come back on the GUI thread. Progress is *polled* by a GUI timer
  (100 ms) from a lock-protected snapshot, so a loop reporting 5,000 rows cannot flood the event
  queue with signals.
* A modal progress dialog with a 取消 button appears only if the job is still running after 600 ms,
  so quick jobs do not flash a dialog.
* Outcomes: ``success(cb)`` gets the result; a :class:`~xadesk.errors.Cancelled` from the core is
  reported as a short status note (no error box) or to ``on_cancel(cb)``; any other
  :class:`~xadesk.errors.UserError` is shown as its Chinese message (or handed to ``failure(cb)``,
  e.g. for an inline banner); anything else is a bug: a generic "程序内部错误" box without the
  exception text, and a scrubbed traceback (exception types and file:line only) in the crash log.

Threading choice: one dedicated worker thread (a private ``QThreadPool`` with one thread that never
expires). All jobs run one after another on it, so database work is serialised — SQLite allows one
writer at a time anyway, and a connection is never used by two threads at once. Two long jobs
started together queue rather than compete; that is the behaviour a teacher expects.

Tests: ``set_synchronous(True)`` (or the ``sync_ops`` fixture) runs ``fn`` inline inside ``run()``
and delivers its outcome before ``run()`` returns, like Picard's fake thread pool; threaded runs can
be awaited with ``qtbot.waitUntil(lambda: op.done)`` or ``qtbot.waitSignal(op.finished)``.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QProgressBar, QProgressDialog, QPushButton, QWidget

from xadesk import logsafe, paths
from xadesk.errors import Cancelled, UserError
from xadesk.integrity.pages import damaged_message, is_damage_error

from . import messages

T = TypeVar("T")

DIALOG_DELAY_MS = 600
POLL_INTERVAL_MS = 100
_QT_INT_MAX = 2**31 - 1


class TaskState:
    """What a running job sees: a place to report progress and a cancel flag. Thread-safe."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._done = 0
        self._total = 0
        self._text = ""

    def set_progress(self, done: int, total: int, text: str | None = None) -> None:
        """Report ``done`` of ``total`` (``total`` 0 = unknown); ``text`` None keeps the previous text."""
        with self._lock:
            self._done, self._total = int(done), int(total)
            if text is not None:
                self._text = text

    def set_text(self, text: str) -> None:
        with self._lock:
            self._text = text

    def progress(self) -> tuple[int, int, str]:
        """A consistent snapshot ``(done, total, text)``."""
        with self._lock:
            return self._done, self._total, self._text

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        """Raise :class:`Cancelled` if the user asked to stop (for jobs written in the UI layer)."""
        if self._cancel.is_set():
            raise Cancelled()

    def progress_callback(self, text: str | None = None) -> Callable[[int, int], None]:
        """The ``progress(done, total)`` callable the core's long operations take."""

        def progress(done: int, total: int) -> None:
            self.set_progress(done, total, text)

        return progress

    def cancel_callback(self) -> Callable[[], bool]:
        """The ``cancelled() -> bool`` callable the core's long operations take."""
        return self.is_cancelled


# --- the worker thread --------------------------------------------------------------------------

_pool: QThreadPool | None = None
_synchronous = False
_active: set[BackgroundOp[Any]] = set()


def _worker_pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(1)
        # -1: the thread never expires, so it is always the same thread that touches the database.
        _pool.setExpiryTimeout(-1)
    return _pool


def set_synchronous(enabled: bool) -> None:
    """Run ops inline in ``run()`` (tests). Outcomes are still delivered through the same code."""
    global _synchronous
    _synchronous = enabled


@contextmanager
def run_synchronously() -> Iterator[None]:
    previous = _synchronous
    set_synchronous(True)
    try:
        yield
    finally:
        set_synchronous(previous)


def active_ops() -> list[BackgroundOp[Any]]:
    return list(_active)


def shutdown(timeout_ms: int = 5000) -> bool:
    """Ask every running op to cancel and wait for the worker to finish (on application quit)."""
    for op in list(_active):
        op.task.cancel()
    return _pool.waitForDone(timeout_ms) if _pool is not None else True


class _Relay(QObject):
    """Carries a job's outcome from the worker thread to the GUI thread (queued connection)."""

    done = Signal(object, object)  # (result, exception or None)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[TaskState], Any], task: TaskState, relay: _Relay) -> None:
        super().__init__()
        self._fn, self._task, self._relay = fn, task, relay

    def run(self) -> None:
        try:
            result = self._fn(self._task)
        except BaseException as exc:  # every outcome must reach the GUI, or the dialog would hang
            self._relay.done.emit(None, exc)
        else:
            self._relay.done.emit(result, None)


class BackgroundOp(QObject, Generic[T]):
    """One long operation. Build it, attach callbacks, ``run()``. Callbacks run on the GUI thread."""

    finished = Signal()
    progressed = Signal(int, int, str)

    def __init__(self, parent: QWidget | None, fn: Callable[[TaskState], T], *, title: str = "正在处理…",
                 show_dialog: bool = True, cancellable: bool = True, error_title: str | None = None) -> None:
        super().__init__()  # deliberately parentless: the op must outlive a page closed meanwhile
        self._parent = parent
        self._fn = fn
        self.title = title
        self._show_dialog = show_dialog
        self._cancellable = cancellable
        self._error_title = error_title
        self.task = TaskState()
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[UserError], None] | None = None
        self._on_cancel: Callable[[], None] | None = None
        self._always: Callable[[], None] | None = None
        self._dialog: QProgressDialog | None = None
        self._bar: QProgressBar | None = None
        self._last_progress: tuple[int, int, str] | None = None
        self._started = False
        self.done = False
        self.outcome: str | None = None  # "success" | "failed" | "cancelled" | "crashed"
        self.result: T | None = None
        self.error: BaseException | None = None
        self._relay = _Relay()
        self._relay.done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_INTERVAL_MS)
        self._poll.timeout.connect(self._poll_progress)
        self._dialog_timer = QTimer(self)
        self._dialog_timer.setSingleShot(True)
        self._dialog_timer.setInterval(DIALOG_DELAY_MS)
        self._dialog_timer.timeout.connect(self._open_dialog)

    # -- building ---------------------------------------------------------------------------------

    def success(self, cb: Callable[[T], None]) -> BackgroundOp[T]:
        self._on_success = cb
        return self

    def failure(self, cb: Callable[[UserError], None]) -> BackgroundOp[T]:
        """Handle a ``UserError`` yourself (e.g. in a banner) instead of the default error box.

        Bugs (non-``UserError`` exceptions) never reach ``cb``: they always get the generic box.
        """
        self._on_failure = cb
        return self

    def on_cancel(self, cb: Callable[[], None]) -> BackgroundOp[T]:
        self._on_cancel = cb
        return self

    def on_progress(self, cb: Callable[[int, int, str], None]) -> BackgroundOp[T]:
        """Also report progress to ``cb(done, total, text)`` (for an inline bar; see ``show_dialog``)."""
        self.progressed.connect(cb)
        return self

    def always(self, cb: Callable[[], None]) -> BackgroundOp[T]:
        """Run after any outcome (re-enable buttons, refresh a view)."""
        self._always = cb
        return self

    # -- running ----------------------------------------------------------------------------------

    def run(self) -> BackgroundOp[T]:
        if self._started:
            raise RuntimeError("a BackgroundOp runs once")
        self._started = True
        _active.add(self)
        if _synchronous:
            try:
                result = self._fn(self.task)
            except BaseException as exc:
                self._deliver(None, exc)
            else:
                self._deliver(result, None)
            return self
        self._poll.start()
        if self._show_dialog:
            self._dialog_timer.start()
        _worker_pool().start(_Job(self._fn, self.task, self._relay))
        return self

    def cancel(self) -> None:
        """Ask the job to stop; it stops at its next ``is_cancelled()`` check."""
        self.task.cancel()
        if self._dialog is not None:
            self._dialog.setLabelText(f"{self.title}\n正在取消，请稍候…")
            button = self._dialog.findChild(QPushButton, "cancelButton")
            if button is not None:
                button.setEnabled(False)

    def dialog(self) -> QProgressDialog | None:
        """The progress dialog, once shown (tests click its 取消 button)."""
        return self._dialog

    # -- GUI-thread side --------------------------------------------------------------------------

    def _parent_alive(self) -> QWidget | None:
        if self._parent is not None and shiboken6.isValid(self._parent):
            return self._parent
        return None

    def _open_dialog(self) -> None:
        if self.done:
            return
        parent = self._parent_alive()
        dialog = QProgressDialog(parent)
        dialog.setLabelText(self.title)
        if self._cancellable:
            button = QPushButton("取消", dialog)
            button.setObjectName("cancelButton")  # tests and cancel() find it by name
            dialog.setCancelButton(button)
        else:
            dialog.setCancelButton(None)
        # Our own bar, driven directly: QProgressDialog.setValue() on a modal dialog calls
        # processEvents(), which could deliver the outcome in the middle of a progress update.
        self._bar = QProgressBar(dialog)
        self._bar.setRange(0, 0)
        dialog.setBar(self._bar)
        dialog.setWindowTitle("请稍候")
        dialog.setWindowModality(
            Qt.WindowModality.WindowModal if parent is not None else Qt.WindowModality.ApplicationModal)
        # We decide when to show it; Qt's own auto-show and auto-hide would fight our timers.
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(_QT_INT_MAX)
        dialog.setMinimumWidth(360)
        dialog.canceled.connect(self.cancel)
        self._dialog = dialog
        self._last_progress = None
        self._poll_progress()
        dialog.show()

    def _poll_progress(self) -> None:
        snapshot = self.task.progress()
        if snapshot == self._last_progress:
            return
        self._last_progress = snapshot
        done, total, text = snapshot
        if self._dialog is not None:
            if total > 0:
                scale = max(1, -(-total // _QT_INT_MAX))  # keep both ends inside Qt's int range
                self._bar.setRange(0, total // scale)
                self._bar.setValue(min(done, total) // scale)
            else:
                self._bar.setRange(0, 0)  # unknown length: a busy bar
            if not self.task.is_cancelled():
                self._dialog.setLabelText(f"{self.title}\n{text}" if text else self.title)
        self.progressed.emit(done, total, text)

    def _close_dialog(self) -> None:
        self._dialog_timer.stop()
        self._poll.stop()
        if self._dialog is not None:
            self._dialog.canceled.disconnect(self.cancel)
            self._dialog.hide()
            self._dialog.deleteLater()
            self._dialog = None

    def _deliver(self, result: object, exc: BaseException | None) -> None:
        self._poll_progress()  # the last report, so inline bars end on the true figure
        self._close_dialog()
        parent = self._parent_alive()
        self.done = True
        try:
            if exc is None:
                self.outcome, self.result = "success", result  # type: ignore[assignment]
                # A page closed meanwhile gets no success callback: it would touch deleted widgets.
                if self._on_success is not None and (self._parent is None or parent is not None):
                    self._guarded(self._on_success, result)
            elif isinstance(exc, Cancelled):
                self.outcome, self.error = "cancelled", exc
                if self._on_cancel is not None:
                    self._guarded(self._on_cancel)
                else:
                    messages.notify(parent, exc.message)
            elif isinstance(exc, UserError):
                self.outcome, self.error = "failed", exc
                if self._on_failure is not None and (self._parent is None or parent is not None):
                    self._guarded(self._on_failure, exc)
                else:
                    messages.user_error(parent, exc, self._error_title)
            else:
                self.outcome, self.error = "crashed", exc
                report_exception(exc, parent)
            if self._always is not None:
                self._guarded(self._always)
        finally:
            _active.discard(self)
            self.finished.emit()

    def _guarded(self, cb: Callable[..., None], *args: object) -> None:
        # A bug in a callback gets the same treatment as a bug in the job.
        try:
            cb(*args)
        except Exception as exc:
            report_exception(exc, self._parent_alive())


# --- errors that are bugs -----------------------------------------------------------------------

# Weak: the handler must not keep a closed main window's Python object alive (pytest-qt and Qt's own
# deletion expect it to go with its C++ half).
_damage_handler: weakref.WeakMethod | None = None


def set_damage_handler(handler: Callable[[QWidget | None], None] | None) -> None:
    """Who tells the person that a job hit a damaged database page: a bound method of the main window
    (one box and the red status mark, shared with the page check after login), for as long as the
    window lives. None, or once it is gone: a plain damage box."""
    global _damage_handler
    _damage_handler = weakref.WeakMethod(handler) if handler is not None else None  # type: ignore[arg-type]


def _live_damage_handler() -> Callable[[QWidget | None], None] | None:
    method = _damage_handler() if _damage_handler is not None else None
    if method is None or not shiboken6.isValid(method.__self__):
        return None
    return method


def report_exception(exc: BaseException, parent: QWidget | None = None) -> None:
    """Show any exception the right way: a UserError as itself, a damaged database page as damage
    (never as a program error: nothing is wrong with the program), anything else as a logged bug."""
    if is_damage_error(exc):
        handler = _live_damage_handler()
        if handler is not None:
            handler(parent)
        else:
            messages.error(parent, damaged_message(audited=False), "数据库文件校验失败")
    elif isinstance(exc, Cancelled):
        messages.notify(parent, exc.message)
    elif isinstance(exc, UserError):
        messages.user_error(parent, exc)
    else:
        path = write_crash_log(exc)
        messages.internal_error(parent, str(path) if path else None)


def crash_log_path() -> Path:
    """``XADESK_CRASH_LOG`` if set (tests), else ``<user data>/logs/crash.log``."""
    explicit = os.environ.get("XADESK_CRASH_LOG")
    return Path(explicit) if explicit else paths.data_dir() / "logs" / "crash.log"


def scrub_traceback(exc: BaseException) -> str:
    """The exception chain as types and ``file:line in function`` only (the core's one scrubber).

    No messages, no source lines, no locals: a message may quote a student's name or ID number
    (a ``KeyError('张三')``, a driver error with a bound value).
    """
    return logsafe.scrubbed_traceback(exc)


def write_crash_log(exc: BaseException) -> Path | None:
    """Append a scrubbed report to the crash log; return its path (None if the disk refused)."""
    path = logsafe.report_crash(exc, path=crash_log_path())
    if path is None:
        sys.stderr.write(logsafe.scrubbed_traceback(exc))
    return path
