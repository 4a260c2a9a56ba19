"""The in-memory form of an instrument definition (what the scoring engine and the screens read).

A definition is written as JSON (one file per instrument, see ``FORMAT.md`` in this folder) and turned
into these frozen objects only by :mod:`xadesk.instruments.schema`, which refuses anything invalid. The
original dictionary is kept so :meth:`Definition.to_dict` gives back exactly what was validated, for
storage next to every score computed with it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

FORMAT_ID = "xadesk-instrument/1"

# Scoring methods of a scale. ``sum`` takes an optional ``factor`` (sum × factor, e.g. DASS-21 × 2).
METHODS = ("sum", "mean", "count_ge", "mean_ge")
COMBINE_METHODS = ("sum", "mean")

# Who rates (issue 14): students answer for themselves; a homeroom teacher or a parent rates a student.
RATER_STUDENT, RATER_TEACHER, RATER_PARENT = "student", "teacher", "parent"
RATERS = (RATER_STUDENT, RATER_TEACHER, RATER_PARENT)
# ``population.report`` says the same thing in the older words.
REPORT_OF_RATER = {RATER_STUDENT: "self", RATER_TEACHER: "teacher", RATER_PARENT: "parent"}


@dataclass(frozen=True)
class Option:
    value: float
    code: str            # what the paper form prints and what a CSV cell holds
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class Item:
    id: str
    position: int        # 1-based, the "第N题" shown when text is not allowed
    text_zh: str | None
    text_en: str | None
    options: tuple[Option, ...]
    option_set: str
    correct: float | None = None     # knowledge items: the value of the right answer
    show_if: dict | None = None      # conditional items: asked only when this holds
    critical: bool = False           # marked "critical" in the file (see Definition.critical_items)

    @property
    def values(self) -> tuple[float, ...]:
        return tuple(o.value for o in self.options)

    @property
    def min_value(self) -> float:
        return min(self.values)

    @property
    def max_value(self) -> float:
        return max(self.values)

    def display_text(self, lang: str = "zh") -> str:
        text = self.text_en if lang == "en" and self.text_en else self.text_zh
        return text if text else (f"Item {self.position}" if lang == "en" else f"第{self.position}题")


@dataclass(frozen=True)
class Band:
    id: str
    label_zh: str
    label_en: str
    min: float
    max: float | None    # None: up to the highest possible score


@dataclass(frozen=True)
class BandRule:
    id: str
    label_zh: str
    label_en: str
    when: dict


@dataclass(frozen=True)
class MissingRule:
    max_blank: int
    prorate: bool
    round: bool          # prorated sums are rounded half up to a whole number (bands use whole numbers)
    source: str = ""


@dataclass(frozen=True)
class Scale:
    id: str
    name_zh: str
    name_en: str
    kind: str                       # "scale" or "index"
    method: str
    items: tuple[str, ...] = ()     # item ids (empty for a scale built from other scales)
    components: tuple[str, ...] = ()  # scale ids (a total built from scales)
    factor: float = 1.0
    threshold: float | None = None  # count_ge / mean_ge
    missing: MissingRule | None = None
    bands: tuple[Band, ...] = ()
    band_rules: tuple[BandRule, ...] = ()
    bands_source: str = ""
    cutoffs: tuple[dict, ...] = ()  # alternative published cut-offs, for reports and warning rules

    @property
    def from_scales(self) -> bool:
        return bool(self.components)


@dataclass(frozen=True)
class NormGroup:
    grades: tuple[int, ...] | None  # None: any grade
    sex: str | None                 # "M", "F" or None (either)
    mean: float | None = None
    sd: float | None = None
    table: tuple[tuple[float, float], ...] = ()  # percentile: (lowest raw, percentile) ascending


@dataclass(frozen=True)
class Norm:
    scale: str
    kind: str                       # "t" or "percentile"
    source: str
    groups: tuple[NormGroup, ...]


@dataclass(frozen=True)
class Rule:
    """A flag raised when ``when`` holds. ``kind == "safety"`` flags are always evaluated: nothing in the
    engine's API, a school setting or a definition option can switch them off."""

    id: str
    kind: str                       # "safety" or "screen"
    label_zh: str
    label_en: str
    when: dict
    source: str = ""
    on_refusal: bool = False        # also holds for a respondent who answered nothing (NIMH ASQ: refusal)


@dataclass(frozen=True)
class ValidityCheck:
    id: str
    kind: str                       # lie_scale | straight_lining | too_fast | inconsistent_pairs
    params: dict
    label_zh: str
    label_en: str
    invalidates: bool = True
    source: str = ""


