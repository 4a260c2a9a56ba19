"""Hypothesis: the engine equals the per-respondent reference, scores stay in range, reversal maps as keyed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xadesk.instruments import all_builtins, load_builtin, scale_range
from xadesk.scoring import score, score_one
from xadesk.scoring.synthetic import synthetic_answers, synthetic_definition

DEFS = {d.id: d for d in all_builtins()}
SYNTH = synthetic_definition(40, 8)
DEFS["synthetic"] = SYNTH
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def answer_matrix(draw, defn, max_rows: int = 12):
    n = draw(st.integers(1, max_rows))
    p_blank = draw(st.sampled_from([0.0, 0.05, 0.2, 0.6, 1.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = np.empty((n, defn.n_items))
    for j, it in enumerate(defn.items):
        x[:, j] = rng.choice(np.array(it.values), size=n)
    # straight-lined rows now and then, so the validity checks fire
    if n > 1 and draw(st.booleans()):
        x[0, :] = defn.items[0].values[0]
    x[rng.random(x.shape) < p_blank] = np.nan
    seconds = rng.choice([np.nan, 10.0, 60.0, 600.0], size=n)
    grades = rng.integers(0, 13, size=n)
    sexes = rng.choice(np.array(["M", "F", ""], dtype=object), size=n)
    return x, seconds, grades, sexes


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


@pytest.mark.parametrize("instrument", sorted(DEFS))
def test_engine_equals_reference(instrument):
    defn = DEFS[instrument]

    @SETTINGS
    @given(answer_matrix(defn))
    def check(data):
        x, seconds, grades, sexes = data
        result = score(defn, x, seconds=seconds, grades=grades, sexes=sexes)
        for i in range(x.shape[0]):
            ref = score_one(defn, list(x[i]), seconds=float(seconds[i]), grade=int(grades[i]), sex=str(sexes[i]))
            assert _same(result.per_respondent(i), ref), (i, result.per_respondent(i), ref)

    check()


@pytest.mark.parametrize("instrument", sorted(DEFS))
def test_scores_stay_within_each_scales_range(instrument):
    defn = DEFS[instrument]

    @SETTINGS
    @given(answer_matrix(defn, max_rows=30))
    def check(data):
        x, *_ = data
        result = score(defn, x)
        for s in defn.scales:
            lo, hi = scale_range(defn, s)
            raw = result.scales[s.id].raw
            raw = raw[~np.isnan(raw)]
            assert np.all(raw >= lo - 1e-9) and np.all(raw <= hi + 1e-9), (s.id, raw.min(), raw.max(), lo, hi)

    check()


REVERSED_SCALES = [(d.id, s.id) for d in DEFS.values() for s in d.scales
                   if s.items and any(i in d.reverse_keyed for i in s.items) and s.method in ("sum", "mean")]


@pytest.mark.parametrize("instrument, scale_id", REVERSED_SCALES)
def test_reversing_answers_maps_the_score_as_keyed(instrument, scale_id):
    """Answering every item of a scale the opposite way (min + max − value) turns score s into
    (lowest + highest) − s: the key's reverse items and plain items swap roles."""
    defn = DEFS[instrument]
    s = defn.scale(scale_id)
    cols = [defn.item_index(i) for i in s.items]

    @SETTINGS
    @given(st.integers(0, 2**32 - 1))
    def check(seed):
        rng = np.random.default_rng(seed)
        x = np.empty((8, defn.n_items))
        for j, it in enumerate(defn.items):
            x[:, j] = rng.choice(np.array(it.values), size=8)
        flipped = x.copy()
        for j in cols:
            it = defn.items[j]
            flipped[:, j] = it.min_value + it.max_value - x[:, j]
        a = score(defn, x).scales[scale_id].raw
        b = score(defn, flipped).scales[scale_id].raw
        lo, hi = scale_range(defn, s)
        assert np.allclose(a + b, lo + hi)

    check()


def test_reverse_keyed_item_scores_min_plus_max_minus_value():
    defn = load_builtin("mini_ipip")
    for v in range(1, 6):
        x = np.full((1, 20), 3.0)
        x[0, 5] = v                                    # item 6 "Don't talk a lot" is reversed in extraversion
        raw = score(defn, x).scales["extraversion"].raw[0]
        assert raw == 9 + (6 - v)


def test_engine_is_deterministic_and_matches_reference_on_the_benchmark_data():
    defn = synthetic_definition()
    x, seconds, grades, sexes = synthetic_answers(defn, 400, seed=7)
    a = score(defn, x, seconds=seconds, grades=grades, sexes=sexes)
    b = score(defn, x, seconds=seconds, grades=grades, sexes=sexes)
    for i in range(400):
        row = a.per_respondent(i)
        assert row == b.per_respondent(i)
        assert _same(row, score_one(defn, list(x[i]), seconds=float(seconds[i]), grade=int(grades[i]),
                                    sex=str(sexes[i])))
