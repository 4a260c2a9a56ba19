"""The core never imports Qt or the UI: every module under ``xadesk`` imports with PySide6,
shiboken6 and ``ui`` made unimportable (in a fresh interpreter, so nothing is cached)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import importlib, pkgutil, sys
for blocked in ("PySide6", "shiboken6", "ui"):
    sys.modules[blocked] = None  # any import of them now raises ImportError
import xadesk
names = [m.name for m in pkgutil.walk_packages(xadesk.__path__, "xadesk.")]
failed = []
for name in names:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
print(len(names))
if failed:
    print("\n".join(failed), file=sys.stderr)
    sys.exit(1)
"""


def test_every_core_module_imports_without_qt():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 50  # it really walked the package
