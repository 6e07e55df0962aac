"""Tests hand the server a Catapult client of their own; the server takes a Provider."""

from __future__ import annotations

from smsconsole.providers.base import Provider
from smsconsole.providers.catapult.adapter import CatapultProvider
from smsconsole.providers.catapult.client import CatapultClient


def as_provider(provider: CatapultClient | Provider | None) -> Provider | None:
    """``provider`` behind the Provider protocol; a test's client stays the test's to close."""
    if isinstance(provider, CatapultClient):
        return CatapultProvider(provider, owned=False)
    return provider
