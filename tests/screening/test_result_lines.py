"""``result_lines`` (issue 15: the results screen reads a campaign's lines once, as columns) gives the
same lines, in the same order, as the per-student results the screen showed before
(``screening_results.results`` expanded to one line per scale), keeps to the viewer's scope and is
audited like ``results``."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from tests.screening.score_files import import_phq9_and_asq
from xadesk.columnar.campaign_results import COLUMNS, flags_text, result_lines
from xadesk.display import instrument_name
from xadesk.errors import PermissionDenied
from xadesk.services.context import AppContext
from xadesk.services.instruments import get_definition
from xadesk.services.screening_results import results
from xadesk.storage.models import AuditEntry


def _import(counselor, campaign, tmp_path):
    import_phq9_and_asq(counselor, campaign.id, tmp_path)


def _reference(ctx, campaign_id) -> list[tuple]:
    """The lines the results screen built before: ``results`` rows, one line per scale in the row's
    order (a score without scales is one line), scale names from each version's definition."""
    out = []
    for r in results(ctx, campaign_id):
        names = {sc.id: sc.name_zh for sc in get_definition(ctx, r.instrument_id, r.version).scales}
        head = (r.student_id, r.student_no, r.name, r.class_label, r.instrument_id, instrument_name(r.instrument_id),
                r.version, r.valid, r.safety, r.flags, flags_text(r.flags, r.instrument_id))
        if not r.scales:
            out.append((*head, "", "", None, None, None, None, None))
        for sid, sc in r.scales.items():
            out.append((*head, sid, names.get(sid, sid), sc.raw, sc.t, sc.band, sc.band_label, sc.band_label or sc.band))
    return out


def _lines(table) -> list[tuple]:
    return [tuple(table.value(c, i) for c in COLUMNS) for i in range(len(table))]


def test_lines_equal_the_results_rows_line_by_line(counselor, campaign, tmp_path):
    _import(counselor, campaign, tmp_path)
    table = result_lines(counselor, campaign.id)
    expected = _reference(counselor, campaign.id)
    assert len(expected) > 5 and len({e[3] for e in expected}) >= 2     # several classes, both instruments
    assert {e[4] for e in expected} == {"phq9", "asq"} and any(e[9] for e in expected)
    assert _lines(table) == expected
    # What the screen's class filter and sorting give: the same as filtering and sorting those lines.
    label = expected[-1][3]
    got = [_lines(table)[i] for i in table.select(equals={"class_label": label})]
    assert got == [e for e in expected if e[3] == label]
    by_raw = [_lines(table)[i][13] for i in table.select(sort=[("raw", True)])]
    raws = [e[13] for e in expected]
    assert by_raw == sorted((r for r in raws if r is not None), reverse=True) + [None] * raws.count(None)


def test_a_narrower_scope_sees_only_its_classes_and_the_read_is_audited(counselor, campaign, tmp_path, small_school):
    _import(counselor, campaign, tmp_path)
    everyone = _lines(result_lines(counselor, campaign.id))
    one_class = small_school.class_ids[("J1", 1)]
    # A counselor's permissions with a homeroom teacher's scope: the core, not the screen, narrows it.
    narrow = AppContext(counselor.db, dataclasses.replace(counselor.actor, roles=frozenset({"homeroom"}),
                                                          class_ids=frozenset({one_class})), counselor.keyfile)
    mine = _lines(result_lines(narrow, campaign.id))
    assert mine and len(mine) < len(everyone)
    assert {line[3] for line in mine} == {"七年级(1)班"}
    assert mine == [line for line in everyone if line[3] == "七年级(1)班"]
    with counselor.db.read() as s:
        audited = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "screening.results"))
    assert audited >= 2


def test_a_homeroom_teacher_cannot_read_the_lines(small_school, counselor, campaign, tmp_path):
    _import(counselor, campaign, tmp_path)
    teacher = small_school.as_user("bzr")
    try:
        with pytest.raises(PermissionDenied):
            result_lines(teacher, campaign.id)
    finally:
        teacher.close()
