"""``smsconsole config``: the effective configuration, where each value came from."""

from __future__ import annotations

import json
from pathlib import Path

import click

from smsconsole.cli.common import config_option, settings_or_exit
from smsconsole.settings.config import KEYS


@click.group()
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
