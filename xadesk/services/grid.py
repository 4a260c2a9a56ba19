"""The warning grid, part 1: the school's levels and rules, proposals, the review queue, follow-up
interviews (复核访谈) and decisions, and the capacity view.

How a student gets a level
--------------------------
1. *Proposals* come from screening evidence (``propose_from_evidence``; per campaign:
   ``grid_screening.propose_for_campaign``), from homeroom observations or referrals
   (``propose_manual``), or from a crisis event (``grid_care.record_crisis``). Each records the rule
   that made it (``rule_key``, ``rule_version``, ``rule_label``). The safety floor (``xadesk.grid.safety``)
   always proposes; no rule edit reaches it. Invalid answering is marked ``validity_review``, not graded.
2. The counselor works the *review queue* (``xadesk.grid.queue.review_queue``, re-exported here): one
   row per student, most severe first.
3. A *follow-up interview* is recorded (``record_interview``: who, when, findings, recommended level).
4. A *decision* (``decide``) needs that interview; a level other than the proposed one needs a reason.
   ``bulk_confirm`` decides many at once where the interview agreed with the proposal (and, if asked,
   a homeroom observation agreed too). The decision opens or changes the student's case, writes the
   level history and leaves notices for the roles the level says must be told.

Screens: settings page (``levels``/``set_level``, ``rules``/``save_rule``/``set_rule_enabled``,
``settings``/``set_release_approval``/``set_interview_capacity``/``set_crisis_checklist``), review queue
(``review_queue`` + ``capacity``), interview dialog (``record_interview``), decision dialog (``decide``).
Who: settings, review and decisions need ``grid.manage``; ``propose_manual`` needs ``grid.propose`` and
scope. Homeroom teachers never see rule labels or scores (they name the item answered), only the source.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..compartment import content
from ..errors import NotFound, UserError
from ..grid import due as D
from ..grid import levels as LV
from ..grid.evidence import ScreeningEvidence
from ..grid.propose import ProposalDraft, propose
from ..grid.queue import SOURCES as SOURCES
from ..grid.queue import CapacityView as CapacityView
from ..grid.queue import InterviewRow as InterviewRow
from ..grid.queue import ProposalRow as ProposalRow
from ..grid.queue import QueueRow as QueueRow
from ..grid.queue import capacity as capacity
from ..grid.queue import interview_row as interview_row
from ..grid.queue import pending_proposals, proposal_row, proposed_level, unused_interview
from ..grid.queue import review_queue as review_queue
from ..grid.rules import Rule, check_rule
from ..storage.models import Student, User
from ..storage.models_grid import (
    GridCase,
    GridDecision,
    GridInterview,
    GridLevel,
    GridLevelChange,
    GridProposal,
    GridRule,
)
from ..storage.models_screening import ScreeningAlert
from . import audit
from . import grid_base as B
from .context import AppContext
from .login import now_utc

MANUAL_SOURCES = ("observation", "referral", "manual")
ALERT_DECIDED_NOTE = "已复核访谈并作出预警决定"


# --- levels ------------------------------------------------------------------------------------

def levels(ctx: AppContext) -> list[LV.Level]:
    ctx.require("grid.read")
    with ctx.db.read() as s:
        return list(B.load_levels(s).values())


def set_level(ctx: AppContext, code: str, **changes) -> LV.Level:
    """Edit one level's name, colour, meaning, follow-up frequency or who must be told (audited)."""
    ctx.require("grid.manage")
    code = LV.check_code(code)
    with ctx.db.write() as s:
        current = B.load_levels(s)[code]
        new = LV.edited(current, **changes)
        row = s.get(GridLevel, code)
        if row is None:
            row = GridLevel(code=code)
            s.add(row)
        row.name, row.colour, row.colour_hex, row.meaning = new.name.strip(), new.colour, new.colour_hex, new.meaning
        row.follow_up_days, row.notify_roles = new.follow_up_days, json.dumps(list(new.notify_roles))
        row.updated_at, row.updated_by = now_utc(), ctx.actor.user_id
        audit.record_for(ctx, s, "grid.settings", target=f"level:{code}", detail={"fields": sorted(changes)})
        return new


# --- rules -------------------------------------------------------------------------------------

