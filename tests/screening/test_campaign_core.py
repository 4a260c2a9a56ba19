"""Campaigns, coverage, item-by-item answers, scoring, alerts, rescoring, conflicts and who sees what."""

from __future__ import annotations

import pytest

from xadesk.errors import PermissionDenied, UserError
from xadesk.instruments import load_builtin
from xadesk.services import campaigns as C
from xadesk.services import screening_answers as A
from xadesk.services import screening_results as R


def _answer_all(ctx, campaign_id, student_id, instrument, values, seconds=3.0):
    state = None
    for j, v in enumerate(values):
        if v is None:
            continue
        state = A.record_answer(ctx, campaign_id, student_id, instrument, j, v, seconds)
    return state


def test_create_targets_and_coverage(counselor, small_school):
    info = C.create_campaign(counselor, "七年级普查", ["phq9", "gad7"], grades=["七年级"], purpose="general",
                             consent_notes="家长会告知并发放知情同意书")
    assert info.status == "draft" and info.n_targets == 4 and info.instrument_ids == ["phq9", "gad7"]
    # Counted in one grouped query for the list (the first screen after login): the same figure,
    # per campaign, as the one campaign's own count.
    other = C.create_campaign(counselor, "八年级普查", ["phq9"], grades=["七年级", "八年级"], purpose="general",
                              consent_notes="家长会告知")
    listed = {c.id: c.n_targets for c in C.list_campaigns(counselor)}
    assert listed == {info.id: 4, other.id: C.get_campaign(counselor, other.id).n_targets} and listed[other.id] > 4
    assert info.battery[0].version == load_builtin("phq9").version
    with pytest.raises(UserError, match="草稿"):
        A.record_answer(counselor, info.id, small_school.student_ids["林一鸣"], "phq9", 0, 1, 2.0)
    C.open_campaign(counselor, info.id)
    lin, su, he = (small_school.student_ids[n] for n in ("林一鸣", "苏晓雨", "贺子轩"))
    _answer_all(counselor, info.id, lin, "phq9", [1] * 10)
    _answer_all(counselor, info.id, lin, "gad7", [0] * 7)
    _answer_all(counselor, info.id, su, "phq9", [0, 0, 1])
    C.set_excused(counselor, info.id, he, "declined", "家长不同意")
    cov = C.coverage(counselor, info.id)
    assert (cov.total.targets, cov.total.completed, cov.total.in_progress, cov.total.missing, cov.total.declined) == \
        (4, 1, 1, 1, 1)
    by_class = {c.label: c for c in cov.classes}
    assert by_class["七年级(1)班"].completed == 1 and by_class["七年级(1)班"].in_progress == 1
    assert by_class["七年级(2)班"].declined == 1 and by_class["七年级(2)班"].missing == 1
    assert {s.state for s in cov.students} == {"completed", "in_progress", "missing", "declined"}
    assert [s.reason for s in cov.students if s.state == "declined"] == ["家长不同意"]
    with pytest.raises(UserError, match="原因"):
        C.set_excused(counselor, info.id, he, "absent", "")


def test_resume_point_and_conditional_item(counselor, campaign, small_school):
    sid = small_school.student_ids["林一鸣"]
    st = A.record_answer(counselor, campaign.id, sid, "asq", 0, 0, 2.5)
    assert st.resume_point == 1 and not st.completed
    for j in (1, 2, 3):
        st = A.record_answer(counselor, campaign.id, sid, "asq", j, 0, 2.5)
    assert st.completed and st.resume_point is None and st.shown == 4      # q5 not asked after four "no"
    sid2 = small_school.student_ids["苏晓雨"]
    for j, v in enumerate([0, 1, 0, 0]):
        st = A.record_answer(counselor, campaign.id, sid2, "asq", j, v, 2.5)
    assert st.resume_point == 4 and st.shown == 5                          # q5 asked after a "yes"
    # the safety alert is raised before the questionnaire is finished
    assert [a.flag for a in A.alerts(counselor, campaign.id)] == ["safety:asq_positive"]
    assert A.response_state(counselor, campaign.id, sid2, "asq").resume_point == 4
    A.record_answer(counselor, campaign.id, sid2, "asq", 4, 1, 2.5)
    flags = {a.flag for a in A.alerts(counselor, campaign.id)}
    assert flags == {"safety:asq_positive", "safety:asq_acute"}
    with pytest.raises(UserError, match="不是选项"):
        A.record_answer(counselor, campaign.id, sid, "phq9", 0, 7, 1.0)
    with pytest.raises(UserError, match="已经完成"):
        A.record_answer(counselor, campaign.id, sid, "asq", 0, 1, 1.0)


def test_phq9_item9_alert_and_result_shape(counselor, campaign, small_school):
    sid = small_school.student_ids["任浩然"]
    st = _answer_all(counselor, campaign.id, sid, "phq9", [2, 2, 1, 1, 1, 0, 0, 0, 1, 1])
    assert st.completed
    rows = R.results(counselor, campaign.id)
    assert len(rows) == 1
    row = rows[0].to_json()
    assert row["student_no"] == "G610113201205050019" and row["instrument"] == "phq9"
    assert row["scales"] == {"total": {"raw": 8, "t": None, "band": "mild"}}
    assert "safety:item9" in row["flags"]
    alerts = A.alerts(counselor)
    assert len(alerts) == 1 and alerts[0].student_no == "G610113201205050019"
    A.acknowledge_alert(counselor, alerts[0].id, "已当面谈话")
    assert A.alerts(counselor) == [] and len(A.alerts(counselor, open_only=False)) == 1


