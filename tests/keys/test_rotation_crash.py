"""kill -9 during a key rotation, at every stage and at random moments in the copy: the school always
opens afterwards — with the old key or the new one, never neither — for every account, and for the
recovery key alone."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select

from tests.conftest import ADMIN_PASSWORD
from tests.services.conftest import STAFF_PASSWORD
from xadesk.domain.synthetic import generate_students
from xadesk.exchange.passphrase import normalise
from xadesk.keys.rotation import STAGES
from xadesk.services import accounts, audit
from xadesk.services.login import login, recover
from xadesk.services.roster_import import import_records
from xadesk.storage import rekey
from xadesk.storage.database import opens_with
from xadesk.storage.keyfile import KeyFile, database_key_from_recovery, keyfile_path, user_slot_id
from xadesk.storage.models import AuditEntry

SCRIPT = textwrap.dedent("""
    import os, signal, sys, threading, time
    from xadesk.keys.rotation import rotate
    from xadesk.services.login import login
    path, password, recovery, stage, delay = sys.argv[1:6]
    ctx = login(path, "admin", password)
    def die(*_a):
        os.kill(os.getpid(), signal.SIGKILL)
    if float(delay) >= 0:
        threading.Timer(float(delay), die).start()
    rotate(ctx, recovery, step=lambda s: die() if s == stage else None)
    print("finished")
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # no orderly close either
""")


def _run(path, recovery: str, stage: str = "", delay: float = -1.0) -> subprocess.CompletedProcess:
    env = {**os.environ, "XADESK_KDF_PROFILE": "test"}
    return subprocess.run([sys.executable, "-c", SCRIPT, str(path), ADMIN_PASSWORD, recovery, stage, str(delay)],
                          env=env, capture_output=True, text=True, timeout=300)


def _opens_for_everyone(path, recovery: str, old_key: bytes, tmp_path) -> tuple[str, list[str]]:
    """Every account logs in, the old key of the disabled account opens nothing once the rotation went
    through, the audit chain verifies, and the recovery key alone opens a copy without key files.
    Returns which key the school ended with ("old"/"new") and what the first login was told."""
    admin = login(path, "admin", ADMIN_PASSWORD)
    try:
        assert audit.verify(admin).ok, audit.verify(admin).problems
        which = "old" if admin.db.key == old_key else "new"
        told = list(admin.warnings)
        with admin.db.read() as s:
            assert "keys.damaged" not in set(s.scalars(select(AuditEntry.action)))
    finally:
        admin.close()
    for who in ("nj", "xinli", "xz"):
        login(path, who, STAFF_PASSWORD).close()
    if which == "new":
        assert not opens_with(path, old_key)
    assert not any(p.exists() for p in rekey.leftovers(path))
    alone = tmp_path / f"alone-{which}"
    alone.mkdir()
    shutil.copyfile(path, alone / path.name)
    recover(alone / path.name, recovery, "nj", "A-new-Pass-2026!")
    login(alone / path.name, "nj", "A-new-Pass-2026!").close()
    return which, told


@pytest.fixture
def rotating_school(small_school, new_school):
    created, admin = new_school
    import_records(admin, generate_students([("J1", 1), ("J1", 2), ("J2", 1), ("J2", 2)], per_class=60), "名单")
    accounts.deactivate(admin, "bzr")
    old_key = admin.db.key
    admin.close()
    return small_school.path, created.recovery_key, old_key


@pytest.mark.parametrize("stage", STAGES)
def test_kill_9_at_each_stage_leaves_a_school_that_opens(rotating_school, stage, tmp_path):
    path, recovery, old_key = rotating_school
    run = _run(path, recovery, stage)
    assert run.returncode == -signal.SIGKILL and "finished" not in run.stdout, run.stderr
    which, told = _opens_for_everyone(path, recovery, old_key, tmp_path)
    swapped = STAGES.index(stage) >= STAGES.index("swapped")
    assert which == ("new" if swapped else "old")
    if not swapped:  # the half-done rotation was dropped at the first login: a new one starts clean
        assert not KeyFile.load(keyfile_path(path)).has_pending()
        assert any("上次数据库密钥轮换没有完成" in w for w in told)
    else:
        assert not told


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1, 0.2, 0.4])
def test_kill_9_at_a_random_moment_leaves_a_school_that_opens(rotating_school, delay, tmp_path):
    path, recovery, old_key = rotating_school
    _run(path, recovery, "", delay)
    _opens_for_everyone(path, recovery, old_key, tmp_path)


def test_a_rotation_that_ran_to_the_end_in_a_subprocess(rotating_school, tmp_path):
    path, recovery, old_key = rotating_school
    run = _run(path, recovery)
    assert "finished" in run.stdout, run.stderr
    assert _opens_for_everyone(path, recovery, old_key, tmp_path)[0] == "new"
    assert database_key_from_recovery(normalise(recovery), epoch=1) != old_key
    assert user_slot_id("bzr") not in KeyFile.load(keyfile_path(path)).slots
