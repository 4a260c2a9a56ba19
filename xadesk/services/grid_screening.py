"""Screening campaigns → warning-grid proposals.

``propose_for_campaign(ctx, campaign)`` reads the campaign's *current* scores (superseded rescores
are ignored) from the screening tables, turns each (student, instrument) into a
``ScreeningEvidence`` — scale raw / T / band, the engine's flags, the safety flag, validity — and
runs ``grid.propose_from_evidence``. Running it again (after a rescore, late answers or a rule edit)
replaces the campaign's pending proposals; decided ones stay (and safety-floor proposals stay
unless the new one names the same reasons: see ``grid.propose_from_evidence``). Item answers are
never read.

``close_and_propose(ctx, campaign, progress=…)``: what 结束活动 does in the app and
``xadesk campaign close`` on the command line: the campaign is closed and its proposals are made, so
the review queue holds everyone to see.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..grid.evidence import ScreeningEvidence
from ..storage.models_screening import ScreeningResponse, ScreeningScaleScore, ScreeningScore
from .campaigns import CampaignInfo, close_campaign, load
from .context import AppContext
from .grid import ProposeSummary, propose_from_evidence


def evidence_for_campaign(s: Session, campaign_id: int) -> list[ScreeningEvidence]:
    """Every current score of a campaign as evidence (no permission check: callers check)."""
    scores = s.execute(
        select(ScreeningScore, ScreeningResponse.student_id, ScreeningResponse.completed_at)
        .join(ScreeningResponse, ScreeningResponse.id == ScreeningScore.response_id)
        .where(ScreeningScore.campaign_id == campaign_id, ScreeningScore.superseded_at.is_(None))).all()
    scales: dict[int, dict[str, dict]] = defaultdict(dict)
    ids = [sc.id for sc, _, _ in scores]
    for chunk in range(0, len(ids), 500):
        for row in s.scalars(select(ScreeningScaleScore).where(ScreeningScaleScore.score_id.in_(ids[chunk:chunk + 500]))):
            scales[row.score_id][row.scale_id] = {"raw": row.raw, "t": row.t, "band": row.band}
    out = []
    for sc, student_id, completed_at in scores:
        flags = tuple(json.loads(sc.flags_json or "[]"))
        out.append(ScreeningEvidence(
            student_id=student_id, campaign_id=campaign_id, instrument_id=sc.instrument_id, scales=scales[sc.id],
            flags=flags, safety=bool(sc.safety) or any(f.startswith("safety:") for f in flags),
            validity_ok=bool(sc.valid) and "no_answers" not in flags,
            answered_on=completed_at.date().isoformat() if completed_at else None))
    return out


def propose_for_campaign(ctx: AppContext, campaign: int | str) -> ProposeSummary:
    """Proposals for everyone the campaign has scored (``grid.manage``; audited per proposal)."""
    ctx.require("grid.manage")
    with ctx.db.read() as s:
        c = load(s, campaign)
        evidence = evidence_for_campaign(s, c.id)
    return propose_from_evidence(ctx, evidence)


@dataclass(frozen=True)
class CloseResult:
    campaign: CampaignInfo
    proposals: ProposeSummary


def close_and_propose(ctx: AppContext, campaign: int | str, *,
                      progress: Callable[[int, int], None] | None = None) -> CloseResult:
    """Close an open campaign, then make its proposals (``screening.manage`` and ``grid.manage``).

    Two transactions: if proposing fails after the campaign closed, the review queue can make the
    proposals on demand (``propose_for_campaign``); the safety floor is already in the queue."""
    ctx.require("screening.manage")
    ctx.require("grid.manage")
    step = progress or (lambda done, total: None)
    step(0, 3)
    with ctx.db.read() as s:
        campaign_id = load(s, campaign).id
    info = close_campaign(ctx, campaign_id)
    step(1, 3)
    summary = propose_for_campaign(ctx, campaign_id)
    step(3, 3)
    return CloseResult(info, summary)
