"""The adapter from stored screening results to proposals: a real campaign, answered item by item."""

from __future__ import annotations

from xadesk.services import grid as G
from xadesk.services import screening_answers as A
from xadesk.services.campaigns import create_campaign
from xadesk.services.grid_screening import propose_for_campaign


def _answer(ctx, campaign_id, sid, instrument, values):
    for j, v in enumerate(values):
        A.record_answer(ctx, campaign_id, sid, instrument, j, v, 3.0)


def test_a_campaign_proposes_from_its_current_scores(staff):
    c, ids = staff.counselor, staff.ids
    info = create_campaign(c, "2026秋季普查", ["phq9", "asq"], grades=["J1"], open_now=True)
    _answer(c, info.id, ids["林一鸣"], "phq9", [3, 3, 3, 2, 2, 2, 2, 3, 0, 1])   # 20: severe (q10: difficulty)
    _answer(c, info.id, ids["苏晓雨"], "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1, 0])   # item 9
    _answer(c, info.id, ids["贺子轩"], "asq", [1, 0, 0, 0, 1])                # acute
    _answer(c, info.id, ids["姚佳琪"], "phq9", [1, 1, 0, 0, 0, 0, 0, 0, 0, 0])   # 2: nothing
    summary = propose_for_campaign(c, info.id)
    assert (summary.proposed, summary.safety) == (3, 2)
    queue = {r.name: (r.proposed_level, r.proposals[0].rule_key) for r in G.review_queue(c, info.id)}
    assert queue == {"贺子轩": ("L1", "safety:asq:asq_acute"), "苏晓雨": ("L2", "safety:phq9:item9"),
                     "林一鸣": ("L2", "phq9_severe")}
    again = propose_for_campaign(c, info.name)
    assert again.replaced == 3 and len(G.review_queue(c, info.id)) == 3
