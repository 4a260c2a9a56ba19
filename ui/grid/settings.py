"""预警设置: the school edits its warning levels and rules (counselors, ``grid.manage``).

One scrollable tab: the four levels (name, colour, meaning, follow-up frequency, who is told — edited
in a small dialog), the rules (enable/disable by the checkbox; threshold, level and name through a
dialog that stores a new version via ``grid.save_rule``), who approves a release per level, the
weekly interview capacity, and the safety floor — code, listed read-only and marked 不可关闭.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xadesk.display import describe_condition, instrument_name, scale_name
from xadesk.errors import UserError
from xadesk.grid import levels as LV
from xadesk.grid import safety as SF
from xadesk.grid.rules import OPS, Rule
from xadesk.services import grid as G
from xadesk.services.context import AppContext

from ..formutil import FittingDialog, no_auto_default, set_primary
from ..messages import MessageBanner
from ..tablemodel import CENTER, AnyIndex, Column, configure_table_view, set_column_widths
from ..worker import BackgroundOp
from .common import StyledRowModel, level_map, tint

ROLE_NAMES = {"counselor": "心理健康教师", "leader": "校领导", "grade_leader": "年级负责人", "homeroom": "班主任"}
APPROVERS = (("leader", "校领导"), ("counselor", "心理健康教师"))
OP_TEXT = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "eq": "="}


def describe(cond: Any) -> str:
    """A rule condition in words, e.g. "PHQ-9 抑郁筛查 抑郁总分 ≥ 15 且 GAD-7 焦虑筛查 焦虑总分 ≥ 15"."""
    return describe_condition(cond)


def simple_op(cond: Any) -> str | None:
    """The comparison of a single-threshold condition (the threshold can be edited with a number box)."""
    if "instrument" not in cond or "flag" in cond or "band_in" in cond:
        return None
    return next((o for o in OPS if o in cond), None)


class RulesModel(StyledRowModel):
    """Rules with a checkable 启用 column (column 0); ticking it asks ``toggled(key, enabled)``."""

    toggled = Signal(str, bool)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and index.column() == 0:
            if role == Qt.ItemDataRole.CheckStateRole:
                enabled = self.row_at(index.row()).enabled
                return Qt.CheckState.Checked if enabled else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.DisplayRole:
                return "启用" if self.row_at(index.row()).enabled else "停用"
        return super().data(index, role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        f = super().flags(index)
        return f | Qt.ItemFlag.ItemIsUserCheckable if index.isValid() and index.column() == 0 else f

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if index.isValid() and index.column() == 0 and role == Qt.ItemDataRole.CheckStateRole:
            checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
            self.toggled.emit(self.row_at(index.row()).key, checked)
            return True  # the stored value comes back through a reload
        return super().setData(index, value, role)


class LevelDialog(FittingDialog):
    """Edit one level; OK stores it through ``grid.set_level`` (errors shown in the dialog)."""

    def __init__(self, ctx: AppContext, level: LV.Level, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.level = ctx, level
        self.setWindowTitle(self.tr("编辑预警等级 {code}").format(code=level.code))
        self.banner = MessageBanner(self)
        self.name_edit = QLineEdit(level.name, self)
        self.colour_edit = QLineEdit(level.colour, self)
        self.hex_edit = QLineEdit(level.colour_hex, self)
        self.hex_edit.setInputMask("\\#HHHHHH")
        self.swatch = QLabel(self)
        self.swatch.setFixedWidth(self.fontMetrics().horizontalAdvance("中中"))
        self.hex_edit.textChanged.connect(self._paint_swatch)
        self._paint_swatch(level.colour_hex)
        self.meaning_edit = QPlainTextEdit(level.meaning, self)
        self.meaning_edit.setTabChangesFocus(True)
        self.meaning_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.days_spin = QSpinBox(self)
        self.days_spin.setRange(1, 365)
        self.days_spin.setSuffix(self.tr(" 天"))
        self.days_spin.setValue(level.follow_up_days)
        self.role_checks: dict[str, QCheckBox] = {}
        roles_row = QHBoxLayout()
        for role in LV.NOTIFIABLE_ROLES:
            box = QCheckBox(ROLE_NAMES.get(role, role), self)
            box.setChecked(role in level.notify_roles)
            self.role_checks[role] = box
            roles_row.addWidget(box)
        roles_row.addStretch(1)
        hex_row = QHBoxLayout()
        hex_row.addWidget(self.hex_edit, 1)
        hex_row.addWidget(self.swatch)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("名称(&N)："), self.name_edit)
        form.addRow(self.tr("颜色名(&C)："), self.colour_edit)
        form.addRow(self.tr("色值(&H)："), hex_row)
        form.addRow(self.tr("含义(&M)："), self.meaning_edit)
        form.addRow(self.tr("随访频率(&F)："), self.days_spin)
        form.addRow(self.tr("须告知："), roles_row)
        form.labelForField(hex_row).setBuddy(self.hex_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("保存"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        set_primary(self.buttons.button(QDialogButtonBox.StandardButton.Ok))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        no_auto_default(self.banner)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 34)

    def _paint_swatch(self, text: str) -> None:
        ok = len(text) == 7
        self.swatch.setStyleSheet(f"background:{text if ok else 'transparent'};border:1px solid #888;")

    def changes(self) -> dict[str, Any]:
        return {"name": self.name_edit.text().strip(), "colour": self.colour_edit.text().strip(),
                "colour_hex": self.hex_edit.text().strip(), "meaning": self.meaning_edit.toPlainText().strip(),
                "follow_up_days": self.days_spin.value(),
                "notify_roles": [r for r, box in self.role_checks.items() if box.isChecked()]}

    def save(self) -> None:
        ctx, code, changes = self.ctx, self.level.code, self.changes()
        (BackgroundOp(self, lambda _t: G.set_level(ctx, code, **changes), title=self.tr("正在保存…"),
                      cancellable=False)
         .success(lambda _r: self.accept()).failure(self.banner.show_user_error).run())


class RuleDialog(FittingDialog):
    """Edit a rule's name, level, threshold and near-threshold margin; OK stores a new version."""

    def __init__(self, ctx: AppContext, rule: Rule, levels: dict[str, LV.Level],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.rule = ctx, rule
        self.setWindowTitle(self.tr("编辑规则 {key}").format(key=rule.key))
        self.banner = MessageBanner(self)
        self.name_edit = QLineEdit(rule.name, self)
        self.level_combo = QComboBox(self)
        for lv in levels.values():
            self.level_combo.addItem(lv.label, lv.code)
        self.level_combo.setCurrentIndex(max(self.level_combo.findData(rule.level), 0))
        self.op = simple_op(rule.when)
        self.threshold_spin: QDoubleSpinBox | None = None
        self.when_edit: QPlainTextEdit | None = None
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("名称(&N)："), self.name_edit)
        form.addRow(self.tr("建议等级(&L)："), self.level_combo)
        if self.op is not None:
            spin = QDoubleSpinBox(self)
            spin.setRange(-1000, 1000)
            spin.setDecimals(1)
            spin.setValue(float(rule.when[self.op]))
            spin.setPrefix(f"{instrument_name(rule.when['instrument'])} "
                           f"{scale_name(rule.when['instrument'], rule.when['scale'])} {OP_TEXT[self.op]} ")
            self.threshold_spin = spin
            form.addRow(self.tr("阈值(&T)："), spin)
        else:
            # A combination has no single threshold: it is edited as its condition text (see rules.py).
            current = QLabel(self.tr("当前：{c}").format(c=describe(rule.when)), self)
            current.setWordWrap(True)
            form.addRow(self.tr("条件："), current)
            edit = QPlainTextEdit(json.dumps(rule.when, ensure_ascii=False), self)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 4 + 12)
            self.when_edit = edit
            form.addRow(self.tr("条件文本(&T)："), edit)
        self.near_spin = QDoubleSpinBox(self)
        self.near_spin.setRange(0, 999)
        self.near_spin.setDecimals(1)
        self.near_spin.setSpecialValueText(self.tr("不报告"))
        self.near_spin.setSuffix(self.tr(" 分"))
        self.near_spin.setToolTip(self.tr("差这么多分就达到阈值的学生单独列为“近阈值”，不提出预警。"))
        self.near_spin.setValue(float(rule.near_margin or 0))
        form.addRow(self.tr("近阈值范围(&R)："), self.near_spin)
        note = QLabel(self.tr("保存后生成新版本，旧版本保留备查；已作出的建议不受影响。"), self)
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("保存新版本"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        set_primary(self.buttons.button(QDialogButtonBox.StandardButton.Ok))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        no_auto_default(self.banner)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 36)

    def edited_rule(self) -> Rule:
        if self.threshold_spin is not None:
            value = self.threshold_spin.value()
            when = {**self.rule.when, self.op: int(value) if value.is_integer() else value}
        else:
            assert self.when_edit is not None
            try:
                when = json.loads(self.when_edit.toPlainText())
            except ValueError as exc:
                raise UserError("条件不是有效的 JSON 格式。", "The condition is not valid JSON.", field="when") from exc
        near = self.near_spin.value()
        return replace(self.rule, name=self.name_edit.text(), level=self.level_combo.currentData(), when=when,
                       near_margin=(int(near) if near.is_integer() else near) or None)

    def save(self) -> None:
        try:
            rule = self.edited_rule()
        except UserError as exc:
            self.banner.show_user_error(exc)
            return
        ctx = self.ctx
        (BackgroundOp(self, lambda _t: G.save_rule(ctx, rule), title=self.tr("正在保存…"), cancellable=False)
         .success(lambda _r: self.accept()).failure(self.banner.show_user_error).run())


