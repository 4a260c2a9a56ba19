"""复核队列: a campaign's proposals with the rule that made each, follow-up interviews (复核访谈),
decisions (an override needs a reason), bulk confirm, and the capacity view.

Near-threshold students are listed apart, on their own tab. Every write goes through the core
(``grid.record_interview`` / ``decide`` / ``bulk_confirm``), which checks permission and scope.
生成预警建议 makes a campaign's proposals on demand (closing a campaign does it too); an empty queue
says why it is empty and what to do.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xadesk.errors import UserError
from xadesk.services import campaigns
from xadesk.services import grid as G
from xadesk.services import grid_screening as GS
from xadesk.services import grid_tracking as T
from xadesk.services.context import AppContext

from .. import messages
from ..formutil import set_primary
from ..messages import MessageBanner
from ..tablemodel import CENTER, Column, FilterProxy, configure_table_view, set_column_widths
from ..worker import BackgroundOp
from .common import StyledRowModel, day_text, level_map, level_text, tint
from .student import TrackingDialog


def _interview_text(r: G.QueueRow, levels) -> str:
    if r.interview is None:
        return "未访谈"
    return f"{r.interview.held_at:%m-%d} 建议{level_text(levels, r.interview.recommendation)}"


class ReviewPanel(QWidget):
    decided = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.levels = level_map(None)
        self.dialog: QDialog | None = None
        self._op: BackgroundOp | None = None

        self.campaign_combo = QComboBox(self)
        self.campaign_combo.setObjectName("campaignCombo")
        self.campaign_combo.addItem(self.tr("全部来源"), None)
        campaign_label = QLabel(self.tr("筛查批次(&C)："), self)
        campaign_label.setBuddy(self.campaign_combo)
        self.campaign_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.capacity_label = QLabel(self)
        self.capacity_label.setObjectName("capacityLabel")
        self.capacity_label.setWordWrap(True)
        self.capacity_label.setTextFormat(Qt.TextFormat.RichText)
        self.propose_button = QPushButton(self.tr("生成预警建议(&G)"), self)
        self.propose_button.setObjectName("proposeNowButton")
        self.propose_button.setToolTip(self.tr("按学校的预警规则，为所选筛查批次（或全部批次）的结果生成预警建议"))
        self.propose_button.clicked.connect(self.propose_now)
        top = QHBoxLayout()
        top.addWidget(campaign_label)
        top.addWidget(self.campaign_combo)
        top.addWidget(self.propose_button)
        top.addStretch(1)
        self._want_campaign: int | None = None
        self.campaign_combo.setMinimumContentsLength(16)
        self.campaign_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)

        self.banner = MessageBanner(self)
        self.model = StyledRowModel(self._columns(), self._style, self)
        self.proxy = FilterProxy(self.model, [1, 2, 3], self)
        self.table = QTableView(self)
        self.table.setObjectName("reviewTable")
        self.table.setAccessibleName(self.tr("待复核的预警建议"))
        self.table.setModel(self.proxy)
        configure_table_view(self.table)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self._size_columns(self.table)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_detail())
        self.table.activated.connect(lambda _i: self.interview())
        self.near_model = StyledRowModel(self._columns(), self._style, self)
        self.near_proxy = FilterProxy(self.near_model, [1, 2, 3], self)
        self.near_table = QTableView(self)
        self.near_table.setObjectName("nearTable")
        self.near_table.setModel(self.near_proxy)
        configure_table_view(self.near_table)
        self._size_columns(self.near_table)
        self.empty_hint = QLabel(self)
        self.empty_hint.setObjectName("emptyQueueHint")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty_hint.setContentsMargins(12, 12, 12, 12)
        self.empty_hint.hide()
        queue_box = QWidget(self)
        queue_layout = QVBoxLayout(queue_box)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        queue_layout.addWidget(self.empty_hint)
        queue_layout.addWidget(self.table, 1)
        self.inner = QTabWidget(self)
        self.inner.addTab(queue_box, self.tr("待复核"))
        self.inner.addTab(self.near_table, self.tr("近阈值（另列）"))

        self.detail = QLabel(self)
        self.detail.setObjectName("proposalDetail")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.interview_button = QPushButton(self.tr("记录复核访谈(&I)…"), self)
        self.decide_button = QPushButton(self.tr("作出决定(&D)…"), self)
        self.bulk_button = QPushButton(self.tr("批量确认所选(&B)"), self)
        self.agree_check = QCheckBox(self.tr("仅筛查与班主任观察一致的(&A)"), self)
        self.open_button = QPushButton(self.tr("跟踪记录(&E)…"), self)
        self.interview_button.setObjectName("interviewButton")
        self.decide_button.setObjectName("decideButton")
        self.bulk_button.setObjectName("bulkButton")
        self.interview_button.clicked.connect(self.interview)
        self.decide_button.clicked.connect(self.decide)
        self.bulk_button.clicked.connect(self.bulk_confirm)
        self.open_button.clicked.connect(self._open_tracking)
        buttons = QHBoxLayout()
        buttons.addWidget(self.interview_button)
        buttons.addWidget(self.decide_button)
        buttons.addSpacing(16)
        buttons.addWidget(self.bulk_button)
        buttons.addWidget(self.agree_check)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.inner)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.capacity_label)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self._campaigns_loaded = False
        self.reload()

    def _columns(self) -> list[Column]:
        return [
            Column("建议等级", lambda r: level_text(self.levels, r.proposed_level,
                                                 "待核实" if r.critical_blank else "待核查作答"), align=CENTER),
            Column("姓名", "name"),
            Column("班级", "class_label"),
            Column("提出依据（规则）", "rule_label"),
            Column("来源", lambda r: "、".join(G.SOURCES.get(s, s) for s in r.sources)),
            Column("安全底线", "safety", align=CENTER, fmt=lambda b: "是" if b else ""),
            Column("复核访谈", lambda r: _interview_text(r, self.levels)),
            Column("观察一致", "observation_agrees", align=CENTER, fmt=lambda b: "一致" if b else ""),
            Column("当前等级", lambda r: level_text(self.levels, r.current_level, "")),
        ]

    @staticmethod
    def _size_columns(view: QTableView) -> None:
        set_column_widths(view, (6, 4, 6, 20, 5, 4, 9, 4), padding=16)

    def _style(self, r: G.QueueRow, col: int):
        if col == 0 and r.proposed_level in self.levels:
            return None, tint(self.levels[r.proposed_level].colour_hex, 90), True
        if col == 5 and r.safety:
            return "#B71C1C", None, True
        return None

    # -- loading ----------------------------------------------------------------------------------

    def reload(self) -> None:
        ctx, campaign = self.ctx, self.campaign_combo.currentData()
        want_campaigns = not self._campaigns_loaded

        def work(_task):
            camps = []
            if want_campaigns:
                try:
                    camps = campaigns.list_campaigns(ctx)
                except UserError:  # no right to see campaigns: the queue still works
                    camps = []
            queue = G.review_queue(ctx, campaign, include_near=True)
            return G.levels(ctx), queue, G.capacity(ctx, campaign, queue=queue), camps

        self._op = (BackgroundOp(self, work, title=self.tr("正在读取复核队列…"), cancellable=False)
                    .success(self._loaded).failure(self.banner.show_user_error))
        self._op.run()

    def _loaded(self, result) -> None:
        levels, rows, cap, camps = result
        self.levels = level_map(levels)
        if camps and not self._campaigns_loaded:
            self.campaign_combo.blockSignals(True)
            for c in camps:
                if c.status != "draft":
                    self.campaign_combo.addItem(c.name, c.id)
            self.campaign_combo.blockSignals(False)
        self._campaigns_loaded = True
        if self._want_campaign is not None:
            want, self._want_campaign = self._want_campaign, None
            i = self.campaign_combo.findData(want)
            if i >= 0 and i != self.campaign_combo.currentIndex():
                self.campaign_combo.setCurrentIndex(i)    # reloads for that campaign
                return
        graded = [r for r in rows if not r.near]
        near = [r for r in rows if r.near]
        self.model.set_rows(graded)
        self.near_model.set_rows(near)
        self.inner.setTabText(0, self.tr("待复核（{n}）").format(n=len(graded)))
        self._show_empty_hint(not graded)
        self.inner.setTabText(1, self.tr("近阈值（{n}，另列）").format(n=len(near)))
        self.capacity = cap
        chips = " ".join(
            f'<span style="background:{self.levels[c].colour_hex};color:white;">&nbsp;{self.levels[c].name} '
            f"{n}&nbsp;</span>" for c, n in cap.by_level.items())
        weeks = f"约需 {cap.weeks_needed:g} 周" if cap.weeks_needed is not None else "未设访谈容量"
        self.capacity_label.setText(
            f"{chips}&nbsp; 待核查作答 {cap.validity_review}　|　待访谈 <b>{cap.waiting}</b> 人，已访谈待决定 "
            f"{cap.interviewed} 人　|　{cap.counselors} 位心理教师每周可访谈 {cap.per_week} 人，<b>{weeks}</b>"
            f"　|　近阈值 {len(cap.near)} 人另列")
        self._show_detail()

    def _show_empty_hint(self, empty: bool) -> None:
        self.empty_hint.setVisible(empty)
        self.table.setVisible(not empty)
        if not empty:
            return
        name = self.campaign_combo.currentText() if self.campaign_combo.currentData() is not None else None
        head = (self.tr("“{c}”没有待复核的预警建议。").format(c=name) if name
                else self.tr("复核队列是空的：目前没有待复核的预警建议。"))
        self.empty_hint.setText(head + self.tr(
            "\n\n为什么：预警建议在测评活动结束时生成（测评活动页 →“结束活动”）；活动进行中，只有安全提示"
            "（如 PHQ-9 第9题、ASQ 阳性、关键题未作答）会在学生作答时立即进入队列。"
            "\n\n怎么做：如果活动还没结束但想先看结果，请在上方选择筛查批次，再点“生成预警建议”；"
            "如果还没有导入作答，请先在测评活动页录入或导入。"))

    def show_campaign(self, campaign_id: int | None) -> None:
        """Show the queue of one campaign (e.g. the one just closed)."""
        i = self.campaign_combo.findData(campaign_id)
        if i >= 0:
            self.campaign_combo.setCurrentIndex(i)
        else:
            self._want_campaign = campaign_id
            self._campaigns_loaded = False   # the campaign list is read again, then it is chosen
            self.reload()

    def propose_now(self) -> BackgroundOp | None:
        """Make proposals now for the chosen campaign, or every campaign listed."""
        ctx = self.ctx
        chosen = self.campaign_combo.currentData()
        ids = [chosen] if chosen is not None else [self.campaign_combo.itemData(i)
                                                   for i in range(1, self.campaign_combo.count())]

        def work(task):
            total = G.ProposeSummary(0, 0, 0, 0, 0)
            for k, cid in enumerate(ids):
                task.set_progress(k, len(ids), self.tr("正在生成预警建议…"))
                s = GS.propose_for_campaign(ctx, cid)
                total = G.ProposeSummary(*(a + b for a, b in zip(
                    (total.proposed, total.validity_review, total.near, total.safety, total.replaced),
                    (s.proposed, s.validity_review, s.near, s.safety, s.replaced), strict=True)))
            task.set_progress(len(ids), len(ids))
            return total

        def done(s: G.ProposeSummary) -> None:
            self.banner.show_success(self.tr("已生成预警建议：{p} 名（其中安全底线 {k} 名），作答待核查 {v} 名，"
                                             "近阈值 {n} 名另列。").format(p=s.proposed, k=s.safety,
                                                                        v=s.validity_review, n=s.near))
            self._after_write(keep_banner=True)

        if not ids:
            self.banner.show_info(self.tr("还没有进行中或已结束的测评活动，无法生成预警建议。"))
            return None
        op = (BackgroundOp(self, work, title=self.tr("正在生成预警建议…"), cancellable=False)
              .success(done).failure(self.banner.show_user_error))
        self._op = op
        op.run()
        return op

    # -- the selected row -------------------------------------------------------------------------

    def current_row(self) -> G.QueueRow | None:
        view = self.table if self.inner.currentIndex() == 0 else self.near_table
        index = view.currentIndex()
        if not index.isValid():
            return None
        return view.model().row_at(index)

    def selected_rows(self) -> list[G.QueueRow]:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        return [self.proxy.row_at(r) for r in sorted(rows)]

    def select_student(self, student_id: int) -> bool:
        row = next((i for i in range(self.proxy.rowCount()) if self.proxy.row_at(i).student_id == student_id), -1)
        if row < 0:
            return False
        self.inner.setCurrentIndex(0)
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.proxy.index(row, 0))
        return True

    def _show_detail(self) -> None:
        r = self.current_row()
        if r is None:
            self.detail.setText(self.tr("选中一名学生，这里列出每条建议及提出它的规则。"))
            return
        lines = [f"<b>{r.name}</b>　{r.class_label or ''}　建议：{level_text(self.levels, r.proposed_level, '待核查')}"]
        for p in r.proposals:
            rule = p.rule_label or p.source_label
            tag = "（安全底线，不可关闭）" if p.safety else ("（近阈值）" if p.near else "")
            lv = level_text(self.levels, p.level or p.near_level, "待核查作答")
            extra = f"：{p.reason}" if p.reason else ""
            lines.append(f"· {p.source_label} → {lv}　规则：{rule}{tag}{extra}")
        if r.interview is not None:
            iv = r.interview
            lines.append(f"复核访谈：{iv.interviewer_name} {day_text(iv.held_at)}，建议"
                         f"{level_text(self.levels, iv.recommendation)}" + (f"；{iv.findings}" if iv.findings else ""))
        self.detail.setText("<br>".join(lines))

    # -- actions ----------------------------------------------------------------------------------

    def _need_row(self) -> G.QueueRow | None:
        r = self.current_row()
        if r is None:
            self.banner.show_info(self.tr("请先在队列里选中一名学生。"))
        return r

    def interview(self) -> InterviewDialog | None:
        r = self._need_row()
        if r is None:
            return None
        self.dialog = InterviewDialog(self.ctx, r, self.levels, self)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.accepted.connect(self._after_write)
        self.dialog.open()
        return self.dialog

    def decide(self) -> DecisionDialog | None:
        r = self._need_row()
        if r is None:
            return None
        if r.interview is None:
            messages.information(self, self.tr("作出决定前须先记录复核访谈（访谈人、时间、发现、建议）。"))
            return None
        self.dialog = DecisionDialog(self.ctx, r, self.levels, self)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.accepted.connect(self._after_write)
        self.dialog.open()
        return self.dialog

    def bulk_confirm(self) -> None:
        rows = self.selected_rows()
        if not rows:
            self.banner.show_info(self.tr("请先选中要确认的学生（按住 Ctrl 或 Shift 多选）。"))
            return
        if not messages.question(self, self.tr("确认所选 {n} 名学生的建议等级？只有复核访谈建议与建议等级一致的才会确认，"
                                               "其余跳过并说明原因。").format(n=len(rows)), yes=self.tr("确认")):
            return
        ctx, ids, agree = self.ctx, [r.student_id for r in rows], self.agree_check.isChecked()
        names = {r.student_id: r.name for r in rows}

        def done(res: G.BulkResult) -> None:
            skipped = [f"{names.get(sid, sid)}：{why}" for sid, why in res.skipped]
            text = self.tr("已确认 {n} 名学生的等级。").format(n=len(res.decided))
            if skipped:
                self.banner.show_warning(text + self.tr("另有 {k} 名跳过，请逐一复核：").format(k=len(skipped)), skipped)
            else:
                self.banner.show_success(text)
            self._after_write(keep_banner=True)

        (BackgroundOp(self, lambda _t: G.bulk_confirm(ctx, ids, require_observation=agree),
                      title=self.tr("正在确认…"), cancellable=False)
         .success(done).failure(self.banner.show_user_error).run())

    def _after_write(self, keep_banner: bool = False) -> None:
        if not keep_banner and self.banner.kind() == "info":
            self.banner.dismiss()
        self.decided.emit()
        self.reload()

    def _open_tracking(self) -> None:
        r = self._need_row()
        if r is None:
            return

        d = TrackingDialog(self.ctx, r.student_id, self)
        d.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        d.changed.connect(self._after_write)
        self.dialog = d
        d.open()


def _level_combo(parent: QWidget, levels, *, with_none: bool, current: str | None) -> QComboBox:
    combo = QComboBox(parent)
    for lv in levels.values():
        combo.addItem(lv.label, lv.code)
    if with_none:
        combo.addItem("不列入名单", None)
    i = combo.findData(current)
    combo.setCurrentIndex(i if i >= 0 else 0)
    return combo


class InterviewDialog(QDialog):
    """复核访谈: who held it, when, what was found, the level they recommend."""

    def __init__(self, ctx: AppContext, row: G.QueueRow, levels, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.row = ctx, row
        self.setWindowTitle(self.tr("记录复核访谈 · {name}").format(name=row.name))
        self.banner = MessageBanner(self)
        self.who = QComboBox(self)
        self.who.setObjectName("interviewer")
        self.who.addItem(ctx.actor.display_name, ctx.actor.user_id)
        try:
            for c in T.eligible_contacts(ctx, row.student_id):
                if c.user_id != ctx.actor.user_id:
                    self.who.addItem(c.display_name, c.user_id)
        except UserError:  # the current user alone is still a valid interviewer
            pass
        self.when = QDateTimeEdit(QDateTime.currentDateTime(), self)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setMaximumDateTime(QDateTime.currentDateTime().addSecs(300))
        self.findings = QPlainTextEdit(self)
        self.findings.setObjectName("findings")
        self.findings.setPlaceholderText(self.tr("访谈中了解到的情况：情绪、睡眠、支持、风险与保护因素……"))
        self.findings.setTabChangesFocus(True)
        self.recommend = _level_combo(self, levels, with_none=True, current=row.proposed_level)
        self.recommend.setObjectName("recommendation")
        form = QFormLayout()
        for label, w in ((self.tr("访谈人(&W)："), self.who), (self.tr("时间(&H)："), self.when),
                         (self.tr("发现(&N)："), self.findings), (self.tr("建议等级(&V)："), self.recommend)):
            lab = QLabel(label, self)
            lab.setBuddy(w)
            form.addRow(lab, w)
        hint = QLabel(self.tr("<b>{name}</b>　{cls}<br>建议：{lv}（{rule}）").format(
            name=row.name, cls=row.class_label or "", lv=level_text(levels, row.proposed_level, "待核查作答"),
            rule=row.rule_label or ""), self)
        hint.setWordWrap(True)
        box = QDialogButtonBox(self)
        self.ok = box.addButton(self.tr("保存访谈"), QDialogButtonBox.ButtonRole.AcceptRole)
        set_primary(self.ok)
        box.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        box.accepted.connect(self.submit)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(box)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 36, self.sizeHint().height())

    def submit(self) -> None:
        ctx, sid = self.ctx, self.row.student_id
        held: datetime = self.when.dateTime().toPython()
        text, rec, who = self.findings.toPlainText(), self.recommend.currentData(), self.who.currentData()

        def work(_t):
            return G.record_interview(ctx, sid, held_at=held, findings=text, recommendation=rec, interviewer_id=who)

        (BackgroundOp(self, work, title=self.tr("正在保存…"), cancellable=False)
         .success(lambda _r: self.accept()).failure(self.banner.show_user_error).run())


class DecisionDialog(QDialog):
    """The decision after an interview: the level (a different one than proposed needs a reason), and
    optionally the designated contact, chosen among those allowed to see the student."""

    def __init__(self, ctx: AppContext, row: G.QueueRow, levels, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.row = ctx, row
        self.setWindowTitle(self.tr("作出决定 · {name}").format(name=row.name))
        self.proposed = row.proposed_level if row.proposed_level is not None else row.current_level
        iv = row.interview
        info = QLabel(self.tr("建议等级：{p}<br>复核访谈：{who}，{when}，建议{rec}").format(
            p=level_text(levels, self.proposed, "待核查作答"), who=iv.interviewer_name, when=day_text(iv.held_at),
            rec=level_text(levels, iv.recommendation)), self)
        info.setWordWrap(True)
        self.banner = MessageBanner(self)
        self.level = _level_combo(self, levels, with_none=row.current_level is None, current=iv.recommendation)
        self.level.setObjectName("decidedLevel")
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("overrideReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(self.fontMetrics().height() * 5)
        self.reason_label = QLabel(self)
        self.contact = QComboBox(self)
        self.contact.setObjectName("decisionContact")
        self.contact.addItem(self.tr("暂不指定"), None)
        for c in T.eligible_contacts(ctx, row.student_id):
            self.contact.addItem(f"{c.display_name}（{'、'.join(c.roles)}）", c.user_id)
        form = QFormLayout()
        lab = QLabel(self.tr("决定等级(&V)："), self)
        lab.setBuddy(self.level)
        form.addRow(lab, self.level)
        self.reason_label.setText(self.tr("理由(&Y)："))
        self.reason_label.setBuddy(self.reason)
        form.addRow(self.reason_label, self.reason)
        lab = QLabel(self.tr("联系人(&K)："), self)
        lab.setBuddy(self.contact)
        form.addRow(lab, self.contact)
        self.override_hint = QLabel(self)
        self.override_hint.setWordWrap(True)
        self.override_hint.setStyleSheet("color: #B71C1C;")
        self.level.currentIndexChanged.connect(lambda _i: self._update_hint())
        box = QDialogButtonBox(self)
        self.ok = box.addButton(self.tr("确定决定"), QDialogButtonBox.ButtonRole.AcceptRole)
        set_primary(self.ok)
        box.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        box.accepted.connect(self.submit)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.override_hint)
        layout.addWidget(box)
        self._update_hint()
        self.resize(self.fontMetrics().horizontalAdvance("中") * 34, self.sizeHint().height())

    def _update_hint(self) -> None:
        override = self.level.currentData() != self.proposed
        self.override_hint.setText(self.tr("与建议等级不同：请写明理由（必填）。") if override else "")
        self.override_hint.setVisible(override)

    def submit(self) -> None:
        ctx, r = self.ctx, self.row
        level, reason, contact = self.level.currentData(), self.reason.toPlainText(), self.contact.currentData()

        def work(_t):
            return G.decide(ctx, r.student_id, interview_id=r.interview.id, level=level, reason=reason or None,
                            contact_id=contact)

        (BackgroundOp(self, work, title=self.tr("正在保存…"), cancellable=False)
         .success(lambda _r: self.accept()).failure(self.banner.show_user_error).run())
