"""Text from strangers, pushed through every place the console shows a text or a name.

Each hostile string arrives as an inbound text (the list preview, the toast, the bubble), as
the contact's name (the list, the thread's title, the call dialog, the call bar, search hits)
and inside the provider's error words (a send the provider refuses: the toast, the failed
bubble, the attachment's name). The console must keep running, show the text as plain text
(brackets as brackets) and write no control character to the terminal.
"""

from __future__ import annotations

import itertools
import json
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from textual.command import CommandPalette
from textual.widgets import Label, OptionList, Static
from textual.widgets._toast import Toast

from console_helpers import console_app, hostile_text, provision, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.inbox import conversation_for
from smsconsole.tui.plain import clean
from smsconsole.tui.screens.dialogs import IncomingCall
from smsconsole.tui.widgets.conversation_list import ConversationList
from smsconsole.tui.widgets.thread_view import ThreadView, lay_out

TOKEN = "console-token"
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
SERIAL = itertools.count(100)


@dataclass
class World:
    sandbox: httpx.AsyncClient
    api: httpx.AsyncClient
    number: str
    tmp_path: Path


@pytest.fixture
async def world(provider_server: Any, sandbox_url: str, tmp_path: Path) -> AsyncIterator[World]:
    number = await provision(provider_server.url)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        httpx.AsyncClient(base_url=sandbox_url, timeout=10) as sandbox,
        httpx.AsyncClient(base_url=provider_server.url, headers=headers, timeout=10) as api,
    ):
        yield World(sandbox, api, number, tmp_path)


