"""Issue 9, the safety path: a positive answer to a critical item reaches the review queue, with
``safety: true``, by every route it can take — without anyone running ``grid propose``.

Table-driven: every built-in instrument with a safety rule × every entry route. The queue is read
through ``xadesk grid queue --json``, the way the issue states it.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.screening.conftest import STAFF_PASSWORD, STUDENTS
from xadesk.cli.main import main
from xadesk.instruments import load_builtin
from xadesk.screening.kiosk import LabKiosk, SchoolKiosk
from xadesk.services import grid as G
from xadesk.services import screening_answers as A
from xadesk.services.campaigns import create_campaign
from xadesk.services.grid_screening import close_and_propose
from xadesk.services.login import now_utc
from xadesk.services.screening_import import import_survey
from xadesk.services.screening_lab import export_kit, import_pack
from xadesk.services.screening_paper import resolve_paper, save_paper_row
from xadesk.storage.models_screening import ScreeningResponse

NAME, _, _, _, NO, IDN = STUDENTS[0]
BIRTH = f"{IDN[6:10]}-{IDN[10:12]}-{IDN[12:14]}"
PASS = "LAB-KIT-PASS-2026"


def _answers(iid: str, positive: bool) -> list[float | None]:
    """A complete answer set: harmless everywhere, and — when ``positive`` — the critical item positive."""
    if iid == "phq9":
        return [0] * 8 + [2 if positive else 0, 0]
    if iid == "asq":
        return [1, 0, 0, 0, 1] if positive else [0, 0, 0, 0, None]
    if iid == "scl90":
        out = [1] * 90
        out[14] = 3 if positive else 1
        return out
    raise AssertionError(iid)


def _until_positive(iid: str) -> list[float]:
    """The answers a student gives before stopping: up to and including the positive one."""
    full = _answers(iid, True)
    stop = {"phq9": 9, "asq": 1, "scl90": 15}[iid]
    return full[:stop]


INSTRUMENTS = ["phq9", "asq", "scl90"]


@pytest.fixture
def setup(counselor, small_school, tmp_path):
    c = create_campaign(counselor, "2026秋季普查", INSTRUMENTS, grades=["J1", "J2"], open_now=True)
    return counselor, small_school, c, tmp_path


# --- the routes ----------------------------------------------------------------------------------

def _kiosk(ctx, school, c, iid, values):
    k = SchoolKiosk.start(ctx, c.id, "PC-01")
    st = k.identify(NO, BIRTH)
    for v in values:
        item = k.next_item(st, iid)
        k.answer(st, iid, item.index, v, 4.0)


def route_kiosk_finished(ctx, school, c, iid, tmp):
    _kiosk(ctx, school, c, iid, [v for v in _answers(iid, True) if v is not None])


def route_kiosk_interrupted(ctx, school, c, iid, tmp):
    _kiosk(ctx, school, c, iid, _until_positive(iid))


def _lab(ctx, c, iid, values, tmp):
    kit = export_kit(ctx, c.id, tmp / "kit.xakit", PASS)
    pc = LabKiosk.open(tmp / "kit.xakit", PASS, tmp / "pc1", "LAB-01")
    assert kit.students == 6
    st = pc.identify(NO, BIRTH)
    for v in values:
        item = pc.next_item(st, iid)
        pc.answer(st, iid, item.index, v, 4.0)
    import_pack(ctx, pc.write_pack(tmp / "pc1.xapack"), PASS)


def route_lab_pack(ctx, school, c, iid, tmp):
    _lab(ctx, c, iid, [v for v in _answers(iid, True) if v is not None], tmp)


def route_lab_pack_interrupted(ctx, school, c, iid, tmp):
    _lab(ctx, c, iid, _until_positive(iid), tmp)


def _cells(values):
    return ["" if v is None else str(int(v)) for v in values]


def route_paper_single(ctx, school, c, iid, tmp):
    assert save_paper_row(ctx, c.id, school.student_ids[NAME], iid, _cells(_answers(iid, True))).stored


def route_paper_double(ctx, school, c, iid, tmp):
    sid = school.student_ids[NAME]
    assert not save_paper_row(ctx, c.id, sid, iid, _cells(_answers(iid, True)), double_entry=True).stored
    assert save_paper_row(ctx, c.id, sid, iid, _cells(_answers(iid, True)), pass_no=2, double_entry=True).stored


def route_paper_double_first_pass_only(ctx, school, c, iid, tmp):
    """Double entry, the second pass not typed yet: the sheet's "yes" does not wait for it."""
    sid = school.student_ids[NAME]
    assert not save_paper_row(ctx, c.id, sid, iid, _cells(_answers(iid, True)), double_entry=True).stored


