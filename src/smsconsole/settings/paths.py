"""Where smsconsole keeps its files, per the platform's conventions (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "smsconsole"
CONFIG_ENV = "SMSCONSOLE_CONFIG"


def config_dir() -> Path:
    """Return the user's configuration directory for smsconsole."""
    return platformdirs.user_config_path(APP_NAME)


def data_dir() -> Path:
    """Return the user's data directory, where the store and SSH host key live."""
    return platformdirs.user_data_path(APP_NAME)


def default_config_file() -> Path:
    """Return ``config.toml`` in the user's configuration directory."""
    return config_dir() / "config.toml"


def default_store_file() -> Path:
    """Return the SQLite file used when the config leaves ``[store] path`` empty."""
    return data_dir() / "smsconsole.db"


def find_config_file(explicit: Path | None, environ: dict[str, str] | None = None) -> Path:
    """Return the config file to read: ``--config``, else ``$SMSCONSOLE_CONFIG``, else default.

    The file need not exist; callers decide whether a missing file is an error.
    """
    if explicit is not None:
        return explicit
    env = os.environ if environ is None else environ
    from_env = env.get(CONFIG_ENV, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return default_config_file()
