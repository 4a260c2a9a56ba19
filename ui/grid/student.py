"""A student's tracking page (跟踪记录): level history, the designated contact, the tracking plan,
the follow-up log, green-channel referrals and crisis events, and release from the list.

Loaded with ``grid_tracking.student_record`` (the core audits the view and leaves out what this
viewer may not read: interview findings, diagnoses, reasons). Buttons appear only for what the
person may do; the core checks again on every write.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xadesk.services import grid as G
from xadesk.services import grid_care as C
from xadesk.services import grid_tracking as T
from xadesk.services.context import AppContext

from .. import messages
from ..archive.observe import open_record_dialog, record_menu_actions
from ..formutil import close_box, set_enabled_why, set_primary
from ..messages import MessageBanner
from ..tablemodel import Column, RowTableModel, configure_table_view
from ..worker import BackgroundOp
from .care import CrisisDialog, ReferralDialog, ReferralOutcomeDialog
from .common import OVERDUE_RED, day_text, level_map, level_text

RELEASE_STATUS = {"pending": "待审批", "approved": "已同意", "rejected": "未同意"}
APPROVER = {"leader": "校领导", "counselor": "心理健康教师"}


def _table(parent: QWidget, columns: list[Column], name: str) -> tuple[QTableView, RowTableModel]:
    model = RowTableModel(columns, parent)
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(model)
    configure_table_view(view)
    view.setSortingEnabled(False)
    return view, model


def _fit(view: QTableView, rows) -> None:
    """Show ``rows`` with columns sized to their text (a few rows: cheap), none wider than 18 characters."""
    model = view.model()
    model.set_rows(rows)
    view.resizeColumnsToContents()
    cap = view.fontMetrics().horizontalAdvance("中") * 18
    for col in range(model.columnCount()):
        view.setColumnWidth(col, min(view.columnWidth(col) + 8, cap))


def _qdate(d: date | None) -> QDate:
    d = d or date.today()
    return QDate(d.year, d.month, d.day)


class TrackingDialog(QDialog):
    changed = Signal()

    def __init__(self, ctx: AppContext, student_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.student_id = ctx, student_id
        self.student_label = ""
        self.levels = level_map(None)
        self.record: T.StudentGridRecord | None = None
        self.sub: QDialog | None = None
        can = ctx.actor.can
        self.setWindowTitle(self.tr("跟踪记录"))
        self.header = QLabel(self)
        self.header.setObjectName("trackingHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.banner = MessageBanner(self)
        self.tabs = QTabWidget(self)

        # plan and contact
        plan = QWidget(self)
        self.contact_combo = QComboBox(plan)
        self.contact_combo.setObjectName("contactCombo")
        self.contact_label = QLabel(plan)
        self.assign_button = QPushButton(self.tr("指定联系人(&K)"), plan)
        self.assign_button.setObjectName("assignContact")
        self.assign_button.clicked.connect(self.assign_contact)
        contact_row = QHBoxLayout()
        contact_row.addWidget(self.contact_combo, 1)
        contact_row.addWidget(self.contact_label, 1)
        contact_row.addWidget(self.assign_button)
        self.goal_edit = QLineEdit(plan)
        self.goal_edit.setObjectName("goalEdit")
        self.goal_edit.setPlaceholderText(self.tr("例如：情绪稳定，睡眠改善，按时复诊"))
        self.freq_spin = QSpinBox(plan)
        self.freq_spin.setRange(1, 365)
        self.freq_spin.setSuffix(self.tr(" 天"))
        self.due_edit = QDateEdit(plan)
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("yyyy-MM-dd")
        self.save_plan_button = QPushButton(self.tr("保存跟踪方案(&P)"), plan)
        self.save_plan_button.clicked.connect(self.save_plan)
        form = QFormLayout(plan)
        for text, w in ((self.tr("联系人："), contact_row), (self.tr("跟踪目标(&J)："), self.goal_edit),
                        (self.tr("随访频率(&Q)："), self.freq_spin), (self.tr("下次随访(&U)："), self.due_edit)):
            lab = QLabel(text, plan)
            if isinstance(w, QWidget):
                lab.setBuddy(w)
            form.addRow(lab, w)
        char = self.fontMetrics().horizontalAdvance("中")
        self.freq_spin.setMaximumWidth(char * 9)
        self.due_edit.setMaximumWidth(char * 10)
        self.contact_combo.setToolTip(self.tr("只列出有权查看这名学生的老师：班主任、年级组长、心理健康教师、校领导"))
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_plan_button)
        save_row.addStretch(1)
        form.addRow("", save_row)
        manage = can("grid.manage")
        self.contact_combo.setVisible(manage)
        self.assign_button.setVisible(manage)
        self.contact_label.setVisible(not manage)
        for w in (self.goal_edit, self.freq_spin, self.due_edit):
            w.setEnabled(manage)
        self.save_plan_button.setVisible(manage)
        self.tabs.addTab(plan, self.tr("跟踪方案"))

        # follow-ups
        fw = QWidget(self)
        self.follow_view, self.follow_model = _table(fw, [
            Column("日期", "occurred_on", fmt=day_text), Column("方式", "method_label"),
            Column("情况", "summary"), Column("记录人", "by_name"), Column("下次随访", "next_due", fmt=day_text)],
            "followUps")
        self.follow_button = QPushButton(self.tr("添加随访(&A)…"), fw)
        self.follow_button.setObjectName("addFollowUp")
        self.follow_button.clicked.connect(self.add_follow_up)
        self.follow_button.setVisible(can("grid.followup"))
        fl = QVBoxLayout(fw)
        fl.addWidget(self.follow_view, 1)
        fl.addWidget(self.follow_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.tabs.addTab(fw, self.tr("随访记录"))

        # history: level changes, proposals, interviews
        hw = QWidget(self)
        self.history_view, self.history_model = _table(hw, [
            Column("日期", "changed_on", fmt=day_text),
            Column("原等级", lambda h: level_text(self.levels, h.from_level, "—")),
            Column("新等级", lambda h: level_text(self.levels, h.to_level, "解除预警")),
            Column("理由", "reason"), Column("操作人", "by_name")], "levelHistory")
        self.interview_view, self.interview_model = _table(hw, [
            Column("访谈时间", "held_at", fmt=day_text), Column("访谈人", "interviewer_name"),
            Column("建议", lambda i: level_text(self.levels, i.recommendation)), Column("发现", "findings")],
            "interviews")
        hl = QVBoxLayout(hw)
        hl.addWidget(QLabel(self.tr("等级变化"), hw))
        hl.addWidget(self.history_view, 1)
        hl.addWidget(QLabel(self.tr("复核访谈"), hw))
        hl.addWidget(self.interview_view, 1)
        self.tabs.addTab(hw, self.tr("等级历史"))

        # green channel and crises
        gw = QWidget(self)
        self.referral_view, self.referral_model = _table(gw, [
            Column("转介日期", "referred_on", fmt=day_text), Column("机构", "institution"),
            Column("陪同", "accompanied_by"),
            Column("监护人", lambda r: ("已告知" if r.guardian_informed else "未告知")
                   + ("、同意" if r.guardian_consent else "")),
            Column("结果", "outcome_label"), Column("家长告知的诊断", "diagnosis_shared"),
            Column("返校方案", "return_plan"),
            Column("反馈", lambda r: "、".join(str(f.get("date")) for f in r.feedback))], "referrals")
        self.crisis_view, self.crisis_model = _table(gw, [
            Column("时间", "occurred_at", fmt=day_text), Column("经过", "summary"),
            Column("清单完成", lambda c: f"{sum(1 for s in c.steps if s.get('done'))}/{len(c.steps)}"),
            Column("联系了", lambda c: "、".join(f"{x.get('who')} {str(x.get('at') or '')[11:16]}" for x in c.calls)),
            Column("处置", "actions"), Column("记录人", "recorded_by_name")], "crises")
        self.referral_button = QPushButton(self.tr("新增转介(&Z)…"), gw)
        self.referral_button.setObjectName("addReferral")
        self.referral_button.clicked.connect(self.add_referral)
        self.outcome_button = QPushButton(self.tr("登记结果与反馈(&B)…"), gw)
        self.outcome_button.setObjectName("referralOutcome")
        self.outcome_button.clicked.connect(self.referral_outcome)
        self.crisis_button = QPushButton(self.tr("记录危机事件(&W)…"), gw)
        self.crisis_button.setObjectName("addCrisis")
        self.crisis_button.clicked.connect(self.add_crisis)
        for b in (self.referral_button, self.outcome_button):
            b.setVisible(manage)
        self.crisis_button.setVisible(can("grid.followup"))
        self.referral_view.activated.connect(lambda _i: self.referral_outcome() if manage else None)
        gb = QHBoxLayout()
        gb.addWidget(self.referral_button)
        gb.addWidget(self.outcome_button)
        gb.addStretch(1)
        gb.addWidget(self.crisis_button)
        gl = QVBoxLayout(gw)
        gl.addWidget(QLabel(self.tr("绿色通道转介"), gw))
        gl.addWidget(self.referral_view, 1)
        gl.addWidget(QLabel(self.tr("危机事件"), gw))
        gl.addWidget(self.crisis_view, 1)
        gl.addLayout(gb)
        self.tabs.addTab(gw, self.tr("转介与危机"))

        # release
        rw = QWidget(self)
        self.release_view, self.release_model = _table(rw, [
            Column("申请时间", "requested_at", fmt=day_text), Column("等级", lambda r: level_text(self.levels, r.level)),
            Column("理由", "reason"),
            Column("依据", lambda r: "、".join(C.EVIDENCE_KINDS.get(e["kind"], e["kind"]) for e in r.evidence)),
            Column("审批人", lambda r: APPROVER.get(r.approver_role, r.approver_role)),
            Column("状态", lambda r: RELEASE_STATUS.get(r.status, r.status)), Column("申请人", "requested_by_name"),
            Column("审批", lambda r: f"{r.decided_by_name or ''} {r.decision_note or ''}".strip())], "releases")
        self.release_button = QPushButton(self.tr("申请解除预警(&X)…"), rw)
        self.release_button.setObjectName("requestRelease")
        self.release_button.clicked.connect(self.request_release)
        self.release_button.setVisible(manage)
        self.approve_button = QPushButton(self.tr("同意解除(&Y)"), rw)
        self.reject_button = QPushButton(self.tr("不同意(&N)…"), rw)
        self.approve_button.clicked.connect(lambda: self.decide_release(True))
        self.reject_button.clicked.connect(lambda: self.decide_release(False))
        rb = QHBoxLayout()
        rb.addWidget(self.release_button)
        rb.addStretch(1)
        rb.addWidget(self.approve_button)
        rb.addWidget(self.reject_button)
        rl = QVBoxLayout(rw)
        rl.addWidget(self.release_view, 1)
        rl.addLayout(rb)
        self.tabs.addTab(rw, self.tr("解除预警"))

        close = close_box(self)
        # 记录观察 / 记录家访 from here too: the student is already chosen, one click to the form.
        self.record_buttons = []
        for text, cls in record_menu_actions(ctx):
            b = close.addButton(self.tr(text), QDialogButtonBox.ButtonRole.ActionRole)
            b.clicked.connect(lambda _c=False, k=cls: open_record_dialog(k, self.ctx, self.student_id,
                                                                           self.student_label, self))
            self.record_buttons.append(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(close)
        char = self.fontMetrics().horizontalAdvance("中")
        self.resize(char * 62, self.fontMetrics().height() * 30)
        self.reload()

    # -- loading ----------------------------------------------------------------------------------

    def reload(self) -> None:
        ctx, sid = self.ctx, self.student_id

        def work(_t):
            rec = T.student_record(ctx, sid)
            contacts = T.eligible_contacts(ctx, sid) if ctx.actor.can("grid.manage") else []
            pending = [r.id for r in C.pending_releases(ctx) if r.student_id == sid]
            return G.levels(ctx), rec, contacts, pending

        (BackgroundOp(self, work, title=self.tr("正在读取跟踪记录…"), cancellable=False)
         .success(self._loaded).failure(self.banner.show_user_error).run())

    def _loaded(self, result) -> None:
        levels, rec, contacts, approvable = result
        self.levels = level_map(levels)
        self.record = rec
        self.approvable = approvable
        case = rec.case
        self.setWindowTitle(self.tr("跟踪记录 · {name}").format(name=rec.name))
        self.student_label = f"{rec.class_label or ''} {rec.name}".strip()
        if case is None:
            status = "不在预警名单上"
            chip = ""
        else:
            lv = self.levels.get(case.level)
            chip = (f'<span style="background:{lv.colour_hex};color:white;">&nbsp;{lv.label}&nbsp;</span>'
                    if lv else case.level_name)
            status = "解除待审批" if case.status == "release_pending" else f"{day_text(case.opened_on)} 起跟踪"
            if case.next_due:
                due = f"下次随访 {day_text(case.next_due)}"
                status += "　" + (f'<span style="color:{OVERDUE_RED};"><b>{due}（已逾期）</b></span>'
                                 if case.overdue else due)
        self.header.setText(f"<b style='font-size:120%'>{rec.name}</b>　{rec.class_label or ''}　{rec.student_no}"
                            f"　{chip}<br>{status}")
        self.contact_combo.clear()
        self.contact_combo.addItem(self.tr("（未指定）"), None)
        for c in contacts:
            self.contact_combo.addItem(f"{c.display_name}（{'、'.join(c.roles)}）", c.user_id)
        if case is not None:
            self.contact_combo.setCurrentIndex(max(self.contact_combo.findData(case.contact_id), 0))
            self.contact_label.setText(case.contact or self.tr("（未指定）"))
            self.goal_edit.setText(case.goal)
            self.freq_spin.setValue(case.frequency_days)
            self.due_edit.setDate(_qdate(case.next_due))
        on_list = case is not None
        for w in (self.assign_button, self.save_plan_button, self.follow_button):
            set_enabled_why(w, on_list, self.tr("这名学生目前不在预警名单上。"))
        set_enabled_why(self.release_button, on_list and case.status == "active",
                        self.tr("这名学生目前不在预警名单上。") if not on_list
                        else self.tr("已有一份解除申请在等待审批，审批后才能再次申请。"))
        _fit(self.follow_view, list(reversed(rec.follow_ups)))
        _fit(self.history_view, rec.history)
        _fit(self.interview_view, rec.interviews)
        _fit(self.referral_view, rec.referrals)
        _fit(self.crisis_view, rec.crises)
        _fit(self.release_view, rec.releases)
        self.approve_button.setVisible(bool(approvable))
        self.reject_button.setVisible(bool(approvable))

    def _write(self, fn, done_text: str) -> None:
        def ok(_r) -> None:
            self.banner.show_success(done_text)
            self.changed.emit()
            self.reload()

        (BackgroundOp(self, lambda _t: fn(), title=self.tr("正在保存…"), cancellable=False)
         .success(ok).failure(self.banner.show_user_error).run())

    # -- actions ----------------------------------------------------------------------------------

    def assign_contact(self) -> None:
        uid = self.contact_combo.currentData()
        if uid is None:
            self.banner.show_info(self.tr("请先在下拉框里选择联系人。只列出有权查看这名学生的老师。"))
            return
        ctx, sid = self.ctx, self.student_id
        self._write(lambda: T.assign_contact(ctx, sid, uid),
                    self.tr("已指定 {name} 为联系人。").format(name=self.contact_combo.currentText()))

    def save_plan(self) -> None:
        ctx, sid = self.ctx, self.student_id
        goal, freq, due = self.goal_edit.text(), self.freq_spin.value(), self.due_edit.date().toPython()
        self._write(lambda: T.set_plan(ctx, sid, goal=goal, frequency_days=freq, next_due=due),
                    self.tr("跟踪方案已保存。"))

    def add_follow_up(self) -> FollowUpDialog:
        self.sub = FollowUpDialog(self.ctx, self.student_id, self)
        self.sub.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.sub.accepted.connect(lambda: (self.changed.emit(), self.reload()))
        self.sub.open()
        return self.sub

    def _open_sub(self, dialog: QDialog) -> QDialog:
        self.sub = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: (self.changed.emit(), self.reload()))
        dialog.open()
        return dialog

    def add_crisis(self) -> QDialog:

        return self._open_sub(CrisisDialog(self.ctx, self.student_id, self))

    def add_referral(self) -> QDialog:

        return self._open_sub(ReferralDialog(self.ctx, self.student_id, self))

    def referral_outcome(self) -> QDialog | None:

        index = self.referral_view.currentIndex()
        rows = self.referral_model.rows()
        if not rows:
            self.banner.show_info(self.tr("还没有转介记录。"))
            return None
        ref = rows[index.row()] if index.isValid() else rows[-1]
        return self._open_sub(ReferralOutcomeDialog(self.ctx, ref, self))

    def request_release(self) -> ReleaseDialog:
        self.sub = ReleaseDialog(self.ctx, self.student_id, self)
        self.sub.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.sub.accepted.connect(lambda: (self.changed.emit(), self.reload()))
        self.sub.open()
        return self.sub

    def decide_release(self, approve: bool) -> None:
        if not self.approvable:
            return
        rid, ctx = self.approvable[0], self.ctx
        note = None
        if not approve:
            from PySide6.QtWidgets import QInputDialog

            note, ok = QInputDialog.getText(self, self.tr("不同意解除"), self.tr("原因（必填）："))
            if not ok:
                return
        elif not messages.question(self, self.tr("同意解除这名学生的预警？学生将离开名单，等级历史会记下这次解除。"),
                                   yes=self.tr("同意解除")):
            return
        self._write(lambda: C.decide_release(ctx, rid, approve=approve, note=note),
                    self.tr("已同意解除。") if approve else self.tr("已退回解除申请。"))


class FollowUpDialog(QDialog):
    def __init__(self, ctx: AppContext, student_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.student_id = ctx, student_id
        self.setWindowTitle(self.tr("添加随访"))
        self.banner = MessageBanner(self)
        self.day = QDateEdit(_qdate(None), self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setMaximumDate(_qdate(None))
        self.method = QComboBox(self)
        self.method.setObjectName("followMethod")
        for code, label in T.FOLLOW_UP_METHODS.items():
            self.method.addItem(label, code)
        self.summary = QPlainTextEdit(self)
        self.summary.setObjectName("followSummary")
        self.summary.setTabChangesFocus(True)
        self.summary.setPlaceholderText(self.tr("学生近况、谈了什么、下一步"))
        self.set_next = QCheckBox(self.tr("自定下次随访日期(&Z)"), self)
        self.next_due = QDateEdit(_qdate(None).addDays(14), self)
        self.next_due.setCalendarPopup(True)
        self.next_due.setDisplayFormat("yyyy-MM-dd")
        self.next_due.setEnabled(False)
        self.set_next.toggled.connect(self.next_due.setEnabled)
        form = QFormLayout()
        for text, w in ((self.tr("日期(&D)："), self.day), (self.tr("方式(&W)："), self.method),
                        (self.tr("情况(&C)："), self.summary)):
            lab = QLabel(text, self)
            lab.setBuddy(w)
            form.addRow(lab, w)
        form.addRow(self.set_next, self.next_due)
        hint = QLabel(self.tr("不自定时，下次随访日期按跟踪方案的频率推算，落在假期的顺延到下学期开学。"), self)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5b6470;")
        box = QDialogButtonBox(self)
        ok = box.addButton(self.tr("保存随访"), QDialogButtonBox.ButtonRole.AcceptRole)
        set_primary(ok)
        box.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        box.accepted.connect(self.submit)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(box)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 32, self.sizeHint().height())

    def submit(self) -> None:
        ctx, sid = self.ctx, self.student_id
        day, method, text = self.day.date().toPython(), self.method.currentData(), self.summary.toPlainText()
        nxt = self.next_due.date().toPython() if self.set_next.isChecked() else None

        def work(_t):
            return T.log_follow_up(ctx, sid, summary=text, method=method, occurred_on=day, next_due=nxt)

        (BackgroundOp(self, work, title=self.tr("正在保存…"), cancellable=False)
         .success(lambda _r: self.accept()).failure(self.banner.show_user_error).run())


class ReleaseDialog(QDialog):
    """解除预警申请: a reason and at least one piece of evidence; the approver is the school's setting."""

    def __init__(self, ctx: AppContext, student_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.student_id = ctx, student_id
        self.setWindowTitle(self.tr("申请解除预警"))
        self.banner = MessageBanner(self)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("releaseReason")
        self.reason.setTabChangesFocus(True)
        self.evidence: list[tuple[QCheckBox, QDateEdit, QLineEdit, str]] = []
        form = QFormLayout()
        lab = QLabel(self.tr("解除理由(&Y)："), self)
        lab.setBuddy(self.reason)
        form.addRow(lab, self.reason)
        for code, label in C.EVIDENCE_KINDS.items():
            check = QCheckBox(label, self)
            day = QDateEdit(_qdate(None), self)
            day.setCalendarPopup(True)
            day.setDisplayFormat("yyyy-MM-dd")
            note = QLineEdit(self)
            note.setPlaceholderText(self.tr("结果或要点"))
            row = QHBoxLayout()
            row.addWidget(day)
            row.addWidget(note, 1)
            form.addRow(check, row)
            self.evidence.append((check, day, note, code))
        box = QDialogButtonBox(self)
        ok = box.addButton(self.tr("提交申请"), QDialogButtonBox.ButtonRole.AcceptRole)
        set_primary(ok)
        box.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        box.accepted.connect(self.submit)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("依据至少一项：再次筛查、复核访谈或医生反馈。"), self))
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(box)
        self.resize(self.fontMetrics().horizontalAdvance("中") * 36, self.sizeHint().height())

    def submit(self) -> None:
        ctx, sid, reason = self.ctx, self.student_id, self.reason.toPlainText()
        ev = [C.ReleaseEvidence(code, day.date().toPython(), note.text())
              for check, day, note, code in self.evidence if check.isChecked()]
        (BackgroundOp(self, lambda _t: C.request_release(ctx, sid, reason=reason, evidence=ev),
                      title=self.tr("正在提交…"), cancellable=False)
         .success(lambda _r: self.accept()).failure(self.banner.show_user_error).run())
