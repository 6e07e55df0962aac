"""The checks every piece of client input goes through: pure, so tested without a socket."""

from __future__ import annotations

import unicodedata

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsconsole.server.inputs import (
    MAX_INT64,
    InvalidInput,
    checked_text,
    decode_json,
    whole_number,
    without_lone_surrogates,
)

# Every code point, lone surrogates included (what json.loads makes of "\ud800").
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)


@given(raw=any_text | st.integers() | st.floats() | st.booleans() | st.none())
def test_whole_number_answers_an_int_in_range_or_refuses(raw: object) -> None:
    try:
        value = whole_number(raw, "limit", low=1, high=500)
    except InvalidInput as problem:
        reason = str(problem)
    else:
        reason = "'limit'"
        assert 1 <= value <= 500
        assert str(value) == str(raw) or value == raw
    assert "'limit'" in reason


@pytest.mark.parametrize(
    "raw", ["²", "٣", "1_0", " 1", "+1", "-1", "1e3", str(2**63), "9" * 5000, True, 1.0, "0x1"]
)
def test_whole_number_refuses_what_int_or_isdigit_let_through(raw: object) -> None:
    with pytest.raises(InvalidInput):
        whole_number(raw, "cursor")


def test_whole_number_takes_the_edges_of_its_range() -> None:
    assert whole_number(str(MAX_INT64), "since") == MAX_INT64
    assert whole_number(0, "since") == 0
    with pytest.raises(InvalidInput):
        whole_number("0", "since", digits=False)


@given(value=any_text, multiline=st.booleans())
def test_checked_text_is_encodable_and_has_no_controls(value: str, multiline: bool) -> None:
    try:
        kept = checked_text(value, "name", multiline=multiline)
    except InvalidInput as problem:
        assert str(problem).startswith("'name'")  # noqa: PT017 - hypothesis draws both ways
    else:
        kept.encode()  # no lone surrogate
        allowed = "\n\r\t\u2028\u2029" if multiline else ""
        for char in kept:
            assert char in allowed or unicodedata.category(char) not in ("Cc", "Zl", "Zp")


@pytest.mark.parametrize("value", ["Zoë", "👩‍👩‍👧", "⁨مها⁩", "a b"])
def test_checked_text_keeps_names_people_have(value: str) -> None:
    assert checked_text(value, "name") == value


@pytest.mark.parametrize(
    "raw", [b"[" * 200_000, b'{"a": ' * 30_000, b"\xff", b"9" * 5000, b"{", "\ud800"]
)
def test_decode_json_refuses_with_invalid_input_only(raw: bytes | str) -> None:
    with pytest.raises(InvalidInput, match="not valid JSON"):
        decode_json(raw)


@given(
    value=st.recursive(any_text, lambda inner: st.lists(inner) | st.dictionaries(any_text, inner))
)
def test_without_lone_surrogates_is_always_encodable(value: object) -> None:
    msgspec.json.encode(without_lone_surrogates(value))
