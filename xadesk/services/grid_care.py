"""The warning grid, part 3: green-channel referrals (绿色通道), crisis events (应急处置) and release
from the list (解除预警).

Screens: a student's tracking page lists these (``grid_tracking.student_record``) and opens
dialogs for ``add_referral`` / ``update_referral``, ``record_crisis`` (pre-filled from
``crisis_checklist``), ``request_release`` and, for approvers, ``pending_releases`` +
``decide_release``.

Who: referrals and release requests need ``grid.manage``; a crisis event can be recorded by anyone
with ``grid.followup`` in scope (a homeroom teacher is often first on the scene). Release approval
is set per level by the school (``grid.set_release_approval``; default: a school leader —
``grid.approve`` — for 一级, a counselor — ``grid.manage`` — for the others). Referral diagnoses and
clinical notes are shown only to ``counselling.read``; a homeroom teacher sees the institution, dates,
outcome and the return-to-school plan they help carry out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..errors import NotFound, PermissionDenied, UserError
from ..grid import levels as LV
from ..storage.models import Student
from ..storage.models_grid import GridCrisis, GridLevelChange, GridProposal, GridReferral, GridRelease
from . import audit
from . import grid_base as B
from .context import AppContext
from .login import now_utc

OUTCOMES = {"pending": "等待就诊/结果", "assessed_no_treatment": "已评估，无需治疗", "outpatient": "门诊治疗",
            "hospitalised": "住院治疗", "declined": "家长拒绝就诊", "other": "其他"}
EVIDENCE_KINDS = {"rescreen": "再次筛查", "interview": "复核访谈", "doctor": "医生反馈"}


# --- referrals ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReferralRow:
    id: int
    student_id: int
    institution: str
    referred_on: date
    accompanied_by: str
    guardian_informed: bool
    guardian_informed_on: date | None
    guardian_consent: bool
    outcome: str
    outcome_label: str
    outcome_note: str | None       # None unless counselling.read
    diagnosis_shared: str | None   # None unless counselling.read
    consent_note: str | None
    return_plan: str
    feedback: tuple[dict, ...]     # [{"date", "note"}] (notes None unless counselling.read)
    created_by_name: str


def referral_row(r: GridReferral, ctx: AppContext) -> ReferralRow:
    notes = ctx.actor.can("counselling.read")
    feedback = tuple(f if notes else {"date": f.get("date"), "note": None} for f in json.loads(r.feedback_json or "[]"))
    return ReferralRow(r.id, r.student_id, r.institution, r.referred_on, r.accompanied_by, r.guardian_informed,
                       r.guardian_informed_on, r.guardian_consent, r.outcome, OUTCOMES.get(r.outcome, r.outcome),
                       r.outcome_note if notes else None, r.diagnosis_shared if notes else None,
                       r.consent_note if notes else None, r.return_plan, feedback, r.created_by_name)


def add_referral(ctx: AppContext, student_id: int, *, institution: str, referred_on: date, accompanied_by: str,
                 guardian_informed: bool, guardian_consent: bool, guardian_informed_on: date | None = None,
                 consent_note: str = "", today: date | None = None) -> ReferralRow:
    """A referral through the green channel: where, when, who went along, the guardian told and consenting."""
    ctx.require("grid.manage")
    day = B.past_day(referred_on, today, "referred_on")
    inst = B.text_field(institution, "转介机构", "institution", "institution")
    if guardian_consent and not guardian_informed:
        raise UserError("监护人同意的前提是已告知监护人。", "Consent requires the guardian to have been informed.",
                        field="guardian_informed")
    with ctx.db.write() as s:
        st = B.scoped_student(ctx, s, student_id)
        case = B.open_case(s, st.id)
        row = GridReferral(student_id=st.id, case_id=case.id if case else None, institution=inst, referred_on=day,
                           accompanied_by=(accompanied_by or "").strip(), guardian_informed=guardian_informed,
                           guardian_informed_on=guardian_informed_on if guardian_informed else None,
                           guardian_consent=guardian_consent, consent_note=(consent_note or "").strip(),
                           outcome="pending", created_by_id=ctx.actor.user_id, created_by_name=ctx.actor.display_name,
                           created_at=now_utc(), updated_at=now_utc())
        s.add(row)
        s.flush()
        audit.record_for(ctx, s, "grid.referral", student_id=st.id, target=str(row.id),
                         detail={"consent": guardian_consent, "informed": guardian_informed})
        return referral_row(row, ctx)


def update_referral(ctx: AppContext, referral_id: int, *, outcome: str | None = None, outcome_note: str | None = None,
                    diagnosis_shared: str | None = None, return_plan: str | None = None,
                    feedback: tuple[date, str] | None = None, today: date | None = None) -> ReferralRow:
    """Record what came of a referral: outcome, what the family shares of a diagnosis (only that),
    the return-to-school plan, and each feedback contact with the institution or family (dated)."""
    ctx.require("grid.manage")
    if outcome is not None and outcome not in OUTCOMES:
        inv = {v: k for k, v in OUTCOMES.items()}
        if outcome not in inv:
            raise UserError(f"转介结果须为：{'、'.join(OUTCOMES.values())}", "Unknown outcome.", field="outcome")
        outcome = inv[outcome]
    with ctx.db.write() as s:
        r = s.get(GridReferral, referral_id)
        if r is None:
            raise NotFound("找不到该转介记录。", "Referral not found.")
        B.scoped_student(ctx, s, r.student_id)
        changed = []
        if outcome is not None:
            r.outcome = outcome
            changed.append("outcome")
        for name, value in (("outcome_note", outcome_note), ("diagnosis_shared", diagnosis_shared),
                            ("return_plan", return_plan)):
            if value is not None:
                setattr(r, name, B.text_field(value, "内容", "text", name, required=False))
                changed.append(name)
        if feedback is not None:
            fday = B.past_day(feedback[0], today, "feedback")
            items = json.loads(r.feedback_json or "[]")
            items.append({"date": fday.isoformat(), "note": B.text_field(feedback[1], "反馈内容", "feedback",
                                                                         "feedback")})
            items.sort(key=lambda f: f["date"])
            r.feedback_json = json.dumps(items, ensure_ascii=False)
            changed.append("feedback")
        r.updated_at = now_utc()
        audit.record_for(ctx, s, "grid.referral", student_id=r.student_id, target=str(r.id),
                         detail={"fields": changed, "outcome": r.outcome})
        return referral_row(r, ctx)


# --- crisis events -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CrisisStep:
    step: str
    done: bool
    at: datetime | None = None
    by: str = ""


@dataclass(frozen=True)
class CrisisCall:
    who: str         # "监护人（母亲）", "120", "分管副校长"
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class CrisisRow:
    id: int
    student_id: int
    occurred_at: datetime
    summary: str
    steps: tuple[dict, ...]
    calls: tuple[dict, ...]
    actions: str
    recorded_by_name: str


def crisis_row(c: GridCrisis) -> CrisisRow:
    return CrisisRow(c.id, c.student_id, c.occurred_at, c.summary, tuple(json.loads(c.checklist_json or "[]")),
                     tuple(json.loads(c.calls_json or "[]")), c.actions, c.recorded_by_name)


def crisis_checklist(ctx: AppContext) -> list[CrisisStep]:
    """The school's emergency checklist as unticked steps, for the crisis dialog to fill in."""
    ctx.require("grid.read")
    with ctx.db.read() as s:
        steps = B.get_setting(s, "crisis_checklist", list(B.DEFAULT_CRISIS_CHECKLIST))
    return [CrisisStep(x, False) for x in steps]


