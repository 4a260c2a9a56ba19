"""Both sides of every band edge of every built-in scale, reached with real answer patterns."""

from __future__ import annotations

import math

import pytest
from scoring_helpers import one

from xadesk.instruments import all_builtins, load_builtin, scale_range


def _edges():
    for d in all_builtins():
        for s in d.scales:
            for k in range(1, len(s.bands)):
                yield pytest.param(d.id, s.id, k, id=f"{d.id}.{s.id}.{s.bands[k].id}")


def _answers_for(defn, scale, scored_total: int) -> dict[int, float]:
    """Printed answers giving ``scale`` the scored item total (or count) ``scored_total``; others at min."""
    answers = {it.position: (it.min_value if it.show_if is None else None) for it in defn.items}
    rev = set(defn.reverse_keyed)
    items = [defn.items[defn.item_index(i)] for i in scale.items]
    if scale.method == "count_ge":
        for it in items[:scored_total]:
            answers[it.position] = scale.threshold
        return answers
    left = scored_total - sum(it.min_value for it in items)
    assert left >= 0
    for it in items:
        add = min(left, it.max_value - it.min_value)
        value = it.min_value + add
        left -= add
        answers[it.position] = (it.min_value + it.max_value - value) if it.id in rev else value
    assert left == 0
    return answers


def _reachable(defn, scale):
    """(scored item total, the scale score it gives) for every complete-answer total."""
    items = [defn.items[defn.item_index(i)] for i in scale.items]
    if scale.method == "count_ge":
        return [(c, c) for c in range(len(items) + 1)]
    lo = int(sum(it.min_value for it in items))
    hi = int(sum(it.max_value for it in items))
    if scale.method == "mean":
        return [(t, t / len(items)) for t in range(lo, hi + 1)]
    return [(t, t * scale.factor) for t in range(lo, hi + 1)]


@pytest.mark.parametrize("instrument, scale_id, k", list(_edges()))
def test_both_sides_of_every_band_edge(instrument, scale_id, k):
    defn = load_builtin(instrument)
    scale = defn.scale(scale_id)
    edge = scale.bands[k].min
    reach = _reachable(defn, scale)
    below = max((r for r in reach if r[1] < edge), key=lambda r: r[1])
    at = min((r for r in reach if r[1] >= edge), key=lambda r: r[1])
    res_below = one(defn, _answers_for(defn, scale, below[0]))
    res_at = one(defn, _answers_for(defn, scale, at[0]))
    assert res_below["scales"][scale_id]["raw"] == pytest.approx(below[1])
    assert res_at["scales"][scale_id]["raw"] == pytest.approx(at[1])
    assert res_below["scales"][scale_id]["band"] == scale.bands[k - 1].id
    assert res_at["scales"][scale_id]["band"] == scale.bands[k].id


@pytest.mark.parametrize("instrument", [d.id for d in all_builtins()])
def test_lowest_and_highest_scores_have_a_band(instrument):
    defn = load_builtin(instrument)
    for s in defn.scales:
        if not s.bands:
            continue
        reach = _reachable(defn, s)
        lo, hi = scale_range(defn, s)
        assert math.isclose(reach[0][1], lo) and math.isclose(reach[-1][1], hi)
        for total, _ in (reach[0], reach[-1]):
            assert one(defn, _answers_for(defn, s, total))["scales"][s.id]["band"] is not None


def test_published_edges_spot_checks():
    """The cut-offs as published, independent of the definition files' own band lists."""
    phq = load_builtin("phq9").scale("total")
    assert [b.min for b in phq.bands] == [0, 5, 10, 15, 20]
    assert [b.min for b in load_builtin("gad7").scale("total").bands] == [0, 5, 10, 15]
    assert [b.min for b in load_builtin("k10").scale("total").bands] == [10, 20, 25, 30]
    assert [b.min for b in load_builtin("k6").scale("total").bands] == [0, 5, 13]
    dass = load_builtin("dass21")
    assert [b.min for b in dass.scale("depression").bands] == [0, 10, 14, 21, 28]
    assert [b.min for b in dass.scale("anxiety").bands] == [0, 8, 10, 15, 20]
    assert [b.min for b in dass.scale("stress").bands] == [0, 15, 19, 26, 34]
    scared = load_builtin("scared")
    assert {s.id: s.bands[1].min for s in scared.scales} == {
        "panic": 7, "generalized": 9, "separation": 5, "social": 8, "school": 3, "total": 25}
    assert load_builtin("cesdc").scale("total").bands[1].min == 16
