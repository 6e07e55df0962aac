"""smsconsole: a terminal console for a Bandwidth Catapult v1 account."""

from __future__ import annotations

__version__ = "0.1.0"