def record_crisis(ctx: AppContext, student_id: int, *, occurred_at: datetime, summary: str,
                  steps: Sequence[CrisisStep], calls: Sequence[CrisisCall] = (), actions: str = "") -> CrisisRow:
    """A crisis event with the checklist as handled (who was called and when, what was done). It goes
    into the student's history and, unless the student is already at 一级, proposes 一级 for review."""
    ctx.require("grid.followup")
    text = B.text_field(summary, "事件经过", "what happened", "summary")
    if not steps:
        raise UserError("请按应急处置清单逐项记录。", "Record the checklist steps.", field="steps")
    for c in calls:
        if not c.who.strip():
            raise UserError("请填写联系了谁。", "Say who was called.", field="calls")
    with ctx.db.write() as s:
        st = B.scoped_student(ctx, s, student_id)
        case = B.open_case(s, st.id)
        row = GridCrisis(student_id=st.id, case_id=case.id if case else None, occurred_at=occurred_at.replace(tzinfo=None),
                         summary=text,
                         checklist_json=json.dumps([{"step": x.step, "done": x.done, "at": B.iso(x.at), "by": x.by}
                                                    for x in steps], ensure_ascii=False),
                         calls_json=json.dumps([{"who": c.who.strip(), "at": B.iso(c.at), "note": c.note} for c in calls],
                                               ensure_ascii=False),
                         actions=(actions or "").strip(), recorded_by_id=ctx.actor.user_id,
                         recorded_by_name=ctx.actor.display_name, created_at=now_utc())
        s.add(row)
        s.flush()
        if case is None or case.level_code != LV.L1:
            s.add(GridProposal(student_id=st.id, campaign_id=None, source="crisis", level_code=LV.L1,
                               rule_key="crisis", rule_version=None, rule_label="危机事件", matches_json="[]",
                               reason=None, safety=True, status="pending", created_at=now_utc(),
                               created_by_id=ctx.actor.user_id, created_by_name=ctx.actor.display_name))
        B.notify(ctx, s, st, "crisis", level=LV.L1, roles=("counselor", "leader"))
        audit.record_for(ctx, s, "grid.crisis", student_id=st.id, target=str(row.id),
                         detail={"steps_done": sum(x.done for x in steps), "steps": len(steps), "calls": len(calls)})
        return crisis_row(row)


