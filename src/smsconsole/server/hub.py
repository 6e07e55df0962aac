"""Fan committed events out to the connected consoles.

The store calls :meth:`Hub.publish_threadsafe` from its writer thread after each commit, in
seq order; the hub hands the events to the event loop, which puts them on every
subscriber's queue. Queues are bounded: a console too slow to keep up is dropped (its
``overflowed`` flag set) rather than allowed to make ingest wait — it reconnects with its
last seq and the store replays what it missed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Final, NamedTuple

from smsconsole.core.feed import Logged, event_frame

QUEUE_LIMIT: Final = 2048


class Frame(NamedTuple):
    """An event as the feed sends it: its seq, and its frame as the text frame's text."""

    seq: int
    text: str


def frame_of(event: Logged) -> Frame:
    """The feed frame of one logged event: the stored bytes spliced in, not re-encoded.

    Made once per event, whatever the number of subscribers, live or replayed alike.
    """
    return Frame(event.seq, event_frame(event.seq, event.event).decode())


class Subscriber:
    """One console's place in the fan-out."""

    def __init__(self, limit: int = QUEUE_LIMIT) -> None:
        self.queue: asyncio.Queue[Frame] = asyncio.Queue(maxsize=limit)
        self.overflowed = asyncio.Event()

    def offer(self, frame: Frame) -> None:
        """Queue ``frame``, or mark this subscriber as fallen behind."""
        if self.overflowed.is_set():
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflowed.set()


class Hub:
    """The set of subscribers and the bridge from the store's writer thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int = QUEUE_LIMIT) -> None:
        self._loop = loop
        self._limit = limit
        self._subscribers: set[Subscriber] = set()

    @property
    def subscribers(self) -> int:
        """How many consoles are attached."""
        return len(self._subscribers)

    def subscribe(self) -> Subscriber:
        """Start receiving events committed from now on."""
        subscriber = Subscriber(self._limit)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Stop receiving events."""
        self._subscribers.discard(subscriber)

    def publish(self, events: Sequence[Logged]) -> None:
        """Give ``events`` to every subscriber (on the event loop)."""
        if not self._subscribers:
            return
        frames = [frame_of(event) for event in events]
        for subscriber in list(self._subscribers):
            for frame in frames:
                subscriber.offer(frame)

    def publish_threadsafe(self, events: Sequence[Logged]) -> None:
        """Give ``events`` to every subscriber, from any thread, keeping their order."""
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.publish, list(events))
