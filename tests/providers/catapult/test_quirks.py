"""The lenient v1 value readers (reference §1.3, §1.7), pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smsconsole.providers.catapult.quirks import (
    as_bool,
    as_enum,
    as_int,
    as_str,
    as_time,
    drop_nulls,
)


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


MS = datetime(2014, 12, 19, 23, 47, 34, 964000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # §1.7: ISO-8601 UTC with and without milliseconds.
        ("2013-02-08T13:15:47.587Z", datetime(2013, 2, 8, 13, 15, 47, 587000, tzinfo=UTC)),
        ("2015-09-14T21:28:35Z", datetime(2015, 9, 14, 21, 28, 35, tzinfo=UTC)),
        # §1.3: the .NET round-trip form with seven fraction digits.
        ("2015-10-05T20:37:39.0000000Z", datetime(2015, 10, 5, 20, 37, 39, tzinfo=UTC)),
        # An offset is converted to UTC; no offset means UTC.
        ("2015-09-14T16:28:35-05:00", datetime(2015, 9, 14, 21, 28, 35, tzinfo=UTC)),
        ("2015-09-14T21:28:35", datetime(2015, 9, 14, 21, 28, 35, tzinfo=UTC)),
        # §1.3 / §5.3: the message-filter form, and a date alone.
        ("2015-09-14 21:28:35", datetime(2015, 9, 14, 21, 28, 35, tzinfo=UTC)),
        ("2014-05-25", datetime(2014, 5, 25, tzinfo=UTC)),
        (" 2015-09-14T21:28:35Z ", datetime(2015, 9, 14, 21, 28, 35, tzinfo=UTC)),
        # §1.7: epoch milliseconds as a number, a float, or a string of digits.
        (1419032854964, MS),
        (1419032854964.0, MS),
        ("1419032854964", MS),
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
    ],
)
def test_as_time_reads_every_documented_form_as_aware_utc(
    value: object, expected: datetime
) -> None:
    parsed = as_time(value, "time")
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    ["yesterday", "", "2015-13-01T00:00:00Z", True, None, [1419032854964], float("nan"), 1e300,
     "\u0661\u0662\u0663"],
)  # fmt: skip
def test_as_time_refuses_the_rest_naming_the_field(value: object) -> None:
    with pytest.raises(ValueError, match="'startTime' is not a valid ISO-8601 time"):
        as_time(value, "startTime")
