"""Choosing a file to attach: completing its path as it is typed, and saying plainly what is
wrong with it (missing, a folder, unreadable, too big for MMS) before anything is uploaded."""

from __future__ import annotations

import os
from pathlib import Path

from textual.suggester import Suggester

from smsconsole.tui.client import MAX_MEDIA_BYTES

MAX_LISTED = 6  # the matching names the dialog lists under the box


def matches(typed: str) -> tuple[str, list[str]]:
    """The folder ``typed`` is in (as typed) and its entries that start with the rest.

    ``~/Pic`` answers ``("~/", ["Pictures/"])``: folders end with ``/``, hidden entries are
    listed only when the rest starts with a dot.
    """
    folder, _, start = typed.rpartition("/")
    folder = f"{folder}/" if _ else ""
    where = Path(folder or ".").expanduser()
    try:
        entries = sorted(os.scandir(where), key=lambda entry: entry.name)
    except OSError:
        return folder, []
    found = []
    for entry in entries:
        if entry.name.startswith(start) and (
            start.startswith(".") or not entry.name.startswith(".")
        ):
            try:
                found.append(entry.name + ("/" if entry.is_dir() else ""))
            except OSError:
                continue
    return folder, found


def completion(typed: str) -> str | None:
    """``typed`` completed as far as it is unambiguous, or None when nothing can be added."""
    if not typed:
        return None
    folder, found = matches(typed)
    if not found:
        return None
    completed = folder + _shared_start(found)
    return completed if len(completed) > len(typed) else None


def _shared_start(names: list[str]) -> str:
    """The characters every name starts with (a string prefix, not a path's folders)."""
    first, last = min(names), max(names)
    size = 0
    while size < len(first) and first[size] == last[size]:
        size += 1
    return first[:size]


class PathSuggester(Suggester):
    """Offers the rest of a path (accepted with tab or →), as a shell completes it."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return completion(value)


def problem(typed: str) -> str | None:
    """What is wrong with attaching the file at ``typed``, in words; None when it can go."""
    if not typed.strip():
        return "Type the path of the file to attach (tab completes)."
    path = Path(typed).expanduser()
    try:
        if not path.exists():
            return f"No such file: {path}. Check the name (tab completes)."
        if path.is_dir():
            return f"{path} is a folder: type the name of a file in it (tab completes)."
        size = path.stat().st_size
    except OSError as error:
        return f"Cannot look at {path}: {error.strerror or error}."
    if not os.access(path, os.R_OK):
        return f"Cannot read {path}: permission denied."
    if size == 0:
        return f"{path.name} is empty (0 bytes): nothing to send."
    if size > MAX_MEDIA_BYTES:
        return (
            f"{path.name} is too big: {size:,} bytes, and an MMS carries at most "
            f"{MAX_MEDIA_BYTES:,} bytes (1.5 MB). Choose a smaller file."
        )
    return None
