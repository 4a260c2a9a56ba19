"""问卷星 exports as schools bring them (tests/fieldfiles/build.py): every kind × format × header style ×
shortened labels imports with the scores of an independent reference — or stops before storing
anything. Never shifted scores."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fieldfiles.build import Answerer, answerers, headers, reference_totals, rows, survey_file, write
from xadesk.cli.main import main
from xadesk.errors import ValidationFailed
from xadesk.services.screening_import import import_survey, survey_columns
from xadesk.services.screening_results import results
from xadesk.survey.mapping import MappingRefused

# The six students of the small school, as students type themselves into a survey.
TYPED = [
    ("G610113201301010011", "林一鸣", "七(1)班"),
    ("61011320130202002x", "苏晓雨", "701班"),                     # bare ID number, lower-case x, 701班
    ("Ｇ６１０１１３ ２０１３０３０３ ００３８", "贺子轩", "初一（２）班"),  # full width with spaces
    ("", "姚佳琪", "七年级2班"),                                     # no number: name + class, to confirm
    ("G610113201205050018", "任浩然", "801"),                       # a typo: name + class, to confirm
    ("G610113201206060026", "邵可欣", "八(1)班"),
]
NO_OF = {"林一鸣": "G610113201301010011", "苏晓雨": "G61011320130202002X", "贺子轩": "G610113201303030038",
         "姚佳琪": "G610113201304040024", "任浩然": "G610113201205050019", "邵可欣": "G610113201206060026"}
PEOPLE = answerers(TYPED)


def stored_totals(ctx, campaign_id) -> dict[tuple[str, str], float | None]:
    return {(r.student_no, r.instrument_id): r.scales["total"].raw for r in results(ctx, campaign_id)}


def expected(people: list[Answerer]) -> dict[tuple[str, str], int]:
    out = {}
    for a in people:
        for inst, total in reference_totals(a).items():
            out[(NO_OF[a.name], inst)] = total
    return out


@pytest.mark.parametrize("kind, ext, labels, style, spaces", [
    ("text", "xlsx", "full", "第N题", False),
    ("text", "xls", "short", "N", False),
    ("text", "csv", "short", "第N题", True),
    ("ordinal", "xlsx", "short", "第N题", False),
    ("ordinal", "xls", "full", "N", True),
    ("ordinal", "csv", "short", "N", False),
    ("score", "xlsx", "short", "N", True),
    ("score", "xls", "short", "第N题", False),
    ("score", "csv", "full", "第N题", False),
])
def test_every_kind_and_format_stores_the_reference_scores(counselor, campaign, tmp_path, kind, ext, labels, style,
                                                           spaces):
    path = survey_file(tmp_path, PEOPLE, kind=kind, ext=ext, labels=labels, style=style, spaces=spaces)
    preview = survey_columns(counselor, campaign.id, path)
    assert preview.verdict.coding == {"text": "label", "ordinal": "ordinal", "score": "value"}[kind]
    assert preview.verdict.source == "name"
    assert preview.proven, [(c.header, c.target, c.evidence) for c in preview.columns]
    report = import_survey(counselor, campaign.id, path, accept="all")
    assert report.matched == 6 and not report.unmatched
    assert {m.name for m in report.accepted} == {"姚佳琪", "任浩然"}
    assert stored_totals(counselor, campaign.id) == expected(PEOPLE)


def test_shortened_ordinal_matrix_is_mapped_by_question_numbers(counselor, campaign, tmp_path):
    """The file of the issue: 按序号, matrix rows shortened, PHQ-9's difficulty question between the two
    matrices. GAD-7 must come from question 6, row k → item k; the difficulty question feeds nothing."""
    path = survey_file(tmp_path, PEOPLE, kind="ordinal", ext="xlsx", labels="short")
    preview = survey_columns(counselor, campaign.id, path)
    use = {c.header: (c.target, c.evidence) for c in preview.columns}
    assert use["第6题(紧张)"] == ("gad7:q1", "number")
    assert use["第6题(怕有坏事)"] == ("gad7:q7", "number")
    assert use["第4题(想伤害自己)"] == ("phq9:q9", "number")
    assert use[next(h for h in use if h.startswith("5、"))][0] == ""     # unscored: not mapped unless asked
    difficulty = next(c for c in preview.columns if c.header.startswith("5、"))
    assert "PHQ-9第10题（不计分），默认不导入" in difficulty.note
    assert preview.proven and not preview.problems
    # the decoded rows the person sees are the real answers, item by item
    assert preview.decoded[0].answers["gad7"] == [float(v) for v in PEOPLE[0].gad]
    import_survey(counselor, campaign.id, path, accept="all")
    assert stored_totals(counselor, campaign.id) == expected(PEOPLE)


def test_shortened_labels_without_structure_stop_before_storing_anything(counselor, campaign, tmp_path):
    """Every item its own question, labels shortened: nothing proves which column is which, and the
    columns left are not as many as the items left (the difficulty question): the import stops."""
    path = survey_file(tmp_path, PEOPLE, kind="ordinal", ext="xlsx", labels="short", layout="singles")
    with pytest.raises(MappingRefused) as exc:
        import_survey(counselor, campaign.id, path, accept="all", confirm=True)
    assert "没有导入任何数据" in exc.value.zh
    assert any("没有对应的列" in d for d in exc.value.details)
    assert any("“4、没兴趣”" in d for d in exc.value.details)                # the table is shown
    assert results(counselor, campaign.id) == []
    # The person fixes the mapping from the question numbers (4–12 PHQ-9, 14–20 GAD-7): correct scores.
    mapping = dict(exc.value.proposal.mapping)
    heads = headers(labels="short", layout="singles")[9:]
    items = {h: f"phq9:q{j + 1}" for j, h in enumerate(heads[:9])}
    items.update({h: f"gad7:q{j + 1}" for j, h in enumerate(heads[10:])})
    mapping.update(items=items, coding="ordinal")
    import_survey(counselor, campaign.id, path, mapping=mapping, accept="all")
    assert stored_totals(counselor, campaign.id) == expected(PEOPLE)


def test_a_guess_by_order_is_stored_only_after_confirmation(counselor, campaign, tmp_path):
    """Singles without the difficulty question: the columns left fit the items left exactly, so they
    are proposed in order — a guess, never stored without a person's confirmation."""
    head = [h for h in headers(labels="short", layout="singles") if not h.startswith("13、")]
    body = [r[:18] + r[19:] for r in rows(PEOPLE, "ordinal")]
    path = write(tmp_path / "245871932_按序号_筛查_1_1.xlsx", head, body)
    preview = survey_columns(counselor, campaign.id, path)
    assert not preview.proven and preview.needs_confirmation
    assert {c.evidence for c in preview.columns if c.target.startswith(("phq9", "gad7"))} <= {"order", "text", "text?"}
    with pytest.raises(MappingRefused) as exc:
        import_survey(counselor, campaign.id, path, accept="all")
    assert "--confirm" in exc.value.zh and results(counselor, campaign.id) == []
    import_survey(counselor, campaign.id, path, accept="all", confirm=True)
    assert stored_totals(counselor, campaign.id) == expected(PEOPLE)


