"""ENGINEERING.md "Retire": the kiosk core imports what it uses at the top (no import inside a
function to dodge a cycle) and uses no other module's private names; the lab kiosk's exit check
goes through the exchange key's public comparison."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import xadesk.screening.kiosk as kiosk_module
from xadesk.exchange import ExchangeKey

SOURCE = Path(kiosk_module.__file__).read_text(encoding="utf-8")


def test_no_imports_inside_functions():
    tree = ast.parse(SOURCE)
    inner = [node.lineno for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
             for node in ast.walk(fn) if isinstance(node, ast.Import | ast.ImportFrom)]
    assert inner == []


def test_no_private_names_of_other_modules():
    tree = ast.parse(SOURCE)
    imported = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    private_imports = [name for name in imported if name.startswith("_")]
    private_attrs = [f"{n.value.id}.{n.attr}" for n in ast.walk(tree)
                     if isinstance(n, ast.Attribute) and n.attr.startswith("_") and not n.attr.startswith("__")
                     and isinstance(n.value, ast.Name) and n.value.id in imported]
    foreign_self = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr.startswith("_")
                    and isinstance(n.value, ast.Attribute) and n.value.attr.startswith("_")
                    and isinstance(n.value.value, ast.Name) and n.value.value.id == "self"]
    assert (private_imports, private_attrs, foreign_self) == ([], [], [])


def test_kiosk_imports_first_without_a_cycle():
    """Imported first, in a fresh interpreter (services loaded before it would hide a cycle)."""
    done = subprocess.run([sys.executable, "-c", "import xadesk.screening.kiosk"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def test_exchange_key_matches_the_typed_passphrase_only():
    key = ExchangeKey("ABCD-EFGH-JKMN-PQRS")
    assert key.matches("abcd efgh jkmn pqrs")
    assert not key.matches("ABCD-EFGH-JKMN-PQRT")
    assert not key.matches("")
    assert not key.matches("   ")
