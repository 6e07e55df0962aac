"""Settings: defaults < the TOML file < the environment < command-line flags.

The file is found at ``--config FILE``, else ``$SMSCONSOLE_CONFIG``, else ``config.toml`` in the
user's config directory. Every key can also be set as ``SMSCONSOLE_<SECTION>_<KEY>``
(``SMSCONSOLE_PROVIDER_API_SECRET``). Secrets are never taken from command-line flags, where
other users of the machine could read them in the process list; put them in the environment
(or, less safely, in a file only you can read).

A bad key or value raises :class:`ConfigError`, whose one-line message names the key and where
it came from, so the command line can print it and exit non-zero.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from smsconsole.core.formatting import MASK
from smsconsole.core.phone import supported_regions
from smsconsole.settings import paths

ENV_PREFIX = "SMSCONSOLE_"


class ConfigError(Exception):
    """A configuration problem, described in one line that names the key and its source."""

    def __init__(self, message: str, *, key: str | None = None, source: str | None = None):
        super().__init__(message)
        self.key = key
        self.source = source


Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class Key:
    """One configuration key: where it lives, its type, default and rule."""

    section: str
    name: str
    kind: type
    default: Any
    help: str
    secret: bool = False
    check: Check | None = None

    @property
    def dotted(self) -> str:
        """``section.name``, the form used for command-line overrides."""
        return f"{self.section}.{self.name}"

    @property
    def env(self) -> str:
        """The environment variable that sets this key."""
        return f"{ENV_PREFIX}{self.section}_{self.name}".upper()


def _http_url(value: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL"
    if parts.username or parts.password:
        return "must not carry credentials; they have keys of their own"
    return None


def _postgres_url(value: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("postgresql", "postgres"):
        return "must be a postgresql:// URL (postgresql://user:password@host:5432/database)"
    return None


def _prefixed(prefix: str, what: str) -> Check:
    def check(value: str) -> str | None:
        if value and not value.startswith(prefix):
            return f"must start with '{prefix}' (the {what} shown on your Catapult account page)"
        return None

    return check


def _port(value: int) -> str | None:
    return None if 0 <= value <= 65535 else "must be a port number from 0 to 65535"


def _positive(value: int) -> str | None:
    return None if value >= 1 else "must be at least 1"


def _not_empty(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


def _username(value: str) -> str | None:
    return "must not contain ':' (HTTP Basic auth forbids it)" if ":" in value else None


def _account_id(value: str) -> str | None:
    if value and not (value.isascii() and value.isdigit()):
        return "must be digits 0-9 only (the account id shown in Bandwidth's dashboard)"
    return None


def _one_of(*choices: str) -> Check:
    def check(value: str) -> str | None:
        return None if value in choices else f"must be one of: {', '.join(choices)}"

    return check


def _e164(value: str) -> str | None:
    if not value or (value.startswith("+") and value[1:].isdigit() and 8 <= len(value) <= 16):
        return None
    return "must be a phone number in E.164, such as +19195550100"


def _region(value: str) -> str | None:
    if value.upper() in supported_regions():
        return None
    return "must be a two-letter region code such as US, CA or GB"


KEYS: tuple[Key, ...] = (
    Key(
        "provider",
        "api",
        str,
        "catapult-v1",
        "which provider API the account is on (catapult-v1: Bandwidth's Catapult v1;"
        " bandwidth-v2: Messaging v2, Voice v2 and the Numbers API)",
        check=_one_of("catapult-v1", "bandwidth-v2"),
    ),
    Key(
        "provider",
        "base_url",
        str,
        "https://api.catapult.inetwork.com",
        "Catapult v1 base URL, without /v1",
        check=_http_url,
    ),
    Key("provider", "user_id", str, "", "your user id (u-...)", check=_prefixed("u-", "user id")),
    Key(
        "provider",
        "api_token",
        str,
        "",
        "API token (t-...)",
        secret=True,
        check=_prefixed("t-", "API token"),
    ),
    Key("provider", "api_secret", str, "", "API secret", secret=True),
    Key(
        "provider",
        "account_id",
        str,
        "",
        "bandwidth-v2: your account id (digits)",
        check=_account_id,
    ),
    Key("provider", "username", str, "", "bandwidth-v2: API user name", check=_username),
    Key("provider", "password", str, "", "bandwidth-v2: API user password", secret=True),
    Key(
        "provider",
        "messaging_url",
        str,
        "https://messaging.bandwidth.com/api/v2",
        "bandwidth-v2: Messaging API base URL",
        check=_http_url,
    ),
    Key(
        "provider",
        "voice_url",
        str,
        "https://voice.bandwidth.com/api/v2",
        "bandwidth-v2: Voice API base URL",
        check=_http_url,
    ),
    Key(
        "provider",
        "numbers_url",
        str,
        "https://dashboard.bandwidth.com/api",
        "bandwidth-v2: Numbers API base URL",
        check=_http_url,
    ),
    Key("server", "host", str, "127.0.0.1", "address the server binds to", check=_not_empty),
    Key("server", "port", int, 8080, "port the server listens on", check=_port),
    Key(
        "server",
        "public_url",
        str,
        "",
        "address at which the provider reaches this server",
        check=_http_url,
    ),
    Key(
        "server",
        "callback_username",
        str,
        "bandwidth",
        "Basic-auth user for callbacks",
        check=_username,
    ),
    Key("server", "callback_password", str, "", "Basic-auth password for callbacks", secret=True),
    Key("server", "token", str, "", "bearer token for /api and /ws", secret=True),
    Key("store", "path", str, "", "SQLite file; empty means the user's data directory"),
    Key(
        "store",
        "durability",
        str,
        "full",
        "full: fsync each commit; normal: faster, may lose the last commits on power loss",
        check=_one_of("full", "normal"),
    ),
    Key(
        "store",
        "url",
        str,
        "",
        "postgresql://user:password@host/db: a PostgreSQL store several servers share"
        " (then path is not used)",
        check=_postgres_url,
        secret=True,
    ),
    Key(
        "phone",
        "default_region",
        str,
        "US",
        "region for numbers typed without +country",
        check=_region,
    ),
    Key(
        "phone",
        "personal_number",
        str,
        "",
        "your own phone (E.164), rung by 'ring my phone' to connect you to whoever you call "
        "from the console; empty: that way of calling is off",
        check=_e164,
    ),
    Key(
        "ssh",
        "authorized_keys",
        str,
        "",
        "public keys allowed into the SSH console; empty means authorized_keys in the config "
        "directory",
    ),
    Key(
        "ssh",
        "host_key",
        str,
        "",
        "the SSH console's host key; empty means one generated in the data directory",
    ),
    Key(
        "ssh",
        "max_connections",
        int,
        8,
        "SSH console sessions open at once",
        check=_positive,
    ),
    Key(
        "ssh",
        "login_grace_seconds",
        int,
        15,
        "seconds an SSH connection may take to log in before it is dropped",
        check=_positive,
    ),
)
KEYS_BY_DOTTED = {key.dotted: key for key in KEYS}
SECTIONS = frozenset(key.section for key in KEYS)


@dataclass(frozen=True)
class ProviderSettings:
    """Which provider API the account is on, and how to reach it.

    ``base_url``, ``user_id``, ``api_token`` and ``api_secret`` are Catapult v1's keys;
    ``account_id``, ``username``, ``password`` and the three URLs are Bandwidth v2's.
    """

    base_url: str
    user_id: str
    api_token: str
    api_secret: str
    api: str = "catapult-v1"
    account_id: str = ""
    username: str = ""
    password: str = ""
    messaging_url: str = "https://messaging.bandwidth.com/api/v2"
    voice_url: str = "https://voice.bandwidth.com/api/v2"
    numbers_url: str = "https://dashboard.bandwidth.com/api"

    @property
    def missing(self) -> tuple[str, ...]:
        """The credential keys of the chosen API still unset, as ``provider.<key>``."""
        if self.api == "bandwidth-v2":
            names: tuple[str, ...] = ("account_id", "username", "password")
        else:
            names = ("user_id", "api_token", "api_secret")
        return tuple(f"provider.{name}" for name in names if not getattr(self, name))


@dataclass(frozen=True)
class ServerSettings:
    """The callback server and its API."""

    host: str
    port: int
    public_url: str
    callback_username: str
    callback_password: str
    token: str


@dataclass(frozen=True)
class StoreSettings:
    """Where events and messages are kept."""

    path: str
    durability: str = "full"
    url: str = ""

    @property
    def file(self) -> Path:
        """The SQLite file: ``path`` if set, else the default in the user's data directory."""
        return Path(self.path).expanduser() if self.path else paths.default_store_file()


