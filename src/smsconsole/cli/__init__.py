"""The ``smsconsole`` command line: this module assembles the groups the others define.

No command module imports this one, so there is no import circle; heavy imports (Textual,
Starlette, uvicorn) happen inside the commands that need them, so ``config check`` and
``--help`` start fast.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from smsconsole import __version__
from smsconsole.cli import apps, config, modes, numbers
from smsconsole.cli.common import (
    EXIT_CONFIG,
    config_option,
    provider_settings_or_exit,
    store_refusal_exits,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@click.version_option(__version__, prog_name="smsconsole")
@config_option
@click.pass_context
def main(ctx: click.Context, config_file: Path | None) -> None:
    """A terminal console for a Bandwidth Catapult v1 account: texts, calls and numbers.

    With no command: the callback server and the console in one process, against the
    account in the configuration (try `smsconsole demo` first: no account needed).

    Exit codes: 0 success, 1 failure (the provider refused), 2 bad configuration or
    arguments, 3 not confirmed (nothing done), 4 provider unreachable or outcome unknown.
    """
    if ctx.invoked_subcommand is not None:
        return
    settings = provider_settings_or_exit(config_file)
    import asyncio

    from smsconsole.run.local import guidance, missing_for_local, run_local

    missing = missing_for_local(settings)
    if missing:
        click.echo(guidance(settings, missing), err=True)
        sys.exit(EXIT_CONFIG)
    # ctrl+c after a console failure (the server kept running): stop, without a traceback.
    with store_refusal_exits(), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_local(settings))


for command in (
    modes.serve,
    modes.sandbox,
    modes.demo,
    modes.attach,
    config.config,
    apps.apps,
    numbers.numbers,
):
    main.add_command(command)
