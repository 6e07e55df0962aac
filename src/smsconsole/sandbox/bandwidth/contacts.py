"""Simulated remote parties for the demo on the v2 sandbox: the same people as on v1.

They text the account's numbers now and then, reply to what the account sends them, call in
(ringing until the console answers, or giving up), and pick up and later hang up the calls
the account places to them. Off unless the v2 sandbox is created with ``contacts=True``.
The people, their words and their timings are the v1 sandbox's (:mod:`smsconsole.sandbox.contacts`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Coroutine
from typing import Any

from smsconsole.sandbox.bandwidth.messaging_records import Message
from smsconsole.sandbox.bandwidth.messaging_service import MessagingService
from smsconsole.sandbox.bandwidth.runtime import V2Sandbox
from smsconsole.sandbox.bandwidth.voice_calls import Call
from smsconsole.sandbox.bandwidth.voice_engine import VoiceEngine
from smsconsole.sandbox.contacts import (
    CALL_SHARE,
    CONTACTS,
    OPENERS,
    CallPlan,
    Contact,
    call_plan,
    reply_to,
)


class V2Contacts:
    """Drives the simulated contacts of one v2 sandbox."""

    def __init__(
        self,
        sandbox: V2Sandbox,
        messaging: MessagingService,
        voice: VoiceEngine,
        *,
        interval: float = 45.0,
        contacts: tuple[Contact, ...] = CONTACTS,
    ) -> None:
        self.sandbox = sandbox
        self.messaging = messaging
        self.voice = voice
        self.interval = interval
        self.contacts = {contact.number: contact for contact in contacts}
        self.rng = random.Random(sandbox.config.seed)
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Begin texting in, and listen for what the account sends and whom it calls."""
        self.messaging.observers.append(self._sent)
        self.voice.observers.append(self._placed)
        self._spawn(self._chatter())

    async def stop(self) -> None:
        """Stop every pending action."""
        if self._sent in self.messaging.observers:
            self.messaging.observers.remove(self._sent)
        if self._placed in self.voice.observers:
            self.voice.observers.remove(self._placed)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(self.sandbox.delay(seconds))

    def text(self, from_: str, to: str, words: str) -> bool:
        """A contact texts one of the account's numbers (False: it has no messaging app)."""
        app = self.sandbox.account.messaging_app_for(to)
        if app is None:
            return False
        self.messaging.announce(self.messaging.receive(from_, to, app.id, words, []))
        return True

    def call(self, from_: str, to: str) -> Call | None:
        """A contact calls one of the account's numbers (None: it has no voice app)."""
        app = self.sandbox.account.voice_app_for(to)
        if app is None or not app.initiated_url:
            return None
        return self.voice.receive_inbound(from_, to, app)

    async def _chatter(self) -> None:
        while True:
            await self._sleep(self.rng.expovariate(1 / self.interval))
            ours = sorted(self.sandbox.account.numbers)
            if not ours:
                continue
            contact = self.rng.choice(list(self.contacts.values()))
            to = self.rng.choice(ours)
            if self.rng.random() < CALL_SHARE:
                call = self.call(contact.number, to)
                if call is not None:
                    self._spawn(self._call_in(call, call_plan(self.rng)))
            else:
                self.text(contact.number, to, self.rng.choice(OPENERS))

    def _sent(self, message: Message) -> None:
        for to in message.to:
            if to in self.contacts:
                self._spawn(self._reply(to, message.from_, message.text))

    async def _reply(self, contact: str, ours: str, text: str) -> None:
        await self._sleep(self.rng.uniform(2, 5))
        if ours in self.sandbox.account.numbers:
            self.text(contact, ours, reply_to(text, self.rng))

    def _placed(self, call: Call) -> None:
        if call.to in self.contacts:
            self._spawn(self._talk(call, call_plan(self.rng).talk))

    async def _talk(self, call: Call, seconds: float) -> None:
        """The contact picks up (the far end answers on its own) and hangs up later."""
        if await _answered(call):
            await self._sleep(seconds)
            self.voice.end(call, "hangup")

    async def _call_in(self, call: Call, plan: CallPlan) -> None:
        """Let the call ring (up to ``plan.ring``), then talk for ``plan.talk`` once answered."""
        try:
            async with asyncio.timeout(self.sandbox.delay(plan.ring)):
                answered = await _answered(call)
        except TimeoutError:
            self.voice.end(call, "cancel")  # the caller gave up: a missed call
            return
        if answered:
            await self._sleep(plan.talk)
            self.voice.end(call, "hangup")


async def _answered(call: Call) -> bool:
    """Wait until the call is answered (True) or ends unanswered (False)."""
    answered = asyncio.ensure_future(call.answered_event.wait())
    ended = asyncio.ensure_future(call.ended_event.wait())
    try:
        await asyncio.wait({answered, ended}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        answered.cancel()
        ended.cancel()
        await asyncio.gather(answered, ended, return_exceptions=True)
    return call.answer_time is not None
