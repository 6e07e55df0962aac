"""Calls in a conversation's thread: each call as an entry among the texts, in time order.

A call is shown as a message-shaped entry (id ``call-…``) so the thread view lays it out,
pages it and replaces it as it changes like any text. Pure: no Textual.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from smsconsole.core.calls import Call
from smsconsole.core.messages import Message, conversation_id
from smsconsole.tui import timefmt

PREFIX: Final = "call-"


def is_call(message: Message) -> bool:
    """Whether a thread entry stands for a call, not a text."""
    return message.id.startswith(PREFIX)


def conversation_of(call: Call) -> str:
    """The conversation a call belongs to: between our number and the other party's."""
    if call.direction == "in":
        return conversation_id(call.to, call.from_)
    return conversation_id(call.from_, call.to)


def call_words(call: Call) -> str:
    """``📞 Missed call``, ``📞 Call in, 2:05``, ``📞 Calling…``: what a call came to."""
    way = "in" if call.direction == "in" else "out"
    if call.missed:
        return "📵 Missed call"
    if call.state == "rejected":
        return "📞 Call rejected"
    if not call.ended:
        return "📞 Ringing…" if call.state == "started" else f"📞 On a call ({way})"
    start, stop = timefmt.parse(call.active_time or ""), timefmt.parse(call.end_time or "")
    if start is None or stop is None:
        return f"📞 Call {way}, not answered"
    return f"📞 Call {way}, {timefmt.duration((stop - start).total_seconds())}"


def entry(call: Call) -> Message:
    """A call as a thread entry."""
    return Message(
        id=PREFIX + call.id,
        conversation_id=conversation_of(call),
        direction=call.direction,
        from_=call.from_,
        to=call.to,
        text=call_words(call),
        state="received" if call.direction == "in" else "sent",
        time=call.start_time or "",
    )


def merged(
    newest_first: list[Message], calls: Iterable[Call], conversation: str, complete: bool
) -> list[Message]:
    """A page of texts with the conversation's calls of the same span, newest first.

    Args:
        newest_first: A page of the thread, newest first.
        calls: Every call the console knows.
        conversation: The thread's conversation id.
        complete: Whether the page reaches the start of the thread (no older page).
    """
    oldest = newest_first[-1].time if newest_first and not complete else ""
    entries = [
        entry(call)
        for call in calls
        if conversation_of(call) == conversation and (call.start_time or "") >= oldest
    ]
    return sorted([*newest_first, *entries], key=lambda m: (m.time, m.id), reverse=True)
