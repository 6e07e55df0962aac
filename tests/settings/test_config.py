from __future__ import annotations

import os
from pathlib import Path

import pytest

from smsconsole.core.formatting import MASK
from smsconsole.settings.config import ConfigError, load_settings

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_defaults_when_no_file(tmp_path: Path) -> None:
    settings = load_settings(environ={"SMSCONSOLE_CONFIG": ""} | {"HOME": str(tmp_path)})
    assert settings.server.host == "127.0.0.1"
    assert settings.server.port == 8080
    assert settings.provider.base_url == "https://api.catapult.inetwork.com"
    assert settings.phone.default_region == "US"
    assert settings.provider.missing == (
        "provider.user_id",
        "provider.api_token",
        "provider.api_secret",
    )
    assert settings.sources["server.port"] == "default"


def test_example_file_is_valid_and_documents_every_key() -> None:
    settings = load_settings(EXAMPLE, environ={})
    assert settings.config_file == EXAMPLE
    text = EXAMPLE.read_text(encoding="utf-8")
    for section, keys in settings.effective().items():
        assert f"[{section}]" in text
        for name in keys:
            assert f"{name} =" in text, name


def test_precedence_defaults_file_environment_flags(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[server]\nport = 9000\nhost = "0.0.0.0"\n[phone]\ndefault_region = "gb"\n'
    )
    env = {"SMSCONSOLE_SERVER_PORT": "9100", "SMSCONSOLE_PROVIDER_USER_ID": "u-abc"}
    settings = load_settings(path, environ=env, overrides={"server.host": "127.0.0.2"})
    assert settings.server.port == 9100
    assert settings.server.host == "127.0.0.2"
    assert settings.phone.default_region == "GB"
    assert settings.provider.user_id == "u-abc"
    assert settings.sources["server.port"] == "environment"
    assert settings.sources["server.host"] == "command line"
    assert settings.sources["phone.default_region"] == str(path)
    overridden = load_settings(path, environ=env, overrides={"server.port": 9200})
    assert overridden.server.port == 9200


def test_config_file_found_through_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nport = 9001\n")
    settings = load_settings(environ={"SMSCONSOLE_CONFIG": str(path)})
    assert settings.server.port == 9001
    assert settings.config_file == path


def test_secrets_from_environment_only_are_masked() -> None:
    env = {
        "SMSCONSOLE_PROVIDER_API_TOKEN": "t-token",
        "SMSCONSOLE_PROVIDER_API_SECRET": "s3cret",
        "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": "pw",
        "SMSCONSOLE_SERVER_TOKEN": "tok",
    }
    settings = load_settings(environ=env)
    assert settings.provider.api_secret == "s3cret"
    shown = settings.effective()
    assert shown["provider"]["api_secret"] == MASK
    assert shown["provider"]["api_token"] == MASK
    assert shown["server"]["callback_password"] == MASK
    assert shown["server"]["token"] == MASK
    assert shown["provider"]["user_id"] == ""
    assert settings.effective(mask_secrets=False)["server"]["token"] == "tok"


def test_secrets_refused_as_flags() -> None:
    with pytest.raises(
        ConfigError, match=r"provider\.api_secret cannot be set on the command line"
    ):
        load_settings(environ={}, overrides={"provider.api_secret": "x"})


def test_readable_file_with_secrets_warns(tmp_path: Path) -> None:
    path = write(tmp_path, '[provider]\napi_secret = "s"\n', mode=0o644)
    settings = load_settings(path, environ={})
    assert len(settings.warnings) == 1
    assert "chmod 600" in settings.warnings[0]
    assert "SMSCONSOLE_PROVIDER_API_SECRET" in settings.warnings[0]
    private = write(tmp_path, '[provider]\napi_secret = "s"\n', mode=0o600)
    assert load_settings(private, environ={}).warnings == ()


def test_base_url_loses_trailing_version(tmp_path: Path) -> None:
    path = write(tmp_path, '[provider]\nbase_url = "http://127.0.0.1:9/v1/"\n')
    assert load_settings(path, environ={}).provider.base_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[server]\nport = "80"\n', "server.port = '80' in {path}: must be a whole number"),
        ("[server]\nport = 70000\n", "server.port = 70000 in {path}: must be a port number"),
        ("[server]\nprot = 80\n", "unknown key server.prot in {path}"),
        ("[serve]\nport = 80\n", "unknown section [serve] in {path}"),
        ("server = 1\n", "'server' in {path} must be a [section] table"),
        ("[server]\nport = \n", "{path}: invalid TOML"),
        (
            '[provider]\nuser_id = "abc"\n',
            "provider.user_id = 'abc' in {path}: must start with 'u-'",
        ),
        ('[provider]\nbase_url = "ftp://x"\n', "provider.base_url = 'ftp://x' in {path}: must be"),
        ('[server]\npublic_url = "https://u:p@h"\n', "must not carry credentials"),
        ('[server]\ncallback_username = "a:b"\n', "server.callback_username"),
        ('[phone]\ndefault_region = "XX"\n', "phone.default_region = 'XX' in {path}"),
        ('[provider]\napi_token = "nope"\n', "provider.api_token in {path}: must start with 't-'"),
    ],
)
def test_bad_file_names_key_and_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    assert message.format(path=path) in str(raised.value)
    assert "\n" not in str(raised.value)


