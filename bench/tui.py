"""Console benchmark: a large store, the real server, the real app headless (issue 5, "Show").

Run: ``uv run python bench/tui.py [--conversations 10000] [--messages 100000] [--pages 5]``.

1. Builds a store directly with sqlite3 (the schema applied by ``SqliteStore``'s own
   migration): ``--conversations`` conversations of 1-3 messages each, plus one conversation
   of ``--messages`` messages. Rows are made by the store's own functions
   (``message_values``, ``builtins``, ``preview``, ``conversation_id``), one event per
   message and a ``conversation.read`` before each reply to an unread conversation, exactly
   as the server's writes would have logged them. Build time is printed separately.
2. Starts the real server (``python -m smsconsole serve``) on loopback in a subprocess, so
   the console does not share its process with the server.
3. Runs the console (``SmsConsoleApp`` with ``run_test(size=(120, 40))``) in a fresh
   subprocess of this script (``--console``), so its peak RSS and start-up are its own, and
   times: a usable screen (rows shown and the feed connected), opening the big thread (its
   newest page laid out and painted), and paging older messages in (scroll to the top until
   the older page is inserted, painted and the view kept in place), each with
   ``time.perf_counter``. "Painted" is ``pilot.pause(0)``: every pending message of the
   screen's widgets processed, then the screen's update composed and rendered to the
   headless driver. Polling for a condition sleeps 1 ms, so figures are within ~1 ms.
4. Prints a table of measured figures against the targets. A missed target prints FAIL but
   the exit code stays 0: this is a report.

Loopback only; the server, the console process and the temporary store are removed at the
end, also on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import httpx

from smsconsole.core import feed
from smsconsole.core.clock import iso_utc
from smsconsole.core.messages import Message, conversation_id, parties, preview
from smsconsole.core.records import Conversation
from smsconsole.store.rows import MESSAGE_COLUMNS, message_values
from smsconsole.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from smsconsole.tui.app import SmsConsoleApp

HOST: Final = "127.0.0.1"
TOKEN: Final = "bench-token"
CALLBACK_PASSWORD: Final = "bench-callback-secret"
OUR_NUMBERS: Final = ("+19195550100", "+19195550101")
AREA_CODES: Final = (206, 212, 312, 415, 512, 617, 646, 702, 919, 984)
VOCABULARY: Final = (
    "ok thanks see you tomorrow at the shop is open until six can we move it to friday "
    "the order came in yesterday please call me back when you get this running late sorry "
    "sounds good what time works for you parcel delivered front door invoice attached"
)
RESULT_PREFIX: Final = "BENCH-RESULT "
READY_SECONDS: Final = 30.0
STEP_SECONDS: Final = 60.0
# Issue 12's targets (issue 5's were 1.5 s, 300 ms, 200 ms, 250 MB): seconds, and MB (10**6
# bytes) of peak resident memory.
USABLE_S: Final = 1.0
OPEN_S: Final = 0.100
OLDER_S: Final = 0.100
RSS_MB: Final = 150.0
KEY_S: Final = 0.050  # a key press answered, while events arrive
LOAD_WARMUP_S: Final = 1.0  # the sender runs this long before the first press
PRESS_EVERY_S: Final = 0.1
LOAD_REMOTES: Final = 50  # as bench/ingest.py: the callbacks come from 50 numbers in turn


# --- building the store -------------------------------------------------------------------


@dataclass
class Thread:
    """What a conversation row holds after its messages, as ``_touch_conversation`` keeps it."""

    our: str
    remote: str
    last: Message | None = None
    unread: int = 0
    activity: int = 0


@dataclass(frozen=True)
class BuiltStore:
    """The store the benchmark built."""

    path: Path
    big_id: str
    conversations: int
    messages: int
    rows_seconds: float
    fts_seconds: float
    megabytes: float


@dataclass(frozen=True)
class LoadPlan:
    """The callbacks sent while keys are pressed: where, how fast, how long."""

    port: int
    server_pid: int
    big_id: str
    rate: float
    seconds: float


def phone_numbers(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct US numbers in E.164."""
    found: set[str] = set()
    while len(found) < count:
        area = rng.choice(AREA_CODES)
        found.add(f"+1{area}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}")
    return sorted(found)


def texts(rng: random.Random, count: int = 4096) -> list[str]:
    """A pool of message texts of 3 to 30 words (drawn from; cheaper than one per message)."""
    words = VOCABULARY.split()
    return [" ".join(rng.choices(words, k=rng.randint(3, 30))) for _ in range(count)]


