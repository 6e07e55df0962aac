"""``smsconsole apps …`` against the real sandbox, through the command line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result

from smsconsole.cli import main
from threaded_sandbox import Terminal, account_env, sandbox_get, sandbox_in_thread

Run = Callable[..., Result]


@pytest.fixture
def sandbox() -> Iterator[str]:
    with sandbox_in_thread() as url:
        yield url


@pytest.fixture
def run(sandbox: str) -> Run:
    env = account_env(sandbox)

    def invoke(*args: str, input: Any = None) -> Result:
        return CliRunner().invoke(main, list(args), env=env, input=input)

    return invoke


def ok_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_create_points_at_this_server_with_the_callback_credentials(run: Run, sandbox: str) -> None:
    created = ok_json(run("apps", "create", "console", "--json"))["application"]
    stored = sandbox_get(sandbox, f"applications/{created['id']}")
    assert (
        stored["incomingCallUrl"]
        == "https://bandwidth:cb-secret@console.example.com/callbacks/calls"
    )
    assert stored["incomingMessageUrl"] == (
        "https://bandwidth:cb-secret@console.example.com/callbacks/messages"
    )
    # What is printed never shows the callback password.
    assert (
        created["incoming_call_url"]
        == "https://bandwidth:********@console.example.com/callbacks/calls"
    )
    assert created == {
        "id": created["id"],
        "name": "console",
        "incoming_call_url": "https://bandwidth:********@console.example.com/callbacks/calls",
        "incoming_message_url": "https://bandwidth:********@console.example.com/callbacks/messages",
        "callback_http_method": "POST",
        "auto_answer": True,
        "numbers": [],
    }


def test_create_with_explicit_urls_method_and_no_auto_answer(run: Run, sandbox: str) -> None:
    result = run(
        "apps",
        "create",
        "hooks",
        "--call-url",
        "https://hooks.example.net/calls",
        "--message-url",
        "https://hooks.example.net/messages",
        "--method",
        "get",
        "--no-auto-answer",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Created application a-")
    assert "callback method:   GET" in result.stdout
    assert "warning" not in result.stderr
    (stored,) = sandbox_get(sandbox, "applications")
    assert stored["incomingCallUrl"] == "https://hooks.example.net/calls"
    assert stored["callbackHttpMethod"] == "get"
    assert stored["autoAnswer"] is False


def test_create_rejects_a_url_that_is_not_http(run: Run, sandbox: str) -> None:
    result = run("apps", "create", "x", "--call-url", "ftp://example.net/")
    assert result.exit_code == 2
    assert sandbox_get(sandbox, "applications") == []


def test_create_warns_when_this_server_has_no_public_url(sandbox: str) -> None:
    env = account_env(sandbox)
    del env["SMSCONSOLE_SERVER_PUBLIC_URL"]
    result = CliRunner().invoke(main, ["apps", "create", "local"], env=env)
    assert result.exit_code == 0, result.output
    assert "warning: server.public_url is not set" in result.stderr


def test_update_changes_only_the_given_fields(run: Run, sandbox: str) -> None:
    created = ok_json(run("apps", "create", "old-name", "--json"))["application"]
    result = run("apps", "update", "old-name", "--name", "new-name", "--method", "GET")
    assert result.exit_code == 0, result.output
    assert "name: old-name -> new-name" in result.stdout
    assert "callback_http_method: POST -> GET" in result.stdout
    stored = sandbox_get(sandbox, f"applications/{created['id']}")
    assert stored["name"] == "new-name"
    assert stored["callbackHttpMethod"] == "get"
    assert stored["incomingCallUrl"].endswith("@console.example.com/callbacks/calls")
    assert stored["autoAnswer"] is True


def test_update_needs_something_to_change(run: Run) -> None:
    ok_json(run("apps", "create", "same", "--json"))
    assert run("apps", "update", "same").exit_code == 2


def test_list_shows_each_application_with_its_numbers(run: Run) -> None:
    app = ok_json(run("apps", "create", "support", "--json"))["application"]
    ok_json(run("apps", "create", "spare", "--json"))
    order = run("numbers", "order", "--area-code", "305", "--application", "support", "--yes")
    assert order.exit_code == 0, order.output

    table = run("apps", "list")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split()[:5] == ["ID", "NAME", "METHOD", "AUTO-ANSWER", "NUMBERS"]
    assert lines[1].split()[:5] == [app["id"], "support", "POST", "yes", "1"]
    assert "cb-secret" not in table.stdout
    items = ok_json(run("apps", "list", "--json"))["items"]
    assert [(item["name"], len(item["numbers"])) for item in items] == [
        ("support", 1),
        ("spare", 0),
    ]


def test_delete_warns_about_numbers_still_pointing_at_it(run: Run, sandbox: str) -> None:
    app = ok_json(run("apps", "create", "busy", "--json"))["application"]
    order = ["numbers", "order", "--zip", "10001", "--application", app["id"], "--yes", "--json"]
    number = ok_json(run(*order))["ordered"][0]

    refused = run("apps", "delete", app["id"], input="y\n")  # not a terminal, no --yes
    assert refused.exit_code == 3
    assert f'1 number still point at "busy" ({app["id"]}): {number["national_number"]}' in (
        refused.stderr
    )
    declined = run("apps", "delete", "busy", input=Terminal(b"n\n"))
    assert declined.exit_code == 3
    assert len(sandbox_get(sandbox, "applications")) == 1

    deleted = run("apps", "delete", "busy", input=Terminal(b"y\n"))
    assert deleted.exit_code == 0, deleted.output
    assert f'Delete application "busy" ({app["id"]})? [y/N]' in deleted.stderr
    assert sandbox_get(sandbox, "applications") == []


def test_delete_with_yes_and_json(run: Run, sandbox: str) -> None:
    app = ok_json(run("apps", "create", "idle", "--json"))["application"]
    deleted = ok_json(run("apps", "delete", app["id"], "--yes", "--json"))
    del app["numbers"]
    assert deleted == {"deleted": app, "numbers_still_assigned": []}
    assert sandbox_get(sandbox, "applications") == []


def test_unknown_application_is_the_providers_refusal(run: Run) -> None:
    result = run("apps", "delete", "a-nothere", "--yes")
    assert result.exit_code == 1
    assert result.stderr.startswith("smsconsole: error: application-not-found:")


def test_wrong_credentials_are_refused_with_a_hint(sandbox: str) -> None:
    env = {**account_env(sandbox), "SMSCONSOLE_PROVIDER_API_SECRET": "wrong"}
    result = CliRunner().invoke(main, ["apps", "list"], env=env)
    assert result.exit_code == 1
    assert "check provider.user_id, provider.api_token and provider.api_secret" in result.stderr