# --- release -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReleaseEvidence:
    kind: str        # rescreen / interview / doctor
    date: date
    note: str


@dataclass(frozen=True)
class ReleaseRow:
    id: int
    student_id: int
    student_no: str | None
    name: str | None
    level: str
    reason: str | None          # None unless counselling.read or the approver
    evidence: tuple[dict, ...]
    approver_role: str
    status: str
    requested_by_name: str
    requested_at: datetime
    decided_by_name: str | None
    decided_at: datetime | None
    decision_note: str | None


def release_row(r: GridRelease, ctx: AppContext, st: Student | None = None) -> ReleaseRow:
    may = ctx.actor.can("counselling.read") or ctx.actor.can(B.APPROVER_ROLES[r.approver_role][1])
    ev = tuple(json.loads(r.evidence_json or "[]"))
    if not may:
        ev = tuple({"kind": e["kind"], "date": e["date"], "note": None} for e in ev)
    return ReleaseRow(r.id, r.student_id, st.student_no if st else None, st.name if st else None, r.level_code,
                      r.reason if may else None, ev, r.approver_role, r.status, r.requested_by_name, r.requested_at,
                      r.decided_by_name, r.decided_at, r.decision_note if may else None)


def request_release(ctx: AppContext, student_id: int, *, reason: str, evidence: Sequence[ReleaseEvidence],
                    today: date | None = None) -> ReleaseRow:
    """Ask to take a student off the list. Needs a reason and at least one piece of evidence (a
    re-screen, an interview, a doctor's feedback); waits for the approval the school set for the level."""
    ctx.require("grid.manage")
    text = B.text_field(reason, "解除理由", "reason", "reason")
    if not evidence:
        raise UserError("解除预警须附依据：再次筛查、复核访谈或医生反馈，至少一项。",
                        "Release needs evidence: a re-screen, an interview or a doctor's feedback.", field="evidence")
    items = []
    for e in evidence:
        if e.kind not in EVIDENCE_KINDS:
            raise UserError(f"依据类型须为：{'、'.join(EVIDENCE_KINDS.values())}", "Unknown evidence kind.",
                            field="evidence")
        items.append({"kind": e.kind, "date": B.past_day(e.date, today, "evidence").isoformat(),
                      "note": B.text_field(e.note, "依据说明", "evidence note", "evidence")})
    with ctx.db.write() as s:
        st = B.scoped_student(ctx, s, student_id)
        case = B.open_case(s, st.id)
        if case is None:
            raise UserError("该学生不在预警名单上。", "This student is not on the list.")
        if case.status == "release_pending":
            raise UserError("已有一份解除申请在等待审批。", "A release request is already waiting for approval.")
        approver = B.release_approval(s).get(case.level_code, "counselor")
        row = GridRelease(case_id=case.id, student_id=st.id, level_code=case.level_code, reason=text,
                          evidence_json=json.dumps(items, ensure_ascii=False), approver_role=approver, status="pending",
                          requested_by_id=ctx.actor.user_id, requested_by_name=ctx.actor.display_name,
                          requested_at=now_utc())
        s.add(row)
        case.status = "release_pending"
        case.updated_at = now_utc()
        s.flush()
        B.notify(ctx, s, st, "release_request", level=case.level_code, permission=B.APPROVER_ROLES[approver][1])
        audit.record_for(ctx, s, "grid.release.request", student_id=st.id, target=str(row.id),
                         detail={"level": case.level_code, "approver": approver,
                                 "evidence": [i["kind"] for i in items]})
        return release_row(row, ctx, st)


