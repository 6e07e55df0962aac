"""The bottom status line: connection, unread total, calls."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from smsconsole.tui.plain import plain


class StatusBar(Static):
    """Connection state (connected, reconnecting, offline), unread count, the server."""

    state: reactive[str] = reactive("connecting")
    detail: reactive[str] = reactive("")
    unread: reactive[int] = reactive(0)
    server: reactive[str] = reactive("")
    muted: reactive[bool] = reactive(False)

    retry_in: reactive[float | None] = reactive(None)
    ringing: reactive[str] = reactive("")
    """Who is calling, while a call rings (empty otherwise)."""

    def render(self) -> Content:
        # What matters most comes first, so a narrow terminal cuts only the details.
        icons = {"connected": "●", "connecting": "◌", "reconnecting": "◌", "offline": "✗"}
        words = f"{icons.get(self.state, '?')} {self.state}"
        if self.retry_in and self.state != "connected":
            words += f", retrying in {self.retry_in:g}s"
        parts = [words, f"{self.unread} unread"]
        if self.ringing:
            parts.insert(0, f"📞 {self.ringing} calling")
        if self.muted:
            parts.append("🔕 notifications off")
        if self.server:
            parts.append(self.server)
        if self.detail and self.state != "connected":
            parts.append(self.detail)
        # The detail is an error's words ("[Errno 111] ..."): shown, never parsed as markup.
        return plain("  │  ".join(parts))

    def watch_state(self, state: str) -> None:
        for name in ("connected", "connecting", "reconnecting", "offline"):
            self.set_class(state == name, f"-{name}")
