"""Texts that arrive together are told as one toast, clear of the composer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets._toast import Toast, ToastRack

from console_helpers import console_app, rows, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.notify import News

PEOPLE = ["+14155550123", "+12125550199", "+13125550142", "+16175550111", "+12065550177"]


def test_news_counts_texts_and_people_until_its_toast_is_gone() -> None:
    news = News(window=5)
    news.add("Alice", "hi", now=0)
    assert news.summary() == ("Text from Alice", "hi")
    news.add("Alice", "are you there?", now=1)
    assert news.summary() == ("2 new messages from Alice", "are you there?")
    for n, who in enumerate(["Bob", "Carol", "Dan", "Eve"], start=2):
        news.add(who, "x", now=n)
    assert news.summary() == ("6 new messages from 5 people", "Eve, Dan, Carol and 2 more")
    news.add("Bob", "later", now=20)  # the toast is gone: counted afresh
    assert news.summary() == ("Text from Bob", "later")


def toasts(app: SmsConsoleApp) -> list[str]:
    return [f"{toast.title}: {toast.message}" for toast in app._notifications]


async def test_a_flood_of_texts_makes_one_toast_off_the_composer(
    server: Any, inbound_sms: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    await server.callback(inbound_sms(1, text="first", remote=PEOPLE[0]))
    app = console_app(server.url, tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: len(rows(app)) == 1 and app.live)
        await pilot.press("enter")  # a conversation open: its composer shown at the bottom
        await pilot.pause()
        await asyncio.gather(
            *(
                server.callback(inbound_sms(n, text=f"text {n}", remote=PEOPLE[n % 5]))
                for n in range(2, 14)
            )
        )
        await until(pilot, lambda: len(rows(app)) == 5)
        await until(pilot, lambda: any("new messages" in t for t in toasts(app)))
        await pilot.pause(0.5)  # whatever else would have been shown by now
        # the open conversation's texts are being read: they are not news
        [toast] = toasts(app)
        assert toast.startswith("10 new messages from 4 people: ")
        rack = app.screen.get_child_by_type(ToastRack)
        await until(pilot, lambda: len(rack.query(Toast)) == 1)
        [shown] = rack.query(Toast)
        composer = app.inbox_screen.query_one("#composer")
        assert shown.region.bottom <= composer.region.y  # above the composer, not over it
