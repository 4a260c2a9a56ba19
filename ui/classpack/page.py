"""班级包 page (school PC): export packs for homeroom teachers; import their returns with a preview,
and decide the entries that conflict with what was logged here meanwhile."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xadesk.classpack import export as X
from xadesk.classpack import merge as M
from xadesk.errors import UserError
from xadesk.services.context import AppContext

from ..formutil import set_primary
from ..mainwindow import PageSpec, register_page
from ..messages import MessageBanner
from ..worker import BackgroundOp
from .teacher import PACK_FILTER


def ask_open_path(parent: QWidget, title: str) -> str:
    path, _f = QFileDialog.getOpenFileName(parent, title, "", PACK_FILTER)
    return path


def ask_save_path(parent: QWidget, title: str, name: str) -> str:
    path, _f = QFileDialog.getSaveFileName(parent, title, name, PACK_FILTER)
    return path


class ClassPackPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.banner = MessageBanner(self)
        self.preview: M.ImportReport | None = None
        self._pending: tuple[Path, str] | None = None
        classes, expiry = X.exportable_classes(ctx)

        exp = QGroupBox(self.tr("导出班级包：班主任在自己电脑上记录观察、家访、随访"), self)
        self.class_combo = QComboBox(exp)
        for c in classes:
            self.class_combo.addItem(f"{c.label}　{c.teacher_name or self.tr('（未登记班主任）')}", c.class_id)
        first = next((i for i, c in enumerate(classes) if c.teacher_name), 0)
        self.class_combo.setCurrentIndex(first)
        self.expires = QDateEdit(QDate(expiry.year, expiry.month, expiry.day), exp)
        self.expires.setCalendarPopup(True)
        self.expires.setDisplayFormat("yyyy-MM-dd")
        self.passphrase = QLineEdit(exp)
        self.passphrase.setPlaceholderText(self.tr("班主任在此自选口令（至少 8 位）；留空则由软件生成并显示一次"))
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.export_button = QPushButton(self.tr("导出班级包(&E)…"), exp)
        self.export_button.clicked.connect(self.export_one)
        self.batch_button = QPushButton(self.tr("全校批量导出（附口令条）(&B)…"), exp)
        self.batch_button.clicked.connect(self.export_all)
        self.shown_passphrase = QLineEdit(exp)
        self.shown_passphrase.setReadOnly(True)
        self.shown_passphrase.setPlaceholderText(self.tr("生成的口令在这里显示，只显示这一次"))
        form = QFormLayout(exp)
        form.addRow(self.tr("班级："), self.class_combo)
        form.addRow(self.tr("有效期至："), self.expires)
        form.addRow(self.tr("口令："), self.passphrase)
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addWidget(self.batch_button)
        row.addWidget(self.shown_passphrase, 1)
        form.addRow(row)

        imp = QGroupBox(self.tr("导入交回文件：先预览，确认后合并；同一文件导入两次不会重复"), self)
        imp.setVisible(ctx.actor.can("classpack.import"))
        self.return_passphrase = QLineEdit(imp)
        self.return_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.return_passphrase.setPlaceholderText(self.tr("该班级包的口令"))
        self.preview_button = QPushButton(self.tr("选择交回文件并预览(&P)…"), imp)
        self.preview_button.clicked.connect(self.choose_return)
        self.import_button = QPushButton(self.tr("确认导入(&I)"), imp)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.do_import)
        set_primary(self.import_button)
        self.summary = QLabel(imp)
        self.summary.setWordWrap(True)
        self.lines = QListWidget(imp)
        self.conflicts = QTableWidget(0, 5, imp)
        self.conflicts.setHorizontalHeaderLabels([self.tr(t) for t in ("班级", "学生", "记录", "原因", "班主任")])
        self.conflicts.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.conflicts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.conflicts.verticalHeader().setVisible(False)
        self.keep_button = QPushButton(self.tr("仍然并入(&K)"), imp)
        self.keep_button.clicked.connect(lambda: self.resolve(True))
        self.discard_button = QPushButton(self.tr("搁置（内容保留）(&D)"), imp)
        self.discard_button.clicked.connect(lambda: self.resolve(False))
        il = QVBoxLayout(imp)
        r1 = QHBoxLayout()
        r1.addWidget(QLabel(self.tr("口令："), imp))
        r1.addWidget(self.return_passphrase, 1)
        r1.addWidget(self.preview_button)
        r1.addWidget(self.import_button)
        il.addLayout(r1)
        il.addWidget(self.summary)
        il.addWidget(self.lines, 1)
        il.addWidget(QLabel(self.tr("待决定的记录（与学校电脑上的记录冲突，未丢弃）："), imp))
        il.addWidget(self.conflicts, 1)
        r2 = QHBoxLayout()
        r2.addStretch(1)
        r2.addWidget(self.keep_button)
        r2.addWidget(self.discard_button)
        il.addLayout(r2)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(exp)
        layout.addWidget(imp, 1)
        self.refresh_conflicts()

    def _expiry(self) -> date:
        q = self.expires.date()
        return date(q.year(), q.month(), q.day())

    # --- export ---------------------------------------------------------------------------------
    def export_one(self) -> BackgroundOp | None:
        cid = self.class_combo.currentData()
        if cid is None:
            return None
        label = self.class_combo.currentText().split("　")[0]
        path = ask_save_path(self, self.tr("保存班级包"), f"班级包-{label}.xadx")
        if not path:
            return None
        phrase = self.passphrase.text() or None
        ctx, day = self.ctx, self._expiry()

        def done(info: X.PackInfo) -> None:
            self.passphrase.clear()
            self.shown_passphrase.setText(info.passphrase or "")
            self.banner.show_success(self.tr("已导出 %1 的班级包（%2 老师，%3 名学生，有效期至 %4）。")
                                     .replace("%1", info.class_label).replace("%2", info.teacher_name)
                                     .replace("%3", str(info.students)).replace("%4", info.expires_on.isoformat()))

        return (BackgroundOp(self, lambda _t: X.export_pack(ctx, cid, Path(path), phrase, expires_on=day),
                             title=self.tr("正在导出班级包…"), cancellable=False)
                .success(done).failure(self.banner.show_user_error).run())

    def export_all(self) -> BackgroundOp | None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择保存班级包的文件夹"))
        if not folder:
            return None
        ctx, day = self.ctx, self._expiry()

        def done(batch: X.BatchInfo) -> None:
            self.banner.show_success(self.tr("已导出 %1 个班级包；口令条：%2。请打印、剪开，与文件分开交给班主任。")
                                     .replace("%1", str(len(batch.packs))).replace("%2", str(batch.slips)))

        return (BackgroundOp(self, lambda t: X.export_batch(ctx, Path(folder), expires_on=day,
                                                            progress=t.set_progress, cancelled=t.is_cancelled),
                             title=self.tr("正在批量导出班级包…"))
                .success(done).failure(self.banner.show_user_error).run())

    # --- import ---------------------------------------------------------------------------------
    def choose_return(self) -> BackgroundOp | None:
        phrase = self.return_passphrase.text()
        if not phrase.strip():
            self.banner.show_error(self.tr("请先填写该班级包的口令。"))
            self.return_passphrase.setFocus()
            return None
        path = ask_open_path(self, self.tr("选择班主任交回的文件"))
        if not path:
            return None
        return self.preview_return(Path(path), phrase)

    def preview_return(self, path: Path, phrase: str) -> BackgroundOp:
        ctx = self.ctx

        def done(report: M.ImportReport) -> None:
            self.preview = report
            self._pending = (path, phrase)
            self.summary.setText(report.summary())
            self.lines.clear()
            self.lines.addItems(report.lines)
            self.import_button.setEnabled(not report.already_imported and bool(report.lines))

        return (BackgroundOp(self, lambda _t: M.import_return(ctx, path, phrase, dry_run=True),
                             title=self.tr("正在核对交回文件…"), cancellable=False)
                .success(done).failure(self.banner.show_user_error).run())

    def do_import(self) -> BackgroundOp | None:
        if self._pending is None:
            return None
        path, phrase = self._pending
        ctx = self.ctx

        def done(report: M.ImportReport) -> None:
            self._pending = None
            self.import_button.setEnabled(False)
            self.summary.setText(report.summary())
            self.banner.show_success(self.tr("已导入：新增 %1 条，待决定 %2 条，送复核队列 %3 条。")
                                     .replace("%1", str(report.added_total)).replace("%2", str(len(report.conflicts)))
                                     .replace("%3", str(report.to_review)))
            self.refresh_conflicts()

        return (BackgroundOp(self, lambda _t: M.import_return(ctx, path, phrase), title=self.tr("正在导入交回文件…"),
                             cancellable=False)
                .success(done).failure(self.banner.show_user_error).run())

    def refresh_conflicts(self) -> None:
        rows = M.conflicts(self.ctx) if self.ctx.actor.can("classpack.import") else []
        self._conflict_rows = rows
        self.conflicts.setRowCount(len(rows))
        for r, c in enumerate(rows):
            for k, text in enumerate((c.class_label, c.student_name, c.gist, c.reason, c.teacher_name)):
                self.conflicts.setItem(r, k, QTableWidgetItem(text))
        self.conflicts.resizeColumnsToContents()
        self.keep_button.setEnabled(bool(rows))
        self.discard_button.setEnabled(bool(rows))

    def resolve(self, keep: bool) -> None:
        row = self.conflicts.currentRow()
        if row < 0 or row >= len(self._conflict_rows):
            return
        try:
            M.resolve_conflict(self.ctx, self._conflict_rows[row].entry_uuid, keep=keep)
        except UserError as exc:
            self.banner.show_user_error(exc)
            return
        self.refresh_conflicts()


register_page(PageSpec("classpack", "班级包", ClassPackPage, order=75, permission="classpack.export"))
