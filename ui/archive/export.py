"""导出档案转移文件: one student, a whole grade, or only its key-attention students, into one folder
under one passphrase, with the handover list PDF written beside the folder.

The passphrase is generated (shown large once, and printed on the handover sheet) unless the
teacher sets one (then the sheet says it is told separately). The export runs on the worker thread
with progress and 取消; a cancelled export leaves nothing behind (``transfer.export_batch``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from xadesk.archive import transfer
from xadesk.services import roster
from xadesk.services.context import AppContext

from ..formutil import FittingDialog
from ..messages import MessageBanner
from ..worker import BackgroundOp


class ExportDialog(FittingDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, student: tuple[int, str] | None = None,
                 grade_code: str | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.student = student
        self.result: transfer.BatchResult | None = None
        self.op: BackgroundOp | None = None
        self.setObjectName("exportDialog")
        self.setWindowTitle(self.tr("导出档案转移文件"))
        self.banner = MessageBanner(self)

        self.scope = QButtonGroup(self)
        self.one = QRadioButton(self.tr("本学生：{who}").format(who=student[1]) if student else self.tr("本学生"), self)
        self.grade_all = QRadioButton(self.tr("整个年级(&G)"), self)
        self.grade_key = QRadioButton(self.tr("年级中的重点关注学生(&K)"), self)
        for i, b in enumerate((self.one, self.grade_all, self.grade_key)):
            self.scope.addButton(b, i)
        self.one.setEnabled(student is not None)
        (self.one if student else self.grade_all).setChecked(True)
        self.grade_combo = QComboBox(self)
        self.grade_combo.setObjectName("gradeCombo")
        for node in roster.class_tree(ctx):
            self.grade_combo.addItem(f"{node.label}（{node.student_count} 人）", node.code)
        if grade_code:
            self.grade_combo.setCurrentIndex(max(0, self.grade_combo.findData(grade_code)))

        self.folder = QLineEdit(str(Path.home() / f"档案转移-{date.today():%Y%m%d}"), self)
        self.folder.setObjectName("folderEdit")
        browse = QPushButton(self.tr("浏览(&B)…"), self)
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)

        self.generated = QRadioButton(self.tr("自动生成口令（推荐，打印在交接单上）"), self)
        self.own = QRadioButton(self.tr("自行设定口令(&W)："), self)
        self.generated.setChecked(True)
        self.phrase = QLineEdit(self)
        self.phrase.setObjectName("passphraseEdit")
        self.phrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.phrase.setEnabled(False)
        self.own.toggled.connect(self.phrase.setEnabled)
        own_row = QHBoxLayout()
        own_row.addWidget(self.own)
        own_row.addWidget(self.phrase, 1)

        form = QFormLayout()
        scope_box = QVBoxLayout()
        for b in (self.one, self.grade_all, self.grade_key):
            scope_box.addWidget(b)
        form.addRow(self.tr("导出范围："), scope_box)
        grade_label = QLabel(self.tr("年级(&N)："), self)
        grade_label.setBuddy(self.grade_combo)
        form.addRow(grade_label, self.grade_combo)
        folder_label = QLabel(self.tr("保存到文件夹(&F)："), self)
        folder_label.setBuddy(self.folder)
        form.addRow(folder_label, folder_row)
        pw = QVBoxLayout()
        pw.addWidget(self.generated)
        pw.addLayout(own_row)
        form.addRow(self.tr("转移口令："), pw)

        self.passphrase_label = QLabel(self)
        self.passphrase_label.setObjectName("passphraseLabel")
        self.passphrase_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.passphrase_label.setWordWrap(True)
        self.passphrase_label.hide()

        buttons = QDialogButtonBox(self)
        self.export_button = buttons.addButton(self.tr("导出(&E)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("exportButton")
        self.close_button = buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        self.scope.idToggled.connect(lambda _i, _c: self._sync())
        self._sync()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        note = QLabel(self.tr("每个学生一个加密文件；交接单PDF保存在文件夹旁边（不在文件夹内），"
                              "请将口令与文件分开交付。"), self)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.passphrase_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().height() * 34)

    def _sync(self) -> None:
        self.grade_combo.setEnabled(not self.one.isChecked())

    def _browse(self) -> None:
        name = QFileDialog.getExistingDirectory(self, self.tr("选择保存位置"), str(Path(self.folder.text()).parent))
        if name:
            self.folder.setText(str(Path(name) / Path(self.folder.text()).name))

    def start(self) -> None:
        folder = Path(self.folder.text().strip())
        own = self.phrase.text() if self.own.isChecked() else None
        if self.own.isChecked() and not own:
            self.banner.show_error(self.tr("请输入转移口令，或选择自动生成。"))
            return
        one = self.one.isChecked() and self.student is not None
        key_only = self.grade_key.isChecked()
        grade = self.grade_combo.currentData()
        ctx = self.ctx
        sid = self.student[0] if self.student else None

        def work(task) -> transfer.BatchResult:
            ids = [sid] if one else transfer.batch_students(ctx, grade, key_only=key_only)
            task.set_progress(0, len(ids), f"共 {len(ids)} 名学生")
            return transfer.export_batch(ctx, ids, folder, passphrase=own, progress=task.progress_callback(),
                                         cancelled=task.cancel_callback())

        self.export_button.setEnabled(False)
        self.banner.dismiss()
        self.op = (BackgroundOp(self, work, title=self.tr("正在导出档案转移文件…"))
                   .success(self._done).failure(self.banner.show_user_error)
                   .on_cancel(lambda: self.banner.show_info(self.tr("已取消，未留下任何文件。")))
                   .always(lambda: self.export_button.setEnabled(True)))
        self.op.run()

    def _done(self, result: transfer.BatchResult) -> None:
        self.result = result
        self.banner.show_success(self.tr("已导出 {n} 个档案转移文件到“{folder}”，交接单：{pdf}").format(
            n=len(result.files), folder=result.folder, pdf=result.handover_pdf.name))
        if result.passphrase:
            self.passphrase_label.setText(self.tr("转移口令（已印在交接单上，请妥善保管）：\n{p}").format(p=result.passphrase))
            font = self.passphrase_label.font()
            font.setPointSizeF(font.pointSizeF() * 1.5)
            font.setBold(True)
            self.passphrase_label.setFont(font)
        else:
            self.passphrase_label.setText(self.tr("使用您设定的口令；交接单上未打印口令，请另行告知接收学校。"))
        self.passphrase_label.show()
        self.close_button.setFocus()