def route_paper_double_mismatch(ctx, school, c, iid, tmp):
    """The passes disagree on the critical item; the check settles on the harmless reading. The queue
    entry stays (a counselor closes it with a decision), it is not withdrawn by the correction."""
    sid = school.student_ids[NAME]
    save_paper_row(ctx, c.id, sid, iid, _cells(_answers(iid, True)), double_entry=True)
    assert save_paper_row(ctx, c.id, sid, iid, _cells(_answers(iid, False)), pass_no=2, double_entry=True).mismatch
    assert resolve_paper(ctx, c.id, sid, iid, _cells(_answers(iid, False))).stored


def _wjx(path: Path, iid: str, values, submitted: str = "2026/09/03 10:11:00") -> tuple[Path, Path]:
    """A 问卷星 按序号 export (option ordinal; -3 = skipped) and an explicit column mapping."""
    defn = load_builtin(iid)
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、你的学籍号", "2、你的姓名",
              "3、你所在的班级"] + [f"{4 + j}、第{j + 1}题" for j in range(defn.n_items)]
    row = [1, submitted, "300秒", "手机提交", "直接访问", "113.200.1.7(陕西-西安)", NO, NAME, "七年级1班"]
    for j, v in enumerate(values):
        row.append(-3 if v is None else [o.value for o in defn.items[j].options].index(v) + 1)
    with path.open("w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows([header, row])
    mapping = {"format": "xadesk-survey-mapping/1", "coding": "ordinal",
               "identity": {"student_no": "1、你的学籍号", "name": "2、你的姓名", "class": "3、你所在的班级"},
               "items": {f"{4 + j}、第{j + 1}题": f"{iid}:{it.id}" for j, it in enumerate(defn.items)}}
    mfile = path.with_suffix(".mapping.json")
    mfile.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    return path, mfile


def route_wjx(ctx, school, c, iid, tmp):
    path, mfile = _wjx(tmp / "wjx.csv", iid, _answers(iid, True))
    assert import_survey(ctx, c.id, path, mapping=mfile).total.added == 1


def _score_layout(path: Path, iid: str, values) -> Path:
    n = load_builtin(iid).n_items
    path.write_text("id," + ",".join(str(j + 1) for j in range(n)) + "\n" + NO + ","
                    + ",".join(_cells(values)) + "\n", encoding="utf-8")
    return path


def route_score_layout(ctx, school, c, iid, tmp):
    assert import_survey(ctx, c.id, _score_layout(tmp / "answers.csv", iid, _answers(iid, True)),
                         instrument=iid).total.added == 1


def route_conflicting_copy(ctx, school, c, iid, tmp):
    """Paper says no; a second copy (a file) says yes and waits as a conflict."""
    assert save_paper_row(ctx, c.id, school.student_ids[NAME], iid, _cells(_answers(iid, False))).stored
    report = import_survey(ctx, c.id, _score_layout(tmp / "answers.csv", iid, _answers(iid, True)), instrument=iid)
    assert report.total.conflicts == 1
    # Resolving it by keeping the harmless copy does not take the student out of the queue.
    [k] = A.conflicts(ctx, c.id)
    A.resolve_conflict(ctx, k.id, "a")


def route_late_reimport(ctx, school, c, iid, tmp):
    """The same file imported again after a correction (same source: an update, not a conflict)."""
    path = tmp / "answers.csv"
    import_survey(ctx, c.id, _score_layout(path, iid, _answers(iid, False)), instrument=iid)
    assert _queue(school, c) == []
    report = import_survey(ctx, c.id, _score_layout(path, iid, _answers(iid, True)), instrument=iid)
    assert report.total.updated == 1


ROUTES = [route_kiosk_finished, route_kiosk_interrupted, route_lab_pack, route_lab_pack_interrupted,
          route_paper_single, route_paper_double, route_paper_double_first_pass_only, route_paper_double_mismatch,
          route_wjx, route_score_layout, route_conflicting_copy,
          route_late_reimport]


def _queue(school, c=None, capsys=None) -> list[dict]:
    import os

    os.environ["XADESK_PASSWORD"] = STAFF_PASSWORD
    try:
        args = ["--db", str(school.path), "--user", "xinli", "grid", "queue", "--json"]
        if c is not None:
            args += ["--campaign", str(c.id)]
        cap = _Capture()
        with cap:
            assert main(args) == 0
        return json.loads(cap.text)
    finally:
        del os.environ["XADESK_PASSWORD"]


class _Capture:
    """stdout of an in-process CLI call (capsys cannot be nested inside a route's own captures)."""

    def __enter__(self):
        import contextlib
        import io

        self._buf = io.StringIO()
        self._cm = contextlib.redirect_stdout(self._buf)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)
        self.text = self._buf.getvalue()


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.__name__[len("route_"):])
@pytest.mark.parametrize("iid", INSTRUMENTS)
def test_positive_critical_answer_reaches_the_queue_by_every_route(setup, iid, route):
    ctx, school, c, tmp = setup
    route(ctx, school, c, iid, tmp)
    rows = _queue(school, c)
    mine = [r for r in rows if r["student_no"] == NO]
    assert len(mine) == 1, rows
    row = mine[0]
    assert row["safety"] is True and row["name"] == NAME and row["class"] == "七年级(1)班"
    expected_level = "L1" if iid == "asq" and route not in (route_kiosk_interrupted, route_lab_pack_interrupted) \
        else "L2"
    assert row["proposed_level"] == expected_level
    short = {"phq9": "PHQ-9", "asq": "ASQ", "scl90": "SCL-90"}[iid]
    assert any(reason.startswith(short) for reason in row["reasons"]), row["reasons"]
    assert not any(iid in reason for reason in row["reasons"])          # display names, never ids
    # The alert is there too (once the answers are stored in a response), with the time of the answer.
    alerts = [a for a in A.alerts(ctx, c.id) if a.student_no == NO and a.instrument_id == iid]
    held = route in (route_paper_double_first_pass_only, route_paper_double_mismatch)
    assert held or (alerts and all(a.answered_at is not None for a in alerts))
    # Closing the campaign (which makes the school's proposals) withdraws nothing.
    close_and_propose(ctx, c.id)
    [after] = [r for r in _queue(school, c) if r["student_no"] == NO]
    assert after["safety"] is True and after["proposed_level"] == expected_level
    # Nor can anyone withdraw it: only a decision after an interview closes it.
    for p in G.review_queue(ctx, c.id)[0].proposals:
        if p.safety:
            with pytest.raises(Exception, match="安全底线"):
                G.withdraw_proposal(ctx, p.id, "看错了")


