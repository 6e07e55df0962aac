"""``smsconsole --config FILE <command>``: the top-level option reaches every command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner

from smsconsole.cli import main
from threaded_sandbox import (
    AUTH,
    USER_ID,
    sandbox_in_thread,
    v2_account_env,
    v2_sandbox_in_thread,
)

# Every command that reads the configuration, with the arguments it needs to get that far.
READS_CONFIG = [
    ["config", "check"],
    ["serve"],
    ["attach"],
    ["apps", "list"],
    ["apps", "create", "console"],
    ["apps", "update", "a-1", "--name", "x"],
    ["apps", "delete", "a-1", "--yes"],
    ["numbers", "list"],
    ["numbers", "search", "--area-code", "415"],
    ["numbers", "order", "--area-code", "415", "--yes"],
    ["numbers", "assign", "+14155550100", "a-1"],
    ["numbers", "release", "+14155550100", "--yes"],
]

# The commands that read no configuration at all: they say so rather than ignore the file.
READS_NO_CONFIG = [["demo"], ["sandbox"]]


def leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.extend(leaf_commands(command, (*prefix, name)))
        else:
            found.append((*prefix, name))
    return found


def test_every_command_is_covered_here() -> None:
    covered = {
        tuple(args[: 2 if args[0] in ("apps", "numbers", "config") else 1])
        for args in READS_CONFIG + READS_NO_CONFIG
    }
    assert set(leaf_commands(main)) == covered


@pytest.mark.parametrize("args", READS_CONFIG, ids=" ".join)
def test_top_level_config_is_the_file_every_command_reads(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[server]\nport = 'x'\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), *args], env={})
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "server.port" in lines[0]
    assert str(path) in lines[0]


@pytest.mark.parametrize("args", READS_NO_CONFIG, ids=" ".join)
def test_commands_that_read_no_config_refuse_it(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), *args])
    assert result.exit_code == 2, result.output
    assert f"{args[0]} reads no config file" in result.output


def test_top_level_missing_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    result = CliRunner().invoke(main, ["--config", str(missing), "config", "check"])
    assert result.exit_code == 2
    assert f"config file not found: {missing}" in result.output


def test_config_check_shows_the_top_level_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[server]\nport = 9001\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), "config", "check", "--json"], env={})
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["config_file"] == str(path)
    assert document["settings"]["server"]["port"] == 9001


def test_the_commands_own_config_wins_over_the_top_level_one(tmp_path: Path) -> None:
    outer, inner = tmp_path / "outer.toml", tmp_path / "inner.toml"
    outer.write_text("[server]\nport = 9001\n", encoding="utf-8")
    inner.write_text("[server]\nport = 9002\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["--config", str(outer), "config", "check", "--json", "--config", str(inner)], env={}
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["settings"]["server"]["port"] == 9002


def test_apps_list_reaches_the_account_named_in_the_top_level_file(tmp_path: Path) -> None:
    with sandbox_in_thread() as url:
        path = tmp_path / "config.toml"
        path.write_text(
            f'[provider]\nbase_url = "{url}"\nuser_id = "{USER_ID}"\n'
            f'api_token = "{AUTH[0]}"\napi_secret = "{AUTH[1]}"\n',
            encoding="utf-8",
        )
        result = CliRunner().invoke(main, ["--config", str(path), "apps", "list", "--json"], env={})
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.stdout), (list, dict))


def test_the_numbers_commands_run_the_setup_on_a_bandwidth_v2_account() -> None:
    # The same commands, the same words, on the other provider: an application (a SIP peer
    # with its two v2 applications), a number searched, ordered (asynchronous: the command
    # waits for the order), assigned, listed and released.
    with v2_sandbox_in_thread() as url:
        env = v2_account_env(url)
        runner = CliRunner()

        def run(*args: str) -> Any:
            result = runner.invoke(main, [*args, "--json"], env=env)
            assert result.exit_code == 0, result.output
            return json.loads(result.stdout)

        created = run("apps", "create", "console")["application"]
        app_id = created["id"]
        assert created["incoming_message_url"] == "https://console.example.com/callbacks/messages"
        assert [app["id"] for app in run("apps", "list")["items"]] == [app_id]
        found = run("numbers", "search", "--area-code", "919", "--quantity", "2")["items"]
        number = found[0]["number"]
        ordered = run("numbers", "order", number, "--application", app_id, "--yes")
        assert [item["number"] for item in ordered["ordered"]] == [number]
        assert ordered["total_monthly_cost"] is None  # v2 searches give no price
        [listed] = run("numbers", "list")["items"]
        assert (listed["number"], listed["application_id"]) == (number, app_id)
        assert httpx.get(f"{url}/sandbox/numbers").json() == [number]
        run("numbers", "release", number, "--yes")
        assert httpx.get(f"{url}/sandbox/numbers").json() == []
        run("apps", "delete", app_id, "--yes")
        assert run("apps", "list")["items"] == []


def test_a_bandwidth_v2_account_that_cannot_be_reached_fails_in_one_line() -> None:
    env = v2_account_env("http://127.0.0.1:9")
    result = CliRunner().invoke(main, ["numbers", "list"], env=env)
    assert result.exit_code == 4, result.output  # unreachable
    assert result.output.count("\n") == 1
    assert "error: connect-error: Could not reach Bandwidth" in result.output
    assert "provider.numbers_url is http://127.0.0.1:9/api" in result.output
    assert "base_url" not in result.output


def test_a_bandwidth_v2_account_refusing_the_credentials_names_the_v2_keys() -> None:
    with v2_sandbox_in_thread() as url:
        env = v2_account_env(url) | {"SMSCONSOLE_PROVIDER_PASSWORD": "wrong"}
        result = CliRunner().invoke(main, ["apps", "list"], env=env)
    assert result.exit_code == 1, result.output
    assert "check provider.account_id, provider.username and provider.password" in result.output
