"""``smsconsole numbers``: search, order, assign and release the account's phone numbers.

Spending money and giving numbers up are guarded: ``order`` shows the numbers and the total
monthly cost and asks first; ``release`` wants the number typed back. Off a terminal (scripts,
CI) nobody can answer, so both refuse (exit 3, nothing done) unless given ``--yes``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from smsconsole.cli.common import config_option
from smsconsole.cli.provider import (
    EXIT_CODES,
    account_settings,
    application_ref,
    confirm_or_stop,
    json_option,
    on_provider,
    phone_argument,
    print_json,
    progress,
    provider_failed,
    typed_confirm_or_stop,
    yes_option,
)
from smsconsole.cli.tables import plural, table
from smsconsole.core.formatting import location, money, monthly_cost
from smsconsole.core.phone import InvalidPhoneNumber, format_for_display, parse_e164
from smsconsole.providers.base import Application, AvailableNumber, PhoneNumber, Provider
from smsconsole.providers.provisioning import (
    MAX_ORDER,
    NumberSearch,
    Ordered,
    OrderInterrupted,
    available_offers,
    monthly_total,
    order_exactly,
    plan_search_order,
    reassign,
)
from smsconsole.settings.config import Settings


@click.group(epilog=EXIT_CODES)
def numbers() -> None:
    """Phone numbers: yours, and numbers to buy."""


# -- shared pieces --------------------------------------------------------------------------


def number_json(number: PhoneNumber, names: dict[str, str]) -> dict[str, Any]:
    """One of our numbers for ``--json``."""
    app_id = number.application_id
    return {
        "id": number.id,
        "number": number.number,
        "national_number": number.national_number,
        "name": number.name,
        "city": number.city,
        "state": number.state,
        "price": number.price,
        "application_id": app_id,
        "application_name": names.get(app_id) if app_id else None,
        "created_time": number.created_time.isoformat() if number.created_time else None,
    }


def offer_json(offer: AvailableNumber) -> dict[str, Any]:
    """A number to buy for ``--json``."""
    return {
        "number": offer.number,
        "national_number": offer.national_number,
        "city": offer.city,
        "state": offer.state,
        "rate_center": offer.rate_center,
        "price": offer.price,
    }


def _app_label(app_id: str | None, names: dict[str, str], *, quoted: bool = True) -> str:
    if not app_id:
        return "no application"
    name = names.get(app_id)
    if name is None:
        return app_id
    return f'"{name}" ({app_id})' if quoted else f"{name} ({app_id})"


def _offers_table(offers: Sequence[AvailableNumber], region: str) -> str:
    rows = [
        [
            format_for_display(o.number, region),
            location(o.number, o.city, o.state) or "-",
            money(o.price),
        ]
        for o in offers
    ]
    return table(["NUMBER", "LOCATION", "PRICE/MO"], rows, right={2})


def _total_line(prices: Sequence[str | None]) -> str:
    total, unknown = monthly_total(prices)
    if unknown == len(prices):
        return f"Monthly cost of {plural(len(prices), 'number')}: {monthly_cost(prices)}"
    line = f"Total monthly cost: {money(total)} for {plural(len(prices), 'number')}"
    if unknown:
        line += f" (plus {plural(unknown, 'number')} whose price the provider did not give)"
    return line


def _number_key(text: str, settings: Settings) -> str:
    # Our numbers are addressed by id (Catapult's n-…) or by E.164 (v1 §4 looks up by number).
    if text.startswith("n-"):
        return text
    return phone_argument(text, settings.phone.default_region)


def _search_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--state", help="Two-letter US state (local)."),
        click.option("--city", help="City; needs --state (local)."),
        click.option("--zip", "zip_code", help="Five-digit ZIP code (local)."),
        click.option("--area-code", help="Three-digit area code (local)."),
        click.option("--local-number", help="3-4 digits after the area code; needs --area-code."),
        click.option(
            "--in-local-calling-area",
            is_flag=True,
            default=None,
            help="With --local-number: include the area's overlay codes.",
        ),
        click.option("--toll-free", is_flag=True, help="Toll-free numbers instead of local."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _criteria(
    toll_free: bool, pattern: str | None, quantity: int | None, **local: Any
) -> NumberSearch:
    criteria = NumberSearch(toll_free=toll_free, pattern=pattern, quantity=quantity, **local)
    if toll_free and criteria.has_local_criteria:
        raise click.UsageError("--toll-free takes only --pattern and --quantity")
    return criteria


# -- list, search ---------------------------------------------------------------------------


@numbers.command("list", epilog=EXIT_CODES)
@click.option("--application", "application", metavar="APP", help="Only numbers of this app.")
@config_option
@json_option
def numbers_list(application: str | None, config_file: Path | None, as_json: bool) -> None:
    """List our numbers with their location, monthly price and application.

    APP is an application id or name.
    """
    settings = account_settings(config_file)
    region = settings.phone.default_region

    async def work(provider: Provider) -> tuple[list[Application], list[PhoneNumber]]:
        applications = await provider.list_applications()
        wanted = application_ref(applications, application).id if application else None
        return applications, await provider.list_numbers(application_id=wanted)

    applications, ours = on_provider(settings, work)
    names = {app.id: app.name or "" for app in applications}
    if as_json:
        print_json({"items": [number_json(number, names) for number in ours]})
        return
    if not ours:
        click.echo("No numbers" + (" point at that application." if application else " yet."))
        return
    headers = ["NUMBER", "LOCATION", "PRICE/MO", "APPLICATION"]
    rows = [
        [
            format_for_display(n.number, region),
            location(n.number, n.city, n.state) or "-",
            money(n.price),
            _app_label(n.application_id, names, quoted=False) if n.application_id else "-",
        ]
        for n in ours
    ]
    if any(n.name for n in ours):
        headers.append("NAME")
        for row, n in zip(rows, ours, strict=True):
            row.append(n.name or "")
    click.echo(table(headers, rows, right={2}))
    click.echo(f"{plural(len(ours), 'number')}, {monthly_cost(n.price for n in ours)}")


@numbers.command("search", epilog=EXIT_CODES)
@_search_options
@click.option("--pattern", help="Digits or letters with ? (one digit) and * (any digits).")
@click.option("--quantity", type=int, help="How many to show (provider default 10).")
@config_option
@json_option
def numbers_search(
    toll_free: bool,
    pattern: str | None,
    quantity: int | None,
    config_file: Path | None,
    as_json: bool,
    **local: Any,
) -> None:
    """Search numbers to buy, with their location and monthly price.

    Local numbers by exactly one of --state (optionally with --city), --zip or --area-code
    (optionally with --local-number and --in-local-calling-area), narrowed by --pattern; or
    --toll-free, optionally by --pattern. The provider checks the combination and its error
    is shown in its words.
    """
    criteria = _criteria(toll_free, pattern, quantity, **local)
    settings = account_settings(config_file)

    async def work(provider: Provider) -> list[AvailableNumber]:
        return await provider.search_numbers(criteria)

    found = on_provider(settings, work)
    if as_json:
        print_json({"items": [offer_json(offer) for offer in found]})
        return
    if not found:
        click.echo("No numbers match.")
        return
    click.echo(_offers_table(found, settings.phone.default_region))
    click.echo(f"{plural(len(found), 'number')} found")


# -- order ----------------------------------------------------------------------------------


def _ordered_json(done: Sequence[Ordered], application_id: str | None) -> dict[str, Any]:
    total, unknown = monthly_total([item.offer.price for item in done])
    return {
        "ordered": [{"id": item.number_id, **offer_json(item.offer)} for item in done],
        "application_id": application_id,
        # None when the provider gave no price at all (not a total of zero).
        "total_monthly_cost": None if done and unknown == len(done) else f"{total:f}",
    }


def _show_ordered(done: Sequence[Ordered], region: str, as_json: bool, app_id: str | None) -> None:
    if as_json:
        print_json(_ordered_json(done, app_id))
        return
    if not done:
        return
    cost = monthly_cost(item.offer.price for item in done)
    click.echo(f"Ordered {plural(len(done), 'number')} ({cost}):")
    rows = [
        [
            format_for_display(item.offer.number, region),
            item.number_id,
            location(item.offer.number, item.offer.city, item.offer.state) or "-",
            money(item.offer.price),
        ]
        for item in done
    ]
    click.echo(table(["NUMBER", "ID", "LOCATION", "PRICE/MO"], rows, right={3}))


@numbers.command("order", epilog=EXIT_CODES)
@click.argument("wanted", metavar="[NUMBER]...", nargs=-1)
@_search_options
@click.option("--pattern", help="Search-and-order: only numbers matching this pattern.")
@click.option(
    "--quantity", type=int, help=f"Search-and-order: how many (default 1, at most {MAX_ORDER})."
)
@click.option("--application", metavar="APP", help="Point the new numbers at this app.")
@yes_option("Order")
@config_option
@json_option
def numbers_order(
    wanted: tuple[str, ...],
    toll_free: bool,
    pattern: str | None,
    quantity: int | None,
    application: str | None,
    yes: bool,
    config_file: Path | None,
    as_json: bool,
    **local: Any,
) -> None:
    """Buy the given NUMBERs, or search-and-order by the search options and --quantity.

    Shows the numbers and the total monthly cost, then asks. Without a terminal it orders
    nothing (exit 3) unless given --yes. Exactly the numbers shown are ordered.

    \b
    Examples:
      smsconsole numbers order "(919) 555-0105" --application my-app
      smsconsole numbers order --state NC --city Cary --quantity 2 --yes
      smsconsole numbers order --toll-free --quantity 1
    """
    criteria = _criteria(toll_free, pattern, None, **local)
    if wanted and (not criteria.is_empty or quantity is not None):
        raise click.UsageError("give NUMBERs, or search options with --quantity, not both")
    if not wanted and criteria.is_empty:
        raise click.UsageError(
            "give the NUMBERs to order, or search options (--state, --zip, --area-code, "
            "--toll-free…) with --quantity"
        )
    count = quantity if quantity is not None else 1
    if not 1 <= count <= MAX_ORDER:
        raise click.BadParameter(f"must be from 1 to {MAX_ORDER}", param_hint="--quantity")
    settings = account_settings(config_file)
    region = settings.phone.default_region
    chosen = list(dict.fromkeys(phone_argument(text, region) for text in wanted))

    async def plan(provider: Provider) -> tuple[Application | None, list[AvailableNumber]]:
        applications = await provider.list_applications() if application else []
        app = application_ref(applications, application) if application else None
        if chosen:
            offers = await available_offers(provider, chosen)
        else:
            offers = await plan_search_order(provider, criteria, count)
        return app, offers

    app, offers = on_provider(settings, plan)
    app_id = app.id if app else None
    out = as_json  # with --json the preview goes to stderr, keeping stdout JSON only
    click.echo(f"To order ({plural(len(offers), 'number')}):", err=out)
    click.echo(_offers_table(offers, region), err=out)
    click.echo(_total_line([o.price for o in offers]), err=out)
    if app is not None:
        click.echo(f'They will point at application "{app.name}" ({app.id}).', err=out)
    total, _ = monthly_total([o.price for o in offers])
    confirm_or_stop(
        f"Order {plural(len(offers), 'number')} for {monthly_cost(o.price for o in offers)}?",
        yes=yes,
        nothing="nothing was ordered",
    )

    def step(index: int, offer: AvailableNumber) -> None:
        shown = format_for_display(offer.number, region)
        progress(f"ordering {shown} ({index}/{len(offers)})")

    async def order(provider: Provider) -> list[Ordered]:
        numbers = [offer.number for offer in offers]
        return await order_exactly(
            provider, numbers, agreed_total=total, application_id=app_id, progress=step
        )

    try:
        done = on_provider(settings, order)
    except OrderInterrupted as stopped:
        _show_ordered(stopped.ordered, region, as_json, app_id)
        _show_not_ordered(stopped, region)
        provider_failed(stopped.error, settings)
    _show_ordered(done, region, as_json, app_id)


def _show_not_ordered(stopped: OrderInterrupted, region: str) -> None:
    """Say on stderr which numbers were not bought, with their cost; no replacement was."""
    if not stopped.not_ordered:
        return
    failed, *untried = stopped.not_ordered
    shown = format_for_display(failed.number, region)
    if stopped.error.outcome_unknown:
        progress(f"{shown} may have been bought: check `smsconsole numbers list`")
    else:
        progress(f"{shown} was not bought ({money(failed.price)} a month)")
    if untried:
        numbers = ", ".join(format_for_display(offer.number, region) for offer in untried)
        progress(f"not tried, so not bought: {numbers} ({monthly_cost(o.price for o in untried)})")


# -- assign, release ------------------------------------------------------------------------


@numbers.command("assign", epilog=EXIT_CODES)
@click.argument("number")
@click.argument("application", metavar="[APP]", required=False)
@click.option("--detach", is_flag=True, help="Point the number at no application.")
@config_option
@json_option
def numbers_assign(
    number: str, application: str | None, detach: bool, config_file: Path | None, as_json: bool
) -> None:
    """Point NUMBER's calls and messages at application APP (id or name), or --detach it.

    Says what the number pointed at before when that changes.
    """
    if bool(application) == detach:
        raise click.UsageError("give an application (id or name) or --detach, not both")
    settings = account_settings(config_file)
    key = _number_key(number, settings)
    region = settings.phone.default_region

    async def work(provider: Provider) -> tuple[PhoneNumber, PhoneNumber, dict[str, str]]:
        applications = await provider.list_applications()
        target = application_ref(applications, application).id if application else None
        record = await provider.get_number(key)
        names = {app.id: app.name or "" for app in applications}
        if record.application_id == target:
            return record, record, names
        return record, await reassign(provider, record, target), names

    before, after, names = on_provider(settings, work)
    was, now = before.application_id, after.application_id
    if as_json:
        print_json(
            {
                "number": number_json(after, names),
                "previous_application_id": was,
                "previous_application_name": names.get(was) if was else None,
                "changed": was != now,
            }
        )
        return
    shown = format_for_display(after.number, region)
    if was == now:
        click.echo(f"{shown} already points at {_app_label(now, names)}; nothing changed.")
    elif now is None:
        click.echo(f"{shown} now points at no application; before: {_app_label(was, names)}.")
    else:
        click.echo(
            f"{shown} now points at {_app_label(now, names)}; before: {_app_label(was, names)}."
        )


def _same_number(expected: str, region: str) -> Callable[[str], bool]:
    def matches(typed: str) -> bool:
        try:
            return parse_e164(typed, region) == expected
        except InvalidPhoneNumber:
            return False

    return matches


@numbers.command("release", epilog=EXIT_CODES)
@click.argument("number")
@yes_option("Release")
@config_option
@json_option
def numbers_release(number: str, yes: bool, config_file: Path | None, as_json: bool) -> None:
    """Give NUMBER back to the provider, for good; asks to type the number back first.

    Without a terminal it releases nothing (exit 3) unless given --yes.
    """
    settings = account_settings(config_file)
    key = _number_key(number, settings)
    region = settings.phone.default_region

    async def look(provider: Provider) -> tuple[PhoneNumber, dict[str, str]]:
        record = await provider.get_number(key)
        applications = await provider.list_applications()
        return record, {app.id: app.name or "" for app in applications}

    record, names = on_provider(settings, look)
    shown = format_for_display(record.number, region)
    details = ", ".join(
        part
        for part in (
            location(record.number, record.city, record.state) or "-",
            f"{money(record.price)} a month",
            f"pointing at {_app_label(record.application_id, names)}",
        )
        if part
    )
    click.echo(
        f"Releasing {shown} ({record.id}; {details}). A released number cannot be had back.",
        err=True,
    )
    typed_confirm_or_stop(
        f"Type {shown} to release it",
        _same_number(record.number, region),
        yes=yes,
        nothing="nothing was released",
    )

    async def release(provider: Provider) -> None:
        await provider.release_number(record.id)

    on_provider(settings, release)
    if as_json:
        print_json({"released": number_json(record, names)})
        return
    click.echo(f"Released {shown}.")
