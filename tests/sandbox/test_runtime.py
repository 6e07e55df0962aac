"""State file persistence and simulated contacts."""

from __future__ import annotations

import asyncio
import random
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from smsconsole.sandbox.app import create_sandbox_app
from smsconsole.sandbox.contacts import CALL_SHARE, CONTACTS, CallPlan, call_plan, reply_to

AUTH = ("t-sandbox", "s-sandbox")


async def test_state_file_keeps_the_world_across_restarts(tmp_path: Path, serve_app: Any) -> None:
    state = tmp_path / "sandbox.json"
    first = create_sandbox_app(state_file=state, seed=5, speed=0.01)
    async with serve_app(first) as base, httpx.AsyncClient(base_url=base, auth=AUTH) as client:
        ordered = await client.post("/v1/availableNumbers/local", params={"state": "WA"})
        number = ordered.json()[0]["number"]
    assert state.exists()
    second = create_sandbox_app(state_file=state, seed=5, speed=0.01)
    async with serve_app(second) as base, httpx.AsyncClient(base_url=base, auth=AUTH) as client:
        got = await client.get(f"/v1/users/u-sandbox/phoneNumbers/%2B{number[1:]}")
        assert got.status_code == 200
        search = await client.get(
            "/v1/availableNumbers/local", params={"state": "WA", "quantity": 50}
        )
        assert number not in {item["number"] for item in search.json()}
        again = await client.post("/v1/availableNumbers/local", params={"state": "WA"})
        assert again.json()[0]["location"].rsplit("/", 1)[1] != ordered.json()[0]["location"]


async def test_contacts_reply_and_text_in(serve_app: Any, wait: Any) -> None:
    app = create_sandbox_app(contacts=True, seed=2, speed=0.005, contact_interval=20)
    world = app.state.sandbox.world
    async with serve_app(app) as base, httpx.AsyncClient(base_url=base, auth=AUTH) as client:
        ordered = await client.post("/v1/availableNumbers/local", params={"state": "NY"})
        ours = ordered.json()[0]["number"]
        contact = CONTACTS[0].number
        body = {"from": ours, "to": contact, "text": "Are you free later?"}
        assert (await client.post("/v1/users/u-sandbox/messages", json=body)).status_code == 201

        def replied() -> bool:
            return any(
                m.direction == "in" and m.from_ == contact and m.to == ours
                for m in world.messages.values()
            )

        await wait(replied)
        inbound = {m.from_ for m in world.messages.values() if m.direction == "in"}
        assert inbound <= {c.number for c in CONTACTS}


def test_replies_notice_questions_and_greetings() -> None:
    import random

    rng = random.Random(1)
    assert reply_to("hello!", rng) == "Hey! Good to hear from you."
    assert reply_to("Can you call me?", rng) in {
        "Yes, that works for me.",
        "Hmm, not sure. Let me check.",
        "No, sorry.",
    }


def test_demo_contacts_call_rarely_and_give_time_to_answer_speak_and_transfer() -> None:
    rng = random.Random(3)
    actions = [rng.random() < CALL_SHARE for _ in range(2000)]
    # 25 s between actions in the demo: a call every several minutes, not every two.
    assert 25 / (sum(actions) / len(actions)) >= 5 * 60
    plans = [call_plan(rng) for _ in range(200)]
    assert min(plan.ring for plan in plans) >= 30
    assert min(plan.talk for plan in plans) >= 90


async def test_a_contacts_call_rings_out_unanswered_or_lasts_its_talk_after_the_answer(
    serve_app: Any, wait: Any
) -> None:
    speed = 0.01
    app = create_sandbox_app(contacts=True, seed=2, speed=speed, contact_interval=10_000)
    sandbox, people = app.state.sandbox, app.state.contacts
    async with serve_app(app):
        # Ringing calls from contacts (made directly: no application needs to hear them).
        missed = sandbox.engine._new_call("in", CONTACTS[0].number, "+19195550187")
        people._spawn(partial(people._call_in, missed, CallPlan(ring=30.0, talk=90.0)))
        answered = sandbox.engine._new_call("in", CONTACTS[1].number, "+19195550187")
        people._spawn(partial(people._call_in, answered, CallPlan(ring=30.0, talk=90.0)))
        await asyncio.sleep(10 * speed)
        sandbox.engine.answer(answered)  # the operator picks up after ten seconds
        picked_up = asyncio.get_running_loop().time()
        await wait(lambda: missed.state == "completed")
        assert missed.active_time is None
        await wait(lambda: answered.state == "completed")
        assert asyncio.get_running_loop().time() - picked_up >= 85 * speed  # not 10-17 s
