"""Render a widget at several screen scales and save PNGs, to look at screens at 100 % and 150 %.

    .venv/bin/python tests/ui/screens.py tests/ui/test_infra_demo.py:make_demo_window
    .venv/bin/python tests/ui/screens.py ui.login:LoginDialog --name login --scales 1 1.25 1.5

FACTORY is ``module:callable`` or ``path/to/file.py:callable``; the callable takes no arguments and
returns a widget, or a dict ``{suffix: widget}`` to save several windows (e.g. a main window and
the progress dialog above it). Images go to ``screenshots/NAME[-suffix]@SCALEx.png`` (gitignored).

Qt reads ``QT_SCALE_FACTOR`` only when the QApplication is created, so each scale is rendered in
its own subprocess; the app is built by ``ui.app.create_app`` with the offscreen platform, i.e. the
same font, palette and style as in the program.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "screenshots"
DEFAULT_SCALES = (1.0, 1.5)


def load_factory(spec: str) -> Callable[[], object]:
    target, _, name = spec.rpartition(":")
    if not target or not name:
        raise SystemExit(f"factory must look like module:callable or file.py:callable, not {spec!r}")
    if target.endswith(".py"):
        path = Path(target)
        if not path.is_absolute():
            path = REPO_ROOT / path
        sys.path.insert(0, str(path.parent))  # so a test module's sibling imports work
        module_spec = importlib.util.spec_from_file_location(f"_screens_{path.stem}", path)
        assert module_spec is not None and module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    return getattr(module, name)


def _scale_label(scale: float) -> str:
    return f"{scale:g}"


def render(factory: str, name: str | None = None, scales: Sequence[float] = DEFAULT_SCALES,
           out: Path = SCREENSHOT_DIR, size: tuple[int, int] | None = None, timeout: float = 120) -> list[Path]:
    """Render ``factory`` once per scale (one subprocess each); return the PNG paths written."""
    name = name or factory.rpartition(":")[2]
    written: list[Path] = []
    for scale in scales:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=_scale_label(scale))
        args = [sys.executable, __file__, "--child", factory, "--name", name, "--out", str(out)]
        if size:
            args += ["--size", f"{size[0]}x{size[1]}"]
        result = subprocess.run(args, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"rendering {factory} at {scale:g}x failed:\n{result.stderr[-3000:]}")
        written += [Path(line) for line in result.stdout.splitlines() if line.endswith(".png")]
    return written


def _child(factory: str, name: str, out: Path, size: str | None) -> None:
    from PySide6.QtTest import QTest

    from ui.app import create_app

    app = create_app([sys.argv[0]], install_excepthook=False)
    made = load_factory(factory)()
    widgets = made if isinstance(made, dict) else {"": made}
    first = next(iter(widgets.values()))
    if size:
        width, height = (int(v) for v in size.split("x"))
        first.resize(width, height)
    for widget in widgets.values():
        widget.show()
    QTest.qWait(300)  # layouts, fonts and pending timers settle
    out.mkdir(parents=True, exist_ok=True)
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    for suffix, widget in widgets.items():
        path = out / f"{name}{'-' + suffix if suffix else ''}@{scale}x.png"
        pixmap = widget.grab()
        if not pixmap.save(str(path)):
            raise SystemExit(f"could not save {path}")
        print(path)
    app.closeAllWindows()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("factory")
    parser.add_argument("--name")
    parser.add_argument("--scales", type=float, nargs="+", default=list(DEFAULT_SCALES))
    parser.add_argument("--out", type=Path, default=SCREENSHOT_DIR)
    parser.add_argument("--size", help="WIDTHxHEIGHT of the (first) widget, in device-independent pixels")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.factory, args.name, args.out, args.size)
        return 0
    size = tuple(int(v) for v in args.size.split("x")) if args.size else None
    for path in render(args.factory, args.name, args.scales, args.out, size):  # type: ignore[arg-type]
        print(path)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    raise SystemExit(main())
