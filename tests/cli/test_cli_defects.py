"""Small command-line defects of issue 9 (item 7): a closed output pipe, a built-in's id reused by a
definition file, and the demo built with a non-default XADESK_PASSWORD."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from xadesk.cli.main import CLOSED_PIPE, main
from xadesk.instruments import load_builtin
from xadesk.services.login import login


def test_output_into_a_pipe_closed_early_ends_quietly(tmp_path):
    answers = tmp_path / "phq.csv"
    rows = "\n".join(f"s{i},1,1,1,1,1,1,1,1,{i % 4}" for i in range(20_000))
    answers.write_text("id,1,2,3,4,5,6,7,8,9\n" + rows + "\n", encoding="utf-8")
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), XADESK_LANG="zh")
    # The reader takes the first few hundred bytes and goes away, as `head` does.
    proc = subprocess.Popen([sys.executable, "-m", "xadesk.cli.main", "score", "--instrument", "phq9", str(answers)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.read(300)
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8")
    assert proc.wait(timeout=120) == CLOSED_PIPE
    assert first.startswith(b"[")
    assert err == ""                                  # no 程序内部错误, no "nothing was completed"
    assert not (tmp_path / "data" / "XADesk" / "logs").exists() or \
        not list((tmp_path / "data" / "XADesk" / "logs").glob("crash-*"))


def test_a_definition_file_may_not_reuse_a_builtin_id_with_changes(tmp_path, capsys):
    d = load_builtin("phq9").to_dict()
    answers = tmp_path / "phq.csv"
    answers.write_text("id,1,2,3,4,5,6,7,8,9\ns1,0,0,0,0,0,0,0,0,3\n", encoding="utf-8")
    same = tmp_path / "same.json"
    same.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    assert main(["score", "--instrument", str(same), str(answers)]) == 0      # an unchanged copy is the built-in
    assert json.loads(capsys.readouterr().out)[0]["flags"] == ["safety:item9"]

    d["rules"] = [r for r in d["rules"] if r["kind"] != "safety"]               # the item-9 rule removed
    edited = tmp_path / "phq9_no_safety.json"
    edited.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    assert main(["score", "--instrument", str(edited), str(answers)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "“phq9”是内置量表的编号" in captured.err

    d["id"] = "phq9_school"                                                      # under its own id it is fine
    edited.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    assert main(["score", "--instrument", str(edited), str(answers)]) == 0
    assert json.loads(capsys.readouterr().out)[0]["flags"] == []


def test_demo_builds_and_logs_in_with_a_non_default_password(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XADESK_PASSWORD", "另一个-Passw0rd")
    db = tmp_path / "demo.xadesk"
    assert main(["--db", str(db), "demo"]) == 0, capsys.readouterr().err
    assert "另一个-Passw0rd" in capsys.readouterr().out
    for who in ("admin", "xinli", "bzr701", "nianji7"):
        login(Path(db), who, "另一个-Passw0rd").close()
    monkeypatch.setenv("XADESK_USER", "xinli")
    assert main(["--db", str(db), "campaign", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed and listed[0]["name"] == "第一学期心理健康普查"
