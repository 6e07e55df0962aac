"""Opening the provider the configuration names (``provider.api``).

The one module outside a provider's package that knows the packages: everything else asks
for a :class:`~smsconsole.providers.base.Provider` here and speaks only the protocol.
"""

from __future__ import annotations

from typing import Final

from smsconsole.providers.bandwidth.parser import BandwidthCallbacks
from smsconsole.providers.bandwidth.provider import BandwidthProvider
from smsconsole.providers.base import CallbackParser, Patience, Provider
from smsconsole.providers.catapult.adapter import CatapultCallbacks, CatapultProvider
from smsconsole.settings.config import ConfigError, Settings

CATAPULT_V1: Final = "catapult-v1"
BANDWIDTH_V2: Final = "bandwidth-v2"
APIS: Final = (CATAPULT_V1, BANDWIDTH_V2)


def open_provider(settings: Settings, *, patience: Patience | None = None) -> Provider:
    """The configured account's provider, with its own connections (close it with ``aclose``).

    Args:
        settings: The configuration; ``provider.api`` picks the provider, whose keys say how
            to reach the account.
        patience: How long to wait on the provider; by default the provider's own bounds
            (a server's), shorter where a person waits at a prompt.

    Raises:
        ConfigError: ``provider.api`` names no provider smsconsole has.
    """
    check_api(settings)
    provider = settings.provider
    if provider.api == BANDWIDTH_V2:
        return BandwidthProvider.open(
            account_id=provider.account_id,
            username=provider.username,
            password=provider.password,
            messaging_url=provider.messaging_url,
            voice_url=provider.voice_url,
            numbers_url=provider.numbers_url,
            patience=patience,
        )
    return CatapultProvider.open(
        provider.base_url,
        user_id=provider.user_id,
        api_token=provider.api_token,
        api_secret=provider.api_secret,
        patience=patience,
    )


def callback_parser(settings: Settings) -> CallbackParser:
    """How the configured provider's callbacks are read; needs no account credentials.

    Raises:
        ConfigError: ``provider.api`` names no provider smsconsole has.
    """
    api = _known_api(settings)
    if api == BANDWIDTH_V2:
        return BandwidthCallbacks()
    return CatapultCallbacks()


def check_api(settings: Settings) -> None:
    """Whether ``provider.api`` names a provider this version can open.

    Raises:
        ConfigError: It names none.
    """
    _known_api(settings)


def _known_api(settings: Settings) -> str:
    api = settings.provider.api
    if api not in APIS:
        raise ConfigError(
            f"provider.api = {api!r}: must be one of: {', '.join(APIS)}", key="provider.api"
        )
    return api
