"""Green channel and crisis dialogs on a student's tracking page: a crisis event with the school's
emergency checklist (who was called and when, what was done), a referral (institution, date, who
went along, guardian informed and consenting), and what came of a referral (outcome, what the
family shares of a diagnosis, return-to-school plan, a dated feedback contact).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from xadesk.services import grid_care as C
from xadesk.services.context import AppContext

from ..formutil import set_primary
from ..messages import MessageBanner
from ..worker import BackgroundOp

CALL_ROWS = 3


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(dialog)
    ok = box.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
    set_primary(ok)
    box.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
    box.accepted.connect(dialog.submit)  # type: ignore[attr-defined]
    box.rejected.connect(dialog.reject)
    return box


def _date_edit(parent: QWidget, day: QDate | None = None) -> QDateEdit:
    edit = QDateEdit(day or QDate.currentDate(), parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMaximumDate(QDate.currentDate())
    return edit


def _text(parent: QWidget, placeholder: str, lines: int = 3) -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setTabChangesFocus(True)
    edit.setPlaceholderText(placeholder)
    edit.setMaximumHeight(edit.fontMetrics().height() * (lines + 1))
    return edit


class CrisisDialog(QDialog):
    """危机事件: what happened, the checklist step by step (ticked, with a time), who was called."""

    def __init__(self, ctx: AppContext, student_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.student_id = ctx, student_id
        self.setWindowTitle(self.tr("记录危机事件"))
        self.banner = MessageBanner(self)
        self.when = QDateTimeEdit(QDateTime.currentDateTime(), self)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self.summary = _text(self, self.tr("发生了什么、在哪里、谁最先发现"))
        self.summary.setObjectName("crisisSummary")
        self.actions = _text(self, self.tr("采取了哪些措施，学生现在由谁陪护"), 2)
        form = QFormLayout()
        for text, w in ((self.tr("时间(&H)："), self.when), (self.tr("事件经过(&W)："), self.summary),
                        (self.tr("处置措施(&A)："), self.actions)):
            lab = QLabel(text, self)
            lab.setBuddy(w)
            form.addRow(lab, w)

        steps_box = QGroupBox(self.tr("应急处置清单（逐项勾选并填时间）"), self)
        grid = QGridLayout(steps_box)
        self.steps: list[tuple[QCheckBox, QTimeEdit]] = []
        for i, step in enumerate(C.crisis_checklist(ctx)):
            check = QCheckBox(step.step, steps_box)
            at = QTimeEdit(QTime.currentTime(), steps_box)
            at.setDisplayFormat("HH:mm")
            at.setMaximumWidth(at.fontMetrics().horizontalAdvance("00:00") * 3)
            at.setEnabled(False)
            check.toggled.connect(at.setEnabled)
            grid.addWidget(check, i, 0)
            grid.addWidget(at, i, 1)
            self.steps.append((check, at))
        calls_box = QGroupBox(self.tr("联系了谁（如：监护人（母亲）、120、分管副校长）"), self)
        cg = QGridLayout(calls_box)
        self.calls: list[tuple[QLineEdit, QTimeEdit, QLineEdit]] = []
        for i in range(CALL_ROWS):
            who = QLineEdit(calls_box)
            who.setPlaceholderText(self.tr("联系对象"))
            at = QTimeEdit(QTime.currentTime(), calls_box)
            at.setDisplayFormat("HH:mm")
            note = QLineEdit(calls_box)
            note.setPlaceholderText(self.tr("说明（可空）"))
            cg.addWidget(who, i, 0)
            cg.addWidget(at, i, 1)
            cg.addWidget(note, i, 2)
            self.calls.append((who, at, note))
        cg.setColumnStretch(2, 1)
        cg.setColumnStretch(0, 1)
        grid.setColumnStretch(0, 1)
        body = QWidget(self)
        bl = QVBoxLayout(body)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addLayout(form)
        bl.addWidget(steps_box)
        bl.addWidget(calls_box)
        # The checklist is long: on a small screen at 150 % the form scrolls, the buttons stay in view.
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        note = QLabel(self.tr("保存后会通知心理健康教师和校领导；学生尚非一级的，会提出一级预警建议待复核。"), self)
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        layout.addWidget(note)
        layout.addWidget(_buttons(self, self.tr("保存危机事件")))
        want = body.sizeHint().height() + note.sizeHint().height() + self.fontMetrics().height() * 5
        screen = self.screen().availableGeometry().height() if self.screen() else 720
        self.resize(self.fontMetrics().horizontalAdvance("中") * 44, min(want, int(screen * 0.9)))

    def _at(self, t: QTime) -> datetime:
        day = self.when.date().toPython()
        return datetime.combine(day, t.toPython())

    def submit(self) -> None:
        me = self.ctx.actor.display_name
        steps = [C.CrisisStep(check.text(), check.isChecked(), self._at(at.time()) if check.isChecked() else None,
                              me if check.isChecked() else "") for check, at in self.steps]
        calls = [C.CrisisCall(who.text(), self._at(at.time()), note.text())
                 for who, at, note in self.calls if who.text().strip() or note.text().strip()]
        ctx, sid = self.ctx, self.student_id
        when: datetime = self.when.dateTime().toPython()
        summary, actions = self.summary.toPlainText(), self.actions.toPlainText()
        (BackgroundOp(self, lambda _t: C.record_crisis(ctx, sid, occurred_at=when, summary=summary, steps=steps,
                                                         calls=calls, actions=actions),
                      title=self.tr("正在保存…"), cancellable=False)
         .success(lambda _r: self.accept()).failure(self.banner.show_user_error).run())


class ReferralDialog(QDialog):
    """绿色通道转介: where, when, who went along, whether the guardian was told and consented."""

    def __init__(self, ctx: AppContext, student_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.student_id = ctx, student_id
        self.setWindowTitle(self.tr("新增转介（绿色通道）"))
        self.banner = MessageBanner(self)
        self.institution = QLineEdit(self)
        self.institution.setObjectName("institution")
        self.institution.setPlaceholderText(self.tr("如：西安市精神卫生中心 儿童青少年门诊"))
        self.day = _date_edit(self)
        self.accompanied = QLineEdit(self)
        self.accompanied.setPlaceholderText(self.tr("如：母亲、心理健康教师李静"))
        self.informed = QCheckBox(self.tr("已告知监护人(&I)"), self)
        self.informed_on = _date_edit(self)
        self.informed_on.setEnabled(False)
        self.informed.toggled.connect(self.informed_on.setEnabled)
        self.consent = QCheckBox(self.tr("监护人同意(&Y)"), self)
        self.consent_note = QLineEdit(self)
        self.consent_note.setPlaceholderText(self.tr("如：母亲签署知情同意书"))
        informed_row = QHBoxLayout()
        informed_row.addWidget(self.informed)
        informed_row.addWidget(self.informed_on)
        informed_row.addWidget(self.consent)
        informed_row.addStretch(1)
        form = QFormLayout()
        for text, w in ((self.tr("转介机构(&J)："), self.institution), (self.tr("转介日期(&D)："), self.day),
                        (self.tr("陪同人员(&P)："), self.accompanied)):
            lab = QLabel(text, self)
            lab.setBuddy(w)
            form.addRow(lab, w)
        form.addRow(self.tr("监护人："), informed_row)
        lab = QLabel(self.tr("同意说明(&N)："), self)
        lab.setBuddy(self.consent_note)
        form.addRow(lab, self.consent_note)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, self.tr("保存转介")))
        self.resize(self.fontMetrics().horizontalAdvance("中") * 38, self.sizeHint().height())

    def submit(self) -> None:
        ctx, sid = self.ctx, self.student_id
        kw = dict(institution=self.institution.text(), referred_on=self.day.date().toPython(),
                  accompanied_by=self.accompanied.text(), guardian_informed=self.informed.isChecked(),
                  guardian_consent=self.consent.isChecked(),
                  guardian_informed_on=self.informed_on.date().toPython() if self.informed.isChecked() else None,
                  consent_note=self.consent_note.text())
        (BackgroundOp(self, lambda _t: C.add_referral(ctx, sid, **kw), title=self.tr("正在保存…"), cancellable=False)
         .success(lambda _r: self.accept()).failure(self.banner.show_user_error).run())


class ReferralOutcomeDialog(QDialog):
    """What came of a referral: outcome, what the family shares of a diagnosis (only that), the
    return-to-school plan, and one dated feedback contact."""

    def __init__(self, ctx: AppContext, referral: C.ReferralRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.referral = ctx, referral
        self.setWindowTitle(self.tr("转介结果与反馈 · {inst}").format(inst=referral.institution))
        self.banner = MessageBanner(self)
        self.outcome = QComboBox(self)
        self.outcome.setObjectName("outcome")
        for code, label in C.OUTCOMES.items():
            self.outcome.addItem(label, code)
        self.outcome.setCurrentIndex(max(self.outcome.findData(referral.outcome), 0))
        self.outcome_note = _text(self, self.tr("就诊情况（仅心理健康教师可见）"), 2)
        self.outcome_note.setPlainText(referral.outcome_note or "")
        self.diagnosis = QLineEdit(referral.diagnosis_shared or "", self)
        self.diagnosis.setPlaceholderText(self.tr("只记家长愿意告诉学校的内容"))
        self.return_plan = _text(self, self.tr("返校安排：作息、课业调整、谁每天关注"), 2)
        self.return_plan.setPlainText(referral.return_plan or "")
        self.add_feedback = QCheckBox(self.tr("记一次反馈(&F)"), self)
        self.feedback_day = _date_edit(self)
        self.feedback_note = QLineEdit(self)
        self.feedback_note.setPlaceholderText(self.tr("机构或家长反馈的内容"))
        for w in (self.feedback_day, self.feedback_note):
            w.setEnabled(False)
            self.add_feedback.toggled.connect(w.setEnabled)
        fb = QHBoxLayout()
        fb.addWidget(self.feedback_day)
        fb.addWidget(self.feedback_note, 1)
        form = QFormLayout()
        for text, w in ((self.tr("结果(&O)："), self.outcome), (self.tr("就诊情况(&V)："), self.outcome_note),
                        (self.tr("家长告知的诊断(&Z)："), self.diagnosis),
                        (self.tr("返校方案(&B)："), self.return_plan)):
            lab = QLabel(text, self)
            lab.setBuddy(w)
            form.addRow(lab, w)
        form.addRow(self.add_feedback, fb)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, self.tr("保存")))
        self.resize(self.fontMetrics().horizontalAdvance("中") * 40, self.sizeHint().height())

    def submit(self) -> None:
        ctx, rid = self.ctx, self.referral.id
        fb = ((self.feedback_day.date().toPython(), self.feedback_note.text())
              if self.add_feedback.isChecked() else None)
        kw = dict(outcome=self.outcome.currentData(), outcome_note=self.outcome_note.toPlainText(),
                  diagnosis_shared=self.diagnosis.text(), return_plan=self.return_plan.toPlainText(), feedback=fb)
        (BackgroundOp(self, lambda _t: C.update_referral(ctx, rid, **kw), title=self.tr("正在保存…"),
                      cancellable=False)
         .success(lambda _r: self.accept()).failure(self.banner.show_user_error).run())
