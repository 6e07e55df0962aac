"""Calls over (scaled) time: the far end, the BXML each call runs, and its webhooks
(docs/bandwidth-v2.md §4.3, §4.6, §4.9, §4.10).

Each live call has at most one *runner*, a task that fetches a document (from a synchronous
webhook, or given by ``PUT …/bxml``) and runs its verbs; a webhook's answer replaces the
document; when a document runs out the call hangs up (an unanswered inbound call is rejected).
Redirecting a call, or replacing its BXML, cancels its runner and starts another.

The far end of an outbound call (and of each ``<Transfer>`` B-leg) is a simulated party who
answers after a second, unless the number is a designated one (:func:`far_end_outcome`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from smsconsole.sandbox.bandwidth import bxml
from smsconsole.sandbox.bandwidth.account import Application
from smsconsole.sandbox.bandwidth.bxml import Document, Hook
from smsconsole.sandbox.bandwidth.runtime import V2Sandbox
from smsconsole.sandbox.bandwidth.voice_calls import (
    ANSWERED,
    DISCONNECTED,
    Call,
    event_json,
    iso_now,
    new_call_id,
)
from smsconsole.sandbox.bandwidth.voice_webhooks import CallFailure, Webhooks, resolve

DESIGNATED_PREFIX = "+1500555"
ANSWER_DELAY = 1.0  # seconds the simulated far end lets it ring before picking up
ERROR_CAUSES = ("callback-error", "invalid-bxml", "application-error", "error", "unknown")
DTMF = "0123456789*#"

First = Callable[[], Awaitable[Document]]


def far_end_outcome(to: str) -> str:
    """What the far end does when ``to`` rings: ``answer``, ``busy``, ``rejected`` or
    ``no-answer``, by the sandbox's designated numbers (those of the v1 engine's prefix).

    ``+1500555`` then four digits ``NNNN``: ``0000``-``0099`` busy, ``0100``-``0199`` never
    picks up (``timeout`` after ``callTimeout``, unless the ``remote`` route acts first),
    ``0200``-``0299`` rejects. Every other number (and a SIP URI) answers after a second.
    """
    if to.startswith(DESIGNATED_PREFIX) and len(to) == len(DESIGNATED_PREFIX) + 4:
        code = to[len(DESIGNATED_PREFIX) :]
        if code.isdigit():
            return {0: "busy", 1: "no-answer", 2: "rejected"}.get(int(code) // 100, "answer")
    return "answer"


def speak_seconds(text: str) -> float:
    """How long speaking ``text`` takes (before the sandbox's speed): about 14 characters/s."""
    return max(0.5, 0.07 * len(text))


class _Over(Exception):
    """The call ended while its runner ran (nothing more to do)."""


class VoiceEngine:
    """The calls of one sandbox and the tasks that drive them."""

    def __init__(self, sandbox: V2Sandbox) -> None:
        self.sandbox = sandbox
        self.webhooks = Webhooks(sandbox)
        self.calls: dict[str, Call] = {}
        self.rng = random.Random(sandbox.config.seed)
        self._tasks: set[asyncio.Task[None]] = set()
        self._runners: dict[str, asyncio.Task[None]] = {}
        self._rings: dict[str, asyncio.Task[None]] = {}
        self._finals: dict[str, asyncio.Task[None]] = {}
        self._stopping = False
        # Called with each outbound call the account places (contacts).
        self.observers: list[Callable[[Call], None]] = []

    # -- plumbing ----------------------------------------------------------------------------
    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(self.sandbox.delay(seconds))

    def _cancel(self, task: asyncio.Task[None] | None) -> None:
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def reset(self) -> None:
        """Forget every call and cancel its work."""
        for task in list(self._tasks):
            task.cancel()
        self.calls.clear()
        self._runners.clear()
        self._rings.clear()
        self._finals.clear()
        self.rng = random.Random(self.sandbox.config.seed)

    async def stop(self) -> None:
        """Cancel every task and wait for them (no webhook is sent from then on)."""
        self._stopping = True
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _event(self, call: Call, event_type: str, **extra: Any) -> dict[str, Any]:
        return event_json(self.sandbox.base_url, call, event_type, **extra)

    # -- creating calls ----------------------------------------------------------------------
    def _new_call(self, **fields: Any) -> Call:
        now = iso_now()
        call = Call(
            id=new_call_id(self.rng),
            account_id=self.sandbox.config.account_id,
            start_time=now,
            last_update=now,
            **fields,
        )
        self.calls[call.id] = call
        return call

    def create_outbound(self, **fields: Any) -> Call:
        """A call the account places (``POST …/calls``): it rings at the far end."""
        call = self._new_call(direction="outbound", **fields)
        call.enqueued_time = call.start_time
        self._ring(call)
        for observer in self.observers:
            observer(call)
        return call

    def receive_inbound(self, from_: str, to: str, app: Application) -> Call:
        """A remote party calls ``to``: the ``initiate`` webhook decides what happens."""
        creds = app.callback_creds
        username, password = (creds.username, creds.password) if creds else (None, None)
        status = None
        if app.status_url:
            status = Hook(app.status_url, app.status_method.upper(), username, password)
        call = self._new_call(
            direction="inbound",
            from_=from_,
            to=to,
            application_id=app.id,
            disconnect_hook=status,
        )
        assert app.initiated_url is not None
        initiate = Hook(
            app.initiated_url,
            app.initiated_method.upper(),
            username,
            password,
            app.initiated_fallback_url,
            app.initiated_method.upper(),
            username,
            password,
        )
        event = self._event(call, "initiate")
        self._start(call, lambda: self.webhooks.fetch_bxml(initiate, event, call.callback_timeout))
        return call

    # -- the far end -------------------------------------------------------------------------
    def _ring(self, call: Call) -> None:
        call.far_end_ringing = True
        self._rings[call.id] = self._spawn(self._far_end(call))

    async def _far_end(self, call: Call) -> None:
        outcome = far_end_outcome(call.to)
        if outcome == "no-answer" or call.call_timeout <= ANSWER_DELAY:
            await self._sleep(call.call_timeout)
            self._rings.pop(call.id, None)
            self.end(call, "timeout")
            return
        await self._sleep(ANSWER_DELAY)
        self._rings.pop(call.id, None)
        if outcome == "answer":
            self.far_end_answers(call)
        else:
            self.end(call, outcome)

    def far_end_answers(self, call: Call) -> None:
        """The called party picks up: an outbound call gets its ``answer`` webhook; a B-leg
        is taken by the ``<Transfer>`` waiting for it."""
        self._cancel(self._rings.pop(call.id, None))
        call.far_end_ringing = False
        self._answer(call)
        if call.parent_call_id is not None or call.answer_hook is None:
            return
        hook = call.answer_hook
        event = self._event(call, "answer")
        self._start(call, lambda: self.webhooks.fetch_bxml(hook, event, call.callback_timeout))

    def _answer(self, call: Call) -> None:
        if call.answer_time is None and call.live:
            call.answer_time = iso_now()
            call.state = ANSWERED
            call.touch()
            call.answered_event.set()

    # -- ending ------------------------------------------------------------------------------
    def end(self, call: Call, cause: str, message: str | None = None) -> None:
        """End ``call`` with ``cause`` (§4.8): stop its work, end its B-legs, then deliver
        ``disconnect`` (``transferDisconnect`` for a B-leg)."""
        if not call.live:
            return
        call.state = DISCONNECTED
        call.end_time = iso_now()
        call.disconnect_cause = cause
        if cause in ERROR_CAUSES:
            call.error_message = message or cause
            call.error_id = f"{self.rng.getrandbits(64):016x}"
        call.far_end_ringing = False
        call.digits = None
        call.touch()
        call.ended_event.set()
        self._cancel(self._rings.pop(call.id, None))
        self._cancel(self._runners.pop(call.id, None))
        for leg_id in list(call.legs):
            leg = self.calls.get(leg_id)
            if leg is not None:
                self.end(leg, "hangup" if leg.answer_time else "cancel")
        event_type = "disconnect" if call.parent_call_id is None else "transferDisconnect"
        event = self._event(
            call,
            event_type,
            endTime=call.end_time,
            cause=cause,
            errorMessage=call.error_message,
            errorId=call.error_id,
        )
        hook = call.disconnect_hook
        # A call forgotten by a reset, or ended while the sandbox stops, sends nothing.
        if hook is not None and self.calls.get(call.id) is call and not self._stopping:
            creds = (hook.username, hook.password)
            work = self.webhooks.notify(hook.url, hook.method, creds, event, call.callback_timeout)
            self._finals[call.id] = self._spawn(work)

    def complete(self, call: Call) -> None:
        """``state: completed``: reject an unanswered inbound call, cancel a ringing outbound
        one, hang up an answered one (§4.4)."""
        if call.unanswered_inbound:
            self.end(call, "rejected")
        elif call.far_end_ringing:
            self.end(call, "cancel")
        else:
            self.end(call, "hangup")

    # -- changing what a call runs -----------------------------------------------------------
    def redirect(self, call: Call, hook: Hook, tag: str | None) -> None:
        """``POST …/calls/{id}`` with a ``redirectUrl``: a ``redirect`` webhook, new BXML."""
        if tag is not None:
            call.tag = tag or None
        event = self._event(call, "redirect")
        self._start(call, lambda: self.webhooks.fetch_bxml(hook, event, call.callback_timeout))

    def replace(self, call: Call, document: Document) -> None:
        """``PUT …/calls/{id}/bxml``: run ``document`` instead of what runs now."""
        base = call.bxml_base

        async def given() -> Document:
            return Document(document.verbs, base, document.root)

        self._start(call, given)

    def _start(self, call: Call, first: First, *, hangup_at_end: bool = True) -> None:
        self._cancel(self._runners.pop(call.id, None))
        self._runners[call.id] = self._spawn(self._run(call, first, hangup_at_end))

    async def _run(self, call: Call, first: First, hangup_at_end: bool) -> None:
        try:
            document: Document | None = await first()
            while document is not None:
                document = await self._execute(call, document)
        except CallFailure as failure:
            self.end(call, failure.cause, failure.message)
            return
        except _Over:
            return
        except Exception as exc:  # never let a call's task die silently
            self.end(call, "error", f"{type(exc).__name__}: {exc}")
            return
        if call.live and hangup_at_end:
            # "there is an implicit <Hangup> at the end of the document" (§4.6)
            self.end(call, "rejected" if call.unanswered_inbound else "hangup")

    async def _execute(self, call: Call, document: Document) -> Document | None:
        if document.base_url is not None:
            call.bxml_base = document.base_url
        for verb in document.verbs:
            if not call.live:
                raise _Over
            following = await self._verb(call, verb, document.base_url or call.bxml_base)
            if following is not None:
                return following
        return None

    # -- verbs -------------------------------------------------------------------------------
    async def _verb(self, call: Call, verb: bxml.Verb, base: str | None) -> Document | None:
        if isinstance(verb, bxml.Ring):
            if verb.answer_call:
                self._answer(call)
            await self._sleep(verb.duration)
        elif isinstance(verb, bxml.Pause):
            self._answer(call)
            await self._sleep(verb.duration)
        elif isinstance(verb, bxml.SpeakSentence):
            self._answer(call)
            await self._sleep(speak_seconds(verb.text))
        elif isinstance(verb, bxml.Tag):
            call.tag = verb.value or None
        elif isinstance(verb, bxml.Hangup):
            self.end(call, "rejected" if call.unanswered_inbound else "hangup")
            raise _Over
        elif isinstance(verb, bxml.Redirect):
            self._set_tag(call, verb.tag)
            hook = resolve(verb.hook, base)
            event = self._event(call, "redirect")
            return await self.webhooks.fetch_bxml(hook, event, call.callback_timeout)
        elif isinstance(verb, bxml.Gather):
            return await self._gather(call, verb, base)
        elif isinstance(verb, bxml.Transfer):
            return await self._transfer(call, verb, base)
        elif isinstance(verb, bxml.Forward):
            await self._forward(call, verb)
        return None

    @staticmethod
    def _set_tag(call: Call, tag: str | None) -> None:
        if tag is not None:
            call.tag = tag or None

    async def _forward(self, call: Call, verb: bxml.Forward) -> None:
        # The call is handed over: no more BXML; it lasts until a party hangs up.
        outcome = far_end_outcome(verb.to)
        if outcome == "no-answer":
            await self._sleep(verb.call_timeout)
            self.end(call, "timeout")
            raise _Over
        await self._sleep(ANSWER_DELAY)
        if outcome != "answer":
            self.end(call, outcome)
            raise _Over
        self._answer(call)  # the forwarded-to party picked up: the caller is connected
        await call.ended_event.wait()
        raise _Over

    # -- gather ------------------------------------------------------------------------------
    def press(self, call: Call, digits: str) -> None:
        """The far end presses keys: they go to the running ``<Gather>`` (else are lost)."""
        if call.digits is not None:
            for digit in digits:
                call.digits.put_nowait(digit)

    async def _next_digit(self, queue: asyncio.Queue[str], seconds: float) -> str | None:
        try:
            return await asyncio.wait_for(queue.get(), self.sandbox.delay(seconds))
        except TimeoutError:
            return None

    async def _gather(self, call: Call, verb: bxml.Gather, base: str | None) -> Document | None:
        self._answer(call)
        self._set_tag(call, verb.tag)
        queue: asyncio.Queue[str] = asyncio.Queue()
        call.digits = queue
        digits, terminating = "", ""
        try:
            pressed: str | None = None
            for _ in range(verb.repeat_count):
                for prompt in verb.prompts:  # a key pressed during a prompt stops it
                    pressed = await self._next_digit(queue, speak_seconds(prompt.text))
                    if pressed is not None:
                        break
                if pressed is None:
                    pressed = await self._next_digit(queue, verb.first_digit_timeout)
                if pressed is not None:
                    break
            while pressed is not None:
                if pressed in verb.terminating_digits:
                    terminating = pressed
                    break
                digits += pressed
                if len(digits) >= verb.max_digits:
                    break
                pressed = await self._next_digit(queue, verb.inter_digit_timeout)
        finally:
            if call.digits is queue:
                call.digits = None
        if verb.hook is None or not call.live:
            return None
        event = self._event(call, "gather", digits=digits, terminatingDigit=terminating)
        hook = resolve(verb.hook, base)
        return await self.webhooks.fetch_bxml(hook, event, call.callback_timeout)

    # -- transfer ----------------------------------------------------------------------------
    def _new_leg(
        self, call: Call, verb: bxml.Transfer, number: bxml.PhoneNumber, base: str | None
    ) -> Call:
        caller_id = verb.caller_id or (call.from_ if call.direction == "inbound" else call.to)
        answer = resolve(number.answer_hook, base) if number.answer_hook else None
        disconnect = resolve(number.disconnect_hook, base) if number.disconnect_hook else None
        leg = self._new_call(
            direction="outbound",
            from_=caller_id,
            to=number.number,
            application_id=call.application_id,
            callback_timeout=call.callback_timeout,
            call_timeout=verb.call_timeout,
            answer_hook=answer,
            disconnect_hook=disconnect,
            tag=number.tag or verb.tag or call.tag,
            parent_call_id=call.id,
            transfer_caller_id=caller_id,
            transfer_to=number.number,
        )
        self._ring(leg)
        return leg

    async def _first_answer(self, legs: list[Call]) -> Call | None:
        while True:
            for leg in legs:
                if leg.answer_time is not None and leg.live:
                    return leg
            if not any(leg.live for leg in legs):
                return None
            waiters = [
                asyncio.ensure_future(event.wait())
                for leg in legs
                if leg.live
                for event in (leg.answered_event, leg.ended_event)
            ]
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()

    async def _transfer(self, call: Call, verb: bxml.Transfer, base: str | None) -> Document | None:
        self._answer(call)
        self._set_tag(call, verb.tag)
        legs = [self._new_leg(call, verb, number, base) for number in verb.numbers]
        call.legs = [leg.id for leg in legs]
        winner: Call | None = None
        try:
            winner = await self._first_answer(legs)
            for leg in legs:
                if leg is not winner:
                    self.end(leg, "cancel")
            if winner is not None:
                self._bridge(winner)
                await winner.ended_event.wait()
        finally:
            for leg in legs:
                self.end(leg, "hangup" if leg.answer_time else "cancel")
            call.legs = []
        # transferDisconnect of every leg before transferComplete of the A-leg (§4.6)
        finals = [self._finals[leg.id] for leg in legs if leg.id in self._finals]
        with contextlib.suppress(Exception):
            await asyncio.gather(*finals)
        if not call.live:
            raise _Over
        if verb.complete_hook is None:
            return None
        ended = winner or legs[0]
        event = self._event(
            call,
            "transferComplete",
            transferCallerId=ended.transfer_caller_id,
            transferTo=ended.transfer_to,
            cause=ended.disconnect_cause,
            errorMessage=ended.error_message,
            errorId=ended.error_id,
        )
        hook = resolve(verb.complete_hook, base)
        return await self.webhooks.fetch_bxml(hook, event, call.callback_timeout)

    def _bridge(self, leg: Call) -> None:
        """The B-leg answered: its ``transferAnswer`` BXML plays to it, then it is bridged."""
        if leg.answer_hook is None:
            return
        hook = leg.answer_hook
        event = self._event(leg, "transferAnswer")
        self._start(
            leg,
            lambda: self.webhooks.fetch_bxml(hook, event, leg.callback_timeout),
            hangup_at_end=False,
        )