@dataclass(frozen=True)
class PhoneSettings:
    """How phone numbers are read and shown."""

    default_region: str
    personal_number: str = ""


@dataclass(frozen=True)
class SshSettings:
    """The SSH console (``smsconsole serve --ssh-port``)."""

    authorized_keys: str = ""
    host_key: str = ""
    max_connections: int = 8
    login_grace_seconds: int = 15

    @property
    def authorized_keys_file(self) -> Path:
        """The authorized_keys file: as configured, else the one in the config directory."""
        if self.authorized_keys:
            return Path(self.authorized_keys).expanduser()
        return paths.config_dir() / "authorized_keys"

    @property
    def host_key_file(self) -> Path:
        """The host key file: as configured, else ``ssh_host_ed25519_key`` in the data dir."""
        if self.host_key:
            return Path(self.host_key).expanduser()
        return paths.data_dir() / "ssh_host_ed25519_key"


@dataclass(frozen=True)
class Settings:
    """The effective configuration, and where each value came from."""

    provider: ProviderSettings
    server: ServerSettings
    store: StoreSettings
    phone: PhoneSettings
    ssh: SshSettings = field(default_factory=SshSettings)
    config_file: Path | None = None
    sources: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def effective(self, *, mask_secrets: bool = True) -> dict[str, dict[str, Any]]:
        """Return every key's value by section, secrets masked unless asked otherwise."""
        out: dict[str, dict[str, Any]] = {}
        for key in KEYS:
            value = getattr(getattr(self, key.section), key.name)
            if key.secret and mask_secrets and value:
                value = MASK
            out.setdefault(key.section, {})[key.name] = value
        return out


