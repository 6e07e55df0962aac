"""Link-header paging (reference §1.8), pure."""

from __future__ import annotations

from smsconsole.providers.catapult.paging import (
    Page,
    iterate_pages,
    next_page_url,
    parse_link_header,
)

BASE = "https://api.catapult.inetwork.com"
APPS = f"{BASE}/v1/users/u-x/applications"


def test_parse_link_header_first_and_next() -> None:
    header = f'<{APPS}?page=0&size=25>; rel="first", <{APPS}?page=1&size=25>; rel="next"'
    assert parse_link_header(header) == {
        "first": f"{APPS}?page=0&size=25",
        "next": f"{APPS}?page=1&size=25",
    }


def test_parse_link_header_without_next_or_header() -> None:
    assert "next" not in parse_link_header(f'<{APPS}?page=0&size=25>; rel="first"')
    assert parse_link_header(None) == {}
    assert parse_link_header("garbage, ; rel=next") == {}


def test_parse_link_header_tolerates_spacing_and_unquoted_rel() -> None:
    header = f'<{APPS}?page=2>;rel=next ,  < {APPS}?page=0 > ; rel="first"'
    assert parse_link_header(header) == {"next": f"{APPS}?page=2", "first": f"{APPS}?page=0"}


def test_next_page_url_keeps_link_query_and_adds_missing_filters() -> None:
    url = next_page_url(f"{APPS}?page=1&size=2", BASE, {"size": "99", "applicationId": "a-1"})
    assert url == f"{APPS}?page=1&size=2&applicationId=a-1"


def test_next_page_url_stays_on_our_origin() -> None:
    url = next_page_url("https://evil.example/v1/users/u-x/messages?sortKeyLT=5", BASE, {})
    assert url == f"{BASE}/v1/users/u-x/messages?sortKeyLT=5"


def test_page_next_query() -> None:
    page = Page(items=[1], next_url=f"{BASE}/v1/users/u-x/messages?sortKeyLT=42&size=1")
    assert page.next_query("sortKeyLT") == "42"
    assert Page(items=[1]).next_query("sortKeyLT") is None


async def test_iterate_pages_stops_when_a_next_link_repeats() -> None:
    fetched: list[str] = []

    async def first() -> Page[int]:
        return Page(items=[1], next_url="u1")

    async def following(url: str) -> Page[int]:
        fetched.append(url)
        return Page(items=[2], next_url="u1")

    items = [item async for item in iterate_pages(first, following)]
    assert items == [1, 2]
    assert fetched == ["u1"]
