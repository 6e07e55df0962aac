"""``smsconsole numbers …`` against the real sandbox, through the command line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
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


def owned(sandbox: str) -> dict[str, dict[str, Any]]:
    """The account's enabled numbers as the provider has them, by E.164."""
    return {n["number"]: n for n in sandbox_get(sandbox, "phoneNumbers", size="1000")}


def test_the_providers_setup_flow_by_command_line(run: Run, sandbox: str) -> None:
    app = ok_json(run("apps", "create", "MyFirstApp", "--json"))["application"]
    found = ok_json(run("numbers", "search", "--state", "NC", "--city", "Cary", "--json"))
    number = found["items"][0]["number"]

    ordered = ok_json(run("numbers", "order", number, "--yes", "--json"))
    assert [item["number"] for item in ordered["ordered"]] == [number]
    assert ordered["total_monthly_cost"] == "0.35"

    assigned = run("numbers", "assign", number, app["id"])
    assert assigned.exit_code == 0, assigned.output
    assert '"MyFirstApp"' in assigned.stdout

    listed = ok_json(run("numbers", "list", "--json"))["items"]
    assert [(n["number"], n["application_id"], n["application_name"]) for n in listed] == [
        (number, app["id"], "MyFirstApp")
    ]
    assert owned(sandbox)[number]["applicationId"] == app["id"]


SEARCHES: list[tuple[list[str], Callable[[dict[str, Any]], bool]]] = [
    (["--state", "TX"], lambda n: n["state"] == "TX"),
    (["--state", "NC", "--city", "Cary"], lambda n: n["city"] == "CARY"),
    (["--zip", "27701"], lambda n: n["city"] == "DURHAM"),
    (["--area-code", "910"], lambda n: n["number"].startswith("+1910")),
    (
        ["--area-code", "919", "--local-number", "554"],
        lambda n: n["number"].startswith("+1919554"),
    ),
    (
        ["--area-code", "919", "--local-number", "555", "--in-local-calling-area"],
        lambda n: n["number"][2:5] in ("919", "984"),
    ),
    (
        ["--state", "NC", "--pattern", "*01?3"],
        lambda n: n["number"][-4:-2] + n["number"][-1] == "013",
    ),
    (["--toll-free"], lambda n: n["number"][2:5] in ("800", "888", "877", "866")),
    (["--toll-free", "--pattern", "888*"], lambda n: n["number"].startswith("+1888")),
]


@pytest.mark.parametrize(
    ("criteria", "fits"), SEARCHES, ids=lambda v: " ".join(v) if isinstance(v, list) else ""
)
def test_search_by_each_criterion(
    run: Run, criteria: list[str], fits: Callable[[dict[str, Any]], bool]
) -> None:
    items = ok_json(run("numbers", "search", *criteria, "--quantity", "50", "--json"))["items"]
    assert items
    assert all(fits(item) for item in items), items
    assert all(item["price"] for item in items)


def test_overlay_widens_a_local_number_search(run: Run) -> None:
    args = ["numbers", "search", "--area-code", "919", "--local-number", "555", "--quantity", "99"]
    narrow = ok_json(run(*args, "--json"))["items"]
    wide = ok_json(run(*args, "--in-local-calling-area", "--json"))["items"]
    assert {n["number"][2:5] for n in narrow} == {"919"}
    assert {n["number"][2:5] for n in wide} == {"919", "984"}


def test_search_shows_a_table_with_national_numbers_location_and_price(run: Run) -> None:
    result = run("numbers", "search", "--state", "NC", "--city", "Cary", "--quantity", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NUMBER", "LOCATION", "PRICE/MO"]
    assert len(lines) == 4
    assert lines[-1] == "2 numbers found"
    assert lines[1].startswith("(919) 554-")
    assert lines[1].endswith("Cary, NC     $0.35")
    toll_free = run("numbers", "search", "--toll-free", "--quantity", "1")
    assert "toll-free" in toll_free.stdout
    assert "$0.75" in toll_free.stdout


@pytest.mark.parametrize(
    ("criteria", "line"),
    [
        (
            ["--city", "Cary"],
            "error: invalid-available-number-search: "
            "For searching by City the State is also required",
        ),
        (
            ["--zip", "27511", "--area-code", "919"],
            "error: invalid-available-number-search: "
            "A query cannot combine ZIP Code with Area Code or Local Number",
        ),
        (
            ["--state", "NC", "--quantity", "0"],
            "error: validation-error: Quantity must be greater than zero",
        ),
    ],
)
def test_provider_validation_errors_are_shown_in_its_words(
    run: Run, criteria: list[str], line: str
) -> None:
    result = run("numbers", "search", *criteria)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"smsconsole: {line}")
    assert len(result.stderr.splitlines()) == 1


def test_order_off_a_terminal_without_yes_orders_nothing(run: Run, sandbox: str) -> None:
    result = run(
        "numbers", "order", "--state", "NC", "--city", "Cary", "--quantity", "2", input="y\n"
    )
    assert result.exit_code == 3
    assert "Total monthly cost: $0.70 for 2 numbers" in result.stdout
    assert "nothing was ordered; pass --yes" in result.stderr
    assert owned(sandbox) == {}


