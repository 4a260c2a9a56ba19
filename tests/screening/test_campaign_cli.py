"""``xadesk campaign …``: JSON shapes other tools rely on."""

from __future__ import annotations

import json

import pytest

from tests.screening.conftest import STAFF_PASSWORD
from tests.screening.wjx_files import write_csv
from xadesk.cli.main import main


@pytest.fixture
def cli(small_school, monkeypatch, capsys):
    monkeypatch.setenv("XADESK_USER", "xinli")
    monkeypatch.setenv("XADESK_PASSWORD", STAFF_PASSWORD)

    def run(*argv: str, code: int = 0):
        rc = main(["--db", str(small_school.path), *argv])
        out = capsys.readouterr()
        assert rc == code, out.err
        return json.loads(out.out) if "--json" in argv else out
    return run


def test_create_list_import_coverage_results(cli, tmp_path):
    created = cli("campaign", "create", "秋季普查", "--instruments", "phq9,asq", "--grade", "七年级", "--json")
    assert isinstance(created["id"], int) and created["name"] == "秋季普查" and created["status"] == "open"
    assert [i["id"] for i in created["instruments"]] == ["phq9", "asq"]
    listed = cli("campaign", "list", "--json")
    assert [(c["id"], c["name"], c["status"]) for c in listed] == [(created["id"], "秋季普查", "open")]

    answers = tmp_path / "phq.csv"
    answers.write_text("id,1,2,3,4,5,6,7,8,9,10\nG610113201301010011,1,1,1,1,1,1,1,1,1,0\n", encoding="utf-8")
    cli("campaign", "import", str(created["id"]), str(answers), "--instrument", "phq9", "--dry-run")
    assert cli("campaign", "results", "秋季普查", "--json") == []
    out = cli("campaign", "import", str(created["id"]), str(answers), "--instrument", "phq9")
    assert "新增 1" in out.out

    cov = cli("campaign", "coverage", "秋季普查", "--json")
    assert (cov["completed"], cov["missing"], cov["in_progress"]) == (0, 3, 1)
    assert {c["class"]: (c["completed"], c["missing"]) for c in cov["classes"]} == \
        {"七年级(1)班": (0, 1), "七年级(2)班": (0, 2)}

    results = cli("campaign", "results", str(created["id"]), "--json")
    assert results == [{"student_no": "G610113201301010011", "name": "林一鸣", "class": "七年级(1)班",
                        "instrument": "phq9", "version": 1, "valid": True,
                        "scales": {"total": {"raw": 9, "t": None, "band": "mild"}},
                        "flags": ["safety:item9"]}]
    # the text form reads as words (issue 11): no "total=9(mild)", no "safety:item9"
    text = cli("campaign", "results", str(created["id"])).out
    assert "PHQ-9 抑郁筛查" in text and "抑郁总分 9（轻度）" in text and "第9题" in text
    assert "total=" not in text and "(mild)" not in text and "safety:" not in text


def test_import_wjx_with_mapping_file(cli, tmp_path):
    created = cli("campaign", "create", "问卷星", "--instruments", "phq9,asq", "--class", "七年级(1)班", "--json")
    people = [{"no": "G610113201301010011", "name": "林一鸣", "class": "七年级1班", "phq": [0] * 9,
               "asq": [0, 0, 0, 0, None]}]
    path = write_csv(tmp_path / "All_Data_Original.csv", people, original=True)
    mapping = tmp_path / "m.json"
    cli("campaign", "import", str(created["id"]), str(path), "--dry-run", "--save-mapping", str(mapping))
    report = cli("campaign", "import", str(created["id"]), str(path), "--mapping", str(mapping), "--json")
    assert (report["matched"], report["added"], report["unmatched"]) == (1, 2, [])


def test_user_errors_exit_1(cli, tmp_path):
    out = cli("campaign", "create", "x", "--instruments", "nope", "--grade", "七年级", code=1)
    assert "nope" in out.err
    out = cli("campaign", "coverage", "不存在的活动", code=1)
    assert "找不到测评活动" in out.err
