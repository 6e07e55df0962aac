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


def _outer_config(ctx: click.Context) -> Path | None:
    """The ``--config`` given before the command (``smsconsole --config FILE apps list``)."""
    parent = ctx.parent
    while parent is not None:
        value = parent.params.get("config_file")
        if isinstance(value, Path):
            return value
        parent = parent.parent
    return None


def _with_outer_config(
    ctx: click.Context, _param: click.Parameter, value: Path | None
) -> Path | None:
    # A group's options are parsed before its subcommand's, so the outer value is known here;
    # the command's own --config, when given too, wins.
    return value if value is not None else _outer_config(ctx)


def config_option(func: F) -> F:
    """Add ``--config FILE`` to a command; without it, the one given before the command."""
    return click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        callback=_with_outer_config,
        help="TOML config file (default: $SMSCONSOLE_CONFIG, else config.toml in the user "
        "config directory).",
    )(func)


def refuse_outer_config(command: str) -> None:
    """Exit 2 when ``--config`` was given to a command that reads no configuration."""
    outer = _outer_config(click.get_current_context())
    if outer is not None:
        fail(f"{command} reads no config file; run it without --config", EXIT_CONFIG)


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


def provider_settings_or_exit(config_file: Path | None, **overrides: Any) -> Settings:
    """The settings of a command that talks to (or hears from) the provider ``provider.api``
    names, or exit with one line when that provider cannot be opened."""
    from smsconsole.providers.factory import check_api

    settings = settings_or_exit(config_file, **overrides)
    try:
        check_api(settings)
    except ConfigError as error:
        fail(f"config error: {error}", EXIT_CONFIG)
    return settings
