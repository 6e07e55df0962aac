"""Ingest benchmark for the callback server (issues 4 and 12), load from wrk.

Run: ``uv run python bench/ingest.py [--rounds N] [--seconds S] [--subscribers N]
[--durability full|normal]`` (needs ``wrk``: ``apt-get install wrk``).

Two measurements, printed as tables:

1. Throughput of ``POST /callbacks/messages``, driven by wrk (``-t1 -c32``, a Lua script that
   sends reference §6.3 inbound-SMS payloads with a new ``messageId`` per request and the
   callback Basic credentials), in runs interleaved bare, smsconsole, bare, smsconsole, ...
   The bare server is a Starlette endpoint that parses the JSON and answers 200. Both run
   under the uvicorn settings of ``smsconsole.server.run.uvicorn_config``, each in its own
   subprocess. Per run: req/s, wrk's p50/p99 latency, non-2xx and socket errors, and the CPU
   of the server, of wrk (so a reader sees the generator is not the limit) and of the
   subscribers; then the medians and the ratio smsconsole / bare (target >= 0.5). Websocket
   subscribers (their own process) read ``/ws`` throughout, resume with their last seq when
   dropped, as a console does, and are checked to have received every stored event
   (seq 1..N, N from ``/api/status``) exactly once.
2. Callback-to-websocket latency at steady rates (500/s and 2,000/s by default): an
   open-loop sender on raw HTTP/1.1 keep-alive sockets stamps the time each callback was due
   into its text; the subscribers subtract it from the time the frame arrives.

The script re-invokes itself for its server (``--serve smsconsole|bare``) and subscriber
(``--subscribe``) processes. Loopback only; every subprocess and temporary directory is
removed at the end, also on Ctrl-C. ``bench/profile_ingest.py`` reuses its pieces.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.util
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from smsconsole.server.run import uvicorn_config
from smsconsole.settings.config import Settings, load_settings

HOST: Final = "127.0.0.1"
TOKEN: Final = "bench-token"
CALLBACK_USER: Final = "bandwidth"
CALLBACK_PASSWORD: Final = "bench-callback-secret"
HEADERS: Final = {
    "Content-Type": "application/json; charset=utf-8",
    "User-Agent": "BandwidthAPI/v1",
    "Authorization": "Basic "
    + base64.b64encode(f"{CALLBACK_USER}:{CALLBACK_PASSWORD}".encode()).decode(),
}
EVENT_PREFIX: Final = '{"type":"event","seq":'  # feed.event_frame's compact encoding
LIVE_PREFIX: Final = '{"type":"live"'
STAMP: Final = re.compile(r"bench-t=(\d+)")
REMOTE_NUMBERS: Final = 50  # spread messages over many conversations, as in real traffic
READY_SECONDS: Final = 20.0
DRAIN_SECONDS: Final = 30.0
WRK_RESULT: Final = "wrk-result"


# --- the processes under test -------------------------------------------------------------


def bench_settings(workdir: Path, port: int, durability: str) -> Settings:
    """Settings for a benchmark server: no provider (so no catch-up), a fresh store."""
    workdir.mkdir(parents=True, exist_ok=True)
    empty = workdir / "empty.toml"  # never read the user's config file
    empty.touch()
    return load_settings(
        empty,
        environ={
            "SMSCONSOLE_SERVER_TOKEN": TOKEN,
            "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": CALLBACK_PASSWORD,
            "SMSCONSOLE_STORE_PATH": str(workdir / "store.db"),
            "SMSCONSOLE_SERVER_PORT": str(port),
            "SMSCONSOLE_STORE_DURABILITY": durability,
        },
    )


def bench_uvicorn_config(settings: Settings) -> uvicorn.Config:
    """The server's own uvicorn settings, loopback, warnings only."""
    return uvicorn_config(settings, host=HOST, port=settings.server.port, log_level="warning")


async def healthz(request: Request) -> JSONResponse:
    """Readiness probe of the bare server."""
    return JSONResponse({"status": "ok"})


