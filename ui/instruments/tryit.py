"""试算: type one set of answers for an instrument and score it with the real engine.

Made for the keyboard: one small box per item that takes only that item's option codes (digits, or
letters for a quiz); Tab or Enter moves to the next item, Enter on the last one scores. A blank box is a
blank answer (missing), never a 0 — the result says which items were blank and which missing rule
the engine applied.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QObject, QRegularExpression, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from xadesk.errors import UserError
from xadesk.instruments.definition import Definition, Item
from xadesk.scoring import score

from ..messages import MessageBanner
from . import describe
from .describe import SAFETY_COLOUR, SCREEN_COLOUR, esc, num

GRADES = [(0, "未指定")] + [(g, f"{g}年级") for g in range(1, 13)]
SEXES = [("", "未指定"), ("M", "男"), ("F", "女")]


class AnswerEdit(QLineEdit):
    """One item's answer box: accepts only the item's option codes (or nothing = blank)."""

    advance = Signal()
    focused = Signal()

    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self._values = {o.code.upper(): o.value for o in item.options}
        codes = sorted((re.escape(o.code) for o in item.options), key=len, reverse=True)
        pattern = QRegularExpression(f"^(?:{'|'.join(codes)})?$", QRegularExpression.PatternOption.CaseInsensitiveOption)
        self.setValidator(QRegularExpressionValidator(pattern, self))
        self.setMaxLength(max(len(o.code) for o in item.options))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFixedWidth(self.fontMetrics().horizontalAdvance("0" * max(2, self.maxLength())) + 26)
        self.setToolTip("\n".join(f"{o.code}　{o.label_zh}" for o in item.options) + "\n空着 = 未作答（缺失）")
        self.textEdited.connect(self._upper)

    def _upper(self, text: str) -> None:
        if text != text.upper():
            self.setText(text.upper())

    def value(self) -> float:
        """The option value typed, or NaN for a blank."""
        text = self.text().strip().upper()
        return float(self._values[text]) if text in self._values else float("nan")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.advance.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.selectAll()  # typing replaces the answer, whichever way the box was reached
        self.focused.emit()


class _ReflowGrid(QObject):
    """Lays out "第N题 [ ]" pairs in as many columns as the width allows, again on every resize
    (SCL-90 has 90 of them; a fixed column count is clipped on a narrow or 150 % screen)."""

    def __init__(self, form: QWidget, grid: QGridLayout, pairs: list[tuple[QLabel, AnswerEdit]]) -> None:
        super().__init__(form)
        self._form, self._grid, self._pairs = form, grid, pairs
        self._columns = 0
        label_w = max((lab.sizeHint().width() for lab, _e in pairs), default=0)
        edit_w = max((e.width() for _l, e in pairs), default=0)
        margins = grid.contentsMargins()
        self._pair_width = label_w + edit_w + 3 * grid.horizontalSpacing() + 4
        self._margin = margins.left() + margins.right()
        form.installEventFilter(self)
        self.relayout(3)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._form and event.type() == QEvent.Type.Resize:
            self.relayout(max(1, (self._form.width() - self._margin) // self._pair_width))
        return False

    def relayout(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for label, edit in self._pairs:
            self._grid.removeWidget(label)
            self._grid.removeWidget(edit)
        for k, (label, edit) in enumerate(self._pairs):
            row, col = divmod(k, columns)
            self._grid.addWidget(label, row, col * 2)
            self._grid.addWidget(edit, row, col * 2 + 1)
        for col in range(self._grid.columnCount()):
            self._grid.setColumnStretch(col, 0)
        self._grid.setColumnStretch(columns * 2, 1)
        for row in range(self._grid.rowCount()):
            self._grid.setRowStretch(row, 0)
        self._grid.setRowStretch((len(self._pairs) - 1) // columns + 1, 1)


class TryItPanel(QWidget):
    scored = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.definition: Definition | None = None
        self.edits: list[AnswerEdit] = []
        self.result: dict | None = None
        self.blank_positions: list[int] = []
        self._entries: list[tuple[str, int, Definition]] = []

        self.instrument_combo = QComboBox(self)
        self.instrument_combo.setObjectName("tryInstrument")
        self.instrument_combo.setAccessibleName(self.tr("试算的量表"))
        self.instrument_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.instrument_combo.setMinimumContentsLength(18)
        self.instrument_combo.currentIndexChanged.connect(self._combo_changed)
        instrument_label = QLabel(self.tr("量表(&M)："), self)
        instrument_label.setBuddy(self.instrument_combo)
        self.grade_combo = QComboBox(self)
        for g, label in GRADES:
            self.grade_combo.addItem(self.tr(label), g)
        grade_label = QLabel(self.tr("年级："), self)
        grade_label.setBuddy(self.grade_combo)
        self.sex_combo = QComboBox(self)
        for s, label in SEXES:
            self.sex_combo.addItem(self.tr(label), s)
        sex_label = QLabel(self.tr("性别："), self)
        sex_label.setBuddy(self.sex_combo)
        # Shown only for an instrument with norms: grade and sex choose the norm group, nothing else.
        self._norm_widgets = (grade_label, self.grade_combo, sex_label, self.sex_combo)
        for combo in (self.grade_combo, self.sex_combo):
            combo.setToolTip(self.tr("只用于选择常模组；没有常模的量表不需要填写"))
        self.score_button = QPushButton(self.tr("计分(&S)"), self)
        self.score_button.setObjectName("scoreButton")
        self.score_button.setProperty("primary", True)
        self.score_button.clicked.connect(self.score)
        self.clear_button = QPushButton(self.tr("清空(&C)"), self)
        self.clear_button.clicked.connect(self.clear_answers)

        top = QHBoxLayout()
        top.addWidget(instrument_label)
        top.addWidget(self.instrument_combo, 1)
        top.addSpacing(8)
        top.addWidget(grade_label)
        top.addWidget(self.grade_combo)
        top.addWidget(sex_label)
        top.addWidget(self.sex_combo)
        top.addSpacing(8)
        top.addWidget(self.score_button)
        top.addWidget(self.clear_button)

        self.legend = QLabel(self)
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet(f"color: {describe.MUTED_COLOUR};")
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("answerArea")
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.legend)
        left_layout.addWidget(self.scroll, 1)

        self.banner = MessageBanner(self)
        self.results = QTextBrowser(self)
        self.results.setObjectName("tryResults")
        self.results.setAccessibleName(self.tr("计分结果"))
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.banner)
        right_layout.addWidget(self.results, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([480, 520])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self._show_placeholder()

    # -- choosing the instrument ------------------------------------------------------------------------

    def set_entries(self, entries: Sequence[tuple[str, int, str, Definition]]) -> None:
        """(id, version, label, definition) of each instrument that may be tried; keeps the current one."""
        current = self.current_key()
        self._entries = [(i, v, d) for i, v, _label, d in entries]
        self.instrument_combo.blockSignals(True)
        self.instrument_combo.clear()
        for _i, _v, label, _d in entries:
            self.instrument_combo.addItem(label)
        self.instrument_combo.setCurrentIndex(-1)
        self.instrument_combo.blockSignals(False)
        keys = [(i, v) for i, v, _d in self._entries]
        if current in keys:
            self.instrument_combo.setCurrentIndex(keys.index(current))
        elif self._entries:
            self.instrument_combo.setCurrentIndex(0)
        else:
            self.set_definition(None)

    def current_key(self) -> tuple[str, int] | None:
        d = self.definition
        return (d.id, d.version) if d is not None else None

    def select(self, instrument_id: str, version: int) -> bool:
        keys = [(i, v) for i, v, _d in self._entries]
        if (instrument_id, version) not in keys:
            return False
        self.instrument_combo.setCurrentIndex(keys.index((instrument_id, version)))
        return True

    def _combo_changed(self, index: int) -> None:
        if 0 <= index < len(self._entries):
            defn = self._entries[index][2]
            if (defn.id, defn.version) == self.current_key():
                self.definition = defn  # the same version reloaded: keep the answers typed so far
            else:
                self.set_definition(defn)

    def set_definition(self, defn: Definition | None) -> None:
        self.definition = defn
        self.edits = []
        self.result = None
        self.blank_positions = []
        self.banner.dismiss()
        form = QWidget()
        form.setObjectName("answerForm")
        grid = QGridLayout(form)
        grid.setContentsMargins(4, 4, 8, 4)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        if defn is None:
            self.legend.clear()
        elif defn.item_text_allowed:
            self._build_with_text(defn, form, grid)
        else:
            self._build_numbers_only(defn, form, grid)
        self.scroll.setWidget(form)
        for widget in self._norm_widgets:
            widget.setVisible(bool(defn and defn.norms))
        for i, edit in enumerate(self.edits):
            edit.advance.connect(lambda i=i: self._advance(i))
            edit.focused.connect(lambda e=edit: self.scroll.ensureWidgetVisible(e, 0, 40))
        self._show_placeholder()

    def _legend_for(self, defn: Definition) -> None:
        sets: dict[str, list[Item]] = {}
        for it in defn.items:
            sets.setdefault(it.option_set, []).append(it)
        lines = []
        for members in sets.values():
            if len(members) > 1:
                where = "" if len(members) == defn.n_items else describe.items_ref(defn, [m.id for m in members]) + "："
                lines.append(where + describe.options_text(members[0]))
        hint = self.tr("输入选项代码，Tab 或 Enter 到下一题，最后一题按 Enter 计分；空着表示未作答（缺失），不当作 0 分。")
        self.legend.setText("\n".join([*lines, hint]))

    def _build_with_text(self, defn: Definition, form: QWidget, grid: QGridLayout) -> None:
        self._legend_for(defn)
        reverse = set(defn.reverse_keyed)
        for row, item in enumerate(defn.items):
            label = QLabel(f"{item.position}. {describe.item_text(defn, item)}", form)
            label.setWordWrap(True)
            edit = AnswerEdit(item, form)
            edit.setObjectName(f"answer_{item.id}")
            edit.setAccessibleName(f"第{item.position}题")
            label.setBuddy(edit)
            hint_text = describe.codes_hint(item) + ("（反向）" if item.id in reverse else "")
            hint = QLabel(hint_text, form)
            hint.setStyleSheet(f"color: {describe.MUTED_COLOUR};")
            grid.addWidget(label, row, 0)
            grid.addWidget(edit, row, 1, Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(hint, row, 2, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
            self.edits.append(edit)
        grid.setColumnStretch(0, 1)
        grid.setRowStretch(len(defn.items), 1)

    def _build_numbers_only(self, defn: Definition, form: QWidget, grid: QGridLayout) -> None:
        self._legend_for(defn)
        pairs = []
        for item in defn.items:
            label = QLabel(f"第{item.position}题", form)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            edit = AnswerEdit(item, form)
            edit.setObjectName(f"answer_{item.id}")
            edit.setAccessibleName(f"第{item.position}题")
            label.setBuddy(edit)
            pairs.append((label, edit))
            self.edits.append(edit)
        _ReflowGrid(form, grid, pairs)

    def _advance(self, index: int) -> None:
        if index + 1 < len(self.edits):
            self.edits[index + 1].setFocus(Qt.FocusReason.TabFocusReason)
        else:
            self.score()

    # -- answers and scoring ------------------------------------------------------------------------------

    def set_answers(self, codes: Sequence[str | None]) -> None:
        """Fill the boxes (None or "" = blank); for tests and demonstrations."""
        for edit, code in zip(self.edits, codes, strict=False):
            edit.setText(code or "")

    def has_answers(self) -> bool:
        return any(edit.text() for edit in self.edits)

    def answers(self) -> np.ndarray:
        """1 × items, NaN for a blank."""
        return np.array([[edit.value() for edit in self.edits]], dtype=np.float64)

    def clear_answers(self) -> None:
        for edit in self.edits:
            edit.clear()
        self.result = None
        self.blank_positions = []
        self._show_placeholder()
        if self.edits:
            self.edits[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def score(self) -> dict | None:
        defn = self.definition
        if defn is None:
            return None
        answers = self.answers()
        self.blank_positions = [it.position for it, v in zip(defn.items, answers[0], strict=True) if np.isnan(v)]
        try:
            scored = score(defn, answers, grades=[int(self.grade_combo.currentData() or 0)],
                           sexes=[str(self.sex_combo.currentData() or "")])
        except UserError as exc:  # the boxes only take option codes, so this is a definition problem
            self.banner.show_user_error(exc)
            return None
        self.banner.dismiss()
        self.result = scored.per_respondent(0)
        self.result["rule_zh"] = {sid: scored.rule_of(sid, 0, lang="zh") for sid in scored.scales}
        self.results.setHtml(self._result_html(defn, self.result))
        self.scored.emit(self.result)
        return self.result

    def result_text(self) -> str:
        return self.results.toPlainText()

    def _show_placeholder(self) -> None:
        self.results.setHtml(f"<p style='color:{describe.MUTED_COLOUR}'>"
                             + esc(self.tr("在左边输入答案，按“计分”或在最后一题按 Enter，这里显示各分量表的原始分、"
                                           "T 分、等级和提示，以及每个分数用的是哪条规则。")) + "</p>")

    def _result_html(self, defn: Definition, res: dict) -> str:
        flags = [describe.flag_text(defn, f) for f in res["flags"]]
        if res["valid"]:
            verdict = "<b style='color:#1e7b34'>有效</b>"
        else:
            why = [t for f, (_k, t) in zip(res["flags"], flags, strict=True) if f.startswith("validity:")]
            if any(s["raw"] is None for s in res["scales"].values()) and "no_answers" not in res["flags"]:
                why.append("有分量表因空题过多无法计分")
            if "no_answers" in res["flags"]:
                why.append("没有作答")
            verdict = f"<b style='color:{SCREEN_COLOUR}'>无效</b>" + (f"（{esc('；'.join(why))}）" if why else "")
        out = [f"<p><b>{esc(defn.name_zh)}</b>　{esc(defn.id)} 第{defn.version}版　{verdict}</p>"]
        for kind, label in flags:
            if kind == "safety":
                out.append(f"<p style='color:{SAFETY_COLOUR}'><b>【安全提示·不可关闭】{esc(label)}</b></p>")
        has_t = any(s["t"] is not None for s in res["scales"].values()) or any(n.kind == "t" for n in defn.norms)
        has_pct = any(n.kind == "percentile" for n in defn.norms)
        headers = ["分量表", "原始分", *(["T 分"] if has_t else []), *(["百分位"] if has_pct else []), "等级", "计分规则"]
        rows = []
        for sid, s in res["scales"].items():
            row = [f"<b>{esc(describe.scale_name(defn, sid))}</b>", esc(num(s["raw"]))]
            if has_t:
                row.append(esc(num(s["t"], 1)))
            if has_pct:
                row.append(esc(num(s["percentile"], 1)))
            row += [esc(s["band_label"] or "—"), esc(res["rule_zh"][sid])]
            rows.append(row)
        out.append(describe.html_table(headers, rows))
        others = [(k, t) for k, t in flags if k != "safety"]
        if others:
            out.append("<p><b>其他提示：</b><br>" + "<br>".join(
                f"<span style='color:{SCREEN_COLOUR}'>{esc(t)}</span>" if k in ("screen", "validity") else esc(t)
                for k, t in others) + "</p>")
        elif not any(k == "safety" for k, _t in flags):
            out.append(f"<p style='color:{describe.MUTED_COLOUR}'>没有触发任何规则或提示。</p>")
        if self.blank_positions:
            out.append(f"<p><b>未作答（缺失，不计 0 分）：</b>第{'、'.join(map(str, self.blank_positions))}题</p>")
        else:
            out.append(f"<p style='color:{describe.MUTED_COLOUR}'>全部题目已作答。</p>")
        checks = [v for v in defn.validity if v.kind == "too_fast"]
        if checks:
            out.append(f"<p style='color:{describe.MUTED_COLOUR}'>试算不记录作答用时，“作答过快”检查未进行。</p>")
        return "\n".join(out)