def test_three_kinds_of_one_survey_store_identical_answers_and_scores(counselor, campaign, tmp_path):
    first = import_survey(counselor, campaign.id, survey_file(tmp_path, PEOPLE, kind="text", labels="short"),
                          accept="all")
    assert first.total.added == 12
    before = stored_totals(counselor, campaign.id)
    for kind, ext in (("ordinal", "csv"), ("score", "xls")):
        again = import_survey(counselor, campaign.id, survey_file(tmp_path, PEOPLE, kind=kind, ext=ext, labels="short"),
                              accept="all")
        # the same answers from another export kind change nothing: identical, not merely equal totals
        assert (again.total.added, again.total.updated, again.total.conflicts, again.total.unchanged) == (0, 0, 0, 12)
    assert stored_totals(counselor, campaign.id) == before == expected(PEOPLE)


# --- the kind from the cells --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, coding", [("text", "label"), ("ordinal", "ordinal"), ("score", "value")])
def test_kind_read_from_the_cells_when_the_name_does_not_say(counselor, campaign, tmp_path, kind, coding):
    path = survey_file(tmp_path, PEOPLE, kind=kind, named=False)          # 问卷导出.xlsx
    preview = survey_columns(counselor, campaign.id, path)
    assert (preview.verdict.coding, preview.verdict.source) == (coding, "values")
    import_survey(counselor, campaign.id, path, accept="all")
    assert stored_totals(counselor, campaign.id) == expected(PEOPLE)


