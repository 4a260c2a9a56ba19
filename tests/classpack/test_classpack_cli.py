"""``xadesk classpack``: export, teacher entries through the command line, return, import (and
--dry-run); a teacher process killed with SIGKILL while entering loses no saved entry."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.classpack.conftest import PASS, STAFF_PASSWORD, rating_campaign  # noqa: F401  (fixture)
from xadesk.classpack.teacher import TeacherPack
from xadesk.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
LIN = "G610113201301010011"


def _run(monkeypatch, capsys, *args, user=None, path=None):
    monkeypatch.setenv("XADESK_PASSWORD", STAFF_PASSWORD)
    monkeypatch.setenv("XADESK_PACK_PASSPHRASE", PASS)
    pre = ["--db", str(path), "--user", user] if user else []
    code = main([*pre, "classpack", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_round_trip(staff, monkeypatch, capsys, tmp_path):
    db = staff.school.path
    pack = tmp_path / "p.xadx"
    code, out, err = _run(monkeypatch, capsys, "export", "--class", "七年级(1)班", "--out", str(pack),
                          user="xinli", path=db)
    assert code == 0, err
    assert "班主任甲" in out
    code, out, _ = _run(monkeypatch, capsys, "add-observation", str(pack), "--student", "林一鸣", "--category", "情绪",
                        "--text", "课上流泪")
    assert code == 0 and "已保存" in out and "立即电话联系心理老师" in out
    code, out, _ = _run(monkeypatch, capsys, "add-homevisit", str(pack), "--student", "林一鸣", "--visitors", "班主任甲",
                        "--present", "父亲", "--text", "父亲常年在外", "--family", "left_behind")
    assert code == 0
    code, out, err = _run(monkeypatch, capsys, "add-observation", str(pack), "--student", "G000", "--category",
                          "情绪", "--text", "x")
    assert code != 0 and "不在本班名单" in err
    code, out, _ = _run(monkeypatch, capsys, "students", str(pack))
    assert code == 0 and "林一鸣" in out and "G6101" not in out
    # A wrong entry is taken back by its number in the list, before the return.
    code, out, _ = _run(monkeypatch, capsys, "add-observation", str(pack), "--student", "林一鸣", "--category", "情绪",
                        "--text", "记错了")
    code, out, _ = _run(monkeypatch, capsys, "entries", str(pack))
    assert "  3. " in out and "记错了" in out
    code, out, err = _run(monkeypatch, capsys, "withdraw", str(pack), "--entry", "4")
    assert code != 0 and "没有第 4 条" in err and "Traceback" not in err
    code, out, _ = _run(monkeypatch, capsys, "withdraw", str(pack), "--entry", "3")
    assert code == 0 and "已撤回" in out and "记错了" in out
    ret = tmp_path / "r.xadx"
    code, out, _ = _run(monkeypatch, capsys, "return", str(pack), "--out", str(ret))
    assert code == 0 and "2 条" in out
    code, out, _ = _run(monkeypatch, capsys, "import", str(ret), "--dry-run", "--json", user="xinli", path=db)
    assert json.loads(out)["dry_run"] and json.loads(out)["added_total"] == 2
    code, out, _ = _run(monkeypatch, capsys, "import", str(ret), "--json", user="xinli", path=db)
    assert json.loads(out)["added"]["home_visit"] == 1
    code, out, _ = _run(monkeypatch, capsys, "import", str(ret), user="xinli", path=db)
    assert "已经导入过" in out
    code, out, err = _run(monkeypatch, capsys, "import", str(ret), user="bzr", path=db)
    assert code != 0 and "Traceback" not in err


def test_batch_export_cli(staff, monkeypatch, capsys, tmp_path):
    code, out, _ = _run(monkeypatch, capsys, "export", "--all", "--out", str(tmp_path / "all"), user="xinli",
                        path=staff.school.path)
    assert code == 0 and "1 个班级包" in out and "七年级(2)班：没有登记班主任" in out
    assert (tmp_path / "all" / "班级包口令条.pdf").exists()


_CHILD = textwrap.dedent("""
    import sys, time
    from xadesk.classpack.teacher import TeacherPack
    tp = TeacherPack.open(sys.argv[1], sys.argv[2])
    for i in range(1000):
        tp.add_observation("林一鸣", category="mood", text=f"第{i}条")
        print("saved", i, flush=True)
        time.sleep(0.01 if i < 4 else 60)
""")


def test_killed_teacher_process_loses_no_saved_entry(pack):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(pack), PASS], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    try:
        seen = []
        for line in child.stdout:
            seen.append(line.split()[1])
            if len(seen) == 5:
                break
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert seen == ["0", "1", "2", "3", "4"]
    tp = TeacherPack.open(pack, PASS)
    assert [e["text"] for e in tp.unreturned()] == [f"第{i}条" for i in range(5)]
    # A torn last record (power cut mid-write) is cut off; everything before it stays.
    with open(tp.journal_file, "ab") as fh:
        fh.write(b"\x00\x00\x01\x00partial")
    assert len(TeacherPack.open(pack, PASS).unreturned()) == 5
    # No plaintext of any entry on disk beside the pack.
    for f in pack.parent.iterdir():
        assert "第1条".encode() not in f.read_bytes()


def test_cli_ratings_in_the_pack_and_at_school(staff, rating_campaign, monkeypatch, capsys, tmp_path):  # noqa: F811
    db = staff.school.path
    pack = tmp_path / "p.xadx"
    _run(monkeypatch, capsys, "export", "--class", "七年级(1)班", "--out", str(pack), user="xinli", path=db)
    code, out, err = _run(monkeypatch, capsys, "add-rating", str(pack), "--student", "林一鸣", "--instrument",
                          "demo_teacher_checklist", "--answers", "2,2,2,2,2,x")
    assert code != 0 and "第6题" in err
    code, out, err = _run(monkeypatch, capsys, "add-rating", str(pack), "--student", "林一鸣", "--instrument",
                          "demo_teacher_checklist", "--answers", "2,2,2,2,2,2")
    assert code == 0, err
    code, out, err = _run(monkeypatch, capsys, "rate", "--campaign", str(rating_campaign.id), "--student",
                          "G61011320130202002X", "--instrument", "demo_teacher_checklist", "--answers",
                          "0，0，1，0，0，0", user="bzr", path=db)
    assert code == 0 and "新增 1" in out, err
