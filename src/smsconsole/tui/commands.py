"""Command-palette providers: every console action, and search over all messages."""

from __future__ import annotations

import re
from collections.abc import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from smsconsole.tui.client import ConsoleError
from smsconsole.tui.plain import clean
from smsconsole.tui.screens.inbox import InboxScreen

ACTIONS: list[tuple[str, str, str]] = [
    ("New conversation", "new_conversation", "Text any number from one of yours"),
    ("Next unread conversation", "next_unread", "Jump to the next conversation with unread texts"),
    ("Call log", "calls", "Calls with their states and durations"),
    ("Name this contact", "name_contact", "Give the open conversation's number a name"),
    ("Mute this conversation", "mute", "No bell or notification for it (toggle)"),
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
    """Every console action by name."""

    def _runner(self, action: str) -> Callable[[], object]:
        return lambda: self.app.run_action(action)

    async def discover(self) -> Hits:
        for name, action, help_text in ACTIONS:
            if self.app.check_action(action, ()):
                yield DiscoveryHit(name, self._runner(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in ACTIONS:
            if not self.app.check_action(action, ()):
                continue
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), self._runner(action), help=help_text)


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
            snippet = clean(hit.snippet)

            def reveal(
                conversation: str = message.conversation_id, found: str = message.id
            ) -> None:
                inbox.reveal(conversation, found)

            yield Hit(
                1.0 - rank / 100,
                Content.assemble(f"🔎 {clean(who)}: ", highlighted(snippet, query)),
                reveal,
                text=f"{clean(who)} {highlighted(snippet, query).plain}",
                help="Open in its conversation",
            )


# The server marks each matched word of a search snippet as ``[word]`` (FTS5's snippet()).
# A text may hold brackets of its own, so only a bracketed word the query asked for is a mark.
_BRACKETED = re.compile(r"\[([^\[\]]*)\]")
_WORD = re.compile(r"\w+")


def highlighted(snippet: str, query: str) -> Content:
    """A search snippet with the words ``query`` matched in bold, the rest as plain text."""
    terms = [term.casefold() for term in _WORD.findall(query)]

    def asked(word: str) -> bool:
        folded = word.casefold()
        return bool(folded) and any(folded.startswith(term) for term in terms)

    parts: list[str | tuple[str, str]] = []
    at = 0
    for found in _BRACKETED.finditer(snippet):
        if asked(found.group(1)):
            parts += [snippet[at : found.start()], (found.group(1), "bold reverse")]
            at = found.end()
    parts.append(snippet[at:])
    return Content.assemble(*parts)
