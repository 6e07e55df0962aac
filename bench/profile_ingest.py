"""Where a callback's time goes: py-spy on the server while wrk drives it (issue 12).

Run: ``uv run python bench/profile_ingest.py [--seconds N] [--subscribers 10]
[--durability full|normal] [--keep DIR]`` (needs ``wrk`` and ``py-spy``: ``uvx py-spy`` is
used when ``py-spy`` is not on PATH; never a project dependency). Root, or a kernel that lets
this user ptrace its own children.

It starts ``smsconsole serve``'s app as ``bench/ingest.py`` does (same settings, uvicorn
config and subscribers), drives it with wrk (``-t1 -c32``, unique inbound SMS per request),
and while wrk runs records the server with ``py-spy record --idle --threads --format raw``:
every thread is sampled every tick, so a thread's samples are its wall time. Stacks are
sorted into the steps of the ingest path (rules below): a frame in ``smsconsole/store`` on a
line that calls ``execute`` is named by the SQL of that call (read with ``ast`` from the
source, so the mapping follows the code as it is). Requests are counted by the server's seq
before and after the recording, the CPU of each thread from ``/proc/<pid>/task/<tid>/stat``.

The FTS share of the message insert is measured apart (py-spy cannot see inside one
``INSERT``): the same inserts on a fresh store with and without the FTS trigger.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import functools
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import ingest
from msgspec.structs import replace

from smsconsole.core.events import MessageEvent
from smsconsole.core.messages import message_from_event
from smsconsole.providers.catapult.callbacks import parse_json_body
from smsconsole.store.rows import MESSAGE_COLUMNS, message_values
from smsconsole.store.sqlite import SqliteStore

ROOT: Final = Path(ingest.__file__).resolve().parent.parent / "src"
FRAME: Final = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*):(?P<line>\d+)\)$")
IDLE_CALLS: Final = {"get", "wait", "sleep", "join", "acquire", "select", "poll", "_worker"}

# SQL of an execute call -> the step it is (first match wins).
SQL_STEPS: Final = [
    (r"^SELECT 1 FROM callbacks", "SQL dedupe lookup (SELECT callbacks by dedupe_key)"),
    (r"FROM messages WHERE provider_id = \?", "SQL message lookup by provider id"),
    (r"^INSERT INTO messages", "SQL message insert (+ FTS trigger)"),
    (r"^INSERT INTO conversations", "SQL conversation upsert (+ next seq, RETURNING it)"),
    (r"sqlite_sequence", "SQL next seq (SELECT sqlite_sequence)"),
    (r"FROM conversations", "SQL conversation read-back (+ contact join)"),
    (r"^INSERT INTO events", "SQL event insert"),
    (r"^INSERT INTO callbacks", "SQL raw callback log insert (+ headers encode)"),
    (r"^(SAVEPOINT|RELEASE|ROLLBACK TO)", "SQL savepoint + release"),
    (r"^BEGIN", "SQL BEGIN IMMEDIATE"),
    (r"^COMMIT", "SQL COMMIT (+ WAL fsync at full)"),
]
# Loop-thread rules on (file suffix, function regex), first pass: our own steps and the
# hand-offs, whatever library code they called.
LOOP_STEPS: Final = [
    ("smsconsole/server/auth.py", r"callback_allowed|basic_credentials|_same", "auth (Basic)"),
    ("smsconsole/server/auth.py", r"redacted_headers", "raw-log record (redact headers)"),
    ("catapult/callbacks.py", r"^(dedupe_key|_subject)$", "dedupe key (encode + sha256)"),
    ("catapult/callbacks.py", r".", "parse (JSON decode + callback parse)"),
    ("smsconsole/core/events.py", r".", "parse (JSON decode + callback parse)"),
    ("smsconsole/server/callbacks.py", r"_bounded_body", "HTTP read body (ASGI receive)"),
    ("smsconsole/store/writer.py", r".", "hand-off to the writer (submit, await)"),
    ("smsconsole/store/sqlite.py", r".", "hand-off to the writer (submit, await)"),
    ("asyncio/futures.py", r"_call_set_state|_copy_future_state|_set_state|wrap_future",
     "hand-off to the writer (submit, await)"),
    ("smsconsole/server/hub.py", r".", "fan-out: hub publish (frame encode, queues)"),
    ("smsconsole/core/feed.py", r".", "fan-out: hub publish (frame encode, queues)"),
    ("smsconsole/server/feed.py", r".", "fan-out: websocket send"),
    ("uvicorn/protocols/websockets", r".", "fan-out: websocket send"),
]  # fmt: skip
# Second pass, when no frame matched the first: whose code it was.
LOOP_LIBRARIES: Final = [
    ("uvicorn/protocols/http", "HTTP (uvicorn httptools protocol, httptools)"),
    ("httptools/", "HTTP (uvicorn httptools protocol, httptools)"),
    ("smsconsole/server/limits.py", "HTTP (uvicorn httptools protocol, httptools)"),
    ("starlette/", "Starlette (middleware, routing, request, response)"),
    ("smsconsole/server/method_route.py", "Starlette (middleware, routing, request, response)"),
    ("smsconsole/server/responses.py", "Starlette (middleware, routing, request, response)"),
    ("uvicorn/middleware", "Starlette (middleware, routing, request, response)"),
    ("smsconsole/server/callbacks.py", "endpoint glue (callback_endpoint)"),
    ("asyncio/", "event loop (asyncio Python code; uvloop itself is native)"),
]
WRITER_STEPS: Final = [
    ("smsconsole/core/feed.py", "writer: event encode (msgspec)"),
    ("smsconsole/core/", "writer: build message (ids, clock, preview)"),
    ("smsconsole/server/hub.py", "writer: publish to the loop (call_soon_threadsafe)"),
    ("smsconsole/store/sqlite.py", "writer: publish to the loop (call_soon_threadsafe)"),
    ("smsconsole/store/rows.py", "writer: row building (Python)"),
    ("smsconsole/store/writes.py", "writer: ingest logic (Python)"),
    ("smsconsole/store/writer.py", "writer: batch, savepoint logic, futures"),
]


@functools.cache
def _source(path: str) -> ast.Module | None:
    file = ROOT / path
    return ast.parse(file.read_text()) if file.exists() else None


@functools.cache
def _call_at(path: str, line: int) -> tuple[str, str] | None:
    """The innermost call on ``line`` of ``path``: (method or function name, its SQL if any)."""
    tree = _source(path)
    if tree is None:
        return None
    best: ast.Call | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.lineno <= line <= (node.end_lineno or node.lineno):
            spans = (node.end_lineno or 0) - node.lineno
            if best is None or spans < (best.end_lineno or 0) - best.lineno:
                best = node
            elif spans == (best.end_lineno or 0) - best.lineno and not _is_execute(best):
                best = node  # on one line, ``execute(SQL, values(...))`` is the execute
    if best is None:
        return None
    func = best.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    sql = ""
    if name == "execute" and best.args:
        first = best.args[0]
        if isinstance(first, ast.Name):  # a module's constant: SEEN_SQL, INSERT_MESSAGE_SQL
            first = _module_constant(tree, first.id) or first
        sql = _text_of(first)
    return name, sql


def _is_execute(node: ast.Call) -> bool:
    return isinstance(node.func, ast.Attribute) and node.func.attr == "execute"


def _module_constant(tree: ast.Module, name: str) -> ast.expr | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return node.value
    return None


def _text_of(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
    return ""


def _frames(stack: str) -> tuple[str, list[tuple[str, str, int]]]:
    thread, *rest = stack.split(";")  # "thread (<tid>): <name>"
    frames = []
    for text in rest:
        if match := FRAME.match(text):
            frames.append((match["func"], match["file"], int(match["line"])))
    return thread.split(": ", 1)[-1], frames


def _our_path(file: str) -> str | None:
    return file if file.startswith("smsconsole/") else None


def _idle(thread: str, frames: list[tuple[str, str, int]]) -> bool:
    if not frames:
        return True
    func, file, line = frames[-1]
    if file.endswith("asyncio/runners.py"):  # inside uvloop's native run: waiting for I/O
        return True
    if (path := _our_path(file)) is not None and (call := _call_at(path, line)) is not None:
        return call[0] in IDLE_CALLS
    return file.endswith(("threading.py", "queue.py", "selectors.py")) or func in IDLE_CALLS


def classify(thread: str, frames: list[tuple[str, str, int]]) -> str:
    """The step of the ingest path one sample was in."""
    if _idle(thread, frames):
        return "idle (waiting)"
    if thread == "smsconsole-store-writer":
        for _, file, line in reversed(frames):
            if (path := _our_path(file)) and path.startswith("smsconsole/store/"):
                call = _call_at(path, line)
                if call and call[1]:
                    for pattern, step in SQL_STEPS:
                        if re.search(pattern, call[1].strip()):
                            return step
                    return f"SQL other: {call[1].strip()[:40]}"
        for _, file, _line in reversed(frames):
            for prefix, step in WRITER_STEPS:
                if file.startswith(prefix):
                    return step
        return "writer: other (stdlib)"
    if thread == "MainThread":
        for func, file, _line in reversed(frames):
            for suffix, pattern, step in LOOP_STEPS:
                if suffix in file and re.search(pattern, func.split(".")[-1]):
                    return step
        for _, file, _line in reversed(frames):
            for prefix, step in LOOP_LIBRARIES:
                if prefix in file:
                    return step
        return "loop: other"
    return f"other thread: {thread}"


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds so far of each thread of ``pid``, by thread id (Python 3.11 does not name
    OS threads; py-spy's stacks give each id its Python name)."""
    ticks = os.sysconf("SC_CLK_TCK")
    result: dict[int, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        result[int(task.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return result


def py_spy() -> list[str]:
    found = shutil.which("py-spy")
    if found:
        return [found]
    if shutil.which("uvx"):
        return ["uvx", "py-spy"]
    raise SystemExit("py-spy not found: uvx py-spy, or pip install py-spy in a throwaway venv")


def fts_cost(count: int = 3000) -> tuple[float, float]:
    """µs per message insert on a fresh store with the FTS trigger, and without it."""
    body = ingest.sms_payload("fts", 1, "Hello from the benchmark")
    event = parse_json_body(body)
    assert isinstance(event, MessageEvent)
    placeholders = ", ".join("?" * len(MESSAGE_COLUMNS.split(",")))
    insert = f"INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES ({placeholders})"
    timings = []
    with tempfile.TemporaryDirectory(prefix="smsconsole-fts-") as tmp:
        for trigger in (True, False):
            path = Path(tmp) / f"{trigger}.db"
            store = SqliteStore(path)
            asyncio.run(store.open())
            asyncio.run(store.close())
            connection = sqlite3.connect(path, isolation_level=None)
            if not trigger:
                connection.execute("DROP TRIGGER messages_fts_insert")
            message = message_from_event("msg", event, "2026-01-01T00:00:00Z")
            rows = [
                message_values(replace(message, id=f"msg-{i}", provider_id=f"m-{i}"))
                for i in range(count)
            ]
            connection.execute("BEGIN")
            started = time.perf_counter()
            for row in rows:
                connection.execute(insert, row)
            timings.append((time.perf_counter() - started) / count * 1e6)
            connection.execute("COMMIT")
            connection.close()
    return timings[0], timings[1]


async def profile(
    args: argparse.Namespace, workdir: Path
) -> tuple[Counter[tuple[str, str]], dict[str, float]]:
    processes = ingest.Processes()
    bench = ingest.Bench(args, processes, workdir)
    try:
        server = await bench.server("smsconsole")
        if args.subscribers:
            await bench.subscribers(server)
        pid = server.process.pid
        await asyncio.to_thread(bench.wrk, server, 2, {})  # warm-up
        total = args.seconds + 4
        load = asyncio.create_task(asyncio.to_thread(bench.wrk, server, total, {}))
        await asyncio.sleep(2)
        seq_before, cpu_before = await ingest.stored_seq_now(server.base), thread_cpu(pid)
        raw = workdir / "py-spy.txt"
        argv = [*py_spy(), "record", "--pid", str(pid), "--idle", "--threads", "--format", "raw"]
        # Without --nonblocking py-spy stops the process for each sample (half the
        # throughput at 250/s); the stacks of a running process are then and again torn.
        argv += ["--nonblocking"] if not args.blocking else []
        argv += ["--rate", str(args.rate), "--duration", str(args.seconds), "-o", str(raw)]
        started = time.monotonic()
        spy = processes.spawn(argv, log=workdir / "py-spy.log")
        await asyncio.to_thread(spy.wait)
        elapsed = time.monotonic() - started
        seq_after, cpu_after = await ingest.stored_seq_now(server.base), thread_cpu(pid)
        run = await load
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(raw, args.keep / "py-spy.txt")
    finally:
        processes.stop_all()
    steps: Counter[tuple[str, str]] = Counter()
    names: dict[int, str] = {}
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        thread, frames = _frames(stack)
        if tid := re.match(r"thread \((\d+)\)", stack):
            names[int(tid[1])] = thread
        steps[(thread, classify(thread, frames))] += int(count)
    figures = {
        "requests": seq_after - seq_before,
        "stored_before": seq_before,
        "elapsed": elapsed,
        "wrk_rps": run.requests_per_second,
        "wrk_cpu": run.cpu["wrk"],
    }
    for tid, seconds in cpu_after.items():
        name = f"cpu:{names.get(tid, f'thread {tid}')}"
        figures[name] = figures.get(name, 0.0) + seconds - cpu_before.get(tid, 0.0)
    return steps, figures


def report(
    args: argparse.Namespace, steps: Counter[tuple[str, str]], figures: dict[str, float]
) -> None:
    requests = figures["requests"]
    rate = args.rate
    per_thread: Counter[str] = Counter()
    for (thread, _), count in steps.items():
        per_thread[thread] += count
    print(
        f"profile: smsconsole, durability={args.durability}, {args.subscribers} subscribers, "
        f"wrk -t1 -c{args.connections}: {figures['wrk_rps']:.0f} req/s over the whole run "
        f"(wrk CPU {figures['wrk_cpu']:.0f}%); py-spy {rate}/s for {figures['elapsed']:.1f} s, "
        f"{requests:.0f} requests stored in the window (the store held "
        f"{figures['stored_before']:.0f} callbacks when it began)"
    )
    print("thread CPU in the window (/proc), per request:")
    for name, seconds in sorted(figures.items()):
        if name.startswith("cpu:") and seconds > 0:
            share = 100 * seconds / figures["elapsed"]
            print(f"  {name[4:]:<28} {seconds / requests * 1e6:>7.1f} us/req  {share:>4.0f}% core")
    for thread in ("MainThread", "smsconsole-store-writer"):
        samples = per_thread[thread]
        busy = samples - steps[(thread, "idle (waiting)")]
        label = "event loop" if thread == "MainThread" else "writer thread"
        print(f"\n{label}: {samples} samples (wall), busy {100 * busy / max(samples, 1):.0f}%")
        print(f"  {'step':<58} {'us/req':>7} {'% busy':>7}")
        rows = [(step, n) for (t, step), n in steps.items() if t == thread]
        for step, count in sorted(rows, key=lambda row: -row[1]):
            us = count / rate / requests * 1e6
            share = "" if step.startswith("idle") else f"{100 * count / max(busy, 1):>6.1f}%"
            print(f"  {step:<58} {us:>7.1f} {share:>7}")
    others = [(t, n) for t, n in per_thread.items() if t not in ("MainThread",)]
    others = [(t, n) for t, n in others if t != "smsconsole-store-writer"]
    busy_others = {
        t: sum(n for (tt, s), n in steps.items() if tt == t and not s.startswith("idle"))
        for t, _ in others
    }
    print("\nother threads, busy us/req (wall): " + ", ".join(
        f"{t} {n / rate / requests * 1e6:.1f}" for t, n in busy_others.items()
    ))  # fmt: skip
    with_fts, without = fts_cost()
    print(
        f"\nFTS index, apart: message INSERT {with_fts:.1f} us with the FTS trigger, "
        f"{without:.1f} us without: the index costs {with_fts - without:.1f} us per message"
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=int, default=12, help="seconds recorded")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--subscribers", type=int, default=10, help="websocket subscribers")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--durability", choices=("full", "normal"), default="full")
    parser.add_argument("--blocking", action="store_true", help="py-spy pauses the server")
    parser.add_argument("--keep", type=Path, help="copy py-spy's raw stacks to this directory")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="smsconsole-profile-") as tmp:
        try:
            steps, figures = asyncio.run(profile(args, Path(tmp)))
        except KeyboardInterrupt:
            print("interrupted; subprocesses stopped", file=sys.stderr)
            return 130
        report(args, steps, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