@dataclass(frozen=True)
class Definition:
    id: str
    version: int
    name_zh: str
    name_en: str
    item_text_allowed: bool
    items: tuple[Item, ...]
    reverse_keyed: tuple[str, ...]
    scales: tuple[Scale, ...]       # scales then indices, in evaluation order
    norms: tuple[Norm, ...]
    rules: tuple[Rule, ...]
    validity: tuple[ValidityCheck, ...]
    source_name: str = ""
    _raw: dict = field(default_factory=dict, repr=False, compare=False)

    # --- lookups ---------------------------------------------------------------------------------
    def item_index(self, item_id: str) -> int:
        return self._item_pos()[item_id]

    def _item_pos(self) -> dict[str, int]:
        return {it.id: i for i, it in enumerate(self.items)}

    def scale(self, scale_id: str) -> Scale:
        for s in self.scales:
            if s.id == scale_id:
                return s
        raise KeyError(scale_id)

    @property
    def scale_ids(self) -> list[str]:
        return [s.id for s in self.scales]

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def critical_items(self) -> tuple[int, ...]:
        """Positions (0-based) of the items a safety decision rests on: those marked ``critical`` and
        every item a safety rule compares. An answer to one is never discarded (not even when a
        ``show_if`` says it was not asked: a "yes" written on paper is still a "yes"), and a blank
        one goes to the review queue to be asked in person."""
        named: set[str] = {it.id for it in self.items if it.critical}
        for rule in self.rules:
            if rule.kind == "safety":
                named |= compared_items(rule.when)
        return tuple(j for j, it in enumerate(self.items) if it.id in named)

    def item_label(self, index: int) -> str:
        """How people name an item: "PHQ-9 第9题" (the short name, then the position)."""
        return f"{self.short_name} 第{self.items[index].position}题"

    @property
    def short_name(self) -> str:
        """The name without its long gloss: "自杀风险筛查问题（ASQ）" → "ASQ"; "PHQ-9 抑郁筛查" stays."""
        name = self.name_zh
        if name.endswith("）") and "（" in name:
            inner = name[name.rindex("（") + 1:-1]
            if inner.isascii() and " " not in inner:
                return inner
        return name

    @property
    def is_quiz(self) -> bool:
        return any(it.correct is not None for it in self.items)

    def text(self, key: str, lang: str = "zh") -> str:
        """A bilingual top-level text (``name``, ``instructions``, ``time_frame``, ``licence``)."""
        value = self._raw.get(key)
        if isinstance(value, dict):
            return value.get(lang) or value.get("zh") or ""
        return value or ""

    @property
    def source_citation(self) -> str:
        return (self._raw.get("source") or {}).get("citation", "")

    @property
    def population(self) -> dict:
        return dict(self._raw.get("population") or {})

    @property
    def rater(self) -> str:
        """Who fills the form in: ``student`` (self-report, the default), ``teacher`` or ``parent``."""
        return str(self._raw.get("rater") or RATER_STUDENT)

    # --- storage ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The validated definition as plain JSON data (store it; ``definition_from_dict`` reads it back)."""
        return copy.deepcopy(self._raw)

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON: tells two definitions with the same id and version apart."""
        blob = json.dumps(self._raw, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def compared_items(cond: dict | None) -> set[str]:
    """Item ids a condition compares with a value (``{"item": …, "ge": …}``); ``blank`` tests and
    scale tests name none."""
    if not isinstance(cond, dict):
        return set()
    out: set[str] = set()
    for key in ("any", "all", "count"):
        for sub in cond.get(key) or ():
            out |= compared_items(sub)
    if "not" in cond:
        out |= compared_items(cond["not"])
    if "item" in cond:
        out.add(cond["item"])
    return out


def scale_range(defn: Definition, scale: Scale) -> tuple[float, float]:
    """Lowest and highest score a scale can take (after reversal; prorating stays inside it)."""
    if scale.from_scales:
        parts = [scale_range(defn, defn.scale(c)) for c in scale.components]
        lo, hi = sum(p[0] for p in parts), sum(p[1] for p in parts)
        if scale.method == "mean":
            lo, hi = lo / len(parts), hi / len(parts)
        return lo * scale.factor, hi * scale.factor
    items = [defn.items[defn.item_index(i)] for i in scale.items]
    if any(it.correct is not None for it in items):
        mins, maxs = [0.0] * len(items), [1.0] * len(items)
    else:
        mins, maxs = [it.min_value for it in items], [it.max_value for it in items]
    if scale.method == "sum":
        return sum(mins) * scale.factor, sum(maxs) * scale.factor
    if scale.method == "mean":
        return min(mins), max(maxs)
    if scale.method == "count_ge":
        return 0.0, float(len(items))
    # mean_ge: the mean of the items at or above the threshold
    return float(scale.threshold), max(maxs)
