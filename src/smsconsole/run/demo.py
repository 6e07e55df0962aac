"""``smsconsole demo``: the sandbox, the server and the console in one process.

No account needed. The demo performs the provider's own setup flow against the sandbox
through the configured provider — create an application pointing at this server's callbacks,
search and order a number, assign it — then starts the console. Simulated contacts text and
call in, and answer what the operator sends. The console still talks to the server over its
websocket and HTTP API, exactly as an attached console would. Quitting stops everything.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from smsconsole.core.phone import format_national
from smsconsole.providers.base import ApplicationSettings, NumberSearch
from smsconsole.providers.factory import open_provider
from smsconsole.providers.provisioning import order_exactly, price_of
from smsconsole.run.inprocess import bound_socket, run_console, serving
from smsconsole.sandbox.app import create_sandbox_app
from smsconsole.sandbox.bandwidth.app import create_v2_sandbox_app
from smsconsole.sandbox.contacts import CONTACTS
from smsconsole.server.app import create_app, sqlite_store
from smsconsole.server.urls import callback_url
from smsconsole.settings.config import Settings, load_settings
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.client import ConsoleClient

log = logging.getLogger(__name__)

SANDBOX_CREDENTIALS = ("u-sandbox", "t-sandbox", "s-sandbox")
V2_SANDBOX_CREDENTIALS = ("9900000", "bw-sandbox", "bw-sandbox-password")


@dataclass(frozen=True)
class DemoOptions:
    """What ``smsconsole demo`` was asked for."""

    port: int = 0
    sandbox_port: int = 0
    data: Path | None = None
    contacts: bool = True
    region: str = "US"
    api: str = "catapult-v1"


def account_environ(api: str, sandbox_url: str) -> dict[str, str]:
    """The provider keys that point smsconsole at the sandbox of ``api``."""
    if api == "bandwidth-v2":
        account, username, password = V2_SANDBOX_CREDENTIALS
        return {
            "SMSCONSOLE_PROVIDER_API": api,
            "SMSCONSOLE_PROVIDER_ACCOUNT_ID": account,
            "SMSCONSOLE_PROVIDER_USERNAME": username,
            "SMSCONSOLE_PROVIDER_PASSWORD": password,
            "SMSCONSOLE_PROVIDER_MESSAGING_URL": f"{sandbox_url}/api/v2",
            "SMSCONSOLE_PROVIDER_VOICE_URL": f"{sandbox_url}/api/v2",
            "SMSCONSOLE_PROVIDER_NUMBERS_URL": f"{sandbox_url}/api",
        }
    user, token, secret = SANDBOX_CREDENTIALS
    return {
        "SMSCONSOLE_PROVIDER_BASE_URL": sandbox_url,
        "SMSCONSOLE_PROVIDER_USER_ID": user,
        "SMSCONSOLE_PROVIDER_API_TOKEN": token,
        "SMSCONSOLE_PROVIDER_API_SECRET": secret,
    }


def demo_settings(
    data: Path, port: int, sandbox_url: str, region: str, api: str = "catapult-v1"
) -> Settings:
    """The server's settings: the sandbox account, fresh secrets, a store in ``data``.

    Durability is ``normal``: a demo's store is thrown away, so an fsync per commit buys
    nothing.
    """
    return load_settings(
        environ={
            **account_environ(api, sandbox_url),
            "SMSCONSOLE_SERVER_PORT": str(port),
            "SMSCONSOLE_SERVER_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SMSCONSOLE_SERVER_TOKEN": secrets.token_urlsafe(24),
            "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": secrets.token_urlsafe(24),
            "SMSCONSOLE_STORE_PATH": str(data / "smsconsole.db"),
            "SMSCONSOLE_STORE_DURABILITY": "normal",
            "SMSCONSOLE_PHONE_DEFAULT_REGION": region,
        }
    )


async def provider_setup(settings: Settings, say: Callable[[str], None]) -> str:
    """The provider's getting-started flow, through the provider: answers the number ordered."""
    provider = open_provider(settings)
    v2 = settings.provider.api == "bandwidth-v2"
    try:
        if v2:
            say("creating a Messaging-V2 and a Voice-V2 application pointing at this server's"
                " callbacks, and a SIP peer (location) that uses them")  # fmt: skip
        else:
            say("creating an application pointing at this server's callbacks")
        application = await provider.create_application(
            ApplicationSettings(
                name="smsconsole demo",
                incoming_call_url=callback_url(provider, settings.server, "calls"),
                incoming_message_url=callback_url(provider, settings.server, "messages"),
                callback_http_method="POST",
                auto_answer=False,
            )
        )
        say("searching local numbers in Cary, NC")
        found = await provider.search_numbers(NumberSearch(city="Cary", state="NC", quantity=3))
        if not found:
            raise RuntimeError("the sandbox offered no numbers in Cary, NC")
        offer = found[0]
        if v2:
            say(f"ordering {format_national(offer.number)} and waiting for the order to complete")
        else:
            say(f"ordering {format_national(offer.number)}")
        [ordered] = await order_exactly(
            provider,
            [offer.number],
            agreed_total=price_of(offer.price),
            application_id=None,
            name="smsconsole demo",
        )
        if v2:
            say(f"moving {format_national(offer.number)} onto the application's SIP peer")
        else:
            say(f"assigning {format_national(offer.number)} to the application")
        await provider.assign_number(ordered.number_id, application)
        return offer.number
    finally:
        await provider.aclose()