def rules(ctx: AppContext, *, include_retired: bool = False) -> list[Rule]:
    ctx.require("grid.manage")
    with ctx.db.read() as s:
        return B.load_rules(s, include_retired=include_retired)


def _materialise(ctx: AppContext, s: Session) -> None:
    """Store the shipped defaults as version 1 the first time the school edits any rule."""
    if s.scalar(select(func.count()).select_from(GridRule)):
        return
    for r in B.load_rules(s):
        s.add(GridRule(key=r.key, version=1, status="active", name=r.name, level_code=r.level,
                       when_json=json.dumps(r.when, ensure_ascii=False), near_margin=r.near_margin,
                       enabled=r.enabled, note=r.note or "默认规则", created_at=now_utc(), created_by=None))
    s.flush()


def save_rule(ctx: AppContext, rule: Rule) -> Rule:
    """Add a rule, or a new version of one (the old version is retired, never deleted)."""
    ctx.require("grid.manage")
    rule = check_rule(replace(rule, key=rule.key.strip(), name=rule.name.strip(), level=LV.check_code(rule.level)))
    with ctx.db.write() as s:
        _materialise(ctx, s)
        latest = s.scalars(select(GridRule).where(GridRule.key == rule.key)
                           .order_by(GridRule.version.desc())).first()
        version = (latest.version + 1) if latest else 1
        if latest is not None:
            for old in s.scalars(select(GridRule).where(GridRule.key == rule.key, GridRule.status == "active")):
                old.status = "retired"
        row = GridRule(key=rule.key, version=version, status="active", name=rule.name, level_code=rule.level,
                       when_json=json.dumps(rule.when, ensure_ascii=False), near_margin=rule.near_margin,
                       enabled=rule.enabled, note=rule.note, created_at=now_utc(), created_by=ctx.actor.user_id)
        s.add(row)
        s.flush()
        audit.record_for(ctx, s, "grid.rule", target=rule.key,
                         detail={"version": version, "level": rule.level, "enabled": rule.enabled})
        return B.rule_from_row(row)


def set_rule_enabled(ctx: AppContext, key: str, enabled: bool) -> Rule:
    ctx.require("grid.manage")
    with ctx.db.read() as s:
        current = next((r for r in B.load_rules(s) if r.key == key), None)
    if current is None:
        raise NotFound(f"没有编号为 {key} 的规则。", f"No rule {key}.")
    return save_rule(ctx, replace(current, enabled=enabled))


# --- settings ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class GridSettings:
    release_approval: dict[str, str]        # level code -> "leader" / "counselor"
    interviews_per_week: dict[int, int]     # counselor user id -> interviews a week
    crisis_checklist: tuple[str, ...]


def settings(ctx: AppContext) -> GridSettings:
    ctx.require("grid.read")
    with ctx.db.read() as s:
        return GridSettings(B.release_approval(s), B.capacity_map(s),
                            tuple(B.get_setting(s, "crisis_checklist", list(B.DEFAULT_CRISIS_CHECKLIST))))


def set_release_approval(ctx: AppContext, level: str, approver: str) -> None:
    """Who approves release from ``level``: ``leader`` (a school leader) or ``counselor``."""
    ctx.require("grid.manage")
    code = LV.check_code(level)
    if approver not in B.APPROVER_ROLES:
        raise UserError("审批人只能是 校领导（leader）或 心理健康教师（counselor）。",
                        "The approver is leader or counselor.", field="approver")
    with ctx.db.write() as s:
        current = B.get_setting(s, "release_approval", {})
        current[code] = approver
        B.put_setting(ctx, s, "release_approval", current)
        audit.record_for(ctx, s, "grid.settings", target="release_approval", detail={code: approver})


def set_interview_capacity(ctx: AppContext, per_week: int, *, counselor_id: int | None = None) -> None:
    """Follow-up interviews a counselor can hold in a week (one counselor, or every counselor)."""
    ctx.require("grid.manage")
    if isinstance(per_week, bool) or not isinstance(per_week, int) or not 0 <= per_week <= 200:
        raise UserError("每周访谈容量须为 0–200 的整数。", "Weekly capacity must be 0–200.", field="per_week")
    with ctx.db.write() as s:
        current = B.get_setting(s, "interviews_per_week", {})
        targets = [counselor_id] if counselor_id is not None else list(B.capacity_map(s))
        for uid in targets:
            current[str(uid)] = per_week
        B.put_setting(ctx, s, "interviews_per_week", current)
        audit.record_for(ctx, s, "grid.settings", target="interviews_per_week", detail={"per_week": per_week})


