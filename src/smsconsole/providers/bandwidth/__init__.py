"""Bandwidth's current API (Messaging v2, Voice v2, Numbers): wire format and parsing.

Everything that knows the v2 field names lives in this package, beside
``providers/catapult/`` for Catapult v1 (see ``docs/bandwidth-v2.md``). Today it holds only
the pure parser of Messaging v2 callbacks; nothing outside this package imports it yet.
"""

from __future__ import annotations