async def bare_callback(request: Request) -> JSONResponse:
    """The baseline: parse the JSON body and answer 200."""
    json.loads(await request.body())
    return JSONResponse({"outcome": "stored"})


def serve(kind: str, port: int, workdir: Path, durability: str) -> None:
    """Run one server in this process until SIGTERM."""
    config = bench_uvicorn_config(bench_settings(workdir, port, durability))
    if kind == "bare":
        # Same Config object, so loop, http and ws implementations are the same; only the
        # application differs.
        config.app = Starlette(
            routes=[
                Route("/healthz", healthz),
                Route("/callbacks/messages", bare_callback, methods=["POST"]),
            ]
        )
    uvicorn.Server(config).run()


@dataclass
class Feed:
    """One websocket subscriber that resumes as a console does, and counts what it got."""

    seqs: set[int] = field(default_factory=set)
    duplicates: int = 0
    last: int = 0
    drops: int = 0
    resets: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    live: asyncio.Event = field(default_factory=asyncio.Event)
    why: str | None = None  # the last drop or failure

    async def run(self, url: str) -> None:
        """Follow the feed until cancelled, resubscribing with the last seq when dropped."""
        failures = 0
        while True:
            try:
                async with connect(url, open_timeout=10) as ws:
                    await ws.send(json.dumps({"type": "subscribe", "since": self.last}))
                    failures = 0
                    async for frame in ws:
                        self._frame(frame if isinstance(frame, str) else frame.decode())
                self.why = f"closed by server ({ws.close_code} {ws.close_reason})"
            except ConnectionClosed as closed:
                self.why = f"dropped: {closed}"
            except OSError as problem:
                failures += 1
                self.why = f"failed: {problem}"
                if failures > 20:
                    return
            self.drops += 1
            await asyncio.sleep(0.05)

    def _frame(self, text: str) -> None:
        now = time.monotonic_ns()
        if text.startswith(EVENT_PREFIX):
            seq = int(text[len(EVENT_PREFIX) : text.index(",", len(EVENT_PREFIX))])
            if seq in self.seqs:
                self.duplicates += 1
            else:
                self.seqs.add(seq)
            self.last = max(self.last, seq)
            if "bench-t=" in text and (stamp := STAMP.search(text)):
                self.latencies_ms.append((now - int(stamp[1])) / 1e6)
        elif text.startswith(LIVE_PREFIX):
            self.live.set()
        elif '"reset"' in text:
            self.resets += 1
            self.last = 0

    def summary(self, expected: int) -> dict[str, Any]:
        """What this feed got of seq 1..``expected``."""
        got = sum(1 for seq in self.seqs if 1 <= seq <= expected)
        return {
            "missing": expected - got,
            "duplicates": self.duplicates,
            "beyond": len(self.seqs) - got,
            "drops": self.drops,
            "resets": self.resets,
            "why": self.why,
        }


async def subscribe(port: int, count: int) -> None:
    """Subscriber process: attach ``count`` feeds, say ``ready``, report when told to stop.

    Reads the last seq the server stored from stdin, waits (bounded) until every feed has
    reached it, then prints a JSON summary on stdout.
    """
    url = f"ws://{HOST}:{port}/ws?token={TOKEN}"
    feeds = [Feed() for _ in range(count)]
    tasks = [asyncio.create_task(feed.run(url)) for feed in feeds]
    async with asyncio.timeout(READY_SECONDS):
        await asyncio.gather(*(feed.live.wait() for feed in feeds))
    print("ready", flush=True)
    expected = int(await asyncio.to_thread(sys.stdin.readline) or "0")
    deadline = time.monotonic() + DRAIN_SECONDS
    while any(feed.last < expected for feed in feeds) and time.monotonic() < deadline:  # noqa: ASYNC110 - the feeds move in their tasks
        await asyncio.sleep(0.02)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    summary = {
        "feeds": [feed.summary(expected) for feed in feeds],
        "first": feeds[0].latencies_ms,
        "all": stats([ms for feed in feeds for ms in feed.latencies_ms]),
    }
    print(json.dumps(summary), flush=True)


