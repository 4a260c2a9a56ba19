"""What scoring returns: arrays for a whole group, and one respondent's scores as JSON-ready data."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..instruments.definition import Definition
from . import rules


@dataclass
class ScaleScores:
    """One scale for all respondents. ``raw`` is NaN when the missing rule gave no score."""

    raw: np.ndarray           # float64
    t: np.ndarray             # float64, NaN without a T norm (or no matching norm group)
    percentile: np.ndarray    # float64, NaN without a percentile norm
    band: np.ndarray          # int16 index into the scale's bands / band_rules, -1 none
    rule: np.ndarray          # int8, a code from ``xadesk.scoring.rules``
    n_blank: np.ndarray       # int16, blank items (or invalid components) of this scale
    norm_group: np.ndarray    # int16 index into the norm's groups, -1 none


@dataclass
class ScoreResult:
    definition: Definition
    scales: dict[str, ScaleScores]
    flags: dict[str, np.ndarray]      # "safety:<id>", "screen:<id>", "validity:<id>", "info:…", "no_answers"
    valid: np.ndarray                 # bool: answered, every scale scored, no validity check failed
    n_answered: np.ndarray            # int: items answered (after dropping answers to items not asked)
    checked: dict[str, bool] = field(default_factory=dict)  # validity checks that could be run

    @property
    def n(self) -> int:
        return int(self.valid.shape[0])

    @property
    def definition_id(self) -> str:
        return self.definition.id

    @property
    def definition_version(self) -> int:
        """Store this with every score: a later edit of the definition makes a new version."""
        return self.definition.version

    def flags_of(self, i: int) -> list[str]:
        return [name for name, arr in self.flags.items() if arr[i]]

    def band_of(self, scale_id: str, i: int) -> tuple[str, str, str] | None:
        """(band id, label zh, label en) or None."""
        s = self.definition.scale(scale_id)
        k = int(self.scales[scale_id].band[i])
        if k < 0:
            return None
        b = s.bands[k] if s.bands else s.band_rules[k]
        return b.id, b.label_zh, b.label_en

    def rule_of(self, scale_id: str, i: int, lang: str = "en") -> str:
        s = self.definition.scale(scale_id)
        sc = self.scales[scale_id]
        fn = rules.rule_text if lang == "en" else rules.rule_text_zh
        return fn(int(sc.rule[i]), int(sc.n_blank[i]), method=s.method,
                  max_blank=s.missing.max_blank if s.missing else None, threshold=s.threshold,
                  components=s.components)

    def per_respondent(self, i: int) -> dict:
        """One respondent as JSON data (numbers or None), the shape stored and shown everywhere."""
        out_scales = {}
        for sid, sc in self.scales.items():
            band = self.band_of(sid, i)
            out_scales[sid] = {
                "raw": _num(sc.raw[i]),
                "t": _num(sc.t[i]),
                "percentile": _num(sc.percentile[i]),
                "band": band[0] if band else None,
                "band_label": band[1] if band else None,
                "rule": self.rule_of(sid, i),
                "n_blank": int(sc.n_blank[i]),
            }
        return {
            "definition": {"id": self.definition.id, "version": self.definition.version},
            "valid": bool(self.valid[i]),
            "scales": out_scales,
            "flags": self.flags_of(i),
        }


def _num(x: float) -> float | int | None:
    x = float(x)
    if math.isnan(x):
        return None
    return int(x) if x.is_integer() and abs(x) < 2**53 else x