def set_crisis_checklist(ctx: AppContext, steps: Sequence[str]) -> None:
    ctx.require("grid.manage")
    clean = [x.strip() for x in steps if x and x.strip()]
    if not clean:
        raise UserError("应急处置清单至少需要一项。", "The checklist needs at least one step.", field="steps")
    with ctx.db.write() as s:
        B.put_setting(ctx, s, "crisis_checklist", clean)
        audit.record_for(ctx, s, "grid.settings", target="crisis_checklist", detail={"steps": len(clean)})


# --- proposals ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProposeSummary:
    proposed: int           # students given a level
    validity_review: int    # students whose answers need review before grading
    near: int               # near-threshold students (shown apart)
    safety: int             # students proposed by the safety floor
    replaced: int           # earlier pending proposals of the same campaign withdrawn


def _store_draft(ctx: AppContext, s: Session, d: ProposalDraft) -> GridProposal:
    row = GridProposal(
        student_id=d.student_id, campaign_id=d.campaign_id, source="screening", level_code=d.level,
        near_level=d.near_level, rule_key=d.rule_key, rule_version=d.rule_version, rule_label=d.rule_label,
        matches_json=json.dumps([m.to_json() for m in (*d.matches, *d.near)], ensure_ascii=False),
        evidence_json=json.dumps(d.evidence, ensure_ascii=False, default=str), safety=d.safety,
        near=d.is_near_only, validity_review=d.validity_review, status="pending", created_at=now_utc(),
        created_by_id=ctx.actor.user_id, created_by_name=ctx.actor.display_name)
    s.add(row)
    return row


def propose_from_evidence(ctx: AppContext, evidence: Iterable[ScreeningEvidence]) -> ProposeSummary:
    """Run the school's rules (and the safety floor) over screening evidence and store the proposals.

    Proposing again for a campaign withdraws that campaign's earlier *pending* proposals first (a
    rescore or a rule edit), so the queue holds one proposal per student per campaign; decided ones stay.
    """
    ctx.require("grid.manage")
    evs = list(evidence)
    with ctx.db.write() as s:
        known = set(s.scalars(select(Student.id).where(Student.id.in_({e.student_id for e in evs}))))
        missing = {e.student_id for e in evs} - known
        if missing:
            raise NotFound(f"有 {len(missing)} 条测评结果找不到对应学生。", f"{len(missing)} results name no student.")
        drafts = propose(evs, B.load_rules(s))
        campaigns = {e.campaign_id for e in evs if e.campaign_id is not None}
        covers = {(d.student_id, d.campaign_id): (d.level, {m.rule_key for m in d.matches if m.safety})
                  for d in drafts}
        replaced = 0
        if campaigns:
            for old in s.scalars(select(GridProposal).where(GridProposal.campaign_id.in_(campaigns),
                                                            GridProposal.source == "screening",
                                                            GridProposal.status == "pending",
                                                            GridProposal.student_id.in_(known))):
                if old.safety and not _replaces(covers.get((old.student_id, old.campaign_id)), old):
                    continue    # a safety proposal leaves only by a decision, or for one saying as much
                old.status = "withdrawn"
                replaced += 1
        for d in drafts:
            row = _store_draft(ctx, s, d)
            s.flush()
            if d.level is not None:
                audit.record_for(ctx, s, "grid.propose", student_id=d.student_id, target=str(row.id),
                                 detail={"level": d.level, "rule": d.rule_key, "campaign": d.campaign_id})
        summary = ProposeSummary(sum(d.level is not None for d in drafts), sum(d.validity_review for d in drafts),
                                 sum(d.is_near_only for d in drafts), sum(d.safety for d in drafts), replaced)
        audit.record_for(ctx, s, "grid.propose", target=",".join(str(c) for c in sorted(campaigns)) or None,
                         detail={"proposed": summary.proposed, "validity_review": summary.validity_review,
                                 "near": summary.near, "safety": summary.safety})
        return summary


