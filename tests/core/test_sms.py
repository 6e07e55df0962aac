from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segment_table import SEGMENT_TABLE, Row
from smsconsole.core.sms import GSM7_BASIC, GSM7_EXTENSION, count_segments, is_gsm7


@pytest.mark.parametrize("row", SEGMENT_TABLE, ids=lambda row: row.name)
def test_the_console_counts_as_the_shared_table(row: Row) -> None:
    result = count_segments(row.text)
    assert (result.encoding, result.count) == (row.encoding, row.count)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "count", "remaining"),
    [
        ("", "GSM-7", 0, 0, 160),
        ("Example", "GSM-7", 7, 1, 153),
        ("a" * 160, "GSM-7", 160, 1, 0),
        ("a" * 161, "GSM-7", 161, 2, 145),
        ("a" * 306, "GSM-7", 306, 2, 0),
        ("a" * 307, "GSM-7", 307, 3, 152),
        ("€" * 80, "GSM-7", 160, 1, 0),
        ("{" * 81, "GSM-7", 162, 2, 153 - 10),
        ("é" * 160, "GSM-7", 160, 1, 0),
        ("ç", "UCS-2", 1, 1, 69),
        ("ü" * 70, "GSM-7", 70, 1, 90),
        ("Ω" * 70, "GSM-7", 70, 1, 90),
        ("я" * 70, "UCS-2", 70, 1, 0),
        ("я" * 71, "UCS-2", 71, 2, 63),
        ("я" * 134, "UCS-2", 134, 2, 0),
        ("я" * 135, "UCS-2", 135, 3, 66),
        ("😀" * 35, "UCS-2", 70, 1, 0),
    ],
)
def test_count_segments(text: str, encoding: str, units: int, count: int, remaining: int) -> None:
    result = count_segments(text)
    assert (result.encoding, result.units, result.count, result.remaining) == (
        encoding,
        units,
        count,
        remaining,
    )


def test_escape_pair_is_not_split_across_segments() -> None:
    # 152 plain septets then an escape pair: the pair cannot share the first segment's last
    # septet, so it moves whole into the second segment.
    result = count_segments("a" * 152 + "€" + "a" * 10)
    assert result.count == 2
    assert result.remaining == 153 - 12


def test_surrogate_pair_is_not_split_across_segments() -> None:
    result = count_segments("я" * 66 + "😀" + "я" * 10)
    assert result.count == 2
    assert result.remaining == 67 - 12


def test_one_non_gsm_character_switches_the_whole_text() -> None:
    assert count_segments("a" * 100).count == 1
    assert count_segments("a" * 99 + "😀").encoding == "UCS-2"
    assert count_segments("a" * 99 + "😀").count == 2


gsm_text = st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), max_size=1200)


@given(gsm_text)
def test_gsm_segments_bound_the_units(text: str) -> None:
    result = count_segments(text)
    assert is_gsm7(text)
    assert result.encoding == "GSM-7"
    if result.count > 1:
        # each segment holds at most 153 septets and loses at most one to an escape pair
        assert 152 * (result.count - 1) < result.units <= 153 * result.count
    assert 0 <= result.remaining < result.per_segment or result.units == 0


@given(st.text(max_size=600))
def test_any_text_has_a_consistent_count(text: str) -> None:
    result = count_segments(text)
    assert (result.count == 0) == (text == "")
    assert result.per_segment in (160, 153, 70, 67)
    assert result.remaining >= 0