def message(
    rng: random.Random, pool: list[str], our: str, remote: str, moment: datetime, direction: str
) -> Message:
    """A stored message as ``message_from_event`` / ``create_outbound`` would record it."""
    text = pool[rng.randrange(len(pool))]
    media: tuple[str, ...] = ()
    if rng.random() < 0.02:  # a few MMS, some without text
        media = (f"https://media.example/{rng.getrandbits(48):012x}/photo.jpg",)
        text = text if rng.random() < 0.5 else ""
    from_, to = (remote, our) if direction == "in" else (our, remote)
    outbound = direction == "out"
    return Message(
        id=f"msg-{rng.getrandbits(64):016x}",
        conversation_id=conversation_id(our, remote),
        direction="out" if outbound else "in",
        from_=from_,
        to=to,
        text=text,
        media=media,
        state="sent" if outbound else "received",
        delivery_state="delivered" if outbound else None,
        delivery_code="0" if outbound else None,
        delivery_description="Message delivered to carrier" if outbound else None,
        provider_id=f"m-{rng.getrandbits(64):016x}",
        time=iso_utc(moment),
    )


def plan(rng: random.Random, conversations: int, big: int) -> tuple[list[Message], str]:
    """Every message to store, oldest first, and the id of the big conversation."""
    end = datetime(2025, 6, 1, tzinfo=UTC)
    span = timedelta(days=365).total_seconds()
    remotes = phone_numbers(rng, conversations + 1)
    planned: list[tuple[float, str, str, str]] = []
    big_remote = remotes[-1]
    for i in range(big):
        # Spread over the year, ending recently: a busy thread is near the top of the list.
        offset = span * (i + 1) / big
        planned.append((offset, OUR_NUMBERS[0], big_remote, rng.choice(("in", "in", "out"))))
    for index, remote in enumerate(remotes[:-1]):
        our = OUR_NUMBERS[index % len(OUR_NUMBERS)]
        start = rng.uniform(0, span - 3600)
        for k in range(rng.randint(1, 3)):
            direction = "in" if k == 0 else rng.choice(("in", "out"))
            planned.append((start + k * rng.uniform(30, 600), our, remote, direction))
    planned.sort()
    pool = texts(rng)
    messages = [
        message(rng, pool, our, remote, end - timedelta(seconds=span - offset), direction)
        for offset, our, remote, direction in planned
    ]
    return messages, conversation_id(OUR_NUMBERS[0], big_remote)


def log_rows(messages: list[Message]) -> tuple[list[tuple[Any, ...]], dict[str, Thread]]:
    """The events (seq, kind, time, body) the server would have logged, and each thread."""
    events: list[tuple[Any, ...]] = []
    threads: dict[str, Thread] = {}
    for item in messages:
        our, remote = parties(item.direction, item.from_, item.to)
        thread = threads.setdefault(item.conversation_id, Thread(our, remote))
        if item.direction == "out" and thread.unread:
            # The operator read the conversation before replying (writes.mark_read).
            read = feed.ConversationRead(conversation_id=item.conversation_id)
            events.append((len(events) + 1, feed.kind_of(read), item.time, compact(read)))
            thread.unread = 0
        seq = len(events) + 1
        thread.last, thread.activity = item, seq
        thread.unread += item.direction == "in"
        row = conversation(item.conversation_id, thread)
        logged: feed.MessageChange = (
            feed.MessageReceived(message=item, conversation=row)
            if item.direction == "in"
            else feed.MessageSent(message=item, conversation=row)
        )
        events.append((seq, feed.kind_of(logged), item.time, compact(logged)))
    return events, threads


def compact(event: feed.LogEvent) -> str:
    """An event body as ``rows.append_event`` writes it (the protocol's encoding)."""
    return feed.encode_event(event).decode()


def conversation(cid: str, thread: Thread) -> Conversation:
    """A conversation row as ``_touch_conversation`` leaves it (messages come in time order)."""
    last = thread.last
    assert last is not None
    return Conversation(
        id=cid,
        our_number=thread.our,
        remote_number=thread.remote,
        last_message_id=last.id,
        last_time=last.time,
        last_direction=last.direction,
        last_preview=preview(last),
        unread=thread.unread,
        activity=thread.activity,
    )


