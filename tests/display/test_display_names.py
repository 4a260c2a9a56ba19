"""The one display table: ids never reach a reader."""

from __future__ import annotations

import json
import re
import time

from hypothesis import given
from hypothesis import strategies as st

from xadesk.display import (
    describe_condition,
    detail_text,
    flag_name,
    grade_span,
    instrument_name,
    instrument_names,
    local_time,
    scale_name,
    score_line,
    target_text,
)
from xadesk.display.sources import citation_parts
from xadesk.grid.rules import DEFAULT_RULES
from xadesk.instruments.loader import all_builtins

_ID = re.compile(r"\b(phq9|gad7|scl90|scared|total|screen:|safety:)\b")


def test_rules_read_as_words():
    assert describe_condition({"instrument": "phq9", "scale": "total", "ge": 15}) == "PHQ-9 抑郁筛查 抑郁总分 ≥ 15"
    flag = describe_condition({"instrument": "phq9", "flag": "screen:major_depressive_syndrome"})
    assert flag.startswith("PHQ-9 抑郁筛查：符合重性抑郁综合征")
    for rule in DEFAULT_RULES:
        text = describe_condition(rule.when)
        assert not _ID.search(text), (rule.key, text)


def test_every_builtin_has_a_short_name_and_scale_names():
    for d in all_builtins():
        assert instrument_name(d.id) != d.id
        for s in d.scales:
            assert scale_name(d.id, s.id) == s.name_zh
        for r in d.rules:
            assert flag_name(d.id, f"{r.kind}:{r.id}") == r.label_zh


def test_unknown_ids_fall_back_without_blank():
    assert instrument_name("school_anx", "本校焦虑问卷") == "本校焦虑问卷"
    assert instrument_name("school_anx") == "school_anx"
    assert scale_name("school_anx", "total") == "总分"
    assert instrument_names(["phq9", "scared"]) == "PHQ-9 抑郁筛查、SCARED 儿童焦虑筛查"


def test_score_line_in_chinese():
    line = score_line("scared", {"panic": (4.0, "below"), "total": (18.0, None)})
    assert line == "惊恐/躯体化 4（低于划界分）  焦虑总分 18"
    assert "below" not in line and "=" not in line


def test_audit_detail_and_target():
    assert detail_text('{"rows":2253}') == "2253 行"
    assert detail_text('{"instrument": "phq9", "responses": 3}') == "PHQ-9 抑郁筛查，3 份作答"
    assert detail_text("plain words") == "plain words"
    assert detail_text('{"tag": "left_behind", "on": true}') == "列入留守儿童"
    assert detail_text('{"tag": "left_behind", "on": false}') == "移出留守儿童"
    assert detail_text('{"unknown_key": 1}') == "unknown_key=1"   # nothing stored is hidden
    assert target_text("campaign:1", {"campaign:1": "测评活动「秋季普查」"}) == "测评活动「秋季普查」"
    assert target_text("campaign:7") == "测评活动 #7"


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.one_of(st.integers(), st.text(max_size=8),
                                                                      st.booleans(), st.lists(st.integers()))))
def test_detail_text_never_fails(data):
    detail_text(json.dumps(data, ensure_ascii=False))


def test_grade_spans():
    assert grade_span(4, 16) == "四年级至高三及成人"
    assert grade_span(7, 12) == "七年级至高三"
    assert grade_span(9, 9) == "九年级"


def test_builtin_notes_in_chinese():
    for d in all_builtins():
        refs, note = citation_parts(d.id, d.source_citation)
        assert note and not re.search(r"careful translation|Scored|wording", refs), d.id


def test_local_time_converts_from_utc(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert local_time("2026-11-29T08:32:02") == "2026-11-29 16:32"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
