"""The warning grid's part of a student's growth archive, and who counts as key-attention.

Sections (names the default transfer policy lets travel, see ``xadesk.archive.document``):

- ``warning_levels``: every level change with its date (full edition: with the reason);
- ``follow_up``: a summary of the tracking (how often, how, over which period); the full edition
  lists each follow-up with what was noted, the transfer edition gives counts and methods only;
- ``referrals``: green-channel referrals with date, institution and outcome; the full edition adds
  what the family chose to share and the return plan;
- ``crisis``: crisis events (full edition only; the default policy does not let it travel, and a
  transfer edition gives dates only should a school add it to its policy).

Key-attention students (重点关注学生, ``--key-only`` exports) are the students currently on the
grid: an open case (active or awaiting release) at any level.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..archive.document import current_options, register_section
from ..archive.transfer import set_key_attention_selector
from ..services.grid_base import OPEN_STATUSES, load_levels
from ..services.grid_care import OUTCOMES
from ..services.grid_tracking import FOLLOW_UP_METHODS
from ..storage.models_grid import GridCase, GridCrisis, GridFollowUp, GridLevelChange, GridReferral
from . import levels as LV


def _label(levels: dict[str, LV.Level], code: str | None) -> str:
    if code is None:
        return "解除预警"
    lv = levels.get(code)
    return lv.label if lv else code


def _notes_visible(edition: str) -> bool:
    """Reasons, clinical notes and what the family shared: the full edition for counselors only
    (as in the grid's own screens); the transfer edition never carries them."""
    opts = current_options()
    return edition == "full" and opts is not None and opts.may_read_counselling


def levels_section(session: Session, student_id: int, edition: str) -> dict | None:
    changes = list(session.scalars(select(GridLevelChange).where(GridLevelChange.student_id == student_id)
                                   .order_by(GridLevelChange.changed_on, GridLevelChange.id)))
    if not changes:
        return None
    levels = load_levels(session)
    full = _notes_visible(edition)
    items = []
    for ch in changes:
        if ch.to_level is None:
            title = f"解除预警（原{_label(levels, ch.from_level)}）"
        elif ch.from_level is None:
            title = f"列入{_label(levels, ch.to_level)}"
        else:
            title = f"{_label(levels, ch.from_level)} → {_label(levels, ch.to_level)}"
        items.append({"date": ch.changed_on.isoformat(), "title": title,
                      "text": (ch.reason or "") if full else "", "from": ch.from_level, "to": ch.to_level})
    case = session.scalar(select(GridCase).where(GridCase.student_id == student_id,
                                                 GridCase.status.in_(OPEN_STATUSES)))
    if case is not None:
        since = next((c.changed_on for c in reversed(changes) if c.to_level == case.level_code), case.opened_on)
        summary = f"当前预警等级：{_label(levels, case.level_code)}，自 {since.isoformat()} 起。"
        if case.status == "release_pending":
            summary += "解除申请待审批。"
    else:
        summary = f"目前不在预警名单中（最近一次调整：{changes[-1].changed_on.isoformat()}）。"
    summary += f"共 {len(changes)} 次等级变动。"
    return {"summary": summary, "items": items, "current": case.level_code if case else None}


def follow_up_section(session: Session, student_id: int, edition: str) -> dict | None:
    rows = list(session.scalars(select(GridFollowUp).where(GridFollowUp.student_id == student_id)
                                .order_by(GridFollowUp.occurred_on, GridFollowUp.id)))
    if not rows:
        return None
    counts: dict[str, int] = {}
    for f in rows:
        label = FOLLOW_UP_METHODS.get(f.method, f.method)
        counts[label] = counts.get(label, 0) + 1
    how = "、".join(f"{k} {n} 次" for k, n in counts.items())
    summary = (f"{rows[0].occurred_on.isoformat()} 至 {rows[-1].occurred_on.isoformat()} 共随访 {len(rows)} 次"
               f"（{how}）。")
    out: dict = {"summary": summary, "count": len(rows), "methods": counts,
                 "first": rows[0].occurred_on.isoformat(), "last": rows[-1].occurred_on.isoformat()}
    if edition == "full":  # the grid shows follow-ups to everyone who may see the student
        out["items"] = [{"date": f.occurred_on.isoformat(), "title": f"随访 · {FOLLOW_UP_METHODS.get(f.method, f.method)}",
                         "text": f.summary, "author": f.by_name} for f in rows]
    return out


def _strip_prefix(text: str, word: str) -> str:
    """"家长告知：轻度抑郁" under the heading 家长告知的诊断 reads twice; keep what follows the word."""
    text = text.strip()
    for colon in ("：", ":"):
        if text.startswith(word + colon):
            return text[len(word) + 1:].strip()
    return text


def referrals_section(session: Session, student_id: int, edition: str) -> dict | None:
    rows = list(session.scalars(select(GridReferral).where(GridReferral.student_id == student_id)
                                .order_by(GridReferral.referred_on, GridReferral.id)))
    if not rows:
        return None
    full = _notes_visible(edition)
    items = []
    for r in rows:
        outcome = OUTCOMES.get(r.outcome, r.outcome)
        parts = [f"转介至{r.institution}", f"结果：{outcome}"]
        if r.guardian_informed:
            parts.append("已告知监护人")
        if full:
            if r.diagnosis_shared:
                parts.append(f"家长告知的诊断：{_strip_prefix(r.diagnosis_shared, '家长告知')}")
            if r.outcome_note:
                parts.append(f"说明：{r.outcome_note}")
            if r.return_plan:
                parts.append(f"返校计划：{r.return_plan}")
            feedback = json.loads(r.feedback_json or "[]")
            if feedback:
                parts.append(f"反馈 {len(feedback)} 次")
        items.append({"date": r.referred_on.isoformat(), "title": "转介（绿色通道）",
                      "text": "；".join(p.rstrip("。；") for p in parts) + "。", "author": r.created_by_name,
                      "institution": r.institution, "outcome": r.outcome})
    return {"summary": f"共转介 {len(rows)} 次，最近一次 {rows[-1].referred_on.isoformat()}。", "items": items}


def crisis_section(session: Session, student_id: int, edition: str) -> dict | None:
    rows = list(session.scalars(select(GridCrisis).where(GridCrisis.student_id == student_id)
                                .order_by(GridCrisis.occurred_at, GridCrisis.id)))
    if not rows:
        return None
    full = _notes_visible(edition)
    items = [{"date": c.occurred_at.date().isoformat(), "title": "危机事件",
              "text": (f"{c.summary}" + (f"；处置：{c.actions}" if c.actions else "")) if full else "已按危机干预流程处置。"}
             for c in rows]
    return {"summary": f"共记录危机事件 {len(rows)} 次。", "items": items}


def key_attention(session: Session, student_ids: list[int]) -> set[int]:
    """Of ``student_ids``, those currently on the warning grid (an open case at any level)."""
    out: set[int] = set()
    for i in range(0, len(student_ids), 900):
        out |= set(session.scalars(select(GridCase.student_id).where(
            GridCase.student_id.in_(student_ids[i:i + 900]), GridCase.status.in_(OPEN_STATUSES))))
    return out


register_section("warning_levels", levels_section, title=("预警等级", "warning levels"), order=20)
register_section("follow_up", follow_up_section, title=("跟踪随访", "follow-up"), order=30)
register_section("referrals", referrals_section, title=("转介（绿色通道）", "referrals"), order=40)
register_section("crisis", crisis_section, title=("危机事件", "crisis events"), order=50)
set_key_attention_selector(key_attention)
