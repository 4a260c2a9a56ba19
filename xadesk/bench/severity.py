"""Answers as a real school's screening gives them: a few students with much to say, most with little.

Every student carries a latent severity (standard normal), stable across the years with drift
(``z ← ρ·z + √(1-ρ²)·ε`` each school year, a smaller wobble between the two campaigns of a year),
so the students flagged one year are mostly those flagged the year before and trends mean
something. An item's answer is the number of its thresholds that ``loading·z + noise`` passes;
the thresholds are set so that the item means are near published adolescent norms (PHQ-9 items
≈0.5 on 0–3, SCL-90 items ≈1.5 on 1–5) and the screen flags roughly 10–20% of a campaign. The
safety items (PHQ-9 item 9, SCL-90's items on ending one's life) need a higher level to be
endorsed, as in practice (about one student in twenty).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..instruments import load_builtin

YEAR_RHO = 0.8          # year-to-year correlation of a student's severity
SEMESTER_SD = 0.25      # the wobble between the autumn and the spring campaign of one year
LOADING = 0.8           # how much of an item's answer the student's severity explains
# Thresholds on the standard-normal scale of ``LOADING·z + noise`` (one per step above the lowest value).
THRESHOLDS = {"phq9": (0.5, 1.4, 1.95), "scl90": (1.0, 1.65, 2.2, 2.65)}
SAFETY_SHIFT = 1.2      # a safety item's thresholds sit this much higher
BLANK_RATE = 0.003      # an item left blank


class Severity:
    """Each student's latent severity, keyed by student number, carried from year to year."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.z: dict[str, float] = {}

    def new_year(self) -> None:
        nos = list(self.z)
        drift = self.rng.standard_normal(len(nos))
        rho = YEAR_RHO
        for no, e in zip(nos, drift, strict=True):
            self.z[no] = rho * self.z[no] + math.sqrt(1 - rho * rho) * float(e)

    def of(self, student_nos: list[str]) -> np.ndarray:
        """The current severities (a new student gets a fresh one)."""
        for no in student_nos:
            if no not in self.z:
                self.z[no] = float(self.rng.standard_normal())
        return np.array([self.z[no] for no in student_nos])

    def ranked(self, student_nos: list[str]) -> list[str]:
        """The student numbers, most severe first."""
        z = self.of(student_nos)
        return [student_nos[i] for i in np.argsort(-z)]


def answers(instruments: tuple[str, ...], z: np.ndarray, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Header and an (students × items) array of answer texts ("" for a blank)."""
    defs = [load_builtin(i) for i in instruments]
    head = [f"{d.id}.{j + 1}" for d in defs for j in range(d.n_items)]
    seen = z + SEMESTER_SD * rng.standard_normal(z.size)
    cols = []
    for d in defs:
        critical = set(d.critical_items)
        for j, it in enumerate(d.items):
            vals = np.array(sorted(it.values))
            base = THRESHOLDS.get(d.id, THRESHOLDS["scl90"])
            cuts = np.array([base[min(k, len(base) - 1)] + 0.35 * max(0, k - len(base) + 1)
                             for k in range(vals.size - 1)])
            if j in critical or it.id in critical:
                cuts = cuts + SAFETY_SHIFT
            y = LOADING * seen + math.sqrt(1 - LOADING * LOADING) * rng.standard_normal(z.size)
            cols.append(vals[(y[:, None] > cuts[None, :]).sum(axis=1)])
    x = np.stack(cols, axis=1)
    blank = rng.random(x.shape) < BLANK_RATE
    return head, np.where(blank, "", x.astype(np.int64).astype(str))


def write_answers(path: Path, instruments: tuple[str, ...], student_nos: list[str], z: np.ndarray,
                  rng: np.random.Generator) -> None:
    head, texts = answers(instruments, z, rng)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(["id", *head]) + "\n")
        for no, row in zip(student_nos, texts.tolist(), strict=True):
            fh.write(no + "," + ",".join(row) + "\n")
