"""新建测评活动: name, purpose, instruments in order, target grades/classes, modes, window, consent notes.

The dialog only collects; ``campaigns.create_campaign`` checks everything and its Chinese error is
shown in the dialog's banner (the dialog stays open with what was typed).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xadesk.display import instrument_name
from xadesk.errors import UserError
from xadesk.services import campaigns, instruments, roster
from xadesk.services.context import AppContext

from ..formutil import FittingDialog, no_auto_default, set_primary
from ..messages import MessageBanner

_ROLE = Qt.ItemDataRole.UserRole


class CreateCampaignDialog(FittingDialog):
    """``created`` holds the new CampaignInfo after the dialog is accepted."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.created: campaigns.CampaignInfo | None = None
        self.setWindowTitle(self.tr("新建测评活动"))
        self.banner = MessageBanner(self)

        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(self.tr("如：2026年秋季心理健康普查"))
        self.purpose_combo = QComboBox(self)
        for key, (zh, _en) in campaigns.PURPOSES.items():
            self.purpose_combo.addItem(zh, key)

        self.instrument_list = QListWidget(self)
        self.instrument_list.setAccessibleName(self.tr("量表（勾选，按勾选顺序施测）"))
        for info in instruments.available(ctx):
            item = QListWidgetItem(f"{instrument_name(info.id, info.name)}（{info.n_items}题）", self.instrument_list)
            item.setToolTip(info.name)
            item.setData(_ROLE, info.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.instrument_list.setMinimumHeight(self.fontMetrics().height() * 8)

        self.target_tree = QTreeWidget(self)
        self.target_tree.setHeaderHidden(True)
        self.target_tree.setAccessibleName(self.tr("测评对象：年级或班级"))
        for g in roster.class_tree(ctx):
            gi = QTreeWidgetItem(self.target_tree, [f"{g.label}（{g.student_count}人）"])
            gi.setData(0, _ROLE, ("grade", g.code))
            gi.setFlags(gi.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate)
            gi.setCheckState(0, Qt.CheckState.Unchecked)
            for c in g.classes:
                ci = QTreeWidgetItem(gi, [f"{c.label}（{c.student_count}人）"])
                ci.setData(0, _ROLE, ("class", c.id))
                ci.setFlags(ci.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                ci.setCheckState(0, Qt.CheckState.Unchecked)
        self.target_tree.setMinimumHeight(self.fontMetrics().height() * 8)

        self.mode_checks: dict[str, QCheckBox] = {}
        modes_row = QHBoxLayout()
        for key, (zh, _en) in campaigns.MODE_LABELS.items():
            box = QCheckBox(zh, self)
            box.setChecked(True)
            self.mode_checks[key] = box
            modes_row.addWidget(box)
        modes_row.addStretch(1)

        today = QDate.currentDate()
        self.opens_edit = QDateEdit(today, self)
        self.closes_edit = QDateEdit(today.addDays(14), self)
        for edit in (self.opens_edit, self.closes_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        window_row = QHBoxLayout()
        window_row.addWidget(self.opens_edit)
        window_row.addWidget(self.closes_edit)
        window_row.addStretch(1)
        self.consent_edit = QPlainTextEdit(self)
        self.consent_edit.setPlaceholderText(self.tr("如：9月1日家长会告知；告知书已由班主任发放"))
        self.consent_edit.setMaximumHeight(self.fontMetrics().height() * 4)
        self.open_now = QCheckBox(self.tr("建好后立即开始(&S)"), self)

        form = QFormLayout()
        form.addRow(self.tr("名称(&M)："), self.name_edit)
        form.addRow(self.tr("目的(&U)："), self.purpose_combo)
        self.order_label = QLabel(self.tr("按勾选的先后顺序施测。"), self)
        self.order_label.setWordWrap(True)
        # Instruments and targets side by side: stacked, the dialog was 746 px tall and its buttons fell
        # off a 1280 × 720 screen (150 % on 1920 × 1080).
        lists = QHBoxLayout()
        for caption, widget, under in ((self.tr("量表(&L)："), self.instrument_list, self.order_label),
                                       (self.tr("对象(&T)："), self.target_tree, None)):
            column = QVBoxLayout()
            label = QLabel(caption, self)
            label.setBuddy(widget)
            column.addWidget(label)
            column.addWidget(widget, 1)
            if under is not None:
                column.addWidget(under)
            lists.addLayout(column, 1)
        form.addRow(lists)
        form.addRow(self.tr("方式："), modes_row)
        window_label = QLabel(self.tr("时间(&W)："), self)
        window_label.setBuddy(self.opens_edit)
        form.addRow(window_label, window_row)
        form.addRow(self.tr("知情同意(&Y)："), self.consent_edit)
        form.addRow("", self.open_now)

        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton(self.tr("建立"), QDialogButtonBox.ButtonRole.AcceptRole)
        set_primary(self.ok_button)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.create)
        buttons.rejected.connect(self.reject)
        no_auto_default(self.banner)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form, 1)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 56, self.sizeHint().height())
        self._order: list[str] = []
        self.instrument_list.itemChanged.connect(self._instrument_toggled)

    def _instrument_toggled(self, item: QListWidgetItem) -> None:
        # The battery is given in the order the counselor ticks the instruments.
        iid = item.data(_ROLE)
        if item.checkState() == Qt.CheckState.Checked and iid not in self._order:
            self._order.append(iid)
        elif item.checkState() != Qt.CheckState.Checked and iid in self._order:
            self._order.remove(iid)
        self.order_label.setText(self.tr("施测顺序：%1").replace("%1", " → ".join(instrument_name(i) for i in self._order))
                                 if self._order else self.tr("按勾选的先后顺序施测。"))

    # -- for tests and the page -------------------------------------------------------------------------

    def check_instruments(self, *ids: str) -> None:
        for iid in ids:
            for row in range(self.instrument_list.count()):
                item = self.instrument_list.item(row)
                if item.data(_ROLE) == iid:
                    item.setCheckState(Qt.CheckState.Checked)

    def check_targets(self, *keys: tuple[str, object]) -> None:
        for item in self._target_items():
            if item.data(0, _ROLE) in keys:
                item.setCheckState(0, Qt.CheckState.Checked)

    def _target_items(self) -> list[QTreeWidgetItem]:
        out = []
        for i in range(self.target_tree.topLevelItemCount()):
            g = self.target_tree.topLevelItem(i)
            out.append(g)
            out += [g.child(j) for j in range(g.childCount())]
        return out

    def chosen_targets(self) -> tuple[list[str], list[int]]:
        grades, classes = [], []
        for item in self._target_items():
            if item.checkState(0) != Qt.CheckState.Checked:
                continue
            kind, value = item.data(0, _ROLE)
            if kind == "grade":
                grades.append(value)
            elif item.parent().checkState(0) != Qt.CheckState.Checked:   # a ticked grade covers its classes
                classes.append(value)
        return grades, classes

    def create(self) -> None:
        grades, classes = self.chosen_targets()
        if not self._order:
            self.banner.show_error(self.tr("请至少勾选一个量表。"))
            return
        if not grades and not classes:
            self.banner.show_error(self.tr("请勾选测评对象（年级或班级）。"))
            return
        try:
            self.created = campaigns.create_campaign(
                self.ctx, self.name_edit.text(), list(self._order), grades=grades, classes=classes,
                purpose=self.purpose_combo.currentData(), opens_on=_date(self.opens_edit),
                closes_on=_date(self.closes_edit), modes=[k for k, b in self.mode_checks.items() if b.isChecked()],
                consent_notes=self.consent_edit.toPlainText(), open_now=self.open_now.isChecked())
        except UserError as exc:
            self.banner.show_user_error(exc)
            return
        self.accept()


def _date(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())
