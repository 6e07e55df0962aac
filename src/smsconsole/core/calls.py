"""Calls: the record smsconsole keeps of each, and how provider events move it.

Call events can arrive late or out of order (a hangup before the answer, reference §9), so a
call's state only moves forward — started, then active, then transferring, then ended — and
each time (start, answer, end) is set once and kept. Pure: no I/O.
"""

from __future__ import annotations

from typing import Final

import msgspec

from smsconsole.core import events
from smsconsole.core.clock import iso_utc
from smsconsole.core.events import CallState, Direction

_RANK: Final[dict[str, int]] = {
    "started": 0,
    "active": 1,
    "transferring": 2,
    "completed": 3,
    "rejected": 3,
    "error": 3,
}
ENDED: Final = frozenset({"completed", "rejected", "error"})


class Call(msgspec.Struct, frozen=True, kw_only=True):
    """A call as the API and the feed show it.

    Attributes:
        id: Our id of the call.
        provider_id: The provider's id of the call.
        cause: Why it ended (``NORMAL_CLEARING``, ``CALL_REJECTED``...), once it has.
    """

    id: str
    direction: Direction
    from_: str = msgspec.field(name="from")
    to: str
    state: CallState
    provider_id: str | None = None
    start_time: str | None = None
    active_time: str | None = None
    end_time: str | None = None
    cause: str | None = None

    @property
    def ended(self) -> bool:
        """Whether the call is over."""
        return self.state in ENDED

    @property
    def missed(self) -> bool:
        """Whether it is an incoming call that ended unanswered (and was not rejected)."""
        return (
            self.direction == "in"
            and self.ended
            and self.active_time is None
            and self.state != "rejected"
        )


def new_call(
    call_id: str, event: events.CallEvent, direction: Direction, from_: str, to: str, now: str
) -> Call:
    """The record of a call first heard of through ``event`` (before it is applied)."""
    return Call(
        id=call_id,
        direction=direction,
        from_=from_,
        to=to,
        state="started",
        provider_id=event.call_id,
        start_time=iso_utc(event.time) if event.time else now,
    )


def advance_call(current: Call, event: events.CallEvent, now: str) -> Call:
    """Return ``current`` moved forward by ``event``; never backward, no time overwritten."""
    at = iso_utc(event.time) if event.time else now
    state: CallState = current.state
    active_time, end_time, cause = current.active_time, current.end_time, current.cause
    if isinstance(event, events.AnswerEvent):
        state = _forward(state, "active")
        active_time = active_time or at
    elif isinstance(event, events.HangupEvent | events.TimeoutEvent):
        ending: CallState = "completed"
        if isinstance(event, events.HangupEvent):
            cause = cause or event.cause
            if event.rejected:
                ending = "rejected"
        else:
            cause = cause or "NO_ANSWER"
        state = _forward(state, ending)
        end_time = end_time or at
    return msgspec.structs.replace(
        current, state=state, active_time=active_time, end_time=end_time, cause=cause
    )


def transferring(current: Call) -> Call:
    """The call after we asked the provider to transfer it."""
    return msgspec.structs.replace(current, state=_forward(current.state, "transferring"))


def _forward(current: CallState, proposed: CallState) -> CallState:
    return proposed if _RANK[proposed] > _RANK[current] else current
