"""The footer: the keys that work where the focus is, in one line drawn by one widget.

Textual's ``Footer`` composes a widget per key and composes them all again on every
"bindings changed" signal — each focus change, and each keystroke in the composer (its
counter asks for the bindings to be checked again). Mounting and styling a dozen widgets
took 15-30 ms a time: opening a conversation paid it two or three times (bench/tui.py). This
footer draws the same line itself, and only when what it shows changed.

A key is pressed by clicking it, as in Textual's footer; the command palette's key sits at
the right end.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from textual import events
from textual.app import RenderResult
from textual.content import Content
from textual.widget import Widget


class Shown(NamedTuple):
    """A key as the footer shows it."""

    key: str
    display: str
    description: str
    enabled: bool


class KeyFooter(Widget, can_focus=False):
    """One line of the keys active on this screen: key, then what it does."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--disabled",
        "key-footer--separator",
    }

    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyFooter > .key-footer--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyFooter > .key-footer--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    KeyFooter > .key-footer--disabled {
        text-style: dim;
    }
    KeyFooter > .key-footer--separator {
        color: $foreground 20%;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.keys: tuple[Shown, ...] = ()
        self.palette: Shown | None = None
        self._spans: list[tuple[int, int, Shown]] = []  # (start, end, key) as last drawn

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: object) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        keys, palette = self._active()
        if (keys, palette) != (self.keys, self.palette):
            self.keys, self.palette = keys, palette
            self.refresh()  # one line of a fixed size: a repaint, never a layout

    def _active(self) -> tuple[tuple[Shown, ...], Shown | None]:
        """The keys to show (one per action, first binding wins) and the palette's key."""
        app = self.app
        active = self.screen.active_bindings
        keys: list[Shown] = []
        actions: set[str] = set()
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                shown = Shown(
                    binding.key, app.get_key_display(binding), binding.description, enabled
                )
                keys.append(shown)
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = Shown(binding.key, app.get_key_display(binding), binding.description, enabled)
        return tuple(keys), palette

    def render(self) -> RenderResult:
        width = self.size.width
        # The palette's key at the right end first; then as many keys as fit before it.
        right: list[Content] = []
        if self.palette is not None:
            separator = Content.styled("▏", self.get_visual_style("key-footer--separator"))
            right = [separator, self._piece(self.palette)]
        room = width - sum(part.cell_length for part in right)
        parts: list[Content] = []
        self._spans = []
        x = 0
        for shown in self.keys:
            piece = self._piece(shown)
            if x + piece.cell_length > room:
                break
            parts.append(piece)
            self._spans.append((x, x + piece.cell_length, shown))
            x += piece.cell_length
        if self.palette is not None and room >= x:
            parts.append(Content(" " * (room - x)))
            parts += right
            self._spans.append((room + 1, width, self.palette))
        return Content.assemble(*parts)

    def _piece(self, shown: Shown) -> Content:
        key = self.get_visual_style("key-footer--key")
        description = self.get_visual_style("key-footer--description")
        if not shown.enabled:
            dim = self.get_visual_style("key-footer--disabled")
            key, description = key + dim, description + dim
        words = f"{shown.description} " if shown.description else ""
        return Content.assemble((f" {shown.display} ", key), (words, description))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for start, end, shown in self._spans:
            if start <= event.x < end:
                event.stop()
                if shown.enabled:
                    self.app.simulate_key(shown.key)
                else:
                    self.app.bell()
                return
