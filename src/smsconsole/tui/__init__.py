"""The Textual console: a client of the server's websocket feed and ``/api``."""

from __future__ import annotations
