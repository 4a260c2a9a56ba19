"""Issue 11's command-line defects, each as a user meets it."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.services.conftest import STAFF_PASSWORD, small_school  # noqa: F401  (fixture)
from ui.platform_check import display_problem
from xadesk.cli.main import main
from xadesk.errors import UserError
from xadesk.services import roles
from xadesk.services.accounts import RoleSpec, add_user
from xadesk.services.roster import update_student


@pytest.fixture
def school(small_school, monkeypatch):  # noqa: F811
    monkeypatch.setenv("XADESK_PASSWORD", STAFF_PASSWORD)
    return small_school


def as_(school, login):
    return ["--db", str(school.path), "--user", login]


def test_roster_list_prints_birth_dates(school, monkeypatch, capsys):
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    assert main([*as_(school, "admin"), "roster", "list"]) == 0
    out = capsys.readouterr().out
    assert "<10" not in out and "2013-01-01" in out and out.splitlines()[0].split()[:2] == ["学籍号", "姓名"]


def test_campaign_list_has_a_header_and_display_names(school, capsys):
    assert main([*as_(school, "xinli"), "campaign", "create", "秋季普查", "--instruments", "phq9,scared",
                 "--grade", "七年级"]) == 0
    capsys.readouterr()
    assert main([*as_(school, "xinli"), "campaign", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["编号", "状态", "学年"]
    assert "PHQ-9 抑郁筛查、SCARED 儿童焦虑筛查" in lines[1] and "phq9" not in lines[1]


def test_permission_message_names_the_role(school, capsys):
    assert main([*as_(school, "bzr"), "campaign", "create", "x", "--instruments", "phq9",
                 "--grade", "七年级"]) == 1
    err = capsys.readouterr().err
    assert "需要心理健康教师角色" in err and "您的角色：班主任" in err


def test_grade_export_as_homeroom_is_not_allowed(school, capsys, tmp_path):
    out = tmp_path / "out"
    assert main([*as_(school, "bzr"), "archive", "export", "--grade", "七年级", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "没有权限" in err and "没有可导出" not in err
    assert not out.exists() or not any(out.iterdir())


def test_help_is_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    out = capsys.readouterr().out
    for english in ("positional arguments", "options:", "show this help", "usage:", "Scoring engine"):
        assert english not in out
    assert "用法：" in out and "计分引擎" in out and "选项" in out


def test_init_reads_new_password(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XADESK_NEW_PASSWORD", "brand-new-pass-9")
    assert main(["--db", str(tmp_path / "s.xadesk"), "init", "--school", "测试中学", "--admin", "boss"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("XADESK_PASSWORD", "brand-new-pass-9")
    assert main(["--db", str(tmp_path / "s.xadesk"), "--user", "boss", "roster", "list"]) == 0


@pytest.mark.parametrize("name", ["张\u202e三", "李\u200b四", "王\x07五", "赵\ufeff六"])
def test_invisible_characters_in_names_refused(school, name):
    with pytest.raises(UserError) as err:
        update_student(school.admin, school.student_ids["林一鸣"], name=name)
    assert "看不见的控制字符" in str(err.value) and "U+" in str(err.value)
    with pytest.raises(UserError):
        add_user(school.admin, "t1", name, [RoleSpec(roles.HOMEROOM, class_id=school.class_ids[("J1", 2)])],
                 STAFF_PASSWORD)


def test_minority_name_with_middle_dot_accepted(school):
    update_student(school.admin, school.student_ids["林一鸣"], name="阿卜杜·艾力")


def test_roster_file_is_a_folder(school, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    assert main([*as_(school, "admin"), "roster", "import", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "是一个文件夹" in err and "找不到" not in err


def test_huge_csv_cell_is_named(school, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("XADESK_PASSWORD", ADMIN_PASSWORD)
    f = tmp_path / "roster.csv"
    f.write_text("姓名,性别,学籍号,班级\n张三,男,G610113201301010011,七年级(1)班\n李四,女,\"" + "x" * 1_000_000
                 + ",七年级(1)班\n", encoding="utf-8")
    assert main([*as_(school, "admin"), "roster", "import", str(f)]) == 1
    err = capsys.readouterr().err
    assert "第 3 行" in err and "131,072 个字符" in err and "引号" in err and "损坏" not in err


def test_bare_xadesk_without_display_says_so(monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert main([]) == 1
    assert "没有图形显示" in capsys.readouterr().err


def test_missing_xcb_libraries_are_named(monkeypatch):
    monkeypatch.setattr("ui.platform_check._loads", lambda soname: "icccm" not in soname and "keysyms" not in soname)
    problem = display_problem({"DISPLAY": ":0"}, "linux")
    assert problem and "libxcb-icccm4" in problem and "libxcb-keysyms1" in problem and "cursor" not in problem
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None


@pytest.mark.parametrize(("argv", "words"), [
    (["roster", "list", "--bogus"], "无法识别的参数：--bogus"),
    (["campaign", "create"], "缺少必需的参数"),
    (["campaign", "create", "x", "--instruments", "phq9", "--purpose", "zzz"], "参数 --purpose 的值"),
])
def test_usage_errors_in_chinese(argv, words, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "用法：" in err and "usage:" not in err
