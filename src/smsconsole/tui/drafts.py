"""What the operator had written in each conversation and not yet sent, kept across runs.

One small JSON file beside the preferences (``drafts.json``), written atomically. A restricted
console (over SSH) writes no file but its prefs, so it is given no path: its drafts last as
long as the session.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import msgspec

log = logging.getLogger(__name__)

FILE_NAME = "drafts.json"


class Draft(msgspec.Struct, kw_only=True):
    """One conversation's unsent text and the attachments already uploaded for it."""

    text: str = ""
    media: list[str] = msgspec.field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing written and nothing attached."""
        return not self.text and not self.media


def path_beside(prefs_path: Path | None) -> Path | None:
    """Where the drafts are kept for a console whose preferences are at ``prefs_path``."""
    return None if prefs_path is None else prefs_path.with_name(FILE_NAME)


def load(path: Path | None) -> dict[str, Draft]:
    """The drafts by conversation id (none when there is no file or it cannot be read)."""
    if path is None or not path.exists():
        return {}
    try:
        return msgspec.json.decode(path.read_bytes(), type=dict[str, Draft])
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as error:
        log.warning("ignoring unreadable drafts %s: %s", path, error)
        return {}


def save(path: Path | None, drafts: dict[str, Draft]) -> None:
    """Write the drafts that hold something (atomically; nothing when there is no path)."""
    if path is None:
        return
    kept = {cid: msgspec.to_builtins(draft) for cid, draft in drafts.items() if not draft.empty}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(kept, indent=2, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)
    except OSError as error:  # a full disk must not take the composer down
        log.warning("could not save drafts %s: %s", path, error)
