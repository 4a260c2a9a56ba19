"""BackgroundOp: results, progress, cancel and failures reach the user the right way."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QMainWindow, QProgressDialog, QPushButton, QWidget

from ui import messages, worker
from ui.worker import BackgroundOp, TaskState, scrub_traceback
from xadesk.errors import Cancelled, UserError, ValidationFailed

pytestmark = pytest.mark.gui

SECRET_NAME = "张小明"
SECRET_ID = "110101200801011234"


def core_like_import(n: int, progress, cancelled, delay: float = 0.0) -> int:
    """Shaped like a core long operation: plain callables in, Cancelled out."""
    for i in range(n):
        if cancelled():
            raise Cancelled()
        progress(i + 1, n)
        if delay:
            time.sleep(delay)
    return n


@pytest.fixture
def window(qtbot) -> QMainWindow:
    win = QMainWindow()
    win.setCentralWidget(QWidget())
    qtbot.addWidget(win)
    win.show()
    return win


# --- synchronous mode (what screen tests use) ----------------------------------------------------

def test_sync_success_delivers_result_and_final_progress(window, sync_ops):
    results, progress = [], []
    op = BackgroundOp(window, lambda t: core_like_import(7, t.progress_callback(), t.cancel_callback()))
    op.success(results.append).on_progress(lambda d, n, _t: progress.append((d, n))).run()
    assert op.done and op.outcome == "success"
    assert results == [7]
    assert progress[-1] == (7, 7)
    assert messages.shown == []


def test_user_error_is_shown_as_its_chinese_message_with_details(window, sync_ops):
    def fail(_task):
        raise ValidationFailed("花名册有 2 处错误，未导入任何学生。", details=["第5行：身份证号校验位错误", "第9行：缺少姓名"])

    op = BackgroundOp(window, fail, error_title="导入失败").run()
    assert op.outcome == "failed"
    assert messages.shown == [("error", "导入失败", "花名册有 2 处错误，未导入任何学生。\n第5行：身份证号校验位错误\n第9行：缺少姓名")]


def test_failure_callback_replaces_the_error_box(window, sync_ops):
    seen: list[UserError] = []

    def fail(_task):
        raise UserError("文件不是 Excel 表格。")

    BackgroundOp(window, fail).failure(seen.append).run()
    assert [e.message for e in seen] == ["文件不是 Excel 表格。"]
    assert messages.shown == []


def test_bug_shows_generic_box_and_scrubbed_crash_log(window, sync_ops, crash_log):
    def buggy(_task):
        students = {}
        return students[f"{SECRET_NAME} {SECRET_ID}"]  # KeyError carrying student data

    op = BackgroundOp(window, buggy).failure(lambda e: pytest.fail("bugs never reach failure()")).run()
    assert op.outcome == "crashed"
    assert isinstance(op.error, KeyError)
    [(kind, title, text)] = messages.shown
    assert (kind, title) == ("error", "程序内部错误")
    assert SECRET_NAME not in text and SECRET_ID not in text
    log = crash_log.read_text(encoding="utf-8")
    assert "builtins.KeyError" in log
    assert "test_infra_worker.py:" in log and "in buggy" in log
    assert SECRET_NAME not in log and SECRET_ID not in log


def test_scrubber_keeps_the_whole_chain_but_no_messages():
    try:
        try:
            raise KeyError(SECRET_ID)
        except KeyError as inner:
            raise RuntimeError(f"lookup failed for {SECRET_NAME}") from inner
    except RuntimeError as exc:
        report = scrub_traceback(exc)
    assert "builtins.KeyError" in report and "builtins.RuntimeError" in report
    assert report.index("KeyError") < report.index("RuntimeError")  # oldest first, like Python
    assert SECRET_ID not in report and SECRET_NAME not in report
    assert "/root/" not in report and "/home/" not in report  # no user folders


def test_cancelled_is_a_status_note_not_an_error(window, sync_ops, crash_log):
    def job(task: TaskState):
        task.cancel()
        return core_like_import(10, task.progress_callback(), task.cancel_callback())

    op = BackgroundOp(window, job).success(lambda _r: pytest.fail("no success after cancel")).run()
    assert op.outcome == "cancelled"
    assert messages.kinds() == ["status"]
    assert "已取消" in messages.shown[0][2]
    assert "已取消" in window.statusBar().currentMessage()
    assert not crash_log.exists()


def test_bug_in_success_callback_is_reported_not_raised(window, sync_ops, crash_log):
    def bad_callback(_result):
        raise ValueError(SECRET_NAME)

    always = []
    BackgroundOp(window, lambda _t: 1).success(bad_callback).always(lambda: always.append(True)).run()
    assert messages.kinds() == ["error"] and messages.shown[0][1] == "程序内部错误"
    assert always == [True]
    assert SECRET_NAME not in crash_log.read_text(encoding="utf-8")


def test_an_op_runs_once(window, sync_ops):
    op = BackgroundOp(window, lambda _t: None).run()
    with pytest.raises(RuntimeError):
        op.run()


# --- real worker thread --------------------------------------------------------------------------

def test_threaded_run_reports_progress_and_delivers_on_gui_thread(qtbot, window, qapp):
    worker_threads, delivered_on = [], []
    progress: list[tuple[int, int, str]] = []

    def job(task: TaskState) -> str:
        worker_threads.append(threading.get_ident())
        for i in range(1, 21):
            task.set_progress(i, 20, f"第 {i} 批")
            time.sleep(0.02)
        return "完成"

    op = BackgroundOp(window, job, title="正在评分…")
    op.on_progress(lambda d, n, t: progress.append((d, n, t)))
    op.success(lambda r: delivered_on.append((r, QThread.currentThread() is qapp.thread())))
    with qtbot.waitSignal(op.finished, timeout=10_000):
        op.run()
    assert worker_threads and worker_threads[0] != threading.get_ident()
    assert delivered_on == [("完成", True)]
    assert len(progress) >= 2, "intermediate progress arrives while the job runs"
    dones = [d for d, _n, _t in progress]
    assert dones == sorted(dones) and progress[-1] == (20, 20, "第 20 批")


def test_quick_op_never_flashes_a_dialog(qtbot, window):
    op = BackgroundOp(window, lambda _t: 42).run()
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    assert op.result == 42 and op.dialog() is None
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]


def test_cancel_button_stops_the_core_and_reports_cancelled(qtbot, window, crash_log):
    stopped_at = []

    def job(task: TaskState) -> int:
        try:
            return core_like_import(100_000, task.progress_callback(), task.cancel_callback(), delay=0.005)
        finally:
            stopped_at.append(task.progress()[0])

    op = BackgroundOp(window, job, title="正在导入花名册…").run()
    qtbot.waitUntil(lambda: op.dialog() is not None and op.dialog().isVisible(), timeout=5000)
    dialog = op.dialog()
    assert dialog.isModal()
    assert dialog.labelText().startswith("正在导入花名册…")
    cancel = dialog.findChild(QPushButton, "cancelButton")
    assert cancel.text() == "取消"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    assert op.outcome == "cancelled"
    assert stopped_at and stopped_at[0] < 100_000
    assert messages.kinds() == ["status"] and "已取消" in messages.shown[0][2]
    assert op.dialog() is None and not crash_log.exists()


def test_threaded_failures_take_the_same_paths(qtbot, window, crash_log):
    def user_fail(_t):
        raise UserError("数据库已被另一台电脑锁定。")

    def bug(_t):
        raise ZeroDivisionError(SECRET_ID)

    op1 = BackgroundOp(window, user_fail).run()
    op2 = BackgroundOp(window, bug).run()
    qtbot.waitUntil(lambda: op1.done and op2.done, timeout=5000)
    assert messages.shown[0] == ("error", "出错了", "数据库已被另一台电脑锁定。")
    assert messages.shown[1][1] == "程序内部错误"
    assert "builtins.ZeroDivisionError" in crash_log.read_text(encoding="utf-8")


def test_jobs_are_serialised_on_one_worker_thread(qtbot, window):
    events: list[tuple[str, int]] = []

    def job(name: str):
        def run(_t):
            events.append((f"{name}-start", threading.get_ident()))
            time.sleep(0.05)
            events.append((f"{name}-end", threading.get_ident()))
        return run

    ops = [BackgroundOp(window, job(n)).run() for n in ("a", "b", "c")]
    qtbot.waitUntil(lambda: all(op.done for op in ops), timeout=5000)
    assert [e for e, _ in events] == ["a-start", "a-end", "b-start", "b-end", "c-start", "c-end"]
    assert len({tid for _, tid in events}) == 1


def test_shutdown_cancels_running_ops(qtbot, window):
    started = threading.Event()

    def job(task: TaskState):
        started.set()
        while not task.is_cancelled():
            time.sleep(0.01)
        raise Cancelled()

    op = BackgroundOp(window, job).run()
    assert started.wait(5)
    assert worker.shutdown(5000)
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    assert op.outcome == "cancelled"


def test_crash_handler_routes_uncaught_exceptions(monkeypatch, crash_log):
    import sys

    from ui.app import install_crash_handler

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    install_crash_handler()
    try:
        raise TypeError(SECRET_NAME)
    except TypeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    try:
        raise UserError("请先选择一个班级。")
    except UserError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert [t for _k, t, _x in messages.shown] == ["程序内部错误", "出错了"]
    assert "builtins.TypeError" in crash_log.read_text(encoding="utf-8")


def test_no_success_callback_once_the_page_is_gone(qtbot, sync_ops):
    import shiboken6

    page = QWidget()
    called = []

    def job(_t):
        shiboken6.delete(page)  # the page is closed while the job runs
        return 5

    op = BackgroundOp(page, job).success(called.append).run()
    assert op.outcome == "success" and called == []
