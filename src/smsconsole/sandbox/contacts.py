"""Simulated remote parties for the demo: they text in now and then, reply, and call.

Off unless the sandbox is created with ``contacts=True``. Deterministic for a given seed
(the order of texts, replies and calls; wall-clock timing still varies). Their numbers use
area codes the inventory does not, so they never collide with numbers the account can order.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any

from smsconsole.sandbox.delivery import detach_context
from smsconsole.sandbox.runtime import Sandbox
from smsconsole.sandbox.state import Call, Message


@dataclass(frozen=True)
class Contact:
    """A remote party with a name and a number."""

    name: str
    number: str


CONTACTS = (
    Contact("Ada Park", "+13125550142"),
    Contact("Ben Ortiz", "+16175550123"),
    Contact("Chloe Nakamura", "+15035550178"),
    Contact("Dev Raman", "+17205550111"),
)

OPENERS = (
    "Hi! Are you around today?",
    "Quick question about my order, can you help?",
    "Thanks for yesterday, all sorted now.",
    "Running 10 minutes late, sorry!",
    "Can you call me back when you have a minute?",
)


CALL_SHARE = 0.06
"""Of a contact's spontaneous actions, the share that are calls (the rest are texts): with the
demo's 25 s between actions, a call every seven minutes or so."""
RING_SECONDS = (30.0, 45.0)
"""How long a contact lets a call to us ring before giving up (a missed call)."""
TALK_SECONDS = (90.0, 180.0)
"""How long a contact stays on a call once it is answered: time to speak, or to transfer."""


@dataclass(frozen=True)
class CallPlan:
    """How a contact's call goes: how long it may ring, how long they talk once answered."""

    ring: float
    talk: float


def call_plan(rng: random.Random) -> CallPlan:
    """A contact's next call."""
    return CallPlan(rng.uniform(*RING_SECONDS), rng.uniform(*TALK_SECONDS))


def reply_to(text: str, rng: random.Random) -> str:
    """A short canned reply, slightly aware of what was said."""
    lowered = text.lower()
    if "?" in text:
        return rng.choice(("Yes, that works for me.", "Hmm, not sure. Let me check.", "No, sorry."))
    if any(word in lowered for word in ("hi", "hello", "hey")):
        return "Hey! Good to hear from you."
    if "call" in lowered:
        return "Sure, call me anytime."
    if "thank" in lowered:
        return "You're welcome!"
    return rng.choice(("OK, thanks!", "Got it.", "Sounds good.", "👍"))


class Contacts:
    """Drives the simulated contacts of one sandbox."""

    def __init__(self, sandbox: Sandbox, contacts: tuple[Contact, ...] = CONTACTS) -> None:
        self.sandbox = sandbox
        self.contacts = {contact.number: contact for contact in contacts}
        self.rng = random.Random(sandbox.config.seed)
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin texting in, and listen for what the account sends to contacts."""
        self.sandbox.engine.observers.append(self._observe)
        self._loop_task = asyncio.create_task(self._chatter())

    async def stop(self) -> None:
        """Stop every pending action."""
        if self._observe in self.sandbox.engine.observers:
            self.sandbox.engine.observers.remove(self._observe)
        tasks = [*self._tasks, *([self._loop_task] if self._loop_task else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _spawn(self, start: Callable[[], Coroutine[Any, Any, None]]) -> None:
        async def runner() -> None:
            detach_context()
            await start()

        task = asyncio.create_task(runner())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds * self.sandbox.config.speed)

    def _our_numbers(self) -> list[str]:
        world = self.sandbox.world
        return sorted(n.number for n in world.numbers.values() if n.number_state == "enabled")

    async def _chatter(self) -> None:
        interval = self.sandbox.config.contact_interval
        while True:
            await self._sleep(self.rng.expovariate(1 / interval))
            ours = self._our_numbers()
            if not ours:
                continue
            contact = self.rng.choice(list(self.contacts.values()))
            to = self.rng.choice(ours)
            if self.rng.random() < CALL_SHARE:
                call = self.sandbox.engine.receive_call(contact.number, to)
                self._spawn(partial(self._call_in, call, call_plan(self.rng)))
            else:
                self.sandbox.engine.receive_message(
                    contact.number, to, self.rng.choice(OPENERS), []
                )

    def _observe(self, kind: str, record: Message | Call) -> None:
        if record.to not in self.contacts:
            return
        if isinstance(record, Message):
            self._spawn(partial(self._reply, record))
        else:
            self._spawn(partial(self._answer, record))

    async def _reply(self, message: Message) -> None:
        await self._sleep(self.rng.uniform(2, 5))
        if self.sandbox.world.owned_number(message.from_) is None:
            return
        text = reply_to(message.text, self.rng)
        self.sandbox.engine.receive_message(message.to, message.from_, text, [])

    async def _answer(self, call: Call) -> None:
        await self._sleep(self.rng.uniform(2, 4))
        if call.state == "started":
            self.sandbox.engine.answer(call)
            await self._hang_up_later(call, call_plan(self.rng).talk)

    async def _call_in(self, call: Call, plan: CallPlan) -> None:
        """Let the call ring (up to ``plan.ring``), then talk for ``plan.talk`` once answered."""
        rang = 0.0
        while call.state == "started" and rang < plan.ring:
            await self._sleep(1.0)
            rang += 1.0
        await self._hang_up_later(call, plan.talk if call.state != "started" else 0.0)

    async def _hang_up_later(self, call: Call, seconds: float) -> None:
        await self._sleep(seconds)
        if call.state in ("started", "active"):
            cause = "NORMAL_CLEARING" if call.state == "active" else "ORIGINATOR_CANCEL"
            self.sandbox.engine.end(call, cause)