def conversation_rows(threads: dict[str, Thread]) -> Iterator[tuple[Any, ...]]:
    """Rows of the conversations table, as ``_touch_conversation`` leaves them."""
    for cid, thread in threads.items():
        last = thread.last
        assert last is not None
        yield (
            cid,
            thread.our,
            thread.remote,
            last.id,
            last.time,
            last.direction,
            preview(last),
            thread.unread,
            thread.activity,
        )


def number_rows() -> list[tuple[Any, ...]]:
    """Our numbers, as ``sync_numbers`` stores them."""
    return [
        (f"n-bench{index}", number, f"(919) 555-010{index}", None, "a-bench", "RALEIGH", "NC")
        for index, number in enumerate(OUR_NUMBERS)
    ]


async def migrate(path: Path) -> None:
    """Create the schema with the store's own migration."""
    store = SqliteStore(path)
    await store.open()
    await store.close()


def build_store(path: Path, conversations: int, big: int, seed: int) -> BuiltStore:
    """Write the benchmark's store in one transaction; answer what was built and how fast."""
    started = time.perf_counter()
    asyncio.run(migrate(path))
    rng = random.Random(seed)
    messages, big_id = plan(rng, conversations, big)
    events, threads = log_rows(messages)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # Index the text once at the end instead of row by row through the trigger.
        trigger = connection.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'messages_fts_insert'"
        ).fetchone()[0]
        # A scratch file: no journal, no fsync, a page cache big enough for the indexes.
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("PRAGMA cache_size = -262144")
        connection.execute("BEGIN")
        connection.execute("DROP TRIGGER messages_fts_insert")
        connection.executemany(
            "INSERT INTO numbers (id, number, national_number, name, application_id, city,"
            " state, number_state) VALUES (?, ?, ?, ?, ?, ?, ?, 'enabled')",
            number_rows(),
        )
        placeholders = ", ".join("?" * len(MESSAGE_COLUMNS.split(",")))
        connection.executemany(
            f"INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES ({placeholders})",
            (message_values(item) for item in messages),
        )
        connection.executemany(
            "INSERT INTO events (seq, kind, time, body) VALUES (?, ?, ?, ?)", events
        )
        connection.executemany(
            "INSERT INTO conversations (id, our_number, remote_number, last_message_id,"
            " last_time, last_direction, last_preview, unread, activity)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            conversation_rows(threads),
        )
        rows_done = time.perf_counter()
        connection.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
        connection.execute(trigger)
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode = WAL")  # as the store runs it
        fts_done = time.perf_counter()
    finally:
        connection.close()
    return BuiltStore(
        path=path,
        big_id=big_id,
        conversations=len(threads),
        messages=len(messages),
        rows_seconds=rows_done - started,
        fts_seconds=fts_done - rows_done,
        megabytes=path.stat().st_size / 1e6,
    )


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    """A port free on loopback right now."""
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def server_environment(store: Path) -> dict[str, str]:
    """This environment without any smsconsole setting, plus the benchmark server's."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SMSCONSOLE_")}
    environ.update(
        SMSCONSOLE_SERVER_TOKEN=TOKEN,
        SMSCONSOLE_SERVER_CALLBACK_PASSWORD=CALLBACK_PASSWORD,
        SMSCONSOLE_STORE_PATH=str(store),
    )
    return environ


@dataclass
class Processes:
    """The subprocesses of a run; all stopped at the end (SIGTERM, then SIGKILL)."""

    running: list[subprocess.Popen[str]] = field(default_factory=list)

    def start(self, command: list[str], **options: Any) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # Ctrl-C reaches only us; we stop them
            **options,
        )
        self.running.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
            if process.stdout is not None:
                process.stdout.close()
        self.running.clear()


def start_server(processes: Processes, workdir: Path, store: Path) -> tuple[int, int]:
    """Run ``smsconsole serve`` on a free loopback port; answer (port, pid) once ready."""
    port = free_port()
    config = workdir / "empty.toml"  # never read the user's config file
    config.touch()
    command = [sys.executable, "-m", "smsconsole", "serve", "--config", str(config)]
    command += ["--host", HOST, "--port", str(port)]
    with open(workdir / "server.log", "ab") as log:
        process = processes.start(
            command, env=server_environment(store), stdout=subprocess.DEVNULL, stderr=log
        )
    deadline = time.monotonic() + READY_SECONDS
    with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}; see server.log")
            try:
                if client.get("/healthz").status_code == 200:
                    return port, process.pid
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    raise RuntimeError(f"the server was not ready after {READY_SECONDS:g} s")


def api_timings(port: int, big_id: str, pages: int) -> dict[str, float]:
    """Seconds the server alone takes for the console's reads (median of ``pages``)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    path = f"/api/conversations/{big_id}/messages"
    first: list[float] = []
    older: list[float] = []
    listing: list[float] = []
    with httpx.Client(base_url=f"http://{HOST}:{port}", headers=headers, timeout=10) as client:
        cursor: str | None = None
        for _ in range(pages):
            listing.append(timed(lambda: client.get("/api/conversations", params={"limit": 200})))
            first.append(timed(lambda: client.get(path, params={"limit": 50})))
            params: dict[str, Any] = {"limit": 50, "before": cursor}
            started = time.perf_counter()
            cursor = client.get(path, params=params).raise_for_status().json()["next"]
            older.append(time.perf_counter() - started)
    return {
        "api_list": statistics.median(listing),
        "api_first": statistics.median(first),
        "api_older": statistics.median(older),
    }