# --- processes and measuring them ---------------------------------------------------------


def free_port() -> int:
    """A port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Processes:
    """The subprocesses of a run, all stopped on exit (SIGTERM, then SIGKILL)."""

    def __init__(self) -> None:
        self._running: list[subprocess.Popen[str]] = []

    def start(
        self, *args: str, piped: bool = False, log: Path | None = None
    ) -> subprocess.Popen[str]:
        """This script again, with ``args`` (a server or the subscribers)."""
        return self.spawn([sys.executable, __file__, *args], piped=piped, log=log)

    def spawn(
        self, argv: Sequence[str], *, piped: bool = False, log: Path | None = None
    ) -> subprocess.Popen[str]:
        """Any program (wrk, py-spy), stopped with the others."""
        with open(log or os.devnull, "ab") as stderr:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if piped else subprocess.DEVNULL,
                stdout=subprocess.PIPE if piped else subprocess.DEVNULL,
                stderr=stderr if log else None,
                text=True,
                start_new_session=True,  # Ctrl-C reaches only us; we stop them in order
            )
        self._running.append(process)
        return process

    def stop(self, process: subprocess.Popen[str]) -> None:
        if process.returncode is None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        if process in self._running:
            self._running.remove(process)

    def stop_all(self) -> None:
        for process in reversed(self._running):
            self.stop(process)


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of a process so far; this one when ``pid`` is None."""
    if pid is None:
        return time.process_time()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan  # not Linux, or already gone
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_ready(base: str, process: subprocess.Popen[str]) -> None:
    """Poll ``/healthz`` until the server answers (bounded)."""
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode} before it was ready")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"server at {base} not ready after {READY_SECONDS} s")


async def stored_seq_now(base: str) -> int:
    """The server's latest event seq (``/api/status``, with the bearer token)."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return int((await client.get("/api/status", headers=headers)).json()["seq"])


async def stored_seq(base: str) -> int:
    """The server's latest event seq, once it has stopped moving (in-flight writes done)."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        previous = -1
        while True:
            seq = int((await client.get("/api/status", headers=headers)).json()["seq"])
            if seq == previous:
                return seq
            previous = seq
            await asyncio.sleep(0.3)


async def read_line(stream: IO[str] | None, seconds: float) -> str:
    """A line from a subprocess's stdout, bounded in time."""
    assert stream is not None
    return await asyncio.wait_for(asyncio.to_thread(stream.readline), seconds)


def sms_fields(message_id: str, from_: str, text: str) -> dict[str, Any]:
    """The reference §6.3 inbound SMS."""
    return {
        "eventType": "sms",
        "direction": "in",
        "messageId": message_id,
        "messageUri": f"https://api.catapult.inetwork.com/v1/users/u-bench/messages/{message_id}",
        "from": from_,
        "to": "+19195550187",
        "text": text,
        "applicationId": "a-ocis2jhtlgmxgedn73u55xt",
        "time": "2016-05-03T14:05:40.112Z",
        "state": "received",
        "segmentCount": 1,
    }


def remote_number(n: int) -> str:
    return f"+1415555{n % REMOTE_NUMBERS:04d}"


def sms_payload(unique: str, n: int, text: str) -> bytes:
    """The reference §6.3 inbound SMS as a body, with a new messageId."""
    return json.dumps(sms_fields(f"m-{unique}", remote_number(n), text)).encode()


