"""A simulated Voice v2 call and how the API and its webhooks show it (docs/bandwidth-v2.md
§4.2, §4.3, §4.6).

States (§4.3): ``initiated`` (ringing: an outbound call at the far end, an inbound call at
us), ``answered``, ``disconnected``. Calls are never held in a queue (``queued`` is not used):
the sandbox dequeues them at once.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from smsconsole.sandbox.bandwidth.bxml import Hook

INITIATED = "initiated"
ANSWERED = "answered"
DISCONNECTED = "disconnected"
MASK = "*****"


def iso_now() -> str:
    """The current UTC time in ISO 8601 with milliseconds and ``Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_call_id(rng: random.Random) -> str:
    """``c-`` + 8 hex + ``-`` + 8 hex + ``-`` + a UUID's last four groups (§4.2)."""

    def hex_(n: int) -> str:
        return "".join(rng.choice("0123456789abcdef") for _ in range(n))

    return f"c-{hex_(8)}-{hex_(8)}-{hex_(4)}-{hex_(4)}-{hex_(4)}-{hex_(12)}"


@dataclass
class Call:
    """One call leg and everything the sandbox knows of it."""

    id: str
    account_id: str
    application_id: str
    direction: str  # inbound | outbound
    from_: str
    to: str
    start_time: str
    callback_timeout: float = 15.0
    call_timeout: float = 30.0
    answer_hook: Hook | None = None  # outbound: answerUrl (+ fallback), creds of createCall
    disconnect_hook: Hook | None = None  # disconnectUrl / the application's status URL
    tag: str | None = None
    priority: int | None = None
    state: str = INITIATED
    enqueued_time: str | None = None
    answer_time: str | None = None
    end_time: str | None = None
    last_update: str | None = None
    disconnect_cause: str | None = None
    error_message: str | None = None
    error_id: str | None = None
    parent_call_id: str | None = None  # B-leg of a <Transfer>
    transfer_caller_id: str | None = None
    transfer_to: str | None = None
    far_end_ringing: bool = False  # outbound: the far end has not picked up yet
    bxml_base: str | None = None  # the URL the running document came from
    digits: asyncio.Queue[str] | None = None  # set while a <Gather> collects digits
    answered_event: asyncio.Event = field(default_factory=asyncio.Event)
    ended_event: asyncio.Event = field(default_factory=asyncio.Event)
    legs: list[str] = field(default_factory=list)  # B-legs of a running <Transfer>

    @property
    def live(self) -> bool:
        """Not disconnected."""
        return self.state != DISCONNECTED

    @property
    def unanswered_inbound(self) -> bool:
        """An inbound call still ringing at us (it can be answered or rejected)."""
        return self.direction == "inbound" and self.state == INITIATED

    def touch(self) -> None:
        """Record a state change time."""
        self.last_update = iso_now()


def call_url(base: str, call: Call) -> str:
    """``<base>/api/v2/accounts/{accountId}/calls/{callId}``."""
    return f"{base}/api/v2/accounts/{call.account_id}/calls/{call.id}"


def call_state_json(call: Call) -> dict[str, Any]:
    """The ``callState`` of ``GET …/calls/{callId}`` (§4.3)."""
    return {
        "applicationId": call.application_id,
        "accountId": call.account_id,
        "callId": call.id,
        "parentCallId": call.parent_call_id,
        "to": call.to,
        "from": call.from_,
        "direction": call.direction,
        "state": call.state,
        "enqueuedTime": call.enqueued_time,
        "startTime": call.start_time,
        "answerTime": call.answer_time,
        "endTime": call.end_time,
        "disconnectCause": call.disconnect_cause,
        "errorMessage": call.error_message,
        "errorId": call.error_id,
        "lastUpdate": call.last_update,
    }


def event_json(base: str, call: Call, event_type: str, **extra: Any) -> dict[str, Any]:
    """A webhook body: the common fields of every call event (§4.6) plus ``extra``.

    ``None`` values are left out, and so is the tag of an ``initiate``.
    """
    body: dict[str, Any] = {
        "eventType": event_type,
        "eventTime": iso_now(),
        "accountId": call.account_id,
        "applicationId": call.application_id,
        "from": call.from_,
        "to": call.to,
        "direction": call.direction,
        "callId": call.id,
        "callUrl": call_url(base, call),
        "enqueuedTime": call.enqueued_time,
        "startTime": call.start_time,
        "answerTime": call.answer_time,
    }
    if event_type != "initiate":
        body["tag"] = call.tag
    if call.parent_call_id is not None:
        body.update(
            parentCallId=call.parent_call_id,
            transferCallerId=call.transfer_caller_id,
            transferTo=call.transfer_to,
        )
    body.update(extra)
    return {key: value for key, value in body.items() if value is not None}
