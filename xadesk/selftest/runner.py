"""Running self-test steps in order, timed, stopping at the first failure."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points

from ..errors import Cancelled, UserError
from ..i18n import msg
from ..logsafe import report_crash
from .base import SelfTestReport, SelfTestState, Step, StepResult
from .steps import CORE_STEPS

ENTRY_POINT_GROUP = "xadesk.selftest"


def core_steps() -> list[Step]:
    return list(CORE_STEPS)


def front_end_steps() -> list[Step]:
    """Steps that front ends (the desktop UI) add through the ``xadesk.selftest`` entry point."""
    found: list[Step] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            found.extend(ep.load()())
        except ImportError as exc:  # Qt or its system libraries missing: a failed step, not a crash
            found.append(_missing(ep.name, exc))
    return found


def _missing(name: str, exc: ImportError) -> Step:
    def fail(_state: SelfTestState) -> str:
        raise AssertionError(msg(f"无法加载（缺少组件 {exc.name or exc}），请按 README 安装系统库",
                                 f"cannot load (missing {exc.name or exc}); install the system libraries (README)"))

    return Step(name, msg(f"加载界面组件 {name}", f"load front-end part {name}"), fail)


def all_steps() -> list[Step]:
    return core_steps() + front_end_steps()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, UserError):
        return exc.full_text()
    if isinstance(exc, AssertionError) and exc.args:
        return str(exc.args[0])
    # A bug or a broken installation: the type and where (in the crash log), never the message,
    # which might carry data.
    where = report_crash(exc)
    return msg(f"程序内部错误（{type(exc).__name__}），诊断信息：{where}",
               f"internal error ({type(exc).__name__}); report: {where}")


def run_steps(state: SelfTestState, steps: Sequence[Step], *,
              on_result: Callable[[StepResult, int, int], None] | None = None,
              cancelled: Callable[[], bool] | None = None, report: SelfTestReport | None = None,
              offset: int = 0, total: int | None = None) -> SelfTestReport:
    """Run ``steps`` in order on ``state``; after the first failure the rest are reported as not run
    (they depend on what came before). ``on_result(result, done, total)`` follows each step."""
    report = report or SelfTestReport()
    total = total if total is not None else offset + len(steps)
    failed = any(not r.ok for r in report.results)
    for k, step in enumerate(steps, start=offset + 1):
        if cancelled is not None and cancelled():
            raise Cancelled()
        if failed:
            result = StepResult(step.key, step.label, False, 0.0, msg("未运行（前面的步骤失败）", "not run (an earlier step failed)"))
        else:
            start = time.perf_counter()
            try:
                detail = step.run(state)
                ok = True
            except Exception as exc:
                detail, ok = _describe(exc), False
            result = StepResult(step.key, step.label, ok, time.perf_counter() - start, detail)
            failed = not ok
        report.results.append(result)
        if on_result is not None:
            on_result(result, k, total)
    return report
