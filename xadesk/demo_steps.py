"""The demo school's steps: a registry one floor below :mod:`xadesk.demo`, filled by the areas.

Each area's demo step module (``screening.demo_step``, ``services.grid_demo``, ``archive.demo_step``,
``classpack.demo_step``) imports only this module and calls :func:`register`; ``xadesk.demo``
imports those modules and runs :func:`steps` in :data:`STEP_ORDER`. So the step modules never
import ``xadesk.demo`` and there is no import circle to order by hand.

A step that logs in as a demo staff member uses the password it is given: the one the demo is being
built with (``XADESK_PASSWORD`` or the default), not the default constant.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from .services.context import AppContext

DEMO_PASSWORD = "xadesk-demo"

DemoStep = Callable[[AppContext, random.Random, date, str], None]   # admin, rng, day, password

# The order the steps run in: later steps read what earlier ones made (the grid reads the
# screening; the archive reads who is on the grid). A step not named here runs after these.
STEP_ORDER = ("screening", "grid", "archive", "classpack")

_steps: dict[str, DemoStep] = {}


def register(name: str, step: DemoStep) -> None:
    """Add (or replace, by name) an area's demo step."""
    _steps[name] = step


def steps() -> list[tuple[str, DemoStep]]:
    known = [(n, _steps[n]) for n in STEP_ORDER if n in _steps]
    return known + [(n, s) for n, s in _steps.items() if n not in STEP_ORDER]
