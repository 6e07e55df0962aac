"""``smsconsole apps``: the account's applications — list, create, update, delete.

An application holds the URLs the provider calls for a number's incoming calls and messages.
By default a new one points at this server (``server.public_url`` + ``/callbacks/calls`` and
``/callbacks/messages``, with the callback credentials the way the provider sends them: in
the URL for Catapult v1, the only way v1 authenticates callbacks, reference §9).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from smsconsole.cli.common import config_option
from smsconsole.cli.provider import (
    EXIT_CODES,
    account_settings,
    application_ref,
    confirm_or_stop,
    json_option,
    on_provider,
    print_json,
    yes_option,
)
from smsconsole.cli.tables import plural, table
from smsconsole.core.formatting import masked_url
from smsconsole.core.phone import format_for_display
from smsconsole.providers.base import Application, ApplicationSettings, PhoneNumber, Provider
from smsconsole.server.urls import callback_url
from smsconsole.settings.config import Settings


class HttpUrl(click.ParamType[str, Any]):
    """An ``http://`` or ``https://`` URL (callback credentials may sit in its userinfo)."""

    name = "URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """Accept ``value`` if it is an absolute http(s) URL."""
        text = str(value).strip()
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.fail(f"{text!r} is not an http:// or https:// URL", param, ctx)
        return text


def app_json(app: Application, numbers: list[PhoneNumber] | None = None) -> dict[str, Any]:
    """An application for ``--json``; the callback password in its URLs is masked."""
    document: dict[str, Any] = {
        "id": app.id,
        "name": app.name,
        "incoming_call_url": masked_url(app.incoming_call_url),
        "incoming_message_url": masked_url(app.incoming_message_url),
        "callback_http_method": (app.callback_http_method or "POST").upper(),
        "auto_answer": True if app.auto_answer is None else app.auto_answer,
    }
    if numbers is not None:
        document["numbers"] = [number.number for number in numbers]
    return document


def describe(app: Application) -> str:
    """An application's settings, one per line under its id and name, for people."""
    shown = app_json(app)
    return "\n".join(
        [
            f'{app.id} "{app.name or ""}"',
            f"  incoming calls:    {shown['incoming_call_url'] or '-'}",
            f"  incoming messages: {shown['incoming_message_url'] or '-'}",
            f"  callback method:   {shown['callback_http_method']}",
            f"  auto-answer:       {'yes' if shown['auto_answer'] else 'no'}",
        ]
    )


@click.group(epilog=EXIT_CODES)
def apps() -> None:
    """Applications: where your numbers' incoming calls and messages go."""


@apps.command("list", epilog=EXIT_CODES)
@config_option
@json_option
def apps_list(config_file: Path | None, as_json: bool) -> None:
    """List the applications, with how many numbers point at each."""
    settings = account_settings(config_file)

    async def work(provider: Provider) -> tuple[list[Application], list[PhoneNumber]]:
        return await provider.list_applications(), await provider.list_numbers()

    applications, numbers = on_provider(settings, work)
    by_app: dict[str | None, list[PhoneNumber]] = defaultdict(list)
    for number in numbers:
        by_app[number.application_id].append(number)
    if as_json:
        print_json({"items": [app_json(app, by_app[app.id]) for app in applications]})
        return
    if not applications:
        click.echo("No applications yet; create one with `smsconsole apps create NAME`.")
        return
    rows = []
    for app in applications:
        shown = app_json(app)
        rows.append(
            [
                app.id,
                app.name or "",
                shown["callback_http_method"],
                "yes" if shown["auto_answer"] else "no",
                str(len(by_app[app.id])),
                shown["incoming_call_url"] or "-",
                shown["incoming_message_url"] or "-",
            ]
        )
    headers = ["ID", "NAME", "METHOD", "AUTO-ANSWER", "NUMBERS", "CALLS URL", "MESSAGES URL"]
    click.echo(table(headers, rows, right={4}))


def _warn_about_defaults(settings: Settings) -> None:
    server = settings.server
    if not server.public_url:
        click.echo(
            "warning: server.public_url is not set, so the callbacks go to "
            f"http://{server.host}:{server.port}, which the provider cannot reach from the "
            "internet; set SMSCONSOLE_SERVER_PUBLIC_URL or pass --call-url/--message-url",
            err=True,
        )
    if not server.callback_password:
        click.echo(
            "warning: server.callback_password is not set, so the callback URLs carry no "
            "credentials and the server will refuse the callbacks; set "
            "SMSCONSOLE_SERVER_CALLBACK_PASSWORD",
            err=True,
        )


def _settings_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option("--call-url", type=HttpUrl(), help="Where incoming call events go."),
            click.option("--message-url", type=HttpUrl(), help="Where incoming messages go."),
            click.option(
                "--method",
                type=click.Choice(["GET", "POST"], case_sensitive=False),
                help="How the provider calls those URLs (provider default: POST).",
            ),
            click.option(
                "--auto-answer/--no-auto-answer",
                default=None,
                help="Answer incoming calls at once (provider default), or wait for the console.",
            ),
        ]
    ):
        func = option(func)
    return func