def wrk_script(prefix: str) -> str:
    """wrk's Lua script: one inbound SMS per request, ``messageId`` m-<prefix><counter>."""
    template = json.dumps(sms_fields("@ID@", "@FROM@", "Hello from the benchmark"))
    template = template.replace("%", "%%").replace("@ID@", "%s").replace("@FROM@", "%s")
    headers = "\n".join(f'wrk.headers["{name}"] = "{value}"' for name, value in HEADERS.items())
    return f"""-- Written by bench/ingest.py. One thread (-t1): the counter is the run's.
local prefix = "m-{prefix}"
local template = [==[{template}]==]
local n = 0
wrk.method = "POST"
{headers}

request = function()
  n = n + 1
  local id = prefix .. string.format("%012d", n)
  local from = string.format("+1415555%04d", n % {REMOTE_NUMBERS})
  return wrk.format(nil, "/callbacks/messages", nil, string.format(template, id, id, from))
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("{WRK_RESULT} %d %d %d %d %d %d %d %d %d %d\\n",
    summary.duration, summary.requests, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass
class WrkRun:
    """One wrk run against one server."""

    kind: str
    seconds: float
    requests: int  # responses wrk counted, whatever their status
    non_2xx: int  # wrk counts statuses > 399; the servers answer nothing in 3xx
    socket_errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    cpu: dict[str, float]  # % of one core during the run: server, wrk, subscribers
    stored: int | None = None  # smsconsole: callbacks in its store at the end of the run

    @property
    def ok(self) -> int:
        return self.requests - self.non_2xx

    @property
    def requests_per_second(self) -> float:
        return self.ok / self.seconds

    @property
    def server_us_per_request(self) -> float:
        return self.cpu.get("server", math.nan) * 1e4 / max(self.requests_per_second, 1e-9)


def run_wrk(
    processes: Processes,
    kind: str,
    base: str,
    script: Path,
    seconds: int,
    connections: int,
    watch: dict[str, int],
) -> WrkRun:
    """Run wrk to the end (blocking); its figures and the CPU of it and of ``watch``.

    wrk's own CPU is its rusage when it exits (``wait4``): the utime + stime that
    ``/proc/<pid>/stat`` shows, up to its last instant. The other processes' CPU is read
    from ``/proc/<pid>/stat`` before and after.
    """
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    argv += ["-s", str(script), f"{base}/callbacks/messages"]
    before = {name: cpu_seconds(pid) for name, pid in watch.items()}
    started = time.monotonic()
    process = processes.spawn(argv, piped=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    processes.stop(process)
    after = {name: cpu_seconds(pid) for name, pid in watch.items()}
    line = next((ln for ln in output.splitlines() if ln.startswith(WRK_RESULT)), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}): {output[-400:]}")
    duration, requests, status_errors, *socket, p50, p99, worst = map(int, line.split()[1:])
    cpu = {name: 100 * (after[name] - before[name]) / elapsed for name in watch}
    cpu["wrk"] = 100 * (usage.ru_utime + usage.ru_stime) / (duration / 1e6)
    return WrkRun(
        kind=kind,
        seconds=duration / 1e6,
        requests=requests,
        non_2xx=status_errors,
        socket_errors=sum(socket),
        p50_ms=p50 / 1e3,
        p99_ms=p99 / 1e3,
        max_ms=worst / 1e3,
        cpu=cpu,
    )


class PacedSender:
    """Open-loop sender for the latency run, on plain HTTP/1.1 keep-alive connections.

    httpx costs about 2 ms of client CPU per request on this class of machine, so at
    500 events/s the client alone would need a core and its queueing would be measured as
    the server's latency; writing the request bytes ourselves costs a fraction of that.
    Due callbacks wait in one queue for the first free connection.
    """

    def __init__(self, port: int, run_id: str, connections: int) -> None:
        self._port = port
        self._run_id = run_id
        self._connections = connections
        self._next = 0
        self.ok = 0
        self.failed = 0
        head = "".join(f"{name}: {value}\r\n" for name, value in HEADERS.items())
        self._head = f"POST /callbacks/messages HTTP/1.1\r\nHost: {HOST}:{port}\r\n{head}"

    async def _connection(self, due: asyncio.Queue[bytes | None]) -> None:
        reader, writer = await asyncio.open_connection(HOST, self._port)
        try:
            while (body := await due.get()) is not None:
                request = f"{self._head}Content-Length: {len(body)}\r\n\r\n".encode() + body
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                await reader.readexactly(int(length[1]) if length else 0)
                if head[9:10] == b"2":
                    self.ok += 1
                else:
                    self.failed += 1
        finally:
            writer.close()

    def payload(self, n: int, due_ns: int, stamped: bool) -> bytes:
        """The body of callback ``n``, due at ``due_ns`` (bench/tui.py sends its own)."""
        text = f"bench-t={due_ns}" if stamped else "warm-up"
        return sms_payload(f"{self._run_id}{n:012d}", n, text)

    async def run(self, rate: float, seconds: float, stamped: bool) -> float:
        """Queue one callback every ``1/rate`` s whatever the answers; the worst lag (ms).

        A stamped message carries the time it was *due* (``bench-t=<monotonic ns>``), so a
        sender or server that falls behind shows up as latency instead of hiding it.
        """
        due: asyncio.Queue[bytes | None] = asyncio.Queue()
        answered_before = self.ok + self.failed
        workers = [asyncio.create_task(self._connection(due)) for _ in range(self._connections)]
        start = time.monotonic_ns() + 50_000_000
        worst = 0
        count = int(rate * seconds)
        for i in range(count):
            at = start + int(i * 1e9 / rate)
            delay = at - time.monotonic_ns()
            if delay > 0:
                await asyncio.sleep(delay / 1e9)
            worst = max(worst, -delay)
            self._next += 1
            due.put_nowait(self.payload(self._next, at, stamped))
        for _ in workers:
            due.put_nowait(None)
        _, late = await asyncio.wait(workers, timeout=DRAIN_SECONDS)
        for task in late:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self.failed += count - (self.ok + self.failed - answered_before)  # never answered
        return worst / 1e6


def stats(samples: Sequence[float]) -> dict[str, float]:
    """Count, p50, p90, p99 and max (nearest rank), in the samples' unit."""
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return {
        "n": len(ordered),
        "p50": rank(50),
        "p90": rank(90),
        "p99": rank(99),
        "max": ordered[-1],
    }