def test_ambiguous_numbers_are_not_assumed_either_way(counselor, campaign, tmp_path):
    """Every answer 1–2 on a 0–3 scale: as ordinals or as scores, each item differs by one. Ask."""
    people = [Answerer(a.no, a.name, a.cls, [1 + (j + k) % 2 for j in range(9)], [1 + (j * k) % 2 for j in range(7)], 1,
                       a.submitted) for k, a in enumerate(PEOPLE)]
    path = survey_file(tmp_path, people, kind="score", named=False)
    preview = survey_columns(counselor, campaign.id, path)
    assert preview.verdict.coding is None and "按序号" in preview.verdict.label and not preview.decoded
    with pytest.raises(MappingRefused) as exc:
        import_survey(counselor, campaign.id, path, accept="all", confirm=True)
    assert "无法确定" in exc.value.zh and results(counselor, campaign.id) == []
    import_survey(counselor, campaign.id, path, accept="all", coding="score")
    assert stored_totals(counselor, campaign.id) == expected(people)


def test_name_and_cells_that_disagree_are_refused(counselor, campaign, tmp_path):
    """Named 按分数, but the cells hold 4s: the export or the form's scores are not what they seem."""
    path = survey_file(tmp_path, PEOPLE, kind="ordinal", named=False)
    renamed = path.with_name("245871932_按分数_筛查_6_6.xlsx")
    path.rename(renamed)
    preview = survey_columns(counselor, campaign.id, renamed)
    assert preview.verdict.source == "conflict" and "按分数" in preview.verdict.reason
    with pytest.raises(MappingRefused):
        import_survey(counselor, campaign.id, renamed, accept="all", confirm=True)
    assert results(counselor, campaign.id) == []


# --- unreadable cells: mapping or data? ------------------------------------------------------------------------

def test_a_wrongly_mapped_column_is_blamed_on_the_mapping(counselor, campaign, tmp_path):
    path = survey_file(tmp_path, PEOPLE, kind="text")
    mapping = survey_columns(counselor, campaign.id, path).mapping
    difficulty = next(h for h in headers() if h.startswith("5、"))
    q1 = next(h for h, t in mapping["items"].items() if t == "phq9:q1")
    mapping["items"][difficulty] = "phq9:q1"            # the person picked the wrong column
    del mapping["items"][q1]
    with pytest.raises(ValidationFailed) as exc:
        import_survey(counselor, campaign.id, path, mapping=mapping, accept="all")
    assert "对应关系" in exc.value.zh and "未导入" in exc.value.zh
    assert results(counselor, campaign.id) == []


def test_one_odd_cell_is_blamed_on_the_data(counselor, campaign, tmp_path):
    body = rows(PEOPLE, "text")
    body[2][12] = "经常"
    path = write(tmp_path / "245871932_按文本_筛查_6_6.xlsx", headers(), body)
    with pytest.raises(ValidationFailed) as exc:
        import_survey(counselor, campaign.id, path, accept="all")
    assert "第4行第13列" in exc.value.zh and "数据本身" in exc.value.zh and "对应关系的问题" not in exc.value.zh
    assert results(counselor, campaign.id) == []


# --- matching -------------------------------------------------------------------------------------------------