@apps.command("create", epilog=EXIT_CODES)
@click.argument("name")
@_settings_options
@config_option
@json_option
def apps_create(
    name: str,
    call_url: str | None,
    message_url: str | None,
    method: str | None,
    auto_answer: bool | None,
    config_file: Path | None,
    as_json: bool,
) -> None:
    """Create an application named NAME, by default pointing at this server.

    The incoming call and message URLs default to server.public_url + /callbacks/calls and
    /callbacks/messages, with server.callback_username and callback_password in the URL.
    """
    if not name.strip():
        raise click.BadParameter("must not be empty", param_hint="NAME")
    settings = account_settings(config_file)
    if call_url is None or message_url is None:
        _warn_about_defaults(settings)

    async def work(provider: Provider) -> Application:
        fields = ApplicationSettings(
            name=name,
            incoming_call_url=call_url or callback_url(provider, settings.server, "calls"),
            incoming_message_url=(
                message_url or callback_url(provider, settings.server, "messages")
            ),
            callback_http_method=method.upper() if method else None,
            auto_answer=auto_answer,
        )
        return await provider.get_application(await provider.create_application(fields))

    app = on_provider(settings, work)
    if as_json:
        print_json({"application": app_json(app, [])})
        return
    click.echo(f"Created application {describe(app)}")
    click.echo(f"Point a number at it: smsconsole numbers assign NUMBER {app.id}")


@apps.command("update", epilog=EXIT_CODES)
@click.argument("ref", metavar="APP")
@click.option("--name", help="A new name.")
@_settings_options
@click.option(
    "--this-server",
    is_flag=True,
    help="Point both URLs at this server again (after server.public_url changed).",
)
@config_option
@json_option
def apps_update(
    ref: str,
    name: str | None,
    call_url: str | None,
    message_url: str | None,
    method: str | None,
    auto_answer: bool | None,
    this_server: bool,
    config_file: Path | None,
    as_json: bool,
) -> None:
    """Change the given settings of application APP (id or name); the others keep their value."""
    if this_server and (call_url or message_url):
        raise click.UsageError("--this-server sets both URLs; do not combine it with them")
    if not (name or call_url or message_url or method or this_server) and auto_answer is None:
        raise click.UsageError(
            "nothing to change: give --name, --call-url, --message-url, --method, "
            "--auto-answer/--no-auto-answer or --this-server"
        )
    settings = account_settings(config_file)
    if this_server:
        _warn_about_defaults(settings)

    async def work(provider: Provider) -> tuple[Application, Application]:
        changes = ApplicationSettings(
            name=name,
            incoming_call_url=(
                callback_url(provider, settings.server, "calls") if this_server else call_url
            ),
            incoming_message_url=(
                callback_url(provider, settings.server, "messages") if this_server else message_url
            ),
            callback_http_method=method.upper() if method else None,
            auto_answer=auto_answer,
        )
        before = application_ref(await provider.list_applications(), ref)
        await provider.update_application(before.id, changes)
        return before, await provider.get_application(before.id)

    before, after = on_provider(settings, work)
    if as_json:
        print_json({"application": app_json(after), "previous": app_json(before)})
        return
    old, new = app_json(before), app_json(after)
    changed = [key for key in new if new[key] != old[key]]
    if not changed:
        click.echo(f'Application {after.id} "{after.name}" already had these settings.')
        return
    click.echo(f'Updated application {after.id} "{after.name}":')
    for key in changed:
        click.echo(f"  {key}: {old[key]} -> {new[key]}")


@apps.command("delete", epilog=EXIT_CODES)
@click.argument("ref", metavar="APP")
@yes_option("Delete")
@config_option
@json_option
def apps_delete(ref: str, yes: bool, config_file: Path | None, as_json: bool) -> None:
    """Delete application APP (id or name), after confirmation.

    Warns first when numbers still point at it: once it is gone they receive no calls or
    messages until they are assigned to another application.
    """
    settings = account_settings(config_file)
    region = settings.phone.default_region

    async def look(provider: Provider) -> tuple[Application, list[PhoneNumber]]:
        app = application_ref(await provider.list_applications(), ref)
        return app, await provider.list_numbers(application_id=app.id)

    app, numbers = on_provider(settings, look)
    label = f'"{app.name}" ({app.id})'
    if numbers:
        shown = ", ".join(format_for_display(n.number, region) for n in numbers)
        click.echo(
            f"warning: {plural(len(numbers), 'number')} still point at {label}: {shown}; "
            "once it is deleted they receive no calls or messages until assigned to another "
            "application (smsconsole numbers assign NUMBER APP)",
            err=True,
        )
    confirm_or_stop(
        f"Delete application {label}?", yes=yes, nothing="the application was not deleted"
    )

    async def delete(provider: Provider) -> None:
        await provider.delete_application(app.id)

    on_provider(settings, delete)
    if as_json:
        print_json(
            {"deleted": app_json(app), "numbers_still_assigned": [n.number for n in numbers]}
        )
        return
    click.echo(f"Deleted application {label}.")
