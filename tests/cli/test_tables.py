from __future__ import annotations

from decimal import Decimal

from smsconsole.cli.tables import masked_url, money, place, plural, table


def test_table_aligns_columns_and_right_aligns_amounts() -> None:
    text = table(["NUMBER", "PRICE"], [["(919) 555-0105", "$0.35"], ["1", "$10.00"]], right={1})
    assert text.splitlines() == [
        "NUMBER           PRICE",
        "(919) 555-0105   $0.35",
        "1               $10.00",
    ]


def test_table_leaves_no_trailing_spaces() -> None:
    assert table(["A", "B"], [["long value", ""]]).splitlines() == ["A           B", "long value"]


def test_money_shows_cents_and_keeps_finer_prices() -> None:
    assert money(Decimal("0.35")) == "$0.35"
    assert money(Decimal("2")) == "$2.00"
    assert money(Decimal("0.355")) == "$0.355"
    assert money(None) == "?"


def test_place_reads_the_providers_capitals() -> None:
    assert place("LOS ANGELES", "CA") == "Los Angeles, CA"
    assert place(None, "NC") == "NC"
    assert place(None, None) == ""


def test_masked_url_hides_only_the_password() -> None:
    url = "https://bandwidth:s%40cret@console.example.com:8443/callbacks/calls"
    assert masked_url(url) == "https://bandwidth:****@console.example.com:8443/callbacks/calls"
    assert masked_url("https://example.com/x") == "https://example.com/x"
    assert masked_url(None) is None


def test_plural() -> None:
    assert plural(1, "number") == "1 number"
    assert plural(0, "number") == "0 numbers"
