"""What the account commands (``smsconsole apps …``, ``smsconsole numbers …``) share.

They talk to the provider directly with the configured credentials. This module holds their
exit codes, opening the provider, reporting a provider's refusal in its own words, the
confirmations that guard spending money or losing configuration, and ``--json`` output.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from smsconsole.cli.common import EXIT_CONFIG, fail, provider_settings_or_exit
from smsconsole.core.phone import InvalidPhoneNumber, parse_e164
from smsconsole.providers.base import Application, Patience, Provider, ProviderError
from smsconsole.providers.factory import open_provider
from smsconsole.providers.provisioning import Refused, resolve_application
from smsconsole.settings.config import KEYS_BY_DOTTED, Settings

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

EXIT_FAILED = 1
EXIT_NOT_CONFIRMED = 3
EXIT_UNREACHABLE = 4

EXIT_CODES = """\b
Exit codes:
  0  done
  1  the provider refused or failed (its error code and words are printed)
  2  bad configuration or arguments
  3  not confirmed: nothing was done
  4  provider unreachable, or the outcome is unknown (check before repeating)"""

# A person is waiting: give up on an unreachable provider after a few seconds, not a minute.
_PATIENCE = Patience(max_attempts=3, max_total_wait=10.0, timeout=20.0)


def json_option(func: F) -> F:
    """Add ``--json`` (machine-readable output on stdout, snake_case keys) to a command."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON (stable snake_case keys) instead."
    )(func)


def yes_option(what: str) -> Callable[[F], F]:
    """Add ``--yes``: do ``what`` without asking (required when not on a terminal)."""
    return click.option(
        "--yes",
        "-y",
        is_flag=True,
        help=f"{what} without asking; required when stdin is not a terminal (scripts, CI).",
    )


def print_json(document: object) -> None:
    """Write ``document`` as indented JSON on stdout."""
    click.echo(json.dumps(document, indent=2))


def progress(line: str) -> None:
    """One step of longer work, on stderr so stdout stays the result."""
    click.echo(line, err=True)


def account_settings(config_file: Path | None) -> Settings:
    """The settings, or exit 2 with one line when the provider credentials are missing."""
    settings = provider_settings_or_exit(config_file)
    missing = settings.provider.missing
    if missing:
        envs = ", ".join(KEYS_BY_DOTTED[key].env for key in missing)
        fail(
            f"config error: {', '.join(missing)} not set (set {envs}); to try without an "
            "account, run `smsconsole demo`, or `smsconsole sandbox` with "
            "SMSCONSOLE_PROVIDER_BASE_URL set to the address it prints",
            EXIT_CONFIG,
        )
    return settings


def on_provider(settings: Settings, work: Callable[[Provider], Coroutine[Any, Any, T]]) -> T:
    """Run ``work`` with the configured account's provider.

    Exits 1 when the provider refuses (or a step is :class:`Refused`), 4 when it cannot be
    reached or the outcome of a write is unknown.
    """

    async def run() -> T:
        provider = open_provider(settings, patience=_PATIENCE)
        try:
            return await work(provider)
        finally:
            await provider.aclose()

    try:
        return asyncio.run(run())
    except ProviderError as error:
        provider_failed(error, settings)
    except Refused as refused:
        fail(f"error: {refused.code}: {refused}", EXIT_FAILED)


def provider_failed(error: ProviderError, settings: Settings) -> NoReturn:
    """Print the provider's code and words on one line and exit 1, or 4 if unreachable."""
    code = error.code or error.category or "error"
    line = f"error: {code}: {error.message}"
    if error.outcome_unknown:
        fail(line, EXIT_UNREACHABLE)
    account = settings.provider
    v2 = account.api == "bandwidth-v2"
    if error.unreachable:
        if v2:
            where = (
                f"provider.messaging_url is {account.messaging_url}, provider.voice_url is "
                f"{account.voice_url}, provider.numbers_url is {account.numbers_url}"
            )
        else:
            where = f"provider.base_url is {account.base_url}"
        fail(f"{line} ({where})", EXIT_UNREACHABLE)
    if error.credentials_refused:
        keys = (
            ("account_id", "username", "password") if v2 else ("user_id", "api_token", "api_secret")
        )
        line += f"; check provider.{keys[0]}, provider.{keys[1]} and provider.{keys[2]}"
    fail(line, EXIT_FAILED)


def interactive() -> bool:
    """Whether a person can answer a question (stdin is a terminal)."""
    return sys.stdin.isatty()


def confirm_or_stop(question: str, *, yes: bool, nothing: str) -> None:
    """Ask ``question`` unless ``--yes``; exit 3 saying ``nothing`` was done if not confirmed.

    Off a terminal there is nobody to ask, so without ``--yes`` the answer is no.
    """
    if yes:
        return
    if not interactive():
        fail(
            f"not confirmed: {nothing}; pass --yes to do it without a terminal", EXIT_NOT_CONFIRMED
        )
    try:
        agreed = click.confirm(question, default=False, err=True)
    except click.Abort:
        agreed = False
    if not agreed:
        fail(f"not confirmed: {nothing}", EXIT_NOT_CONFIRMED)


def typed_confirm_or_stop(
    prompt: str, matches: Callable[[str], bool], *, yes: bool, nothing: str
) -> None:
    """Ask the user to type something back unless ``--yes``; exit 3 when it does not match."""
    if yes:
        return
    if not interactive():
        fail(
            f"not confirmed: {nothing}; pass --yes to do it without a terminal", EXIT_NOT_CONFIRMED
        )
    try:
        typed = click.prompt(prompt, default="", show_default=False, err=True)
    except click.Abort:
        typed = ""
    if not matches(str(typed)):
        fail(f"not confirmed (that does not match): {nothing}", EXIT_NOT_CONFIRMED)


def application_ref(applications: Sequence[Application], ref: str) -> Application:
    """The application a command-line APP (id or name) means; ambiguous names exit 2.

    Raises:
        ApplicationNotFound: none has that id or name (exit 1 through :func:`on_provider`).
    """
    try:
        return resolve_application(applications, ref)
    except ValueError as error:
        raise click.UsageError(str(error)) from None


def phone_argument(text: str, region: str, name: str = "NUMBER") -> str:
    """A number typed on the command line, in E.164; a bad one is a usage error (exit 2)."""
    try:
        return parse_e164(text, region)
    except InvalidPhoneNumber as error:
        raise click.BadParameter(str(error), param_hint=name) from None
