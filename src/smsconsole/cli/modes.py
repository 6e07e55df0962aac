"""The ways to run smsconsole: headless server, sandbox, demo, attached console.

Heavy imports (Textual, Starlette, uvicorn) happen inside the commands that need them, so
``--help`` starts fast.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import click

from smsconsole.cli.common import (
    EXIT_CONFIG,
    config_option,
    fail,
    provider_settings_or_exit,
    refuse_outer_config,
    settings_or_exit,
    store_refusal_exits,
)


@click.command()
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
    settings = provider_settings_or_exit(config_file, **{"server.host": host, "server.port": port})
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


V1_ONLY = ("user_id", "api_token", "api_secret", "state_file", "contacts", "rate_limits")
V2_ONLY = ("account_id", "username", "password")


@click.command()
@click.option(
    "--api",
    type=click.Choice(["catapult-v1", "bandwidth-v2"]),
    default="catapult-v1",
    show_default=True,
    help="Which provider API to simulate.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=int, default=8900, show_default=True, help="Port to listen on.")
@click.option(
    "--user-id", default="u-sandbox", show_default=True, help="v1: the account's user id."
)
@click.option("--api-token", default="t-sandbox", show_default=True, help="v1: Basic-auth user.")
@click.option(
    "--api-secret", default="s-sandbox", show_default=True, help="v1: Basic-auth password."
)
@click.option(
    "--account-id",
    default="9900000",
    show_default=True,
    help="v2: the account id (digits).",
)
@click.option("--username", default="bw-sandbox", show_default=True, help="v2: Basic-auth user.")
@click.option(
    "--password", default="bw-sandbox-password", show_default=True, help="v2: Basic-auth password."
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="v1: keep the simulated world in this JSON file across restarts (default: memory only).",
)
@click.option("--contacts", is_flag=True, help="v1: simulated people text and call your numbers.")
@click.option(
    "--rate-limits", is_flag=True, help="v1: answer v1's rate-limit errors (403 limit, 429)."
)
@click.option("--seed", type=int, default=None, help="Seed for the inventory, ids and contacts.")
@click.pass_context
def sandbox(
    ctx: click.Context, /, api: str, host: str, port: int, seed: int | None, **options: Any
) -> None:
    """Run a provider simulator alone; prints its base URL and credentials.

    Point smsconsole (or Bandwidth's own client libraries) at the printed base URL:
    Catapult v1 by default, Bandwidth's current API (Messaging v2, Voice v2, Numbers) with
    --api bandwidth-v2.
    """
    refuse_outer_config("sandbox")
    foreign = V2_ONLY if api == "catapult-v1" else V1_ONLY
    given = [
        "--" + name.replace("_", "-").replace("state-file", "state")
        for name in foreign
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
    ]
    if given:
        raise click.UsageError(f"{', '.join(given)}: not an option of the {api} sandbox")
    if api == "bandwidth-v2":
        account_id = options["account_id"]
        if not (account_id.isascii() and account_id.isdigit()):
            raise click.BadParameter("must be digits", param_hint="--account-id")
        if ":" in options["username"]:
            raise click.BadParameter("Basic auth forbids ':' in it", param_hint="--username")
        from smsconsole.sandbox.bandwidth.app import run_v2_sandbox

        run_v2_sandbox(
            host,
            port,
            account_id=account_id,
            username=options["username"],
            password=options["password"],
            seed=seed,
        )
        return
    from smsconsole.sandbox.app import run_sandbox

    run_sandbox(host, port, seed=seed, **{name: options[name] for name in V1_ONLY})


@click.command()
@click.option("--port", type=int, default=0, help="Server port (default: any free port).")
@click.option("--sandbox-port", type=int, default=0, help="Sandbox port (default: any free port).")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the demo's data here (default: a temporary directory, removed on exit).",
)
@click.option("--no-contacts", is_flag=True, help="No simulated people texting and calling.")
@click.option(
    "--api",
    type=click.Choice(["catapult-v1", "bandwidth-v2"]),
    default="catapult-v1",
    show_default=True,
    help="Which provider API the sandbox simulates and the server speaks.",
)
def demo(port: int, sandbox_port: int, data: Path | None, no_contacts: bool, api: str) -> None:
    """Sandbox, server and console in one process: try smsconsole with no account.

    Sets up an application and a number in the sandbox the way the provider's getting-started
    guide does, then opens the console. Simulated people text and call; quit with ctrl+q.
    With --api bandwidth-v2 it all runs on Bandwidth's current API (Messaging v2, Voice v2,
    Numbers).
    """
    refuse_outer_config("demo")
    import asyncio

    from smsconsole.run.demo import DemoOptions, run_demo

    options = DemoOptions(port, sandbox_port, data, contacts=not no_contacts, api=api)
    # ctrl+c after a console failure (the server kept running): stop, without a traceback.
    with store_refusal_exits(), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo(options))


@click.command()
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
    from smsconsole.settings import paths
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
