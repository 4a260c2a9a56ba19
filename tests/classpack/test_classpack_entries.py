"""The one check of a teacher entry (teacher PC and school PC alike), over arbitrary text."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from xadesk.classpack.content import check_entry, new_entry
from xadesk.errors import UserError

TODAY = date(2026, 11, 29)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_refused_or_kept_printable_and_stable(text):
    try:
        e = new_entry("observation", "G1", day=None, today=TODAY, category="mood", text=text)
    except UserError as exc:
        assert exc.field == "text"
        return
    assert e["text"] and all(c.isprintable() or c in "\n\t" for c in e["text"])
    assert check_entry(e, today=TODAY, students={"G1"}) == e          # the school's check agrees


def test_formula_and_invisible_characters():
    e = new_entry("observation", "G1", day=None, today=TODAY, category="情绪", text="\u200b=HYPERLINK(\"x\")\u2060")
    assert e["text"] == '=HYPERLINK("x")' and e["category"] == "mood"


def test_future_date_and_unknown_kind_refused():
    import pytest

    with pytest.raises(UserError, match="在今天之后"):
        new_entry("observation", "G1", day=date(2026, 12, 1), today=TODAY, category="mood", text="x")
    with pytest.raises(UserError, match="记录类别"):
        check_entry({"id": "0d9b7f7e-1111-4222-8333-944445555666", "kind": "counselling", "student_no": "G1",
                     "date": "2026-11-01"}, today=TODAY)
