"""Engine features no built-in uses (lie scale, inconsistent pairs, norms) and input checks."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scoring_helpers import one

from xadesk.errors import UserError, ValidationFailed
from xadesk.instruments import definition_from_dict
from xadesk.scoring import score
from xadesk.scoring.synthetic import synthetic_definition

SYN = synthetic_definition(40, 8)        # 5 items per scale; every third item reversed
BASE = SYN.to_dict()


def _answers(value=3.0, **at):
    row = {p: value for p in range(1, 41)}
    row.update({int(k[1:]): v for k, v in at.items()})
    return row


def test_lie_scale_threshold():
    # s7 = items 31–35 (33 reversed) doubles as the lie scale; the check fires at s7 ≥ 20
    at = one(SYN, _answers(q31=5, q32=5, q33=2, q34=5, q35=1))       # 5 + 5 + (6 − 2) + 5 + 1 = 20
    assert at["scales"]["s7"]["raw"] == 20 and "validity:lie" in at["flags"] and at["valid"] is False
    under = one(SYN, _answers(q31=5, q32=5, q33=3, q34=5, q35=1))
    assert under["scales"]["s7"]["raw"] == 19 and "validity:lie" not in under["flags"]


def test_straight_lining_needs_enough_answers():
    row = _answers(3.0)
    assert "validity:straight" in one(SYN, row)["flags"]
    row[12] = None                       # 11 of 12 answered, still straight
    assert "validity:straight" in one(SYN, row)["flags"]
    row[11] = None                       # 10 answered < 11 required
    assert "validity:straight" not in one(SYN, row)["flags"]
    row = _answers(3.0, q5=4)
    assert "validity:straight" not in one(SYN, row)["flags"]


def test_straight_lining_extreme_only():
    d = copy.deepcopy(BASE)
    d["validity"][1]["extreme_only"] = True
    defn = definition_from_dict(d, "x")
    assert "validity:straight" not in one(defn, _answers(3.0))["flags"]
    assert "validity:straight" in one(defn, _answers(5.0))["flags"]
    assert "validity:straight" in one(defn, _answers(1.0))["flags"]


def test_inconsistent_pairs():
    # pairs: q1~q2 same (tol 2), q4~q6 opposite (tol 2), q7~q8 same (tol 1); more than 1 → flag
    one_bad = one(SYN, _answers(3.0, q1=1, q2=4, q3=2))
    assert "validity:pairs" not in one_bad["flags"]
    two_bad = one(SYN, _answers(3.0, q1=1, q2=4, q7=1, q8=3, q3=2))
    assert "validity:pairs" in two_bad["flags"]
    # opposite: q4 = 5 and q6 = 5 means 5 vs (6 − 5) = 1, a difference of 4
    opp = one(SYN, _answers(3.0, q4=5, q6=5, q1=1, q2=5, q3=2))
    assert "validity:pairs" in opp["flags"]
    consistent = one(SYN, _answers(3.0, q4=5, q6=1, q3=2))
    assert "validity:pairs" not in consistent["flags"]


def test_t_scores_by_grade_band_and_sex():
    # s1 = q1–q5 (q3 reversed) all 3 → 15; groups: (7-9, M) mean 15 sd 2.5; (7-9, F) mean 16 sd 2.75;
    # (10-12, M) 17/3; (10-12, F) 18/3.25; (7-9, any) 19/3.5; (any, any) 20/3.75
    row = _answers(3.0, q2=2)            # s1 = 14
    t = lambda **kw: one(SYN, row, **kw)["scales"]["s1"]["t"]  # noqa: E731
    assert t(grade=8, sex="M") == pytest.approx(50 + 10 * (14 - 15) / 2.5)
    assert t(grade=8, sex="F") == pytest.approx(50 + 10 * (14 - 16) / 2.75)
    assert t(grade=11, sex="F") == pytest.approx(50 + 10 * (14 - 18) / 3.25)
    assert t(grade=8, sex="") == pytest.approx(50 + 10 * (14 - 19) / 3.5)     # grade only
    assert t(grade=11, sex="") == pytest.approx(50 + 10 * (14 - 20) / 3.75)   # falls back to any
    assert t(grade=0, sex="M") == pytest.approx(50 + 10 * (14 - 20) / 3.75)


def test_percentiles_step_table():
    # s2 = q6–q10 mean; table [[1,1],[2,10],[2.5,30],[3,50],[3.5,75],[4,90],[4.5,99]]
    for values, expected in [((3, 3, 3, 3, 3), 50), ((3, 3, 3, 3, 2), 30), ((5, 5, 5, 5, 5), 99), ((1,) * 5, 1)]:
        row = _answers(3.0, **{f"q{p}": v for p, v in zip(range(6, 11), values, strict=True)})
        # q6 and q9 are reverse-keyed: the scored value is 6 − printed
        for p in (6, 9):
            row[p] = 6 - row[p]
        assert one(SYN, row)["scales"]["s2"]["percentile"] == expected


def test_no_norm_group_leaves_t_empty():
    d = copy.deepcopy(BASE)
    d["norms"][0]["groups"] = [g for g in d["norms"][0]["groups"] if g.get("grades")]
    defn = definition_from_dict(d, "x")
    res = one(defn, _answers(3.0), grade=5, sex="M")
    assert res["scales"]["s1"]["t"] is None and res["scales"]["s1"]["raw"] == 15


def test_total_from_scales_invalid_when_a_component_is():
    res = one(SYN, _answers(3.0))
    assert res["scales"]["total"]["raw"] == res["scales"]["s1"]["raw"] + res["scales"]["s3"]["raw"]
    assert res["scales"]["total"]["rule"] == "from scales: s1, s3"
    row = _answers(3.0, q11=None, q12=None, q13=None)            # s3 allows 2 blanks
    res = one(SYN, row)
    assert res["scales"]["s3"]["raw"] is None and res["scales"]["total"]["raw"] is None
    assert res["scales"]["total"]["rule"] == "invalid: a component scale has no score"


def test_values_outside_the_options_are_refused():
    x = np.full((3, 40), 3.0)
    x[2, 7] = 6
    with pytest.raises(ValidationFailed) as info:
        score(SYN, x)
    assert "第3行，第8题" in "\n".join(info.value.details)
    x[2, 7] = 2.5
    with pytest.raises(ValidationFailed):
        score(SYN, x)


def test_wrong_number_of_columns():
    with pytest.raises(UserError):
        score(SYN, np.full((2, 39), 3.0))


def test_result_carries_the_definition_version():
    r = score(SYN, np.full((2, 40), 3.0))
    assert (r.definition_id, r.definition_version) == ("synthetic", 1)
    assert r.per_respondent(1)["definition"] == {"id": "synthetic", "version": 1}
    assert r.rule_of("s1", 0, lang="zh") == "全部作答"
