"""The ``smsconsole`` command line.

Heavy imports (Textual, Starlette, uvicorn) happen inside the commands that need them, so
``smsconsole config check`` and ``--help`` start fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from smsconsole import __version__
from smsconsole.config import KEYS, ConfigError, Settings, load_settings

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
    settings = settings_or_exit(config_file)
    import asyncio

    from smsconsole.local import guidance, missing_for_local, run_local

    missing = missing_for_local(settings)
    if missing:
        click.echo(guidance(settings, missing), err=True)
        sys.exit(EXIT_CONFIG)
    # ctrl+c after a console failure (the server kept running): stop, without a traceback.
    with store_refusal_exits(), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_local(settings))


@main.command()
@config_option
@click.option("--host", default=None, help="Address to bind (default from config: 127.0.0.1).")
@click.option(
    "--port", type=int, default=None, help="Port to listen on (default from config: 8080)."
)
@click.option(
    "--ssh-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Also accept SSH logins on this port, each getting its own console (needs the ssh "
    "extra; keys from [ssh] authorized_keys).",
)
def serve(
    config_file: Path | None, host: str | None, port: int | None, ssh_port: int | None
) -> None:
    """Run the callback server headless; consoles attach to it. Logs go to stderr.

    Needs server.token (consoles present it) and server.callback_password (the provider
    presents it), best set as SMSCONSOLE_SERVER_TOKEN and SMSCONSOLE_SERVER_CALLBACK_PASSWORD.
    """
    settings = settings_or_exit(config_file, **{"server.host": host, "server.port": port})
    for key, env in (
        ("token", "SMSCONSOLE_SERVER_TOKEN"),
        ("callback_password", "SMSCONSOLE_SERVER_CALLBACK_PASSWORD"),
    ):
        if not getattr(settings.server, key):
            fail(
                f"config error: server.{key} is not set; set {env} (or [server] {key})", EXIT_CONFIG
            )
    if ssh_port is not None:
        try:
            import asyncssh  # noqa: F401
        except ImportError:
            fail("--ssh-port needs asyncssh: install smsconsole[ssh]", EXIT_CONFIG)
    from smsconsole.server.run import serve_forever

    with store_refusal_exits():
        serve_forever(settings, ssh_port=ssh_port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=int, default=8900, show_default=True, help="Port to listen on.")
@click.option("--user-id", default="u-sandbox", show_default=True, help="The account's user id.")
@click.option("--api-token", default="t-sandbox", show_default=True, help="Basic-auth user.")
@click.option("--api-secret", default="s-sandbox", show_default=True, help="Basic-auth password.")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Keep the simulated world in this JSON file across restarts (default: memory only).",
)
@click.option("--contacts", is_flag=True, help="Simulated people text and call your numbers.")
@click.option("--rate-limits", is_flag=True, help="Answer v1's rate-limit errors (403 limit, 429).")
@click.option("--seed", type=int, default=None, help="Seed for the inventory, ids and contacts.")
def sandbox(
    host: str,
    port: int,
    user_id: str,
    api_token: str,
    api_secret: str,
    state_file: Path | None,
    contacts: bool,
    rate_limits: bool,
    seed: int | None,
) -> None:
    """Run the Catapult v1 simulator alone; prints its base URL, user id, token and secret.

    Point smsconsole (or Bandwidth's own v1 client libraries) at the printed base URL.
    """
    from smsconsole.sandbox.app import run_sandbox

    run_sandbox(
        host,
        port,
        user_id=user_id,
        api_token=api_token,
        api_secret=api_secret,
        state_file=state_file,
        contacts=contacts,
        rate_limits=rate_limits,
        seed=seed,
    )


@main.command()
@click.option("--port", type=int, default=0, help="Server port (default: any free port).")
@click.option("--sandbox-port", type=int, default=0, help="Sandbox port (default: any free port).")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the demo's data here (default: a temporary directory, removed on exit).",
)
@click.option("--no-contacts", is_flag=True, help="No simulated people texting and calling.")
def demo(port: int, sandbox_port: int, data: Path | None, no_contacts: bool) -> None:
    """Sandbox, server and console in one process: try smsconsole with no account.

    Sets up an application and a number in the sandbox the way the provider's getting-started
    guide does, then opens the console. Simulated people text and call; quit with ctrl+q.
    """
    import asyncio

    from smsconsole.demo import DemoOptions, run_demo

    options = DemoOptions(port, sandbox_port, data, contacts=not no_contacts)
    # ctrl+c after a console failure (the server kept running): stop, without a traceback.
    with store_refusal_exits(), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo(options))


@main.command()
@click.argument("url", required=False)
@click.option(
    "--token", default=None, help="The server's token (default: server.token from the config)."
)
@config_option
@click.option("--no-notify", is_flag=True, help="No bell or desktop notifications.")
@click.option(
    "--restricted",
    is_flag=True,
    help="For a remote user (the SSH console starts it so): run no editor, opener or other "
    "program, touch no file of this machine, and read no config file (URL required; token "
    "and region from SMSCONSOLE_SERVER_TOKEN and SMSCONSOLE_PHONE_DEFAULT_REGION).",
)
def attach(
    url: str | None,
    token: str | None,
    config_file: Path | None,
    no_notify: bool,
    restricted: bool,
) -> None:
    """Open the console on a running server (default: the one in the config).

    The token is best given as SMSCONSOLE_SERVER_TOKEN rather than --token, which other
    users of this machine can see in the process list.
    """
    if restricted:
        # The config file may hold the server's secrets: a remote user's console never reads it.
        if url is None or config_file is not None:
            fail("--restricted takes the server's URL and no --config", EXIT_CONFIG)
        server_token = os.environ.get("SMSCONSOLE_SERVER_TOKEN", "")
        region = os.environ.get("SMSCONSOLE_PHONE_DEFAULT_REGION", "US")
    else:
        settings = settings_or_exit(config_file)
        url = url or f"http://{settings.server.host}:{settings.server.port}"
        server_token, region = settings.server.token, settings.phone.default_region
    address = url.rstrip("/")
    if "://" not in address:
        address = f"http://{address}"
    secret = token or server_token
    if not secret:
        fail("no token: pass --token or set SMSCONSOLE_SERVER_TOKEN", EXIT_CONFIG)
    from smsconsole import paths
    from smsconsole.tui.app import SmsConsoleApp
    from smsconsole.tui.client import ConsoleClient

    client = ConsoleClient(address, secret)
    SmsConsoleApp(
        client,
        region=region,
        prefs_path=paths.data_dir() / "console.json",
        server_label=address,
        notifications=not no_notify,
        restricted=restricted,
    ).run()


@main.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("check")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the effective config as JSON.")
def config_check(config_file: Path | None, as_json: bool) -> None:
    """Validate the config and print the effective values, secrets masked.

    Precedence: defaults < file < environment (SMSCONSOLE_<SECTION>_<KEY>) < flags.
    """
    settings = settings_or_exit(config_file)
    effective = settings.effective()
    if as_json:
        document = {
            "config_file": str(settings.config_file) if settings.config_file else None,
            "settings": effective,
            "sources": dict(settings.sources),
            "warnings": list(settings.warnings),
        }
        click.echo(json.dumps(document, indent=2))
        return
    if settings.config_file:
        click.echo(f"# config file: {settings.config_file}")
    else:
        click.echo("# no config file found; defaults and environment only")
    section = ""
    for key in KEYS:
        if key.section != section:
            section = key.section
            click.echo(f"\n[{section}]")
        value = effective[key.section][key.name]
        source = settings.sources[key.dotted]
        click.echo(f"{key.name} = {json.dumps(value)}  # {source}; {key.help}")
        if key.dotted == "store.path":
            click.echo(f"#   -> {settings.store.file}")
    missing = settings.provider.missing
    if missing:
        click.echo(f"\n# provider credentials not set: {', '.join(missing)}")
    for warning in settings.warnings:
        click.echo(f"warning: {warning}", err=True)


# The account commands add themselves to `main`; imported last as they use the helpers above.
from smsconsole import cli_apps, cli_numbers  # noqa: E402, F401