def test_order_confirmed_at_a_terminal_shows_the_total_and_orders_what_it_showed(
    run: Run, sandbox: str
) -> None:
    app = ok_json(run("apps", "create", "support", "--json"))["application"]
    args = ["numbers", "order", "--state", "NC", "--city", "Cary", "--quantity", "2"]
    result = run(*args, "--application", "support", input=Terminal(b"y\n"))
    assert result.exit_code == 0, result.output
    assert "Total monthly cost: $0.70 for 2 numbers" in result.stdout
    assert 'They will point at application "support"' in result.stdout
    assert "Order 2 numbers for $0.70 a month? [y/N]" in result.stderr
    shown = [line.split("  ")[0] for line in result.stdout.splitlines() if line.startswith("(919)")]
    bought = owned(sandbox)
    assert len(bought) == 2
    assert {n["nationalNumber"] for n in bought.values()} == set(shown)
    assert {n["applicationId"] for n in bought.values()} == {app["id"]}
    assert result.stderr.count("ordering (919) 554-") == 2  # a progress line per step


class AnsweredAfter(Terminal):
    """A person who answers only after ``meanwhile`` happened (while they read the question)."""

    def __init__(self, answer: bytes, meanwhile: Callable[[], None]) -> None:
        super().__init__(answer)
        self.meanwhile: Callable[[], None] | None = meanwhile

    def _first(self) -> None:
        if self.meanwhile is not None:
            happen, self.meanwhile = self.meanwhile, None
            happen()

    def read(self, size: int | None = -1) -> bytes:
        if size != 0:  # click probes the stream with read(0) before the command runs
            self._first()
        return super().read(size)

    def read1(self, size: int = -1) -> bytes:
        self._first()
        return super().read1(size)

    def readinto(self, buffer: Any) -> int:
        self._first()
        return super().readinto(buffer)


def take(sandbox: str, number: str) -> None:
    """Another account buys ``number``."""
    taken = httpx.post(f"{sandbox}/sandbox/numbers/taken", json={"number": number}, timeout=10)
    assert taken.status_code == 200, taken.text


def test_order_says_which_number_went_while_asking_and_orders_nothing_else(
    run: Run, sandbox: str
) -> None:
    criteria = ["--area-code", "910", "--quantity", "3"]
    shown = ok_json(run("numbers", "search", *criteria, "--json"))["items"]
    gone = shown[1]
    answer = AnsweredAfter(b"y\n", lambda: take(sandbox, gone["number"]))
    result = run("numbers", "order", *criteria, input=answer)
    assert answer.meanwhile is None  # the number went while the question was up
    assert result.exit_code == 1, result.output
    assert "Total monthly cost: $1.05 for 3 numbers" in result.stdout
    assert f"{gone['number']} is not available" in result.stderr
    assert "nothing was ordered" in result.stderr
    assert owned(sandbox) == {}


def test_order_of_given_numbers_orders_exactly_them(run: Run, sandbox: str) -> None:
    shown = ok_json(run("numbers", "search", "--state", "TX", "--quantity", "4", "--json"))
    wanted = [shown["items"][3]["number"], shown["items"][0]["number"]]
    ordered = ok_json(run("numbers", "order", *wanted, "--yes", "--json"))
    assert [item["number"] for item in ordered["ordered"]] == wanted
    assert ordered["total_monthly_cost"] == "0.70"
    assert sorted(owned(sandbox)) == sorted(wanted)


def test_order_declined_at_a_terminal_orders_nothing(run: Run, sandbox: str) -> None:
    result = run("numbers", "order", "--toll-free", "--quantity", "3", input=Terminal(b"n\n"))
    assert result.exit_code == 3
    assert "Total monthly cost: $2.25 for 3 numbers" in result.stdout
    assert owned(sandbox) == {}


def test_order_toll_free_by_quantity_with_yes(run: Run, sandbox: str) -> None:
    ordered = ok_json(run("numbers", "order", "--toll-free", "--quantity", "2", "--yes", "--json"))
    assert ordered["total_monthly_cost"] == "1.50"
    assert set(owned(sandbox)) == {item["number"] for item in ordered["ordered"]}
    assert all(item["id"].startswith("n-") for item in ordered["ordered"])


def test_order_refuses_a_number_that_is_not_available(run: Run, sandbox: str) -> None:
    available = ok_json(run("numbers", "search", "--area-code", "212", "--json"))["items"]
    result = run("numbers", "order", available[0]["number"], "(212) 555-0999", "--yes")
    assert result.exit_code == 1
    assert "error: not-available: +12125550999 is not available" in result.stderr
    assert owned(sandbox) == {}


def test_bad_arguments_exit_2(run: Run) -> None:
    assert run("numbers", "search", "--toll-free", "--state", "NC").exit_code == 2
    assert run("numbers", "assign", "not a number", "app").exit_code == 2
    assert run("numbers", "order", "--yes").exit_code == 2
    both = run("numbers", "order", "+19195550105", "--state", "NC", "--yes")
    assert both.exit_code == 2
    assert run("numbers", "order", "--state", "NC", "--quantity", "11").exit_code == 2


