"""``xadesk selftest`` from the command line: every step runs, is timed, and only a full pass exits 0."""

from __future__ import annotations

import re
import shutil
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from xadesk.cli.main import main
from xadesk.selftest import SelfTestState, all_steps, core_steps, run_steps
from xadesk.selftest import runner as selftest_runner
from xadesk.storage import migrate
from xadesk.storage.database import SQLITE_MAGIC

STEP_LINE = re.compile(r"^(\d+)/(\d+) \[(通过|失败)\] (.+?)（(\d+\.\d\d) 秒）：(.+)$")


def _lines(out: str) -> list[re.Match]:
    return [m for m in (STEP_LINE.match(line) for line in out.splitlines()) if m]


def _workdir(out: str) -> Path:
    return Path(re.search(r"临时文件夹 (\S+?)）", out).group(1))


@pytest.mark.slow
def test_selftest_runs_every_step_with_its_time_and_exits_0(capsys):
    assert main(["selftest"]) == 0
    out = capsys.readouterr().out
    steps = _lines(out)
    labels = [s.label for s in all_steps()]
    assert [m.group(4) for m in steps] == labels
    assert "打开并关闭界面" in labels  # the GUI step comes from the UI's entry point
    assert all(m.group(3) == "通过" for m in steps)
    assert all(m.group(2) == str(len(labels)) for m in steps)
    assert f"自检通过：{len(labels)} 项全部正常" in out
    assert not _workdir(out).exists()  # the temporary school is gone


def test_a_broken_installation_fails_names_the_step_and_skips_the_rest(tmp_path, monkeypatch, capsys):
    # As if the frozen app had been built without its migrations folder.
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", tmp_path / "missing")
    assert main(["selftest", "--no-gui"]) == 1
    captured = capsys.readouterr()
    steps = _lines(captured.out)
    assert steps[0].group(3) == "失败" and steps[0].group(4) == "新建学校数据库"
    assert all(m.group(3) == "失败" and "未运行" in m.group(6) for m in steps[1:])
    assert len(steps) == len(core_steps())
    assert "自检未通过：" in captured.err and "新建学校数据库" in captured.err
    assert "Traceback" not in captured.out + captured.err
    assert not _workdir(captured.out).exists()


def test_keep_leaves_an_encrypted_school_behind(capsys):
    assert main(["selftest", "--no-gui", "--keep"]) == 0
    folder = _workdir(capsys.readouterr().out)
    try:
        db = (folder / "school.xadesk").read_bytes()
        assert not db.startswith(SQLITE_MAGIC)
        assert "自检示例学校".encode() not in db
        assert (folder / "档案.pdf").read_bytes().startswith(b"%PDF-")
    finally:
        shutil.rmtree(folder)


def test_a_front_end_that_cannot_load_is_a_failed_step_not_a_crash(monkeypatch):
    broken = EntryPoint(name="gui", value="ui_that_is_not_installed:steps", group=selftest_runner.ENTRY_POINT_GROUP)
    monkeypatch.setattr(selftest_runner, "entry_points", lambda group: [broken])
    steps = selftest_runner.front_end_steps()
    state = SelfTestState.create()
    try:
        report = run_steps(state, steps)
    finally:
        state.close()
    assert not report.ok
    assert "缺少组件" in report.results[0].detail and "README" in report.results[0].detail


@pytest.mark.slow
def test_the_gui_step_prints_no_english_platform_notes():
    """The IT teacher reads the self-test: Qt's offscreen plugin notes ("This plugin does not support
    propagateSizeHints()") are not for them. A child process: pytest-qt would swallow them here."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("XADESK_", "QT_"))}
    code = "import sys; from xadesk.cli.main import main; sys.exit(main([\"selftest\"]))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "propagateSizeHints" not in done.stdout + done.stderr
    assert "自检通过" in done.stdout
