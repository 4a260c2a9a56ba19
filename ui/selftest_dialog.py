"""帮助 → 自检: the self-test (``xadesk selftest``) from inside the app, for a counselor to run when
something seems wrong or after an update.

The core steps run on the worker thread through ``ui/worker.py`` (progress, and 取消 between
steps); the GUI step (``gui_thread``) then runs here on the GUI thread with the same state. Each
result appears in the list as it finishes, with its time.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from xadesk.selftest import SelfTestReport, SelfTestState, Step, StepResult, all_steps, run_steps

from . import messages, worker
from .formutil import FittingDialog, set_primary


class SelfTestDialog(FittingDialog):
    def __init__(self, parent: QWidget | None = None, steps: list[Step] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("selfTestDialog")
        self.setWindowTitle(self.tr("自检"))
        self.setMinimumWidth(620)
        self.steps = steps if steps is not None else all_steps()
        self.report: SelfTestReport | None = None
        self.op: worker.BackgroundOp | None = None
        self._state: SelfTestState | None = None

        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("自检在一个临时文件夹里用虚构学生走一遍：新建学校、导入名单、计分、测评活动、"
                               "转出文件、PDF 和界面，检查本机的安装是否完好。不会读取或改动本校的数据。"), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.results = QListWidget(self)
        self.results.setObjectName("selfTestResults")
        self.results.setAccessibleName(self.tr("自检结果"))
        self.results.setWordWrap(True)
        self.results.setMinimumHeight(self.fontMetrics().height() * 14)
        layout.addWidget(self.results)
        self.banner = messages.MessageBanner(self)
        layout.addWidget(self.banner)

        buttons = QDialogButtonBox(self)
        self.start_button = set_primary(QPushButton(self.tr("开始自检(&S)"), self))
        buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        self.start_button.clicked.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    # -- running ----------------------------------------------------------------------------------

    def start(self) -> None:
        if self.op is not None and not self.op.done:
            return
        self.results.clear()
        self.banner.dismiss()
        self.start_button.setEnabled(False)
        self.report = SelfTestReport()
        self._state = SelfTestState.create()
        state, report = self._state, self.report
        background = [s for s in self.steps if not s.gui_thread]
        total = len(self.steps)

        def work(task: worker.TaskState) -> SelfTestReport:
            def progressed(result: StepResult, done: int, n: int) -> None:
                task.set_progress(done, n, result.line())

            return run_steps(state, background, on_result=progressed, cancelled=task.is_cancelled,
                             report=report, total=total)

        self.op = (worker.BackgroundOp(self, work, title=self.tr("正在自检…"))
                   .on_progress(self._progressed)
                   .success(lambda _r: self._gui_steps())
                   .failure(self._failed)
                   .on_cancel(self._cancelled)
                   .always(self._cleanup))
        self.op.run()

    def _progressed(self, done: int, total: int, text: str) -> None:
        # Progress is polled, so several steps may finish between two polls: show every new result.
        # (The worker only appends to the list; reading a slice of it here is safe.)
        assert self.report is not None
        for result in self.report.results[self.results.count():]:
            self.results.addItem(result.line())

    def _gui_steps(self) -> None:
        assert self.report is not None and self._state is not None
        gui = [s for s in self.steps if s.gui_thread]
        done = len(self.report.results)
        try:
            run_steps(self._state, gui, report=self.report, offset=done, total=len(self.steps))
        finally:
            self._finish()

    def _finish(self) -> None:
        self._progressed(0, 0, "")
        assert self.report is not None
        if self.report.ok:
            self.banner.show_success(self.report.summary())
        else:
            self.banner.show_error(self.report.summary())

    def _failed(self, exc) -> None:
        self.banner.show_user_error(exc)

    def _cancelled(self) -> None:
        self.banner.show_info(self.tr("自检已取消。"))

    def _cleanup(self) -> None:
        """After any outcome: log out of the test school, delete its folder, allow another run."""
        if self._state is not None:
            self._state.close()
            self._state = None
        self.start_button.setEnabled(True)

    def reject(self) -> None:
        if self.op is not None and not self.op.done:
            self.op.cancel()  # stops between steps; the folder is removed when it has
        super().reject()
