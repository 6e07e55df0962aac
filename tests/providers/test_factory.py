"""The factory opens the provider ``provider.api`` names; the setting defaults to Catapult v1."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from smsconsole.providers.bandwidth.parser import BandwidthCallbacks
from smsconsole.providers.bandwidth.provider import BandwidthProvider
from smsconsole.providers.base import CallbackParser, Patience, Provider, ProviderError
from smsconsole.providers.catapult.adapter import CatapultCallbacks, CatapultProvider
from smsconsole.providers.factory import callback_parser, open_provider
from smsconsole.settings.config import ConfigError, load_settings

ACCOUNT = {
    "SMSCONSOLE_PROVIDER_USER_ID": "u-x",
    "SMSCONSOLE_PROVIDER_API_TOKEN": "t-x",
    "SMSCONSOLE_PROVIDER_API_SECRET": "s",
}


async def test_catapult_v1_is_the_default() -> None:
    settings = load_settings(environ=ACCOUNT)
    assert settings.provider.api == "catapult-v1"
    provider = open_provider(settings)
    assert isinstance(provider, CatapultProvider)
    assert isinstance(provider, Provider)
    await provider.aclose()
    assert isinstance(callback_parser(settings), CatapultCallbacks)
    assert isinstance(callback_parser(settings), CallbackParser)


async def test_patience_bounds_the_attempts(free_socket: Callable[[], socket.socket]) -> None:
    with free_socket() as sock:  # bound, not listening: every connection is refused
        port = sock.getsockname()[1]
        environ = {**ACCOUNT, "SMSCONSOLE_PROVIDER_BASE_URL": f"http://127.0.0.1:{port}"}
        provider = open_provider(load_settings(environ=environ), patience=Patience(2, 1.0, 5.0))
        with pytest.raises(ProviderError) as caught:
            await provider.list_applications()
        await provider.aclose()
    assert caught.value.unreachable
    assert caught.value.attempts == 2


def test_an_unknown_api_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[provider]\napi = "bandwidth-v9"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.key == "provider.api"
    assert str(caught.value) == (
        f"provider.api = 'bandwidth-v9' in {path}: must be one of: catapult-v1, bandwidth-v2"
    )
    # Settings built some other way are refused by the factory in the same words.
    settings = load_settings(environ=ACCOUNT)
    odd = dataclasses.replace(
        settings, provider=dataclasses.replace(settings.provider, api="bandwidth-v9")
    )
    for opening in (open_provider, callback_parser):
        with pytest.raises(ConfigError, match=r"provider\.api = 'bandwidth-v9': must be one of"):
            opening(odd)


async def test_bandwidth_v2_opens_the_v2_provider_on_the_configured_urls(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[provider]\napi = "bandwidth-v2"\naccount_id = "9900001"\nusername = "u"\n'
        'password = "p"\nmessaging_url = "http://m.test/api/v2/"\n'
        'voice_url = "http://v.test/api/v2"\nnumbers_url = "http://n.test/api"\n',
        encoding="utf-8",
    )
    provider = open_provider(load_settings(path, environ={}))
    try:
        assert isinstance(provider, BandwidthProvider)
        assert isinstance(provider, Provider)
        assert provider.messaging == "http://m.test/api/v2/users/9900001"
        assert provider.voice == "http://v.test/api/v2/accounts/9900001"
        assert provider.numbers.base == "http://n.test/api/accounts/9900001"
    finally:
        await provider.aclose()


def test_bandwidth_v2_callbacks_are_read_already(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[provider]\napi = "bandwidth-v2"\n', encoding="utf-8")
    parser = callback_parser(load_settings(path, environ={}))
    assert isinstance(parser, BandwidthCallbacks)
    assert isinstance(parser, CallbackParser)
