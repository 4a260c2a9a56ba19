"""A straightforward per-respondent implementation of the rules in ``engine.py``, in plain Python.

It exists to be obviously right: the tests hold the vectorised engine equal to it on random data, and
the benchmark measures how much faster the engine is. It returns the same dictionary as
:meth:`ScoreResult.per_respondent`.
"""

from __future__ import annotations

import math

from ..instruments.definition import Definition
from . import rules as R
from .engine import norm_group_order


def score_one(defn: Definition, answers: list[float | None], *, seconds: float | list[float] | None = None,
              grade: int = 0, sex: str = "") -> dict:
    """Score one respondent. ``answers[j]`` is the printed value of item j+1 or None/NaN for a blank."""
    pos = {it.id: j for j, it in enumerate(defn.items)}
    x: list[float | None] = [None if a is None or (isinstance(a, float) and math.isnan(a)) else float(a)
                             for a in answers]
    flags: list[str] = []

    # conditional items that were not asked are dropped, answered or not
    unasked = False
    critical = set(defn.critical_items)
    for j, it in enumerate(defn.items):
        if j in critical:
            continue        # a critical answer counts wherever it was written
        if it.show_if is not None and not _cond(it.show_if, defn, x, {}, pos):
            if x[j] is not None:
                unasked = True
            x[j] = None
    n_answered = sum(v is not None for v in x)
    has_any = n_answered > 0

    reverse = set(defn.reverse_keyed)
    y: list[float | None] = []
    for j, it in enumerate(defn.items):
        v = x[j]
        if v is None:
            y.append(None)
        elif it.correct is not None:
            y.append(1.0 if v == it.correct else 0.0)
        elif it.id in reverse:
            y.append(it.min_value + it.max_value - v)
        else:
            y.append(v)

    raws: dict[str, float | None] = {}
    scales_out: dict[str, dict] = {}
    any_invalid = not has_any
    for s in defn.scales:
        raw, code, nb = _scale(s, y, pos, raws) if has_any else (None, R.NO_ANSWERS, _blanks(s, y, pos, raws))
        raws[s.id] = raw
        if code in R.INVALID_CODES:
            any_invalid = True
        rule = R.rule_text(code, nb, method=s.method, max_blank=s.missing.max_blank if s.missing else None,
                           threshold=s.threshold, components=s.components)
        scales_out[s.id] = {"raw": raw, "t": None, "percentile": None, "band": None, "band_label": None,
                            "rule": rule, "n_blank": nb}

    for norm in defn.norms:
        raw = raws[norm.scale]
        group = None
        for k in norm_group_order(norm):
            g = norm.groups[k]
            if (g.grades is None or grade in g.grades) and (g.sex is None or sex == g.sex):
                group = g
                break
        if group is None or raw is None:
            continue
        if norm.kind == "t":
            scales_out[norm.scale]["t"] = 50.0 + 10.0 * (raw - group.mean) / group.sd
        else:
            pct = None
            for low, p in group.table:
                if low <= raw:
                    pct = p
            scales_out[norm.scale]["percentile"] = pct

    for s in defn.scales:
        band = None
        if not has_any:
            pass
        elif s.bands:
            raw = raws[s.id]
            if raw is not None:
                for b in s.bands:
                    if raw >= b.min:
                        band = b
                if band is not None and s.bands[-1].max is not None and raw > s.bands[-1].max + 1e-9:
                    band = None
        elif s.band_rules:
            for b in s.band_rules:
                if _cond(b.when, defn, x, raws, pos):
                    band = b
                    break
        if band is not None:
            scales_out[s.id]["band"] = band.id
            scales_out[s.id]["band_label"] = band.label_zh

    if has_any:
        for rule in defn.rules:
            if _cond(rule.when, defn, x, raws, pos):
                flags.append(f"{rule.kind}:{rule.id}")
        for v in defn.validity:
            if _validity(v, defn, x, raws, pos, n_answered, seconds):
                flags.append(f"validity:{v.id}")
                if v.invalidates:
                    any_invalid = True
    else:
        flags += [f"{rule.kind}:{rule.id}" for rule in defn.rules if rule.on_refusal]
    if unasked:
        flags.insert(0, "info:answered_not_asked")
    if not has_any:
        flags.append("no_answers")
    return {"definition": {"id": defn.id, "version": defn.version}, "valid": not any_invalid,
            "scales": {k: {**v, "raw": _num(v["raw"]), "t": _num(v["t"]), "percentile": _num(v["percentile"])}
                       for k, v in scales_out.items()},
            "flags": flags}


