"""A Bandwidth v2 account's callbacks read as core events, and what each expects in answer.

:class:`BandwidthCallbacks` is the :class:`~smsconsole.providers.base.CallbackParser` of a
v2 account. Pure: no I/O, no account. It reads both kinds of v2 callback wherever they are
posted, telling them apart by shape (docs/bandwidth-v2.md §3.1, §4.6):

* a JSON **array** is a Messaging v2 delivery (:mod:`.callbacks`), one event per element;
* a JSON **object** is one Voice v2 webhook (:mod:`.voice_callbacks`);
* a query string (``GET``) is a Voice v2 webhook: messaging callbacks are only POSTed.

Voice v2 drives a call by the answer to its webhooks (§4.6, §4.9, §4.10, §7.1), so the
answer is decided here, from the event alone — a retried delivery gets the answer the first
got:

* ``initiate`` (an inbound call): ring without answering, ``RING_SECONDS`` long, so the
  operator decides; the console answers or rejects with call-control requests, which
  replace this document. When it ends undecided, the implicit ``<Hangup>`` rejects the call.
* ``answer`` (our outbound call answered), ``redirect``, ``gather``, ``transferComplete``:
  hold the call in silence, ``HOLD_SECONDS`` long, until the console's next request.
* ``transferAnswer`` (the far leg of a transfer answered): an empty document, so the
  bridge goes ahead at once.
* ``disconnect``, ``transferDisconnect`` and voice events we do not map (asynchronous, or
  of verbs we never use): an empty 2xx, whose body v2 ignores.
* Messaging events: ``None``, the server's own JSON answer (v2 wants any 2xx, §3.1).

``transferAnswer`` and ``answer`` both become an ``AnswerEvent``, whose answers differ: the
far leg's is marked ``call_state="transferring"`` (it is answered, and being bridged into
a transfer). The core reads no event's ``call_state``, so nothing else sees the mark.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Final

import msgspec

from smsconsole.core import events
from smsconsole.core.events import CallbackEvent
from smsconsole.providers.bandwidth import callbacks, voice_callbacks
from smsconsole.providers.base import (
    CallbackError,
    CallbackOutcome,
    CallbackReply,
    decode_json_body,
    json_kind,
)

# How long an inbound call rings unanswered before the BXML ends and rejects it: about as
# long as a phone rings before voicemail, for the operator to see it and choose.
RING_SECONDS: Final = 60
# How long a live call is held between the console's requests: BXML's longest (§4.9).
HOLD_SECONDS: Final = 86400
BXML_TYPE: Final = "application/xml; charset=utf-8"
_DECLARATION: Final = '<?xml version="1.0" encoding="UTF-8"?>'
_TRANSFER_ANSWER: Final = "transferanswer"


def bxml(*verbs: tuple[str, dict[str, str]]) -> CallbackReply:
    """A BXML answer: ``<Response>`` holding ``verbs`` (name, attributes), in order.

    Built with ElementTree, which escapes every attribute value.
    """
    root = ET.Element("Response")
    for name, attributes in verbs:
        ET.SubElement(root, name, attributes)
    return CallbackReply(_DECLARATION + "\n" + ET.tostring(root, encoding="unicode"), BXML_TYPE)


RING: Final = bxml(("Ring", {"duration": str(RING_SECONDS), "answerCall": "false"}))
HOLD: Final = bxml(("Pause", {"duration": str(HOLD_SECONDS)}))
PROCEED: Final = bxml()
EMPTY: Final = CallbackReply()


class BandwidthCallbacks:
    """Reading Bandwidth v2 callbacks (messaging and voice) as core events, and answering
    each as v2 expects."""

    def parse_json_body(self, body: bytes) -> list[CallbackEvent]:
        """The events of a POSTed v2 callback: every element of a messaging array, in
        order, or the one event of a voice webhook.

        Raises:
            CallbackError: The body is not UTF-8 JSON, is neither an array nor an object, is
                an empty array, or an event in it is not one v2 sends (see the modules).
        """
        start = body.lstrip(b" \t\r\n")[:1]
        if start == b"[":
            found = callbacks.parse_messaging_body(body)
            if not found:
                raise CallbackError("the body is an empty array: it carries no event")
            return found
        if start == b"{":
            event = voice_callbacks.parse_voice_body(body)
            if isinstance(event, events.AnswerEvent):
                event = _mark_transfer_answer(event, decode_json_body(body))
            return [event]
        payload = decode_json_body(body)  # raises for what is not JSON at all
        raise CallbackError(
            "the body must be a JSON array of events (Messaging v2) or one JSON object (a"
            f" Voice v2 event), not {json_kind(payload)}"
        )

    def parse_query(self, pairs: Iterable[tuple[str, str]]) -> list[CallbackEvent]:
        """The one event of a Voice v2 webhook sent by ``GET``.

        Raises:
            CallbackError: As :func:`.voice_callbacks.parse_voice_query`.
        """
        given = list(pairs)
        event = voice_callbacks.parse_voice_query(given)
        if isinstance(event, events.AnswerEvent):
            event = _mark_transfer_answer(event, dict(given))
        return [event]

    def dedupe_key(self, event: CallbackEvent) -> str:
        """The key of the module that read the event (messaging §3.3, voice §4.6)."""
        if _is_voice(event):
            return voice_callbacks.voice_dedupe_key(event)
        return callbacks.dedupe_key(event)

    def callback_reply(
        self, event: CallbackEvent, outcome: CallbackOutcome
    ) -> CallbackReply | None:
        """The BXML (or empty answer) a voice event expects; ``None`` for messaging."""
        if isinstance(event, events.IncomingCallEvent):
            return RING
        if isinstance(event, events.AnswerEvent):
            return PROCEED if event.call_state == "transferring" else HOLD
        if isinstance(
            event, events.RedirectEvent | events.GatherEvent | events.TransferCompleteEvent
        ):
            return HOLD
        if isinstance(event, events.HangupEvent) or _is_voice(event):
            return EMPTY
        return None


def _is_voice(event: CallbackEvent) -> bool:
    if isinstance(event, events.UnknownEvent):
        # The voice parser keeps an unknown webhook with its eventTime; the messaging
        # parser keeps an unknown element (which has ``type``) with no time.
        return event.time is not None and "eventType" in event.raw
    return not isinstance(event, events.MessageEvent)


def _mark_transfer_answer(event: events.AnswerEvent, payload: object) -> events.AnswerEvent:
    wire = payload.get("eventType") if isinstance(payload, dict) else None
    if isinstance(wire, str) and wire.strip().lower() == _TRANSFER_ANSWER:
        return msgspec.structs.replace(event, call_state="transferring")
    return event