def test_name_and_class_matches_are_listed_and_stored_only_when_accepted(counselor, campaign, tmp_path):
    path = survey_file(tmp_path, PEOPLE, kind="ordinal")
    dry = import_survey(counselor, campaign.id, path, dry_run=True)
    assert dry.matched == 4
    assert [(m.row, m.name, m.class_label) for m in dry.to_confirm] == [(5, "姚佳琪", "七年级(2)班"),
                                                                       (6, "任浩然", "八年级(1)班")]
    assert "没有填学籍号" in dry.to_confirm[0].reason and "不在学生名单" in dry.to_confirm[1].reason
    text = dry.summary() + json.dumps(dry.to_json(), ensure_ascii=False)
    for no in NO_OF.values():
        assert no[1:] not in text and no[1:13] not in text               # no ID number in any message
    assert "610113201205050018" not in text
    report = import_survey(counselor, campaign.id, path, accept=[5])
    assert report.matched == 5 and [m.row for m in report.to_confirm] == [6]
    stored = {no for no, _ in stored_totals(counselor, campaign.id)}
    assert NO_OF["姚佳琪"] in stored and NO_OF["任浩然"] not in stored


def test_duplicate_submission_keeps_the_later_by_submission_time(counselor, campaign, tmp_path):
    later_first = Answerer(PEOPLE[0].no, PEOPLE[0].name, PEOPLE[0].cls, [3] * 9, [3] * 7, 3, "2026/10/09 08:00:00")
    people = [later_first, *PEOPLE]       # row 2 was submitted last, though it comes first in the file
    path = survey_file(tmp_path, people, kind="text")
    report = import_survey(counselor, campaign.id, path, accept="all", dry_run=True)
    (dup,) = report.duplicates
    assert dup.rows == (2, 3) and dup.kept == 2 and dup.submitted[0] == "2026-10-09 08:00:00"
    import_survey(counselor, campaign.id, path, accept="all", keep=[3])
    assert stored_totals(counselor, campaign.id)[(NO_OF["林一鸣"], "phq9")] == reference_totals(PEOPLE[0])["phq9"]


# --- the command line ------------------------------------------------------------------------------------------

@pytest.fixture
def cli(small_school, monkeypatch, capsys):
    from tests.services.conftest import STAFF_PASSWORD

    monkeypatch.setenv("XADESK_USER", "xinli")
    monkeypatch.setenv("XADESK_PASSWORD", STAFF_PASSWORD)

    def run(*argv: str, code: int = 0):
        rc = main(["--db", str(small_school.path), *argv])
        out = capsys.readouterr()
        assert rc == code, out.err
        return out
    return run


def test_cli_dry_run_prints_the_table_and_a_guess_needs_confirm(cli, campaign, tmp_path):
    head = [h for h in headers(labels="short", layout="singles") if not h.startswith("13、")]
    body = [r[:18] + r[19:] for r in rows(PEOPLE, "ordinal")]
    path = write(tmp_path / "245871932_按序号_筛查_1_1.csv", head, body)
    out = cli("campaign", "import", str(campaign.id), str(path), "--dry-run").out
    assert "导出方式：按序号（据文件名）" in out
    assert "“14、紧张” → GAD-7 第1题 感觉紧张、焦虑或急切  [题干相近，请核对]" in out
    assert "--confirm" in out and "待确认 2 行" in out
    saved = tmp_path / "m.json"
    err = cli("campaign", "import", str(campaign.id), str(path), "--save-mapping", str(saved), code=1).err
    assert "没有导入任何数据" in err and "已把建议的对应关系写入" in err
    assert json.loads(saved.read_text(encoding="utf-8"))["items"]["14、紧张"] == "gad7:q1"
    out = cli("campaign", "import", str(campaign.id), str(path), "--confirm").out
    assert "导入完成" in out


def test_cli_kind_option_settles_an_ambiguous_file(cli, campaign, tmp_path):
    people = [Answerer(a.no, a.name, a.cls, [1] * 9, [2] * 7, 1, a.submitted) for a in PEOPLE]
    path = survey_file(tmp_path, people, kind="ordinal", named=False, ext="csv")
    err = cli("campaign", "import", str(campaign.id), str(path), "--confirm", code=1).err
    assert "--kind" in err
    cli("campaign", "import", str(campaign.id), str(path), "--confirm", "--kind", "ordinal")


