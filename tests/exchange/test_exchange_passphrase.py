"""Passphrases a teacher copies from paper and types back in, however the keyboard behaves."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xadesk.exchange import passphrase as pp


def test_default_shape_and_strength():
    p = pp.generate()
    assert re.fullmatch(r"([23456789A-HJKMNP-Z]{4}-){5}[23456789A-HJKMNP-Z]{4}", p)
    assert pp.bits(6, 4) >= 100
    assert len({pp.generate() for _ in range(200)}) == 200


def test_no_ambiguous_characters():
    for c in "01OIL":
        assert c not in pp.ALPHABET
    assert len(set(pp.ALPHABET)) == len(pp.ALPHABET) == 31


def test_other_shapes_for_the_recovery_key():
    key = pp.generate(groups=8, group_len=4)
    assert len(key.split("-")) == 8
    with pytest.raises(ValueError):
        pp.generate(groups=4, group_len=4)  # 79 bits


@pytest.mark.parametrize("typed", [
    "7kqm-x3rb-pv2d-9hte-cwna-4fys",
    "7KQM X3RB PV2D 9HTE CWNA 4FYS",
    "７ＫＱＭ－Ｘ３ＲＢ－ＰＶ２Ｄ－９ＨＴＥ－ＣＷＮＡ－４ＦＹＳ",      # full-width from a Chinese IME
    "7KQM\u3000X3RB\u3000PV2D\u30009HTE\u3000CWNA\u30004FYS",  # ideographic spaces
    "7KQM—X3RB–PV2D−9HTE‐CWNA\u200b4FYS",                   # dashes from Word, zero-width space
    "\ufeff 7KQMX3RB\tPV2D9HTE\nCWNA4FYS ",
])
def test_normalise_forgives_typing(typed):
    assert pp.normalise(typed) == "7KQMX3RBPV2D9HTECWNA4FYS"
    assert pp.format_groups(typed) == "7KQM-X3RB-PV2D-9HTE-CWNA-4FYS"


@given(st.lists(st.sampled_from(pp.ALPHABET), min_size=1, max_size=48).map("".join),
       st.integers(1, 8))
def test_format_groups_then_normalise_round_trip(raw, group_len):
    assert pp.normalise(pp.format_groups(raw, group_len=group_len)) == raw
    assert pp.format_groups(pp.format_groups(raw, group_len), group_len) == pp.format_groups(raw, group_len)


@given(st.text(max_size=40))
def test_normalise_is_idempotent(text):
    once = pp.normalise(text)
    assert pp.normalise(once) == once
    assert not any(c.isspace() or c == "-" for c in once)


@given(st.lists(st.sampled_from(pp.ALPHABET), min_size=4, max_size=24).map("".join), st.data())
def test_case_width_and_spacing_variants_normalise_alike(raw, data):
    def variant(c):
        choice = data.draw(st.integers(0, 3))
        if choice == 1:
            c = c.lower()
        elif choice == 2:
            c = chr(ord(c) + 0xFEE0)  # full-width form
        sep = data.draw(st.sampled_from(["", " ", "-", "\u3000", "－"]))
        return c + sep

    typed = "".join(variant(c) for c in raw)
    assert pp.normalise(typed) == raw


def test_foreign_characters_hint():
    assert pp.foreign_characters("7KQM-X3RB-PV2D-9HTE-CWNA-4FYS") == ""
    assert pp.foreign_characters("0KQM-OOIL") == "0OIL"