def screen_text(app: SmsConsoleApp) -> str:
    """Everything on the screen as it would be written to the terminal (text, no styles)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def assert_terminal_safe(app: SmsConsoleApp) -> str:
    assert app.is_running, "the console stopped"
    shown = screen_text(app)
    shown.encode("utf-8")  # a lone surrogate would make the terminal write raise
    bad = [ch for ch in shown if ch in BIDI or unicodedata.category(ch) in ("Cc", "Cs")]
    assert set(bad) <= {"\n"}, f"control characters reached the screen: {bad[:5]!r}"
    return shown


def toasts(app: SmsConsoleApp) -> list[str]:
    return [toast.render().plain for toast in app.screen.query(Toast)]


async def send_json(
    client: httpx.AsyncClient, method: str, url: str, body: dict[str, Any]
) -> httpx.Response:
    # json.dumps escapes a lone surrogate as the wire allows ("\\ud800"); httpx would raise.
    content = json.dumps(body)
    headers = {"Content-Type": "application/json"}
    return await client.request(method, url, content=content, headers=headers)


def squeeze(text: str) -> str:
    return "".join(text.split())


async def push(pilot: Any, app: SmsConsoleApp, world: World, hostile: str) -> None:
    n = next(SERIAL)
    remote = f"+1415555{n:04d}"
    tag = f"zq{n}"
    name = f"{tag} {hostile}"
    # The server refuses a callback with a lone surrogate (it could not store it), so only a
    # name can carry one this far; the text and the send carry the rest of the hostile text.
    wire = "".join("\ufffd" if 0xD800 <= ord(ch) < 0xE000 else ch for ch in hostile)
    text = f"{tag} {wire}"
    conversation_id = conversation_for(world.number, remote)

    # The contact's name, set by someone else (another console, a script).
    named = await send_json(world.api, "PUT", f"/api/contacts/{remote}", {"name": name})
    if not named.is_success:
        name = ""  # refused by the server (a lone surrogate): nothing to show
    else:
        name = name.strip()  # as the server keeps it
        await until(pilot, lambda: app.inbox.name_of(remote) == name)

    # An inbound text: the list preview, the toast.
    arrived = await send_json(
        world.sandbox,
        "POST",
        "/sandbox/inbound/messages",
        {"from": remote, "to": world.number, "text": text},
    )
    if not arrived.is_success:
        assert_terminal_safe(app)
        return
    await until(pilot, lambda: conversation_id in app.inbox.conversations)
    await pilot.pause()
    assert_terminal_safe(app)
    listing = app.inbox_screen.query_one(ConversationList)
    row = listing.row_text(conversation_id)
    assert tag in row
    assert clean(name or "", lines=False)[:20] in row
    toast_words = squeeze(clean(text, limit=200))[:30]
    await until(pilot, lambda: any(toast_words in squeeze(toast) for toast in toasts(app)))
    assert_terminal_safe(app)

    # The bubble and the thread's title.
    app.inbox_screen.open(conversation_id)
    view = app.inbox_screen.query_one(ThreadView)
    await until(pilot, lambda: view.conversation_id == conversation_id and view.message_ids)
    await pilot.pause()
    assert_terminal_safe(app)
    [message] = [m for m in view._messages if m.text == text]
    body = "".join(row.text for row in lay_out(message, 60).rows if row.kind == "body")
    assert squeeze(body) == squeeze(clean(text))
    if name:
        title = app.inbox_screen.query_one("#thread-title", Label).render().plain
        assert clean(name, lines=False) in title

    # The provider's error words: a send it refuses echoes the "media URL" back.
    conversation = app.inbox.conversations[conversation_id]
    app.send(conversation.our_number, remote, text, (f"not-a-url {wire}",))
    # (A text over the length limit is refused before it is stored: a toast, no bubble.)
    await until(pilot, lambda: any("Not sent" in toast for toast in toasts(app)))
    await pilot.pause()
    assert_terminal_safe(app)

    # A call from the named contact: the dialog, the call bar, the toast.
    rang = await world.sandbox.post(
        "/sandbox/inbound/calls", json={"from": remote, "to": world.number}
    )
    assert rang.status_code == 201, rang.text
    await until(pilot, lambda: isinstance(app.screen, IncomingCall))
    await pilot.pause()
    assert_terminal_safe(app)
    if name:
        caller = app.screen.query_one("#caller", Label).render().plain
        assert caller == clean(name, lines=False)
    await pilot.press("escape")
    await until(pilot, lambda: not isinstance(app.screen, IncomingCall))
    bar = app.inbox_screen.query_one("#call-bar", Static)
    await until(pilot, lambda: bool(bar.display))
    await pilot.pause()
    assert_terminal_safe(app)
    if name:
        assert clean(name, lines=False)[:20] in bar.render().plain
    app.action_reject()  # so the next call rings afresh (the composer has the keys)
    await until(pilot, lambda: app.active_call is None)

    # Search hits in the command palette.
    app.action_command_palette()
    await until(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*tag)
    options = app.screen.query_one(OptionList)

    def hit_shown() -> bool:
        prompts = [options.get_option_at_index(i).prompt for i in range(options.option_count)]
        return any(tag in getattr(p, "plain", str(p)) for p in prompts)

    await until(pilot, hit_shown)
    await pilot.pause()
    assert_terminal_safe(app)
    if name:
        prompts = [options.get_option_at_index(i).prompt for i in range(options.option_count)]
        assert any(clean(name, lines=False) in getattr(p, "plain", "") for p in prompts)
    await pilot.press("escape")
    await until(pilot, lambda: not isinstance(app.screen, CommandPalette))
    assert_terminal_safe(app)


@settings(
    max_examples=3,
    deadline=None,
    # An example takes seconds (a console session, a call, a search): shrinking one would
    # take minutes, and the failing texts are printed whole anyway.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(texts=st.lists(hostile_text(), min_size=3, max_size=4))
@example(
    texts=["[/]", "[link=file:///etc/passwd]x \x1b]0;title\x07", "\u202e\ud800" + "w" * 10_000]
)
async def test_hostile_text_is_shown_plain_everywhere(world: World, texts: list[str]) -> None:
    app = console_app(world.api.base_url.__str__().rstrip("/"), world.tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: app.status.state == "connected" and app.live)
        for hostile in texts:
            await push(pilot, app, world, hostile)
        assert app.is_running
