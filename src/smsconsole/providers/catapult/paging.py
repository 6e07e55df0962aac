"""Paging through Catapult v1 lists by the ``Link`` header (reference §1.8).

Page-number lists (applications, phone numbers, calls, recordings, errors) and the messages
cursor (``sortKeyLT``) look the same to a client: follow ``rel="next"`` until it is missing or
a page comes back empty — Catapult may offer a next link to an empty page (§1.8, NODE PR #56).
Pure functions plus one async generator over a fetch function; no HTTP client here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list.

    Attributes:
        items: the resources on this page.
        next_url: the absolute URL of the next page from ``Link: <…>; rel="next"``, if any.
    """

    items: list[T]
    next_url: str | None = None

    def next_query(self, name: str) -> str | None:
        """A query parameter of the next page's URL, e.g. ``"page"`` or ``"sortKeyLT"``."""
        if self.next_url is None:
            return None
        return dict(parse_qsl(urlsplit(self.next_url).query)).get(name)


def parse_link_header(value: str | None) -> dict[str, str]:
    """Parse a ``Link`` header into ``{rel: url}``.

    One header, entries separated by commas, each ``<url>; rel="name"`` (§1.8).
    """
    links: dict[str, str] = {}
    if not value:
        return links
    for entry in value.split(","):
        parts = [part.strip() for part in entry.split(";")]
        target = parts[0]
        if not (target.startswith("<") and target.endswith(">")):
            continue
        for param in parts[1:]:
            key, _, rel = param.partition("=")
            if key.strip().lower() == "rel":
                for name in rel.strip().strip('"').split():
                    links.setdefault(name.lower(), target[1:-1].strip())
    return links


def next_page_url(link_url: str, base_url: str, params: Mapping[str, str]) -> str:
    """The URL to fetch for a ``rel="next"`` link.

    Args:
        link_url: the URL from the header.
        base_url: the client's base URL; the next page is always fetched from its origin so
            our credentials never travel to another host.
        params: the filters of the first request; any the link left out are added back, in
            case the server does not repeat them (§1.8, open question 11).

    Returns:
        An absolute URL on the base URL's origin.
    """
    link = urlsplit(link_url)
    base = urlsplit(base_url)
    query = parse_qsl(link.query, keep_blank_values=True)
    present = {key for key, _ in query}
    query += [(key, value) for key, value in params.items() if key not in present]
    return urlunsplit((base.scheme, base.netloc, link.path, urlencode(query), ""))


async def iterate_pages(
    first: Callable[[], Awaitable[Page[T]]],
    following: Callable[[str], Awaitable[Page[T]]],
) -> AsyncIterator[T]:
    """Yield every item of a list, page by page.

    Args:
        first: fetches the first page.
        following: fetches the page at a ``next_url``.

    Stops when a page has no next link, a page is empty, or a next link repeats a URL
    already fetched (a guard against a server looping forever).
    """
    page = await first()
    seen: set[str] = set()
    while True:
        for item in page.items:
            yield item
        if not page.items or page.next_url is None or page.next_url in seen:
            return
        seen.add(page.next_url)
        page = await following(page.next_url)
