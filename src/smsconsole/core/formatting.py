"""How prices, places and callback URLs are shown, once for every part that shows them.

The command line, the console and the API's answers all show the same strings: a monthly
price as ``$0.35`` (the provider's own precision when it gives more than cents, ``?`` when it
gives none that can be read), a place as ``Cary, NC`` (the provider sends ``CARY``), and a
callback URL with the password of its userinfo replaced by :data:`MASK`. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Final, overload
from urllib.parse import urlsplit, urlunsplit

from smsconsole.core.phone import is_toll_free

# What is shown in place of a password or a secret. ASCII "*" is allowed unencoded in a
# URL's userinfo (RFC 3986 sub-delims), so a masked URL is still a URL; the API recognises
# it when a client sends it back (an edit that keeps the password).
MASK: Final = "********"

UNKNOWN_PRICE: Final = "?"
TOLL_FREE: Final = "toll-free"

# No price has more digits than this on either side of the point: ``1e999999999`` is not
# written out (a billion characters), it is unknown.
_DIGITS: Final = 18
# A letter that starts a word of a place name: after a space, a hyphen, a slash or a period
# (``Winston-Salem``, ``St. Louis``), or after ``O'``/``D'`` (``O'Fallon``).
_WORD_START: Final = re.compile(r"(?:^|(?<=[\s\-/.])|(?<=\b[^\W\d_]'))[^\W\d_]")


def price(value: object) -> Decimal | None:
    """A price as the provider or the API gives it (``"0.35"``, a number), or None.

    None also for what is not a finite number (``""``, ``"free"``, ``"NaN"``): an unknown
    price is never shown or counted as zero by mistake.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def monthly_cost(prices: Iterable[object]) -> str:
    """What numbers cost a month, in words that never count an unknown price as zero.

    ``$0.70 a month``; ``$0.35 a month, plus 1 number whose price the provider did not give``;
    ``an unlisted monthly price (the account's rate)`` when none is known
    (Bandwidth's current API searches without prices).
    """
    known: list[Decimal] = []
    unknown = 0
    for value in prices:
        amount = price(value)
        if amount is None:
            unknown += 1
        else:
            known.append(amount)
    if not known and unknown:
        return "an unlisted monthly price (the account's rate)"
    words = f"{money(sum(known, Decimal(0)))} a month"
    if unknown:
        noun = "number" if unknown == 1 else "numbers"
        words += f", plus {unknown} {noun} whose price the provider did not give"
    return words


def money(value: object) -> str:
    """A price as ``$0.35``: cents always, more decimals only when the provider gave them.

    Args:
        value: A :class:`~decimal.Decimal`, or what :func:`price` reads.

    Returns:
        ``$0.35``, ``$2.00``, ``$0.355``, ``-$1.00``; ``?`` when there is no price to read.
        Nothing is rounded: a price is shown with every digit the provider gave.
    """
    amount = price(value)
    if amount is None or not -_DIGITS <= amount.adjusted() < _DIGITS:
        return UNKNOWN_PRICE
    whole, _, fraction = f"{abs(amount):f}".partition(".")
    sign = "-" if amount < 0 else ""
    return f"{sign}${whole}.{fraction.rstrip('0').ljust(2, '0')}"


def place(city: str | None, state: str | None) -> str:
    """``Cary, NC`` from the provider's upper-case ``CARY`` and ``NC``; empty when unknown."""
    town = " ".join(
        _WORD_START.sub(lambda letter: letter.group().upper(), word.lower())
        for word in (city or "").split()
    )
    region = " ".join((state or "").split()).upper()
    return ", ".join(part for part in (town, region) if part)


def location(number: str, city: str | None, state: str | None) -> str:
    """Where a number is: its :func:`place`, else ``toll-free`` for one; empty when unknown."""
    return place(city, state) or (TOLL_FREE if is_toll_free(number) else "")


@overload
def masked_url(url: str) -> str: ...
@overload
def masked_url(url: None) -> None: ...
def masked_url(url: str | None) -> str | None:
    """``url`` with the password of its userinfo replaced by :data:`MASK`.

    Callback credentials travel in the URL's userinfo (reference §9), so a URL is never shown
    or answered with its password. Everything else is kept as it was: the user, the host and
    port, the path, the query and the fragment. A URL without a password is returned as is;
    one that cannot be read at all is shown as :data:`MASK` alone (it might hide one).
    """
    if not url:
        return url
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # an unbalanced "[" in the host: where the password ends is unclear
        return MASK
    if password is None:
        return url
    # The host is what follows the last "@": a password may hold "@" itself.
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username}:{MASK}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
