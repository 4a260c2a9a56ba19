"""Issue 9 tried again: a positive answer to a critical item in a 问卷星 row whose answers are *not*
stored must not be dropped with the row.

Rows are left out for good reasons (the other copy of a duplicate submission, a name + class match
nobody has confirmed yet, a student who is not a target of the campaign, an instrument the student's
grade is not given, a row that matches nobody) — but the child who wrote "nearly every day" on the
self-harm item is still that child. A row that names a student puts the student in the review queue
(``safety: true``, saying where the answer came from); a row that names nobody is reported first,
for a person to look into.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.screening.conftest import STUDENTS
from tests.screening.test_safety_path import _queue
from xadesk.cli.main import main
from xadesk.instruments import load_builtin
from xadesk.services.campaigns import create_campaign
from xadesk.services.screening_import import import_survey

HEAD = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、你的学籍号", "2、你的姓名", "3、你所在的班级"]
POS = [0] * 8 + [3, 0]          # PHQ-9 item 9 = nearly every day
NEG = [0] * 10
LIN, SU, REN = STUDENTS[0], STUDENTS[1], STUDENTS[4]     # 林一鸣 七(1), 苏晓雨 七(1), 任浩然 八(1)


def wjx(path: Path, rows, iid: str = "phq9", coding: str = "ordinal", encoding: str = "gbk") -> tuple[Path, Path]:
    """A 问卷星 按序号 export of one instrument (cells given as text are written as they are) and its mapping."""
    defn = load_builtin(iid)
    out = [HEAD + [f"{4 + j}、第{j + 1}题" for j in range(defn.n_items)]]
    for k, (no, name, cls, values, when) in enumerate(rows, 1):
        line = [k, when, "300秒", "手机提交", "直接访问", "1.2.3.4", no, name, cls]
        for j, v in enumerate(values):
            if v is None:
                line.append("(跳过)")
            elif isinstance(v, str):
                line.append(v)
            elif coding == "ordinal":
                line.append([o.value for o in defn.items[j].options].index(v) + 1)
            else:
                line.append(int(v))
        out.append(line)
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(out)
    mapping = {"format": "xadesk-survey-mapping/1", "coding": coding,
               "identity": {"student_no": "1、你的学籍号", "name": "2、你的姓名", "class": "3、你所在的班级"},
               "items": {f"{4 + j}、第{j + 1}题": f"{iid}:{it.id}" for j, it in enumerate(defn.items)}}
    m = path.with_suffix(".json")
    m.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    return path, m


@pytest.fixture
def setup(counselor, small_school, tmp_path):
    c = create_campaign(counselor, "2026秋季普查", ["phq9"], grades=["J1", "J2"], open_now=True)
    return counselor, small_school, c, tmp_path


def _safety_rows(school, c) -> dict[str, list[str]]:
    return {r["name"]: r["reasons"] for r in _queue(school, c) if r["safety"]}


def test_the_other_copy_of_a_duplicate_submission_is_read_for_safety(setup):
    """The student said yes at 10:00 and no at 10:30: the later copy is stored (as before), and the
    earlier "yes" puts the student in the queue, saying which row it was."""
    ctx, school, c, tmp = setup
    path, m = wjx(tmp / "wjx.csv", [(LIN[4], LIN[0], "七年级1班", POS, "2026/09/03 10:00:00"),
                                    (LIN[4], LIN[0], "七年级1班", NEG, "2026/09/03 10:30:00")])
    report = import_survey(ctx, c.id, path, mapping=m)
    assert report.total.added == 1 and report.duplicates[0].kept == 3
    assert report.summary().startswith("！第2行有安全题阳性作答：PHQ-9 第9题")
    [reason] = _safety_rows(school, c)[LIN[0]]
    assert reason.startswith("PHQ-9 第9题") and "第2行" in reason and "另一份提交" in reason


def test_a_name_match_not_yet_confirmed_is_in_the_queue_at_once(setup):
    ctx, school, c, tmp = setup
    path, m = wjx(tmp / "wjx.csv", [("", LIN[0], "七(1)班", POS, "2026/09/03 10:00:00")])
    report = import_survey(ctx, c.id, path, mapping=m)
    assert report.total.added == 0 and len(report.to_confirm) == 1
    [reason] = _safety_rows(school, c)[LIN[0]]
    assert "尚未确认" in reason
    # Confirming later stores the answers; the queue entry stays one entry.
    import_survey(ctx, c.id, path, mapping=m, accept="all")
    assert len(_safety_rows(school, c)[LIN[0]]) == 1


def test_a_number_that_belongs_to_someone_else_is_held_on_its_owner(setup):
    ctx, school, c, tmp = setup
    path, m = wjx(tmp / "wjx.csv", [(LIN[4], "王小明", "七年级1班", POS, "2026/09/03 10:00:00")])
    report = import_survey(ctx, c.id, path, mapping=m)
    assert report.total.added == 0
    assert "学籍号与姓名不符" in _safety_rows(school, c)[LIN[0]][0]


def test_a_student_who_is_not_a_target_is_still_in_the_queue(counselor, small_school, tmp_path):
    c = create_campaign(counselor, "七年级普查", ["phq9"], grades=["J1"], open_now=True)
    path, m = wjx(tmp_path / "wjx.csv", [(REN[4], REN[0], "八年级1班", POS, "2026/09/03 10:00:00")])
    report = import_survey(counselor, c.id, path, mapping=m)
    assert report.total.added == 0 and report.unmatched
    assert "不在本次测评对象中" in _safety_rows(small_school, c)[REN[0]][0]


def test_an_instrument_not_given_to_the_grade_is_still_read_for_safety(counselor, small_school, tmp_path):
    """The battery gives PHQ-9 to 七年级 only; an 八年级 student answered it in the shared form."""
    c = create_campaign(counselor, "分年级", [("phq9", ["J1"]), "gad7"], grades=["J1", "J2"], open_now=True)
    defn_p, defn_g = load_builtin("phq9"), load_builtin("gad7")
    header = HEAD + [f"4({it.text_zh})" for it in defn_p.items] + [f"5({it.text_zh})" for it in defn_g.items]
    row = [1, "2026/09/03 10:00:00", "300秒", "手机提交", "直接访问", "1.2.3.4", REN[4], REN[0], "八年级1班"]
    row += [1] * 8 + [4, 1] + [1] * 7
    path = tmp_path / "wjx.csv"
    with path.open("w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows([header, row])
    report = import_survey(counselor, c.id, path, coding="ordinal", confirm=True)
    assert report.stats["phq9"].added == 0 and report.stats["gad7"].added == 1
    assert "本年级不做该量表" in _safety_rows(small_school, c)[REN[0]][0]


def test_a_row_that_matches_nobody_is_reported_first(setup, monkeypatch, capsys):
    ctx, school, c, tmp = setup
    path, m = wjx(tmp / "wjx.csv", [("G999999201301019999", "王小明", "七年级1班", POS, "2026/09/03 10:00:00"),
                                    (SU[4], SU[0], "七年级1班", NEG, "2026/09/03 10:30:00")])
    report = import_survey(ctx, c.id, path, mapping=m, dry_run=True)
    [line] = report.safety_unplaced
    assert line.startswith("！第2行（“王小明”）有安全题阳性作答：PHQ-9 第9题") and "请立即核实" in line
    assert "999999" not in line
    from tests.screening.conftest import STAFF_PASSWORD

    monkeypatch.setenv("XADESK_PASSWORD", STAFF_PASSWORD)
    assert main(["--db", str(school.path), "--user", "xinli", "campaign", "import", str(c.id), str(path),
                 "--mapping", str(m), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["added"] == 1 and len(out["safety_unplaced"]) == 1
    assert _queue(school, c) == []        # nobody to put there: the report is where it is said
    from xadesk.storage.models import AuditEntry

    with ctx.db.read() as s:              # … and the audit log keeps that it was said
        [entry] = s.query(AuditEntry).filter_by(action="campaign.import").all()
        assert json.loads(entry.detail)["safety_unplaced"] == 1


def test_harmless_rows_left_out_add_nothing(setup):
    ctx, school, c, tmp = setup
    path, m = wjx(tmp / "wjx.csv", [(LIN[4], LIN[0], "七年级1班", NEG, "2026/09/03 10:00:00"),
                                    (LIN[4], LIN[0], "七年级1班", [*NEG[:-1], 1], "2026/09/03 10:30:00"),
                                    ("", SU[0], "七年级1班", NEG, "2026/09/03 10:00:00")])
    report = import_survey(ctx, c.id, path, mapping=m)
    assert not report.safety_held and not report.safety_unplaced
    assert _queue(school, c) == []


@pytest.mark.parametrize("coding,cell", [("ordinal", "٣"), ("ordinal", "३"), ("value", "٣"), ("value", "nan"),
                                         ("value", "3e0"), ("value", "inf"), ("value", "+3"),
                                         ("value", "3.")])
def test_digits_of_other_scripts_and_float_spellings_are_refused(setup, coding, cell):
    """Python reads ``٣`` as 3; no 问卷星 export writes it. Refused, naming the row and column."""
    ctx, school, c, tmp = setup
    from xadesk.errors import UserError

    path, m = wjx(tmp / "wjx.csv", [(LIN[4], LIN[0], "七年级1班", [0] * 8 + [cell, 0], "2026/09/03 10:00:00")],
                  coding=coding, encoding="utf-8-sig")
    with pytest.raises(UserError) as exc:
        import_survey(ctx, c.id, path, mapping=m)
    assert "第2行第18列" in exc.value.message and f"“{cell}”" in exc.value.message
    assert _queue(school, c) == []


def test_an_ordinal_written_as_a_float_is_read(setup):
    """A CSV re-saved by a spreadsheet tool may write 4 as "4.0"; that is still option 4."""
    ctx, school, c, tmp = setup
    path, m = wjx(tmp / "wjx.csv", [(LIN[4], LIN[0], "七年级1班", ["1.0"] * 8 + ["4.0", "1"], "2026/09/03 10:00:00")])
    assert import_survey(ctx, c.id, path, mapping=m).total.added == 1
    assert _safety_rows(school, c)[LIN[0]]


# --- answers that arrive after the campaign closed ----------------------------------------------

def test_a_file_for_a_closed_campaign_is_refused_but_its_safety_answers_reach_the_queue(setup):
    from xadesk.errors import UserError
    from xadesk.services.campaigns import close_campaign

    ctx, school, c, tmp = setup
    path, m = wjx(tmp / "wjx.csv", [(LIN[4], LIN[0], "七年级1班", POS, "2026/09/03 10:00:00"),
                                    (SU[4], SU[0], "七年级1班", NEG, "2026/09/03 10:30:00")])
    close_campaign(ctx, c.id)
    with pytest.raises(UserError) as exc:          # a dry run says what would happen, and changes nothing
        import_survey(ctx, c.id, path, mapping=m, dry_run=True)
    assert "1 处安全题阳性作答正式导入时会列入复核队列" in exc.value.message
    assert _queue(school, c) == []
    with pytest.raises(UserError) as exc:
        import_survey(ctx, c.id, path, mapping=m)
    assert "已结束" in exc.value.message and "1 处安全题阳性作答已列入复核队列" in exc.value.message
    assert "活动已结束后才导入" in _safety_rows(school, c)[LIN[0]][0]
    from xadesk.services.screening_import import saved_mapping
    from xadesk.storage.models import AuditEntry

    with ctx.db.read() as s:      # recorded as what it was: a refused late file, not an import
        actions = [a for (a,) in s.query(AuditEntry.action).filter(AuditEntry.action.like("campaign.%"))]
        assert "campaign.late" in actions and "campaign.import" not in actions
    assert saved_mapping(ctx, c.id) is None
    from xadesk.storage.models_screening import ScreeningResponse

    with ctx.db.read() as s:
        assert s.query(ScreeningResponse).count() == 0        # nothing else was stored


def test_a_harmless_file_for_a_closed_campaign_changes_nothing(setup):
    from xadesk.errors import UserError
    from xadesk.services.campaigns import close_campaign
    from xadesk.storage.models import AuditEntry

    ctx, school, c, tmp = setup
    path, m = wjx(tmp / "wjx.csv", [(SU[4], SU[0], "七年级1班", NEG, "2026/09/03 10:30:00")])
    close_campaign(ctx, c.id)
    with ctx.db.read() as s:
        before = s.query(AuditEntry).count()
    with pytest.raises(UserError, match="已结束"):
        import_survey(ctx, c.id, path, mapping=m)
    with ctx.db.read() as s:
        assert s.query(AuditEntry).count() == before
    assert _queue(school, c) == []


def test_a_lab_pack_for_a_closed_campaign_is_refused_but_its_safety_answers_reach_the_queue(setup):
    """Lab PCs are offline: a pack may come back after the counselor closed the campaign."""
    from tests.screening.test_safety_path import BIRTH, PASS
    from xadesk.errors import UserError
    from xadesk.screening.kiosk import LabKiosk
    from xadesk.services.campaigns import close_campaign
    from xadesk.services.screening_lab import export_kit, import_pack

    ctx, school, _, tmp = setup
    c = create_campaign(ctx, "机房", ["asq"], grades=["J1"], open_now=True)
    export_kit(ctx, c.id, tmp / "kit.xakit", PASS)
    pc = LabKiosk.open(tmp / "kit.xakit", PASS, tmp / "pc1", "LAB-01")
    st = pc.identify(LIN[4], BIRTH)
    for v in [0, 1]:          # stops after "yes" on question 2
        pc.answer(st, "asq", pc.next_item(st, "asq").index, v, 4.0)
    pack = pc.write_pack(tmp / "pc1.xapack")
    close_campaign(ctx, c.id)
    with pytest.raises(UserError) as exc:
        import_pack(ctx, pack, PASS)
    assert "结果包未导入" in exc.value.message and "已列入复核队列" in exc.value.message
    [reason] = _safety_rows(school, c)[LIN[0]]
    assert reason.startswith("ASQ 阳性") and "pc1.xapack" in reason
