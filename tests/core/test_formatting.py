"""Prices, places and masked URLs: one format for the command line, the console and the API."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsconsole.core.formatting import MASK, location, masked_url, money, monthly_cost, place, price


def test_money_shows_cents_and_keeps_finer_prices() -> None:
    assert money(Decimal("0.35")) == "$0.35"
    assert money(Decimal("2")) == "$2.00"
    assert money(Decimal("0.355")) == "$0.355"
    assert money(Decimal("1.050")) == "$1.05"
    assert money(None) == "?"


def test_money_reads_what_the_provider_and_the_api_send() -> None:
    assert money("0.35") == "$0.35"
    assert money(" 0.35 ") == "$0.35"
    assert money(2) == "$2.00"
    assert money("12.5") == "$12.50"


@pytest.mark.parametrize(
    "hostile",
    ["", "   ", "free", "0.35$", "NaN", "sNaN", "Infinity", "-inf", True, [], {}, object()],
)
def test_money_says_unknown_for_what_is_not_a_price(hostile: object) -> None:
    assert money(hostile) == "?"
    assert price(hostile) is None


def test_money_puts_a_sign_before_the_dollar() -> None:
    assert money(Decimal("-1")) == "-$1.00"
    assert money(Decimal("-0.001")) == "-$0.001"
    assert money(Decimal("-0")) == "$0.00"


def test_money_rounds_nothing() -> None:
    assert money("123456789012345.005") == "$123456789012345.005"
    assert money("1e3") == "$1000.00"
    assert money("0.0000001") == "$0.0000001"


@pytest.mark.parametrize("absurd", ["1e999999999", "-1e999999999", "1e-999999999", "1e18"])
def test_money_of_a_number_no_price_has_is_unknown(absurd: str) -> None:
    assert money(absurd) == "?"


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0, max_value=10**6))
def test_money_round_trips_a_price_in_cents(amount: Decimal) -> None:
    shown = money(amount)
    assert shown.startswith("$")
    assert Decimal(shown[1:]) == amount
    assert len(shown.rpartition(".")[2]) == 2


def test_place_reads_the_providers_capitals() -> None:
    assert place("CARY", "NC") == "Cary, NC"
    assert place("LOS ANGELES", "CA") == "Los Angeles, CA"
    assert place("WINSTON-SALEM", "nc") == "Winston-Salem, NC"
    assert place("ST. LOUIS", "MO") == "St. Louis, MO"
    assert place("O'FALLON", "IL") == "O'Fallon, IL"
    assert place("COEUR D'ALENE", "ID") == "Coeur D'Alene, ID"
    assert place("HARPER'S FERRY", "WV") == "Harper's Ferry, WV"
    assert place("ÉCORSE", "MI") == "Écorse, MI"
    assert place("29 PALMS", "CA") == "29 Palms, CA"


def test_place_of_missing_parts() -> None:
    assert place(None, "NC") == "NC"
    assert place("CARY", None) == "Cary"
    assert place(None, None) == ""
    assert place("", "") == ""
    assert place("  ", " \t") == ""
    assert place("  NEW   YORK ", " NY ") == "New York, NY"


def test_location_says_toll_free_for_a_toll_free_number_without_a_place() -> None:
    assert location("+18005550100", None, None) == "toll-free"
    assert location("+19195550100", "CARY", "NC") == "Cary, NC"
    assert location("+19195550100", None, None) == ""
    assert location("not a number", None, None) == ""


def test_masked_url_hides_only_the_password() -> None:
    url = "https://bandwidth:s%40cret@console.example.com:8443/callbacks/calls?x=1#top"
    assert masked_url(url) == (
        f"https://bandwidth:{MASK}@console.example.com:8443/callbacks/calls?x=1#top"
    )


def test_masked_url_without_a_password_is_unchanged() -> None:
    assert masked_url("https://example.com/x") == "https://example.com/x"
    assert masked_url("https://user@example.com/x") == "https://user@example.com/x"
    assert masked_url("not a url at all") == "not a url at all"


def test_masked_url_of_nothing_is_nothing() -> None:
    assert masked_url(None) is None
    assert masked_url("") == ""


def test_masked_url_with_at_signs_in_the_password_keeps_the_host() -> None:
    masked = masked_url("http://u:p@ss@w:rd@host.example:8080/cb")
    assert masked == f"http://u:{MASK}@host.example:8080/cb"
    assert "ss" not in masked
    assert "rd" not in masked


def test_masked_url_with_an_empty_password_still_masks_it() -> None:
    # The API compares a URL sent back with the mask; an empty password is a password too.
    assert masked_url("http://u:@host/cb") == f"http://u:{MASK}@host/cb"


def test_masked_url_keeps_an_ipv6_host_as_written() -> None:
    assert masked_url("http://u:pw@[::1]:8080/cb") == f"http://u:{MASK}@[::1]:8080/cb"


def test_a_url_that_cannot_be_read_is_masked_whole() -> None:
    assert masked_url("http://u:secret@[::1/cb") == MASK


def test_masking_twice_is_masking_once() -> None:
    once = masked_url("http://bandwidth:secret@h:8/c")
    assert masked_url(once) == once


@given(st.text(alphabet=st.characters(codec="ascii", exclude_characters="/?#[]"), min_size=1))
def test_no_password_survives_masking(password: str) -> None:
    url = f"https://bandwidth:{password}@console.example.com/callbacks/messages"
    masked = masked_url(url)
    assert urlsplit(masked).password == MASK
    assert urlsplit(masked).hostname == "console.example.com"
    assert masked.endswith("@console.example.com/callbacks/messages")


@pytest.mark.parametrize(
    ("prices", "words"),
    [
        (["0.35", "0.35"], "$0.70 a month"),
        (["0.35", None], "$0.35 a month, plus 1 number whose price the provider did not give"),
        (
            ["0.35", None, "NaN"],
            "$0.35 a month, plus 2 numbers whose price the provider did not give",
        ),
        ([None], "an unlisted monthly price (the account's rate)"),  # Bandwidth v2: never $0.00
        ([None, ""], "an unlisted monthly price (the account's rate)"),
        ([], "$0.00 a month"),
    ],
)
def test_monthly_cost_never_counts_an_unknown_price_as_zero(
    prices: list[object], words: str
) -> None:
    assert monthly_cost(prices) == words