async def name_contacts(client: ConsoleClient) -> None:
    """Give the simulated people their names in the console."""
    for contact in CONTACTS:
        await client.set_contact(contact.number, contact.name)


async def welcome(sandbox_url: str, number: str) -> None:
    """A first text, so a newcomer sees the console work at once."""
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as sandbox:
        await sandbox.post(
            "/sandbox/inbound/messages",
            json={
                "from": CONTACTS[0].number,
                "to": number,
                "text": "Hi! Welcome to the smsconsole demo. Reply to me and I'll answer.",
            },
        )


async def run_demo(options: DemoOptions) -> None:
    """Run the demo until the operator quits the console."""
    temporary = options.data is None
    data = options.data or Path(tempfile.mkdtemp(prefix="smsconsole-demo-"))
    data.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=data / "demo.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )

    def say(words: str) -> None:
        print(f"  {words}…", flush=True)

    sandbox_sock, server_sock = bound_socket(options.sandbox_port), bound_socket(options.port)
    sandbox_url = f"http://127.0.0.1:{sandbox_sock.getsockname()[1]}"
    port = server_sock.getsockname()[1]
    settings = demo_settings(data, port, sandbox_url, options.region, options.api)
    if options.api == "bandwidth-v2":
        sandbox = create_v2_sandbox_app(contacts=options.contacts, contact_interval=25.0)
    else:
        sandbox = create_sandbox_app(
            contacts=options.contacts, state_file=data / "sandbox.json", contact_interval=25.0
        )
    store = sqlite_store(settings)
    await store.open()  # a store that cannot be used is refused here, in one line
    on = (
        "Bandwidth v2 (Messaging v2, Voice v2, Numbers)"
        if options.api == "bandwidth-v2"
        else ("Catapult v1")
    )
    print(f"smsconsole demo on {on} — data in {data}", flush=True)
    try:
        async with (
            serving(sandbox, sandbox_sock),
            serving(create_app(settings, store=store), server_sock),
        ):
            say(f"sandbox at {sandbox_url}, server at http://127.0.0.1:{port}")
            number = await provider_setup(settings, say)
            server_url = f"http://127.0.0.1:{port}"
            async with ConsoleClient(server_url, settings.server.token) as client:
                await name_contacts(client)
            if options.contacts:
                await welcome(sandbox_url, number)
            say(f"ready: {format_national(number)} is yours; starting the console")

            def console() -> SmsConsoleApp:
                return SmsConsoleApp(
                    ConsoleClient(server_url, settings.server.token),
                    region=settings.phone.default_region,
                    prefs_path=data / "console.json",
                    server_label=f"demo {format_national(number)}",
                    sandbox_url=sandbox_url,
                )

            await run_console(console, server_url=server_url)
    finally:
        if temporary:
            shutil.rmtree(data, ignore_errors=True)
    print("smsconsole demo stopped.", file=sys.stderr)
