"""The sliced ``xadesk score`` writer gives the same text as dumping one dict per respondent did."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from xadesk.instruments import builtin_ids, load_builtin
from xadesk.scoring import score
from xadesk.scoring.output import ScoreWriter
from xadesk.scoring.synthetic import synthetic_answers, synthetic_definition


def _round(x, places):
    if x is None:
        return None
    r = round(x, places)
    return int(r) if float(r).is_integer() else r


def _row(rid, result, i, explain):
    """The per-respondent shape README documents, built the slow way."""
    data = result.per_respondent(i)
    scales = {}
    for sid, s in data["scales"].items():
        entry = {"raw": _round(s["raw"], 4), "t": _round(s["t"], 2), "band": s["band"]}
        if s["percentile"] is not None:
            entry["percentile"] = _round(s["percentile"], 2)
        if explain:
            entry["rule"] = s["rule"]
        scales[sid] = entry
    out = {"id": rid, "valid": data["valid"], "scales": scales, "flags": data["flags"]}
    if explain:
        out["definition"] = data["definition"]
    return out


def _random_answers(defn, n, seed):
    rng = np.random.default_rng(seed)
    x = np.empty((n, defn.n_items))
    for j, it in enumerate(defn.items):
        x[:, j] = rng.choice(np.array(it.values), size=n)
    x[rng.random(x.shape) < 0.08] = np.nan
    x[: max(1, n // 10)] = np.nan        # some respondents answered nothing
    return x


def _write(defn, ids, x, fmt, explain, slices, **kw):
    buf = io.StringIO()
    w = ScoreWriter(defn, fmt, buf, explain=explain)
    w.begin()
    for a in range(0, len(ids), slices):
        b = a + slices
        w.write(ids[a:b], score(defn, x[a:b], **{k: (None if v is None else v[a:b]) for k, v in kw.items()}))
    w.end()
    return buf.getvalue()


@pytest.mark.parametrize("iid", builtin_ids())
@pytest.mark.parametrize("explain", [False, True])
def test_json_text_equals_json_dumps_of_each_row(iid, explain):
    defn = load_builtin(iid)
    x = _random_answers(defn, 120, seed=len(iid))
    ids = [f"s{i}" if i % 7 else f"学生\"{i}\"" for i in range(len(x))]
    text = _write(defn, ids, x, "json", explain, slices=50)
    result = score(defn, x)
    assert text == json.dumps([_row(ids[i], result, i, explain) for i in range(len(ids))],
                              ensure_ascii=False, indent=2) + "\n"


def test_norms_percentiles_and_many_flags_match():
    defn = synthetic_definition(40)
    x, seconds, grades, sexes = synthetic_answers(defn, 300)
    ids = [f"r{i}" for i in range(300)]
    kw = {"seconds": seconds, "grades": grades, "sexes": sexes}
    text = _write(defn, ids, x, "json", True, slices=64, **kw)
    result = score(defn, x, **kw)
    assert json.loads(text) == [_row(ids[i], result, i, True) for i in range(300)]
    table = list(csv.DictReader(io.StringIO(_write(defn, ids, x, "csv", False, slices=64, **kw))))
    for i in (0, 17, 299):
        row = _row(ids[i], result, i, False)
        assert table[i]["flags"] == ";".join(row["flags"])
        for sid, s in row["scales"].items():
            assert table[i][f"{sid}_raw"] == ("" if s["raw"] is None else str(s["raw"]))
            assert table[i][f"{sid}_band"] == (s["band"] or "")
            if f"{sid}_t" in table[i]:
                assert table[i][f"{sid}_t"] == ("" if s["t"] is None else str(s["t"]))


def test_empty_input_is_an_empty_array():
    defn = load_builtin("phq9")
    assert json.loads(_write(defn, [], np.zeros((0, defn.n_items)), "json", False, slices=10)) == []
    assert _write(defn, [], np.zeros((0, defn.n_items)), "csv", False, slices=10).count("\n") == 1
