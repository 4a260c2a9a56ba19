"""Definition files: malformed ones are refused naming the field; the library carries what it must."""

from __future__ import annotations

import copy
import json

import pytest

from xadesk.errors import NotFound, ValidationFailed
from xadesk.instruments import (
    builtin_ids,
    definition_from_dict,
    load_builtin,
    load_definition_file,
)
from xadesk.scoring.synthetic import synthetic_definition

BASE = synthetic_definition(20, 4).to_dict()


def _refused(mutate, *fragments: str):
    d = copy.deepcopy(BASE)
    mutate(d)
    with pytest.raises(ValidationFailed) as info:
        definition_from_dict(d, "school_def.json")
    err = info.value
    assert "school_def.json" in err.message
    text = "\n".join(err.details)
    for f in fragments:
        assert f in text, (f, text)
    return err


def test_the_base_definition_is_valid():
    defn = definition_from_dict(copy.deepcopy(BASE), "school_def.json")
    assert defn.id == "synthetic" and defn.version == 1


def test_unknown_item_in_a_scale():
    def m(d):
        d["scales"][2]["items"][4] = "q99"
    _refused(m, "scales[2].items[4]", "q99")


def test_overlapping_bands():
    def m(d):
        d["scales"][0]["bands"][1]["min"] = d["scales"][0]["bands"][0]["max"]
    _refused(m, "scales[0].bands[1].min", "重叠", "overlaps")


def test_gapped_bands():
    def m(d):
        d["scales"][0]["bands"][1]["min"] = d["scales"][0]["bands"][0]["max"] + 2
    _refused(m, "scales[0].bands[1].min", "空档", "gap")


def test_bands_not_covering_the_lowest_score():
    def m(d):
        d["scales"][0]["bands"][0]["min"] += 1
    _refused(m, "scales[0].bands[0].min", "lowest score")


def test_bands_not_covering_the_highest_score():
    def m(d):
        d["scales"][1]["bands"][-1]["max"] = 4
    _refused(m, "scales[1].bands[1].max", "highest score")


def test_gapped_mean_bands_and_touching_hundredths():
    def gap(d):
        d["scales"][1]["bands"][1]["min"] = 3.5
    _refused(gap, "scales[1].bands[1].min", "gap")
    ok = copy.deepcopy(BASE)   # 1–2.99 then 3–5 touch at the hundredth: valid
    definition_from_dict(ok, "x")


def test_option_values_not_matching_the_items():
    def m(d):
        d["rules"][0]["when"] = {"item": "q5", "eq": 7}
    _refused(m, "rules[0].when.eq", "7", "not an option value")

    def m2(d):
        d["option_sets"]["other"] = [{"value": 0, "label": "a"}, {"value": 1, "label": "b"}]
        d["items"][0]["options"] = "other"
    _refused(m2, "scales[0].items", "differ in range")

    def m3(d):
        d["items"][1]["options"] = "nope"
    _refused(m3, "items[1].options", "unknown option set")

    def m4(d):
        d["option_sets"]["five"][1]["value"] = 1
    _refused(m4, "option_sets.five", "duplicate option values")


def test_quiz_answer_not_an_option():
    def m(d):
        d["items"][0]["correct"] = "Z"
    _refused(m, "items[0].correct", "Z")


def test_norm_for_a_scale_that_does_not_exist():
    def m(d):
        d["norms"][0]["scale"] = "s42"
    _refused(m, "norms[0].scale", "s42", "does not exist")


def test_bad_norm_tables():
    def sd(d):
        d["norms"][0]["groups"][1]["sd"] = 0
    _refused(sd, "norms[0].groups[1].sd")

    def order(d):
        d["norms"][1]["groups"][0]["table"] = [[1, 10], [3, 50], [2, 60]]
    _refused(order, "norms[1].groups[0].table", "increase")

    def dup(d):
        d["norms"][0]["groups"].append(copy.deepcopy(d["norms"][0]["groups"][0]))
    _refused(dup, "norms[0].groups[6]", "repeats")


