"""Catching up with the provider: our numbers, and the messages missed while we were down.

A provider may not retry callbacks (Catapult v1 does not, reference §9), so anything that
arrived while the server was stopped is only in the provider's message list. On start, and on
``POST /api/sync``, the server lists the provider's messages since the newest one it has
stored (with a margin for clock skew) and records those it missed; applying one it already
has changes nothing unless the provider knows more (a delivery receipt).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Final

import msgspec

from smsconsole.core.events import MessageEvent
from smsconsole.core.records import NumberRecord
from smsconsole.providers.base import PhoneNumber, Provider, UnreadableRecord
from smsconsole.settings.config import Settings
from smsconsole.store.base import Store

log = logging.getLogger(__name__)

MARGIN: Final = timedelta(minutes=5)
FIRST_RUN_WINDOW: Final = timedelta(days=1)
MAX_MESSAGES: Final = 5000
BATCH: Final = 200


class SyncReport(msgspec.Struct, frozen=True):
    """What a catch-up found."""

    numbers: int
    messages_seen: int
    events: int


def number_record(number: PhoneNumber) -> NumberRecord:
    """Our record of one of the provider's phone numbers."""
    return NumberRecord(
        id=number.id,
        number=number.number or "",
        national_number=number.national_number,
        name=number.name,
        application_id=number.application_id or None,
        city=number.city,
        state=number.state,
        price=number.price,
        created_time=number.created_time.isoformat() if number.created_time else None,
        number_state=number.number_state,
    )


async def sync_numbers(store: Store, provider: Provider) -> int:
    """Replace our stored numbers with the provider's; return how many we have."""
    numbers = [number_record(n) for n in await provider.list_numbers(page_size=1000)]
    await store.sync_numbers(numbers)
    return len(numbers)


async def catch_up(store: Store, provider: Provider, settings: Settings) -> SyncReport:
    """Sync numbers, then record the messages the provider has and we lack."""
    del settings  # reserved: a per-account window could come from the config
    numbers = await sync_numbers(store, provider)
    newest = await store.newest_message_time()
    since = (
        datetime.fromisoformat(newest.replace("Z", "+00:00")) - MARGIN
        if newest
        else datetime.now(UTC) - FIRST_RUN_WINDOW
    )
    seen = 0
    events = 0
    batch: list[MessageEvent] = []
    async for found in provider.messages_since(since, page_size=BATCH):
        seen += 1
        if isinstance(found, UnreadableRecord):
            log.warning("skipped provider message %s: %s", found.id, found.reason)
        else:
            batch.append(found)
        if len(batch) >= BATCH:
            events += len((await store.reconcile(batch)).events)
            batch = []
        if seen >= MAX_MESSAGES:
            log.warning("catch-up stopped after %d messages", MAX_MESSAGES)
            break
    if batch:
        events += len((await store.reconcile(batch)).events)
    return SyncReport(numbers=numbers, messages_seen=seen, events=events)
