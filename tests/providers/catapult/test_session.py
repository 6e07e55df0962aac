"""The pure wire helpers of the session: query values and path segments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from smsconsole.providers.catapult.session import query, quote_segment


def test_query_drops_none_and_writes_booleans_lower_case() -> None:
    # §1.3: nulls are never sent; .NET's True/False is tolerated by servers, we send true/false.
    assert query({"a": None, "b": True, "c": False, "d": 0, "e": ""}) == {
        "b": "true",
        "c": "false",
        "d": "0",
        "e": "",
    }


def test_query_times_are_utc_in_the_message_filter_format() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert query(
        {
            "aware": datetime(2016, 5, 3, 16, 2, 11, tzinfo=plus_two),
            "naive": datetime(2016, 5, 3, 14, 2, 11),
            "millis": datetime(2016, 5, 3, 14, 2, 11, 7000, tzinfo=UTC),
            "text": "2014-05-25",
        }
    ) == {
        "aware": "2016-05-03 14:02:11",
        "naive": "2016-05-03 14:02:11",
        "millis": "2016-05-03 14:02:11.007",
        "text": "2014-05-25",
    }


def test_quote_segment_encodes_the_plus_of_an_e164_number() -> None:
    # §4: a number in a path must be sent as %2B…, or a server may read the + as a space.
    assert quote_segment("+19195550187") == "%2B19195550187"
    assert quote_segment("a/b c") == "a%2Fb%20c"
    assert quote_segment("n-plpft7v4seh2kvj72ceuvw7") == "n-plpft7v4seh2kvj72ceuvw7"
