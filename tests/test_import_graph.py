"""The module import graph of ``xadesk/`` and ``ui/`` (ENGINEERING.md, "Retire"): no import circles,
and no import of a project module inside a function (the usual way to dodge a circle) unless a comment
says it is a lazy import for start-up speed.

The graph is built from the source with ``ast``: an edge for every ``import``/``from … import`` at
module level (``if TYPE_CHECKING:`` blocks excepted, they never run), to the module named and to each
package on the way (importing ``a.b.c`` runs ``a.b`` first), except a module's own parent packages.
A lazy import is accepted when the comment on its line or on the lines just above it, or a module
comment ``# Lazy imports: …`` before the first definition, says why (and mentions start-up).
Third-party imports inside functions (reportlab, openpyxl, Qt for the command line) are start-up
choices and not checked here.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("xadesk", "ui")
LAZY = re.compile(r"#.*lazy import.*(start-up|startup|启动)", re.I)
MODULE_LAZY = re.compile(r"^# Lazy imports:.*(start-up|startup)", re.I | re.M)

# Files whose inner imports are known and tolerated (none left: every one was retired at merge).
ELSEWHERE: set[str] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for base in PACKAGES:
        for path in sorted((ROOT / base).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


MODULES = _modules()


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:
        base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        full = ".".join(base + ([node.module] if node.module else []))
    else:
        full = node.module or ""
    return [full] + [f"{full}.{a.name}" for a in node.names if f"{full}.{a.name}" in MODULES]


def _inside(tree: ast.Module, kinds: tuple[type, ...]) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, kinds) or (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)):
            found.update(id(sub) for sub in ast.walk(node) if sub is not node)
    return found


@functools.cache
def graph() -> tuple[dict[str, set[str]], list[tuple[str, int, str]]]:
    """(module → modules it imports at load time, [(file, line, statement)] of project imports in functions)."""
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    inner: list[tuple[str, int, str]] = []
    for module, path in MODULES.items():
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        in_function = _inside(tree, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        skipped = _inside(tree, ())   # TYPE_CHECKING blocks only
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in skipped:
                continue
            targets = [t for t in _targets(module, path, node) if t.split(".")[0] in PACKAGES]
            if id(node) in in_function:
                if targets:
                    inner.append((str(path.relative_to(ROOT)), node.lineno, ast.unparse(node)))
                continue
            for target in targets:
                parts = target.split(".")
                for k in range(1, len(parts) + 1):
                    prefix = ".".join(parts[:k])
                    if prefix in MODULES and prefix != module and not module.startswith(prefix + "."):
                        edges[module].add(prefix)
    return edges, inner


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


@functools.cache
def _lines(path: Path) -> tuple[list[str], bool]:
    """The file's lines, and whether a ``# Lazy imports: …`` comment before its first definition
    explains every lazy import in it."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    starts = [n.lineno for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)]
    head = "\n".join(lines[:min(starts, default=len(lines))])
    return lines, MODULE_LAZY.search(head) is not None


def _explained(path: Path, line: int) -> bool:
    lines, whole_module = _lines(path)
    if whole_module or LAZY.search(lines[line - 1]):
        return True
    k = line - 2
    while k >= 0 and lines[k].strip().startswith("#"):
        if LAZY.search(lines[k]):
            return True
        k -= 1
    return False


def test_no_import_circles():
    edges, _ = graph()
    assert cycles(edges) == []


def test_the_cycle_finder_finds_a_circle():
    """The check above can fail: a circle of three and a self-contained pair are both found."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"x": {"y"}, "y": {"x"}, "z": set()}) == [["x", "y"]]


def test_no_unexplained_imports_of_project_modules_inside_functions():
    _, inner = graph()
    unexplained = [f"{file}:{line}: {stmt}" for file, line, stmt in inner
                   if file not in ELSEWHERE and not _explained(ROOT / file, line)]
    assert unexplained == []


def test_the_graph_sees_package_and_relative_imports():
    edges, inner = graph()
    assert "xadesk.screening.kiosk" in edges["ui.screening.page"]       # from xadesk.screening.kiosk import …
    assert "ui.screening.kiosk" in edges["ui.screening.lab"]            # from .kiosk import …
    assert "xadesk.services" in edges["xadesk.screening.kiosk"]         # from ..services import audit
    assert "xadesk.roster" not in edges["xadesk.roster.parse"]          # its own package is no edge
    assert any(file == "xadesk/cli/cmd_campaign.py" for file, _, _ in inner)   # inner imports are found …
    assert _explained(ROOT / "xadesk/cli/cmd_campaign.py", 1)           # … and this module says why
