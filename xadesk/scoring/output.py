"""``xadesk score`` output, written a slice of respondents at a time, whatever the file's size.

Two formats, both stable (README "JSON shapes"):

- CSV: ``id, valid``, then per scale ``<scale>_raw`` (``_t``, ``_percentile`` where a norm exists),
  ``<scale>_band`` (and ``<scale>_rule`` with ``--explain``), then ``flags`` joined by ``;``.
- JSON: one array, one object per respondent in input order, laid out exactly as
  ``json.dumps(rows, ensure_ascii=False, indent=2)`` lays it out.

Why not build a dict per respondent and dump it: for 100,000 respondents that is millions of small
objects and the pure-Python encoder that ``indent`` forces, i.e. most of the run's time and memory.
Instead each column is formatted once per *distinct* value (a scale has a few hundred different raw
scores at most) and the texts are taken by index; numbers are rounded by the same Python ``round``
as before (raw 4 places, T and percentile 2), so the output is the same text as the per-respondent
path gave.
"""

from __future__ import annotations

import csv
import math
from json.encoder import encode_basestring
from typing import TextIO

import numpy as np

from ..instruments.definition import Definition
from ..sheets import csv_cell
from .result import ScoreResult
from .rules import rule_text


def _round(x: float, places: int) -> int | float | None:
    if math.isnan(x):
        return None
    r = round(x, places)
    return int(r) if float(r).is_integer() and abs(r) < 2**53 else r


def _csv_num(v) -> str:
    return "" if v is None else str(v)


def _json_num(v) -> str:
    return "null" if v is None else repr(v) if isinstance(v, float) else str(v)


