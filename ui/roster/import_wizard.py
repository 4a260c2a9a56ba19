"""The roster import wizard: choose a file → preview → import → done.

The preview runs the core's full parse and validation (``roster_import.preview``) in a
``BackgroundOp`` with an inline progress bar and a 取消 button. A file with problems is refused as a
whole: every problem is listed with its row number, in words a teacher can act on, and the wizard
does not let the import start. The import itself (``roster_import.import_roster``) is one
transaction, so a cancel or an error leaves the database as it was.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from xadesk.errors import UserError, ValidationFailed
from xadesk.services import roster_import
from xadesk.services.context import AppContext
from xadesk.services.roster_import import ImportPlan

from ..formutil import no_auto_default
from ..messages import MessageBanner
from ..tablemodel import CENTER, Column, RowTableModel, configure_table_view, set_column_widths
from ..worker import BackgroundOp

FILE_FILTER = "学生名单 (*.xlsx *.xls *.csv);;Excel 工作簿 (*.xlsx *.xls);;CSV 文件 (*.csv)"

FIELD_NAMES = {"name": "姓名", "sex": "性别", "birth_date": "出生日期", "id_number": "身份证号",
               "boarding": "住校", "status": "学籍状态", "school_no": "学号", "class": "班级",
               "tags": "特殊群体", "student_no": "学籍号", "id_type": "证件类型"}


class _OpPanel(QWidget):
    """An inline progress bar with a 取消 button and a status line, shared by the two working pages."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.cancel_button = QPushButton(self.tr("取消(&C)"), self)
        self.cancel_button.setObjectName("opCancel")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addLayout(row)

    def start(self, text: str) -> None:
        self.status.setText(text)
        self.bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.bar.show()
        self.cancel_button.show()
        self.show()

    def progress(self, done: int, total: int, _text: str) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))

    def stop(self) -> None:
        self.bar.hide()
        self.cancel_button.hide()