def test_secret_value_is_not_echoed_in_errors(tmp_path: Path) -> None:
    path = write(tmp_path, '[provider]\napi_token = "supersecret"\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    assert "supersecret" not in str(raised.value)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMSCONSOLE_SERVER_PORT": "eighty"}, "SMSCONSOLE_SERVER_PORT='eighty': must be a whole"),
        ({"SMSCONSOLE_SERVER_PORTT": "80"}, "unknown setting SMSCONSOLE_SERVER_PORTT"),
        ({"SMSCONSOLE_PHONE_DEFAULT_REGION": "ZZ"}, "in SMSCONSOLE_PHONE_DEFAULT_REGION"),
    ],
)
def test_bad_environment_names_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_settings(environ=env)


def test_unrelated_environment_is_ignored() -> None:
    settings = load_settings(environ={"SMSCONSOLE_SOMETHING": "x", "PATH": os.defpath})
    assert settings.server.port == 8080


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", environ={})
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(environ={"SMSCONSOLE_CONFIG": str(tmp_path / "nope.toml")})


def test_store_file_default_and_explicit(tmp_path: Path) -> None:
    assert load_settings(environ={}).store.file.name == "smsconsole.db"
    path = write(tmp_path, f'[store]\npath = "{tmp_path / "x.db"}"\n')
    assert load_settings(path, environ={}).store.file == tmp_path / "x.db"


def test_bandwidth_v2_keys_and_their_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[provider]\napi = "bandwidth-v2"\naccount_id = "9900001"\nusername = "ops"\n',
    )
    provider = load_settings(path, environ={"SMSCONSOLE_PROVIDER_PASSWORD": "pw"}).provider
    assert provider.api == "bandwidth-v2"
    assert (provider.account_id, provider.username, provider.password) == ("9900001", "ops", "pw")
    assert provider.messaging_url == "https://messaging.bandwidth.com/api/v2"
    assert provider.voice_url == "https://voice.bandwidth.com/api/v2"
    assert provider.numbers_url == "https://dashboard.bandwidth.com/api"
    assert provider.missing == ()


def test_bandwidth_v2_names_its_own_missing_keys_not_catapults(tmp_path: Path) -> None:
    path = write(tmp_path, '[provider]\napi = "bandwidth-v2"\nusername = "ops"\n')
    provider = load_settings(path, environ={}).provider
    assert provider.missing == ("provider.account_id", "provider.password")


def test_bandwidth_v2_urls_are_overridable_and_lose_a_trailing_slash(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[provider]\napi = "bandwidth-v2"\nmessaging_url = "http://127.0.0.1:9/api/v2/"\n'
        'voice_url = "http://127.0.0.1:9/api/v2"\nnumbers_url = "http://127.0.0.1:9/api/"\n',
    )
    provider = load_settings(path, environ={}).provider
    assert provider.messaging_url == "http://127.0.0.1:9/api/v2"
    assert provider.numbers_url == "http://127.0.0.1:9/api"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[provider]\naccount_id = "u-abc"\n',
            "provider.account_id = 'u-abc' in {path}: must be digits 0-9",
        ),
        # Digits of other scripts pass str.isdigit() but are no account id.
        ('[provider]\naccount_id = "\u0661\u0662"\n', "provider.account_id = '\u0661\u0662' in"),
        ('[provider]\nusername = "a:b"\n', "provider.username = 'a:b' in {path}: must not"),
        ('[provider]\nvoice_url = "ftp://x"\n', "provider.voice_url = 'ftp://x' in {path}: must"),
        (
            '[provider]\nnumbers_url = "https://u:p@h/api"\n',
            "provider.numbers_url = 'https://u:p@h/api' in {path}: must not carry credentials",
        ),
        ('[provider]\napi = "bandwidth"\n', "provider.api = 'bandwidth' in {path}: must be one of"),
    ],
)
def test_bad_bandwidth_v2_keys_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    assert message.format(path=path) in str(raised.value)


def test_bandwidth_v2_password_is_a_secret(tmp_path: Path) -> None:
    settings = load_settings(environ={"SMSCONSOLE_PROVIDER_PASSWORD": "hunter2"})
    assert settings.effective()["provider"]["password"] == MASK
    with pytest.raises(ConfigError, match=r"provider\.password cannot be set on the command line"):
        load_settings(environ={}, overrides={"provider.password": "x"})