# --- the two measurements -----------------------------------------------------------------


@dataclass
class Delivery:
    """What the subscribers received of the stored events."""

    stored: int  # the server's latest seq: one event per stored callback
    acknowledged: int  # 2xx answers the load generator counted
    feeds: list[dict[str, Any]]

    def complete(self) -> int:
        return sum(not feed["missing"] and not feed["duplicates"] for feed in self.feeds)


@dataclass
class Throughput:
    runs: list[WrkRun]
    delivery: Delivery | None
    server_errors: str


@dataclass
class Latency:
    rate: float
    sent: int
    ok: int
    worst_start_lag_ms: float
    first: dict[str, float]
    all: dict[str, float]
    delivery: Delivery
    server_cpu: float
    server_errors: str


class Server:
    """One benchmark server in its subprocess."""

    def __init__(self, bench: Bench, kind: str) -> None:
        bench.runs += 1
        self.kind = kind
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log = bench.workdir / f"{bench.runs}-{kind}.log"
        self.process = bench.processes.start(
            "--serve", kind, "--port", str(self.port),
            "--workdir", str(bench.workdir / f"{bench.runs}-{kind}"),
            "--durability", bench.args.durability, log=self.log,
        )  # fmt: skip

    def errors(self) -> str:
        """What the server logged at ERROR: a count and the last exception line."""
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        errors = sum(line.startswith("ERROR") for line in lines)
        raised = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Disconnect)", line)]
        if not errors:
            return "none"
        return f"{errors} ERROR lines" + (f", last: {raised[-1][:80]}" if raised else "")