def test_a_number_that_belongs_to_someone_else_is_listed_not_taken(counselor, campaign, tmp_path):
    swapped = Answerer(NO_OF["苏晓雨"], "林一鸣", "七(1)班", PEOPLE[0].phq, PEOPLE[0].gad, 1)
    hidden = Answerer("G6101132013\u200b01010011", "林一鸣\u200b", "七(1)班", PEOPLE[0].phq, PEOPLE[0].gad, 1)
    path = survey_file(tmp_path, [swapped], kind="text")
    report = import_survey(counselor, campaign.id, path, dry_run=True)
    (m,) = report.to_confirm
    assert m.name == "苏晓雨" and "不符" in m.reason and report.matched == 0
    # zero-width characters pasted with the number and the name change nothing
    report = import_survey(counselor, campaign.id, survey_file(tmp_path / "b", [hidden], kind="text"), dry_run=True)
    assert report.matched == 1 and not report.to_confirm


def test_the_confirmed_mapping_is_offered_for_the_next_file_of_the_survey(counselor, campaign, tmp_path):
    head = [h for h in headers(labels="short", layout="singles") if not h.startswith("13、")]
    body = [r[:18] + r[19:] for r in rows(PEOPLE, "ordinal")]
    first = write(tmp_path / "245871932_按序号_筛查_1_1.xlsx", head, body)
    assert survey_columns(counselor, campaign.id, first).needs_confirmation
    import_survey(counselor, campaign.id, first, confirm=True, accept="all")
    later = write(tmp_path / "245871932_按分数_筛查_2_2.xlsx", head, [r[:18] + r[19:] for r in rows(PEOPLE, "score")])
    preview = survey_columns(counselor, campaign.id, later)
    assert preview.mapping_source == "saved" and not preview.needs_confirmation
    assert preview.verdict.coding == "value"             # the kind comes from this file, not the saved one
    again = import_survey(counselor, campaign.id, later, accept="all")
    assert again.total.unchanged == 12


def test_matrix_rows_in_another_order_follow_their_full_text(counselor, campaign, tmp_path):
    """A school moved GAD-7's rows around but kept the wording: the words decide, not the position."""
    order = [6, 0, 1, 2, 3, 4, 5]
    head = headers()
    gad_cols = list(range(19, 26))                 # 6 metadata + 3 identity + 9 PHQ-9 + 1 difficulty
    new_head = head[:19] + [head[gad_cols[k]] for k in order]
    body = [r[:19] + [r[gad_cols[k]] for k in order] for r in rows(PEOPLE, "ordinal")]
    path = write(tmp_path / "245871932_按序号_筛查_6_6.xlsx", new_head, body)
    preview = survey_columns(counselor, campaign.id, path)
    assert preview.proven
    assert preview.mapping["items"][new_head[19]] == "gad7:q7"
    import_survey(counselor, campaign.id, path, accept="all")
    assert stored_totals(counselor, campaign.id) == expected(PEOPLE)


# --- never shifted: whatever the layout, right scores or nothing ---------------------------------------------

@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.sampled_from(["matrix", "singles"]), labels=st.sampled_from(["full", "short"]),
       kind=st.sampled_from(["text", "ordinal", "score"]), style=st.sampled_from(["第N题", "N"]),
       drop_difficulty=st.booleans(), named=st.booleans())
def test_without_confirmation_a_file_stores_the_reference_scores_or_nothing(counselor, tmp_path_factory, layout,
                                                                            labels, kind, style, drop_difficulty,
                                                                            named):
    from xadesk.services.campaigns import create_campaign

    info = create_campaign(counselor, "性质检验", ["phq9", "gad7"], grades=["J1", "J2"], open_now=True)
    head = headers(labels=labels, style=style, layout=layout)
    body = rows(PEOPLE, kind)
    if drop_difficulty:
        head, body = head[:18] + head[19:], [r[:18] + r[19:] for r in body]
    folder = tmp_path_factory.mktemp("prop")
    name = f"245871932_{ {'text': '按文本', 'ordinal': '按序号', 'score': '按分数'}[kind] }_筛查_6_6.xlsx" if named \
        else "问卷导出.xlsx"
    path = write(folder / name.replace(" ", ""), head, body)
    try:
        import_survey(counselor, info.id, path, accept="all")
    except MappingRefused:
        assert results(counselor, info.id) == []
    else:
        assert stored_totals(counselor, info.id) == expected(PEOPLE)