def timed(call: Callable[[], httpx.Response]) -> float:
    """Seconds ``call`` takes; it must succeed."""
    started = time.perf_counter()
    call().raise_for_status()
    return time.perf_counter() - started


# --- the load: inbound SMS callbacks at a steady rate (a subprocess of the console) --------


def load_payload(index: int, our: str, remote: str) -> bytes:
    """Callback ``index`` of the load: the reference §6.3 inbound SMS to ``our``.

    The callbacks come from ``LOAD_REMOTES`` numbers in turn, as in bench/ingest.py, and one
    of them is the conversation the console shows, so its thread gets its share.
    """
    import ingest  # the sender's process only: the console's start-up and RSS stay its own

    sender = remote if index % LOAD_REMOTES == 0 else f"+1415555{index % LOAD_REMOTES:04d}"
    fields = ingest.sms_fields(f"m-tuiload{index:012d}", sender, f"load {index}")
    fields["to"] = our
    return json.dumps(fields).encode()


def load_sender(port: int, our: str, remote: str) -> Any:
    """bench/ingest.py's open-loop ``PacedSender`` (raw HTTP/1.1 keep-alive sockets, so the
    sender does not take the CPU the console is measured on), sending ``load_payload``."""
    import ingest  # the sender's process only

    class LoadSender(ingest.PacedSender):
        def payload(self, n: int, due_ns: int, stamped: bool) -> bytes:
            return load_payload(n, our, remote)

    return LoadSender(port, "tuiload", connections=32)


async def send_load(port: int, our: str, remote: str, rate: float, seconds: float) -> None:
    """The ``--send`` subprocess: say ``started``, send, print what it sent and its CPU."""
    sender = load_sender(port, our, remote)
    print("started", flush=True)
    cpu, began = time.process_time(), time.monotonic()
    lag = await sender.run(rate, seconds, stamped=False)
    elapsed = time.monotonic() - began
    summary = {
        "sent": int(rate * seconds),
        "ok": sender.ok,
        "failed": sender.failed,
        "worst_lag_ms": lag,
        "cpu": (time.process_time() - cpu) / elapsed,
    }
    print(RESULT_PREFIX + json.dumps(summary), flush=True)


# --- the console (a subprocess of this script) ---------------------------------------------


