"""问卷星 and spreadsheet imports: Readable and Original exports, GBK CSV and xlsx, mappings, unmatched
rows, refusals that name row and column and import nothing, re-import that changes nothing."""

from __future__ import annotations

import json

import pytest

from tests.screening.wjx_files import write_csv, write_xlsx
from xadesk.errors import ValidationFailed
from xadesk.instruments import load_builtin
from xadesk.screening.survey import read_survey
from xadesk.services.campaigns import coverage
from xadesk.services.screening_import import import_survey, saved_mapping, survey_columns
from xadesk.services.screening_results import response_answers, results

PEOPLE = [
    # matched by 学籍号
    {"no": "G610113201301010011", "name": "林一鸣", "class": "七年级1班", "phq": [1, 1, 2, 0, 1, 0, 1, 0, 1],
     "asq": [0, 0, 0, 0, None]},
    {"no": "G61011320130202002X", "name": "苏晓雨", "class": "七年级1班", "phq": [0, 0, 0, 0, 0, 0, 0, 0, 0],
     "asq": [1, 0, 0, 0, 0]},
    # matched by name + class (no 学籍号 given)
    {"no": "", "name": "贺子轩", "class": "初一(2)班", "phq": [3, 3, 3, 2, 2, 2, 1, 1, 0], "asq": [0, 0, 0, 0, None]},
    # unmatched: unknown 学籍号, unknown name
    {"no": "G610113201309090099", "name": "不存在", "class": "七年级1班", "phq": [0] * 9, "asq": [0, 0, 0, 0, None]},
    {"no": "", "name": "查无此人", "class": "七年级2班", "phq": [0] * 9, "asq": [0, 0, 0, 0, None]},
]


def _by_no(rows):
    return {(r.student_no, r.instrument_id): r for r in rows}


@pytest.mark.parametrize("original", [False, True], ids=["readable", "original"])
@pytest.mark.parametrize("fmt", ["csv_gbk", "xlsx"])
def test_wjx_export_imports_with_suggested_mapping(counselor, campaign, tmp_path, original, fmt):
    name = f"All_Data_{'Original' if original else 'Readable'}"
    path = (write_csv(tmp_path / f"{name}.csv", PEOPLE, original=original) if fmt == "csv_gbk"
            else write_xlsx(tmp_path / f"{name}.xlsx", PEOPLE, original=original))
    sf = read_survey(path)
    assert sf.kind == "wjx"
    assert "来自IP" not in [c.header for c in sf.columns]          # the IP column is dropped on reading
    preview = survey_columns(counselor, campaign.id, path)
    assert preview.mapping["identity"] == {"student_no": "1、你的学籍号", "name": "2、你的姓名", "class": "3、你所在的班级"}
    assert preview.mapping["coding"] == ("ordinal" if original else "label")
    assert preview.verdict.source == "name" and preview.proven
    assert not any("113.200" in cell for row in preview.sample for cell in row)

    first = import_survey(counselor, campaign.id, path)
    # 贺子轩 gave no 学籍号: matched by name + class, listed for a person to confirm, not stored yet
    assert first.matched == 2 and [(m.row, m.name) for m in first.to_confirm] == [(4, "贺子轩")]
    report = import_survey(counselor, campaign.id, path, accept=[4])
    assert report.matched == 3 and not report.to_confirm and [m.row for m in report.accepted] == [4]
    assert len(report.unmatched) == 2
    assert report.unmatched[0].startswith("第5行") and "不在学生名单" in report.unmatched[0]
    assert "G610113201309090099" not in report.unmatched[0] and "610113201309090099" not in report.summary()
    assert report.unmatched[1].startswith("第6行") and "查无此人" in report.unmatched[1]
    assert report.total.added == 2
    got = _by_no(results(counselor, campaign.id))
    assert got[("G610113201301010011", "phq9")].scales["total"].raw == 7
    assert got[("G610113201303030038", "phq9")].scales["total"].raw == 17
    assert got[("G61011320130202002X", "asq")].flags == ("safety:asq_positive", "screen:asq_acuity_unknown") or \
        "safety:asq_positive" in got[("G61011320130202002X", "asq")].flags
    # ASQ q5 not shown (-2 / (跳过)) is a blank, not an answer
    assert response_answers(counselor, campaign.id, got[("G610113201301010011", "asq")].student_id,
                            "asq")["answers"][4] is None
    # the mapping is saved for the next file of the same survey
    assert saved_mapping(counselor, campaign.id)["items"]

    again = import_survey(counselor, campaign.id, path, accept="all")
    assert (again.total.added, again.total.updated, again.total.conflicts) == (0, 0, 0)
    assert again.total.unchanged == 6
    cov = coverage(counselor, campaign.id).to_json()
    assert cov["completed"] == 3 and cov["missing"] == 3


