"""Keys a text box types: the one-character bindings that must not run while one has focus.

While the composer, the filter or a dialog's field has the focus, a binding on a printable
key (``n``, ``/``, ``e``) would take a character of the text: such bindings are neither
offered in the footer nor run there (issue 13). Derived from the bindings themselves, so a
new letter key is covered without a list to keep.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, TextArea


def typed_actions(bindings: Iterable[BindingType]) -> frozenset[str]:
    """The actions of ``bindings`` whose every key is one printable character."""
    return frozenset(
        binding.action
        for binding in bindings
        if isinstance(binding, Binding)
        and all(len(key) == 1 and key.isprintable() for key in binding.key.split(","))
    )


def in_text_box(widget: Widget | None) -> bool:
    """Whether ``widget`` is a box that types what is pressed."""
    return isinstance(widget, Input | TextArea)
