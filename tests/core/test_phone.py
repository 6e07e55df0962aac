from __future__ import annotations

import pytest

from smsconsole.core.phone import (
    InvalidPhoneNumber,
    format_for_display,
    format_national,
    is_e164,
    parse_e164,
)


@pytest.mark.parametrize(
    ("typed", "region", "expected"),
    [
        ("+19195550187", "US", "+19195550187"),
        ("919 555 0187", "US", "+19195550187"),
        ("(919) 555-0187", "US", "+19195550187"),
        ("1-919-555-0187", "US", "+19195550187"),
        ("+1 (386) 524-5000", "GB", "+13865245000"),
        ("020 7183 8750", "GB", "+442071838750"),
        ("  +13233326955 ", "us", "+13233326955"),
    ],
)
def test_parse_e164_reads_what_people_type(typed: str, region: str, expected: str) -> None:
    assert parse_e164(typed, region) == expected


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("", "required"),
        ("hello", "not a phone number"),
        ("+1555", "not a valid phone number"),
        ("555 5550100", "in region US"),
        ("+999 123", "not a phone number"),
    ],
)
def test_parse_e164_rejects_with_a_reason(typed: str, fragment: str) -> None:
    with pytest.raises(InvalidPhoneNumber, match=fragment):
        parse_e164(typed, "US")


def test_is_e164_only_for_canonical_form() -> None:
    assert is_e164("+19195550187")
    assert not is_e164("19195550187")
    assert not is_e164("+1 919 555 0187")
    assert not is_e164("+15555550100")


def test_national_and_display_formats() -> None:
    assert format_national("+19195550187") == "(919) 555-0187"
    assert format_for_display("+19195550187", "US") == "(919) 555-0187"
    assert format_for_display("+442071838750", "US") == "+44 20 7183 8750"
    assert format_for_display("+442071838750", "GB") == "020 7183 8750"
    assert format_for_display("24273", "US") == "24273"
    assert format_national("not a number") == "not a number"