def test_bad_missing_rules():
    def absent(d):
        del d["scales"][0]["missing"]
    _refused(absent, "scales[0].missing", "explicit missing rule")

    def blank_as_zero(d):
        d["scales"][0]["missing"] = {"max_blank": 2, "prorate": False}
    _refused(blank_as_zero, "scales[0].missing", "count a blank as 0")

    def too_many(d):
        d["scales"][0]["missing"] = {"max_blank": 50, "prorate": True}
    _refused(too_many, "scales[0].missing.max_blank")

    def negative(d):
        d["scales"][0]["missing"] = {"max_blank": -1, "prorate": True}
    _refused(negative, "scales[0].missing.max_blank", "non-negative")


def test_total_from_scales_must_refer_to_earlier_scales():
    def m(d):
        d["indices"][1]["scales"] = ["s1", "nope"]
    _refused(m, "indices[1].scales[1]", "nope")


def test_item_text_refused_when_not_allowed():
    def m(d):
        d["items"][0]["text"] = {"zh": "题目原文", "en": "verbatim"}
    _refused(m, "items[0].text", "item_text_allowed")


def test_bad_conditions_and_rules():
    def unknown_scale(d):
        d["rules"][1]["when"] = {"scale": "s99", "gt": 1}
    _refused(unknown_scale, "rules[1].when.scale", "s99")

    def no_op(d):
        d["rules"][0]["when"] = {"item": "q5"}
    _refused(no_op, "rules[0].when", "exactly one comparison")

    def switchable(d):
        d["rules"][0]["enabled"] = False
    _refused(switchable, "rules[0]", "cannot be switched off")

    def kind(d):
        d["rules"][0]["kind"] = "advice"
    _refused(kind, "rules[0].kind")


def test_bad_validity_checks():
    def straight(d):
        d["validity"][1]["items"] = ["q1", "q2", "q4"]   # no reverse-keyed item among them
    _refused(straight, "validity[1].items", "reverse-keyed")

    def lie(d):
        d["validity"][0]["scale"] = "nope"
    _refused(lie, "validity[0].scale")

    def fast(d):
        d["validity"][2]["min_seconds_per_item"] = 0
    _refused(fast, "validity[2].min_seconds_per_item")

    def pairs(d):
        d["validity"][3]["pairs"][0]["relation"] = "similar"
    _refused(pairs, "validity[3].pairs[0].relation")


def test_every_problem_is_listed_at_once():
    def m(d):
        d["scales"][2]["items"][4] = "q99"
        d["norms"][0]["scale"] = "s42"
        d["version"] = 0
    err = _refused(m, "scales[2].items[4]", "version")
    assert len(err.details) >= 2


def test_bad_files(tmp_path):
    bad_json = tmp_path / "broken.json"
    bad_json.write_text('{"id": "x",', encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        load_definition_file(bad_json)
    assert "broken.json" in info.value.message and "JSON" in info.value.message
    with pytest.raises(NotFound):
        load_definition_file(tmp_path / "absent.json")
    not_object = tmp_path / "list.json"
    not_object.write_text("[]", encoding="utf-8")
    with pytest.raises(ValidationFailed):
        load_definition_file(not_object)


def test_round_trip_through_to_dict(tmp_path):
    for iid in builtin_ids():
        d = load_builtin(iid)
        again = definition_from_dict(json.loads(json.dumps(d.to_dict())), "stored")
        assert again.to_dict() == d.to_dict() and again.digest == d.digest and again.version == d.version
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(BASE, ensure_ascii=False), encoding="utf-8")
    assert load_definition_file(path).id == "synthetic"


# --- the built-in library ---------------------------------------------------------------------


def test_library_ids():
    assert set(builtin_ids()) == {"phq9", "gad7", "asq", "k10", "k6", "dass21", "mini_ipip", "scared", "cesdc",
                                  "rses", "scl90", "mssmhs", "mhk"}
    with pytest.raises(NotFound):
        load_builtin("mht")


@pytest.mark.parametrize("iid", ["scl90", "mssmhs"])
def test_keys_only_instruments_ship_no_item_text(iid):
    d = load_builtin(iid)
    assert d.item_text_allowed is False
    assert all(it.text_zh is None and it.text_en is None for it in d.items)
    assert d.items[14].display_text() == "第15题"


@pytest.mark.parametrize("iid", sorted(set(builtin_ids()) - {"scl90", "mssmhs"}))
def test_instruments_with_text_keep_their_attribution(iid):
    d = load_builtin(iid)
    assert d.item_text_allowed and all(it.text_zh for it in d.items)
    assert d.source_citation and d.text("licence", "zh") and d.text("licence", "en")
    for s in d.scales:
        assert s.missing is None or s.missing.source