def pending_releases(ctx: AppContext) -> list[ReleaseRow]:
    """Release requests this person may approve."""
    ctx.require("grid.read")
    with ctx.db.read() as s:
        q = (select(GridRelease, Student).join(Student, Student.id == GridRelease.student_id)
             .outerjoin(Student.school_class).where(GridRelease.status == "pending", ctx.actor.student_filter())
             .order_by(GridRelease.requested_at))
        return [release_row(r, ctx, st) for r, st in s.execute(q)
                if ctx.actor.can(B.APPROVER_ROLES[r.approver_role][1])]


def decide_release(ctx: AppContext, release_id: int, *, approve: bool, note: str | None = None,
                   today: date | None = None) -> ReleaseRow:
    """Approve (the student leaves the list; the level history records it) or reject (with a note;
    the case goes back to active)."""
    day = today or date.today()
    with ctx.db.write() as s:
        r = s.get(GridRelease, release_id)
        if r is None:
            raise NotFound("找不到该解除申请。", "Release request not found.")
        label, perm = B.APPROVER_ROLES[r.approver_role]
        if not ctx.actor.can(perm):
            raise PermissionDenied(f"解除该等级的预警须由{label}审批。", f"This release must be approved by a {r.approver_role}.")
        st = B.scoped_student(ctx, s, r.student_id)
        if r.status != "pending":
            raise UserError("该申请已审批过。", "This request was already decided.")
        why = (note or "").strip()
        if not approve and not why:
            raise UserError("不同意解除时请写明原因。", "Give a reason for rejecting.", field="note")
        case = B.open_case(s, st.id)
        r.status = "approved" if approve else "rejected"
        r.decided_by_id, r.decided_by_name, r.decided_at, r.decision_note = (
            ctx.actor.user_id, ctx.actor.display_name, now_utc(), why or None)
        if case is not None:
            if approve:
                case.status, case.closed_on, case.next_due = "released", day, None
                s.add(GridLevelChange(case_id=case.id, student_id=st.id, from_level=case.level_code, to_level=None,
                                      changed_on=day, reason=r.reason, release_id=r.id, by_id=ctx.actor.user_id,
                                      by_name=ctx.actor.display_name, created_at=now_utc()))
            else:
                case.status = "active"
            case.updated_at = now_utc()
        s.flush()
        B.notify(ctx, s, st, "release", level=r.level_code, permission="grid.manage")
        audit.record_for(ctx, s, "grid.release.decide", student_id=st.id, target=str(r.id),
                         detail={"approved": approve})
        return release_row(r, ctx, st)
