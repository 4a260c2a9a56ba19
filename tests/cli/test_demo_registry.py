"""The demo's steps register themselves in ``xadesk.demo_steps`` (one floor below ``xadesk.demo``):
no step module imports ``xadesk.demo``, each imports first without a circle, the steps run in
their fixed order, and the demo builds with a password other than the default (XADESK_PASSWORD)."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import xadesk.demo as demo
from xadesk.demo_steps import STEP_ORDER, steps
from xadesk.services.login import login

STEP_MODULES = ["xadesk.screening.demo_step", "xadesk.services.grid_demo", "xadesk.archive.demo_step",
                "xadesk.classpack.demo_step"]


@pytest.mark.parametrize("name", STEP_MODULES)
def test_a_step_module_does_not_import_the_demo(name):
    source = Path(importlib.import_module(name).__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module}.{a.name}" if node.module else a.name for a in node.names}
            imported.add(node.module or "")
    assert not any(m in ("..demo", "demo") or m.endswith(".demo") or m == "xadesk.demo" for m in imported)
    done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_steps_run_in_their_fixed_order():
    assert demo.DEMO_PASSWORD == "xadesk-demo"
    assert [n for n, _ in steps()] == list(STEP_ORDER)


def test_demo_builds_with_another_password(tmp_path, monkeypatch):
    monkeypatch.setenv("XADESK_KDF_PROFILE", "test")
    result = demo.build_demo(tmp_path / "demo.xadesk", "another-pass-2026", today=date(2026, 11, 29))
    assert result.students > 1000
    for who in ("admin", "xinli", "bzr701"):
        login(result.path, who, "another-pass-2026").close()
