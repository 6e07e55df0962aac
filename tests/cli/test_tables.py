from __future__ import annotations

from smsconsole.cli.tables import plural, table


def test_table_aligns_columns_and_right_aligns_amounts() -> None:
    text = table(["NUMBER", "PRICE"], [["(919) 555-0105", "$0.35"], ["1", "$10.00"]], right={1})
    assert text.splitlines() == [
        "NUMBER           PRICE",
        "(919) 555-0105   $0.35",
        "1               $10.00",
    ]


def test_table_leaves_no_trailing_spaces() -> None:
    assert table(["A", "B"], [["long value", ""]]).splitlines() == ["A           B", "long value"]


def test_plural() -> None:
    assert plural(1, "number") == "1 number"
    assert plural(0, "number") == "0 numbers"
