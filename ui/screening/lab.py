"""机房测评 (lab mode), the counselor's side: export the encrypted campaign kit for the lab PCs, then
import the result packs they write. And the lab PC's side: a kiosk over the kit.

* 导出测评包 — a new passphrase is generated and shown once (the lab PCs need it to open the kit
  and the counselor needs it to import the packs); the kit holds only identification data.
* 导入结果包 — one or several packs; a pack imported twice changes nothing; a pack of another
  campaign or school is refused; a student who answered on two PCs differently becomes a 重复作答
  for the counselor to decide (never merged).
* :func:`open_lab_kiosk` — on a lab PC: the kiosk window over ``LabKiosk``; answers go to an
  encrypted journal; leaving (with the kit passphrase) writes the result pack beside it.
"""

from __future__ import annotations

import platform
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xadesk.errors import UserError
from xadesk.exchange.passphrase import format_groups, generate
from xadesk.screening.kiosk import LabKiosk
from xadesk.services import screening_lab
from xadesk.services.campaigns import CampaignInfo
from xadesk.services.context import AppContext

from ..formutil import no_auto_default, set_primary
from ..messages import MessageBanner
from ..worker import BackgroundOp
from .kiosk import KioskWindow
from .results import ask_save_path

KIT_FILTER = "机房测评包 (*.xakit);;所有文件 (*)"
PACK_FILTER = "机房结果包 (*.xapack);;所有文件 (*)"


def ask_open_paths(parent: QWidget, title: str, filters: str) -> list[str]:
    """The open dialog for several files (a function so tests can answer it)."""
    paths, _filter = QFileDialog.getOpenFileNames(parent, title, "", filters)
    return paths


class LabPanel(QWidget):
    imported = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.campaign: CampaignInfo | None = None
        self.reports: list[screening_lab.PackReport] = []
        self.banner = MessageBanner(self)
        intro = QLabel(self.tr("没有网络的机房：导出测评包拷到每台电脑，学生在那里答题；答完把各台电脑的结果包拷回来导入。"), self)
        intro.setWordWrap(True)
        self.export_button = QPushButton(self.tr("导出测评包(&X)…"), self)
        self.export_button.clicked.connect(self.export_kit)
        self.passphrase_view = QLineEdit(self)
        self.passphrase_view.setReadOnly(True)
        self.passphrase_view.setAccessibleName(self.tr("测评包口令"))
        self.passphrase_view.setPlaceholderText(self.tr("导出后在这里显示口令，只显示这一次"))
        self.pack_passphrase = QLineEdit(self)
        self.pack_passphrase.setAccessibleName(self.tr("导入用的口令"))
        self.pack_passphrase.setPlaceholderText(self.tr("导出测评包时的口令"))
        self.import_button = QPushButton(self.tr("导入结果包(&Y)…"), self)
        self.import_button.clicked.connect(self.import_packs)

        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addWidget(self.passphrase_view, 1)
        form.addRow(self.tr("1. 测评包："), row)
        row2 = QHBoxLayout()
        row2.addWidget(self.pack_passphrase, 1)
        row2.addWidget(self.import_button)
        label = QLabel(self.tr("2. 结果包口令(&Z)："), self)
        label.setBuddy(self.pack_passphrase)
        form.addRow(label, row2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addStretch(1)

    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        if campaign is not None and self.campaign is not None and campaign.id == self.campaign.id \
                and campaign.status == self.campaign.status:
            return
        self.campaign = campaign
        self.passphrase_view.clear()
        self.banner.dismiss()
        usable = campaign is not None and campaign.status == "open" and "lab" in campaign.modes
        self.export_button.setEnabled(usable)
        self.import_button.setEnabled(usable)
        if campaign is not None and not usable:
            self.banner.show_info(self.tr("只有进行中、并开放了机房模式的测评活动可以导出测评包和导入结果包。"))

    def export_kit(self) -> BackgroundOp | None:
        if self.campaign is None:
            return None
        path = ask_save_path(self, self.tr("保存机房测评包"), f"{self.campaign.name}.xakit", self.tr(KIT_FILTER))
        if not path:
            return None
        passphrase = format_groups(generate())
        ctx, cid = self.ctx, self.campaign.id

        def done(kit: screening_lab.KitInfo) -> None:
            self.passphrase_view.setText(passphrase)
            self.banner.show_success(
                self.tr("测评包已保存到 %1（%2 名学生）。请抄下右边的口令：机房电脑打开测评包、导入结果包都要用，它只显示这一次。")
                .replace("%1", path).replace("%2", str(kit.students)))

        return (BackgroundOp(self, lambda _t: screening_lab.export_kit(ctx, cid, Path(path), passphrase),
                             title=self.tr("正在导出测评包…"), cancellable=False)
                .success(done).failure(self.banner.show_user_error).run())

    def import_packs(self) -> BackgroundOp | None:
        passphrase = self.pack_passphrase.text().strip()
        if not passphrase:
            self.banner.show_error(self.tr("请先填写导出测评包时的口令。"))
            self.pack_passphrase.setFocus()
            return None
        paths = ask_open_paths(self, self.tr("选择机房结果包（可多选）"), self.tr(PACK_FILTER))
        if not paths:
            return None
        ctx = self.ctx

        def work(task) -> list:
            out = []
            for k, p in enumerate(paths):
                task.check_cancelled()
                out.append(screening_lab.import_pack(ctx, Path(p), passphrase))
                task.set_progress(k + 1, len(paths))
            return out

        return (BackgroundOp(self, work, title=self.tr("正在导入结果包…"))
                .success(self._imported).failure(self.banner.show_user_error).run())

    def _imported(self, reports: list) -> None:
        self.reports = reports
        lines = [r.summary() for r in reports]
        conflicts = sum(r.stats.conflicts for r in reports)
        head = self.tr("已导入 %1 个结果包。").replace("%1", str(len(reports)))
        if conflicts:
            head += self.tr("有 %1 份重复作答需要您决定以哪份为准。").replace("%1", str(conflicts))
            self.banner.show_warning(head, lines)
        else:
            self.banner.show_success(head + " " + " ".join(lines))
        self.imported.emit()


def open_lab_kiosk(kit_path: Path, passphrase: str, folder: Path, pc_id: str, parent: QWidget | None = None):
    """On a lab PC: the kiosk over a kit. Leaving with the passphrase writes ``<folder>/<pc>.xapack``."""


    kiosk = LabKiosk.open(Path(kit_path), passphrase, Path(folder), pc_id)
    window = KioskWindow(kiosk, parent)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in pc_id) or "pc"
    window.before_close = lambda k: k.write_pack(Path(folder) / f"{safe}.xapack")
    return window