def _replaces(new: tuple[str | None, set[str]] | None, old: GridProposal) -> bool:
    """A new proposal may take a pending safety proposal's place only when it names every safety
    reason the old one did, at a level at least as severe."""
    if new is None:
        return False
    level, keys = new
    old_keys = {m["rule"] for m in json.loads(old.matches_json or "[]") if m.get("safety")} | {old.rule_key}
    old_keys = {k for k in old_keys if k.startswith("safety:")} or {old.rule_key}
    severe_enough = old.level_code is None or (level is not None and LV.RANK[level] <= LV.RANK[old.level_code])
    return old_keys <= keys and severe_enough


def propose_manual(ctx: AppContext, student_id: int, level: str, reason: str, source: str = "observation") -> ProposalRow:
    """A level proposed by a person: a homeroom observation, a referral (parent, teacher, the student
    themself) or the counselor's own judgement. It joins the review queue like a screening proposal."""
    ctx.require("grid.propose")
    if source not in MANUAL_SOURCES:
        raise UserError(f"来源须为：{'、'.join(f'{SOURCES[x]}（{x}）' for x in MANUAL_SOURCES)}",
                        f"Source must be one of {', '.join(MANUAL_SOURCES)}.", field="source")
    text = B.text_field(reason, "理由（看到或听到了什么）", "reason", "reason")
    with ctx.db.write() as s:
        code = LV.resolve(level, B.load_levels(s))
        st = B.scoped_student(ctx, s, student_id)
        if st.status != "enrolled":
            raise UserError("该学生已不在读，不能提出预警。", "This student is not enrolled.")
        row = GridProposal(student_id=st.id, campaign_id=None, source=source, level_code=code, rule_key=f"manual:{source}",
                           rule_version=None, rule_label=f"{SOURCES[source]}：{ctx.actor.display_name}",
                           matches_json="[]", reason=text, status="pending", created_at=now_utc(),
                           created_by_id=ctx.actor.user_id, created_by_name=ctx.actor.display_name)
        s.add(row)
        s.flush()
        audit.record_for(ctx, s, "grid.propose", student_id=st.id, target=str(row.id),
                         detail={"level": code, "source": source})
        B.notify(ctx, s, st, "proposal", level=code, permission="grid.manage")
        return proposal_row(row, ctx)


def withdraw_proposal(ctx: AppContext, proposal_id: int, reason: str) -> None:
    ctx.require("grid.manage")
    text = B.text_field(reason, "撤回理由", "reason", "reason")
    with ctx.db.write() as s:
        p = s.get(GridProposal, proposal_id)
        if p is None:
            raise NotFound("找不到该预警建议。", "Proposal not found.")
        B.scoped_student(ctx, s, p.student_id)
        if p.status != "pending":
            raise UserError("该建议已处理，不能撤回。", "This proposal was already dealt with.")
        if p.safety:
            raise UserError("安全底线提出的建议不能撤回：请记录复核访谈后作出决定。",
                            "A safety-floor proposal cannot be withdrawn: interview the student and decide.")
        p.status = "withdrawn"
        audit.record_for(ctx, s, "grid.withdraw", student_id=p.student_id, target=str(p.id),
                         detail={"reason_length": len(text)})


# --- interviews and decisions ------------------------------------------------------------------

