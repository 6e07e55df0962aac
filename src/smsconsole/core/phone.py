"""Phone numbers: parse to E.164, validate, and format for people.

Numbers are stored and sent in E.164 (``+19195550187``) and shown in national format
(``(919) 555-0187``) when they belong to the operator's own region, in international format
otherwise. Parsing accepts what people type (``919 555 0187``, ``(919) 555-0187``,
``+1 919-555-0187``) and reads it in the configured default region.
"""

from __future__ import annotations

import functools

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

DEFAULT_REGION = "US"


class InvalidPhoneNumber(ValueError):
    """A string that is not a dialable phone number; the message says why."""


def supported_regions() -> frozenset[str]:
    """Return the two-letter region codes that ``default_region`` may take."""
    return frozenset(phonenumbers.SUPPORTED_REGIONS)


def parse_e164(text: str, region: str = DEFAULT_REGION) -> str:
    """Parse a number as typed and return it in E.164.

    Args:
        text: The number as a person or a provider wrote it.
        region: The region in which a number without a country code is read.

    Raises:
        InvalidPhoneNumber: ``text`` is not a valid number; the message says why.
    """
    cleaned = text.strip()
    if not cleaned:
        raise InvalidPhoneNumber("a phone number is required")
    try:
        parsed = phonenumbers.parse(cleaned, region.upper())
    except NumberParseException as error:
        raise InvalidPhoneNumber(f"{cleaned!r} is not a phone number: {_reason(error)}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(
            f"{cleaned!r} is not a valid phone number"
            + ("" if cleaned.startswith("+") else f" in region {region.upper()}")
        )
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def is_e164(text: str) -> bool:
    """Return whether ``text`` is already a valid number written in E.164."""
    if not text.startswith("+"):
        return False
    try:
        return parse_e164(text) == text
    except InvalidPhoneNumber:
        return False


def is_toll_free(e164: str) -> bool:
    """Whether a number is toll-free (searched under §3.2 rather than §3.1)."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.TOLL_FREE


def format_national(e164: str) -> str:
    """Return the national form of an E.164 number (``(919) 555-0187``), or it unchanged."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)


# Parsing a number costs ~0.1 ms and a console shows the same few thousand numbers again and
# again (every row painted, every notification's title): answered from memory.
@functools.lru_cache(maxsize=8192)
def format_for_display(e164: str, region: str = DEFAULT_REGION) -> str:
    """Return the clearest form for an operator in ``region``.

    National format for numbers of the operator's own region, international format for the
    rest, and the text unchanged when it is not a phone number at all (a short code).
    """
    try:
        parsed = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(parsed) == region.upper():
        return phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)


def _reason(error: NumberParseException) -> str:
    reasons = {
        NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
        NumberParseException.NOT_A_NUMBER: "it does not look like a number",
        NumberParseException.TOO_SHORT_NSN: "too short",
        NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
        NumberParseException.TOO_LONG: "too long",
    }
    return reasons.get(error.error_type, str(error))
