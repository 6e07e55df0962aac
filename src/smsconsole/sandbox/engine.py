"""The state machines of messages and calls, run over (scaled) time, raising callback events.

Messages: ``queued -> sending -> sent | error``, then delivery receipts per
``receiptRequested`` (§5.4). Calls: ``started -> active -> completed``, reject, transfer, ring
timeout, speak/playback, dtmf, gather and recording (§7, §8). Every delay is multiplied by
``speed`` (1.0 = realistic; tests use ~0.01).

Designated destinations (documented in the sandbox README of the lead's report):
``+1500555`` followed by four digits ``NNNN`` — ``0000``-``0099`` cannot be delivered (state
``error``); any other value is sent and then answered by a ``not-delivered`` receipt with
delivery code ``NNNN`` (``+15005550775`` = recipient opted out, 775). Every other destination
is sent and delivered (code ``0``).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from smsconsole.core.sms import count_segments
from smsconsole.sandbox.delivery import Delivery, Target, detach_context
from smsconsole.sandbox.errors import ApiError
from smsconsole.sandbox.render import message_event
from smsconsole.sandbox.state import Call, CallEvent, Gather, Media, Message, Recording, World
from smsconsole.sandbox.state import iso_time as now

UNDELIVERABLE_PREFIX = "+1500555"
DELIVERY_DESCRIPTIONS = {
    "0": "Message delivered to carrier",
    "720": "Invalid destination",
    "750": "Destination rejected",
    "770": "Rejected as spam",
    "775": "Recipient opted out",
    "902": "Expired",
}
LIVE_STATES = ("started", "active", "transferring")
# A 44-byte WAV header with no samples: what a saved recording contains in the sandbox.
EMPTY_WAV = (
    b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00"
    b"\x80>\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"
)

Observer = Callable[[str, Message | Call], None]


def destination_outcome(to: str) -> tuple[str, str | None]:
    """``("error", None)``, ``("not-delivered", code)`` or ``("delivered", "0")`` for ``to``."""
    if to.startswith(UNDELIVERABLE_PREFIX) and len(to) == len(UNDELIVERABLE_PREFIX) + 4:
        code = int(to[-4:])
        return ("error", None) if code < 100 else ("not-delivered", str(code))
    return ("delivered", "0")


def segment_count(text: str, media: list[str]) -> int:
    """1 for MMS; an SMS costs what a carrier splits it into (GSM-7 or UCS-2, core/sms.py)."""
    if media:
        return 1
    # An empty text is still one message sent; the console's counter says 0 for its composer.
    return max(1, count_segments(text).count)


class Engine:
    """Drives records of ``world`` through their lifecycles and emits their callback events."""

    def __init__(
        self,
        world: World,
        delivery: Delivery,
        user_id: str,
        speed: float,
        on_change: Callable[[], None],
    ) -> None:
        self.world = world
        self.delivery = delivery
        self.user_id = user_id
        self.speed = speed
        self.base_url = "http://127.0.0.1"
        self.observers: list[Observer] = []
        self._on_change = on_change
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._playing: dict[str, tuple[str, str | None]] = {}

    @property
    def account_base(self) -> str:
        """``<base>/v1/users/{userId}``: the prefix of every resource URL (§1.5)."""
        return f"{self.base_url}/v1/users/{self.user_id}"

    # -- task plumbing -------------------------------------------------------------------
    def spawn(self, start: Callable[[], Coroutine[Any, Any, None]], key: str | None = None) -> None:
        """Run ``start()`` in the background (optionally as the timer named ``key``).

        The coroutine is created inside the task, so a task cancelled before it runs leaves
        no never-awaited coroutine behind.
        """

        async def runner() -> None:
            detach_context()
            await start()

        task = asyncio.create_task(runner())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if key is not None:
            self.cancel_timer(key)
            self._timers[key] = task

    def cancel_timer(self, key: str) -> None:
        """Cancel a pending timer (never the task that is running this code)."""
        task = self._timers.pop(key, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` scaled by ``speed``."""
        await asyncio.sleep(seconds * self.speed)

    async def stop(self) -> None:
        """Cancel every running lifecycle."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _changed(self) -> None:
        self._on_change()

    def _notify(self, kind: str, record: Message | Call) -> None:
        for observer in list(self.observers):
            observer(kind, record)

    # -- messages ------------------------------------------------------------------------
    def message_target(self, message: Message) -> Target | None:
        """Outbound: the message's callbackUrl, else the app of the ``from`` number (§6.1)."""
        if message.direction == "out" and message.callback_url:
            return Target(
                message.callback_url,
                message.callback_http_method or "post",
                message.callback_timeout or 10000,
                message.fallback_url,
            )
        number = message.to if message.direction == "in" else message.from_
        app = self.world.application_of(number)
        if app is None or not app.fields.get("incomingMessageUrl"):
            return None
        return Target(
            app.fields["incomingMessageUrl"],
            app.fields.get("callbackHttpMethod", "post"),
            app.fields.get("incomingMessageUrlCallbackTimeout", 10000),
            app.fields.get("incomingMessageFallbackUrl"),
        )

    def emit_message(self, message: Message) -> None:
        """Send the current state of ``message`` as an ``sms``/``mms`` event."""
        self._changed()
        target = self.message_target(message)
        if target is not None:
            self.delivery.send(message.id, target, message_event(message, self.account_base))

    def send_message(self, fields: dict[str, Any]) -> Message:
        """Create an outbound message (``queued``) and start its lifecycle."""
        receipt = fields.get("receiptRequested")
        message = Message(
            id=self.world.new_id("m"),
            direction="out",
            from_=fields["from"],
            to=fields["to"],
            text=fields["text"],
            media=fields["media"],
            time=now(),
            seq=self.world.next_seq(),
            state="queued",
            segment_count=segment_count(fields["text"], fields["media"]),
            receipt_requested=receipt,
            delivery_state="waiting" if receipt in ("all", "error") else None,
            callback_url=fields.get("callbackUrl"),
            callback_http_method=fields.get("callbackHttpMethod"),
            callback_timeout=fields.get("callbackTimeout"),
            fallback_url=fields.get("fallbackUrl"),
            tag=fields.get("tag"),
        )
        self.world.messages[message.id] = message
        self._changed()
        self.spawn(partial(self._outbound_lifecycle, message))
        self._notify("message", message)
        return message

    async def _outbound_lifecycle(self, message: Message) -> None:
        await self.sleep(0.2)
        message.state = "sending"
        await self.sleep(0.5)
        outcome, code = destination_outcome(message.to)
        if outcome == "error":
            message.state = "error"
            self.emit_message(message)
            self.world.add_user_error(
                "message-delivery-failed",
                f"Message {message.id} to {message.to} could not be delivered",
                {"messageId": message.id, "to": message.to},
            )
            return
        message.state = "sent"
        self.emit_message(message)
        if message.receipt_requested not in ("all", "error"):
            return
        await self.sleep(1.5)
        message.delivery_state = outcome
        message.delivery_code = code
        message.delivery_description = DELIVERY_DESCRIPTIONS.get(code or "", "Not delivered")
        if message.receipt_requested == "all" or outcome != "delivered":
            self.emit_message(message)
        else:
            self._changed()

    def receive_message(self, from_: str, to: str, text: str, media: list[str]) -> Message:
        """A remote party texts one of our numbers: store it and notify the app (§6.1)."""
        app = self.world.application_of(to)
        message = Message(
            id=self.world.new_id("m"),
            direction="in",
            from_=from_,
            to=to,
            text=text,
            media=media,
            time=now(),
            seq=self.world.next_seq(),
            state="received",
            segment_count=segment_count(text, media),
            application_id=app.id if app else None,
        )
        self.world.messages[message.id] = message
        if app is None:
            self.world.add_user_error(
                "no-application-for-number",
                f"No application is assigned to the number {to}",
                {"number": to, "messageId": message.id},
            )
        self.emit_message(message)
        return message

    # -- calls: targets and events -------------------------------------------------------
    def call_target(self, call: Call) -> Target | None:
        """Inbound calls: the app's incomingCallUrl; outbound legs: their callbackUrl (§8)."""
        if call.direction == "in":
            app = self.world.applications.get(call.application_id or "")
            if app is None or not app.fields.get("incomingCallUrl"):
                return None
            return Target(
                app.fields["incomingCallUrl"],
                app.fields.get("callbackHttpMethod", "post"),
                app.fields.get("incomingCallUrlCallbackTimeout", 10000),
                app.fields.get("incomingCallFallbackUrl"),
            )
        if not call.callback_url:
            return None
        return Target(
            call.callback_url,
            call.callback_http_method or "post",
            call.callback_timeout or 10000,
            call.fallback_url,
        )

    def emit_call(self, call: Call, event_type: str, **fields: Any) -> None:
        """Record a call event and deliver it (common fields of §8 plus ``fields``)."""
        payload: dict[str, Any] = {
            "eventType": event_type,
            "callId": call.id,
            "callUri": f"{self.account_base}/calls/{call.id}",
            **{key: value for key, value in fields.items() if value is not None},
            "time": now(),
        }
        if call.tag is not None and "tag" not in payload and event_type != "incomingcall":
            payload["tag"] = call.tag
        call.events.append(
            CallEvent(
                id=self.world.new_id("ce"),
                time=payload["time"],
                name=event_type,
                data=json.dumps(payload),
            )
        )
        self._changed()
        target = self.call_target(call)
        if target is not None:
            self.delivery.send(call.id, target, payload)

    def _new_call(self, direction: str, from_: str, to: str, **fields: Any) -> Call:
        call = Call(
            id=self.world.new_id("c"),
            direction=direction,
            from_=from_,
            to=to,
            state="started",
            start_time=now(),
            seq=self.world.next_seq(),
            **fields,
        )
        call.events.append(
            CallEvent(id=self.world.new_id("ce"), time=call.start_time, name="create")
        )
        self.world.calls[call.id] = call
        self._changed()
        return call

    # -- calls: lifecycle ----------------------------------------------------------------
    def create_call(self, fields: dict[str, Any]) -> Call:
        """An outbound call: it rings until the far end answers or ``callTimeout`` passes."""
        call = self._new_call("out", fields["from"], fields["to"], **fields["options"])
        self.spawn(partial(self._ring, call), key=f"ring:{call.id}")
        self._notify("call", call)
        return call

    async def _ring(self, call: Call) -> None:
        await self.sleep(call.call_timeout)
        if call.state == "started":
            self.emit_call(call, "timeout", **{"from": call.from_, "to": call.to})
            self.end(call, "NO_ANSWER")

    def receive_call(self, from_: str, to: str) -> Call:
        """A remote party calls one of our numbers: ``incomingcall``, then auto-answer (§8)."""
        app = self.world.application_of(to)
        call = self._new_call("in", from_, to, application_id=app.id if app else None)
        if app is None or not app.fields.get("incomingCallUrl"):
            self.world.add_user_error(
                "no-callback-for-call",
                f"No call callback URL for the number {to}",
                {"callId": call.id, "number": to},
            )
            self.end(call, "NORMAL_CLEARING")
            return call
        # Reference §8: incomingcall.callState is documented as "active" even before answer.
        self.emit_call(
            call,
            "incomingcall",
            **{"from": from_, "to": to, "callState": "active", "applicationId": app.id},
        )
        if app.fields.get("autoAnswer", True):
            self.spawn(partial(self._auto_answer, call), key=f"ring:{call.id}")
        return call

    async def _auto_answer(self, call: Call) -> None:
        await self.sleep(0.3)
        if call.state == "started":
            self.answer(call)

    def answer(self, call: Call) -> None:
        """The call becomes ``active``: ``answer`` event; a recording starts if enabled."""
        self.cancel_timer(f"ring:{call.id}")
        call.state = "active"
        call.active_time = now()
        call.active_epoch = time.time()
        self.emit_call(call, "answer", **{"from": call.from_, "to": call.to, "callState": "active"})
        peer = self.world.calls.get(call.peer_id or "")
        if peer is not None and peer.state == "transferring":
            peer.state = "active"  # the transfer leg answered: the legs are connected
        if call.recording_enabled:
            self.start_recording(call)

    def end(self, call: Call, cause: str, *, state: str = "completed") -> None:
        """Hang up with ``cause``: finish gathers, audio and recordings, then ``hangup``."""
        if call.state not in LIVE_STATES:
            return
        for key in (f"ring:{call.id}", f"audio:{call.id}"):
            self.cancel_timer(key)
        for gather in self.world.gathers.values():
            if gather.call_id == call.id and gather.state != "completed":
                self.complete_gather(gather, "hung-up")
        if call.recording_id is not None:
            self.stop_recording(call)
        was_answered = call.active_epoch is not None
        call.state = state
        call.end_time = now()
        active = time.time() - call.active_epoch if call.active_epoch is not None else 0.0
        call.chargeable_duration = math.ceil(active / 60) * 60 if was_answered else 0
        self.emit_call(
            call,
            "hangup",
            **{"from": call.from_, "to": call.to, "cause": cause, "callState": "completed"},
        )
        peer = self.world.calls.get(call.peer_id or "")
        if peer is None or peer.state not in LIVE_STATES:
            return
        if peer.state == "transferring" and not was_answered:
            peer.state = "active"  # the transfer leg failed; the caller stays connected
        else:
            self.end(peer, "NORMAL_CLEARING" if peer.state == "active" else "ORIGINATOR_CANCEL")

    def transfer(
        self, call: Call, transfer_to: str, caller_id: str | None, options: dict[str, Any]
    ) -> Call:
        """Start the transfer leg (§7.3): the A-leg is ``transferring`` until it answers."""
        call.state = "transferring"
        call.transfer_to = transfer_to
        call.transfer_caller_id = caller_id
        leg = self._new_call(
            "out", caller_id or call.from_, transfer_to, peer_id=call.id, **options
        )
        call.peer_id = leg.id
        self.spawn(partial(self._ring, leg), key=f"ring:{leg.id}")
        self._notify("call", leg)
        return leg

    def remote(self, call: Call, action: str, digits: str) -> None:
        """What the far end does (simulation endpoint); raises ``ValueError`` when impossible."""
        if call.state not in LIVE_STATES:
            raise ValueError(f"call {call.id} is {call.state}")
        ringing_out = call.direction == "out" and call.state == "started"
        if action == "answer":
            if not ringing_out:
                raise ValueError("only a ringing outbound call can be answered by the far end")
            self.answer(call)
        elif action in ("busy", "reject"):
            if not ringing_out:
                raise ValueError(f"'{action}' only applies to a ringing outbound call")
            self.end(call, "USER_BUSY" if action == "busy" else "CALL_REJECTED")
        elif action == "hangup":
            self.end(call, "NORMAL_CLEARING" if call.state == "active" else "ORIGINATOR_CANCEL")
        elif action == "dtmf":
            if call.state != "active" or not digits:
                raise ValueError("dtmf needs an active call and 'digits'")
            self.press(call, digits)
        else:
            raise ValueError(f"unknown action {action!r}")

    # -- audio, dtmf, gather, recording ----------------------------------------------------
    def play(self, call: Call, kind: str, value: str, tag: str | None) -> None:
        """Speak a sentence or play a file: ``started`` now, ``done`` when finished (§7.4)."""
        if call.state != "active":
            raise ApiError(
                403,
                "call-audio-invalid-state",
                f"Call {call.id} is {call.state}; audio cannot be played",
            )
        key = f"audio:{call.id}"
        if key in self._timers:
            self.cancel_timer(key)
            self._audio_event(call, "done", self._playing.pop(call.id, ("speak", None)))
        if value == "":
            return  # "" stops the current audio
        self._playing[call.id] = (kind, tag)
        self._audio_event(call, "started", (kind, tag))
        seconds = max(1.0, 0.06 * len(value)) if kind == "speak" else 3.0
        self.spawn(partial(self._finish_audio, call, seconds), key=key)

    async def _finish_audio(self, call: Call, seconds: float) -> None:
        await self.sleep(seconds)
        self._timers.pop(f"audio:{call.id}", None)
        if call.state == "active":
            self._audio_event(call, "done", self._playing.pop(call.id, ("speak", None)))

    def _audio_event(self, call: Call, status: str, playing: tuple[str, str | None]) -> None:
        kind, tag = playing
        fields: dict[str, Any] = {"status": status, "tag": tag}
        if kind == "speak":
            fields["state"] = "PLAYBACK_START" if status == "started" else "PLAYBACK_STOP"
        self.emit_call(call, kind, **fields)

    def press(self, call: Call, digits: str) -> None:
        """The far end presses keys: one ``dtmf`` event per digit, fed to a running gather."""
        for digit in digits:
            self.emit_call(call, "dtmf", dtmfDigit=digit)
            gather = self.running_gather(call)
            if gather is None:
                continue
            if digit in gather.terminating_digits:
                self.complete_gather(gather, "terminating-digit")
                continue
            gather.digits += digit
            if len(gather.digits) >= gather.max_digits:
                self.complete_gather(gather, "max-digits")
            else:
                self.spawn(partial(self._gather_timeout, gather), key=f"gather:{gather.id}")

    def running_gather(self, call: Call) -> Gather | None:
        """The gather still collecting digits on ``call``."""
        for gather in self.world.gathers.values():
            if gather.call_id == call.id and gather.state != "completed":
                return gather
        return None

    def start_gather(self, call: Call, gather: Gather, prompt: dict[str, Any] | None) -> None:
        """Register a gather, play its prompt and start its inter-digit timer."""
        self.world.gathers[gather.id] = gather
        self._changed()
        if prompt and (prompt.get("sentence") or prompt.get("fileUrl")):
            kind = "speak" if prompt.get("sentence") else "playback"
            self.play(
                call, kind, str(prompt.get("sentence") or prompt.get("fileUrl")), prompt.get("tag")
            )
        self.spawn(partial(self._gather_timeout, gather), key=f"gather:{gather.id}")

    async def _gather_timeout(self, gather: Gather) -> None:
        await self.sleep(gather.inter_digit_timeout)
        if gather.state != "completed":
            self.complete_gather(gather, "inter-digit-timeout")

    def complete_gather(self, gather: Gather, reason: str) -> None:
        """Finish a gather and send the ``gather`` event (§8)."""
        self.cancel_timer(f"gather:{gather.id}")
        gather.state = "completed"
        gather.reason = reason
        gather.completed_time = now()
        call = self.world.calls[gather.call_id]
        self.emit_call(
            call,
            "gather",
            gatherId=gather.id,
            state="completed",
            digits=gather.digits,
            reason=reason,
            tag=gather.tag,
        )

    def start_recording(self, call: Call) -> None:
        """Begin a recording of ``call`` (several per call are allowed, one at a time)."""
        if call.recording_id is not None:
            return
        count = 1 + sum(1 for r in self.world.recordings.values() if r.call_id == call.id)
        recording = Recording(
            id=self.world.new_id("rec"),
            call_id=call.id,
            media_name=f"{call.id}-{count}.{call.recording_file_format}",
            start_time=now(),
            seq=self.world.next_seq(),
        )
        self.world.recordings[recording.id] = recording
        call.recording_id = recording.id
        call.recording_enabled = True
        self._changed()

    def stop_recording(self, call: Call) -> None:
        """Save the current recording: media file, ``complete`` state, ``recording`` event."""
        recording = self.world.recordings.get(call.recording_id or "")
        call.recording_id = None
        call.recording_enabled = False
        if recording is None:
            return
        recording.state = "complete"
        recording.end_time = now()
        self.world.media[recording.media_name] = Media(
            name=recording.media_name, content=EMPTY_WAV, content_type="audio/wav"
        )
        self.emit_call(
            call,
            "recording",
            recordingId=recording.id,
            recordingUri=f"{self.account_base}/recordings/{recording.id}",
            state="complete",
            status="complete",
            startTime=recording.start_time,
            endTime=recording.end_time,
        )