# --- a blank critical item -----------------------------------------------------------------------

BLANKS = [
    ("phq9", [0] * 8 + [None, 0], "未作答关键题，需核实：PHQ-9 第9题"),
    ("scl90", [1] * 14 + [None] + [1] * 43 + [None] + [1] * 31, "未作答关键题，需核实：SCL-90 第15、59题"),
    ("asq", [1, 0, 0, 0, None], "未作答关键题，需核实：ASQ 第5题"),
]


@pytest.mark.parametrize("iid,values,label", BLANKS, ids=[b[0] for b in BLANKS])
def test_blank_critical_item_is_a_queue_entry_that_cannot_be_withdrawn(setup, iid, values, label):
    ctx, school, c, _tmp = setup
    sid = school.student_ids[NAME]
    assert save_paper_row(ctx, c.id, sid, iid, _cells(values)).stored
    [row] = _queue(school, c)
    assert row["safety"] is True and label in row["reasons"]
    [p] = [p for p in G.review_queue(ctx, c.id)[0].proposals if p.rule_label == label]
    assert p.level is None and p.safety
    with pytest.raises(Exception, match="安全底线"):
        G.withdraw_proposal(ctx, p.id, "学生说没有")
    # A counselor closes it with a recorded decision after asking the student.
    from datetime import datetime

    iv = G.record_interview(ctx, sid, held_at=datetime.now(), findings="当面询问，学生否认", recommendation=None)
    G.decide(ctx, sid, interview_id=iv.id, level=None) if row["proposed_level"] is None else \
        G.decide(ctx, sid, interview_id=iv.id, level=row["proposed_level"])
    assert _queue(school, c) == []


def test_item_not_asked_is_not_a_blank(setup):
    """ASQ question 5 is asked only after a yes; all no and question 5 blank is a negative, no entry."""
    ctx, school, c, _tmp = setup
    assert save_paper_row(ctx, c.id, school.student_ids[NAME], "asq", ["0", "0", "0", "0", ""]).stored
    assert _queue(school, c) == []


def test_a_definition_can_mark_an_item_critical(setup):
    """A school's own instrument: an item marked ``critical`` left blank is an entry too, named by
    the instrument's display name."""
    from xadesk.errors import ValidationFailed
    from xadesk.instruments.schema import definition_from_dict
    from xadesk.services.instruments import add_definition

    ctx, school, _, _tmp = setup
    raw = load_builtin("gad7").to_dict()
    raw["id"], raw["version"], raw["name"]["zh"] = "school_gad", 1, "校本焦虑问卷（SGAD）"
    raw["items"][6]["critical"] = "yes"
    with pytest.raises(ValidationFailed) as exc:
        definition_from_dict(raw, "test")
    assert any("items[6].critical" in d for d in exc.value.details)
    raw["items"][6]["critical"] = True
    assert definition_from_dict(raw, "test").critical_items == (6,)
    add_definition(ctx, raw)
    c = create_campaign(ctx, "校本问卷", ["school_gad"], grades=["J1"], open_now=True)
    assert save_paper_row(ctx, c.id, school.student_ids[NAME], "school_gad", ["1"] * 6 + [""]).stored
    [row] = _queue(school, c)
    assert row["safety"] and row["reasons"] == ["未作答关键题，需核实：SGAD 第7题"]


