"""What the Messaging v2 sandbox keeps (messages, media files) and the JSON forms it shows
them in: the send answer (§2.1), list items (§2.2), callback events (§3.2), the outbox.

Which destinations fail follows the v1 sandbox's rule (``sandbox/engine.py``
``destination_outcome``) so that the demo behaves alike on both sandboxes:
``+1500555NNNN`` fails, everything else is delivered. The v2 ``errorCode`` is ``NNNN`` itself
when it has four digits (``+15005554432`` → 4432 forbidden to country); a v1 delivery code
``NNN`` (``0100``–``0999``) becomes its v2 counterpart, 4000 + NNN (``0775`` → 4775, user opted
out; ``0720`` → 4720) or 9000 + NNN for 9xx (``0902`` → 9902, receipt expired); ``0000``–``0099``
(v1: could not be sent) fail with 5500, message-send-failed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from smsconsole.sandbox.engine import destination_outcome

SEND_FAILED = 5500
MEDIA_UNAVAILABLE = 4410

# §3.4 (DOCS "Description" column); 4432 in the words of the DOCS "Message Failed" example.
ERROR_DESCRIPTIONS: dict[int, str] = {
    4001: "service-not-allowed",
    4301: "malformed-invalid-encoding",
    4302: "malformed-invalid-from-number",
    4303: "malformed-invalid-to-number",
    4350: "malformed-for-destination",
    4360: "message-not-sent-expiration-date-passed",
    4401: "rejected-routing-error",
    4403: "rejected-forbidden-from-number",
    4404: "rejected-forbidden-to-number",
    4405: "rejected-unallocated-from-number",
    4406: "rejected-unallocated-to-number",
    4407: "rejected-account-not-defined-from-number",
    4408: "rejected-account-not-defined-to-number",
    4410: "media-unavailable",
    4411: "rejected-message-size-limit-exceeded",
    4412: "media-content-invalid",
    4432: "forbidden to country",
    4433: "rejected-forbidden-tollfree",
    4434: "rejected-forbidden-tollfree-for-recipient",
    4435: "forbidden-too-many-recipients",
    4452: "rejected-wrong-application-id",
    4470: "rejected-spam-detected",
    4481: "rejected-from-number-in-blacklist",
    4482: "rejected-to-number-in-blacklist",
    4492: "reject-emergency",
    4700: "invalid-service-type",
    4720: "invalid-destination-address",
    4721: "destination-tn-deactivated",
    4750: "destination-rejected-message",
    4770: "destination-spam-detected",
    4775: "destination-rejected-due-to-user-opt-out",
    4780: "volume-violation-tmo",
    4781: "volume-violation-att",
    4785: "volumetric-violation",
    4795: "tfn-not-verified",
    5500: "message-send-failed",
    5501: "message-send-failed",
    5600: "destination-carrier-queue-full",
    5650: "destination-failed",
    9902: "delivery-receipt-expired",
    9999: "unknown-error",
}


def destination_failure(to: str) -> int | None:
    """The ``errorCode`` a message to ``to`` fails with, or None: it is delivered."""
    outcome, code = destination_outcome(to)
    if outcome == "delivered":
        return None
    if outcome == "error" or code is None:
        return SEND_FAILED
    number = int(code)
    if number >= 1000:
        return number
    return 9000 + number if number >= 900 else 4000 + number


def error_description(code: int) -> str:
    """The words a ``message-failed`` event carries for ``code``."""
    return ERROR_DESCRIPTIONS.get(code, "message-failed")


def iso_ms(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``, as every v2 example writes times."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now() -> datetime:
    """The current time (UTC)."""
    return datetime.fromtimestamp(time.time(), UTC)


@dataclass
class Destination:
    """One recipient of a message and where the message stands for it (list-API words)."""

    to: str
    status: str = "QUEUED"
    error_code: int = 0


@dataclass
class Message:
    """A message sent (``out``) or received (``in``) by the account; the text is kept for
    ``/sandbox/outbox`` and inbound callbacks only."""

    id: str
    direction: str
    owner: str
    application_id: str
    from_: str
    to: list[str]
    text: str
    media: list[str]
    at: datetime
    seq: int
    segment_count: int
    tag: str | None = None
    priority: str = "default"
    expiration: datetime | None = None
    destinations: list[Destination] = field(default_factory=list)

    @property
    def time(self) -> str:
        """Creation time, ISO-8601."""
        return iso_ms(self.at)

    @property
    def kind(self) -> str:
        """``sms`` or ``mms``."""
        return "mms" if self.media else "sms"


@dataclass
class MediaFile:
    """An uploaded file: its bytes exactly as received, its type and ``Cache-Control``."""

    name: str
    content: bytes
    content_type: str
    cache_control: str | None
    seq: int


def message_json(message: Message) -> dict[str, Any]:
    """The ``message`` object of the send answer (§2.1): strict types, as PYSDK wants them."""
    data: dict[str, Any] = {
        "id": message.id,
        "owner": message.owner,
        "applicationId": message.application_id,
        "time": message.time,
        "segmentCount": message.segment_count,
        "direction": message.direction,
        "to": list(message.to),
        "from": message.from_,
        "text": message.text,
        "priority": message.priority,
    }
    if message.media:
        data["media"] = list(message.media)
    if message.tag is not None:
        data["tag"] = message.tag
    if message.expiration is not None:
        data["expiration"] = iso_ms(message.expiration)
    return data


def event_json(
    message: Message, kind: str, to: str, description: str, error_code: int | None = None
) -> dict[str, Any]:
    """One callback event (§3.2). Outbound events carry ``text: ""`` (Bandwidth keeps no text)."""
    inner: dict[str, Any] = {
        "id": message.id,
        "owner": message.owner,
        "applicationId": message.application_id,
        "time": message.time,
        "segmentCount": message.segment_count,
        "direction": message.direction,
        "to": list(message.to),
        "from": message.from_,
        "text": message.text if message.direction == "in" else "",
    }
    if message.media:
        inner["media"] = list(message.media)
    if message.direction == "out":
        inner["tag"] = message.tag if message.tag is not None else ""
        inner["priority"] = message.priority
    event: dict[str, Any] = {
        "type": kind,
        "time": iso_ms(now()),
        "description": description,
        "to": to,
    }
    if error_code is not None:
        event["errorCode"] = error_code
    event["message"] = inner
    return event


def list_items(message: Message, account_id: str) -> list[dict[str, Any]]:
    """The list API's items for ``message`` (§2.2): one per destination, never text or tag."""
    items = []
    for destination in message.destinations:
        items.append(
            {
                "messageId": message.id,
                "accountId": account_id,
                "sourceTn": message.from_,
                "destinationTn": destination.to,
                "messageStatus": destination.status,
                "messageDirection": "INBOUND" if message.direction == "in" else "OUTBOUND",
                "messageType": message.kind,
                "segmentCount": message.segment_count,
                "errorCode": destination.error_code,
                "receiveTime": message.time,
                "carrierName": "sandbox",
                "messageSize": len(message.text.encode("utf-8", "surrogatepass")),
                "messageLength": len(message.text),
                "attachmentCount": len(message.media),
                "recipientCount": len(message.to),
            }
        )
    return items


def outbox_json(message: Message) -> dict[str, Any]:
    """What ``/sandbox/outbox`` shows of a sent message (the far end's view, with the text)."""
    statuses = {d.status for d in message.destinations}
    overall = next((s for s in ("QUEUED", "SENDING", "FAILED") if s in statuses), "DELIVERED")
    return {
        "id": message.id,
        "from": message.from_,
        "to": list(message.to),
        "text": message.text,
        "media": list(message.media),
        "tag": message.tag,
        "applicationId": message.application_id,
        "time": message.time,
        "status": overall,
        "destinations": [
            {"to": d.to, "status": d.status, "errorCode": d.error_code}
            for d in message.destinations
        ],
    }
