"""Scoring: the vectorised engine, its result object and a per-respondent reference implementation.

Public API::

    score(definition, answers, *, seconds=None, grades=None, sexes=None) -> ScoreResult
    ScoreResult.per_respondent(i) -> dict   # {"definition", "valid", "scales": {id: {...}}, "flags"}
    score_one(definition, answers_row, ...) -> dict   # the plain-Python reference, same dict
    ScoreWriter (output.py)                 # `xadesk score` CSV / JSON, written a slice at a time

Answer files are read by :mod:`xadesk.answers` (one reader for `xadesk score` and `campaign import`).
"""

from .engine import score
from .reference import score_one
from .result import ScaleScores, ScoreResult

__all__ = ["ScaleScores", "ScoreResult", "score", "score_one"]
