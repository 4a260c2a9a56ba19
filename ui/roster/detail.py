"""One student's record: basic information and the history of special-group tags.

The caller fetches the :class:`StudentDetail` with ``roster.get_student`` (which writes the
``student.view`` audit entry) and hands it here; this dialog only shows it. (The ID number is not
masked: a G-form 全国学籍号 contains it anyway, and the view is audited.)
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xadesk.services.roster import SEX_LABELS, STATUS_LABELS, TAG_LABELS, StudentDetail, TagHistory

from ..formutil import FittingDialog
from ..tablemodel import CENTER, Column, RowTableModel, configure_table_view, set_column_widths

# Buttons other areas add to this dialog (the growth archive adds 成长档案):
# (label, permission, open(ctx, student_id, dialog)); shown when the parent page has a ``ctx`` that may.
DETAIL_ACTIONS: list[tuple[str, str, Callable[[object, int, QWidget], None]]] = []


class StudentDetailDialog(FittingDialog):
    def __init__(self, detail: StudentDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail = detail
        row = detail.row
        self.setObjectName("studentDetail")
        self.setWindowTitle(self.tr("学生信息 · {name}").format(name=row.name))
        self.setMinimumWidth(520)

        name = QLabel(row.name, self)
        name.setObjectName("studentName")
        font = name.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        name.setFont(font)
        place = QLabel(row.class_label or self.tr("未分班"), self)
        header = QHBoxLayout()
        header.addWidget(name)
        header.addSpacing(12)
        header.addWidget(place)
        header.addStretch(1)

        basic = QGroupBox(self.tr("基本信息"), self)
        form = QFormLayout(basic)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(16)

        def value(text: str) -> QLabel:
            label = QLabel(text or "—", basic)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            return label

        form.addRow(self.tr("全国学籍号："), value(row.student_no))
        form.addRow(self.tr("性别："), value(SEX_LABELS.get(row.sex, row.sex)))
        form.addRow(self.tr("出生日期："), value(row.birth_date.isoformat() if row.birth_date else ""))
        self.id_label = value(detail.id_number or "")
        self.id_label.setObjectName("idNumber")
        form.addRow(self.tr("身份证号：") if detail.id_type_label == "居民身份证" else f"{detail.id_type_label}：",
                    self.id_label)
        form.addRow(self.tr("年级班级："), value(row.class_label or ""))
        form.addRow(self.tr("住校："), value(self.tr("住校") if row.boarding else self.tr("走读")))
        form.addRow(self.tr("学籍状态："), value(STATUS_LABELS.get(row.status, row.status)))
        if detail.school_no:
            form.addRow(self.tr("校内编号："), value(detail.school_no))

        tags_box = QGroupBox(self.tr("特殊群体（含历史）"), self)
        tags_layout = QVBoxLayout(tags_box)
        current = "、".join(TAG_LABELS.get(t, t) for t in row.tags)
        tags_layout.addWidget(QLabel(self.tr("目前：{tags}").format(tags=current or self.tr("无")), tags_box))
        self.tag_model = RowTableModel([
            Column(self.tr("类别"), "label"),
            Column(self.tr("标记日期"), lambda t: t.set_on.isoformat(), align=CENTER),
            Column(self.tr("解除日期"), lambda t: t.cleared_on.isoformat() if t.cleared_on else self.tr("（仍有效）"),
                   align=CENTER),
        ], self)
        history: list[TagHistory] = sorted(detail.tag_history, key=lambda t: (t.set_on, t.tag), reverse=True)
        self.tag_model.set_rows(history)
        self.tag_view = QTableView(tags_box)
        self.tag_view.setObjectName("tagHistory")
        self.tag_view.setModel(self.tag_model)
        configure_table_view(self.tag_view)
        self.tag_view.setSortingEnabled(False)
        set_column_widths(self.tag_view, (9, 7))
        rows_shown = max(2, min(len(history), 6))
        self.tag_view.setMinimumHeight(int(self.tag_view.verticalHeader().defaultSectionSize() * (rows_shown + 1.4)))
        if history:
            tags_layout.addWidget(self.tag_view)
        else:
            self.tag_view.hide()
            tags_layout.addWidget(QLabel(self.tr("没有特殊群体记录。"), tags_box))

        buttons = QDialogButtonBox(self)
        close = buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setDefault(True)
        buttons.rejected.connect(self.reject)
        ctx = getattr(parent, "ctx", None)
        for label, permission, opener in DETAIL_ACTIONS if ctx is not None else ():
            if ctx.actor.can(permission):
                extra = buttons.addButton(label, QDialogButtonBox.ButtonRole.ActionRole)
                extra.clicked.connect(lambda _c=False, f=opener: f(ctx, row.id, self))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(12)
        layout.addLayout(header)
        layout.addWidget(basic)
        layout.addWidget(tags_box, 1)
        layout.addWidget(buttons)
        close.setFocus()
