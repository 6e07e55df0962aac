"""Growing a Line-API view's scrollable area without laying the screen out again.

``Widget.virtual_size`` is a layout reactive: every new row or message set it, and every set
laid out the whole screen (header, panes, footer) — under a stream of texts that was most of
the console's time and held key presses back. A ``ScrollView`` keeps its own virtual size
through layouts, so the layout only matters when a scrollbar appears or goes (or the width
changes).
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Make ``size`` the scrollable area of ``view``; repaint it, lay out only if needed."""
    if size == view.virtual_size:
        return
    height = view.container_size.height
    old = view.virtual_size
    scrollbar_may_change = (old.height > height) != (size.height > height)
    if view.styles.overflow_y == "scroll":
        scrollbar_may_change = False  # it is always there
    if not height or scrollbar_may_change or old.width != size.width:
        # Not laid out yet, or a scrollbar may appear or go: a layout it is.
        view.virtual_size = size
        return
    view.set_reactive(Widget.virtual_size, size)
    view._scroll_update(size)  # the scrollbar's thumb, and the offset kept in range
    view.refresh()