def test_keys_as_published():
    assert load_builtin("cesdc").reverse_keyed == ("q4", "q8", "q12", "q16")
    assert load_builtin("rses").reverse_keyed == ("q3", "q5", "q8", "q9", "q10")
    assert load_builtin("mini_ipip").reverse_keyed == tuple(f"q{i}" for i in (6, 7, 8, 9, 10, 15, 16, 17, 18, 19, 20))
    scl = load_builtin("scl90")
    assert scl.scale("other").items == tuple(f"q{i}" for i in (19, 44, 59, 60, 64, 66, 89))
    assert scl.scale("phobic").items == tuple(f"q{i}" for i in (13, 25, 47, 50, 70, 75, 82))
    assert sorted(int(i[1:]) for s in scl.scales[:10] for i in s.items) == list(range(1, 91))
    mss = load_builtin("mssmhs")
    assert sorted(int(i[1:]) for s in mss.scales[:10] for i in s.items) == list(range(1, 61))
    dass = load_builtin("dass21")
    assert dass.scale("depression").items == tuple(f"q{i}" for i in (3, 5, 10, 13, 16, 17, 21))
    assert dass.scale("depression").factor == 2
    assert load_builtin("scared").scale("separation").items == tuple(f"q{i}" for i in (4, 8, 13, 16, 20, 25, 29, 31))
    safety = {(d.id, r.id) for d in map(load_builtin, builtin_ids()) for r in d.rules if r.kind == "safety"}
    assert {("phq9", "item9"), ("asq", "asq_positive"), ("asq", "asq_acute"), ("scl90", "item15"),
            ("scl90", "item59")} <= safety


def test_mhk_is_a_twenty_item_quiz():
    d = load_builtin("mhk")
    assert d.n_items == 20 and d.is_quiz and d.scale_ids == ["correct", "rate"]
    assert {it.correct for it in d.items} == {1.0, 2.0}   # both true and false statements


@pytest.mark.parametrize("version_text, words", [("9" * 5000, "超出范围"), ("100000000000000000000", "超出范围"),
                                                  ("1e20", "超出范围"), ("2000000", "版本号过大")])
def test_huge_numbers_are_refused_with_their_path(tmp_path, version_text, words):
    from xadesk.cli.main import main

    f = tmp_path / "def.json"
    f.write_text('{"id": "big", "version": ' + version_text + ', "name": "大"}', encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        load_definition_file(f)
    assert any(line.startswith("version") and words in line for line in info.value.details), info.value.details
    assert main(["instruments", "validate", str(f)]) == 1


def test_a_huge_number_deep_inside_names_its_path(tmp_path):
    f = tmp_path / "def.json"
    f.write_text('{"id": "big", "version": 1, "scales": [{"id": "s", "bands": [{"min": 1e300}]}]}',
                 encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        load_definition_file(f)
    assert any(line.startswith("scales[0].bands[0].min") for line in info.value.details), info.value.details


@pytest.mark.parametrize("depth", [33, 100_000])
def test_deep_nesting_is_refused_without_a_crash(tmp_path, depth):
    from xadesk.cli.main import main

    f = tmp_path / "deep.json"
    f.write_text('{"id": "deep", "version": 1, "x": ' + "[" * depth + "]" * depth + "}", encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        load_definition_file(f)
    assert "嵌套" in info.value.message
    assert main(["instruments", "validate", str(f)]) == 1


def test_brackets_inside_text_do_not_count_as_nesting(tmp_path):
    f = tmp_path / "text.json"
    f.write_text('{"id": "txt", "version": 1, "name": "' + "[" * 100 + '\\"{"}', encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        load_definition_file(f)
    assert "嵌套" not in info.value.message


def test_a_file_too_large_is_refused(tmp_path):
    f = tmp_path / "huge.json"
    f.write_bytes(b'{"id": "h", "version": 1, "pad": "' + b"x" * (1024 * 1024 + 10) + b'"}')
    with pytest.raises(ValidationFailed) as info:
        load_definition_file(f)
    assert "过大" in info.value.message
