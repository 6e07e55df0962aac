"""Command-palette providers: every console action, and search over all messages."""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode

from smsconsole.core.records import MATCH_END, MATCH_START
from smsconsole.tui.client import ConsoleError
from smsconsole.tui.plain import clean
from smsconsole.tui.screens.inbox import InboxScreen

ACTIONS: list[tuple[str, str, str]] = [
    ("New conversation", "new_conversation", "Text any number from one of yours"),
    ("Next unread conversation", "next_unread", "Jump to the next conversation with unread texts"),
    ("Call log", "calls", "Calls with their states and durations"),
    ("Name this contact", "name_contact", "Give the open conversation's number a name"),
    ("Mute this conversation", "mute", "No bell or notification for it (toggle)"),
    ("Archive this conversation", "archive", "Out of the list until it is texted again (e)"),
    ("Mark all read", "mark_all_read", "Clear every unread count, on every console (R)"),
    ("Notifications on/off", "toggle_notifications", "Bell and desktop notifications for all"),
    ("Compose in $EDITOR", "compose_in_editor", "Write the message in your editor"),
    ("Attach a file (MMS)", "attach", "Upload a file and send it with the message"),
    ("Answer the call", "answer", "Answer the ringing call"),
    ("Reject the call", "reject", "Reject the ringing call"),
    ("Speak to the caller", "speak", "Text to speech into the call"),
    ("Transfer the call", "transfer", "Send the call to another number (your phone)"),
    ("Hang up", "hang_up", "End the call"),
    ("Call this contact", "place_call", "Ring your phone then connect, or speak a message (C)"),
    ("About", "about", "The server; in the demo, the sandbox URL and curl lines (i)"),
    ("Phone numbers", "numbers", "Your numbers; search, order, assign and release (p)"),
    ("Applications", "applications", "Where texts and calls to your numbers go (A)"),
    ("Set up a number", "setup_wizard", "Application, number, assignment, callbacks (W)"),
    ("Keys", "help", "Show the key bindings"),
]


class ConsoleCommands(Provider):
    """Every console action by name: the screen's own first, then the console's."""

    def _screen_actions(self) -> list[tuple[str, Callable[[], object], str]]:
        """The actions of the screen under the palette: its bindings that carry a tooltip.

        The tooltip names the action (``Release the number under the cursor``); the help
        says its key. Only actions the screen allows now are offered.
        """
        screen = self.screen
        found = []
        for binding in screen.BINDINGS:
            if not isinstance(binding, Binding) or not binding.tooltip:
                continue
            action = binding.action
            if not screen.check_action(action, ()):
                continue
            key = self.app.get_key_display(binding)
            found.append((binding.tooltip, self._runner(action, screen), f"key: {key}"))
        return found

    def _console_actions(self) -> list[tuple[str, Callable[[], object], str]]:
        return [
            (name, self._runner(action), help_text)
            for name, action, help_text in ACTIONS
            if self.app.check_action(action, ())
        ]

    def _runner(self, action: str, namespace: DOMNode | None = None) -> Callable[[], object]:
        return lambda: self.app.run_action(action, namespace)

    async def discover(self) -> Hits:
        for name, run, help_text in self._screen_actions() + self._console_actions():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, run, help_text in self._screen_actions() + self._console_actions():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)


class MessageSearch(Provider):
    """Full-text search over every message; choosing a hit opens it in its thread."""

    async def search(self, query: str) -> Hits:
        inbox = next((s for s in self.app.screen_stack if isinstance(s, InboxScreen)), None)
        if inbox is None or len(query.strip()) < 2:
            return
        try:
            hits = await inbox.console.client.search(query, limit=20)
        except ConsoleError:
            return
        for rank, hit in enumerate(hits):
            message = hit.message
            other = message.from_ if message.direction == "in" else message.to
            who = inbox.console.who(other)
            snippet = highlighted(hit.snippet)

            def reveal(
                conversation: str = message.conversation_id, found: str = message.id
            ) -> None:
                inbox.reveal(conversation, found)

            yield Hit(
                1.0 - rank / 100,
                Content.assemble(f"🔎 {clean(who)}: ", snippet),
                reveal,
                text=f"{clean(who)} {snippet.plain}",
                help="Open in its conversation",
            )


def highlighted(snippet: str) -> Content:
    """A search snippet with its matched words (between ``MATCH_START`` and ``MATCH_END``)
    reversed and bold, every piece cleaned and shown as plain text, never as markup."""
    parts: list[str | tuple[str, str]] = []
    for index, piece in enumerate(snippet.split(MATCH_START)):
        word, end, rest = piece.partition(MATCH_END)
        if index == 0 or not end:  # before the first mark, or a start with no end
            parts.append(clean(piece.replace(MATCH_END, "")))
            continue
        parts += [(clean(word), "bold reverse"), clean(rest.replace(MATCH_END, ""))]
    return Content.assemble(*parts)