def safety_lines() -> list[str]:
    """The safety floor as a teacher reads it (from ``xadesk.grid.safety``)."""
    lines = []
    for (inst, rule_id), label in SF.LABELS.items():
        level = LV.L1 if (inst, rule_id) in SF.ACUTE else LV.L2
        lines.append((level, label))
    names = level_map(None)
    out = [f"{label} → 至少{names[level].name}　（不可关闭）" for level, label in lines]
    out.append(f"其他量表的安全提示项 → 至少{names[LV.L2].name}　（不可关闭）")
    return out


class GridSettingsPanel(QWidget):
    """The 预警设置 tab. ``changed`` fires after any stored edit (the grid re-reads its level names)."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.levels = level_map(None)
        self.dialog: QDialog | None = None
        self._op: BackgroundOp | None = None
        self._loading = False
        char = self.fontMetrics().horizontalAdvance("中")
        self.banner = MessageBanner(self)

        # Levels.
        self.level_model = StyledRowModel([
            Column("等级", "label", align=CENTER),
            Column("色值", "colour_hex", align=CENTER),
            Column("随访频率", "follow_up_days", align=CENTER, fmt=lambda d: f"每 {d} 天"),
            Column("须告知", "notify_roles", fmt=lambda rs: "、".join(ROLE_NAMES.get(r, r) for r in rs)),
            Column("含义", "meaning"),
        ], lambda lv, col: (None, tint(lv.colour_hex, 110), True) if col == 0 else None, self)
        self.level_view = self._table("levelTable", self.level_model, (9, 6, 7, 22))
        self.level_view.activated.connect(lambda _i: self.edit_level())
        self.level_button = QPushButton(self.tr("编辑等级(&E)…"), self)
        self.level_button.setObjectName("editLevel")
        self.level_button.clicked.connect(lambda: self.edit_level())
        level_box = self._group(self.tr("预警等级"), self.level_view, self.level_button)

        # Rules.
        self.rule_model = RulesModel([
            Column("启用", "enabled", align=CENTER),
            Column("规则", "name"),
            Column("建议等级", "level", align=CENTER, fmt=lambda c: self.levels[c].label if c in self.levels else c),
            Column("条件", "when", fmt=describe),
            Column("近阈值", "near_margin", align=CENTER, fmt=lambda m: f"±{m:g}" if m else "—"),
            Column("版本", "version", align=CENTER, fmt=lambda v: "默认" if not v else f"v{v}"),
            Column("编号", "key"),
        ], self._rule_style, self)
        self.rule_model.toggled.connect(self.set_enabled)
        self.rule_view = self._table("ruleTable", self.rule_model, (5, 22, 7, 20, 5, 4))
        self.rule_view.activated.connect(lambda i: self.edit_rule() if i.column() != 0 else None)
        self.rule_view.setMinimumHeight(self.rule_view.verticalHeader().defaultSectionSize() * 9)
        self.rule_button = QPushButton(self.tr("编辑规则(&R)…"), self)
        self.rule_button.setObjectName("editRule")
        self.rule_button.clicked.connect(lambda: self.edit_rule())
        rule_box = self._group(self.tr("预警规则（勾选启用；编辑会生成新版本）"), self.rule_view, self.rule_button)

        # Safety floor: code, read-only.
        self.safety_list = QListWidget(self)
        self.safety_list.setObjectName("safetyFloor")
        self.safety_list.setAccessibleName(self.tr("安全底线（不可关闭）"))
        self.safety_list.addItems(safety_lines())
        for i in range(self.safety_list.count()):
            self.safety_list.item(i).setFlags(Qt.ItemFlag.ItemIsEnabled)  # nothing to tick, select or drag
        self.safety_list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.safety_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        rows = self.safety_list.count()
        self.safety_list.setFixedHeight(self.safety_list.sizeHintForRow(0) * rows + 2 * self.safety_list.frameWidth()
                                        + 4)
        safety_note = QLabel(self.tr("安全底线写在程序里，任何规则修改都不能关闭或降低它：学生勾选自伤、轻生相关条目时，"
                                     "无论作答是否有效，一律提出复核。"), self)
        safety_note.setWordWrap(True)
        safety_box = self._group(self.tr("安全底线（不可关闭）"), safety_note, self.safety_list)
        safety_box.setObjectName("safetyBox")

        # Release approval per level.
        self.approval_combos: dict[str, QComboBox] = {}
        self.approval_labels: dict[str, QLabel] = {}
        approval_form = QFormLayout()
        for code in LV.LEVEL_CODES:
            combo = QComboBox(self)
            combo.setObjectName(f"approval{code}")
            for value, text in APPROVERS:
                combo.addItem(self.tr(text), value)
            combo.currentIndexChanged.connect(lambda _i, c=code: self.set_approval(c))
            self.approval_combos[code] = combo
            self.approval_labels[code] = QLabel(self.levels[code].label, self)
            self.approval_labels[code].setBuddy(combo)
            approval_form.addRow(self.approval_labels[code], combo)
        approval_box = QGroupBox(self.tr("解除预警由谁审批"), self)
        approval_box.setLayout(approval_form)

        # Weekly interview capacity.
        self.capacity_spin = QSpinBox(self)
        self.capacity_spin.setObjectName("capacitySpin")
        self.capacity_spin.setRange(0, 200)
        self.capacity_spin.setSuffix(self.tr(" 次/周"))
        self.capacity_label = QLabel(self)
        self.capacity_label.setObjectName("capacityNow")
        self.capacity_label.setWordWrap(True)
        self.capacity_button = QPushButton(self.tr("保存容量(&W)"), self)
        self.capacity_button.setObjectName("saveCapacity")
        self.capacity_button.clicked.connect(self.save_capacity)
        cap_label = QLabel(self.tr("每位心理健康教师每周可访谈(&I)："), self)
        cap_label.setBuddy(self.capacity_spin)
        cap_label.setWordWrap(True)
        cap_row = QHBoxLayout()
        cap_row.addWidget(self.capacity_spin)
        cap_row.addWidget(self.capacity_button)
        cap_row.addStretch(1)
        capacity_box = QGroupBox(self.tr("复核访谈容量"), self)
        cl = QVBoxLayout(capacity_box)
        cl.addWidget(cap_label)
        cl.addLayout(cap_row)
        cl.addWidget(self.capacity_label)
        cl.addStretch(1)

        bottom = QHBoxLayout()
        bottom.addWidget(approval_box, 1)
        bottom.addWidget(capacity_box, 1)

        body = QWidget(self)
        body.setObjectName("gridSettingsBody")
        bl = QVBoxLayout(body)
        bl.addWidget(self.banner)
        bl.addWidget(level_box)
        bl.addWidget(rule_box, 1)
        bl.addLayout(bottom)
        bl.addWidget(safety_box)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setWidget(body)
        body.setMinimumWidth(char * 40)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        self.reload()

    def _table(self, name: str, model: StyledRowModel, widths: tuple[int, ...]) -> QTableView:
        view = QTableView(self)
        view.setObjectName(name)
        view.setModel(model)
        configure_table_view(view)
        view.setSortingEnabled(False)
        set_column_widths(view, widths, padding=16)
        return view

    def _group(self, title: str, main: QWidget, extra: QWidget) -> QGroupBox:
        box = QGroupBox(title, self)
        gl = QVBoxLayout(box)
        gl.addWidget(main, 1)
        if isinstance(extra, QPushButton):
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(extra)
            gl.addLayout(row)
        else:
            gl.addWidget(extra)
        return box

    def _fit_levels(self) -> None:
        # Four rows, always: show them all without an empty band or a scroll bar.
        view = self.level_view
        view.horizontalHeader().setStretchLastSection(True)
        view.resizeRowsToContents()
        rows = sum(view.rowHeight(r) for r in range(self.level_model.rowCount()))
        bar = view.horizontalScrollBar().sizeHint().height() if view.horizontalScrollBar().isVisible() else 0
        view.setFixedHeight(view.horizontalHeader().sizeHint().height() + rows + 2 * view.frameWidth() + bar)

    def _rule_style(self, rule: Rule, col: int):
        if not rule.enabled:
            return "#757575", None, False
        if col == 2 and rule.level in self.levels:
            return None, tint(self.levels[rule.level].colour_hex, 90), True
        return None

    # -- loading ----------------------------------------------------------------------------------

    def reload(self) -> None:
        ctx = self.ctx
        self._run(lambda: (G.levels(ctx), G.rules(ctx), G.settings(ctx)), self._loaded, self.tr("正在读取预警设置…"))

    def _run(self, fn: Callable[[], Any], done: Callable[[Any], None], title: str) -> None:
        self._op = (BackgroundOp(self, lambda _t: fn(), title=title, cancellable=False)
                    .success(done).failure(self.banner.show_user_error))
        self._op.run()

    def _loaded(self, result) -> None:
        levels, rules, settings = result
        self.levels = level_map(levels)
        self.level_model.set_rows(list(self.levels.values()))
        self.rule_model.set_rows(rules)
        self._fit_levels()
        self._loading = True
        for code, combo in self.approval_combos.items():
            combo.setCurrentIndex(max(combo.findData(settings.release_approval.get(code, "counselor")), 0))
            self.approval_labels[code].setText(self.levels[code].label)
        self._loading = False
        caps = settings.interviews_per_week
        if caps:
            self.capacity_spin.setValue(max(set(caps.values()), key=list(caps.values()).count))
        self.capacity_label.setText(
            self.tr("现有 {n} 位心理健康教师，合计每周 {total} 次。").format(n=len(caps), total=sum(caps.values()))
            if caps else self.tr("系统里还没有心理健康教师账号。"))

    def _stored(self, text: str) -> Callable[[Any], None]:
        def done(_result) -> None:
            self.banner.show_success(text)
            self.changed.emit()
            self.reload()
        return done

    # -- editing ----------------------------------------------------------------------------------

    def current_level(self) -> LV.Level | None:
        index = self.level_view.currentIndex()
        return self.level_model.row_at(index.row()) if index.isValid() else None

    def current_rule(self) -> Rule | None:
        index = self.rule_view.currentIndex()
        return self.rule_model.row_at(index.row()) if index.isValid() else None

    def edit_level(self, code: str | None = None) -> LevelDialog | None:
        level = self.levels.get(code) if code else self.current_level()
        if level is None:
            self.banner.show_info(self.tr("请先在表中选中一个等级。"))
            return None
        dialog = LevelDialog(self.ctx, level, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._stored(self.tr("已保存等级“{n}”。").format(n=level.name))(None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def edit_rule(self, key: str | None = None) -> RuleDialog | None:
        rule = (next((r for r in self.rule_model.rows() if r.key == key), None) if key else self.current_rule())
        if rule is None:
            self.banner.show_info(self.tr("请先在表中选中一条规则。"))
            return None
        dialog = RuleDialog(self.ctx, rule, self.levels, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._stored(self.tr("已保存规则“{n}”的新版本。").format(n=rule.name))(None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def set_enabled(self, key: str, enabled: bool) -> None:
        ctx = self.ctx
        text = self.tr("已启用规则 {k}。") if enabled else self.tr("已停用规则 {k}。")
        self._run(lambda: G.set_rule_enabled(ctx, key, enabled), self._stored(text.format(k=key)),
                  self.tr("正在保存…"))

    def set_approval(self, code: str) -> None:
        if self._loading:
            return
        ctx, approver = self.ctx, self.approval_combos[code].currentData()
        self._run(lambda: G.set_release_approval(ctx, code, approver),
                  self._stored(self.tr("已保存：{lv}解除由{who}审批。").format(
                      lv=self.levels[code].name, who=dict(APPROVERS)[approver])), self.tr("正在保存…"))

    def save_capacity(self) -> None:
        ctx, n = self.ctx, self.capacity_spin.value()
        self._run(lambda: G.set_interview_capacity(ctx, n),
                  self._stored(self.tr("已保存：每位心理健康教师每周 {n} 次访谈。").format(n=n)), self.tr("正在保存…"))