def test_homeroom_sees_band_counts_of_own_class_only(counselor, campaign, small_school):
    for name in ("林一鸣", "贺子轩", "任浩然"):
        _answer_all(counselor, campaign.id, small_school.student_ids[name], "phq9", [1] * 10)
    bzr = small_school.as_user("bzr")
    try:
        counts = R.band_summary(bzr, campaign.id)
        assert {c.class_label for c in counts} == {"七年级(1)班"}
        # one student in a band: the count reads "<5" (issue 13), so it cannot point to the student
        assert [(c.instrument_id, c.band, c.count) for c in counts] == [("phq9", "mild", "<5")]
        for call in (lambda: R.results(bzr, campaign.id),
                     lambda: R.response_answers(bzr, campaign.id, small_school.student_ids["林一鸣"], "phq9"),
                     lambda: R.student_results(bzr, campaign.id, small_school.student_ids["林一鸣"]),
                     lambda: A.alerts(bzr),
                     lambda: A.record_answer(bzr, campaign.id, small_school.student_ids["苏晓雨"], "phq9", 0, 1, 1)):
            with pytest.raises(PermissionDenied):
                call()
        cov = C.coverage(bzr, campaign.id)
        assert cov.total.targets == 2 and cov.students == []     # counts of own class, no names
    finally:
        bzr.close()
    leader = small_school.as_user("xz")
    try:
        # One policy (issue 11): leaders see counts by band, the grid and the reports; named scores and
        # answers are for counselors, and the refusal says so.
        with pytest.raises(PermissionDenied, match="心理健康教师"):
            R.results(leader, campaign.id)
        with pytest.raises(PermissionDenied):
            R.response_answers(leader, campaign.id, small_school.student_ids["林一鸣"], "phq9")
        # ... and those counts follow the small-number rule (issue 13): three students in one band of
        # two small classes read "<5", never a number that could point to a child.
        leader_counts = R.band_summary(leader, campaign.id)
        assert leader_counts and {(c.instrument_id, c.band) for c in leader_counts} == {("phq9", "mild")}
        assert all(c.count == "<5" for c in leader_counts)
    finally:
        leader.close()


def test_rescore_keeps_old_results(counselor, small_school):
    from xadesk.services.instruments import add_definition

    d = load_builtin("phq9").to_dict()
    d["id"], d["version"] = "school_phq", 1
    add_definition(counselor, d)
    info = C.create_campaign(counselor, "校本量表", ["school_phq"], classes=["七年级(1)班"], open_now=True)
    sid = small_school.student_ids["林一鸣"]
    _answer_all(counselor, info.id, sid, "school_phq", [1] * 10)
    assert R.results(counselor, info.id)[0].scales["total"].band == "mild"
    bands = d["scales"][0]["bands"]           # a later edit moves the "mild" cut-off up to 10
    bands[0]["max"], bands[1]["min"], bands[1]["max"] = 9, 10, 14
    del bands[2]
    add_definition(counselor, d, new_version=True)
    assert R.results(counselor, info.id)[0].version == 1       # nothing changes until asked
    assert A.rescore(counselor, info.id) == 1
    row = R.results(counselor, info.id)[0]
    assert row.version == 2 and row.scales["total"].band == "minimal"
    history = R.score_history(counselor, info.id, sid, "school_phq")
    assert [h["version"] for h in history] == [1, 2]
    assert history[0]["superseded_at"] is not None and history[1]["superseded_at"] is None
    assert A.rescore(counselor, info.id) == 0


def test_conflicting_answers_are_listed_then_resolved(counselor, campaign, small_school):
    sid = small_school.student_ids["林一鸣"]
    _answer_all(counselor, campaign.id, sid, "phq9", [0] * 9)   # item 10 is asked only after a problem
    with counselor.db.write() as s:
        c = C.load(s, campaign.id)
        stats = A.ingest(counselor, s, c, "phq9", [A.Incoming(sid, [3] * 9 + [0])], mode="paper", source="王老师")
    assert stats.conflicts == 1
    rows = A.conflicts(counselor, campaign.id)
    assert len(rows) == 1 and rows[0].differing_items == tuple(range(1, 11))
    assert R.results(counselor, campaign.id)[0].scales["total"].raw == 0       # not merged
    A.resolve_conflict(counselor, rows[0].id, "b")
    assert R.results(counselor, campaign.id)[0].scales["total"].raw == 27
    assert A.conflicts(counselor, campaign.id) == []
    assert len(R.score_history(counselor, campaign.id, sid, "phq9")) == 2


def test_instrument_for_some_grades_only(counselor, small_school):
    info = C.create_campaign(counselor, "分年级", ["phq9", ("gad7", ["J2"])], grades=["J1", "J2"], open_now=True)
    _answer_all(counselor, info.id, small_school.student_ids["林一鸣"], "phq9", [0] * 9)
    cov = C.coverage(counselor, info.id)
    assert cov.total.completed == 1          # J1 has no gad7 to do
    pending = {s.name: s.pending for s in cov.students}
    assert pending["任浩然"] == ("phq9", "gad7")
