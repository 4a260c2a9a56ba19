"""The whole schema: ``models.py`` plus every ``models_<area>.py`` beside it.

Areas (screening, grid, archive …) keep their tables in their own module so that they can grow
without touching each other; importing this module registers them all on ``Base.metadata``, which
is what migrations and schema tests compare against.
"""

from __future__ import annotations

import importlib
import pkgutil

from . import __path__ as _storage_path
from .models import Base

for _info in sorted(pkgutil.iter_modules(_storage_path), key=lambda m: m.name):
    if _info.name.startswith("models_"):
        importlib.import_module(f"{__package__}.{_info.name}")

metadata = Base.metadata
