"""What every screen is given: names, refusals over SSH, and when the console rings."""

from __future__ import annotations

from pathlib import Path

from textual.notifications import SeverityLevel

from smsconsole.tui.client import ConsoleClient
from smsconsole.tui.context import ConsoleContext
from smsconsole.tui.prefs import Prefs
from smsconsole.tui.state import Inbox


class Terminal:
    """A shell that keeps what it was asked to show."""

    def __init__(self) -> None:
        self.toasts: list[tuple[str, str, SeverityLevel]] = []
        self.rings: list[tuple[str, str]] = []

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
    ) -> None:
        self.toasts.append((title, message, severity))

    def ring(self, title: str, body: str) -> None:
        self.rings.append((title, body))


def context(tmp_path: Path, *, restricted: bool = False) -> tuple[ConsoleContext, Terminal]:
    shell = Terminal()
    client = ConsoleClient("http://127.0.0.1:9", "token")  # never called
    prefs_path = tmp_path / "console.json"
    made = ConsoleContext(client, Inbox(), Prefs(), prefs_path, "US", restricted, "test", shell)
    return made, shell


async def test_a_number_is_shown_by_its_contact_name_else_formatted(tmp_path: Path) -> None:
    console, _ = context(tmp_path)
    console.inbox.contacts["+14155550123"] = "Ada"
    assert console.who("+14155550123") == "Ada"
    assert console.who("+19195550187") == "(919) 555-0187"
    await console.client.aclose()


async def test_alerts_ring_unless_off_or_muted(tmp_path: Path) -> None:
    console, shell = context(tmp_path)
    console.alert("c1", "Text from Ada", "hello")
    assert shell.rings == [("Text from Ada", "hello")]
    assert shell.toasts == [("Text from Ada", "hello", "information")]
    console.prefs.muted.append("c1")
    console.alert("c1", "Text from Ada", "again")
    console.prefs.notifications = False
    console.alert("c2", "Text from Bob", "hi")
    assert len(shell.rings) == len(shell.toasts) == 1
    await console.client.aclose()


async def test_restricted_refuses_and_says_so(tmp_path: Path) -> None:
    open_console, open_shell = context(tmp_path)
    assert not open_console.refused("opening links.")
    assert open_shell.toasts == []
    ssh_console, ssh_shell = context(tmp_path, restricted=True)
    assert ssh_console.refused("opening links.")
    assert ssh_shell.toasts == [("", "Not available over SSH: opening links.", "warning")]
    open_console.save_prefs()
    assert (tmp_path / "console.json").exists()
    await open_console.client.aclose()
    await ssh_console.client.aclose()