class Bench:
    """Runs the servers, wrk and the subscribers of each measurement in subprocesses."""

    def __init__(self, args: argparse.Namespace, processes: Processes, workdir: Path) -> None:
        self.args = args
        self.processes = processes
        self.workdir = workdir
        self.runs = 0

    async def server(self, kind: str) -> Server:
        server = Server(self, kind)
        await wait_ready(server.base, server.process)
        return server

    async def subscribers(self, server: Server) -> subprocess.Popen[str]:
        process = self.processes.start(
            "--subscribe", "--port", str(server.port), "--subscribers",
            str(self.args.subscribers), piped=True,
        )  # fmt: skip
        if (await read_line(process.stdout, READY_SECONDS + 5)).strip() != "ready":
            raise RuntimeError("the subscribers did not attach")
        return process

    async def collect(
        self, process: subprocess.Popen[str], server: Server, acknowledged: int
    ) -> tuple[Delivery, dict[str, Any]]:
        stored = await stored_seq(server.base)
        assert process.stdin is not None
        process.stdin.write(f"{stored}\n")
        process.stdin.flush()
        summary: dict[str, Any] = json.loads(await read_line(process.stdout, DRAIN_SECONDS + 10))
        return Delivery(stored, acknowledged, summary["feeds"]), summary

    def wrk(self, server: Server, seconds: int, watch: dict[str, int]) -> WrkRun:
        self.runs += 1
        script = self.workdir / f"wrk-{self.runs}.lua"
        script.write_text(wrk_script(f"{server.kind[:4]}{self.runs}x"))
        watch = {"server": server.process.pid, **watch}
        return run_wrk(
            self.processes, server.kind, server.base, script, seconds,
            self.args.connections, watch,
        )  # fmt: skip

    async def throughput(self) -> Throughput:
        args = self.args
        try:
            bare = await self.server("bare")
            ours = await self.server("smsconsole")
            feed = await self.subscribers(ours) if args.subscribers else None
            watch = {"subscribers": feed.pid} if feed else {}
            servers = (bare, ours)
            acknowledged = 0
            for server in servers:  # warm-up: not reported, but its events are checked
                warm = await asyncio.to_thread(self.wrk, server, args.warmup, watch)
                acknowledged += warm.ok if server is ours else 0
            runs: list[WrkRun] = []
            for round_ in range(args.rounds):
                for server in servers:
                    run = await asyncio.to_thread(self.wrk, server, args.seconds, watch)
                    if server is ours:
                        run.stored = await stored_seq_now(ours.base)
                    runs.append(run)
                    acknowledged += run.ok if server is ours else 0
                    print(f"  round {round_ + 1} {run_row(run)}", file=sys.stderr, flush=True)
            delivery = None
            if feed is not None:
                delivery, _ = await self.collect(feed, ours, acknowledged)
            else:
                delivery = Delivery(await stored_seq(ours.base), acknowledged, [])
            return Throughput(runs, delivery, ours.errors())
        finally:
            self.processes.stop_all()

    async def latency(self, rate: float) -> Latency:
        try:
            server = await self.server("smsconsole")
            feed = await self.subscribers(server)
            sender = PacedSender(server.port, f"late{self.runs}x", connections=64)
            await sender.run(rate, 1.0, stamped=False)
            warm_ok = sender.ok
            cpu_before, started = cpu_seconds(server.process.pid), time.monotonic()
            lag = await sender.run(rate, self.args.latency_seconds, stamped=True)
            elapsed = time.monotonic() - started
            server_cpu = (cpu_seconds(server.process.pid) - cpu_before) / elapsed
            delivery, summary = await self.collect(feed, server, sender.ok)
            return Latency(
                rate=rate,
                sent=int(rate * self.args.latency_seconds),
                ok=sender.ok - warm_ok,
                worst_start_lag_ms=lag,
                first=stats(summary["first"]),
                all=summary["all"],
                delivery=delivery,
                server_cpu=100 * server_cpu,
                server_errors=server.errors(),
            )
        finally:
            self.processes.stop_all()


# --- the report ---------------------------------------------------------------------------


def implementations(durability: str) -> str:
    """What uvicorn will run with: the loop, http and ws implementations it resolves."""
    with tempfile.TemporaryDirectory(prefix="smsconsole-bench-") as tmp:
        config = bench_uvicorn_config(bench_settings(Path(tmp), 0, durability))
    auto = {
        "loop": ("uvloop", "asyncio"),
        "http": ("httptools", "h11"),
        "ws": ("websockets", "wsproto"),
    }
    chosen = []
    for name, (fast, fallback) in auto.items():
        value = getattr(config, name)
        value = getattr(value, "__name__", str(value))
        if value == "auto":
            value = fast if importlib.util.find_spec(fast) else fallback
        chosen.append(f"{name}={value}")
    return " ".join(chosen)


