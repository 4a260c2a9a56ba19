"""XADESK_LANG=en: what the survey import says about kinds, the mapping, matching and bad cells is in
English (only the file's own texts, names and the 问卷星 kind names stay as written)."""

from __future__ import annotations

import re

import pytest

from tests.screening.test_campaign_survey import PEOPLE
from tests.screening.wjx_files import write_csv
from xadesk.errors import ValidationFailed
from xadesk.services.screening_import import import_survey, survey_columns

# Chinese that is ours, not the file's: the words our messages were made of.
OURS = re.compile(r"第\d+[行题列]|没有|不是|学籍号|请|按题|对应|导出|推测|不在|题干")


def ours(text: str) -> list[str]:
    without_quoted = re.sub(r"'[^']*'|\"[^\"]*\"", "", text)     # the file's texts, quoted with repr
    return OURS.findall(without_quoted)


def test_preview_matching_and_refusals_speak_english(counselor, campaign, tmp_path, monkeypatch):
    monkeypatch.setenv("XADESK_LANG", "en")
    path = write_csv(tmp_path / "All_Data_Readable.csv", PEOPLE, original=False)
    preview = survey_columns(counselor, campaign.id, path)
    assert preview.verdict is not None and preview.verdict.reason == "The file name says 按文本."
    notes = [c.note for c in preview.columns if c.note] + [c.evidence_label for c in preview.columns if c.evidence]
    assert notes and [n for n in notes if ours(n)] == []
    assert any(n.startswith("question 4, row 1 → ") for n in notes)

    report = import_survey(counselor, campaign.id, path, dry_run=True)
    assert report.unmatched and [u for u in report.unmatched if ours(u)] == []
    assert report.unmatched[0].startswith("row 5") and "not on the roster" in report.unmatched[0]
    assert "No column" not in report.summary() and not ours(report.summary().replace("初一", ""))

    text = path.read_bytes().decode("gbk").replace("一半以上的天数", "经常", 1)
    path.write_bytes(text.encode("gbk"))
    with pytest.raises(ValidationFailed) as exc:
        import_survey(counselor, campaign.id, path)
    assert [d for d in exc.value.details if ours(d)] == []
    assert any("is not an option" in d for d in exc.value.details)


def test_mapping_problems_speak_english(counselor, campaign, tmp_path, monkeypatch):
    monkeypatch.setenv("XADESK_LANG", "en")
    path = write_csv(tmp_path / "All_Data_Readable.csv", PEOPLE[:1], original=False)
    mapping = survey_columns(counselor, campaign.id, path).mapping
    first = next(h for h, t in mapping["items"].items() if t.startswith("phq9:"))
    del mapping["items"][first]
    preview = survey_columns(counselor, campaign.id, path, mapping=mapping)
    assert preview.problems and [p for p in preview.problems if ours(p)] == []
    assert any("no column feeds item(s) 1" in p for p in preview.problems)
