"""The console's own keys, grouped (conversations, composer, calls, numbers), on one screen
that fits 80x24.

The keys are read from the bindings themselves, so a remapped or renamed key shows as it is;
a binding the groups do not name is listed under "Anywhere" with its own description.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from smsconsole.tui.screens.inbox import InboxScreen
from smsconsole.tui.screens.numbers import NumbersScreen
from smsconsole.tui.widgets.composer import Composer
from smsconsole.tui.widgets.conversation_list import ConversationList

Entry = tuple[str, str]
"""A binding's id and what it does in words; or, for a key that is no binding, the key."""

# Keys that are not bindings of ours (the list's cursor, the composer's own keys) are
# written out: their first element holds a space or starts with "=", never a binding id.
GROUPS: tuple[tuple[str, tuple[Entry, ...]], ...] = (
    (
        "Conversations",
        (
            ("=↑ ↓ j k", "move"),
            ("list.open", "open"),
            ("inbox.filter", "filter"),
            ("app.new_conversation", "new"),
            ("app.next_unread", "next unread"),
            ("app.name_contact", "name contact"),
            ("app.mute", "mute it"),
            ("inbox.jump_end", "newest"),
            ("inbox.archive", "archive it"),
            ("inbox.mark_all_read", "mark all read"),
            ("app.notifications", "notifications"),
        ),
    ),
    (
        "Composer",
        (
            ("=enter", "send"),
            ("=ctrl+j", "new line"),
            ("=alt+enter", "new line"),
            ("composer.editor", "in $EDITOR"),
            ("composer.attach", "attach file"),
            ("composer.remove", "unattach last"),
            ("inbox.focus_list", "to the list"),
        ),
    ),
    (
        "Calls",
        (
            ("app.answer", "answer"),
            ("app.reject", "reject"),
            ("app.speak", "speak"),
            ("app.transfer", "transfer"),
            ("app.hang_up", "hang up"),
            ("app.place_call", "call them"),
            ("app.calls", "call log"),
        ),
    ),
    (
        "Numbers",
        (
            ("app.numbers", "numbers"),
            ("numbers.choose", "choose"),
            ("numbers.order", "order"),
            ("numbers.order_quantity", "buy several"),
            ("numbers.assign", "application"),
            ("numbers.release", "release"),
            ("app.applications", "applications"),
            ("app.setup_wizard", "setup wizard"),
        ),
    ),
    (
        "Anywhere",
        (
            ("=ctrl+p", "commands"),
            ("app.help", "these keys"),
            ("app.keys", "these keys"),
            ("app.about", "about"),
            ("app.quit", "quit"),
        ),
    ),
)
COLUMNS: tuple[tuple[str, ...], ...] = (
    ("Conversations",),
    ("Composer", "Calls"),
    ("Numbers", "Anywhere"),
)
KEY_NAMES = {"escape": "esc", "delete": "del", "space": "space", "pagedown": "pgdn"}


@dataclass(frozen=True)
class KeyGroup:
    """One group of the help: its title and (keys, words) rows."""

    title: str
    rows: tuple[tuple[str, str], ...]


def key_words(binding: Binding) -> str:
    """A binding's keys as the operator types them: ``esc c``, ``ctrl+o``."""
    return " ".join(KEY_NAMES.get(key, key) for key in binding.key.split(","))


def console_keys(app_bindings: Iterable[BindingType]) -> list[KeyGroup]:
    """The console's keys in groups, from the app's bindings and its screens' and widgets'."""
    bindings: dict[str, Binding] = {}
    sources = (app_bindings, InboxScreen.BINDINGS, Composer.BINDINGS, ConversationList.BINDINGS)
    for source in (*sources, NumbersScreen.BINDINGS):
        for binding in source:
            if isinstance(binding, Binding) and binding.id:
                bindings[binding.id] = binding
    named = {entry for _, entries in GROUPS for entry, _ in entries}
    groups = []
    for title, entries in GROUPS:
        rows = []
        for entry, words in entries:
            if entry.startswith("="):
                rows.append((entry[1:], words))
            elif entry in bindings:
                rows.append((key_words(bindings[entry]), words))
        if title == "Anywhere":  # what the groups do not name yet (a new key of the app's)
            rows += [
                (key_words(binding), binding.description)
                for binding in (b for b in app_bindings if isinstance(b, Binding))
                if binding.id and binding.id not in named and binding.description
            ]
        groups.append(KeyGroup(title, tuple(_merged(rows))))
    return groups


def _merged(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Next rows that do the same on one row (``? f1  these keys``), while the keys are short."""
    merged: list[tuple[str, str]] = []
    for keys, words in rows:
        if merged and merged[-1][1] == words and len(merged[-1][0]) + len(keys) < 8:
            merged[-1] = (f"{merged[-1][0]} {keys}", words)
        else:
            merged.append((keys, words))
    return merged


def group_content(group: KeyGroup) -> Content:
    """A group as lines: its title, then each key padded and what it does."""
    width = max((len(keys) for keys, _ in group.rows), default=0)
    lines = [Content.styled(group.title, "bold $accent")]
    lines += [
        Content.assemble((keys.ljust(width), "bold"), "  ", words) for keys, words in group.rows
    ]
    return Content("\n").join(lines)


class KeysHelp(ModalScreen[None]):
    """The console's keys, grouped; any of escape, ? or q closes it.

    Args:
        groups: What to show (``console_keys``).
    """

    BINDINGS = [Binding("escape,question_mark,q,f1", "dismiss", "Close", id="help.close")]

    def __init__(self, groups: Sequence[KeyGroup]) -> None:
        super().__init__(classes="dialog", id="keys-help")
        self.groups = {group.title: group for group in groups}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="keys-box"):
            yield Label("Keys", classes="dialog-title")
            with Horizontal(id="keys-columns"):
                for column in COLUMNS:
                    parts = [group_content(self.groups[t]) for t in column if t in self.groups]
                    yield Static(Content("\n\n").join(parts), classes="keys-column")
            yield Label(
                "In a text box, letters are typed: esc first, or f1.    esc or q: close",
                classes="dialog-hint",
            )
