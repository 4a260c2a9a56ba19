"""The demo school: deterministic, fictional, and built through the same paths as real data.

The roster goes in as an Excel file through the ordinary roster import; accounts through the
account service. Later areas (screenings, the warning grid, archives) register their own step in
``xadesk.demo_steps``; each step gets the admin context and a seeded random generator, so the demo is the same
on every machine and every run.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# The areas' step modules are imported for what they register (see demo_steps); they import only
# demo_steps, never this module.
from . import demo_steps
from .archive import demo_step as _archive_demo  # noqa: F401
from .classpack import demo_step as _classpack_demo  # noqa: F401
from .demo_steps import DEMO_PASSWORD, DemoStep
from .domain import synthetic
from .errors import DatabaseExists
from .screening import demo_step as _screening_demo  # noqa: F401
from .services import grid_demo as _grid_demo  # noqa: F401
from .services import roles
from .services.accounts import RoleSpec, add_user
from .services.login import create_school, login
from .services.roster import resolve_class
from .services.roster_import import import_records
from .storage.keyfile import keyfile_path

__all__ = ["DEMO_PASSWORD", "DEMO_SCHOOL", "DEMO_STAFF", "DemoResult", "DemoStep", "build_demo"]

DEMO_SCHOOL = "西安市示例实验学校"

# (login, display name, role, grade code or class label)
DEMO_STAFF: list[tuple[str, str, str, str | None]] = [
    ("xinli", "李静（心理健康教师）", roles.COUNSELOR, None),
    ("xiaozhang", "赵明（心理副校长）", roles.LEADER, None),
    ("nianji7", "孙海燕（七年级组长）", roles.GRADE_LEADER, "J1"),
    ("bzr701", "周晓丽（七年级(1)班班主任）", roles.HOMEROOM, "七年级(1)班"),
    ("bzr401", "吴建国（四年级(1)班班主任）", roles.HOMEROOM, "四年级(1)班"),
]

Progress = Callable[[int, int], None] | None


@dataclass
class DemoResult:
    path: Path
    students: int
    classes: int
    recovery_key: str
    accounts: list[tuple[str, str]] = field(default_factory=list)


def _remove_existing(path: Path) -> None:
    for p in (path, keyfile_path(path), Path(f"{path}-wal"), Path(f"{path}-shm"),
              keyfile_path(path).with_name(keyfile_path(path).name + ".bak")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def build_demo(path: Path, password: str = DEMO_PASSWORD, *, force: bool = False, progress: Progress = None,
               today: date | None = None) -> DemoResult:
    path = Path(path)
    if path.exists() or keyfile_path(path).exists():
        if not force:
            raise DatabaseExists(f"{path} 已存在。若要重新生成示例学校（会删除这个数据库），请加 --force。",
                                 f"{path} exists. Use --force to rebuild the demo school (this deletes it).")
        _remove_existing(path)
    day = today or date.today()
    steps = demo_steps.steps()
    total = 3 + len(DEMO_STAFF) + len(steps)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    created = create_school(path, DEMO_SCHOOL, "admin", password, "系统管理员", today=day)
    tick()
    ctx = login(path, "admin", password)
    try:
        students = synthetic.demo_students(today=day)
        tick()
        # The records go through the same apply step as an imported file (no roster file on disk).
        plan = import_records(ctx, students, "示例学校学生名单", today=day)
        tick()
        accounts = [("admin", roles.role_label(roles.ADMIN))]
        for login_name, display, role, scope in DEMO_STAFF:
            if role == roles.GRADE_LEADER:
                spec = RoleSpec(role, grade_code=scope)
            elif role == roles.HOMEROOM:
                with ctx.db.read() as s:
                    spec = RoleSpec(role, class_id=resolve_class(s, scope).id)
            else:
                spec = RoleSpec(role)
            add_user(ctx, login_name, display, [spec], password)
            accounts.append((login_name, display))
            tick()
        rng = random.Random(20260901)
        with demo_steps.building(password):
            for _name, step in steps:
                step(ctx, rng, day)
                tick()
        return DemoResult(path=path, students=len(plan.new), classes=len({(r.grade_code, r.class_number)
                                                                           for r in students}),
                          recovery_key=created.recovery_key, accounts=accounts)
    finally:
        ctx.close()