def mark(good: bool) -> str:
    return "PASS" if good else "FAIL"


def run_row(run: WrkRun) -> str:
    cpu = "/".join(
        f"{run.cpu[name]:.0f}" if name in run.cpu else "-"
        for name in ("server", "wrk", "subscribers")
    )
    return (
        f"{run.kind:<11} {run.requests_per_second:>8.0f} {run.p50_ms:>7.2f} {run.p99_ms:>7.2f} "
        f"{run.non_2xx:>7} {run.socket_errors:>6} {run.server_us_per_request:>8.0f}   {cpu:<12}"
        + (f" {run.stored:>8}" if run.stored is not None else "")
    )


def delivery_lines(delivery: Delivery | None) -> list[str]:
    if delivery is None:
        return []
    stored, acked = delivery.stored, delivery.acknowledged
    lines = [
        f"  stored {stored} events (server seq, /api/status); acknowledged 2xx {acked}; "
        f"stored but not acknowledged {stored - acked} (in flight when wrk stopped) "
        f"{mark(stored >= acked)}"
    ]
    feeds = delivery.feeds
    if not feeds:
        return [*lines, "  feed: no subscribers"]
    missing = sum(feed["missing"] for feed in feeds)
    duplicates = sum(feed["duplicates"] for feed in feeds)
    drops = sum(feed["drops"] for feed in feeds)
    complete = delivery.complete()
    line = (
        f"  feed: {complete}/{len(feeds)} subscribers got every seq 1..{stored} exactly once "
        f"(missing {missing}, duplicates {duplicates}, resumed after a drop {drops}x) "
        f"{mark(complete == len(feeds))}"
    )
    why = next((feed["why"] for feed in feeds if feed["drops"]), None)
    return [*lines, line + (f"; last drop: {why}" if why else "")]


def throughput_lines(args: argparse.Namespace, result: Throughput) -> list[str]:
    def median(kind: str, value: Callable[[WrkRun], float]) -> float:
        return statistics.median(value(run) for run in result.runs if run.kind == kind)

    bare = median("bare", lambda run: run.requests_per_second)
    ours = median("smsconsole", lambda run: run.requests_per_second)
    ratio = ours / bare
    wrk_cpu = max(run.cpu["wrk"] for run in result.runs)
    subs = f"{args.subscribers} ws subscribers" if args.subscribers else "no subscriber"
    lines = [
        f"throughput POST /callbacks/messages: wrk -t1 -c{args.connections}, {args.rounds} rounds "
        f"of {args.seconds} s per server, interleaved; smsconsole with {subs}",
        f"  {'run':<7} {'server':<11} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>7} "
        f"{'sockerr':>6} {'srv us/req':>8}   cpu% server/wrk/subs  stored",
    ]
    lines += [f"  {i + 1:<7} {run_row(run)}" for i, run in enumerate(result.runs)]
    lines += [
        f"  median req/s: bare {bare:.0f}, smsconsole {ours:.0f}; "
        f"p50/p99 ms: bare {median('bare', lambda r: r.p50_ms):.2f}/"
        f"{median('bare', lambda r: r.p99_ms):.2f}, smsconsole "
        f"{median('smsconsole', lambda r: r.p50_ms):.2f}/"
        f"{median('smsconsole', lambda r: r.p99_ms):.2f}",
        f"  ratio smsconsole / bare (medians): {ratio:.2f} (target >= 0.5) {mark(ratio >= 0.5)}",
        f"  wrk's CPU at most {wrk_cpu:.0f}% of a core: "
        + ("the generator is not the limit" if wrk_cpu < 80 else "the generator may be the limit"),
        *delivery_lines(result.delivery),
        f"  smsconsole errors logged: {result.server_errors}",
    ]
    return lines


