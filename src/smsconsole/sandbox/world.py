"""The simulated telephone world: which numbers are available to order, and where they are.

Numbers are fictional ``NPA-55x-01xx`` numbers, generated deterministically from a seed, in
enough places to exercise every search criterion of reference §3 (state, city, ZIP, area code,
local number, the 919/984 overlay for ``inLocalCallingArea``, patterns) plus toll-free ranges.
The places include Cary NC and area code 910 used by the provider's getting-started page.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass

LOCAL_PRICE = "0.35"
TOLL_FREE_PRICE = "0.75"
TOLL_FREE_AREA_CODES = ("800", "888", "877", "866")
NUMBERS_PER_PLACE = 24


@dataclass(frozen=True)
class Place:
    """A rate center with its area code, the exchange the sandbox uses there, and ZIP codes."""

    city: str
    state: str
    area_code: str
    exchange: str
    zips: tuple[str, ...]
    lata: str


PLACES: tuple[Place, ...] = (
    Place("RALEIGH", "NC", "919", "555", ("27601", "27606"), "426"),
    Place("CARY", "NC", "919", "554", ("27511", "27513"), "426"),
    Place("DURHAM", "NC", "984", "555", ("27701",), "426"),
    Place("FAYETTEVILLE", "NC", "910", "555", ("28301",), "426"),
    Place("WILMINGTON", "NC", "910", "554", ("28401",), "426"),
    Place("LOS ANGELES", "CA", "213", "555", ("90012",), "730"),
    Place("SAN FRANCISCO", "CA", "415", "555", ("94103",), "722"),
    Place("NEW YORK", "NY", "212", "555", ("10001",), "132"),
    Place("AUSTIN", "TX", "512", "555", ("78701",), "558"),
    Place("HOUSTON", "TX", "713", "555", ("77002",), "560"),
    Place("MIAMI", "FL", "305", "555", ("33130",), "460"),
    Place("SEATTLE", "WA", "206", "555", ("98101",), "674"),
)

# Overlays: an area code and the codes sharing its local calling area (§3.1 inLocalCallingArea).
OVERLAYS: dict[str, tuple[str, ...]] = {"919": ("984",), "984": ("919",)}

_KEYPAD = {
    **dict.fromkeys("ABC", "2"),
    **dict.fromkeys("DEF", "3"),
    **dict.fromkeys("GHI", "4"),
    **dict.fromkeys("JKL", "5"),
    **dict.fromkeys("MNO", "6"),
    **dict.fromkeys("PQRS", "7"),
    **dict.fromkeys("TUV", "8"),
    **dict.fromkeys("WXYZ", "9"),
}


@dataclass(frozen=True)
class AvailableNumber:
    """A number the account may order; ``place`` is ``None`` for toll-free numbers."""

    number: str
    place: Place | None
    price: str

    @property
    def national(self) -> str:
        """The national format, ``(919) 555-0187``."""
        return national_format(self.number)

    @property
    def digits(self) -> str:
        """The ten national digits."""
        return self.number[2:]


def national_format(e164: str) -> str:
    """Format a NANP E.164 number as ``(919) 555-0187``; other numbers are returned as is."""
    digits = e164[2:] if e164.startswith("+1") else ""
    if len(digits) != 10 or not digits.isdigit():
        return e164
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def generate_inventory(seed: int | None) -> list[AvailableNumber]:
    """Build the available-number inventory; the same seed gives the same inventory.

    Args:
        seed: Seed for the shuffle of line numbers; ``None`` means 0 (stable by default).
    """
    rng = random.Random(seed or 0)
    numbers: list[AvailableNumber] = []
    for place in PLACES:
        lines = rng.sample(range(100, 200), NUMBERS_PER_PLACE)
        for line in sorted(lines):
            number = f"+1{place.area_code}{place.exchange}0{line}"
            numbers.append(AvailableNumber(number, place, LOCAL_PRICE))
    for area_code in TOLL_FREE_AREA_CODES:
        for line in sorted(rng.sample(range(100, 200), NUMBERS_PER_PLACE)):
            numbers.append(AvailableNumber(f"+1{area_code}5550{line}", None, TOLL_FREE_PRICE))
    return numbers


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Turn a v1 search pattern into a regex over the ten national digits (§3.1).

    ``?`` is one digit, ``*`` zero or more, letters are keypad digits. Each literal run is a
    capturing group so :func:`pattern_match` can show which digits matched.
    """
    parts: list[str] = []
    literal = ""
    for char in pattern.upper():
        if char in "?*":
            if literal:
                parts.append(f"({literal})")
                literal = ""
            parts.append(r"\d" if char == "?" else r"\d*")
        elif char.isdigit() or char in _KEYPAD:
            literal += _KEYPAD.get(char, char)
    if literal:
        parts.append(f"({literal})")
    return re.compile("".join(parts))


def pattern_match(regex: re.Pattern[str], digits: str) -> str | None:
    """The national-width string with only the literally matched digits shown, or None."""
    found = regex.fullmatch(digits)
    if found is None:
        return None
    shown = [" "] * 14
    positions = (1, 2, 3, 6, 7, 8, 10, 11, 12, 13)  # digit slots of "(919) 555-0187"
    for group in range(1, (regex.groups or 0) + 1):
        start, end = found.span(group)
        for index in range(start, end):
            shown[positions[index]] = digits[index]
    return "".join(shown)


@dataclass(frozen=True)
class LocalCriteria:
    """Validated local search criteria (see :mod:`smsconsole.sandbox.validation`)."""

    state: str | None = None
    city: str | None = None
    zip: str | None = None
    area_code: str | None = None
    local_number: str | None = None
    in_local_calling_area: bool = False


def matches_local(item: AvailableNumber, criteria: LocalCriteria) -> bool:
    """Whether a local number satisfies the criteria."""
    place = item.place
    if place is None:
        return False
    if criteria.state and place.state != criteria.state.upper():
        return False
    if criteria.city and place.city != criteria.city.upper():
        return False
    if criteria.zip and criteria.zip not in place.zips:
        return False
    if criteria.area_code:
        codes = {criteria.area_code}
        if criteria.in_local_calling_area and criteria.local_number:
            codes.update(OVERLAYS.get(criteria.area_code, ()))
        if place.area_code not in codes:
            return False
        if criteria.local_number and not item.digits[3:].startswith(criteria.local_number):
            return False
    return True


def known_zip(zip_code: str) -> bool:
    """Whether a ZIP maps to a place of the simulated world."""
    return any(zip_code in place.zips for place in PLACES)


def known_city(city: str, state: str) -> bool:
    """Whether the city exists in the state (else v1 answers 403 invalid-rate-center)."""
    return any(p.city == city.upper() and p.state == state.upper() for p in PLACES)


def search(
    inventory: Iterable[AvailableNumber],
    *,
    toll_free: bool,
    criteria: LocalCriteria | None,
    pattern: str | None,
    quantity: int,
) -> list[tuple[AvailableNumber, str | None]]:
    """Return up to ``quantity`` matching numbers with their ``patternMatch`` strings."""
    regex = compile_pattern(pattern) if pattern else None
    found: list[tuple[AvailableNumber, str | None]] = []
    for item in inventory:
        if (item.place is None) != toll_free:
            continue
        if criteria is not None and not matches_local(item, criteria):
            continue
        shown: str | None = None
        if regex is not None:
            shown = pattern_match(regex, item.digits)
            if shown is None:
                continue
        found.append((item, shown))
        if len(found) >= quantity:
            break
    return found
