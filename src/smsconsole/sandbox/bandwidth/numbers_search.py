"""Searching the available-number inventory (docs/bandwidth-v2.md §5.2): the query parameters of
``GET …/availableNumbers`` (and of the search-and-order order types) validated into
:class:`Search`, matched against the v1 world's inventory, rendered as a ``SearchResult``.

Pure: no request, no state. The inventory is :func:`smsconsole.sandbox.world.generate_inventory`
less what was ordered or taken; its places carry city (= rate center), state, ZIPs and LATA.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from smsconsole.sandbox.bandwidth.numbers_xml import NumbersError, flag, leaves, node
from smsconsole.sandbox.world import AvailableNumber, LocalCriteria, matches_local

MAX_QUANTITY = 5000
ORDER_BY = ("fullNumber", "npaNxxx", "npaNxx", "areaCode")
PROTECTED = ("NONE", "ONLY", "MIXED")
_KEYPAD = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "22233344455566677778889999", strict=True))

_AREA_CODE = re.compile(r"[2-9]\d\d", re.ASCII)
_NPA_NXX = re.compile(r"[2-9]\d{5}", re.ASCII)
_NPA_NXXX = re.compile(r"[2-9]\d{6}", re.ASCII)
_STATE = re.compile(r"[A-Za-z]{2}", re.ASCII)
_ZIP = re.compile(r"\d{5}(?:-?\d{4})?", re.ASCII)
_LATA = re.compile(r"\d{1,5}", re.ASCII)
_PLACE_NAME = re.compile(r"[A-Za-z][A-Za-z .'-]{0,63}", re.ASCII)
_LOCAL_VANITY = re.compile(r"[A-Za-z0-9]{4,7}", re.ASCII)
_TOLL_FREE_VANITY = re.compile(r"[A-Za-z0-9]{7,10}", re.ASCII)
_WILDCARD = re.compile(r"8[0-9*]{2}", re.ASCII)
_QUANTITY = re.compile(r"\d{1,5}", re.ASCII)

LOCAL_KEYS = ("areacode", "npanxx", "npanxxx", "ratecenter", "city", "state", "zip", "lata",
              "localvanity")  # fmt: skip
TOLL_FREE_KEYS = ("tollfreevanity", "tollfreewildcardpattern")


@dataclass(frozen=True)
class Search:
    """Validated search criteria (every text upper-cased, vanity letters as keypad digits)."""

    local: LocalCriteria | None = None
    rate_center: str | None = None
    lata: str | None = None
    local_vanity: str | None = None
    ends_in: bool = False
    toll_free_pattern: str | None = None  # three characters, ``*`` any digit
    toll_free_vanity: str | None = None
    quantity: int = MAX_QUANTITY
    detail: bool = False
    order_by: str | None = None
    protected: str = "NONE"

    @property
    def toll_free(self) -> bool:
        """Whether this searches toll-free numbers."""
        return self.toll_free_pattern is not None or self.toll_free_vanity is not None


def _bad(code: str, description: str) -> NumbersError:
    return NumbersError(400, code, description)


def _checked(value: str | None, pattern: re.Pattern[str], code: str, what: str) -> str | None:
    if value is None:
        return None
    if not pattern.fullmatch(value):
        raise _bad(code, f"{what} '{value[:40]}' is invalid.")
    return value.upper()


def _keypad(text: str) -> str:
    return "".join(_KEYPAD.get(char, char) for char in text.upper())


def parse_quantity(value: str | None, code: str) -> int:
    """A quantity 1–5000 (default 5000); otherwise ``code``."""
    if value is None:
        return MAX_QUANTITY
    if not _QUANTITY.fullmatch(value.strip()) or not 1 <= int(value) <= MAX_QUANTITY:
        raise _bad(code, f"quantity must be a whole number from 1 to {MAX_QUANTITY}.")
    return int(value)


def parse_search(query: Mapping[str, str]) -> Search:
    """Validate search parameters (names in any case); raises :class:`NumbersError` (400, the
    §5.2 codes: 4000 area code, 4001 rate center, 4002 NPA-NXX, 4003/4004 toll-free, 4005
    city, 4006 state, 4007 zip, 4008 LATA, 4010 missing or contradictory criteria, 4020
    orderBy, 4022 protected)."""
    params = {key.lower(): value.strip() for key, value in query.items()}
    area_code = _checked(params.get("areacode"), _AREA_CODE, "4000", "AreaCode")
    npa_nxx = _checked(params.get("npanxx"), _NPA_NXX, "4002", "NpaNxx")
    npa_nxxx = _checked(params.get("npanxxx"), _NPA_NXXX, "4002", "NpaNxxx")
    rate_center = _checked(params.get("ratecenter"), _PLACE_NAME, "4001", "RateCenter")
    city = _checked(params.get("city"), _PLACE_NAME, "4005", "City")
    state = _checked(params.get("state"), _STATE, "4006", "State")
    zip_code = _checked(params.get("zip"), _ZIP, "4007", "Zip")
    lata = _checked(params.get("lata"), _LATA, "4008", "LATA")
    local_vanity = _checked(params.get("localvanity"), _LOCAL_VANITY, "4010", "LocalVanity")
    vanity = _checked(params.get("tollfreevanity"), _TOLL_FREE_VANITY, "4003", "TollFreeVanity")
    pattern = _checked(
        params.get("tollfreewildcardpattern"), _WILDCARD, "4004", "TollFreeWildCardPattern"
    )
    switches = {name: flag(params.get(name), default) for name, default in
                (("enabletndetail", False), ("lca", True), ("endsin", False))}  # fmt: skip
    for name, value in switches.items():
        if value is None:
            raise _bad("4010", f"{name} must be true or false.")
    order_by = params.get("orderby")
    if order_by is not None and order_by not in ORDER_BY:
        raise _bad("4020", f"orderBy must be one of {', '.join(ORDER_BY)}.")
    protected = params.get("protected", "NONE").upper()
    if protected not in PROTECTED:
        raise _bad("4022", f"protected must be one of {', '.join(PROTECTED)}.")
    local_given = [key for key in LOCAL_KEYS if params.get(key) is not None]
    toll_free_given = [key for key in TOLL_FREE_KEYS if params.get(key) is not None]
    if not local_given and not toll_free_given:
        raise _bad("4010", "One of more required search parameters are null or empty, please "
                   "refer to the api documentation")  # fmt: skip
    if (local_given and toll_free_given) or len(toll_free_given) > 1:
        raise _bad("4010", "Toll-free criteria cannot be combined with other criteria.")
    if (city or rate_center) and not state:
        raise _bad("4010", "A city or rate center search needs a state.")
    if (
        area_code
        and (npa_nxx or npa_nxxx)
        and not (npa_nxx or npa_nxxx or "").startswith(area_code)
    ):
        raise _bad("4002", "The NpaNxx must begin with the AreaCode.")
    npa = (npa_nxxx or npa_nxx or "")[:3] or area_code
    local = LocalCriteria(
        state=state,
        city=city,
        zip=zip_code[:5] if zip_code else None,
        area_code=npa,
        local_number=(npa_nxxx or npa_nxx or "")[3:] or None,
        in_local_calling_area=bool(switches["lca"]),
    )
    return Search(
        local=None if toll_free_given else local,
        rate_center=rate_center,
        lata=lata,
        local_vanity=_keypad(local_vanity) if local_vanity else None,
        ends_in=bool(switches["endsin"]),
        toll_free_pattern=pattern,
        toll_free_vanity=_keypad(vanity)[:7] if vanity else None,
        quantity=parse_quantity(params.get("quantity"), "4010"),
        detail=bool(switches["enabletndetail"]),
        order_by=order_by,
        protected=protected,
    )


def with_quantity(search: Search, quantity: int) -> Search:
    """The same search for another quantity."""
    return replace(search, quantity=quantity)


def matches(item: AvailableNumber, search: Search) -> bool:
    """Whether an available number satisfies the search."""
    digits = item.digits
    if search.toll_free:
        if item.place is not None:
            return False
        if search.toll_free_pattern is not None:
            return all(
                p in ("*", d) for p, d in zip(search.toll_free_pattern, digits, strict=False)
            )
        return search.toll_free_vanity is not None and digits[3:].startswith(
            search.toll_free_vanity
        )
    place = item.place
    if place is None or search.local is None or not matches_local(item, search.local):
        return False
    if search.rate_center and place.city != search.rate_center:
        return False
    if search.lata and place.lata != search.lata:
        return False
    if search.local_vanity:
        local = digits[3:]
        found = local.endswith if search.ends_in else local.__contains__
        if not found(search.local_vanity):
            return False
    return True


def find(inventory: Iterable[AvailableNumber], search: Search) -> list[AvailableNumber]:
    """Up to ``search.quantity`` matching numbers (in inventory order, or by number with
    ``orderBy``). No number of the sandbox is protected, so ``protected=ONLY`` finds none."""
    if search.protected == "ONLY":
        return []
    found = [item for item in inventory if matches(item, search)]
    if search.order_by is not None:
        found.sort(key=lambda item: item.digits)
    return found[: search.quantity]


def search_result(found: list[AvailableNumber], detail: bool) -> ET.Element:
    """``<SearchResult>`` with a plain or a detailed list (none when nothing was found)."""
    children = [node("ResultCount", str(len(found)))]
    if found and detail:
        children.append(node("TelephoneNumberDetailList", None, map(_detail, found)))
    elif found:
        numbers = (node("TelephoneNumber", item.digits) for item in found)
        children.append(node("TelephoneNumberList", None, numbers))
    return node("SearchResult", None, children)


def _detail(item: AvailableNumber) -> ET.Element:
    place = item.place
    located: list[tuple[str, str | None]] = []
    if place is not None:
        located = [("City", place.city), ("LATA", place.lata), ("RateCenter", place.city),
                   ("State", place.state)]  # fmt: skip
    return node(
        "TelephoneNumberDetail",
        None,
        leaves(
            [
                *located,
                ("FullNumber", item.digits),
                ("Tier", "0"),
                ("VendorId", "49"),
                ("VendorName", "Bandwidth CLEC"),
            ]
        ),
    )