def load_settings(
    config_file: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read the configuration with its precedence and validate every value.

    Args:
        config_file: ``--config FILE``; when None, ``$SMSCONSOLE_CONFIG`` or the default file.
        environ: The environment to read (``os.environ`` when None).
        overrides: Command-line flags as ``{"server.port": 9000}``; None values are ignored.

    Raises:
        ConfigError: A file that cannot be read, an unknown key, or a bad value.
    """
    env = dict(os.environ if environ is None else environ)
    explicit = config_file is not None or bool(env.get(paths.CONFIG_ENV, "").strip())
    path = paths.find_config_file(config_file, env)
    values: dict[str, Any] = {key.dotted: key.default for key in KEYS}
    sources: dict[str, str] = dict.fromkeys(values, "default")
    warnings: list[str] = []

    read_from: Path | None = None
    if path.exists():
        read_from = path
        for dotted, value in _read_file(path).items():
            values[dotted] = _checked(KEYS_BY_DOTTED[dotted], value, f"{path}")
            sources[dotted] = str(path)
        warnings.extend(_file_warnings(path, sources))
    elif explicit:
        raise ConfigError(f"config file not found: {path}", source=str(path))

    for dotted, value in _read_environment(env).items():
        env_key = KEYS_BY_DOTTED[dotted]
        values[dotted] = _checked(env_key, _from_text(env_key, value, env_key.env), env_key.env)
        sources[dotted] = "environment"

    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        flag_key = KEYS_BY_DOTTED.get(dotted)
        if flag_key is None or flag_key.secret:
            raise ConfigError(f"{dotted} cannot be set on the command line", key=dotted)
        values[dotted] = _checked(flag_key, value, "command line")
        sources[dotted] = "command line"

    return Settings(
        provider=ProviderSettings(
            api=values["provider.api"],
            base_url=_normal_base_url(values["provider.base_url"]),
            user_id=values["provider.user_id"],
            api_token=values["provider.api_token"],
            api_secret=values["provider.api_secret"],
            account_id=values["provider.account_id"],
            username=values["provider.username"],
            password=values["provider.password"],
            messaging_url=values["provider.messaging_url"].rstrip("/"),
            voice_url=values["provider.voice_url"].rstrip("/"),
            numbers_url=values["provider.numbers_url"].rstrip("/"),
        ),
        server=ServerSettings(
            host=values["server.host"],
            port=values["server.port"],
            public_url=values["server.public_url"].rstrip("/"),
            callback_username=values["server.callback_username"],
            callback_password=values["server.callback_password"],
            token=values["server.token"],
        ),
        store=StoreSettings(
            path=values["store.path"],
            durability=values["store.durability"],
            url=values["store.url"],
        ),
        phone=PhoneSettings(
            default_region=values["phone.default_region"].upper(),
            personal_number=values["phone.personal_number"],
        ),
        ssh=SshSettings(
            authorized_keys=values["ssh.authorized_keys"],
            host_key=values["ssh.host_key"],
            max_connections=values["ssh.max_connections"],
            login_grace_seconds=values["ssh.login_grace_seconds"],
        ),
        config_file=read_from,
        sources=sources,
        warnings=tuple(warnings),
    )


def _read_file(path: Path) -> dict[str, Any]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}", source=str(path)) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text", source=str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}", source=str(path)) from None
    found: dict[str, Any] = {}
    for section, table in document.items():
        if section not in SECTIONS:
            raise ConfigError(
                f"unknown section [{section}] in {path} (known: {', '.join(sorted(SECTIONS))})",
                key=section,
                source=str(path),
            )
        if not isinstance(table, dict):
            raise ConfigError(
                f"'{section}' in {path} must be a [section] table", key=section, source=str(path)
            )
        for name, value in table.items():
            dotted = f"{section}.{name}"
            if dotted not in KEYS_BY_DOTTED:
                known = ", ".join(k.name for k in KEYS if k.section == section)
                raise ConfigError(
                    f"unknown key {dotted} in {path} (known in [{section}]: {known})",
                    key=dotted,
                    source=str(path),
                )
            found[dotted] = value
    return found


def _read_environment(env: Mapping[str, str]) -> dict[str, str]:
    by_env = {key.env: key.dotted for key in KEYS}
    section_prefixes = tuple(f"{ENV_PREFIX}{section.upper()}_" for section in SECTIONS)
    found: dict[str, str] = {}
    for name, value in env.items():
        if name in by_env:
            found[by_env[name]] = value
        elif name.startswith(section_prefixes):
            raise ConfigError(
                f"unknown setting {name} in the environment (known: {', '.join(sorted(by_env))})",
                key=name,
                source="environment",
            )
    return found


def _from_text(key: Key, text: str, source: str) -> Any:
    if key.kind is int:
        try:
            return int(text.strip())
        except ValueError:
            raise ConfigError(
                f"{source}={text!r}: must be a whole number", key=key.dotted, source=source
            ) from None
    return text


def _checked(key: Key, value: Any, source: str) -> Any:
    where = f"{key.dotted} = {value!r} in {source}"
    if key.kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{where}: must be a whole number", key=key.dotted, source=source)
    if key.kind is str and not isinstance(value, str):
        raise ConfigError(f"{where}: must be a string", key=key.dotted, source=source)
    problem = key.check(value) if key.check else None
    if problem:
        shown = f"{key.dotted} in {source}" if key.secret else where
        raise ConfigError(f"{shown}: {problem}", key=key.dotted, source=source)
    return value


def _normal_base_url(url: str) -> str:
    # Users paste the documented base with or without the version; the client adds /v1.
    url = url.rstrip("/")
    return url.removesuffix("/v1")


def _file_warnings(path: Path, sources: Mapping[str, str]) -> list[str]:
    secrets_in_file = [
        key.dotted for key in KEYS if key.secret and sources[key.dotted] == str(path)
    ]
    if not secrets_in_file or os.name != "posix":
        return []
    mode = path.stat().st_mode
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        return [
            f"{path} holds {', '.join(secrets_in_file)} and other users can read it: "
            f"run `chmod 600 {path}` or move them to the environment "
            f"({', '.join(KEYS_BY_DOTTED[d].env for d in secrets_in_file)})"
        ]
    return []
