"""Read the provider's stored resources as the domain events a callback would have carried.

Used to catch up after an outage: the messages listed by ``GET /messages`` have the same
field names as message callbacks (reference §5.2, §6.3), so they go through the same parser
and the same checks.
"""

from __future__ import annotations

from typing import Any

import msgspec

from smsconsole.core.events import MessageEvent
from smsconsole.providers.catapult.callbacks import parse_callback
from smsconsole.providers.catapult.models import Message


def message_event(message: Message) -> MessageEvent:
    """The event that reports ``message`` as the provider now has it.

    Raises:
        smsconsole.providers.catapult.callbacks.CallbackError: The provider's record lacks a field.
    """
    payload: dict[str, Any] = msgspec.to_builtins(message)
    payload["eventType"] = "mms" if message.media else "sms"
    payload["messageId"] = message.message_id or message.id
    event = parse_callback(payload)
    assert isinstance(event, MessageEvent)  # eventType sms/mms always parses to one
    return event
