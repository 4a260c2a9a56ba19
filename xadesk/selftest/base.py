"""What self-test steps share: the state handed from step to step, a step, and its result."""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..i18n import language, msg


@dataclass
class SelfTestState:
    """What the steps hand on to each other. ``close()`` logs out and removes the folder."""

    workdir: Path
    password: str = field(default_factory=lambda: "selftest-" + secrets.token_urlsafe(12))
    admin_login: str = "admin"
    counselor_login: str = "xinli"
    keep: bool = False
    values: dict[str, Any] = field(default_factory=dict)  # contexts, ids and paths made by earlier steps

    @property
    def db_path(self) -> Path:
        return self.workdir / "school.xadesk"

    @classmethod
    def create(cls, *, keep: bool = False) -> SelfTestState:
        return cls(workdir=Path(tempfile.mkdtemp(prefix="xadesk-selftest-")), keep=keep)

    def close(self) -> None:
        for value in self.values.values():
            closer = getattr(value, "close", None)
            if callable(closer) and hasattr(value, "db"):  # an AppContext: close its database
                with contextlib.suppress(Exception):
                    closer()
        self.values.clear()
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


@dataclass(frozen=True)
class Step:
    key: str
    label: str                      # what the person reads, in Chinese first
    run: Callable[[SelfTestState], str]
    gui_thread: bool = False


@dataclass(frozen=True)
class StepResult:
    key: str
    label: str
    ok: bool
    seconds: float
    detail: str

    def line(self) -> str:
        mark = msg("通过", "ok") if self.ok else msg("失败", "FAILED")
        if language() == "en":
            return f"[{mark}] {self.label} ({self.seconds:.2f} s): {self.detail}"
        return f"[{mark}] {self.label}（{self.seconds:.2f} 秒）：{self.detail}"


@dataclass
class SelfTestReport:
    results: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.results)

    def summary(self) -> str:
        failed = [r for r in self.results if not r.ok]
        if not failed:
            return msg(f"自检通过：{len(self.results)} 项全部正常，共 {self.seconds:.1f} 秒。",
                       f"Self-test passed: all {len(self.results)} steps, {self.seconds:.1f} s.")
        return msg(f"自检未通过：{len(failed)} 项失败（{'、'.join(r.label for r in failed)}）。",
                   f"Self-test FAILED: {len(failed)} step(s) ({', '.join(r.label for r in failed)}).")