def latency_lines(args: argparse.Namespace, result: Latency) -> list[str]:
    def row(label: str, figures: dict[str, float]) -> str:
        if not figures.get("n"):
            return f"  {label:<22} no samples"
        values = " ".join(f"{figures[key]:>7.1f}" for key in ("p50", "p90", "p99", "max"))
        return f"  {label:<22} {values} {int(figures['n']):>8}"

    target = 10.0 if result.rate <= 500 else 50.0
    p99 = result.first.get("p99", math.inf)
    saturated = result.ok < 0.99 * result.sent or result.worst_start_lag_ms > 100
    return [
        f"latency callback -> websocket, paced {result.rate:.0f} events/s for "
        f"{args.latency_seconds:.0f} s ({args.subscribers} subscribers attached)",
        f"  sent {result.sent}, answered 2xx {result.ok}, sender's worst start lag "
        f"{result.worst_start_lag_ms:.1f} ms, server cpu {result.server_cpu:.0f}%"
        + (" -- the sender fell behind" if saturated else "")
        + (" -- server CPU-bound: latency is queueing" if result.server_cpu >= 95 else ""),
        f"  {'ms':<22} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7} {'samples':>8}",
        row("subscriber 1", result.first),
        row(f"all {len(result.delivery.feeds)} subscribers", result.all),
        f"  target p99 < {target:.0f} ms (subscriber 1): {p99:.1f} ms {mark(p99 < target)}",
        *delivery_lines(result.delivery),
        f"  server errors logged: {result.server_errors}",
    ]


def report(args: argparse.Namespace, throughput: Throughput, latencies: list[Latency]) -> None:
    lines = [
        f"smsconsole ingest benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"uvicorn {uvicorn.__version__} ({implementations(args.durability)}), "
        f"durability={args.durability}, {wrk_version()}",
        "",
        *throughput_lines(args, throughput),
    ]
    for latency in latencies:
        lines += ["", *latency_lines(args, latency)]
    print("\n".join(lines), flush=True)


def wrk_version() -> str:
    probe = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (probe.stdout or probe.stderr).split(" [")[0].strip()


# --- entry point --------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=4, help="bare+smsconsole run pairs")
    parser.add_argument("--seconds", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up wrk run per server, s")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (-c)")
    parser.add_argument("--subscribers", type=int, default=10, help="websocket subscribers")
    parser.add_argument(
        "--rates", default="500,2000", help="latency runs: events/s, comma-separated ('' none)"
    )
    parser.add_argument("--latency-seconds", type=float, default=10.0, help="per latency run")
    parser.add_argument("--durability", choices=("full", "normal"), default="full")
    # Internal: the script's own subprocesses.
    parser.add_argument("--serve", choices=("smsconsole", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--subscribe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.rates = [float(rate) for rate in args.rates.split(",") if rate.strip()]
    if min(args.rounds, args.seconds, args.warmup, args.connections) < 1 or args.subscribers < 0:
        parser.error("--rounds, --seconds, --warmup and --connections must be positive")
    if args.rates and not args.subscribers:
        parser.error("the latency runs need subscribers: give --rates '' with --subscribers 0")
    return args


async def run(args: argparse.Namespace) -> None:
    processes = Processes()
    try:
        with tempfile.TemporaryDirectory(prefix="smsconsole-bench-") as tmp:
            bench = Bench(args, processes, Path(tmp))
            throughput = await bench.throughput()
            latencies = [await bench.latency(rate) for rate in args.rates]
    finally:
        processes.stop_all()
    report(args, throughput, latencies)


def run_fast(main: Coroutine[Any, Any, None]) -> None:
    """Run a client coroutine on uvloop when it is installed (cheaper clients, same server)."""
    factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    if importlib.util.find_spec("uvloop"):
        import uvloop

        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, args.workdir, args.durability)
        return 0
    if args.subscribe:
        run_fast(subscribe(args.port, args.subscribers))
        return 0
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    try:
        run_fast(run(args))
    except KeyboardInterrupt:
        print("interrupted; subprocesses stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
