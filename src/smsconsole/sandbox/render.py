"""The v1 JSON shapes of sandbox records: API resources and callback event payloads.

``base`` is the account URL the client called, ``<scheme://host:port>/v1/users/{userId}``,
so every URL inside a resource is absolute (§1.5).
"""

from __future__ import annotations

from typing import Any

from smsconsole.sandbox.state import (
    Application,
    Call,
    CallEvent,
    Gather,
    Message,
    PhoneNumber,
    Recording,
    UserError,
)
from smsconsole.sandbox.world import AvailableNumber, national_format


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Omit unset optional fields (§2: unset fields are not echoed)."""
    return {key: value for key, value in data.items() if value is not None}


def application_json(app: Application) -> dict[str, Any]:
    """An application, with the legacy ``incomingSmsUrl`` alias (§1.11)."""
    data: dict[str, Any] = {"id": app.id, **app.fields}
    if "incomingMessageUrl" in data:
        data["incomingSmsUrl"] = data["incomingMessageUrl"]
    return data


def available_json(item: AvailableNumber, pattern_match: str | None) -> dict[str, Any]:
    """An available number of a search (§3.1, §3.2)."""
    data: dict[str, Any] = {"number": item.number, "nationalNumber": item.national}
    if pattern_match is not None:
        data["patternMatch"] = pattern_match
    if item.place is not None:
        place = item.place
        data.update(city=place.city, rateCenter=place.city, state=place.state, lata=place.lata)
    data["price"] = item.price
    return data


def number_json(record: PhoneNumber, base: str) -> dict[str, Any]:
    """One of the account's numbers (§4), with both ``application`` and ``applicationId``."""
    app_id = record.application_id
    return _compact(
        {
            "id": record.id,
            "number": record.number,
            "nationalNumber": national_format(record.number),
            "name": record.name,
            "application": f"{base}/applications/{app_id}" if app_id else None,
            "applicationId": app_id,
            "fallbackNumber": record.fallback_number,
            "city": record.city,
            "state": record.state,
            "price": record.price,
            "createdTime": record.created_time,
            "numberState": record.number_state,
        }
    )


def message_json(message: Message) -> dict[str, Any]:
    """A message resource (§5.2): ``id`` and ``messageId`` both, ``deliveryCode`` a string."""
    return _compact(
        {
            "id": message.id,
            "messageId": message.id,
            "from": message.from_,
            "to": message.to,
            "direction": message.direction,
            "text": message.text,
            "media": message.media,
            "state": message.state,
            "time": message.time,
            "callbackUrl": message.callback_url,
            "callbackTimeout": message.callback_timeout,
            "fallbackUrl": message.fallback_url,
            "tag": message.tag,
            "receiptRequested": message.receipt_requested,
            "deliveryState": message.delivery_state,
            "deliveryCode": message.delivery_code,
            "deliveryDescription": message.delivery_description,
            "segmentCount": message.segment_count,
            "skipMMSCarrierValidation": False,
        }
    )


def message_event(message: Message, base: str) -> dict[str, Any]:
    """An ``sms``/``mms`` callback payload (§6.3)."""
    data: dict[str, Any] = {
        "eventType": "mms" if message.media else "sms",
        "direction": message.direction,
        "messageId": message.id,
        "messageUri": f"{base}/messages/{message.id}",
        "from": message.from_,
        "to": message.to,
        "text": message.text,
        "applicationId": message.application_id if message.direction == "in" else None,
        "time": message.time,
        "state": message.state,
        "deliveryState": message.delivery_state,
        "deliveryCode": message.delivery_code,
        "deliveryDescription": message.delivery_description,
        "tag": message.tag,
        "segmentCount": message.segment_count,
    }
    if message.media:
        data["media"] = message.media
    return _compact(data)


def call_json(call: Call, base: str) -> dict[str, Any]:
    """A call resource (§7.2)."""
    uri = f"{base}/calls/{call.id}"
    return _compact(
        {
            "id": call.id,
            "direction": call.direction,
            "from": call.from_,
            "to": call.to,
            "state": call.state,
            "startTime": call.start_time,
            "activeTime": call.active_time,
            "endTime": call.end_time,
            "chargeableDuration": call.chargeable_duration,
            "callTimeout": call.call_timeout if call.direction == "out" else None,
            "callbackUrl": call.callback_url,
            "callbackHttpMethod": call.callback_http_method,
            "callbackTimeout": call.callback_timeout,
            "fallbackUrl": call.fallback_url,
            "tag": call.tag,
            "transferTo": call.transfer_to,
            "transferCallerId": call.transfer_caller_id,
            "recordingEnabled": call.recording_enabled,
            "recordingFileFormat": call.recording_file_format,
            "transcriptionEnabled": call.transcription_enabled,
            "events": f"{uri}/events",
            "recordings": f"{uri}/recordings",
            "transcriptions": f"{uri}/transcriptions",
        }
    )


def call_event_json(event: CallEvent) -> dict[str, Any]:
    """An entry of ``/calls/{id}/events`` (§7.7; ISO time in both list and item)."""
    return {"id": event.id, "time": event.time, "name": event.name, "data": event.data}


def gather_json(gather: Gather, base: str) -> dict[str, Any]:
    """A gather resource (§7.6)."""
    return _compact(
        {
            "id": gather.id,
            "state": gather.state,
            "reason": gather.reason,
            "digits": gather.digits if gather.state == "completed" else None,
            "createdTime": gather.created_time,
            "completedTime": gather.completed_time,
            "tag": gather.tag,
            "call": f"{base}/calls/{gather.call_id}",
        }
    )


def recording_json(recording: Recording, base: str) -> dict[str, Any]:
    """A recording resource (§7.7)."""
    return _compact(
        {
            "id": recording.id,
            "call": f"{base}/calls/{recording.call_id}",
            "media": f"{base}/media/{recording.media_name}",
            "startTime": recording.start_time,
            "endTime": recording.end_time,
            "state": recording.state,
        }
    )


def user_error_json(error: UserError) -> dict[str, Any]:
    """A user error (§1.9)."""
    return {
        "id": error.id,
        "time": error.time,
        "category": error.category,
        "code": error.code,
        "message": error.message,
        "details": [{"id": d.id, "name": d.name, "value": d.value} for d in error.details],
    }
