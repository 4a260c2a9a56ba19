"""A synthetic instrument and answers for the benchmark and the tests: every feature the engine has.

100 items rated 1–5 in 8 scales (sums with prorating, means, one sum × factor), every third item
reverse-keyed, a count index, a total built from scales, T norms by grade band and sex, a percentile
table, bands on every scale, a safety rule, a screen rule and all four validity checks.
"""

from __future__ import annotations

import numpy as np

from ..instruments.definition import Definition
from ..instruments.schema import definition_from_dict


def _lbl(zh: str, en: str) -> dict:
    return {"zh": zh, "en": en}


def synthetic_definition(n_items: int = 100, n_scales: int = 8) -> Definition:
    items = [{"id": f"q{i}", "options": "five"} for i in range(1, n_items + 1)]
    per = n_items // n_scales
    scales = []
    for k in range(n_scales):
        ids = [f"q{i}" for i in range(k * per + 1, (k + 1) * per + 1)]
        if k == n_scales - 1:
            ids = [f"q{i}" for i in range(k * per + 1, n_items + 1)]
        n = len(ids)
        if k % 3 == 1:   # mean scale
            scale = {"id": f"s{k + 1}", "name": _lbl(f"分量表{k + 1}", f"Scale {k + 1}"), "items": ids, "method": "mean",
                     "missing": {"max_blank": 2, "prorate": True},
                     "bands": [{"id": "low", "label": _lbl("低", "Low"), "min": 1, "max": 2.99},
                               {"id": "high", "label": _lbl("高", "High"), "min": 3, "max": 5}]}
        else:
            factor = 2 if k % 3 == 2 else 1
            lo, hi = n * factor, 5 * n * factor
            mid = (lo + hi) // 2
            scale = {"id": f"s{k + 1}", "name": _lbl(f"分量表{k + 1}", f"Scale {k + 1}"), "items": ids, "method": "sum",
                     "missing": {"max_blank": 2 if k % 2 == 0 else 0, "prorate": k % 2 == 0},
                     "bands": [{"id": "low", "label": _lbl("低", "Low"), "min": lo, "max": mid - 1},
                               {"id": "mid", "label": _lbl("中", "Middle"), "min": mid, "max": mid + n},
                               {"id": "high", "label": _lbl("高", "High"), "min": mid + n + 1}]}
            if factor != 1:
                scale["factor"] = factor
        scale["bands_source"] = "synthetic"
        scales.append(scale)
    indices = [
        {"id": "positive", "name": _lbl("阳性项目数", "Positive items"), "items": [f"q{i}" for i in range(1, n_items + 1)],
         "method": "count_ge", "threshold": 4, "missing": {"max_blank": 10, "prorate": True},
         "bands": [{"id": "low", "label": _lbl("低", "Low"), "min": 0, "max": n_items // 2},
                   {"id": "high", "label": _lbl("高", "High"), "min": n_items // 2 + 1, "max": n_items}],
         "bands_source": "synthetic"},
        {"id": "total", "name": _lbl("总分", "Total"), "scales": ["s1", "s3"], "method": "sum"},
    ]
    lie = [sc for sc in scales if sc["method"] == "sum"][-1]   # the last sum scale doubles as a lie scale
    reverse = [f"q{i}" for i in range(3, n_items + 1, 3)]
    groups_t = [{"grades": g, "sex": s, "mean": 3.0 * per + d, "sd": 0.5 * per + d / 4}
                for d, (g, s) in enumerate([([7, 8, 9], "M"), ([7, 8, 9], "F"), ([10, 11, 12], "M"),
                                            ([10, 11, 12], "F"), ([7, 8, 9], None), (None, None)])]
    d = {
        "format": "xadesk-instrument/1", "id": "synthetic", "version": 1,
        "name": _lbl("合成量表（基准测试）", "Synthetic instrument (benchmark)"),
        "population": {"grade_min": 7, "grade_max": 12, "report": "self"},
        "instructions": _lbl("仅用于测试。", "For tests only."),
        "source": {"citation": "synthetic"}, "licence": _lbl("无", "none"),
        "item_text_allowed": False,
        "option_sets": {"five": [{"value": v, "label": _lbl(str(v), str(v))} for v in range(1, 6)]},
        "items": items, "reverse_keyed": reverse, "scales": scales, "indices": indices,
        "norms": [
            {"scale": "s1", "kind": "t", "source": "synthetic", "groups": groups_t},
            {"scale": "s2", "kind": "percentile", "source": "synthetic",
             "groups": [{"table": [[1, 1], [2, 10], [2.5, 30], [3, 50], [3.5, 75], [4, 90], [4.5, 99]]}]},
        ],
        "rules": [
            {"id": "critical", "kind": "safety", "when": {"item": "q5", "ge": 4}, "label": _lbl("关键题", "Critical item")},
            {"id": "high_any", "kind": "screen",
             "when": {"any": [{"scale": "s1", "gt": 4 * per}, {"scale": "positive", "gt": n_items // 2}]},
             "label": _lbl("筛查阳性", "Positive screen")},
        ],
        "validity": [
            {"id": "lie", "kind": "lie_scale", "scale": lie["id"], "ge": 4 * len(lie["items"]) * lie.get("factor", 1),
             "label": _lbl("掩饰", "Lie scale")},
            {"id": "straight", "kind": "straight_lining", "items": [f"q{i}" for i in range(1, 13)], "min_answered": 11,
             "label": _lbl("一致作答", "Straight-lining")},
            {"id": "too_fast", "kind": "too_fast", "min_seconds_per_item": 2, "label": _lbl("过快", "Too fast")},
            {"id": "pairs", "kind": "inconsistent_pairs", "max_inconsistent": 1,
             "pairs": [{"a": "q1", "b": "q2", "relation": "same", "tolerance": 2},
                       {"a": "q4", "b": "q6", "relation": "opposite", "tolerance": 2},
                       {"a": "q7", "b": "q8", "relation": "same", "tolerance": 1}],
             "label": _lbl("前后矛盾", "Inconsistent pairs")},
        ],
    }
    return definition_from_dict(d, "synthetic")


def synthetic_answers(defn: Definition, n: int, *, missing: float = 0.02, seed: int = 0):
    """Answers (n × items, NaN blanks at rate ``missing``), seconds, grades and sexes; deterministic."""
    rng = np.random.default_rng(seed)
    trait = rng.normal(0, 1, size=(n, 1))
    noise = rng.normal(0, 1, size=(n, defn.n_items))
    x = np.clip(np.rint(3 + trait + noise), 1, 5)
    x[rng.random(x.shape) < missing] = np.nan
    seconds = rng.uniform(60, 900, size=n)
    grades = rng.integers(6, 13, size=n)
    sexes = rng.choice(np.array(["M", "F", ""], dtype=object), size=n)
    return x, seconds, grades, sexes