async def until(condition: Callable[[], object], what: str, seconds: float = STEP_SECONDS) -> None:
    """Let the app run until ``condition`` holds (1 ms polls, bounded)."""
    try:
        async with asyncio.timeout(seconds):
            # Polling: the conditions are the app's own state, which has no event to wait on.
            while not condition():  # noqa: ASYNC110
                await asyncio.sleep(0.001)
    except TimeoutError:
        raise RuntimeError(f"timed out after {seconds:g} s waiting for {what}") from None


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process so far; NaN where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_mb(field: str, pid: int | str = "self") -> float:
    """A memory figure of /proc/PID/status in MB: ``VmRSS`` (now) or ``VmHWM`` (peak).

    NaN where /proc is missing or the process is gone.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return math.nan


async def measure_console(
    url: str, big_id: str, expected: int, pages: int, load: LoadPlan | None
) -> dict[str, Any]:
    """Start the console on ``url`` and time what the operator waits for."""
    imports = time.perf_counter()
    # Imported here so the console process's start-up includes Textual's import, as a real
    # ``smsconsole attach`` does.
    import resource

    import textual

    from smsconsole.core.records import Page
    from smsconsole.tui.app import SmsConsoleApp
    from smsconsole.tui.client import ConsoleClient

    class TimedClient(ConsoleClient):
        """The console's client, noting how long each page of messages took to arrive."""

        fetches: list[float]

        async def messages(
            self, conversation_id: str, before: str | None = None, limit: int | None = None
        ) -> Page[Message]:
            started = time.perf_counter()
            try:
                return await super().messages(conversation_id, before, limit)
            finally:
                self.fetches.append(time.perf_counter() - started)

    result: dict[str, Any] = {"textual": textual.__version__}
    started = time.perf_counter()
    result["import"] = started - imports
    client = TimedClient(url, TOKEN, timeout=30)
    client.fetches = []
    app = SmsConsoleApp(client, prefs_path=None, server_label="bench", notifications=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_up(app, pilot, started, expected, result)
        await open_and_page(app, pilot, client.fetches, big_id, pages, result)
        if load is not None:
            await under_load(app, pilot, load, result)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child started by a
    # parent holding the freshly built store would report the parent's peak.
    result["rss_mb"] = status_mb("VmHWM")
    if math.isnan(result["rss_mb"]):
        result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6
    return result


def connected(app: SmsConsoleApp) -> bool:
    """The status bar says the feed is connected."""
    return app.inbox_screen.status.state == "connected"


async def start_up(
    app: SmsConsoleApp, pilot: Pilot[None], started: float, expected: int, result: dict[str, Any]
) -> None:
    """Time the first usable screen, then the whole conversation list."""
    from smsconsole.tui.widgets.conversation_list import ConversationList

    def listing() -> ConversationList:
        return app.inbox_screen.query_one(ConversationList)

    await until(lambda: app.screen_stack and app.screen.id == "inbox", "the inbox")
    await until(lambda: listing().ids, "the first rows")
    await pilot.pause(0)
    result["rows"] = time.perf_counter() - started
    await until(
        lambda: listing().ids and app.inbox_screen.status.state == "connected", "a usable screen"
    )
    await pilot.pause(0)
    result["usable"] = time.perf_counter() - started
    result["usable_mono"] = time.monotonic()
    result["usable_rows"] = len(listing().ids)
    result["rss_usable"] = status_mb("VmRSS")
    await until(lambda: len(listing().ids) >= expected, "the whole list")
    result["full_list"] = time.perf_counter() - started
    await pilot.pause()  # settle: let the last background refreshes finish
    result["rss_listed"] = status_mb("VmRSS")


async def open_and_page(
    app: SmsConsoleApp,
    pilot: Pilot[None],
    fetches: list[float],
    big_id: str,
    pages: int,
    result: dict[str, Any],
) -> None:
    """Time opening the big thread, paging older messages in, and scrolling the window."""
    from smsconsole.tui.widgets.thread_view import ThreadView

    screen = app.inbox_screen
    view = screen.query_one(ThreadView)
    began = time.perf_counter()
    screen.open(big_id)
    await until(lambda: view.conversation_id == big_id and view.message_ids, "the thread")
    await pilot.pause(0)
    result["open"] = time.perf_counter() - began
    result["open_fetch"] = fetches[-1]
    result["open_bubbles"] = len(view.message_ids)
    await pilot.pause()
    result["older"], result["older_fetch"] = [], []
    for _ in range(pages):
        shown = len(view.message_ids)

        def paged(shown: int = shown) -> bool:
            # Inserted above, and the view moved down by as much (ThreadView.prepend).
            return len(view.message_ids) > shown and view.scroll_y > 0

        began = time.perf_counter()
        view.scroll_home(animate=False, immediate=True)
        await until(paged, "an older page")
        await pilot.pause(0)
        result["older"].append(time.perf_counter() - began)
        result["older_fetch"].append(fetches[-1])
        await pilot.pause()
    result["bubbles"] = len(view.message_ids)
    result["rss_paged"] = status_mb("VmRSS")
    steps = []
    for _ in range(5):
        began = time.perf_counter()
        view.scroll_relative(y=3, animate=False, immediate=True)
        await pilot.pause(0)
        steps.append(time.perf_counter() - began)
    result["scroll"] = statistics.median(steps)


async def under_load(
    app: SmsConsoleApp,
    pilot: Pilot[None],
    load: LoadPlan,
    result: dict[str, Any],
) -> None:
    """Press keys in the conversation list while callbacks arrive at ``load.rate``.

    A press is answered when the screen has rendered a frame after the list's action ran:
    from the key event handed to the driver, as a terminal's input thread hands it over, to
    the first ``App._display`` (the compositor's update, rendered) after the cursor moved.
    """
    from smsconsole.tui.widgets.conversation_list import ConversationList

    screen = app.inbox_screen
    listing = screen.query_one(ConversationList)
    listing.focus()
    await pilot.pause()
    frames: list[float] = []
    acted: list[float] = []
    applied: list[int] = [0]
    shown = app._display
    apply = app.apply

    def display(on: Any, renderable: Any) -> None:
        if renderable is not None:
            frames.append(time.perf_counter())
        shown(on, renderable)

    async def counted(seq: int, event: Any) -> None:
        applied[0] += 1
        await apply(seq, event)

    def noting(action: Callable[[], None]) -> Callable[[], None]:
        def noted() -> None:
            acted.append(time.perf_counter())
            action()

        return noted

    app._display = display  # type: ignore[method-assign]
    app.apply = counted  # type: ignore[method-assign]
    listing.action_cursor_down = noting(listing.action_cursor_down)  # type: ignore[method-assign]
    listing.action_cursor_up = noting(listing.action_cursor_up)  # type: ignore[method-assign]
    conversation = app.inbox.conversations[load.big_id]
    command = [sys.executable, __file__, "--send", str(load.port), "--rate", repr(load.rate)]
    command += ["--load-seconds", repr(load.seconds), "--our", conversation.our_number]
    command += ["--remote", conversation.remote_number]
    sender = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    assert sender.stdout is not None
    try:
        if (await sender.stdout.readline()).strip() != b"started":
            raise RuntimeError("the load sender did not start")
        await asyncio.sleep(LOAD_WARMUP_S)
        stored_before = int((await app.client.status())["seq"])
        cpu, began, applied_before = time.process_time(), time.perf_counter(), applied[0]
        server_cpu = cpu_seconds(load.server_pid)
        latencies = await presses(app, acted, frames, began + load.seconds - LOAD_WARMUP_S - 0.5)
        elapsed = time.perf_counter() - began
        result["load_console_cpu"] = (time.process_time() - cpu) / elapsed
        result["load_server_cpu"] = (cpu_seconds(load.server_pid) - server_cpu) / elapsed
        result["load_applied_rate"] = (applied[0] - applied_before) / elapsed
        stored_after = int((await app.client.status())["seq"])
        result["load_stored_rate"] = (stored_after - stored_before) / elapsed
        output, _ = await asyncio.wait_for(sender.communicate(), load.seconds + 60)
    finally:
        if sender.returncode is None:
            sender.kill()
            await sender.wait()
    line = next(ln for ln in output.decode().splitlines() if ln.startswith(RESULT_PREFIX))
    result["load_sender"] = json.loads(line.removeprefix(RESULT_PREFIX))
    result["load_presses"] = latencies
    stored = int((await app.client.status())["seq"])
    result["load_behind"] = max(0, stored - app.client.last_seq)
    behind_at = time.perf_counter()
    await until(lambda: app.client.last_seq >= stored, "the feed to catch up")
    result["load_catch_up"] = time.perf_counter() - behind_at


async def presses(
    app: SmsConsoleApp, acted: list[float], frames: list[float], end: float
) -> list[float]:
    """Press down and up in turn every ``PRESS_EVERY_S`` until ``end``; seconds each took."""
    from textual import events

    driver = app._driver
    assert driver is not None
    latencies: list[float] = []
    key = "down"
    tick = time.perf_counter()
    while tick < end:
        before = len(acted)
        pressed = time.perf_counter()
        driver.send_message(events.Key(key, None))
        await until(lambda before=before: len(acted) > before, "the key's action")
        ran = acted[-1]
        await until(lambda ran=ran: frames and frames[-1] > ran, "a frame after the key")
        latencies.append(next(t for t in frames if t > ran) - pressed)
        key = "up" if key == "down" else "down"
        tick += PRESS_EVERY_S
        await asyncio.sleep(max(0.0, tick - time.perf_counter()))
    return latencies


def console_main(args: argparse.Namespace) -> None:
    """The ``--console`` subprocess: measure, print one result line."""
    load = None
    if args.rate > 0:
        port = int(args.console.rsplit(":", 1)[1])
        load = LoadPlan(port, args.server_pid, args.big_id, args.rate, args.load_seconds)
    measuring = measure_console(args.console, args.big_id, args.expected, args.pages, load)
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
        try:
            result = profile.runcall(asyncio.run, measuring)
        finally:
            profile.dump_stats(args.profile)
    else:
        result = asyncio.run(measuring)
    result["launch_usable"] = result.pop("usable_mono") - args.spawned
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def run_console(
    processes: Processes, port: int, server_pid: int, built: BuiltStore, args: argparse.Namespace
) -> dict[str, Any]:
    """Run the console subprocess; answer its measurements."""
    command = [sys.executable, __file__, "--console", f"http://{HOST}:{port}"]
    command += ["--big-id", built.big_id, "--expected", str(built.conversations)]
    command += ["--pages", str(args.pages), "--spawned", repr(time.monotonic())]
    command += ["--rate", repr(args.rate), "--load-seconds", repr(args.load_seconds)]
    command += ["--server-pid", str(server_pid)]
    if args.profile:
        command += ["--profile", str(Path(args.profile).resolve())]
    process = processes.start(command, stdout=subprocess.PIPE)
    try:
        output, _ = process.communicate(timeout=4 * STEP_SECONDS + args.load_seconds)
    except subprocess.TimeoutExpired:
        raise RuntimeError("the console run did not finish in time") from None
    for line in output.splitlines():
        if line.startswith(RESULT_PREFIX):
            found: dict[str, Any] = json.loads(line.removeprefix(RESULT_PREFIX))
            return found
    raise RuntimeError(f"the console run failed (exit {process.returncode}); see its stderr")


# --- the report ---------------------------------------------------------------------------


def row(metric: str, measured: str, target: str = "", passed: bool | None = None) -> str:
    """One line of the table."""
    verdict = "" if passed is None else ("PASS" if passed else "FAIL  <<<")
    return f"  {metric:<48} {measured:>9}  {target:>9}  {verdict}".rstrip()


def duration(value: float) -> str:
    """Milliseconds below a second, else seconds."""
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def timed_row(metric: str, value: float, target: float | None = None) -> str:
    """A line for a duration, judged against ``target`` seconds when given."""
    if target is None:
        return row(metric, duration(value))
    return row(metric, duration(value), f"< {duration(target)}", value < target)


def report(
    args: argparse.Namespace,
    built: BuiltStore,
    console: dict[str, Any],
    server_rss: float,
    api: dict[str, float],
) -> None:
    """Print the machine, the store, and the table of figures."""
    older: list[float] = console["older"]
    rss: float = console["rss_mb"]
    print(
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()},"
        f" Textual {console['textual']}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"store: {built.conversations:,} conversations, {built.messages:,} messages"
        f" (one thread of {args.messages:,}), {built.megabytes:.0f} MB; built in"
        f" {built.rows_seconds:.1f} s + full-text index {built.fts_seconds:.1f} s"
    )
    print("server: `python -m smsconsole serve`, its own process, loopback")
    print("console: SmsConsoleApp under run_test(size=(120, 40)), its own process\n")
    print(row("metric", "measured", "target", None) + "  result")
    print(
        timed_row("usable screen (rows + connected), from app start", console["usable"], USABLE_S)
    )
    print(timed_row(f"open the {args.messages:,}-message thread", console["open"], OPEN_S))
    print(timed_row(f"page older in, median of {len(older)}", statistics.median(older), OLDER_S))
    print(timed_row(f"page older in, max of {len(older)}", max(older), OLDER_S))
    print(row("peak RSS, console process", f"{rss:.0f} MB", f"< {RSS_MB:g} MB", rss < RSS_MB))
    if "load_presses" in console:
        pressed: list[float] = console["load_presses"]
        during = f"key press answered at {args.rate:g} callbacks/s"
        print(timed_row(f"{during}, p50 of {len(pressed)}", nearest_rank(pressed, 50), KEY_S))
        print(timed_row(f"{during}, p99", nearest_rank(pressed, 99), KEY_S))
        print(timed_row(f"{during}, max", max(pressed), KEY_S))
    print("\nfor reading the figures:")
    print(timed_row("first rows painted (feed not yet connected)", console["rows"]))
    print(timed_row("usable screen, from process launch", console["launch_usable"]))
    print(timed_row("  of which importing smsconsole.tui.app", console["import"]))
    print(row("conversations listed when usable", f"{console['usable_rows']:,}"))
    print(timed_row(f"all {built.conversations:,} conversations listed", console["full_list"]))
    print(timed_row("open: of which fetching the page (HTTP + decode)", console["open_fetch"]))
    each = ", ".join(f"{t * 1000:.0f}" for t in older)
    fetched = ", ".join(f"{t * 1000:.0f}" for t in console["older_fetch"])
    print(f"  page older, each (ms): {each}; of which fetching: {fetched}")
    print(
        row(
            "messages in the view after open / after paging",
            f"{console['open_bubbles']} / {console['bubbles']}",
        )
    )
    print(
        timed_row(f"scroll 3 lines with {console['bubbles']} messages (median)", console["scroll"])
    )
    phases = (
        f"{console['rss_usable']:.0f} / {console['rss_listed']:.0f} / {console['rss_paged']:.0f}"
    )
    print(row("console RSS when usable / listed / paged (MB)", phases))
    print(row("peak RSS, server process (VmHWM)", f"{server_rss:.0f} MB"))
    if "load_presses" in console:
        load_lines(args, console)
    print(timed_row("server alone: 200 conversations (median)", api["api_list"]))
    print(timed_row("server alone: the thread's newest 50 (median)", api["api_first"]))
    print(timed_row("server alone: an older page of 50 (median)", api["api_older"]))


