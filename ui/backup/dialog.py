"""备份与还原: the backup folder, the last good backup, 立即备份, and restoring a backup.

Everything goes through ``xadesk.backup.service``; making, checking and restoring run as
``BackgroundOp`` jobs. Restoring never writes over a file: it writes a new database beside the current
one and says what the backup lacks compared with it; switching to it is the teacher's decision.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xadesk.backup import service as B
from xadesk.errors import UserError
from xadesk.services.context import AppContext

from ..formutil import FittingDialog, close_box, fit_height, no_auto_default, set_primary
from ..messages import MessageBanner
from ..worker import BackgroundOp

BACKUP_FILTER = "XA Desk 备份 (*.xabak)"


def _local(at: datetime | None) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M") if at else "从未备份"


class BackupDialog(FittingDialog):
    """The backup folder, status, 立即备份 and 从备份还原…"""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.op: BackgroundOp | None = None
        self.setObjectName("backupDialog")
        self.setWindowTitle(self.tr("备份与还原"))
        self.setMinimumWidth(620)
        self.banner = MessageBanner(self)
        no_auto_default(self.banner)

        intro = QLabel(self.tr("备份把数据库和钥匙文件一起保存成一个加密文件。请把备份文件夹设在 U 盘或学校的共享文件夹，"
                               "不要和数据库放在同一块硬盘上。心理健康教师或管理员关闭软件时，每天自动备份一次，"
                               "保留最近 7 天和 12 个月的备份。"), self)
        intro.setWordWrap(True)

        self.folder_edit = QLineEdit(self)
        self.folder_edit.setObjectName("folderEdit")
        self.folder_edit.setPlaceholderText(self.tr("例如 E:\\XADesk备份"))
        browse = QPushButton(self.tr("浏览(&B)…"), self)
        browse.clicked.connect(self.browse_folder)
        self.save_button = QPushButton(self.tr("保存文件夹(&S)"), self)
        self.save_button.setObjectName("saveFolderButton")
        self.save_button.clicked.connect(self.save_folder)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        row.addWidget(self.save_button)

        self.status_label = QLabel(self)
        self.status_label.setObjectName("backupStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow(self.tr("备份文件夹(&F)："), row)
        form.itemAt(0, QFormLayout.ItemRole.LabelRole).widget().setBuddy(self.folder_edit)
        form.addRow(self.tr("状态："), self.status_label)
        box = QGroupBox(self.tr("备份"), self)
        box.setLayout(form)

        self.backup_button = QPushButton(self.tr("立即备份(&N)"), self)
        self.backup_button.setObjectName("backupNowButton")
        set_primary(self.backup_button)
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton(self.tr("从备份还原(&R)…"), self)
        self.restore_button.setObjectName("restoreButton")
        self.restore_button.clicked.connect(self.open_restore)
        actions = QHBoxLayout()
        actions.addWidget(self.backup_button)
        actions.addWidget(self.restore_button)
        actions.addStretch(1)

        buttons = close_box(self)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(intro)
        layout.addWidget(box)
        layout.addLayout(actions)
        layout.addWidget(buttons)
        folder = B.get_folder(ctx)
        self.folder_edit.setText(str(folder) if folder else "")
        self.refresh()

    def refresh(self) -> None:
        st = B.status(self.ctx)
        lines = [self.tr("最近一次成功备份：{t}").format(t=_local(st.last_at))]
        if st.folder is not None and st.folder_ok:
            count = len(B.list_backups(st.folder))
            lines.append(self.tr("文件夹中有 {n} 份备份。").format(n=count))
        lines += st.warnings
        self.status_label.setText("\n".join(lines))
        fit_height(self)

    def browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("选择备份文件夹"), self.folder_edit.text())
        if path:
            self.folder_edit.setText(path)

    def save_folder(self) -> None:
        text = self.folder_edit.text().strip()
        try:
            B.set_folder(self.ctx, Path(text) if text else None)
        except UserError as exc:
            self.banner.show_user_error(exc)
            return
        self.banner.show_success(self.tr("备份文件夹已保存。"))
        self.refresh()

    def backup_now(self) -> None:
        if self.op is not None and not self.op.done:
            return
        text = self.folder_edit.text().strip()
        folder = Path(text) if text else None
        ctx = self.ctx
        self.backup_button.setEnabled(False)
        self.op = (BackgroundOp(self, lambda _t: B.create_backup(ctx, folder), title=self.tr("正在备份…"),
                                cancellable=False)
                   .success(self._backed_up)
                   .failure(self.banner.show_user_error)
                   .always(lambda: self.backup_button.setEnabled(True)))
        self.op.run()

    def _backed_up(self, info: B.BackupInfo) -> None:
        self.banner.show_success(self.tr("已备份：{p}（{mb:.1f} MB）").format(p=info.path.name, mb=info.size / 1e6))
        self.refresh()

    def open_restore(self) -> RestoreDialog:
        dialog = RestoreDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.restore_dialog = dialog
        return dialog


def suggested_target(db_path: Path, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M")
    return db_path.with_name(f"{db_path.stem}-还原-{stamp}{db_path.suffix}")


class RestoreDialog(FittingDialog):
    """Choose a backup, check it, give a password, restore into a new file; see what it lacks."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.op: BackgroundOp | None = None
        self.setObjectName("restoreDialog")
        self.setWindowTitle(self.tr("从备份还原"))
        self.setMinimumWidth(640)
        self.banner = MessageBanner(self)
        no_auto_default(self.banner)
        intro = QLabel(self.tr("还原会先完整检查备份，再把它写成一个新的数据库文件，不会覆盖正在使用的数据库。"
                               "检查新数据库无误后，再决定是否用它替换原来的数据库。"), self)
        intro.setWordWrap(True)

        self.file_edit = QLineEdit(self)
        self.file_edit.setObjectName("backupFileEdit")
        browse = QPushButton(self.tr("浏览(&B)…"), self)
        browse.clicked.connect(self.browse_file)
        self.check_button = QPushButton(self.tr("检查(&C)"), self)
        self.check_button.setObjectName("checkButton")
        self.check_button.clicked.connect(self.check)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(browse)
        file_row.addWidget(self.check_button)

        self.login_edit = QLineEdit(ctx.actor.login, self)
        self.login_edit.setObjectName("loginEdit")
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("passwordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.target_edit = QLineEdit(str(suggested_target(ctx.db.path)), self)
        self.target_edit.setObjectName("targetEdit")

        form = QFormLayout()
        form.addRow(self.tr("备份文件(&F)："), file_row)
        form.addRow(self.tr("登录名(&L)："), self.login_edit)
        form.addRow(self.tr("密码(&P)："), self.password_edit)
        form.addRow(self.tr("还原为新文件(&T)："), self.target_edit)
        for row, buddy in enumerate((self.file_edit, self.login_edit, self.password_edit, self.target_edit)):
            form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget().setBuddy(buddy)

        self.result_view = QPlainTextEdit(self)
        self.result_view.setObjectName("restoreResult")
        self.result_view.setReadOnly(True)
        self.result_view.setPlaceholderText(self.tr("选择备份文件后按“检查”：这里显示备份的时间和检查结果。"))
        self.result_view.setMinimumHeight(150)

        buttons = QDialogButtonBox(self)
        self.restore_button = buttons.addButton(self.tr("检查并还原(&R)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setObjectName("restoreNowButton")
        set_primary(self.restore_button)
        close = buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setAutoDefault(False)
        buttons.accepted.connect(self.restore)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.result_view, 1)
        layout.addWidget(buttons)

    def browse_file(self) -> None:
        start = str(B.get_folder(self.ctx) or "")
        path, _f = QFileDialog.getOpenFileName(self, self.tr("选择备份文件"), start, self.tr(BACKUP_FILTER))
        if path:
            self.file_edit.setText(path)
            self.check()

    def _path(self) -> Path | None:
        text = self.file_edit.text().strip()
        if not text:
            self.banner.show_error(self.tr("请先选择备份文件。"))
            self.file_edit.setFocus()
            return None
        return Path(text)

    def check(self) -> None:
        path = self._path()
        if path is None:
            return
        self.banner.dismiss()
        self._run(lambda _t: B.verify_backup(path), self.tr("正在检查备份…"), self._checked)

    def _checked(self, report: B.VerifyReport) -> None:
        self.result_view.setPlainText("\n".join(report.lines))
        self.banner.show_success(self.tr("备份文件完好。输入密码后可以还原。"))
        self.password_edit.setFocus()

    def restore(self) -> None:
        path = self._path()
        if path is None:
            return
        if not self.password_edit.text():
            self.banner.show_error(self.tr("请输入密码（或请管理员用恢复密钥在命令行还原）。"))
            self.password_edit.setFocus()
            return
        secret = B.Secret(self.login_edit.text().strip(), self.password_edit.text())
        target, current = Path(self.target_edit.text().strip()), self.ctx.db.path
        self.banner.dismiss()
        self._run(lambda _t: B.restore_backup(path, target, secret, current_db=current), self.tr("正在检查并还原…"),
                  self._restored)

    def _restored(self, report: B.RestoreReport) -> None:
        self.password_edit.clear()
        lines = [*report.verify.lines, "", *report.lacks]
        self.result_view.setPlainText("\n".join(lines).strip())
        self.banner.show_success(self.tr("已还原为新文件：{p}（钥匙文件在它旁边）。当前数据库没有改动。").format(p=report.target))

    def _run(self, fn, title: str, done) -> None:
        if self.op is not None and not self.op.done:
            return
        self.restore_button.setEnabled(False)
        self.check_button.setEnabled(False)

        def failed(exc: UserError) -> None:
            self.banner.show_user_error(exc)

        def enable() -> None:
            self.restore_button.setEnabled(True)
            self.check_button.setEnabled(True)

        self.op = (BackgroundOp(self, fn, title=title, cancellable=False).success(done).failure(failed)
                   .always(enable))
        self.op.run()