def test_wholly_blank_asq_is_a_refusal_and_reaches_the_queue(setup):
    ctx, school, c, _tmp = setup
    assert save_paper_row(ctx, c.id, school.student_ids[NAME], "asq", [""] * 5).stored
    [row] = _queue(school, c)
    assert row["safety"] and row["proposed_level"] == "L2"
    assert any(r.startswith("ASQ 阳性") for r in row["reasons"])


def test_conflict_copy_and_its_resolution_keep_one_entry(setup):
    """The second copy's alert says where it came from; resolving to it adds no second proposal."""
    ctx, school, c, tmp = setup
    sid = school.student_ids[NAME]
    assert save_paper_row(ctx, c.id, sid, "phq9", _cells(_answers("phq9", False))).stored
    import_survey(ctx, c.id, _score_layout(tmp / "a.csv", "phq9", _answers("phq9", True)), instrument="phq9")
    [alert] = A.alerts(ctx, c.id)
    assert alert.label.startswith(A.CONFLICT_NOTE)
    [k] = A.conflicts(ctx, c.id)
    A.resolve_conflict(ctx, k.id, "b")
    [row] = G.review_queue(ctx, c.id)
    assert [p.safety for p in row.proposals] == [True]


def test_campaign_close_on_the_command_line_makes_the_proposals(setup, monkeypatch, capsys):
    """``xadesk campaign close`` proposes as the app does: the school's rules, not only the floor."""
    ctx, school, c, _tmp = setup
    other = school.student_ids["苏晓雨"]
    assert save_paper_row(ctx, c.id, other, "phq9", ["3"] * 8 + ["0", "3"]).stored   # severe, no item 9
    monkeypatch.setenv("XADESK_PASSWORD", STAFF_PASSWORD)
    assert main(["--db", str(school.path), "--user", "xinli", "grid", "queue"]) == 0
    assert "复核队列是空的" in capsys.readouterr().out
    assert main(["--db", str(school.path), "--user", "xinli", "campaign", "close", str(c.id)]) == 0
    out = capsys.readouterr().out
    assert "已结束" in out and "已生成预警建议：1 名" in out
    assert main(["--db", str(school.path), "--user", "xinli", "grid", "queue", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["name"] == "苏晓雨" and row["safety"] is False and row["proposed_level"] is not None
    assert set(row) >= {"student_no", "name", "class", "proposed_level", "safety", "reasons"}
    # A homeroom teacher may not read the review queue.
    monkeypatch.setenv("XADESK_PASSWORD", STAFF_PASSWORD)
    assert main(["--db", str(school.path), "--user", "bzr", "grid", "queue", "--json"]) == 1


@pytest.mark.parametrize("iid", INSTRUMENTS)
def test_wjx_alert_carries_the_submission_time_in_utc(setup, iid):
    """问卷星's 提交答卷时间 is Beijing wall-clock time: 2025-03-01 07:30 there is 2025-02-28 23:30 UTC
    (the day changes too). The alert and the response carry it, not the time of the import."""
    ctx, _, c, tmp = setup
    path, mfile = _wjx(tmp / "wjx.csv", iid, _answers(iid, True), submitted="2025/03/01 07:30:00")
    assert import_survey(ctx, c.id, path, mapping=mfile).total.added == 1
    alerts = [a for a in A.alerts(ctx, c.id) if a.student_no == NO and a.instrument_id == iid]
    assert alerts and all(a.answered_at == datetime(2025, 2, 28, 23, 30) for a in alerts)
    with ctx.db.read() as s:
        [r] = s.query(ScreeningResponse).filter_by(campaign_id=c.id, instrument_id=iid).all()
        assert r.completed_at == datetime(2025, 2, 28, 23, 30)


def test_wjx_submission_time_in_the_future_or_unreadable_falls_back_to_the_import_time(setup):
    ctx, _, _, tmp = setup
    for n, submitted in enumerate(["2099/01/01 00:00:00", "昨天下午"]):
        c2 = create_campaign(ctx, f"补测{n}", ["phq9"], grades=["J1", "J2"], open_now=True)
        before = now_utc()
        path, mfile = _wjx(tmp / f"wjx{n}.csv", "phq9", _answers("phq9", True), submitted=submitted)
        assert import_survey(ctx, c2.id, path, mapping=mfile).total.added == 1
        [alert] = [a for a in A.alerts(ctx, c2.id) if a.student_no == NO]
        assert before - timedelta(seconds=1) <= alert.answered_at <= now_utc(), submitted
