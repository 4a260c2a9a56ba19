"""``results`` reads scale scores as plain columns and sorts with each class label parsed once (issue 15,
for speed): the rows are the same as the straightforward ORM read and per-row sort give."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.screening.score_files import import_phq9_and_asq
from tests.services.conftest import STUDENTS
from xadesk.services.campaigns import class_sort
from xadesk.services.screening_import import import_survey
from xadesk.services.screening_results import results
from xadesk.storage.models_screening import ScreeningScaleScore


def _reference(ctx, rows):
    """The same rows built the slow way: ORM objects for every scale score, a parse per row."""
    with ctx.db.read() as s:
        scales = {}
        for x in s.scalars(select(ScreeningScaleScore).order_by(ScreeningScaleScore.id)):
            scales.setdefault(x.score_id, {})[x.scale_id] = (x.raw, x.t, x.percentile, x.band, x.band_label, x.rule)
    return scales, sorted(rows, key=lambda r: (class_sort(r.class_label), r.student_no, r.instrument_id))


def test_results_equal_the_orm_read_and_per_row_sort(counselor, campaign, tmp_path):
    nos = [no for _, _, g, _, no, _ in STUDENTS if g in ("J1", "J2")]
    phq = tmp_path / "phq.csv"
    phq.write_text("id," + ",".join(f"phq9.{i}" for i in range(1, 10)) + "\n"
                   + "".join(f"{no},{k % 4},1,2,{k % 3},0,1,,2,{k % 2}\n" for k, no in enumerate(nos)), encoding="utf-8")
    asq = tmp_path / "asq.csv"
    asq.write_text("id," + ",".join(f"asq.{i}" for i in range(1, 6)) + "\n"
                   + "".join(f"{no},{k % 2},0,0,0,\n" for k, no in enumerate(nos[::2])), encoding="utf-8")
    import_survey(counselor, campaign.id, phq)
    import_survey(counselor, campaign.id, asq)
    rows = results(counselor, campaign.id)
    assert len(rows) == len(nos) + len(nos[::2])
    scales, ordered = _reference(counselor, rows)
    assert [(r.student_no, r.instrument_id) for r in rows] == [(r.student_no, r.instrument_id) for r in ordered]
    assert len({r.class_label for r in rows}) >= 3
    got = {(r.student_no, r.instrument_id): {k: (v.raw, v.t, v.percentile, v.band, v.band_label, v.rule)
                                              for k, v in r.scales.items()} for r in rows}
    assert sorted(map(repr, got.values())) == sorted(map(repr, scales.values()))


def _orm_rows(ctx, campaign_id, *, class_id=None, instrument=None, flagged=False, student_id=None):
    """Every field of every row the way ``results`` read it before issue 15: ScreeningScore objects,
    then the scale scores by a list of score ids."""
    from xadesk.domain.grades import class_label
    from xadesk.services.screening_results import ResultRow, ScaleResult
    from xadesk.storage.models import SchoolClass, Student
    from xadesk.storage.models_screening import ScreeningResponse, ScreeningScore

    with ctx.db.read() as s:
        q = (select(ScreeningScore, Student, SchoolClass)
             .join(ScreeningResponse, ScreeningResponse.id == ScreeningScore.response_id)
             .join(Student, Student.id == ScreeningResponse.student_id)
             .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
             .where(ScreeningScore.campaign_id == campaign_id, ScreeningScore.superseded_at.is_(None)))
        out = []
        for sc, st, cls in s.execute(q):
            if (class_id is not None and st.class_id != class_id) or (instrument and sc.instrument_id != instrument) \
                    or (flagged and sc.flags_json == "[]") or (student_id is not None and st.id != student_id):
                continue
            scales = {x.scale_id: ScaleResult(x.raw, x.t, x.percentile, x.band, x.band_label, x.rule)
                      for x in s.scalars(select(ScreeningScaleScore).where(ScreeningScaleScore.score_id == sc.id)
                                         .order_by(ScreeningScaleScore.id))}
            out.append(ResultRow(st.id, st.student_no, st.name, class_label(cls.grade_code, cls.number) if cls else "",
                                 sc.instrument_id, sc.definition_version, sc.valid, sc.safety, scales,
                                 tuple(json.loads(sc.flags_json))))
    return sorted(out, key=lambda r: (class_sort(r.class_label), r.student_no, r.instrument_id))


def test_every_field_equals_the_orm_read_with_filters_and_a_rescore(counselor, campaign, tmp_path):
    from xadesk.services.screening_answers import rescore
    from xadesk.services.screening_results import student_results

    # Item 9 answered above 0 by some (a safety flag), one blank item for others (flags and validity vary).
    nos = import_phq9_and_asq(counselor, campaign.id, tmp_path)
    with counselor.db.write() as s:   # as if PHQ-9's definition had changed since: rescoring supersedes
        s.connection().exec_driver_sql("UPDATE screening_score SET definition_digest = 'older' "
                                       "WHERE instrument_id = 'phq9'")
    assert rescore(counselor, campaign.id) == len(nos)   # the first scores are kept, superseded, not shown
    with counselor.db.read() as s:
        assert s.connection().exec_driver_sql(
            "SELECT count(*) FROM screening_score WHERE superseded_at IS NOT NULL").scalar() > 0
    rows = results(counselor, campaign.id)
    assert rows == _orm_rows(counselor, campaign.id)
    assert any(r.flags for r in rows) and any(not r.flags for r in rows) and any(r.safety for r in rows)
    some = rows[0]
    with counselor.db.read() as s:
        class_id = s.connection().exec_driver_sql("SELECT class_id FROM student WHERE id = ?",
                                                  (some.student_id,)).scalar()
    assert results(counselor, campaign.id, class_id=class_id) == _orm_rows(counselor, campaign.id, class_id=class_id)
    assert results(counselor, campaign.id, instrument="asq") == _orm_rows(counselor, campaign.id, instrument="asq")
    assert results(counselor, campaign.id, flagged=True) == _orm_rows(counselor, campaign.id, flagged=True)
    assert student_results(counselor, campaign.id, some.student_id) == \
        _orm_rows(counselor, campaign.id, student_id=some.student_id)
