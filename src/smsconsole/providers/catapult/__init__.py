"""Bandwidth Catapult v1: the wire format, an async client and callback parsing.

Everything that knows Catapult's field names, status codes and quirks lives in this package,
so another provider can later sit beside it.
"""

from __future__ import annotations