def test_reassigning_shows_the_previous_application(run: Run, sandbox: str) -> None:
    first = ok_json(run("apps", "create", "first", "--json"))["application"]
    second = ok_json(run("apps", "create", "second", "--json"))["application"]
    order = ["numbers", "order", "--area-code", "910", "--application", first["id"], "--yes"]
    number = ok_json(run(*order, "--json"))["ordered"][0]["number"]

    moved = run("numbers", "assign", number, "second")
    assert moved.exit_code == 0, moved.output
    assert f'now points at "second" ({second["id"]}); before: "first" ({first["id"]})' in (
        moved.stdout
    )
    again = ok_json(run("numbers", "assign", number, second["id"], "--json"))
    assert again["changed"] is False
    detached = ok_json(run("numbers", "assign", number, "--detach", "--json"))
    assert detached["previous_application_name"] == "second"
    assert detached["number"]["application_id"] is None
    assert "applicationId" not in owned(sandbox)[number]


def test_assign_to_an_unknown_application_changes_nothing(run: Run, sandbox: str) -> None:
    number = ok_json(run("numbers", "order", "--zip", "28401", "--yes", "--json"))["ordered"][0]
    result = run("numbers", "assign", number["number"], "a-nosuchapp")
    assert result.exit_code == 1
    assert "error: application-not-found:" in result.stderr
    assert run("numbers", "assign", number["number"]).exit_code == 2


def test_release_asks_for_the_number_typed_back(run: Run, sandbox: str) -> None:
    number = ok_json(run("numbers", "order", "--zip", "98101", "--yes", "--json"))["ordered"][0]
    e164 = number["number"]

    wrong = run("numbers", "release", e164, input=Terminal(b"(206) 555-0000\n"))
    assert wrong.exit_code == 3
    assert "nothing was released" in wrong.stderr
    assert f"Type {number['national_number']} to release it" in wrong.stderr
    off_terminal = run("numbers", "release", e164, input=f"{e164}\n")
    assert off_terminal.exit_code == 3
    assert e164 in owned(sandbox)

    typed = run(
        "numbers", "release", e164, input=Terminal(number["national_number"].encode() + b"\n")
    )
    assert typed.exit_code == 0, typed.output
    assert f"Released {number['national_number']}." in typed.stdout
    assert owned(sandbox) == {}
    released = sandbox_get(sandbox, "phoneNumbers", numberState="released")
    assert [n["number"] for n in released] == [e164]


def test_release_with_yes_by_id(run: Run, sandbox: str) -> None:
    number = ok_json(run("numbers", "order", "--toll-free", "--yes", "--json"))["ordered"][0]
    released = ok_json(run("numbers", "release", number["id"], "--yes", "--json"))
    assert released["released"]["number"] == number["number"]
    assert owned(sandbox) == {}


def test_list_shows_application_names_and_filters_by_application(run: Run) -> None:
    ok_json(run("apps", "create", "sales", "--json"))
    ok_json(run("apps", "create", "help", "--json"))
    run("numbers", "order", "--state", "TX", "--quantity", "2", "--application", "sales", "--yes")
    run("numbers", "order", "--state", "FL", "--application", "help", "--yes")

    table = run("numbers", "list")
    assert table.exit_code == 0, table.output
    assert table.stdout.splitlines()[0].split() == ["NUMBER", "LOCATION", "PRICE/MO", "APPLICATION"]
    assert table.stdout.count(" sales (a-") == 2
    assert table.stdout.count(" help (a-") == 1
    assert table.stdout.splitlines()[-1] == "3 numbers, $1.05 a month"
    only = ok_json(run("numbers", "list", "--application", "help", "--json"))["items"]
    assert [n["state"] for n in only] == ["FL"]


def test_missing_credentials_exit_2_with_one_line() -> None:
    result = CliRunner().invoke(
        main, ["numbers", "list"], env={"SMSCONSOLE_PROVIDER_USER_ID": "u-x"}
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "provider.api_token, provider.api_secret not set" in lines[0]
    assert "SMSCONSOLE_PROVIDER_API_SECRET" in lines[0]
    assert "smsconsole sandbox" in lines[0]


def test_unreachable_provider_exits_4(free_socket: Callable[[], Any]) -> None:
    closed = free_socket()  # bound but not listening: connections are refused
    port = closed.getsockname()[1]
    env = account_env(f"http://127.0.0.1:{port}")
    result = CliRunner().invoke(main, ["numbers", "list"], env=env)
    closed.close()
    assert result.exit_code == 4
    assert f"provider.base_url is http://127.0.0.1:{port}" in result.stderr


def test_help_documents_the_exit_codes() -> None:
    for command in (["--help"], ["numbers", "order", "--help"], ["apps", "delete", "--help"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 0
        assert "3 not confirmed" in " ".join(result.output.split()), command
        assert "4 provider unreachable" in " ".join(result.output.split()), command