class ScoreWriter:
    """``begin()``, then ``write(ids, result)`` per slice, then ``end()``; text goes to ``out``."""

    def __init__(self, defn: Definition, fmt: str, out: TextIO, *, explain: bool = False) -> None:
        self.defn, self.fmt, self.out, self.explain = defn, fmt, out, explain
        self.has_t = {n.scale for n in defn.norms if n.kind == "t"}
        self.has_p = {n.scale for n in defn.norms if n.kind == "percentile"}
        self._first = True
        self._csv = csv.writer(out, lineterminator="\n") if fmt == "csv" else None

    def begin(self) -> None:
        if self._csv is not None:
            head = ["id", "valid"]
            for sid in self.defn.scale_ids:
                head += [f"{sid}_raw"] + ([f"{sid}_t"] if sid in self.has_t else []) \
                    + ([f"{sid}_percentile"] if sid in self.has_p else [])
                head += [f"{sid}_band"] + ([f"{sid}_rule"] if self.explain else [])
            head.append("flags")
            self._csv.writerow(head)
        else:
            self.out.write("[")

    def end(self) -> None:
        if self._csv is None:
            self.out.write("\n]\n" if not self._first else "]\n")

    # --- one slice ---------------------------------------------------------------------------------
    def write(self, ids: list[str], result: ScoreResult) -> None:
        if result.n == 0:
            return
        if self._csv is not None:
            self._write_csv(ids, result)
        else:
            self._write_json(ids, result)
        self._first = False

    def _flags(self, result: ScoreResult, render) -> np.ndarray:
        names = list(result.flags)
        code = np.zeros(result.n, dtype=object if len(names) > 62 else np.int64)
        for k, name in enumerate(names):
            code = code + result.flags[name].astype(np.int64) * (1 << k)
        uniq, inv = np.unique(code, return_inverse=True)
        table = np.array([render([n for k, n in enumerate(names) if int(u) >> k & 1]) for u in uniq], dtype=object)
        return table[inv.reshape(-1)]

    def _write_csv(self, ids: list[str], result: ScoreResult) -> None:
        # One text per scale and distinct (raw, T, percentile, band, rule): a row is then a join of a
        # dozen ready pieces instead of thirty fields through the csv module.
        pieces = [self._scale_texts(sid, result, self._csv_piece) for sid in self.defn.scale_ids]
        flags = self._flags(result, lambda names: _csv_field(";".join(names)))
        valid = np.where(result.valid, "true", "false").tolist()
        # An id typed by a stranger must open in Excel as text, never as a formula (CSV injection).
        ids = [csv_cell(rid) for rid in ids]
        if any(ch in "".join(ids) for ch in ',"\n\r'):
            ids = [_csv_field(rid) for rid in ids]
        lines = [",".join((rid, ok, *scales, fl)) for rid, ok, fl, *scales
                 in zip(ids, valid, flags.tolist(), *(p.tolist() for p in pieces), strict=True)]
        self.out.write("\n".join(lines) + "\n")

    def _csv_piece(self, sid: str, raw, t, p, band, rule) -> str:
        fields = [_csv_num(raw)]
        if sid in self.has_t:
            fields.append(_csv_num(t))
        if sid in self.has_p:
            fields.append(_csv_num(p))
        fields.append(band or "")
        if self.explain:
            fields.append(_csv_field(rule))
        return ",".join(fields)

    def _write_json(self, ids: list[str], result: ScoreResult) -> None:
        pieces = [self._scale_texts(sid, result, self._json_piece) for sid in self.defn.scale_ids]
        flags = self._flags(result, _json_list)
        valid = np.where(result.valid, "true", "false").tolist()
        tail = ""
        if self.explain:
            tail = (',\n    "definition": {\n      "id": ' + encode_basestring(self.defn.id)
                    + ',\n      "version": ' + str(self.defn.version) + "\n    }")
        lines = []
        sep = "\n" if self._first else ",\n"
        for rid, ok, fl, *scales in zip(ids, valid, flags.tolist(), *(p.tolist() for p in pieces), strict=True):
            lines.append(f'{sep}  {{\n    "id": {encode_basestring(rid)},\n    "valid": {ok},\n    "scales": {{'
                         f'{",".join(scales)}\n    }},\n    "flags": {fl}{tail}\n  }}')
            sep = ",\n"
        self.out.write("".join(lines))

    def _json_piece(self, sid: str, raw, t, p, band, rule) -> str:
        """``"<sid>": {...}`` with its leading line break, as ``json.dumps(indent=2)`` writes it."""
        text = (f'\n      {encode_basestring(sid)}: {{\n        "raw": {_json_num(raw)},\n        "t": {_json_num(t)},'
                f'\n        "band": {"null" if band is None else encode_basestring(band)}')
        if p is not None:
            text += f',\n        "percentile": {_json_num(p)}'
        if self.explain:
            text += f',\n        "rule": {encode_basestring(rule)}'
        return text + "\n      }"

    def _scale_texts(self, sid: str, result: ScoreResult, render) -> np.ndarray:
        """``render(sid, raw, t, percentile, band id, rule text)`` per row, called once per distinct combination."""
        sc = result.scales[sid]
        n = result.n
        zero = np.zeros(n, dtype=np.int64)
        nan = np.array([np.nan])
        raw_u, raw_i = np.unique(sc.raw, return_inverse=True)
        t_u, t_i = np.unique(sc.t, return_inverse=True) if sid in self.has_t else (nan, zero)
        p_u, p_i = np.unique(sc.percentile, return_inverse=True) if sid in self.has_p else (nan, zero)
        band = sc.band.astype(np.int64) + 1
        rule_u, rule_i = (np.unique(sc.rule.astype(np.int64) * 100_000 + sc.n_blank, return_inverse=True)
                          if self.explain else (np.zeros(1, dtype=np.int64), zero))
        # One code per distinct combination; compacted whenever it could outgrow 64 bits.
        code = np.zeros(n, dtype=np.int64)
        span = 1
        for part, size in ((raw_i, raw_u.size), (t_i, t_u.size), (p_i, p_u.size), (band, int(band.max()) + 1),
                           (rule_i, rule_u.size)):
            if size <= 1:
                continue
            if span * size >= 2**62:
                uniq, code = np.unique(code, return_inverse=True)
                code, span = code.reshape(-1), uniq.size
            code = code * size + part.reshape(-1)
            span *= size
        if span <= _DENSE_SPAN:   # the usual case: a counting pass instead of a sort
            seen = np.flatnonzero(np.bincount(code, minlength=span))
            remap = np.zeros(span, dtype=np.int64)
            remap[seen] = np.arange(seen.size)
            inv = remap[code]
            first = np.zeros(seen.size, dtype=np.int64)
            first[inv[::-1]] = np.arange(n - 1, -1, -1)     # the first row holding each combination
        else:
            _, first, inv = np.unique(code, return_index=True, return_inverse=True)
            inv = inv.reshape(-1)
        rule_key = rule_u[rule_i.reshape(-1)]
        combos = np.stack([raw_i.reshape(-1)[first], t_i.reshape(-1)[first], p_i.reshape(-1)[first], band[first],
                           rule_key[first]])
        s = self.defn.scale(sid)
        labels = [None] + [b.id for b in (s.bands or s.band_rules)]
        missing = s.missing.max_blank if s.missing else None
        table = []
        for ri, ti, pi, bi, key in combos.T.tolist():
            rule = rule_text(key // 100_000, key % 100_000, method=s.method, max_blank=missing,
                             threshold=s.threshold, components=s.components) if self.explain else ""
            table.append(render(sid, _round(float(raw_u[ri]), 4), _round(float(t_u[ti]), 2),
                                _round(float(p_u[pi]), 2), labels[bi], rule))
        return np.array(table, dtype=object)[inv.reshape(-1)]


_DENSE_SPAN = 1 << 22   # combination codes below this are compacted by counting (a 32 MB table at most)


def _csv_field(text: str) -> str:
    """Quoted as the csv module quotes (minimal): only when the text holds a comma, quote or line break."""
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _json_list(names: list[str]) -> str:
    if not names:
        return "[]"
    return "[\n" + ",\n".join("      " + encode_basestring(n) for n in names) + "\n    ]"
