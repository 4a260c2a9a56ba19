"""The demo school: deterministic, fictional, and built through the same paths as real data.

The roster goes in as an Excel file through the ordinary roster import; accounts through the
account service. Later areas (screenings, the warning grid, archives) register their own step in
``xadesk.demo_steps``; each step gets the admin context, a seeded random generator, the day and the
demo accounts' password (the one the demo is built with, ``XADESK_PASSWORD`` from the command line),
so the demo is the same on every machine and every run.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

# The areas' step modules are imported for what they register (see demo_steps); they import only
# demo_steps, never this module.
from . import demo_steps
from .archive import demo_step as _archive_demo  # noqa: F401
from .classpack import demo_step as _classpack_demo  # noqa: F401
from .demo_steps import DEMO_PASSWORD, DemoStep
from .domain import synthetic
from .errors import DatabaseExists, UserError
from .screening import demo_step as _screening_demo  # noqa: F401
from .services import grid_demo as _grid_demo  # noqa: F401
from .services import roles
from .services.accounts import RoleSpec, add_user, grant_counselling_with_recovery
from .services.login import create_school, login
from .services.roster import resolve_class
from .services.roster_import import import_records
from .storage.anchor import anchor_path
from .storage.database import open_engine_checked
from .storage.keyfile import all_key_paths, keyfile_path, open_slot, user_slot_id
from .storage.loginlog import log_path
from .storage.models import Meta, School

__all__ = ["DEMO_PASSWORD", "DEMO_SCHOOL", "DEMO_STAFF", "DemoResult", "DemoStep", "build_demo"]

DEMO_SCHOOL = "西安市示例实验学校"
DEMO_MARKER_KEY = "demo"

# (login, display name, role, grade code or class label). Display names are people's names only: the
# app adds the role wherever it shows one ("李静（心理健康教师）"), so a role in the name would read twice.
DEMO_STAFF: list[tuple[str, str, str, str | None]] = [
    ("xinli", "李静", roles.COUNSELOR, None),
    ("xiaozhang", "赵明", roles.LEADER, None),
    ("nianji7", "孙海燕", roles.GRADE_LEADER, "J1"),
    ("bzr701", "周晓丽", roles.HOMEROOM, "七年级(1)班"),
    ("bzr401", "吴建国", roles.HOMEROOM, "四年级(1)班"),
]
# What each demo account is, for the first-run list of logins.
_DEMO_ROLES = {"xinli": "心理健康教师", "xiaozhang": "心理副校长", "nianji7": "七年级组长",
               "bzr701": "七年级(1)班班主任", "bzr401": "四年级(1)班班主任"}

Progress = Callable[[int, int], None] | None


@dataclass
class DemoResult:
    path: Path
    students: int
    classes: int
    recovery_key: str
    accounts: list[tuple[str, str]] = field(default_factory=list)


def _remove_existing(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), log_path(path), anchor_path(path),
              *all_key_paths(path)):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def is_demo_school(path: Path, password: str) -> bool:
    """True only for a database that ``build_demo`` made: the demo admin's password opens it and it
    carries the demo marker (or, built before the marker, the demo school's name). Reads only: a
    wrong guess is not recorded as a failed login."""
    try:
        opened = open_slot(keyfile_path(path), user_slot_id("admin"), password)
        db = open_engine_checked(path, opened.key)
    except (UserError, OSError):
        return False
    try:
        with db.read() as s:
            marker = s.scalar(select(Meta.value).where(Meta.key == DEMO_MARKER_KEY))
            names = list(s.scalars(select(School.name)))
        return marker == "1" or names == [DEMO_SCHOOL]
    except Exception:  # an unreadable or foreign schema is simply "not the demo"
        return False
    finally:
        db.engine.dispose()


def build_demo(path: Path, password: str = DEMO_PASSWORD, *, force: bool = False, progress: Progress = None,
               today: date | None = None) -> DemoResult:
    path = Path(path)
    if path.exists() or keyfile_path(path).exists():
        if not force:
            raise DatabaseExists(f"{path} 已存在。若要重新生成示例学校（会删除这个数据库），请加 --force。",
                                 f"{path} exists. Use --force to rebuild the demo school (this deletes it).")
        if not is_demo_school(path, password):
            raise DatabaseExists(
                f"{path} 不是由“xadesk demo”生成的示例学校（或示例管理员密码已改），--force 不会覆盖它。"
                "要生成示例学校，请用 --db 指定另一个位置。",
                f"{path} was not made by 'xadesk demo' (or its demo admin password changed); --force will not "
                "replace it. Use --db to build the demo elsewhere.")
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
        with ctx.db.write() as s:
            s.add(Meta(key=DEMO_MARKER_KEY, value="1"))
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
            # The demo's password is published: asking to change it would only stand in a visitor's way.
            add_user(ctx, login_name, display, [spec], password, must_change=False)
            accounts.append((login_name, f"{display}（{_DEMO_ROLES.get(login_name, roles.role_label(role))}）"))
            tick()
        # The administrator does not hold the counselling key: the demo completes the counselors' grant
        # with the recovery key, as a school does for its first counselor (xadesk keys grant).
        grant_counselling_with_recovery(ctx, created.recovery_key)
        rng = random.Random(20260901)
        for _name, step in steps:
            step(ctx, rng, day, password)
            tick()
        return DemoResult(path=path, students=len(plan.new), classes=len({(r.grade_code, r.class_number)
                                                                           for r in students}),
                          recovery_key=created.recovery_key, accounts=accounts)
    finally:
        ctx.close()