def nearest_rank(samples: list[float], percent: float) -> float:
    """The ``percent`` percentile of ``samples``, nearest rank."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def load_lines(args: argparse.Namespace, console: dict[str, Any]) -> None:
    """For reading the key presses: what arrived, what it cost whom."""
    sender = console["load_sender"]
    print(
        row(
            f"load: callbacks sent / answered 2xx ({args.load_seconds:g} s)",
            f"{sender['sent']:,} / {sender['ok']:,}",
        )
    )
    rates = f"{console['load_stored_rate']:.0f} / {console['load_applied_rate']:.0f}"
    print(row("load: events/s stored by the server / applied by console", rates))
    pressed: list[float] = console["load_presses"]
    slowest = sorted(range(len(pressed)), key=pressed.__getitem__)[-3:]
    each = ", ".join(f"#{i + 1} {pressed[i] * 1000:.0f}" for i in reversed(slowest))
    print(f"  slowest presses (ms): {each}")
    print(row("load: console behind the server when it ended", f"{console['load_behind']:,}"))
    print(timed_row("load: then caught up in", console["load_catch_up"]))
    print(timed_row("load: sender's worst lag behind its schedule", sender["worst_lag_ms"] / 1e3))
    cpu = (
        f"{100 * console['load_console_cpu']:.0f} / {100 * console['load_server_cpu']:.0f}"
        f" / {100 * sender['cpu']:.0f}"
    )
    print(row("load: CPU % of a core, console / server / sender", cpu))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=100_000, help="in the one big thread")
    parser.add_argument("--pages", type=int, default=5, help="older pages to time")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--rate", type=float, default=500.0, help="callbacks/s while keys are pressed (0: none)"
    )
    parser.add_argument("--load-seconds", type=float, default=10.0, help="of callbacks sent")
    parser.add_argument("--profile", help="write the console process's cProfile stats here")
    parser.add_argument("--console", help=argparse.SUPPRESS)
    parser.add_argument("--send", type=int, help=argparse.SUPPRESS)  # the server's port
    parser.add_argument("--our", help=argparse.SUPPRESS)
    parser.add_argument("--remote", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--big-id", help=argparse.SUPPRESS)
    parser.add_argument("--expected", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--spawned", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.send:
        import ingest

        ingest.run_fast(send_load(args.send, args.our, args.remote, args.rate, args.load_seconds))
        return
    if args.console:
        console_main(args)
        return
    processes = Processes()
    workdir = Path(tempfile.mkdtemp(prefix="smsconsole-bench-tui-"))
    try:
        print(f"building the store in {workdir} ...", flush=True)
        built = build_store(workdir / "store.db", args.conversations, args.messages, args.seed)
        port, server_pid = start_server(processes, workdir, built.path)
        print("measuring the console ...\n", flush=True)
        console = run_console(processes, port, server_pid, built, args)
        server_rss = status_mb("VmHWM", server_pid)
        api = api_timings(port, built.big_id, args.pages)
        report(args, built, console, server_rss, api)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    finally:
        processes.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
