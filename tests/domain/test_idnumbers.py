from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xadesk.domain.idnumbers import (
    IdNumberError,
    check_char,
    excel_float_explanation,
    is_valid_id_number,
    make_id_number,
    mask_id_number,
    parse_id_number,
    parse_student_no,
)

TODAY = date(2026, 10, 1)


def test_published_example_validates():
    # The example printed in GB 11643-1999 itself.
    info = parse_id_number("11010519491231002X")
    assert info.birth_date == date(1949, 12, 31)
    assert info.sex == "F"
    assert info.region == "110105"


def test_lowercase_x_fullwidth_spaces_and_apostrophe_are_normalised():
    assert parse_id_number("11010519491231002x").number == "11010519491231002X"
    assert parse_id_number("１１０１０５１９４９１２３１００２Ｘ").number == "11010519491231002X"
    assert parse_id_number(" 110105 19491231 002X ").number == "11010519491231002X"
    assert parse_id_number("'11010519491231002X").number == "11010519491231002X"
    assert parse_id_number('="11010519491231002X"').number == "11010519491231002X"


def test_checksum_error_says_so():
    with pytest.raises(IdNumberError) as exc:
        parse_id_number("110105194912310021")
    assert exc.value.reason == "checksum"
    assert "校验位错误" in exc.value.zh


@pytest.mark.parametrize("value, reason", [
    ("", "empty"),
    ("11010519491231", "length"),
    ("1101051949123100211", "length"),
    ("110105491231002", "old_15"),
    ("11010519491231A02X", "chars"),
    ("001105194912310025", "region"),
    ("110105194902300020", "date"),  # 30 February
    ("110105203001010020", "date"),  # born in the future
])
def test_each_rule_has_its_reason(value, reason):
    with pytest.raises(IdNumberError) as exc:
        parse_id_number(value, today=TODAY)
    assert exc.value.reason == reason
    assert exc.value.zh and exc.value.en


@pytest.mark.parametrize("value", [
    "6.10116E+17", "6.10116199001011E+17", "6.10116199001011e+17", "610116199001011000",
    "610116199001011000.0", "610,116,199,001,011,000", 6.10116199001011e17, "６．１０１１６Ｅ＋１７",
])
def test_excel_floats_get_their_own_explanation(value):
    with pytest.raises(IdNumberError) as exc:
        parse_id_number(value)
    assert exc.value.reason == "excel_float"
    assert "Excel" in exc.value.zh and "文本" in exc.value.zh


def test_trailing_000_is_fine_when_the_checksum_holds():
    # A genuine number may end in 000 (sequence x00, check 0); only a failing checksum points at Excel.
    genuine = next(n for d in range(1, 29) for seq in (100, 200, 300, 400)
                   if (n := make_id_number("610116", date(2013, 5, d), seq)).endswith("000"))
    assert excel_float_explanation(genuine) is None
    assert parse_id_number(genuine).number == genuine


def test_messages_never_repeat_the_number():
    for value in ("110105194912310021", "6.10116199001011E+17", "110105194902300020"):
        with pytest.raises(IdNumberError) as exc:
            parse_id_number(value)
        assert value not in exc.value.zh and value not in exc.value.en


def test_make_id_number_sex_and_date():
    boy = make_id_number("610116", date(2013, 5, 1), 123)
    girl = make_id_number("610116", date(2013, 5, 1), 124)
    assert parse_id_number(boy).sex == "M"
    assert parse_id_number(girl).sex == "F"
    assert parse_id_number(boy).birth_date == date(2013, 5, 1)


def test_mask_keeps_only_prefix_and_suffix():
    assert mask_id_number("11010519491231002X") == "1101**********002X"


regions = st.sampled_from(["110105", "610116", "610113", "440305", "510107", "650102", "810000"])
births = st.dates(min_value=date(1950, 1, 1), max_value=date(2025, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


@given(regions, births, sequences)
def test_generated_ids_validate(region, birth, sequence):
    number = make_id_number(region, birth, sequence)
    info = parse_id_number(number, today=TODAY)
    assert info.birth_date == birth
    assert info.sex == ("M" if sequence % 2 else "F")


@given(regions, births, sequences, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_any_single_changed_character_fails(region, birth, sequence, position, shift):
    number = make_id_number(region, birth, sequence)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = alphabet[(alphabet.index(number[position]) + shift) % len(alphabet)]
    if replacement == number[position]:
        return
    changed = number[:position] + replacement + number[position + 1:]
    # MOD 11-2 catches every single substitution: the check character no longer matches …
    assert check_char(changed[:17]) != changed[17]
    # … so the number is refused (for the checksum, or earlier for a now-impossible date or region).
    assert not is_valid_id_number(changed)


# --- national student numbers ---------------------------------------------------------------

def test_student_no_g_form_embeds_a_valid_id():
    id_number = make_id_number("610116", date(2013, 5, 1), 124)
    no = parse_student_no("g" + id_number)
    assert no.form == "G" and no.number == "G" + id_number
    assert no.id_number is not None and no.id_number.number == id_number
    assert no.sex == "F" and no.birth_date == date(2013, 5, 1)


def test_student_no_g_form_with_bad_checksum_is_refused():
    with pytest.raises(IdNumberError) as exc:
        parse_student_no("G110105194912310021")
    assert exc.value.reason == "checksum"
    assert "G开头学籍号" in exc.value.zh


def test_student_no_j_form_is_a_shape_only():
    no = parse_student_no("J61011620130501123X")
    assert no.form == "J" and no.id_number is None and no.birth_date is None
    with pytest.raises(IdNumberError):
        parse_student_no("J6101162013050112XX")


def test_student_no_l_form_has_a_birth_date_and_no_check_digit():
    no = parse_student_no("L610116201305014321")
    assert no.form == "L" and no.birth_date == date(2013, 5, 1)
    with pytest.raises(IdNumberError) as exc:
        parse_student_no("L610116201302304321")
    assert exc.value.reason == "date"


@pytest.mark.parametrize("value, fragment", [
    ("11010519491231002X", "看起来是身份证号"),
    ("X11010519491231002X", "G、J或L"),
    ("G1101051949123100", "19位"),
    ("", "为空"),
])
def test_student_no_errors(value, fragment):
    with pytest.raises(IdNumberError) as exc:
        parse_student_no(value)
    assert fragment in exc.value.zh
