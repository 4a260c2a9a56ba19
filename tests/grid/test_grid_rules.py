"""The rule language, the default rules and the safety floor — which no rule edit can switch off."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.grid.conftest import phq9
from xadesk.errors import UserError
from xadesk.grid import levels as LV
from xadesk.grid.evidence import ScreeningEvidence
from xadesk.grid.propose import propose
from xadesk.grid.rules import DEFAULT_RULES, Rule, check_condition, check_rule
from xadesk.instruments.loader import load_builtin
from xadesk.services import grid as G

ASQ_ACUTE = ScreeningEvidence(7, 1, "asq", {"screen": {"raw": None, "t": None, "band": "acute"}},
                              ("safety:asq_positive", "safety:asq_acute"), safety=True)


def test_safety_floor_proposes_with_no_rules_at_all():
    [p] = propose([phq9(1, 0, item9=True)], [])
    assert (p.level, p.rule_key, p.safety) == ("L2", "safety:phq9:item9", True)
    [a] = propose([ASQ_ACUTE], [])
    assert (a.level, a.rule_key) == ("L1", "safety:asq:asq_acute")


def test_safety_floor_applies_to_careless_answering_too():
    [p] = propose([phq9(1, None, item9=True, valid=False)], DEFAULT_RULES)
    assert p.level == "L2" and p.validity_review and p.invalid_instruments == ("phq9",)


def test_scl90_critical_items_are_on_the_floor():
    ev = ScreeningEvidence(3, 1, "scl90", {"total": {"raw": 100}}, ("safety:item59",), safety=True)
    [p] = propose([ev], [])
    assert p.level == "L2" and "59" in p.rule_label


@settings(max_examples=60, deadline=None)
@given(levels=st.lists(st.sampled_from(LV.LEVEL_CODES), min_size=len(DEFAULT_RULES), max_size=len(DEFAULT_RULES)),
       enabled=st.lists(st.booleans(), min_size=len(DEFAULT_RULES), max_size=len(DEFAULT_RULES)),
       total=st.one_of(st.none(), st.integers(0, 27)), valid=st.booleans())
def test_no_rule_edit_lowers_or_removes_the_floor(levels, enabled, total, valid):
    rules = [replace(r, level=lv, enabled=en) for r, lv, en in zip(DEFAULT_RULES, levels, enabled, strict=True)]
    [p] = propose([phq9(1, total, item9=True, valid=valid)], rules)
    assert LV.at_least(p.level, LV.L2) and p.safety
    [a] = propose([ASQ_ACUTE], rules)
    assert a.level == LV.L1


def test_floor_survives_the_school_disabling_every_rule(staff):
    c = staff.counselor
    for r in G.rules(c):
        G.set_rule_enabled(c, r.key, False)
    assert all(not r.enabled for r in G.rules(c))
    sid = staff.ids["林一鸣"]
    summary = G.propose_from_evidence(c, [phq9(sid, 27, item9=True), phq9(staff.ids["苏晓雨"], 27)])
    assert (summary.proposed, summary.safety) == (1, 1)
    [row] = G.review_queue(c, 1)
    assert (row.student_id, row.proposed_level, row.safety) == (sid, "L2", True)
    with pytest.raises(UserError, match="安全底线"):
        G.withdraw_proposal(c, row.proposals[0].id, "误报")


def test_safety_keys_are_reserved_for_the_floor(staff):
    bad = Rule("safety_item9_off", "关掉第9题", "L4", {"instrument": "phq9", "scale": "total", "ge": 100})
    with pytest.raises(UserError, match="保留"):
        G.save_rule(staff.counselor, bad)


def test_rule_edits_are_versioned_and_the_proposal_names_the_version(staff):
    c = staff.counselor
    r = next(x for x in G.rules(c) if x.key == "phq9_moderate")
    new = G.save_rule(c, replace(r, when={"instrument": "phq9", "scale": "total", "ge": 12}))
    assert new.version == 2
    everything = G.rules(c, include_retired=True)
    assert [x.version for x in everything if x.key == "phq9_moderate"] == [1, 2]
    G.propose_from_evidence(c, [phq9(staff.ids["林一鸣"], 12), phq9(staff.ids["苏晓雨"], 11)])
    [row] = [q for q in G.review_queue(c, 1, include_near=True) if not q.near]
    assert (row.name, row.proposals[0].rule_key, row.proposals[0].rule_version) == ("林一鸣", "phq9_moderate", 2)


def test_rule_conditions_are_checked_with_clear_messages():
    for cond in ({}, {"instrument": "phq9"}, {"instrument": "phq9", "scale": "total", "ge": "x"},
                 {"instrument": "phq9", "scale": "total", "ge": 1, "le": 3}, {"all": []},
                 {"at_least": 3, "of": [{"instrument": "a", "flag": "screen:x"}]},
                 {"instrument": "phq9", "flag": "noprefix"}):
        with pytest.raises(UserError, match="规则条件有误"):
            check_condition(cond)
    with pytest.raises(UserError, match="规则编号"):
        check_rule(Rule("Bad Key", "x", "L4", {"instrument": "phq9", "flag": "screen:x"}))


def test_a_school_rule_can_only_raise_a_proposal():
    low = Rule("custom_low", "低", "L4", {"instrument": "phq9", "scale": "total", "ge": 0})
    [p] = propose([phq9(1, 21)], [*DEFAULT_RULES, low])
    assert p.level == "L2" and {m.rule_key for m in p.matches} >= {"phq9_severe", "custom_low"}


def test_default_rules_name_real_instruments_scales_and_flags():
    def leaves(cond):
        if "instrument" in cond:
            yield cond
        for sub in cond.get("all", ()) or cond.get("any", ()) or cond.get("of", ()):
            yield from leaves(sub)

    for rule in DEFAULT_RULES:
        check_rule(rule)
        for leaf in leaves(rule.when):
            d = load_builtin(leaf["instrument"])
            if "flag" in leaf:
                kind, rid = leaf["flag"].split(":")
                assert (kind, rid) in {(r.kind, r.id) for r in d.rules}, rule.key
            else:
                d.scale(leaf["scale"])
