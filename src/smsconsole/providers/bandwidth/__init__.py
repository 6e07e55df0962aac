"""Bandwidth's current API (Messaging v2, Voice v2, Numbers): wire format and parsing.

Everything that knows the v2 field names lives in this package, beside
``providers/catapult/`` for Catapult v1 (see ``docs/bandwidth-v2.md``). Today it holds the
pure parsers of Messaging v2 and Voice v2 callbacks and ``parser.BandwidthCallbacks``, the
callback parser (with its BXML answers) the factory gives a server on a v2 account.
"""

from __future__ import annotations
