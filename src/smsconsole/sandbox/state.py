"""The sandbox's in-memory world: records of every v1 resource, ids, clocks, persistence.

Pure data (no Starlette, no I/O besides the optional state file). Records are mutable
``msgspec.Struct``s owned by :class:`World`; the whole world round-trips through JSON so
``state_file`` can keep it across restarts.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

# Reference §1.6: prefix + 23 characters of the RFC-4648 base32 alphabet, lower-case.
ID_LENGTH = 23


def iso_time(epoch: float | None = None) -> str:
    """ISO-8601 UTC with milliseconds and ``Z`` (§1.7)."""
    moment = datetime.fromtimestamp(time.time() if epoch is None else epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Application(msgspec.Struct, kw_only=True):
    """An application: its v1 fields (camelCase, canonical types) as stored."""

    id: str
    fields: dict[str, Any]
    seq: int


class PhoneNumber(msgspec.Struct, kw_only=True):
    """A number the account owns (or released)."""

    id: str
    number: str
    price: str
    created_time: str
    seq: int
    city: str | None = None
    state: str | None = None
    name: str | None = None
    application_id: str | None = None
    fallback_number: str | None = None
    number_state: str = "enabled"


class Message(msgspec.Struct, kw_only=True):
    """An inbound or outbound SMS/MMS; ``seq`` is the ``sortKeyLT`` cursor (§1.8)."""

    id: str
    direction: str
    from_: str
    to: str
    text: str
    time: str
    seq: int
    state: str
    media: list[str] = msgspec.field(default_factory=list)
    segment_count: int = 1
    receipt_requested: str | None = None
    delivery_state: str | None = None
    delivery_code: str | None = None
    delivery_description: str | None = None
    callback_url: str | None = None
    callback_http_method: str | None = None
    callback_timeout: int | None = None
    fallback_url: str | None = None
    tag: str | None = None
    application_id: str | None = None


class CallEvent(msgspec.Struct, kw_only=True):
    """An entry of ``GET /calls/{id}/events`` (§7.7)."""

    id: str
    time: str
    name: str
    data: str = ""


class Call(msgspec.Struct, kw_only=True):
    """A call leg and its event history."""

    id: str
    direction: str
    from_: str
    to: str
    state: str
    start_time: str
    seq: int
    call_timeout: int = 60
    active_time: str | None = None
    active_epoch: float | None = None
    end_time: str | None = None
    chargeable_duration: int | None = None
    callback_url: str | None = None
    callback_http_method: str | None = None
    callback_timeout: int | None = None
    fallback_url: str | None = None
    tag: str | None = None
    recording_enabled: bool = False
    recording_file_format: str = "wav"
    transcription_enabled: bool = False
    transfer_to: str | None = None
    transfer_caller_id: str | None = None
    application_id: str | None = None
    peer_id: str | None = None
    recording_id: str | None = None
    events: list[CallEvent] = msgspec.field(default_factory=list)


class Gather(msgspec.Struct, kw_only=True):
    """A digit collection on a call (§7.6)."""

    id: str
    call_id: str
    created_time: str
    max_digits: int = 128
    inter_digit_timeout: int = 5
    terminating_digits: str = "#"
    tag: str | None = None
    state: str = "started"
    reason: str | None = None
    digits: str = ""
    completed_time: str | None = None


class Recording(msgspec.Struct, kw_only=True):
    """A call recording (§7.7)."""

    id: str
    call_id: str
    media_name: str
    start_time: str
    seq: int
    state: str = "recording"
    end_time: str | None = None


class ErrorDetail(msgspec.Struct, kw_only=True):
    """One ``{id, name, value}`` of a user error."""

    id: str
    name: str
    value: str


class UserError(msgspec.Struct, kw_only=True):
    """An asynchronous failure listed under ``/users/{u}/errors`` (§1.9)."""

    id: str
    time: str
    category: str
    code: str
    message: str
    seq: int
    details: list[ErrorDetail] = msgspec.field(default_factory=list)


class Media(msgspec.Struct, kw_only=True):
    """A file under ``/users/{u}/media``."""

    name: str
    content: bytes
    content_type: str = "application/octet-stream"


class World(msgspec.Struct, kw_only=True):
    """Everything the sandbox knows; persisted as one JSON document."""

    seed: int | None = None
    counter: int = 0
    balance: str = "100.00000"
    applications: dict[str, Application] = msgspec.field(default_factory=dict)
    numbers: dict[str, PhoneNumber] = msgspec.field(default_factory=dict)
    messages: dict[str, Message] = msgspec.field(default_factory=dict)
    calls: dict[str, Call] = msgspec.field(default_factory=dict)
    gathers: dict[str, Gather] = msgspec.field(default_factory=dict)
    recordings: dict[str, Recording] = msgspec.field(default_factory=dict)
    errors: dict[str, UserError] = msgspec.field(default_factory=dict)
    media: dict[str, Media] = msgspec.field(default_factory=dict)
    taken_numbers: list[str] = msgspec.field(default_factory=list)

    def next_seq(self) -> int:
        """A monotonic sequence number (creation order, message cursor)."""
        self.counter += 1
        return self.counter

    def new_id(self, prefix: str) -> str:
        """A fresh id: ``prefix-`` + 23 base32 characters (§1.6); deterministic when seeded."""
        if self.seed is None:
            raw = secrets.token_bytes(15)
        else:
            raw = hashlib.sha256(f"{self.seed}:{self.next_seq()}:{prefix}".encode()).digest()
        return f"{prefix}-{base64.b32encode(raw).decode().lower()[:ID_LENGTH]}"

    def owned_number(self, number: str) -> PhoneNumber | None:
        """The enabled number record for an E.164 number, if the account owns it."""
        for record in self.numbers.values():
            if record.number == number and record.number_state == "enabled":
                return record
        return None

    def find_number(self, key: str) -> PhoneNumber | None:
        """Look a number up by id or E.164 (``%2B``, ``+`` and a leading space, §1.5/§4)."""
        record = self.numbers.get(key)
        if record is None:
            digits = key.strip().lstrip("+")
            if digits.isdigit():
                record = self.owned_number("+" + digits)
        if record is None or record.number_state != "enabled":
            return None
        return record

    def application_of(self, number: str) -> Application | None:
        """The application assigned to one of our numbers."""
        record = self.owned_number(number)
        if record is None or record.application_id is None:
            return None
        return self.applications.get(record.application_id)

    def add_user_error(self, code: str, message: str, details: dict[str, str]) -> UserError:
        """Record an asynchronous failure (category ``unavailable``, §9)."""
        error = UserError(
            id=self.new_id("ue"),
            time=iso_time(),
            category="unavailable",
            code=code,
            message=message,
            seq=self.next_seq(),
            details=[
                ErrorDetail(id=self.new_id("ued"), name=name, value=value)
                for name, value in details.items()
            ],
        )
        self.errors[error.id] = error
        return error


def load_world(path: Path, seed: int | None) -> World:
    """Read the world from ``path``; a fresh one when the file does not exist."""
    if not path.exists():
        return World(seed=seed)
    return msgspec.json.decode(path.read_bytes(), type=World)


def save_world(world: World, path: Path) -> None:
    """Write the world atomically (temporary file then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(msgspec.json.encode(world))
    os.replace(temporary, path)
