from __future__ import annotations

import pytest

from smsconsole.catapult.quirks import as_bool, as_enum, as_int, as_str, drop_nulls


def test_drop_nulls_keeps_falsy_values() -> None:
    assert drop_nulls({"a": None, "b": "", "c": 0, "d": False}) == {"b": "", "c": 0, "d": False}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("True", True), ("FALSE", False), (" 1 ", True)],
)
def test_as_bool_accepts_strings_in_any_case(value: object, expected: bool) -> None:
    assert as_bool(value, "autoAnswer") is expected


@pytest.mark.parametrize("value", ["maybe", 2, None, ""])
def test_as_bool_names_the_field(value: object) -> None:
    with pytest.raises(ValueError, match="'autoAnswer' must be true or false"):
        as_bool(value, "autoAnswer")


@pytest.mark.parametrize(("value", "expected"), [(5, 5), ("2000", 2000), (" -4", -4), (3.0, 3)])
def test_as_int_accepts_numeric_strings(value: object, expected: int) -> None:
    assert as_int(value, "callbackTimeout") == expected


@pytest.mark.parametrize("value", ["2.5", "ten", True, 2.5, None, ""])
def test_as_int_refuses_the_rest(value: object) -> None:
    with pytest.raises(ValueError, match="'callbackTimeout' must be a whole number"):
        as_int(value, "callbackTimeout")


def test_as_str_takes_numbers_in_decimal() -> None:
    assert as_str(720, "deliveryCode") == "720"
    assert as_str("0", "deliveryCode") == "0"
    with pytest.raises(ValueError, match="'deliveryCode' must be a string"):
        as_str(["0"], "deliveryCode")


def test_as_enum_answers_the_canonical_spelling() -> None:
    assert as_enum("get", "callbackHttpMethod", ("GET", "POST")) == "GET"
    assert as_enum(" Post ", "callbackHttpMethod", ("GET", "POST")) == "POST"
    assert as_enum("SMS", "eventType", ("sms", "mms")) == "sms"
    with pytest.raises(ValueError, match="must be one of GET, POST, not 'PUT'"):
        as_enum("PUT", "callbackHttpMethod", ("GET", "POST"))
