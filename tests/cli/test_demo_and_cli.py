"""The demo school and the command line's global behaviour."""

from __future__ import annotations

import json
from datetime import date

import pytest

from xadesk.cli.main import main
from xadesk.demo import DEMO_PASSWORD, DEMO_STAFF, build_demo
from xadesk.errors import DatabaseExists
from xadesk.services import roster
from xadesk.services.login import login

DAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    import os

    os.environ["XADESK_KDF_PROFILE"] = "test"
    path = tmp_path_factory.mktemp("demo") / "demo.xadesk"
    return build_demo(path, today=DAY)


def test_demo_school_shape(demo):
    assert 1100 <= demo.students <= 1300
    assert demo.classes == 30
    ctx = login(demo.path, "admin", DEMO_PASSWORD)
    try:
        grades = [g.label for g in roster.class_tree(ctx)]
        assert grades == ["四年级", "五年级", "六年级", "七年级", "八年级", "九年级"]
    finally:
        ctx.close()


@pytest.mark.parametrize("login_name", ["admin"] + [s[0] for s in DEMO_STAFF])
def test_every_demo_account_logs_in(demo, login_name):
    login(demo.path, login_name, DEMO_PASSWORD).close()


def test_demo_homeroom_teacher_sees_one_class(demo):
    ctx = login(demo.path, "bzr701", DEMO_PASSWORD)
    try:
        assert {r.class_label for r in roster.list_students(ctx)} == {"七年级(1)班"}
    finally:
        ctx.close()


def test_demo_is_deterministic(demo, tmp_path):
    other = build_demo(tmp_path / "again.xadesk", today=DAY)
    a = login(demo.path, "admin", DEMO_PASSWORD)
    b = login(other.path, "admin", DEMO_PASSWORD)
    try:
        assert [r.to_json() for r in roster.list_students(a)] == [r.to_json() for r in roster.list_students(b)]
    finally:
        a.close()
        b.close()


def test_demo_refuses_to_overwrite_without_force(demo):
    with pytest.raises(DatabaseExists):
        build_demo(demo.path, today=DAY)


def test_cli_init_prints_recovery_key_once(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XADESK_PASSWORD", "init-pass-123")
    db = tmp_path / "new.xadesk"
    assert main(["--db", str(db), "init", "--school", "测试学校", "--admin", "boss"]) == 0
    out = capsys.readouterr().out
    assert "恢复密钥" in out and "数据将无法找回" in out
    assert main(["--db", str(db), "init", "--school", "测试学校", "--admin", "boss"]) == 1
    assert "不会覆盖" in capsys.readouterr().err


def test_cli_user_add_and_list(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XADESK_PASSWORD", "init-pass-123")
    db = tmp_path / "new.xadesk"
    base = ["--db", str(db), "--user", "boss"]
    assert main(["--db", str(db), "init", "--school", "测试学校", "--admin", "boss"]) == 0
    monkeypatch.setenv("XADESK_NEW_PASSWORD", "teacher-pass-1")
    assert main([*base, "user", "add", "li", "--role", "counselor", "--name", "李老师"]) == 0
    assert main([*base, "user", "add", "wang", "--role", "homeroom", "--class", "七年级(1)班"]) == 1
    assert "班级" in capsys.readouterr().err  # no such class yet: a clear message, exit 1
    assert main([*base, "user", "add", "zhao", "--role", "wizard"]) == 1
    capsys.readouterr()
    assert main([*base, "user", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {u["login"]: u["roles"] for u in listed} == {"boss": ["admin"], "li": ["counselor"]}


def test_version_and_usage(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert "xadesk" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["roster", "list", "--bogus"])
    assert info.value.code == 2


def test_missing_database_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XADESK_PASSWORD", "whatever-123")
    assert main(["--db", str(tmp_path / "none.xadesk"), "--user", "admin", "roster", "list"]) == 1
    err = capsys.readouterr().err
    assert "找不到数据库文件" in err and "Traceback" not in err


def test_xadesk_db_environment_variable(tmp_path, capsys, monkeypatch):
    db = tmp_path / "env.xadesk"
    monkeypatch.setenv("XADESK_DB", str(db))
    monkeypatch.setenv("XADESK_PASSWORD", "init-pass-123")
    assert main(["init", "--school", "环境变量学校", "--admin", "boss"]) == 0
    assert db.exists()


def test_demo_force_refuses_a_real_school(new_school, db_path, capsys):
    import hashlib

    from xadesk.storage.keyfile import keyfile_path

    _, ctx = new_school
    ctx.close()
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (db_path, keyfile_path(db_path))}
    assert main(["--db", str(db_path), "demo", "--force"]) == 1
    assert "不是由“xadesk demo”生成" in capsys.readouterr().err
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before} == before
    login(db_path, "admin", "admin-pass-123").close()


def test_demo_force_refuses_a_real_school_even_with_the_demo_password(tmp_path, monkeypatch):
    from xadesk.services.login import create_school

    path = tmp_path / "real.xadesk"
    create_school(path, "西安市第八十三中学", "admin", DEMO_PASSWORD)
    with pytest.raises(DatabaseExists):
        build_demo(path, force=True, today=DAY)
    login(path, "admin", DEMO_PASSWORD).close()


def test_the_demo_is_recognised_as_the_demo(demo):
    from xadesk.demo import is_demo_school

    assert is_demo_school(demo.path, DEMO_PASSWORD)
    assert not is_demo_school(demo.path, "another-password")
