"""What every command shares: ``--config``, one-line failures, and the exit codes."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from smsconsole.settings.config import ConfigError, Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CONFIG = 2


def config_option(func: F) -> F:
    """Add ``--config FILE`` to a command."""
    return click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="TOML config file (default: $SMSCONSOLE_CONFIG, else config.toml in the user "
        "config directory).",
    )(func)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line to stderr and exit with ``code``."""
    click.echo(f"smsconsole: {message}", err=True)
    sys.exit(code)


@contextlib.contextmanager
def store_refusal_exits() -> Iterator[None]:
    """Turn a store that cannot be used into its one line and exit 2 (bad configuration)."""
    from smsconsole.store.base import StoreUnusable

    try:
        yield
    except StoreUnusable as error:
        fail(str(error), EXIT_CONFIG)


def settings_or_exit(config_file: Path | None, **overrides: Any) -> Settings:
    """Load the settings, or exit with the config error's one line."""
    try:
        return load_settings(config_file, overrides=overrides)
    except ConfigError as error:
        fail(f"config error: {error}", EXIT_CONFIG)
