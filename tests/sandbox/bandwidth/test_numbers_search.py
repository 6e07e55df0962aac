"""The pure search core of the Numbers sandbox (docs/bandwidth-v2.md §5.2): criteria parsing and
matching over the v1 world's inventory, without a server."""

from __future__ import annotations

import pytest

from smsconsole.sandbox.bandwidth.numbers_search import find, parse_search, search_result
from smsconsole.sandbox.bandwidth.numbers_xml import NumbersError, e164_of
from smsconsole.sandbox.world import generate_inventory

INVENTORY = generate_inventory(7)


def digits(**query: str) -> list[str]:
    return [item.digits for item in find(INVENTORY, parse_search(query))]


def test_parameter_names_are_read_in_any_case() -> None:
    assert digits(AREACODE="206", quantity="2") == digits(areaCode="206", quantity="2")


def test_lca_widens_an_npa_nxx_search_to_the_overlay() -> None:
    wide = digits(npaNxx="984555")
    assert {n[:3] for n in wide} == {"919", "984"}
    assert {n[:3] for n in digits(npaNxx="984555", LCA="false")} == {"984"}


def test_local_vanity_uses_the_keypad() -> None:
    some = INVENTORY[0].digits  # 10 digits; its last four as letters-or-digits
    assert some in digits(localVanity=some[-4:], endsIn="true", state="NC")


def test_order_by_sorts_by_number() -> None:
    found = digits(state="NC", orderBy="fullNumber")
    assert found == sorted(found)


def test_protected_only_finds_nothing() -> None:
    assert digits(areaCode="919", protected="ONLY") == []


def test_quantity_bounds_the_result() -> None:
    assert len(digits(tollFreeWildCardPattern="8**", quantity="7")) == 7


@pytest.mark.parametrize(
    "query", [{"zip": "27511", "lata": "730"}, {"city": "CARY", "state": "TX"}]
)
def test_contradicting_criteria_find_nothing(query: dict[str, str]) -> None:
    assert digits(**query) == []


def test_an_empty_result_has_no_list() -> None:
    rendered = search_result([], detail=True)
    assert [child.tag for child in rendered] == ["ResultCount"]


def test_a_bad_criterion_names_its_code() -> None:
    with pytest.raises(NumbersError) as raised:
        parse_search({"zip": "abcde"})
    assert (raised.value.status, raised.value.code) == (400, "4007")


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("9195550100", "+19195550100"),
        ("19195550100", "+19195550100"),
        ("+19195550100", "+19195550100"),
        ("0195550100", None),
        ("919555010", None),
        ("91955501٠٠", None),
        ("", None),
    ],
)
def test_ten_digit_numbers_become_e164(text: str, e164: str | None) -> None:
    assert e164_of(text) == e164
