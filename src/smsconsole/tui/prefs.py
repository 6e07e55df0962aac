"""The console's own preferences, kept in a small JSON file: notification switches, muted
conversations, and the number new conversations are sent from."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import msgspec

log = logging.getLogger(__name__)


class Prefs(msgspec.Struct, kw_only=True):
    """What the operator chose, remembered across runs."""

    notifications: bool = True
    muted: list[str] = msgspec.field(default_factory=list)
    default_from: str | None = None


def load(path: Path | None) -> Prefs:
    """Read the preferences (defaults when there is no file or it cannot be read)."""
    if path is None or not path.exists():
        return Prefs()
    try:
        return msgspec.json.decode(path.read_bytes(), type=Prefs)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as error:
        log.warning("ignoring unreadable preferences %s: %s", path, error)
        return Prefs()


def save(path: Path | None, prefs: Prefs) -> None:
    """Write the preferences (atomically; nothing when there is no path)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(msgspec.to_builtins(prefs), indent=2), encoding="utf-8")
    temporary.replace(path)
