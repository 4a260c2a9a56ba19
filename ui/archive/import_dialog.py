"""导入档案转移文件: verify → preview → match/confirm → import.

1. 验证: the file and its passphrase are checked completely (``transfer.preview_import`` writes
   nothing); every refusal — wrong passphrase, a changed byte, a cut file, a newer format, not a
   transfer file — is shown with its own message, and nothing is imported.
2. 预览: who, from which school, how many records (new ones), what the match is.
3. 匹配确认: a match by name and birth date alone must be confirmed; a new student needs a class.
4. 导入: one transaction; importing the same file again adds nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xadesk.archive import transfer
from xadesk.errors import UserError
from xadesk.services import roster
from xadesk.services.context import AppContext

from ..formutil import FittingDialog
from ..messages import MessageBanner
from ..worker import BackgroundOp

STEPS = ("① 验证文件", "② 预览", "③ 匹配确认", "④ 导入")


class ImportDialog(FittingDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.preview: transfer.ImportPreview | None = None
        self.imported: transfer.ImportPreview | None = None
        self.setObjectName("importArchiveDialog")
        self.setWindowTitle(self.tr("导入档案转移文件"))
        self.banner = MessageBanner(self)
        self.steps = QLabel(self)
        self.steps.setObjectName("importSteps")

        self.file_edit = QLineEdit(self)
        self.file_edit.setObjectName("fileEdit")
        browse = QPushButton(self.tr("浏览(&B)…"), self)
        browse.clicked.connect(self._browse)
        self.phrase = QLineEdit(self)
        self.phrase.setObjectName("passphraseEdit")
        self.phrase.setPlaceholderText(self.tr("交接单上的转移口令，如 7KQM-X3RB-…"))
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(browse)
        form = QFormLayout()
        file_label = QLabel(self.tr("转移文件(&L)："), self)
        file_label.setBuddy(self.file_edit)
        phrase_label = QLabel(self.tr("转移口令(&W)："), self)
        phrase_label.setBuddy(self.phrase)
        form.addRow(file_label, file_row)
        form.addRow(phrase_label, self.phrase)

        self.preview_box = QGroupBox(self.tr("预览与匹配"), self)
        self.preview_text = QLabel(self.preview_box)
        self.preview_text.setObjectName("previewText")
        self.preview_text.setWordWrap(True)
        self.preview_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.class_combo = QComboBox(self.preview_box)
        self.class_combo.setObjectName("classCombo")
        self.class_combo.addItem(self.tr("（不变）"), None)
        for node in roster.class_tree(ctx):
            for c in node.classes:
                self.class_combo.addItem(c.label, c.id)
        self.confirm = QCheckBox(self.tr("我已核对：这是本校的同一名学生(&C)"), self.preview_box)
        self.confirm.setObjectName("confirmMatch")
        class_label = QLabel(self.tr("编入班级(&J)："), self.preview_box)
        class_label.setBuddy(self.class_combo)
        pl = QVBoxLayout(self.preview_box)
        pl.addWidget(self.preview_text)
        row = QHBoxLayout()
        row.addWidget(class_label)
        row.addWidget(self.class_combo)
        row.addStretch(1)
        pl.addLayout(row)
        pl.addWidget(self.confirm)
        self.preview_box.hide()

        buttons = QDialogButtonBox(self)
        self.verify_button = buttons.addButton(self.tr("验证(&V)"), QDialogButtonBox.ButtonRole.ActionRole)
        self.verify_button.setObjectName("verifyButton")
        self.import_button = buttons.addButton(self.tr("导入(&I)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("importButton")
        self.import_button.setEnabled(False)
        buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        self.verify_button.clicked.connect(self.verify)
        buttons.accepted.connect(self.do_import)
        buttons.rejected.connect(self.reject)
        for w in (self.file_edit, self.phrase):
            w.textChanged.connect(self._reset)
        self.class_combo.currentIndexChanged.connect(self._sync)
        self.confirm.toggled.connect(self._sync)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(self.steps)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.preview_box, 1)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().height() * 36)
        self._set_step(0)

    def _set_step(self, step: int) -> None:
        self.steps.setText("  →  ".join(f"<b>{s}</b>" if i == step else s for i, s in enumerate(STEPS)))

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("选择档案转移文件"), "",
                                              self.tr("档案转移文件 (*.xadx);;所有文件 (*)"))
        if name:
            self.file_edit.setText(name)

    def _reset(self) -> None:
        self.preview = None
        self.preview_box.hide()
        self.import_button.setEnabled(False)
        self._set_step(0)

    def _class(self):
        return self.class_combo.currentData()

    def _sync(self) -> None:
        p = self.preview
        ok = p is not None and not p.already_imported
        if p is not None and p.match == "new" and self._class() is None:
            ok = False
        if p is not None and p.needs_confirmation and not self.confirm.isChecked():
            ok = False
        self.import_button.setEnabled(ok)

    def verify(self) -> None:
        path, phrase = Path(self.file_edit.text().strip()), self.phrase.text().strip()
        if not self.file_edit.text().strip() or not phrase:
            self.banner.show_error(self.tr("请选择转移文件并输入转移口令。"))
            return
        self._reset()
        ctx = self.ctx
        (BackgroundOp(self, lambda t: transfer.preview_import(ctx, path, phrase, progress=t.progress_callback(),
                                                              cancelled=t.cancel_callback()),
                      title=self.tr("正在验证文件…"))
         .success(self._previewed).failure(self._refused).run())

    def _refused(self, exc: UserError) -> None:
        self.banner.show_user_error(exc)

    def _previewed(self, p: transfer.ImportPreview) -> None:
        self.preview = p
        self.banner.show_success(self.tr("文件完整，口令正确。请核对以下内容。"))
        self.preview_text.setText(p.summary())
        self.preview_box.show()
        self.confirm.setVisible(p.needs_confirmation)
        self.confirm.setChecked(False)
        if p.match == "new":
            self.class_combo.setItemText(0, self.tr("（请选择班级）"))
        else:
            self.class_combo.setItemText(0, self.tr("（不变）"))
        self._set_step(2 if (p.needs_confirmation or p.match == "new") else 1)
        if p.already_imported:
            self.banner.show_info(self.tr("此文件已导入过，不会重复导入。"))
        self._sync()

    def do_import(self) -> None:
        if self.preview is None:
            return
        path, phrase = Path(self.file_edit.text().strip()), self.phrase.text().strip()
        cls, confirm = self._class(), self.confirm.isChecked()
        ctx = self.ctx
        self.import_button.setEnabled(False)
        (BackgroundOp(self, lambda t: transfer.import_transfer(ctx, path, phrase, class_=cls, confirm_name_match=confirm,
                                                               progress=t.progress_callback(),
                                                               cancelled=t.cancel_callback()),
                      title=self.tr("正在导入…"))
         .success(self._imported).failure(self._refused).run())

    def _imported(self, p: transfer.ImportPreview) -> None:
        self.imported = p
        self._set_step(3)
        self.banner.show_success(self.tr("已导入 {name} 的档案：新增记录 {n} 条，来源 {school}。").format(
            name=p.student_name, n=p.records_new, school=p.source_school))
        self.import_button.setEnabled(False)
