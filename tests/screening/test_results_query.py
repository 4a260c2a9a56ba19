"""``results`` reads scale scores as plain columns and sorts with each class label parsed once (issue 15,
for speed): the rows are the same as the straightforward ORM read and per-row sort give."""

from __future__ import annotations

from sqlalchemy import select

from tests.services.conftest import STUDENTS
from xadesk.services.campaigns import _class_sort
from xadesk.services.screening_import import import_survey
from xadesk.services.screening_results import results
from xadesk.storage.models_screening import ScreeningScaleScore


def _reference(ctx, rows):
    """The same rows built the slow way: ORM objects for every scale score, a parse per row."""
    with ctx.db.read() as s:
        scales = {}
        for x in s.scalars(select(ScreeningScaleScore).order_by(ScreeningScaleScore.id)):
            scales.setdefault(x.score_id, {})[x.scale_id] = (x.raw, x.t, x.percentile, x.band, x.band_label, x.rule)
    return scales, sorted(rows, key=lambda r: (_class_sort(r.class_label), r.student_no, r.instrument_id))


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
