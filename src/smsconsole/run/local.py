"""``smsconsole`` with no command: the server and the console in one process, against the
account in the configuration.

This is the laptop set-up: the callback server listens where the config says (the provider
reaches it through ``server.public_url``), and the console in the same process attaches to
it over its websocket and API, exactly as a remote console would.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets

from smsconsole.run.inprocess import bound_socket, run_console, serving
from smsconsole.server.app import create_app, sqlite_store
from smsconsole.server.urls import public_base
from smsconsole.settings import paths
from smsconsole.settings.config import KEYS_BY_DOTTED, Settings
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.client import ConsoleClient


def missing_for_local(settings: Settings) -> list[str]:
    """The keys the all-in-one run needs and the configuration lacks."""
    missing = list(settings.provider.missing)
    if not settings.server.callback_password:
        missing.append("server.callback_password")
    return missing


def guidance(settings: Settings, missing: list[str]) -> str:
    """What to do on a first run: which keys, where the file goes, how to try the demo."""
    where = settings.config_file or paths.default_config_file()
    names = ", ".join(missing)
    variables = " ".join(KEYS_BY_DOTTED[key].env + "=..." for key in missing)
    return (
        f"smsconsole needs a Catapult v1 account, and these settings are missing: {names}\n"
        f"  Put them in {where} (every key is described in config.example.toml),\n"
        f"  or in the environment: {variables}\n"
        "  Set server.public_url too: the https address at which the provider reaches this "
        "machine.\n"
        "  To try smsconsole without an account first: smsconsole demo"
    )


async def run_local(settings: Settings) -> None:
    """Serve the account's callbacks and run the console until the operator quits."""
    token = settings.server.token or secrets.token_urlsafe(24)  # only this console needs it
    settings = dataclasses.replace(
        settings, server=dataclasses.replace(settings.server, token=token)
    )
    log_file = paths.data_dir() / "smsconsole.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=log_file,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    sock = bound_socket(settings.server.port, settings.server.host)
    port = sock.getsockname()[1]
    store = sqlite_store(settings)
    await store.open()  # a store that cannot be used is refused here, in one line
    print(f"smsconsole: callbacks at {public_base(settings.server)}/callbacks/…; log in {log_file}")
    server_url = f"http://127.0.0.1:{port}"

    def console() -> SmsConsoleApp:
        return SmsConsoleApp(
            ConsoleClient(server_url, token),
            region=settings.phone.default_region,
            prefs_path=paths.data_dir() / "console.json",
            server_label=settings.provider.user_id,
        )

    async with serving(create_app(settings, store=store), sock):
        await run_console(console, server_url=server_url)
