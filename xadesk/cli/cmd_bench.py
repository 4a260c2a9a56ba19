"""``xadesk bench NAME``: run one of the benchmarks in ``xadesk/bench``."""

from __future__ import annotations

import importlib
import pkgutil

from ..i18n import msg

# Lazy imports: start-up speed. `xadesk` imports every cmd_* module to build its parser, so each
# command loads the services it runs only when it runs (`xadesk --help` stays quick).

_NOT_BENCHES = {"measure", "severity", "batch", "decade_build"}   # helpers, not benchmarks


def _bench_modules() -> list[str]:
    from .. import bench

    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name not in _NOT_BENCHES)


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help=msg("性能基准测试", "benchmarks"))
    names = parser.add_subparsers(dest="bench", metavar="NAME", required=True)
    for name in _bench_modules():
        module = importlib.import_module(f"xadesk.bench.{name}")
        english = (module.__doc__ or name).strip().splitlines()[0]
        sub = names.add_parser(name, help=msg(getattr(module, "HELP_ZH", english), english))
        module.add_arguments(sub)
        sub.set_defaults(func=module.run)