class LabStartDialog(QDialog):
    """On a lab PC (no school database): choose the kit, type its passphrase, start the kiosk.

    The result pack is written next to the kit (or in the folder chosen) when the counselor leaves
    the kiosk with the same passphrase. ``kiosk_window`` is the window started, for the caller.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("打开机房测评包"))
        self.kiosk_window = None
        self.banner = MessageBanner(self)
        self.kit_edit = QLineEdit(self)
        self.kit_edit.setAccessibleName(self.tr("测评包文件"))
        browse = QPushButton(self.tr("浏览(&B)…"), self)
        browse.clicked.connect(self.browse)
        self.passphrase_edit = QLineEdit(self)
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setAccessibleName(self.tr("测评包口令"))
        self.pc_edit = QLineEdit(platform.node() or "PC", self)
        self.pc_edit.setAccessibleName(self.tr("这台电脑的名字"))
        self.pc_edit.setToolTip(self.tr("写在结果包的文件名里，便于区分是哪台电脑的"))
        kit_row = QHBoxLayout()
        kit_row.addWidget(self.kit_edit, 1)
        kit_row.addWidget(browse)
        form = QFormLayout()
        for text, field in ((self.tr("测评包(&K)："), kit_row), (self.tr("口令(&P)："), self.passphrase_edit),
                            (self.tr("电脑名(&N)："), self.pc_edit)):
            label = QLabel(text, self)
            label.setBuddy(self.kit_edit if field is kit_row else field)
            form.addRow(label, field)
        buttons = QDialogButtonBox(self)
        self.start_button = buttons.addButton(self.tr("开始测评"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        set_primary(self.start_button)
        no_auto_default(self.banner, browse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 36, self.sizeHint().height())

    def browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("选择机房测评包"), "", self.tr(KIT_FILTER))
        if path:
            self.kit_edit.setText(path)

    def start(self) -> None:
        kit = Path(self.kit_edit.text().strip())
        if not self.kit_edit.text().strip() or not kit.is_file():
            self.banner.show_error(self.tr("请选择老师给的测评包文件。"))
            return
        try:
            window = open_lab_kiosk(kit, self.passphrase_edit.text(), kit.parent, self.pc_edit.text().strip() or "PC")
        except UserError as exc:
            self.banner.show_user_error(exc)
            return
        self.kiosk_window = window
        window.showFullScreen()
        self.accept()
