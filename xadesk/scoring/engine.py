"""The vectorised scoring engine: a respondents × items array in, every scale, band, norm and flag out.

Rules, in the order they are applied (the reference implementation in ``reference.py`` follows the
same list one respondent at a time, and the tests hold the two equal):

1. Answers are the option values printed on the form; NaN is a blank. A value that is not an option
   of its item is refused (``ValidationFailed``), never guessed.
2. A conditional item (``show_if``) that was not asked is ignored even if answered (flag
   ``info:answered_not_asked``); it is not a blank either. A critical item
   (``Definition.critical_items``) is the exception: its answer counts wherever it was written.
3. Reverse-keyed items are scored ``min + max − value`` of their options; knowledge items score 1 when
   the answer is the correct option, 0 otherwise (a blank stays blank).
4. A scale from items: with ``b`` blanks and rule ``max_blank``/``prorate``:
   b == 0 → complete; 0 < b ≤ max_blank → ``sum`` is prorated (sum of answered × n / answered, rounded
   half up when ``round``), ``mean`` is the mean of the answered; b > max_blank → no score (NaN).
   A blank is never a 0. ``sum`` is multiplied by ``factor`` after prorating and rounding.
   ``count_ge`` counts items scored ≥ threshold (prorated like a sum); ``mean_ge`` is the mean of the
   items scored ≥ threshold (undefined when there is none).
5. A total built from scales (``scales: [...]``) is their sum or mean; no score if any has none.
6. Norms: the most specific group matching the respondent's grade and sex (grade+sex, grade, sex,
   any); T = 50 + 10 (raw − mean) / sd; a percentile is the row with the largest raw ≤ score.
7. Bands: a band runs from its ``min`` up to the next band's ``min``; ``band_rules`` take the first
   rule whose condition holds (evaluated even when the scale has no score, e.g. ASQ refusals).
8. Rules (``safety`` and ``screen``) are evaluated for every respondent who answered anything,
   whatever the scale scores; safety rules cannot be switched off. A safety rule marked
   ``on_refusal`` also holds for a respondent who answered nothing at all (NIMH ASQ pathway).
9. Validity checks: lie scale ≥ threshold; the same answer to every item of a set mixing reverse-keyed
   and plain items; fewer seconds per answered item than the minimum; more inconsistent item pairs
   than allowed. ``valid`` = answered something, every scale scored, no invalidating check fired.
10. A respondent with no answer at all gets no scores and only the flag ``no_answers``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import UserError, ValidationFailed
from ..instruments.definition import Definition, Scale
from . import rules as R
from .result import ScaleScores, ScoreResult

_CMP = {"eq": np.equal, "ne": np.not_equal, "ge": np.greater_equal, "gt": np.greater,
        "le": np.less_equal, "lt": np.less}


def score(defn: Definition, answers: np.ndarray, *, seconds: np.ndarray | None = None,
          grades: Sequence[int] | np.ndarray | None = None, sexes: Sequence[str] | np.ndarray | None = None,
          check_values: bool = True) -> ScoreResult:
    """Score every respondent (row) of ``answers`` (float, NaN = blank; one column per item in order).

    ``seconds``: completion time per respondent (1-D) or per item (2-D, summed), NaN unknown; enables
    the too-fast check. ``grades`` (1–12, 0 unknown) and ``sexes`` ("M"/"F"/"") choose norm groups.
    """
    X = np.asarray(answers, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != defn.n_items:
        raise UserError(f"作答数据应有 {defn.n_items} 列（每题一列），实际为 {X.shape}。",
                        f"Answers need {defn.n_items} columns (one per item); got shape {X.shape}.")
    n = X.shape[0]
    if check_values:
        _check_values(defn, X)
    flags: dict[str, np.ndarray] = {}

    X, unasked = _mask_unasked(defn, X)
    if unasked is not None:
        flags["info:answered_not_asked"] = unasked
    answered = ~np.isnan(X)
    n_answered = answered.sum(axis=1)
    has_any = n_answered > 0

    y = _item_scores(defn, X)
    np.copyto(y, 0.0, where=np.isnan(y))   # blanks are tracked in ``answered`` from here on
    ctx_scales: dict[str, np.ndarray] = {}
    out: dict[str, ScaleScores] = {}
    raw_all, rule_all, blank_all = _item_scales(defn, y, answered)
    for s in defn.scales:
        if s.from_scales:
            raw, rule, nb = _combine(s, ctx_scales, out)
        else:
            raw, rule, nb = raw_all[s.id], rule_all[s.id], blank_all[s.id]
        raw = np.where(has_any, raw, np.nan)
        rule = np.where(has_any, rule, R.NO_ANSWERS).astype(np.int8)
        ctx_scales[s.id] = raw
        out[s.id] = ScaleScores(raw=raw, t=np.full(n, np.nan), percentile=np.full(n, np.nan),
                                band=np.full(n, -1, dtype=np.int16), rule=rule, n_blank=nb.astype(np.int16),
                                norm_group=np.full(n, -1, dtype=np.int16))

    _apply_norms(defn, out, n, grades, sexes)
    ctx = _Ctx(defn, X, answered, ctx_scales)
    for s in defn.scales:
        out[s.id].band = _bands(s, out[s.id].raw, ctx, has_any)

    for rule in defn.rules:
        flags[f"{rule.kind}:{rule.id}"] = (ctx.eval(rule.when) & has_any) | (~has_any if rule.on_refusal else False)
    invalid = np.zeros(n, dtype=bool)
    checked: dict[str, bool] = {}
    for v in defn.validity:
        hit, ran = _validity(v, defn, X, answered, n_answered, ctx, seconds)
        checked[v.id] = ran
        hit &= has_any
        flags[f"validity:{v.id}"] = hit
        if v.invalidates:
            invalid |= hit
    flags["no_answers"] = ~has_any
    for sc in out.values():
        invalid |= np.isin(sc.rule, R.INVALID_CODES)
    return ScoreResult(definition=defn, scales=out, flags=flags, valid=has_any & ~invalid,
                       n_answered=n_answered, checked=checked)


# --- input --------------------------------------------------------------------------------------

def _check_values(defn: Definition, X: np.ndarray) -> None:
    groups: dict[tuple, list[int]] = {}
    for j, it in enumerate(defn.items):
        groups.setdefault(tuple(sorted(it.values)), []).append(j)
    bad = np.zeros(X.shape, dtype=bool)
    step = 16_384   # row chunks keep the temporaries small (a few MB) whatever the group size
    for values, cols in groups.items():
        whole = cols == list(range(X.shape[1]))
        vals = np.array(values)
        lo, hi = vals[0], vals[-1]
        consecutive = bool(np.all(vals == np.arange(lo, hi + 1)))
        for r0 in range(0, X.shape[0], step):
            sub = X[r0:r0 + step] if whole else X[r0:r0 + step, cols]
            if consecutive:     # whole numbers lo…hi: a range check and an integer check are enough
                ok = np.isnan(sub) | ((sub >= lo) & (sub <= hi) & (sub == np.floor(sub)))
            else:
                ok = np.isnan(sub) | np.isin(sub, vals)
            if not ok.all():
                if whole:
                    bad[r0:r0 + step] = ~ok
                else:
                    bad[r0:r0 + step, cols] = ~ok
    if bad.any():
        rows, cols = np.nonzero(bad)
        details = [f"第{r + 1}行，第{c + 1}题：{X[r, c]:g} 不是选项分值 / row {r + 1}, item {c + 1}: "
                   f"{X[r, c]:g} is not an option value" for r, c in zip(rows[:20], cols[:20], strict=True)]
        raise ValidationFailed(f"有 {len(rows)} 个作答不是该题的选项，未计分。",
                               f"{len(rows)} answer(s) are not option values; nothing was scored.", details=details)


def _mask_unasked(defn: Definition, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    critical = set(defn.critical_items)
    cond_items = [(j, it) for j, it in enumerate(defn.items) if it.show_if is not None and j not in critical]
    if not cond_items:
        return X, None
    X = X.copy()
    ctx = _Ctx(defn, X, ~np.isnan(X), {})
    unasked = np.zeros(X.shape[0], dtype=bool)
    for j, it in cond_items:
        shown = ctx.eval(it.show_if)
        extra = ~shown & ~np.isnan(X[:, j])
        unasked |= extra
        X[~shown, j] = np.nan
    return X, unasked


def _item_scores(defn: Definition, X: np.ndarray) -> np.ndarray:
    """Reverse keys and knowledge keys applied; blanks stay NaN."""
    m = defn.n_items
    sign = np.ones(m)
    offset = np.zeros(m)
    rev = set(defn.reverse_keyed)
    for j, it in enumerate(defn.items):
        if it.id in rev:
            sign[j], offset[j] = -1.0, it.min_value + it.max_value
    y = np.multiply(X, sign)
    y += offset
    for j, it in enumerate(defn.items):
        if it.correct is not None:
            col = X[:, j]
            y[:, j] = np.where(np.isnan(col), np.nan, (col == it.correct).astype(np.float64))
    return y


# --- scales -------------------------------------------------------------------------------------

def _item_scales(defn: Definition, y: np.ndarray, answered: np.ndarray):
    """All item-based scales with two matrix products (plus one per count/mean threshold)."""
    item_scales = [s for s in defn.scales if not s.from_scales]
    m = defn.n_items
    pos = {it.id: j for j, it in enumerate(defn.items)}
    W = np.zeros((m, len(item_scales)))
    for k, s in enumerate(item_scales):
        W[[pos[i] for i in s.items], k] = 1.0
    counts = answered.astype(np.float32) @ W.astype(np.float32)     # answered items per scale (exact)
    sums = y @ W
    by_thr: dict[float, list[int]] = {}
    for k, s in enumerate(item_scales):
        if s.method in ("count_ge", "mean_ge"):
            by_thr.setdefault(s.threshold, []).append(k)
    thr_counts, thr_sums = {}, {}
    for thr, ks in by_thr.items():
        hit = (y >= thr) & answered
        Wk = W[:, ks]
        thr_counts[thr] = dict(zip(ks, (hit.astype(np.float32) @ Wk.astype(np.float32)).T, strict=True))
        if any(item_scales[k].method == "mean_ge" for k in ks):
            thr_sums[thr] = dict(zip(ks, (np.where(hit, y, 0.0) @ Wk).T, strict=True))

    raw_all, rule_all, blank_all = {}, {}, {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for k, s in enumerate(item_scales):
            n_items = len(s.items)
            c = counts[:, k].astype(np.float64)
            nb = n_items - c
            mr = s.missing
            ok = nb <= mr.max_blank
            if s.method == "sum":
                raw = _prorate(sums[:, k], c, n_items, mr.round)
                raw = raw * s.factor if s.factor != 1.0 else raw
            elif s.method == "mean":
                raw = sums[:, k] / c
            elif s.method == "count_ge":
                raw = _prorate(thr_counts[s.threshold][k].astype(np.float64), c, n_items, mr.round)
            else:  # mean_ge
                hits = thr_counts[s.threshold][k].astype(np.float64)
                raw = thr_sums[s.threshold][k] / hits
            rule = np.where(nb == 0, R.COMPLETE, R.PRORATED)
            if s.method == "mean_ge":
                rule = np.where(hits == 0, R.UNDEFINED, rule)
                raw = np.where(hits == 0, np.nan, raw)
            rule = np.where(ok, rule, R.INVALID_MISSING)
            raw_all[s.id] = np.where(ok, raw, np.nan)
            rule_all[s.id] = rule
            blank_all[s.id] = nb
    return raw_all, rule_all, blank_all


def _prorate(total: np.ndarray, answered: np.ndarray, n_items: int, round_half_up: bool) -> np.ndarray:
    full = answered == n_items
    pro = total / answered * n_items
    if round_half_up:
        pro = np.floor(pro + 0.5)
    return np.where(full, total, pro)


def _combine(s: Scale, raws: dict[str, np.ndarray], out: dict[str, ScaleScores]):
    parts = [raws[c] for c in s.components]
    total = parts[0].copy()
    for p in parts[1:]:
        total = total + p
    if s.method == "mean":
        total = total / len(parts)
    if s.factor != 1.0:
        total = total * s.factor
    n_bad = sum(np.isnan(p).astype(np.int16) for p in parts)
    rule = np.where(n_bad > 0, R.INVALID_COMPONENT, R.FROM_SCALES)
    return total, rule, n_bad


# --- norms and bands ----------------------------------------------------------------------------

def norm_group_order(norm) -> list[int]:
    """Groups from most to least specific (grade and sex, grade, sex, any); definition order within."""
    def rank(g) -> int:
        return (0 if g.grades is not None else 2) + (0 if g.sex is not None else 1)
    return sorted(range(len(norm.groups)), key=lambda k: (rank(norm.groups[k]), k))


def _apply_norms(defn: Definition, out: dict[str, ScaleScores], n: int, grades, sexes) -> None:
    if not defn.norms:
        return
    g_arr = np.zeros(n, dtype=np.int64) if grades is None else np.asarray(grades, dtype=np.int64)
    s_arr = np.full(n, "", dtype=object) if sexes is None else np.asarray(sexes, dtype=object)
    for norm in defn.norms:
        sc = out[norm.scale]
        group = np.full(n, -1, dtype=np.int16)
        for k in norm_group_order(norm):
            g = norm.groups[k]
            match = group < 0
            if g.grades is not None:
                match &= np.isin(g_arr, g.grades)
            if g.sex is not None:
                match &= s_arr == g.sex
            group[match] = k
        sc.norm_group = group
        target = sc.t if norm.kind == "t" else sc.percentile
        for k, g in enumerate(norm.groups):
            sel = group == k
            if not sel.any():
                continue
            raw = sc.raw[sel]
            if norm.kind == "t":
                target[sel] = 50.0 + 10.0 * (raw - g.mean) / g.sd
            else:
                lows = np.array([r for r, _ in g.table])
                pcts = np.array([p for _, p in g.table])
                idx = np.searchsorted(lows, raw, side="right") - 1
                val = pcts[np.clip(idx, 0, None)]
                target[sel] = np.where((idx >= 0) & ~np.isnan(raw), val, np.nan)


def _bands(s: Scale, raw: np.ndarray, ctx: _Ctx, has_any: np.ndarray) -> np.ndarray:
    n = raw.shape[0]
    band = np.full(n, -1, dtype=np.int16)
    if s.bands:
        lows = np.array([b.min for b in s.bands])
        idx = np.searchsorted(lows, raw, side="right") - 1
        ok = (idx >= 0) & ~np.isnan(raw)
        top = s.bands[-1].max
        if top is not None:
            ok &= raw <= top + 1e-9
        band[ok] = idx[ok]
    elif s.band_rules:
        for k in range(len(s.band_rules) - 1, -1, -1):   # the first matching rule wins
            band[ctx.eval(s.band_rules[k].when)] = k
        band[~has_any] = -1
    return band


# --- conditions and validity --------------------------------------------------------------------

class _Ctx:
    """Evaluates definition conditions over all respondents at once (NaN compares false)."""

    def __init__(self, defn: Definition, X: np.ndarray, answered: np.ndarray, scales: dict[str, np.ndarray]):
        self.defn, self.X, self.answered, self.scales = defn, X, answered, scales
        self.pos = {it.id: j for j, it in enumerate(defn.items)}

    def eval(self, c: dict) -> np.ndarray:
        n = self.X.shape[0]
        if "any" in c:
            acc = np.zeros(n, dtype=bool)
            for sub in c["any"]:
                acc |= self.eval(sub)
            return acc
        if "all" in c:
            acc = np.ones(n, dtype=bool)
            for sub in c["all"]:
                acc &= self.eval(sub)
            return acc
        if "not" in c:
            return ~self.eval(c["not"])
        op = next((k for k in _CMP if k in c), None)
        if "count" in c:
            total = np.zeros(n, dtype=np.int64)
            for sub in c["count"]:
                total += self.eval(sub)
            return _CMP[op](total, c[op])
        if "blank" in c:
            return np.isnan(self.X[:, self.pos[c["blank"]]]) & self._asked(c["blank"])
        values = self.X[:, self.pos[c["item"]]] if "item" in c else self.scales[c["scale"]]
        with np.errstate(invalid="ignore"):
            return _CMP[op](values, c[op]) & ~np.isnan(values)

    def _asked(self, item_id: str) -> np.ndarray:
        it = self.defn.items[self.pos[item_id]]
        if it.show_if is None:
            return np.ones(self.X.shape[0], dtype=bool)
        return self.eval(it.show_if)


def _validity(v, defn: Definition, X, answered, n_answered, ctx: _Ctx, seconds) -> tuple[np.ndarray, bool]:
    n = X.shape[0]
    pos = ctx.pos
    p = v.params
    if v.kind == "lie_scale":
        raw = ctx.scales[p["scale"]]
        with np.errstate(invalid="ignore"):
            return (raw >= p["ge"]) & ~np.isnan(raw), True
    if v.kind == "straight_lining":
        cols = [pos[i] for i in p["items"]]
        sub = X[:, cols]
        cnt = answered[:, cols].sum(axis=1)
        lo = np.fmin.reduce(sub, axis=1)
        hi = np.fmax.reduce(sub, axis=1)
        hit = (cnt >= p["min_answered"]) & (lo == hi)
        if p["extreme_only"]:
            it = defn.items[cols[0]]
            hit &= (lo == it.min_value) | (lo == it.max_value)
        return hit, True
    if v.kind == "too_fast":
        if seconds is None:
            return np.zeros(n, dtype=bool), False
        sec = np.asarray(seconds, dtype=np.float64)
        total = np.nansum(sec, axis=1) if sec.ndim == 2 else sec
        if sec.ndim == 2:
            total = np.where(np.isnan(sec).all(axis=1), np.nan, total)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_item = total / n_answered
        return (per_item < p["min_seconds_per_item"]) & ~np.isnan(per_item) & (n_answered > 0), True
    # inconsistent_pairs
    bad = np.zeros(n, dtype=np.int64)
    for pr in p["pairs"]:
        a = X[:, pos[pr["a"]]]
        b = X[:, pos[pr["b"]]]
        if pr["relation"] == "opposite":
            it = defn.items[pos[pr["b"]]]
            b = it.min_value + it.max_value - b
        with np.errstate(invalid="ignore"):
            bad += (np.abs(a - b) > pr.get("tolerance", 0)) & ~np.isnan(a) & ~np.isnan(b)
    return bad > p["max_inconsistent"], True
