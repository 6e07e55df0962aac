"""Bandwidth Catapult v1: the wire format, an async client and callback parsing.

Everything that knows Catapult's field names, status codes and quirks lives in this package,
so another provider can later sit beside it. ``adapter.py`` puts it behind the
:class:`~smsconsole.providers.base.Provider` protocol; outside this package only
:mod:`smsconsole.providers.factory` imports it (and the sandbox, which simulates v1, its
``quirks``).
"""

from __future__ import annotations
