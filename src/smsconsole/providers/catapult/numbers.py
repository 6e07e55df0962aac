"""Buying and managing phone numbers: available-number search/order (§3) and ``/phoneNumbers`` (§4).

A mixin of :class:`~.client.CatapultClient`; see it for errors and retries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from smsconsole.providers.catapult.models import (
    AvailableNumber,
    OrderedNumber,
    PhoneNumber,
    convert_ordered_numbers,
)
from smsconsole.providers.catapult.paging import Page
from smsconsole.providers.catapult.quirks import drop_nulls
from smsconsole.providers.catapult.session import Session, decode, query, quote_segment, read_json


class NumberManagement:
    """Phone-number methods of :class:`~.client.CatapultClient`."""

    _session: Session
    _user: str

    # -- available numbers (§3) ---------------------------------------------------------------

    async def search_local_numbers(
        self,
        *,
        city: str | None = None,
        state: str | None = None,
        zip_code: str | None = None,
        area_code: str | None = None,
        local_number: str | None = None,
        in_local_calling_area: bool | None = None,
        quantity: int | None = None,
        pattern: str | None = None,
    ) -> list[AvailableNumber]:
        """Search local numbers to buy. Give exactly one of ``state``, ``zip_code``,
        ``area_code`` (``city`` needs ``state``; ``local_number`` needs ``area_code``).
        ``pattern`` takes ``?`` (one digit) and ``*`` (any digits)."""
        params = query(
            {
                "city": city,
                "state": state,
                "zip": zip_code,
                "areaCode": area_code,
                "localNumber": local_number,
                "inLocalCallingArea": in_local_calling_area,
                "quantity": quantity,
                "pattern": pattern,
            }
        )
        return await self._session.get_list("/v1/availableNumbers/local", params, AvailableNumber)

    async def search_toll_free_numbers(
        self, *, quantity: int | None = None, pattern: str | None = None
    ) -> list[AvailableNumber]:
        """Search toll-free numbers to buy."""
        params = query({"quantity": quantity, "pattern": pattern})
        path = "/v1/availableNumbers/tollFree"
        return await self._session.get_list(path, params, AvailableNumber)

    async def order_local_numbers(
        self,
        *,
        city: str | None = None,
        state: str | None = None,
        zip_code: str | None = None,
        area_code: str | None = None,
        local_number: str | None = None,
        in_local_calling_area: bool | None = None,
        quantity: int | None = None,
    ) -> list[OrderedNumber]:
        """Search and buy local numbers in one request (``quantity`` ≤ 10, no pattern)."""
        params = query(
            {
                "city": city,
                "state": state,
                "zip": zip_code,
                "areaCode": area_code,
                "localNumber": local_number,
                "inLocalCallingArea": in_local_calling_area,
                "quantity": quantity,
            }
        )
        return await self._search_and_order("/v1/availableNumbers/local", params)

    async def order_toll_free_numbers(self, *, quantity: int | None = None) -> list[OrderedNumber]:
        """Search and buy toll-free numbers in one request (``quantity`` ≤ 10)."""
        params = query({"quantity": quantity})
        return await self._search_and_order("/v1/availableNumbers/tollFree", params)

    async def _search_and_order(self, path: str, params: Mapping[str, str]) -> list[OrderedNumber]:
        # §3.3: criteria go in the query string, no body; 201 + array with `location` each.
        response = await self._session.request("POST", path, params=params, creates=True)
        return decode(lambda: convert_ordered_numbers(read_json(response, path)), response, path)

    # -- phone numbers (§4) -------------------------------------------------------------------

    async def order_phone_number(
        self,
        number: str,
        *,
        name: str | None = None,
        application_id: str | None = None,
        fallback_number: str | None = None,
    ) -> str:
        """Buy one available number (E.164) and answer its id (``n-…``)."""
        body = drop_nulls(
            {
                "number": number,
                "name": name,
                "applicationId": application_id,
                "fallbackNumber": fallback_number,
            }
        )
        return await self._session.create(f"{self._user}/phoneNumbers", body)

    async def list_phone_numbers(
        self,
        *,
        application_id: str | None = None,
        state: str | None = None,
        name: str | None = None,
        city: str | None = None,
        number_state: str | None = None,
        page: int = 0,
        size: int | None = None,
    ) -> Page[PhoneNumber]:
        """One page of the account's numbers, filtered."""
        params = query(
            {
                "applicationId": application_id,
                "state": state,
                "name": name,
                "city": city,
                "numberState": number_state,
                "page": page,
                "size": size,
            }
        )
        return await self._session.get_page(f"{self._user}/phoneNumbers", params, PhoneNumber)

    def iter_phone_numbers(
        self,
        *,
        application_id: str | None = None,
        state: str | None = None,
        name: str | None = None,
        city: str | None = None,
        number_state: str | None = None,
        size: int = 100,
    ) -> AsyncIterator[PhoneNumber]:
        """Every number on the account matching the filters, following ``Link`` pages."""
        params = query(
            {
                "applicationId": application_id,
                "state": state,
                "name": name,
                "city": city,
                "numberState": number_state,
                "size": size,
            }
        )
        return self._session.iterate(f"{self._user}/phoneNumbers", params, PhoneNumber)

    async def get_phone_number(self, number_id_or_e164: str) -> PhoneNumber:
        """One number by id (``n-…``) or by E.164 (``+1…``, sent as ``%2B1…``)."""
        return await self._session.get_model(self._number_path(number_id_or_e164), PhoneNumber)

    async def update_phone_number(
        self,
        number_id_or_e164: str,
        *,
        application_id: str | None = None,
        name: str | None = None,
        fallback_number: str | None = None,
    ) -> None:
        """Change the given fields of a number; ``application_id=""`` detaches it."""
        body = drop_nulls(
            {"applicationId": application_id, "name": name, "fallbackNumber": fallback_number}
        )
        await self._session.post(self._number_path(number_id_or_e164), body)

    async def assign_application(self, number_id_or_e164: str, application_id: str) -> None:
        """Point a number's inbound calls and messages at an application."""
        await self.update_phone_number(number_id_or_e164, application_id=application_id)

    async def detach_application(self, number_id_or_e164: str) -> None:
        """Remove a number's application (§4: an empty ``applicationId`` detaches)."""
        await self.update_phone_number(number_id_or_e164, application_id="")

    async def release_phone_number(self, number_id_or_e164: str) -> None:
        """Release a number from the account for good."""
        await self._session.request("DELETE", self._number_path(number_id_or_e164))

    def _number_path(self, number_id_or_e164: str) -> str:
        return f"{self._user}/phoneNumbers/{quote_segment(number_id_or_e164)}"
