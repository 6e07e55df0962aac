"""The callback server: ingest provider callbacks, keep them, feed consoles, act for them."""

from __future__ import annotations
