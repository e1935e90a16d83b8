"""The one id parser: whatever a client sends, an id that fits the database or None."""

from hypothesis import given
from hypothesis import strategies as st

from yiban_core.ids import MAX_ID, parse_id


def test_ids_that_fit_a_bigint_are_read():
    assert parse_id(1) == 1
    assert parse_id("42") == 42
    assert parse_id(" 7 ") == 7
    assert parse_id(str(MAX_ID)) == MAX_ID
    assert parse_id("000" + str(MAX_ID)) == MAX_ID


def test_anything_else_names_nothing():
    for value in (None, "", "abc", "1.5", 1.0, True, False, 0, -1, "-1", "+1", "١٢",
                  MAX_ID + 1, str(MAX_ID + 1), "99999999999999999999999", "9" * 5000,
                  [1], {"id": 1}, "1\x00"):
        assert parse_id(value) is None, value


@given(st.one_of(st.integers(), st.text(), st.none(), st.booleans(), st.floats()))
def test_never_raises_and_never_leaves_the_bigint_range(value):
    number = parse_id(value)
    assert number is None or 1 <= number <= MAX_ID