def record_interview(ctx: AppContext, student_id: int, *, held_at: datetime, findings: str,
                     recommendation: str | None, interviewer_id: int | None = None,
                     now: datetime | None = None) -> InterviewRow:
    """A follow-up interview (复核访谈): who held it, when, what was found, what level they recommend
    (``None`` / "none": not on the list). Findings are counselling notes: only ``counselling.read`` sees them."""
    ctx.require("grid.manage")
    if ctx.counselling_key is None:
        raise content.locked()
    text = B.text_field(findings, "访谈发现", "findings", "findings")
    # ``held_at`` is what the counselor typed: local wall-clock time (naive) or an aware time. Stored in
    # UTC like every other timestamp, compared with the clock in UTC; shown in local time again.
    held_utc = held_at.astimezone(UTC).replace(tzinfo=None)
    now_u = now.astimezone(UTC).replace(tzinfo=None) if now is not None else now_utc()
    if held_utc > now_u + timedelta(minutes=5):
        raise UserError("访谈时间在现在之后，请检查。", "The interview time is in the future.", field="held_at")
    with ctx.db.write() as s:
        st = B.scoped_student(ctx, s, student_id)
        rec = LV.resolve(recommendation, B.load_levels(s), allow_none=True)
        uid = interviewer_id or ctx.actor.user_id
        user = s.get(User, uid)
        if user is None or not user.active:
            raise NotFound("找不到访谈人账号。", "Interviewer not found.", field="interviewer")
        row = GridInterview(student_id=st.id, interviewer_id=user.id, interviewer_name=user.display_name,
                            held_at=held_utc, findings="", recommendation=rec or LV.NONE,
                            created_at=now_utc(), created_by_id=ctx.actor.user_id)
        s.add(row)
        s.flush()
        # Sealed to the row's id, so it is known only after the insert (same transaction).
        row.findings = content.seal_findings(ctx.counselling_key, row.id, text)
        s.flush()
        audit.record_for(ctx, s, "grid.interview", student_id=st.id, target=str(row.id),
                         detail={"recommendation": rec or LV.NONE})
        return interview_row(row, ctx, False)


@dataclass(frozen=True)
class DecisionRow:
    id: int
    student_id: int
    proposed_level: str | None
    decided_level: str | None
    override: bool
    interview_id: int
    case_id: int | None
    notified: int


def _decide(ctx: AppContext, s: Session, st: Student, *, interview: GridInterview, level: str | None,
            reason: str | None, contact_id: int | None, today: date, bulk: bool) -> DecisionRow:
    if interview.student_id != st.id:
        raise UserError("这次复核访谈不是该学生的。", "The interview is about another student.", field="interview")
    if s.scalar(select(GridDecision.id).where(GridDecision.interview_id == interview.id)) is not None:
        raise UserError("这次复核访谈已用于一次决定，请先记录新的复核访谈。",
                        "That interview already supports a decision: record a new interview.", field="interview")
    pending = pending_proposals(s, [st.id]).get(st.id, [])
    case = B.open_case(s, st.id)
    if not pending and case is None:
        raise UserError("该学生没有待复核的预警建议，也不在预警名单上：请先提出预警建议。",
                        "No pending proposal and not on the list: propose a level first.")
    proposed = proposed_level(pending) if pending else case.level_code
    override = level != proposed
    why = (reason or "").strip()
    if override and not why:
        lv = B.load_levels(s)
        names = {c: lv[c].label for c in LV.LEVEL_CODES} | {None: "不列入名单"}
        raise UserError(f"决定的等级（{names[level]}）与建议（{names[proposed]}）不同，请填写理由。",
                        "The decided level differs from the proposal: give a reason.", field="reason")
    if level is None and case is not None:
        raise UserError("该学生已在预警名单上：解除须走“解除预警”审批。",
                        "The student is on the list: use a release request to take them off.")
    dec = GridDecision(student_id=st.id, interview_id=interview.id, proposed_level=proposed, decided_level=level,
                       override_reason=why or None, bulk=bulk, decided_at=now_utc(),
                       decided_by_id=ctx.actor.user_id, decided_by_name=ctx.actor.display_name)
    s.add(dec)
    s.flush()
    for p in pending:
        p.status, p.decision_id = "decided", dec.id
    # The screening alerts behind the decided proposals are dealt with now: they leave 待处理.
    campaigns = {p.campaign_id for p in pending if p.campaign_id is not None}
    if campaigns:
        for a in s.scalars(select(ScreeningAlert).where(ScreeningAlert.student_id == st.id,
                                                        ScreeningAlert.campaign_id.in_(campaigns),
                                                        ScreeningAlert.acknowledged_at.is_(None))):
            a.acknowledged_at, a.acknowledged_by, a.note = now_utc(), ctx.actor.user_id, ALERT_DECIDED_NOTE
    notified = 0
    if level is not None:
        lv = B.load_levels(s)[level]
        terms = B.terms(s)
        if case is None:
            case = GridCase(student_id=st.id, level_code=level, status="active", opened_on=today, goal="",
                            frequency_days=lv.follow_up_days, next_due=D.next_due(today, lv.follow_up_days, terms),
                            created_at=now_utc(), updated_at=now_utc())
            s.add(case)
            s.flush()
            prev = None
        else:
            prev = case.level_code
        if prev != level:
            if prev is not None:
                old_default = B.load_levels(s)[prev].follow_up_days
                if case.frequency_days == old_default:
                    case.frequency_days = lv.follow_up_days
                sooner = D.next_due(today, case.frequency_days, terms)
                case.next_due = min(case.next_due, sooner) if case.next_due else sooner
            case.level_code = level
            case.updated_at = now_utc()
            s.add(GridLevelChange(case_id=case.id, student_id=st.id, from_level=prev, to_level=level, changed_on=today,
                                  reason=why or ("确认建议等级" if prev is None else "复核后调整"), decision_id=dec.id,
                                  by_id=ctx.actor.user_id, by_name=ctx.actor.display_name, created_at=now_utc()))
            notified = B.notify(ctx, s, st, "level", level=level, roles=lv.notify_roles)
        if contact_id is not None:
            B.set_contact_in(ctx, s, st, case, contact_id)
    audit.record_for(ctx, s, "grid.decide", student_id=st.id, target=str(dec.id),
                     detail={"proposed": proposed, "decided": level, "override": override, "bulk": bulk,
                             "interview": interview.id})
    return DecisionRow(dec.id, st.id, proposed, level, override, interview.id, case.id if case else None, notified)