def _num(x):
    if x is None:
        return None
    return int(x) if float(x).is_integer() else float(x)


def _blanks(s, y, pos, raws) -> int:
    if s.from_scales:
        return sum(raws[c] is None for c in s.components)
    return sum(y[pos[i]] is None for i in s.items)


def _scale(s, y, pos, raws) -> tuple[float | None, int, int]:
    if s.from_scales:
        parts = [raws[c] for c in s.components]
        bad = sum(p is None for p in parts)
        if bad:
            return None, R.INVALID_COMPONENT, bad
        total = parts[0]
        for p in parts[1:]:
            total = total + p
        if s.method == "mean":
            total = total / len(parts)
        return total * s.factor if s.factor != 1.0 else total, R.FROM_SCALES, 0
    values = [y[pos[i]] for i in s.items]
    got = [v for v in values if v is not None]
    n, nb = len(values), len(values) - len(got)
    if nb > s.missing.max_blank:
        return None, R.INVALID_MISSING, nb
    code = R.COMPLETE if nb == 0 else R.PRORATED
    if s.method == "sum":
        raw = _prorated(float(sum(got)), len(got), n, s.missing.round)
        return (raw * s.factor if s.factor != 1.0 else raw), code, nb
    if s.method == "mean":
        return float(sum(got)) / len(got), code, nb
    hits = [v for v in got if v >= s.threshold]
    if s.method == "count_ge":
        return _prorated(float(len(hits)), len(got), n, s.missing.round), code, nb
    if not hits:
        return None, R.UNDEFINED, nb
    return float(sum(hits)) / len(hits), code, nb


def _prorated(total: float, answered: int, n: int, round_half_up: bool) -> float:
    if answered == n:
        return total
    pro = total / answered * n
    return float(math.floor(pro + 0.5)) if round_half_up else pro


_OPS = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "ge": lambda a, b: a >= b,
        "gt": lambda a, b: a > b, "le": lambda a, b: a <= b, "lt": lambda a, b: a < b}


def holds(cond: dict, defn: Definition, answers: list[float | None]) -> bool:
    """Whether a condition on items holds for one respondent's raw answers (``None`` = blank)."""
    return bool(_cond(cond, defn, list(answers), {}, {it.id: j for j, it in enumerate(defn.items)}))


def _cond(c: dict, defn: Definition, x: list, raws: dict, pos: dict) -> bool:
    if "any" in c:
        return any(_cond(s, defn, x, raws, pos) for s in c["any"])
    if "all" in c:
        return all(_cond(s, defn, x, raws, pos) for s in c["all"])
    if "not" in c:
        return not _cond(c["not"], defn, x, raws, pos)
    op = next((k for k in _OPS if k in c), None)
    if "count" in c:
        return _OPS[op](sum(_cond(s, defn, x, raws, pos) for s in c["count"]), c[op])
    if "blank" in c:
        it = defn.items[pos[c["blank"]]]
        asked = it.show_if is None or _cond(it.show_if, defn, x, raws, pos)
        return x[pos[c["blank"]]] is None and asked
    value = x[pos[c["item"]]] if "item" in c else raws.get(c["scale"])
    return value is not None and _OPS[op](value, c[op])


def _validity(v, defn, x, raws, pos, n_answered, seconds) -> bool:
    p = v.params
    if v.kind == "lie_scale":
        raw = raws[p["scale"]]
        return raw is not None and raw >= p["ge"]
    if v.kind == "straight_lining":
        vals = [x[pos[i]] for i in p["items"] if x[pos[i]] is not None]
        if len(vals) < p["min_answered"] or len(set(vals)) != 1:
            return False
        if p["extreme_only"]:
            it = defn.items[pos[p["items"][0]]]
            return vals[0] in (it.min_value, it.max_value)
        return True
    if v.kind == "too_fast":
        if seconds is None:
            return False
        if isinstance(seconds, list | tuple):
            known = [s for s in seconds if s is not None and not math.isnan(s)]
            total = sum(known) if known else None
        else:
            total = None if math.isnan(seconds) else float(seconds)
        return total is not None and n_answered > 0 and total / n_answered < p["min_seconds_per_item"]
    bad = 0
    for pr in p["pairs"]:
        a, b = x[pos[pr["a"]]], x[pos[pr["b"]]]
        if a is None or b is None:
            continue
        if pr["relation"] == "opposite":
            it = defn.items[pos[pr["b"]]]
            b = it.min_value + it.max_value - b
        if abs(a - b) > pr.get("tolerance", 0):
            bad += 1
    return bad > p["max_inconsistent"]
