"""Every bad answer file is refused the same way by ``xadesk score`` and ``xadesk campaign import``:
exit 1, a Chinese message naming the row, column or cell, nothing written or stored (issue 9 item 4)."""

from __future__ import annotations

import json

import pytest
from openpyxl import Workbook

from xadesk.cli.main import main

NO = ["G610113201301010011", "G61011320130202002X", "G610113201303030038"]   # students of the small school
HEAD = "id," + ",".join(str(i) for i in range(1, 10))


def _csv(tmp_path, text: str, name: str = "answers.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rows(*rows: str) -> str:
    return "\n".join([HEAD, *rows]) + "\n"


def _xlsx_with_formula(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["id", *range(1, 10)])
    ws.append([NO[0], 0, 0, 0, 0, 0, 0, 0, 0, "=2+1"])   # openpyxl saves no result for a formula
    ws.append([NO[1], 1, 1, 1, 1, 1, 1, 1, 1, 1])
    path = tmp_path / "answers.xlsx"
    wb.save(path)
    return path


def _xlsx_with_hidden_row(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["id", *range(1, 10)])
    for no in NO:
        ws.append([no, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    ws.row_dimensions[3].hidden = True      # Excel's 隐藏: the row is read but not seen
    path = tmp_path / "answers.xlsx"
    wb.save(path)
    return path


CASES = {
    # name: (file builder, texts every message must hold)
    "missing item columns": (lambda p: _csv(p, f"id,1,2,3,4\n{NO[0]},0,0,0,0\n{NO[1]},1,1,1,1\n"),
                             ["第1行（表头）", "缺少", "第 5、6、7、8、9 题"]),
    "cell past the header": (lambda p: _csv(p, _rows(f"{NO[0]},0,0,0,0,0,0,0,0,0", f"{NO[1]},1,1,1,1,1,1,1,1,1,,2")),
                             ["第3行", "第12列（L）", "没有表头"]),
    "duplicate id": (lambda p: _csv(p, _rows(f"{NO[0]},0,0,0,0,0,0,0,0,0", f"{NO[1]},1,1,1,1,1,1,1,1,1",
                                             f"{NO[0].lower()},2,2,2,2,2,2,2,2,2")),
                     ["第4行", "与第2行重复"]),
    "Arabic-Indic digit": (lambda p: _csv(p, _rows(f"{NO[0]},0,0,0,0,0,0,0,0,\u0661", f"{NO[1]},1,1,1,1,1,1,1,1,1")),
                           ["第2行", "第10列（J", "“١”", "0–9"]),
    "circled digit": (lambda p: _csv(p, _rows(f"{NO[0]},\u2460,0,0,0,0,0,0,0,0")), ["第2行", "第2列（B", "“①”"]),
    "invisible character": (lambda p: _csv(p, _rows(f"{NO[0]},0,0,0,0,0,0,0,0,3\u200b")),
                            ["第2行", "第10列（J", "不可见字符 U+200B"]),
    "formula without a saved value": (_xlsx_with_formula, ["J2", "公式", "没有保存计算结果"]),
    "hidden row": (_xlsx_with_hidden_row, ["answers.xlsx", "第3行是隐藏的行", "取消隐藏"]),
    "header only": (lambda p: _csv(p, HEAD + "\n"), ["只有表头", "第1行"]),
    "E-notation id": (lambda p: _csv(p, _rows("6.10113E+17,0,0,0,0,0,0,0,0,0")), ["第2行", "科学计数法"]),
    "missing id": (lambda p: _csv(p, _rows(f"{NO[0]},0,0,0,0,0,0,0,0,0", ",1,1,1,1,1,1,1,1,1")), ["第3行", "缺少 id"]),
    "not an option": (lambda p: _csv(p, _rows(f"{NO[0]},0,0,0,0,4,0,0,0,0")), ["第2行", "第6列（F", "“4”"]),
}


@pytest.fixture
def campaign_id(cli):
    return str(cli("campaign", "create", "秋季普查", "--instruments", "phq9,asq", "--grade", "七年级", "--json")["id"])


@pytest.mark.parametrize("case", list(CASES))
def test_refused_the_same_way_by_score_and_campaign_import(case, cli, campaign_id, tmp_path, capsys):
    build, expected = CASES[case]
    path = build(tmp_path)
    out_file = tmp_path / "scores.json"
    assert main(["score", "--instrument", "phq9", str(path), "--out", str(out_file)]) == 1
    scored = capsys.readouterr()
    assert scored.out == "" and not out_file.exists()
    for text in expected:
        assert text in scored.err, (text, scored.err)
    assert "Traceback" not in scored.err

    imported = cli("campaign", "import", campaign_id, str(path), "--instrument", "phq9", code=1)
    for text in expected:
        assert text in imported.err, (text, imported.err)
    assert "未导入任何数据" in imported.err or "未导入" in imported.err
    assert cli("campaign", "results", campaign_id, "--json") == []
    coverage = cli("campaign", "coverage", campaign_id, "--json")
    assert coverage["completed"] == 0 and coverage["in_progress"] == 0


def test_full_width_digits_are_read_as_digits_by_both(cli, campaign_id, tmp_path, capsys):
    path = _csv(tmp_path, _rows(f"{NO[0]},１,１,０,０,０,０,０,０,２", f"{NO[1]}　,0,0,0,0,0,0,0,0,0"))
    assert main(["score", "--instrument", "phq9", str(path)]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in scored] == [NO[0], NO[1]]
    assert scored[0]["scales"]["total"]["raw"] == 4 and scored[0]["flags"] == ["safety:item9"]
    cli("campaign", "import", campaign_id, str(path), "--instrument", "phq9")
    results = {r["student_no"]: r for r in cli("campaign", "results", campaign_id, "--json")}
    assert results[NO[0]]["scales"] == scored[0]["scales"] and results[NO[0]]["flags"] == scored[0]["flags"]
    assert results[NO[1]]["scales"]["total"]["raw"] == 0


def test_a_mapping_file_is_refused_for_the_score_layout(cli, campaign_id, tmp_path):
    path = _csv(tmp_path, _rows(f"{NO[0]},0,0,0,0,0,0,0,0,0"))
    mapping = tmp_path / "m.json"
    mapping.write_text("{}", encoding="utf-8")
    out = cli("campaign", "import", campaign_id, str(path), "--mapping", str(mapping), code=1)
    assert "不使用对应关系文件" in out.err


def test_the_import_preview_reads_answer_files_with_the_same_reader(small_school, tmp_path):
    from xadesk.errors import ValidationFailed
    from xadesk.services.campaigns import create_campaign
    from xadesk.services.screening_import import survey_columns

    ctx = small_school.as_user("xinli")
    try:
        c = create_campaign(ctx, "预览", ["phq9", "asq"], grades=["J1"], open_now=True)
        good = _csv(tmp_path, _rows(f"{NO[0]},0,1,2,3,0,1,2,3,"), "good.csv")
        preview = survey_columns(ctx, c.id, good, instrument="phq9")
        assert preview.kind == "score_layout" and preview.mapping_source == "score_layout"
        assert preview.headers == HEAD.split(",")
        assert preview.sample == [[NO[0], "0", "1", "2", "3", "0", "1", "2", "3", ""]]
        assert preview.mapping["items"]["9"] == "phq9:q9"
        bad = _csv(tmp_path, f"id,1,2,3,4\n{NO[0]},0,0,0,0\n", "bad.csv")
        with pytest.raises(ValidationFailed) as exc:
            survey_columns(ctx, c.id, bad, instrument="phq9")
        assert "缺少" in exc.value.full_text()
    finally:
        ctx.close()