class FilePage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("第 1 步：选择名单文件"))
        self.setSubTitle(self.tr("支持 Excel（.xlsx、.xls）和 CSV 文件。第一行是表头。"))
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("importPath")
        self.path_edit.setAccessibleName(self.tr("名单文件"))
        self.path_edit.textChanged.connect(lambda _t: self.completeChanged.emit())
        label = QLabel(self.tr("文件(&W)："), self)
        label.setBuddy(self.path_edit)
        browse = QPushButton(self.tr("浏览(&R)…"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        help_text = QLabel(self.tr(
            "必需的列：姓名、性别、全国学籍号（或“学籍号”）、班级。\n"
            "常用的列：出生日期、身份证号、年级、是否住校、特殊群体。\n"
            "班级可以写成“初二(3)班”“八年级3班”“8年级03班”等学校常用写法。\n"
            "导入前会先检查整个文件：只要有一处错误，就不会导入任何数据。"), self)
        help_text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addSpacing(8)
        layout.addWidget(help_text)
        layout.addStretch(1)

    def path(self) -> Path | None:
        text = self.path_edit.text().strip().strip('"')
        return Path(text) if text else None

    def isComplete(self) -> bool:
        path = self.path()
        return path is not None and path.is_file()

    def _browse(self) -> None:
        start = str(self.path().parent) if self.path() else str(Path.home())
        name, _filter = QFileDialog.getOpenFileName(self, self.tr("选择学生名单文件"), start, FILE_FILTER)
        if name:
            self.path_edit.setText(name)


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.plan: ImportPlan | None = None
        self.error: UserError | None = None
        self.op: BackgroundOp[ImportPlan] | None = None
        self.setTitle(self.tr("第 2 步：检查名单"))
        self.setSubTitle(self.tr("先检查整个文件，看看导入会做什么。这一步不会改动任何数据。"))
        self.setCommitPage(True)
        self.panel = _OpPanel(self)
        self.panel.cancel_button.clicked.connect(self._cancel)
        self.banner = MessageBanner(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.columns_label = QLabel(self)
        self.columns_label.setObjectName("previewColumns")
        self.columns_label.setWordWrap(True)
        self.columns_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_label = QLabel(self.tr("请在原文件中改正以下问题，保存后点“上一步”再“下一步”重新检查(&P)："), self)
        self.problems = QListWidget(self)
        self.problems.setObjectName("problemList")
        self.problems.setAccessibleName(self.tr("名单中的问题"))
        self.problems.setWordWrap(True)
        self.problems.setAlternatingRowColors(True)
        self.problems.setSpacing(3)
        self.problems_label.setBuddy(self.problems)
        self.retry_button = QPushButton(self.tr("重新检查(&R)"), self)
        self.retry_button.clicked.connect(self.start)
        self.changes_model = RowTableModel([
            Column(self.tr("行号"), lambda item: item[0].row, align=CENTER),
            Column(self.tr("姓名"), lambda item: item[0].name),
            Column(self.tr("班级"), lambda item: item[0].class_label),
            Column(self.tr("导入后"), lambda item: item[1]),
        ], self)
        self.changes = QTableView(self)
        self.changes.setObjectName("changesTable")
        self.changes.setAccessibleName(self.tr("将要新增或更新的学生"))
        self.changes.setModel(self.changes_model)
        configure_table_view(self.changes)
        set_column_widths(self.changes, (4, 6, 9))
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addWidget(self.banner)
        layout.addWidget(self.summary)
        layout.addWidget(self.columns_label)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.changes, 1)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignLeft)

    def initializePage(self) -> None:
        self.start()

    def cleanupPage(self) -> None:
        if self.op is not None and not self.op.done:
            self.op.cancel()

    def _reset(self) -> None:
        self.plan, self.error = None, None
        self.banner.dismiss()
        self.summary.clear()
        self.problems.clear()
        self.changes_model.set_rows([])
        self.columns_label.clear()
        for widget in (self.problems_label, self.problems, self.changes, self.retry_button, self.summary,
                       self.columns_label):
            widget.hide()

    def start(self) -> None:
        path = self._wizard.path()
        if path is None or (self.op is not None and not self.op.done):
            return
        self._reset()
        self.panel.start(self.tr("正在读取并检查 {name} …").format(name=path.name))
        self.completeChanged.emit()
        ctx = self._wizard.ctx
        self.op = (BackgroundOp(self, lambda task: roster_import.preview(
                       ctx, path, progress=task.progress_callback(), cancelled=task.cancel_callback()),
                       title=self.tr("正在检查名单…"), show_dialog=False)
                   .on_progress(self.panel.progress)
                   .success(self._previewed)
                   .failure(self._failed)
                   .on_cancel(self._cancelled)
                   .always(self._finished))
        self.op.run()

    def _cancel(self) -> None:
        if self.op is not None:
            self.op.cancel()
            self.panel.status.setText(self.tr("正在取消…"))
            self.panel.cancel_button.setEnabled(False)

    def _previewed(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.summary.setText(plan.summary(columns=False))
        self.summary.show()
        self.columns_label.setText("\n".join(plan.column_lines()))
        self.columns_label.setVisible(bool(plan.column_lines()))
        rows = [(rec, self.tr("新增")) for rec in plan.new]
        rows += [(rec, self.tr("更新：") + "、".join(FIELD_NAMES.get(f, f) for f in fields))
                 for rec, fields in plan.updated]
        rows.sort(key=lambda item: item[0].row)
        self.changes_model.set_rows(rows)
        self.changes.setVisible(bool(rows))
        if plan.changes:
            self.banner.show_success(self.tr("文件检查通过。点“开始导入”把这些学生写入名单。"))
        else:
            self.banner.show_info(self.tr("名单中的学生都已存在且信息相同，导入不会改变任何数据。"))

    def _failed(self, exc: UserError) -> None:
        self.error = exc
        lines = exc.details or []
        if isinstance(exc, ValidationFailed) and lines:
            self.banner.show_error(exc.message)  # the core says how many problems and that nothing was imported
            self.problems.addItems(lines)
            self.problems_label.show()
            self.problems.show()
        else:
            self.banner.show_error(exc.message, lines or None)
        self.retry_button.show()

    def _cancelled(self) -> None:
        self.banner.show_info(self.tr("已取消检查，没有改动任何数据。"))
        self.retry_button.show()

    def _finished(self) -> None:
        self.panel.stop()
        self.panel.status.setText(self.tr("已检查：{name}").format(name=self._wizard.path().name)
                                  if self._wizard.path() else "")
        self.completeChanged.emit()
        if self.problems.isVisible():
            self.problems.setFocus()

    def problem_lines(self) -> list[str]:
        return [self.problems.item(i).text() for i in range(self.problems.count())]

    def isComplete(self) -> bool:
        return self.plan is not None and (self.op is None or self.op.done)


class ImportPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.plan: ImportPlan | None = None
        self.op: BackgroundOp[ImportPlan] | None = None
        self.setTitle(self.tr("第 3 步：导入"))
        self.setSubTitle(self.tr("全部写入成功才算导入；中途取消或出错，名单保持原样。"))
        self.setFinalPage(True)
        self.panel = _OpPanel(self)
        self.panel.cancel_button.clicked.connect(self._cancel)
        self.banner = MessageBanner(self)
        self.result = QLabel(self)
        self.result.setObjectName("importResult")
        self.result.setWordWrap(True)
        self.problems = QListWidget(self)
        self.problems.setObjectName("importProblems")
        self.problems.setWordWrap(True)
        self.problems.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addWidget(self.banner)
        layout.addWidget(self.result)
        layout.addWidget(self.problems, 1)
        layout.addStretch(1)

    def initializePage(self) -> None:
        path = self._wizard.path()
        if path is None or self.op is not None:
            return
        self.panel.start(self.tr("正在导入 {name} …").format(name=path.name))
        ctx = self._wizard.ctx
        self.op = (BackgroundOp(self, lambda task: roster_import.import_roster(
                       ctx, path, progress=task.progress_callback(), cancelled=task.cancel_callback()),
                       title=self.tr("正在导入名单…"), show_dialog=False)
                   .on_progress(self.panel.progress)
                   .success(self._imported)
                   .failure(self._failed)
                   .on_cancel(self._cancelled)
                   .always(self._finished))
        self.op.run()

    def _cancel(self) -> None:
        if self.op is not None:
            self.op.cancel()
            self.panel.status.setText(self.tr("正在取消，已写入的部分会全部撤回…"))
            self.panel.cancel_button.setEnabled(False)

    def _imported(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.banner.show_success(self.tr("导入完成。"))
        self.result.setText(plan.summary())
        self._wizard.imported.emit(plan)

    def _failed(self, exc: UserError) -> None:
        self.banner.show_error(exc.message + self.tr("（未导入任何数据）"))
        if exc.details:
            self.problems.addItems(exc.details)
            self.problems.show()

    def _cancelled(self) -> None:
        self.banner.show_info(self.tr("导入已取消，名单保持原样。"))

    def _finished(self) -> None:
        self.panel.stop()
        self.panel.status.clear()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.op is not None and self.op.done


class ImportWizard(QWizard):
    """``imported`` carries the :class:`ImportPlan` once the students are in the database."""

    imported = Signal(object)

    FILE, PREVIEW, IMPORT = range(3)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("importWizard")
        self.setWindowTitle(self.tr("导入学生名单"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< 上一步(&B)"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("下一步(&N) >"))
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("开始导入(&I)"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("完成(&F)"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("取消"))
        self.file_page = FilePage(self)
        self.preview_page = PreviewPage(self)
        self.import_page = ImportPage(self)
        self.setPage(self.FILE, self.file_page)
        self.setPage(self.PREVIEW, self.preview_page)
        self.setPage(self.IMPORT, self.import_page)
        # Enter means 下一步 / 开始导入 / 完成, never a button inside a page (关闭, 浏览…, 取消).
        no_auto_default(self.file_page, self.preview_page, self.import_page)
        char = self.fontMetrics().horizontalAdvance("中")
        self.resize(char * 52, char * 38)
        if path is not None:
            self.file_page.path_edit.setText(str(path))

    def path(self) -> Path | None:
        return self.file_page.path()

    def reject(self) -> None:
        # Closing while the import writes would only hide it; ask the op to stop and let it roll back.
        for page in (self.preview_page, self.import_page):
            if page.op is not None and not page.op.done:
                page.op.cancel()
                if page is self.import_page:
                    return
        super().reject()
