"""Hand-worked cases for every built-in instrument, from the published scoring rules.

Each case is scored by the vectorised engine and by the per-respondent reference (``one`` asserts they
agree). Band edges of every scale are covered generically in ``test_scoring_bands.py``.
"""

from __future__ import annotations

import itertools

import pytest
from scoring_helpers import NaN, band, one, raw, rule

# ----------------------------------------------------------------------------------------- PHQ-9


def test_phq9_all_answered():
    res = one("phq9", [1, 2, 0, 3, 1, 0, 2, 1, 0, 1])
    assert raw(res) == 10 and band(res) == "moderate" and rule(res) == "complete"
    assert res["valid"] and res["flags"] == []


def test_phq9_item10_is_not_scored():
    assert raw(one("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0, 3])) == 8
    assert raw(one("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])) == 8


def test_phq9_one_blank_is_prorated_not_zero():
    res = one("phq9", [1, 1, 1, 1, 1, 1, 1, 1, None, None])
    assert raw(res) == 9            # 8 × 9/8, not 8 (a blank is never a 0)
    assert rule(res) == "prorated: 1 blank"
    assert "screen:item9_unanswered" in res["flags"] and res["valid"]


def test_phq9_prorating_rounds_half_up():
    # 8 answered summing to 4: 4 × 9 / 8 = 4.5 → 5, which moves the band from minimal to mild
    res = one("phq9", [1, 1, 1, 1, 0, 0, 0, 0, None, None])
    assert raw(res) == 5 and band(res) == "mild"


def test_phq9_two_blanks_prorated_three_invalid():
    res = one("phq9", [2, 2, 2, 2, 2, 2, 2, None, None, 1])
    assert raw(res) == 18 and rule(res) == "prorated: 2 blanks"
    res = one("phq9", [2, 2, 2, 2, 2, 2, None, None, None, 1])
    assert raw(res) is None and band(res) is None
    assert rule(res) == "invalid: 3 blanks > 2 allowed" and res["valid"] is False


@pytest.mark.parametrize("item9, flagged", [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item9_safety_whatever_the_total(item9, flagged):
    res = one("phq9", [0, 0, 0, 0, 0, 0, 0, 0, item9, None])
    assert ("safety:item9" in res["flags"]) is flagged
    if flagged:
        assert band(res) == "minimal"


def test_phq9_item9_safety_even_when_the_total_is_invalid():
    res = one("phq9", {9: 1})
    assert raw(res) is None and "safety:item9" in res["flags"]


def test_phq9_major_depressive_syndrome_core_items_are_1_and_2():
    yes = one("phq9", [2, 0, 2, 0, 2, 0, 2, 0, 1, 1])   # core item 1 + items 3, 5, 7 + item 9 at 1 = 5
    assert "screen:major_depressive_syndrome" in yes["flags"]
    no_core = one("phq9", [0, 0, 3, 3, 3, 3, 3, 3, 1, 1])
    assert "screen:major_depressive_syndrome" not in no_core["flags"]
    # the wrong "items 1 and 4 are core" rule would count item 4 as core: it is not
    item4 = one("phq9", [0, 1, 2, 3, 2, 2, 2, 0, 0, 1])
    assert "screen:major_depressive_syndrome" not in item4["flags"]
    four = one("phq9", [2, 2, 2, 2, 0, 0, 0, 0, 0, 1])
    assert "screen:major_depressive_syndrome" not in four["flags"]


def test_phq9_item10_answered_when_not_asked_is_ignored():
    res = one("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 0, 2])
    assert raw(res) == 0 and res["flags"] == ["info:answered_not_asked"]


def test_phq9_too_fast():
    slow = one("phq9", [1] * 9 + [1], seconds=60)
    fast = one("phq9", [1] * 9 + [1], seconds=15)       # 1.5 s per answered item < 2
    assert "validity:too_fast" not in slow["flags"] and slow["valid"]
    assert "validity:too_fast" in fast["flags"] and fast["valid"] is False
    assert raw(fast) == 9                                # the score is still shown


def test_no_answers_at_all():
    res = one("phq9", [None] * 10)
    assert res["flags"] == ["no_answers"] and res["valid"] is False
    assert raw(res) is None and rule(res) == "no answers"


# ----------------------------------------------------------------------------------------- GAD-7


def test_gad7_cases():
    res = one("gad7", [3, 3, 3, 3, 3, 3, 3])
    assert raw(res) == 21 and band(res) == "severe"
    res = one("gad7", [1, 2, 1, 2, 1, 2, None])       # 9 × 7/6 = 10.5 → 11
    assert raw(res) == 11 and rule(res) == "prorated: 1 blank" and band(res) == "moderate"
    res = one("gad7", [1, 2, 1, 2, 1, None, None])
    assert raw(res) is None and rule(res) == "invalid: 2 blanks > 1 allowed"


# ----------------------------------------------------------------------------------------- ASQ


def test_asq_negative():
    res = one("asq", [0, 0, 0, 0, None])
    assert raw(res, "screen") == 0 and band(res, "screen") == "negative" and res["flags"] == []


def test_asq_any_yes_nonacute():
    res = one("asq", [0, 0, 0, 1, 0])
    assert raw(res, "screen") == 1 and band(res, "screen") == "nonacute"
    assert res["flags"] == ["safety:asq_positive"]


def test_asq_q5_yes_is_acute():
    res = one("asq", [1, 1, 0, 0, 1])
    assert band(res, "screen") == "acute"
    assert res["flags"] == ["safety:asq_positive", "safety:asq_acute"]


def test_asq_refusal_is_a_positive_screen():
    res = one("asq", [0, None, 0, 0, None])
    assert raw(res, "screen") is None and band(res, "screen") == "nonacute"
    assert "safety:asq_positive" in res["flags"] and res["valid"] is False


def test_asq_q5_unanswered_after_a_yes():
    res = one("asq", [1, 0, 0, 0, None])
    assert "screen:asq_acuity_unknown" in res["flags"] and band(res, "screen") == "nonacute"


def test_asq_q5_yes_is_acute_even_when_1_to_4_are_no():
    # Issue 9: a "yes" to question 5 on paper or in a file is kept although the kiosk would not have asked it.
    res = one("asq", [0, 0, 0, 0, 1])
    assert band(res, "screen") == "acute"
    assert res["flags"] == ["safety:asq_acute"]


@pytest.mark.parametrize("answers", list(itertools.product((0, 1, None), repeat=5)),
                         ids=lambda a: ",".join("" if v is None else str(v) for v in a))
def test_asq_follows_the_nimh_pathway_for_every_combination(answers):
    """NIMH: question 5 yes → acute whatever 1–4 hold; any yes or a refusal (blank) on 1–4 → positive;
    a wholly blank ASQ is a refusal (non-acute positive). Oracle written from the toolkit, not the engine."""
    q14, q5 = answers[:4], answers[4]
    acute = q5 == 1
    positive = any(v == 1 for v in q14) or any(v is None for v in q14)
    res = one("asq", list(answers))
    assert ("safety:asq_acute" in res["flags"]) == acute
    assert ("safety:asq_positive" in res["flags"]) == positive
    if all(v is None for v in answers):
        assert band(res, "screen") is None and "no_answers" in res["flags"]
    else:
        assert band(res, "screen") == ("acute" if acute else "nonacute" if positive else "negative")


# ----------------------------------------------------------------------------------------- K10 / K6


def test_k10_cases():
    assert raw(one("k10", [1] * 10)) == 10
    assert band(one("k10", [1] * 10)) == "none"
    assert band(one("k10", [5] * 10)) == "severe"
    res = one("k10", [3] * 9 + [None])
    assert raw(res) == 30 and rule(res) == "prorated: 1 blank" and band(res) == "severe"
    assert raw(one("k10", [3] * 8 + [None, None])) is None


def test_k6_cases():
    assert raw(one("k6", [0] * 6)) == 0
    res = one("k6", [2, 2, 2, 2, 2, 3])
    assert raw(res) == 13 and band(res) == "serious"
    res = one("k6", [4, 4, 4, 4, 4, None])
    assert raw(res) is None and rule(res) == "invalid: 1 blank > 0 allowed"


# ----------------------------------------------------------------------------------------- DASS-21

DEP = [3, 5, 10, 13, 16, 17, 21]
ANX = [2, 4, 7, 9, 15, 19, 20]
STR = [1, 6, 8, 11, 12, 14, 18]


def test_dass21_subscales_are_doubled_sums_of_their_items():
    res = one("dass21", {p: (3 if p in DEP else 0) for p in range(1, 22)})
    assert raw(res, "depression") == 42 and band(res, "depression") == "extremely_severe"
    assert raw(res, "anxiety") == 0 and raw(res, "stress") == 0
    res = one("dass21", [1] * 21)
    assert (raw(res, "depression"), raw(res, "anxiety"), raw(res, "stress")) == (14, 14, 14)
    assert (band(res, "depression"), band(res, "anxiety"), band(res, "stress")) == ("moderate", "moderate", "normal")


def test_dass21_missing_rule_six_of_seven():
    answers = {p: 3 for p in range(1, 22)}
    answers[3] = None                                    # one depression item blank: 18 × 7/6 = 21, × 2
    res = one("dass21", answers)
    assert raw(res, "depression") == 42 and rule(res, "depression") == "prorated: 1 blank"
    answers[5] = None
    res = one("dass21", answers)
    assert raw(res, "depression") is None and raw(res, "anxiety") == 42


# ----------------------------------------------------------------------------------------- Mini-IPIP


def test_mini_ipip_reverse_keys():
    res = one("mini_ipip", [5] * 20)
    # E: 1, 11 plain + 6, 16 reversed; I: 5 plain + 10, 15, 20 reversed
    assert raw(res, "extraversion") == 12 and raw(res, "neuroticism") == 12 and raw(res, "intellect") == 8
    assert "validity:straight_lining" in res["flags"] and res["valid"] is False
    high_e = {p: 3 for p in range(1, 21)}
    high_e.update({1: 5, 11: 5, 6: 1, 16: 1})
    res = one("mini_ipip", high_e)
    assert raw(res, "extraversion") == 20 and res["valid"] and res["flags"] == []


def test_mini_ipip_missing():
    answers = {p: 4 for p in range(1, 21)}
    answers[4] = 2
    answers[1] = None                                    # E: 6,11,16 = 2+4+2 = 8 → 8 × 4/3 = 10.67 → 11
    res = one("mini_ipip", answers)
    assert raw(res, "extraversion") == 11 and rule(res, "extraversion") == "prorated: 1 blank"
    answers[6] = None
    assert raw(one("mini_ipip", answers), "extraversion") is None


# ----------------------------------------------------------------------------------------- SCARED


def test_scared_item20_is_separation_not_panic():
    res = one("scared", {p: (2 if p == 20 else 0) for p in range(1, 42)})
    assert raw(res, "separation") == 2 and raw(res, "panic") == 0 and raw(res, "total") == 2


def test_scared_subscales_and_total():
    res = one("scared", [1] * 41)
    assert [raw(res, s) for s in ("panic", "generalized", "separation", "social", "school", "total")] == [13, 9, 8, 7, 4, 41]
    assert band(res, "total") == "likely" and band(res, "separation") == "above" and band(res, "school") == "above"


def test_scared_missing():
    answers = {p: 1 for p in range(1, 42)}
    answers[2] = None                                    # a school-avoidance item: that subscale allows none
    res = one("scared", answers)
    assert raw(res, "school") is None and raw(res, "total") == 41 and rule(res, "total") == "prorated: 1 blank"
    answers[1] = answers[5] = None
    res = one("scared", answers)
    assert raw(res, "total") is None and rule(res, "total") == "invalid: 3 blanks > 2 allowed"
    assert raw(res, "panic") == 13


# ----------------------------------------------------------------------------------------- CES-DC


def test_cesdc_items_4_8_12_16_are_reversed():
    res = one("cesdc", [0] * 20)
    assert raw(res) == 12                                # the four positive items score 3 each
    assert "validity:straight_lining" in res["flags"]
    worst = [0 if p in (4, 8, 12, 16) else 3 for p in range(1, 21)]
    assert raw(one("cesdc", worst)) == 60
    best = [3 if p in (4, 8, 12, 16) else 0 for p in range(1, 21)]
    res = one("cesdc", best)
    assert raw(res) == 0 and band(res) == "below" and res["valid"]


def test_cesdc_missing_four_prorated_five_invalid():
    answers = [1] * 16 + [None] * 4                       # 12 plain ones + items 4 8 12 16 reversed (2 each) = 20
    res = one("cesdc", answers)
    assert raw(res) == 25 and rule(res) == "prorated: 4 blanks"     # 20 × 20/16
    res = one("cesdc", [1] * 15 + [None] * 5)
    assert raw(res) is None and rule(res) == "invalid: 5 blanks > 4 allowed"


# ----------------------------------------------------------------------------------------- RSES


def test_rses_chinese_order_reverse_3_5_8_9_10():
    res = one("rses", [4] * 10)
    assert raw(res) == 25 and "validity:straight_lining" in res["flags"]
    high = [1 if p in (3, 5, 8, 9, 10) else 4 for p in range(1, 11)]
    assert raw(one("rses", high)) == 40
    low = [4 if p in (3, 5, 8, 9, 10) else 1 for p in range(1, 11)]
    assert raw(one("rses", low)) == 10
    only8 = [3] * 10
    only8[7] = 4                                         # item 8 agreed strongly: scored 1, reversed
    assert raw(one("rses", only8)) == 5 * 3 + 4 * 2 + 1


def test_rses_missing():
    res = one("rses", [4, 4, 1, 4, 1, 4, 4, 1, 1, None])
    assert raw(res) == 40 and rule(res) == "prorated: 1 blank"
    assert raw(one("rses", [4, 4, 1, 4, 1, 4, 4, 1, None, None])) is None


# ----------------------------------------------------------------------------------------- SCL-90

OTHER = [19, 44, 59, 60, 64, 66, 89]
PHOBIC = [13, 25, 47, 50, 70, 75, 82]


def test_scl90_all_ones():
    res = one("scl90", [1] * 90)
    assert raw(res, "total") == 90 and raw(res, "gsi") == 1 and raw(res, "positive_items") == 0
    assert raw(res, "psdi") is None and rule(res, "psdi") == "undefined: no item at or above 2"
    assert band(res, "depression") == "negative" and res["flags"] == [] and res["valid"]


def test_scl90_other_factor_has_sleep_and_diet_items_not_phobic():
    res = one("scl90", {p: (3 if p in OTHER else 1) for p in range(1, 91)})
    assert raw(res, "other") == 3 and raw(res, "phobic") == 1
    res = one("scl90", {p: (3 if p in PHOBIC else 1) for p in range(1, 91)})
    assert raw(res, "other") == 1 and raw(res, "phobic") == 3


def test_scl90_indices():
    answers = {p: 1 for p in range(1, 91)}
    for p in (1, 2, 3, 5, 6, 7, 8, 11, 13, 16):
        answers[p] = 3
    res = one("scl90", answers)
    assert raw(res, "total") == 110 and raw(res, "positive_items") == 10
    assert raw(res, "psdi") == 3                         # (110 − 80 items at 1) / 10
    assert raw(res, "gsi") == pytest.approx(110 / 90)


@pytest.mark.parametrize("item", [15, 59])
def test_scl90_critical_items(item):
    res = one("scl90", {p: (2 if p == item else 1) for p in range(1, 91)})
    assert f"safety:item{item}" in res["flags"]
    assert one("scl90", [1] * 90)["flags"] == []


def test_scl90_screen_rule():
    # the total's band edge: 160 is not positive, 161 is (spread thinly so no factor mean reaches 2)
    answers = {p: 1 for p in range(1, 91)}
    factor_of = {}
    from xadesk.instruments import load_builtin

    defn = load_builtin("scl90")
    for s in defn.scales[:10]:
        for i in s.items:
            factor_of[int(i[1:])] = s.id
    per_factor: dict[str, int] = {}
    lifted = 0
    for p in range(1, 91):
        f = factor_of[p]
        n = len(defn.scale(f).items)
        if lifted < 70 and per_factor.get(f, 0) + 2 < n:  # keep each factor mean below 2
            step = min(2, 70 - lifted)
            answers[p] = 1 + step
            per_factor[f] = per_factor.get(f, 0) + step
            lifted += step
    res = one("scl90", answers)
    assert raw(res, "total") == 160 and band(res, "total") == "negative"
    assert "screen:scl90_positive" not in res["flags"]
    answers[next(p for p in range(1, 91) if answers[p] == 1 and per_factor.get(factor_of[p], 0) + 1 < len(defn.scale(factor_of[p]).items))] = 2
    res = one("scl90", answers)
    assert raw(res, "total") == 161 and band(res, "total") == "positive"
    assert "screen:scl90_positive" in res["flags"]


def test_scl90_positive_items_edge():
    res = one("scl90", {p: (2 if p <= 43 else 1) for p in range(1, 91)})
    assert raw(res, "positive_items") == 43 and band(res, "positive_items") == "negative"
    res = one("scl90", {p: (2 if p <= 44 else 1) for p in range(1, 91)})
    assert raw(res, "positive_items") == 44 and band(res, "positive_items") == "positive"


def test_scl90_any_factor_at_two_screens_positive():
    hostility = [11, 24, 63, 67, 74, 81]
    res = one("scl90", {p: (2 if p in hostility else 1) for p in range(1, 91)})
    assert raw(res, "hostility") == 2 and band(res, "hostility") == "positive"
    assert raw(res, "total") == 96 and "screen:scl90_positive" in res["flags"]


def test_scl90_missing():
    answers = {p: 2 for p in range(1, 91)}
    answers[11] = None                                   # hostility: mean of the 5 answered
    res = one("scl90", answers)
    assert raw(res, "hostility") == 2 and rule(res, "hostility") == "mean of answered: 1 blank"
    assert raw(res, "total") == 180 and rule(res, "total") == "prorated: 1 blank"
    answers[24] = None
    res = one("scl90", answers)
    assert raw(res, "hostility") is None and res["valid"] is False
    blanks = {p: (None if p <= 10 else 2) for p in range(1, 91)}
    res = one("scl90", blanks)
    assert raw(res, "total") is None and rule(res, "total") == "invalid: 10 blanks > 9 allowed"


# ----------------------------------------------------------------------------------------- MSSMHS


def test_mssmhs_factors_and_total():
    study = [31, 33, 36, 38, 40, 55]
    res = one("mssmhs", {p: (3 if p in study else 1) for p in range(1, 61)})
    assert raw(res, "study_pressure") == 3 and band(res, "study_pressure") == "moderate"
    assert raw(res, "total") == pytest.approx(72 / 60) and band(res, "total") == "none"
    assert "screen:mssmhs_attention" in res["flags"]
    res = one("mssmhs", [5] * 60)
    assert band(res, "total") == "severe" and raw(res, "depression") == 5


def test_mssmhs_missing():
    answers = {p: 2 for p in range(1, 61)}
    answers[5] = None
    res = one("mssmhs", answers)
    assert raw(res, "depression") == 2 and rule(res, "depression") == "mean of answered: 1 blank"
    answers[13] = None
    assert raw(one("mssmhs", answers), "depression") is None


# ----------------------------------------------------------------------------------------- MHK quiz


def _mhk_key():
    from xadesk.instruments import load_builtin

    return [it.correct for it in load_builtin("mhk").items]


def test_mhk_right_and_wrong():
    key = _mhk_key()
    res = one("mhk", key)
    assert raw(res, "correct") == 20 and raw(res, "rate") == 1
    res = one("mhk", [3] * 20)                           # "don't know" counts as not right
    assert raw(res, "correct") == 0 and raw(res, "rate") == 0
    wrong = [1 if k == 2 else 2 for k in key]
    assert raw(one("mhk", wrong), "correct") == 0
    five_wrong = list(key)
    for p in range(5):
        five_wrong[p] = 3
    res = one("mhk", five_wrong)
    assert raw(res, "correct") == 15 and raw(res, "rate") == 0.75


def test_mhk_blank_is_missing_not_wrong():
    key = _mhk_key()
    res = one("mhk", [*key[:19], None])
    assert raw(res, "correct") == 20 and raw(res, "rate") == 1 and rule(res, "rate") == "mean of answered: 1 blank"
    res = one("mhk", [*key[:17], None, None, None])
    assert raw(res, "correct") is None and raw(res, "rate") is None


# ----------------------------------------------------------------------------------------- every instrument


@pytest.mark.parametrize("instrument", ["phq9", "gad7", "asq", "k10", "k6", "dass21", "mini_ipip", "scared",
                                        "cesdc", "rses", "scl90", "mssmhs", "mhk"])
def test_too_fast_check_on_every_instrument(instrument):
    from xadesk.instruments import load_builtin

    defn = load_builtin(instrument)
    answers = [it.options[1].value if it.show_if is None else NaN for it in defn.items]
    n = sum(it.show_if is None for it in defn.items)
    assert "validity:too_fast" in one(defn, answers, seconds=1.9 * n)["flags"]
    assert "validity:too_fast" not in one(defn, answers, seconds=2.0 * n)["flags"]
    assert "validity:too_fast" not in one(defn, answers)["flags"]      # no timing: not checked