def decide(ctx: AppContext, student_id: int, *, interview_id: int, level: str | None, reason: str | None = None,
           contact_id: int | None = None, today: date | None = None) -> DecisionRow:
    """Decide a student's level after a recorded interview. ``level`` None: not placed on the list.
    A level other than the proposed one (or the current one) needs ``reason``."""
    ctx.require("grid.manage")
    with ctx.db.write() as s:
        st = B.scoped_student(ctx, s, student_id)
        interview = s.get(GridInterview, interview_id)
        if interview is None:
            raise UserError("作出决定前须先记录复核访谈（访谈人、时间、发现、建议）。",
                            "Record the follow-up interview before deciding.", field="interview")
        code = LV.resolve(level, B.load_levels(s), allow_none=True)
        return _decide(ctx, s, st, interview=interview, level=code, reason=reason, contact_id=contact_id,
                       today=today or date.today(), bulk=False)


@dataclass(frozen=True)
class BulkResult:
    decided: tuple[DecisionRow, ...]
    skipped: tuple[tuple[int, str], ...]  # (student id, why)


def bulk_confirm(ctx: AppContext, student_ids: Iterable[int], *, require_observation: bool = False,
                 today: date | None = None) -> BulkResult:
    """Confirm the proposed level for many students at once — only where a follow-up interview is
    recorded and recommends exactly the proposed level (no override, so no reason is needed), and,
    with ``require_observation``, a pending homeroom observation proposes the same level as the
    screening. Everyone else is skipped with the reason, for one-by-one review."""
    ctx.require("grid.manage")
    day = today or date.today()
    decided, skipped = [], []
    with ctx.db.write() as s:
        for sid in dict.fromkeys(student_ids):
            st = B.scoped_student(ctx, s, sid)
            ps = pending_proposals(s, [sid]).get(sid, [])
            graded = [p for p in ps if not p.near]
            level = proposed_level(graded)
            if level is None:
                skipped.append((sid, "没有可确认的建议等级"))
                continue
            interview = unused_interview(s, sid)
            if interview is None:
                skipped.append((sid, "尚未记录复核访谈"))
                continue
            if interview.recommendation != level:
                skipped.append((sid, "复核访谈的建议与建议等级不一致"))
                continue
            if require_observation:
                scr = proposed_level([p for p in graded if p.source == "screening"])
                obs = proposed_level([p for p in graded if p.source == "observation"])
                if scr is None or scr != obs:
                    skipped.append((sid, "筛查与班主任观察不一致"))
                    continue
            decided.append(_decide(ctx, s, st, interview=interview, level=level, reason=None, contact_id=None,
                                   today=day, bulk=True))
    return BulkResult(tuple(decided), tuple(skipped))