def test_bad_cell_is_refused_with_row_and_column_and_nothing_imported(counselor, campaign, tmp_path):
    path = write_csv(tmp_path / "All_Data_Readable.csv", PEOPLE, original=False)
    text = path.read_bytes().decode("gbk").replace("一半以上的天数", "经常", 1)
    path.write_bytes(text.encode("gbk"))
    with pytest.raises(ValidationFailed) as exc:
        import_survey(counselor, campaign.id, path)
    err = exc.value
    assert err.row == 2 and err.field == "第4题(入睡困难、睡不安稳或睡眠过多)"
    assert "第2行第12列" in err.zh and "“经常”" in err.zh and "未导入" in err.zh
    assert results(counselor, campaign.id) == []
    assert coverage(counselor, campaign.id).total.completed == 0


def test_explicit_mapping_file_and_value_overrides(counselor, campaign, tmp_path):
    path = write_csv(tmp_path / "answers.csv", PEOPLE[:1], original=False, encoding="utf-8-sig")
    mapping = survey_columns(counselor, campaign.id, path).mapping
    # the school wrote "从不" instead of the form's wording on its own survey
    text = path.read_text(encoding="utf-8-sig").replace("完全不会", "从不")
    path.write_text(text, encoding="utf-8-sig")
    mapping["values"] = {"*": {"从不": 0}}
    mfile = tmp_path / "mapping.json"
    mfile.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    report = import_survey(counselor, campaign.id, path, mapping=mfile)
    assert report.total.added == 2


def test_score_layout_needs_no_mapping_and_dry_run_writes_nothing(counselor, campaign, tmp_path):
    path = tmp_path / "phq.csv"
    path.write_text("id,1,2,3,4,5,6,7,8,9\nG610113201205050019,1,1,1,1,1,1,1,1,0\n", encoding="utf-8")
    dry = import_survey(counselor, campaign.id, path, instrument="phq9", dry_run=True)
    assert dry.total.added == 1 and results(counselor, campaign.id) == []
    report = import_survey(counselor, campaign.id, path, instrument="phq9")
    assert report.total.added == 1
    assert results(counselor, campaign.id)[0].scales["total"].raw == 8


def test_duplicate_submission_keeps_the_later_one_and_lists_the_pair(counselor, campaign, tmp_path):
    path = write_csv(tmp_path / "dup.csv", [PEOPLE[0], PEOPLE[1], dict(PEOPLE[0], phq=[3] * 9)], original=True)
    report = import_survey(counselor, campaign.id, path, dry_run=True)
    assert report.matched == 2
    (dup,) = report.duplicates
    assert dup.rows == (2, 4) and dup.kept == 4 and dup.chosen_by == "later" and dup.name == "林一鸣"
    assert "第2、4行" in report.summary() and "提交了 2 次" in report.summary()
    # the person keeps the first submission instead
    report = import_survey(counselor, campaign.id, path, keep=[2])
    assert report.duplicates[0].kept == 2 and report.duplicates[0].chosen_by == "person"
    got = _by_no(results(counselor, campaign.id))
    assert got[("G610113201301010011", "phq9")].scales["total"].raw == 7


def test_excel_float_student_number_is_reported(counselor, campaign, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    phq = load_builtin("phq9")
    ws.append(["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、学籍号",
               *[f"第2题({it.text_zh})" for it in phq.items[:9]]])
    ws.append([1, "2026/09/03 12:00:00", "100秒", "手机提交", "直接访问", "1.2.3.4", 6.10113201301010e17, *["好几天"] * 9])
    wb.save(tmp_path / "f.xlsx")
    report = import_survey(counselor, campaign.id, tmp_path / "f.xlsx", confirm=True)   # the file has no ASQ
    assert report.matched == 0 and "科学计数法" in report.unmatched[0]
