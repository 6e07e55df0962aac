"""Ingest benchmark for the callback server (issue 4, "Show").

Run: ``uv run python bench/ingest.py [--seconds N] [--concurrency C] [--subscribers 10]``.

Two measurements, printed as a table:

1. Throughput of ``POST /callbacks/messages`` with realistic v1 inbound-SMS payloads
   (reference §6.3, a new ``messageId`` per request) while websocket subscribers read
   ``/ws``, against a bare Starlette endpoint that parses the JSON and answers 200. Both run
   under the uvicorn settings of ``smsconsole.server.run.uvicorn_config`` (log level warning),
   each in its own subprocess, driven by the same load generator (``httpx.AsyncClient``,
   a fixed number of concurrent keep-alive connections, a warm-up, then a fixed duration).
   The ratio smsconsole / bare has a target of >= 0.5.
2. Callback-to-websocket latency at a steady rate (an open-loop paced sender stamps the send
   time into each message's text; the subscribers, in their own process, subtract it from the
   time the frame arrives). Target: p99 < 50 ms.

The script re-invokes itself for its server (``--serve smsconsole|bare``) and subscriber
(``--subscribe``) processes. Loopback only; every subprocess and temporary directory is
cleaned up, also on Ctrl-C.
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
import signal
import socket
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
EVENT_PREFIX: Final = '{"type":"event"'  # feed.event_frame's compact encoding
STAMP: Final = re.compile(r"bench-t=(\d+)")
REMOTE_NUMBERS: Final = 50  # spread messages over many conversations, as in real traffic
READY_SECONDS: Final = 20.0
DRAIN_SECONDS: Final = 15.0


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
    """One websocket subscriber: counts event frames and measures stamped ones."""

    events: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    live: asyncio.Event = field(default_factory=asyncio.Event)
    closed: str | None = None

    async def run(self, url: str) -> None:
        try:
            async with connect(url, open_timeout=10) as ws:
                await ws.send(json.dumps({"type": "subscribe", "since": 0}))
                async for frame in ws:
                    now = time.monotonic_ns()
                    text = frame if isinstance(frame, str) else frame.decode()
                    if text.startswith(EVENT_PREFIX):
                        self.events += 1
                        if stamp := STAMP.search(text):
                            self.latencies_ms.append((now - int(stamp[1])) / 1e6)
                    elif '"live"' in text:
                        self.live.set()
                self.closed = f"closed by server ({ws.close_code})"
        except ConnectionClosed as closed:
            self.closed = f"dropped: {closed}"
        except OSError as problem:
            self.closed = f"failed: {problem}"


async def subscribe(port: int, count: int) -> None:
    """Subscriber process: attach ``count`` feeds, say ``ready``, report when told to stop.

    Reads the number of events to expect from stdin, waits (bounded) until every feed has
    that many, then prints a JSON summary on stdout.
    """
    url = f"ws://{HOST}:{port}/ws?token={TOKEN}"
    feeds = [Feed() for _ in range(count)]
    tasks = [asyncio.create_task(feed.run(url)) for feed in feeds]
    async with asyncio.timeout(READY_SECONDS):
        await asyncio.gather(*(feed.live.wait() for feed in feeds))
    print("ready", flush=True)
    expected = int(await asyncio.to_thread(sys.stdin.readline) or "0")
    deadline = time.monotonic() + DRAIN_SECONDS

    def waiting() -> bool:
        short = any(feed.events < expected and feed.closed is None for feed in feeds)
        return short and time.monotonic() < deadline

    while waiting():  # noqa: ASYNC110 - the counts change in the feed tasks
        await asyncio.sleep(0.02)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    summary = {
        "events": [feed.events for feed in feeds],
        "closed": [feed.closed for feed in feeds if feed.closed],
        "first": feeds[0].latencies_ms,
        "all": stats([ms for feed in feeds for ms in feed.latencies_ms]),
    }
    print(json.dumps(summary), flush=True)


# --- the orchestrator ---------------------------------------------------------------------


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
        with open(log or os.devnull, "ab") as stderr:
            process = subprocess.Popen(
                [sys.executable, __file__, *args],
                stdin=subprocess.PIPE if piped else subprocess.DEVNULL,
                stdout=subprocess.PIPE if piped else subprocess.DEVNULL,
                stderr=stderr if log else None,
                text=True,
                start_new_session=True,  # Ctrl-C reaches only us; we stop them in order
            )
        self._running.append(process)
        return process

    def stop(self, process: subprocess.Popen[str]) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        if process in self._running:
            self._running.remove(process)

    def stop_all(self) -> None:
        for process in list(self._running):
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


async def read_line(stream: IO[str] | None, seconds: float) -> str:
    """A line from a subprocess's stdout, bounded in time."""
    assert stream is not None
    return await asyncio.wait_for(asyncio.to_thread(stream.readline), seconds)


def sms_payload(unique: str, n: int, text: str) -> bytes:
    """The reference §6.3 inbound SMS, with a new messageId."""
    message_id = f"m-{unique}"
    return json.dumps(
        {
            "eventType": "sms",
            "direction": "in",
            "messageId": message_id,
            "messageUri": f"https://api.catapult.inetwork.com/v1/users/u-bench/messages/{message_id}",
            "from": f"+1415555{n % REMOTE_NUMBERS:04d}",
            "to": "+19195550187",
            "text": text,
            "applicationId": "a-ocis2jhtlgmxgedn73u55xt",
            "time": "2016-05-03T14:05:40.112Z",
            "state": "received",
            "segmentCount": 1,
        }
    ).encode()


class LoadGenerator:
    """Posts distinct inbound-SMS callbacks; one counter of message ids for the whole run.

    It holds ``clients`` httpx clients of ``connections`` keep-alive connections each:
    httpcore scans its whole pool on every request, so one client of 32 connections costs
    about twice the client CPU per request of 32 clients of one connection (measured here),
    and the client, not the server, would set the pace.
    """

    def __init__(self, base: str, run_id: str, clients: int, connections: int = 1) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._clients = [
            httpx.AsyncClient(base_url=base, headers=HEADERS, limits=limits, timeout=10)
            for _ in range(clients)
        ]
        self._run_id = run_id
        self._next = 0
        self.ok = 0
        self.refused = 0
        self.errors = 0

    def payload(self, text: str) -> bytes:
        """The next callback body."""
        self._next += 1
        return sms_payload(f"{self._run_id}{self._next:012d}", self._next, text)

    async def __aenter__(self) -> LoadGenerator:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.gather(*(client.aclose() for client in self._clients))

    async def post(self, client: httpx.AsyncClient, text: str) -> None:
        try:
            response = await client.post("/callbacks/messages", content=self.payload(text))
        except httpx.HTTPError:
            self.errors += 1
            return
        if response.is_success:
            self.ok += 1
        else:
            self.refused += 1

    async def closed_loop(self, seconds: float) -> int:
        """One worker per client posts back to back for ``seconds``; the 2xx count."""
        before = self.ok
        deadline = time.monotonic() + seconds

        async def worker(client: httpx.AsyncClient) -> None:
            while time.monotonic() < deadline:
                await self.post(client, "Hello from the benchmark")

        await asyncio.gather(*(worker(client) for client in self._clients))
        return self.ok - before


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
            text = f"bench-t={at}" if stamped else "warm-up"
            due.put_nowait(sms_payload(f"{self._run_id}{self._next:012d}", self._next, text))
        for _ in workers:
            due.put_nowait(None)
        _, late = await asyncio.wait(workers, timeout=DRAIN_SECONDS)
        for task in late:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self.failed += count - (self.ok + self.failed - answered_before)  # never answered
        return worst / 1e6


# --- the two measurements -----------------------------------------------------------------


@dataclass
class Throughput:
    """One server's closed-loop result."""

    name: str
    requests_per_second: float
    ok: int
    refused: int
    errors: int
    cpu: dict[str, float]
    delivery: dict[str, Any] | None = None
    total_ok: int = 0
    server_errors: str = ""


@dataclass
class Latency:
    """The paced run's result."""

    sent: int
    ok: int
    worst_start_lag_ms: float
    first: dict[str, float]
    all: dict[str, float]
    events: list[int]
    closed: list[str]
    server_cpu: float
    server_errors: str = ""


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


class Bench:
    """Runs the servers and subscribers of each measurement in subprocesses."""

    def __init__(self, args: argparse.Namespace, processes: Processes, workdir: Path) -> None:
        self.args = args
        self.processes = processes
        self.workdir = workdir
        self._runs = 0
        self.log = workdir / "server.log"  # the stderr of the latest server

    def server_errors(self) -> str:
        """What the latest server logged at ERROR: a count and the last exception line."""
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        errors = sum(line.startswith("ERROR") for line in lines)
        raised = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Disconnect)", line)]
        if not errors:
            return "none"
        return f"{errors} ERROR lines" + (f", last: {raised[-1][:80]}" if raised else "")

    def _server(self, kind: str) -> tuple[subprocess.Popen[str], int]:
        self._runs += 1
        port = free_port()
        workdir = self.workdir / f"{self._runs}-{kind}"
        self.log = self.workdir / f"{self._runs}-{kind}.log"
        process = self.processes.start(
            "--serve", kind, "--port", str(port), "--workdir", str(workdir),
            "--durability", self.args.durability, log=self.log,
        )  # fmt: skip
        return process, port

    async def _subscribers(self, port: int) -> subprocess.Popen[str]:
        process = self.processes.start(
            "--subscribe", "--port", str(port), "--subscribers", str(self.args.subscribers),
            piped=True,
        )  # fmt: skip
        if (await read_line(process.stdout, READY_SECONDS + 5)).strip() != "ready":
            raise RuntimeError("the subscribers did not attach")
        return process

    async def _collect(self, process: subprocess.Popen[str], expected: int) -> dict[str, Any]:
        assert process.stdin is not None
        process.stdin.write(f"{expected}\n")
        process.stdin.flush()
        summary: dict[str, Any] = json.loads(await read_line(process.stdout, DRAIN_SECONDS + 5))
        return summary

    async def throughput(self, kind: str, subscribers: int) -> Throughput:
        result = await self._throughput(kind, subscribers)
        result.server_errors = self.server_errors()
        return result

    async def latency(self) -> Latency:
        result = await self._latency()
        result.server_errors = self.server_errors()
        return result

    async def _throughput(self, kind: str, subscribers: int) -> Throughput:
        server, port = self._server(kind)
        try:
            base = f"http://{HOST}:{port}"
            await wait_ready(base, server)
            feed = await self._subscribers(port) if subscribers else None
            run_id = f"{kind[:4]}{self._runs}x"
            async with LoadGenerator(base, run_id, self.args.concurrency) as load:
                await load.closed_loop(self.args.warmup)
                pids = {"server": server.pid, "subscribers": feed.pid if feed else None}
                before = {name: cpu_seconds(pid) for name, pid in pids.items() if pid}
                before["loadgen"] = cpu_seconds()
                ok_before, refused_before, errors_before = load.ok, load.refused, load.errors
                started = time.monotonic()
                await load.closed_loop(self.args.seconds)
                elapsed = time.monotonic() - started
                after = {name: cpu_seconds(pid) for name, pid in pids.items() if pid}
                after["loadgen"] = cpu_seconds()
            delivery = await self._collect(feed, load.ok) if feed else None
            ok = load.ok - ok_before
            return Throughput(
                name=kind,
                requests_per_second=ok / elapsed,
                ok=ok,
                refused=load.refused - refused_before,
                errors=load.errors - errors_before,
                cpu={name: 100 * (after[name] - before[name]) / elapsed for name in after},
                delivery=delivery,
                total_ok=load.ok,
            )
        finally:
            self.processes.stop_all()

    async def _latency(self) -> Latency:
        server, port = self._server("smsconsole")
        try:
            base = f"http://{HOST}:{port}"
            await wait_ready(base, server)
            feed = await self._subscribers(port)
            sender = PacedSender(port, f"late{self._runs}x", connections=64)
            await sender.run(self.args.rate, 1.0, stamped=False)
            warm_ok = sender.ok
            cpu_before, started = cpu_seconds(server.pid), time.monotonic()
            lag = await sender.run(self.args.rate, self.args.seconds, stamped=True)
            server_cpu = (cpu_seconds(server.pid) - cpu_before) / (time.monotonic() - started)
            summary = await self._collect(feed, sender.ok)
            return Latency(
                sent=int(self.args.rate * self.args.seconds),
                ok=sender.ok - warm_ok,
                worst_start_lag_ms=lag,
                first=stats(summary["first"]),
                all=summary["all"],
                events=summary["events"],
                closed=summary["closed"],
                server_cpu=100 * server_cpu,
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
        value = str(getattr(config, name))
        if value == "auto":
            value = fast if importlib.util.find_spec(fast) else fallback
        chosen.append(f"{name}={value}")
    return " ".join(chosen)


def mark(good: bool) -> str:
    return "PASS" if good else "FAIL"


def server_ms_per_request(result: Throughput) -> float:
    """Server CPU time per answered request (ms): its cost, whatever the client manages."""
    return result.cpu.get("server", math.nan) * 10 / max(result.requests_per_second, 1e-9)


def throughput_row(label: str, result: Throughput) -> str:
    cpu = "/".join(
        f"{result.cpu[name]:.0f}" if name in result.cpu else "-"
        for name in ("server", "loadgen", "subscribers")
    )
    return (
        f"  {label:<34} {result.requests_per_second:>7.0f} {result.ok:>7} "
        f"{result.refused + result.errors:>7} {server_ms_per_request(result):>8.2f}   {cpu}"
    )


def delivery_line(result: Throughput) -> str:
    if result.delivery is None:
        return "  feed: no subscribers"
    counts: list[int] = result.delivery["events"]
    complete = sum(count == result.total_ok for count in counts)
    closed = result.delivery["closed"]
    line = (
        f"  feed: {complete}/{len(counts)} subscribers received all {result.total_ok} events "
        f"(min {min(counts)}, max {max(counts)}; warm-up included) {mark(complete == len(counts))}"
    )
    return line + (f"; {len(closed)} closed: {closed[0]}" if closed else "")


def latency_lines(result: Latency, args: argparse.Namespace) -> list[str]:
    def row(label: str, figures: dict[str, float]) -> str:
        if not figures.get("n"):
            return f"  {label:<22} no samples"
        values = " ".join(f"{figures[key]:>7.1f}" for key in ("p50", "p90", "p99", "max"))
        return f"  {label:<22} {values} {int(figures['n']):>8}"

    p99 = result.first.get("p99", math.inf)
    saturated = result.ok < 0.99 * result.sent or result.worst_start_lag_ms > 100
    lines = [
        f"latency callback -> websocket, paced {args.rate:.0f} events/s for {args.seconds:.0f} s "
        f"({args.subscribers} subscribers attached)",
        f"  sent {result.sent}, answered 2xx {result.ok}, sender's worst start lag "
        f"{result.worst_start_lag_ms:.1f} ms, server cpu {result.server_cpu:.0f}%"
        + (" -- the sender fell behind" if saturated else "")
        + (" -- server CPU-bound: latency is queueing" if result.server_cpu >= 95 else ""),
        f"  {'ms':<22} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7} {'samples':>8}",
        row("subscriber 1", result.first),
        row(f"all {len(result.events)} subscribers", result.all),
        f"  target p99 < 50 ms (subscriber 1): {p99:.1f} ms {mark(p99 < 50)}",
    ]
    if result.closed:
        lines.append(f"  {len(result.closed)} subscribers closed early: {result.closed[0]}")
    lines.append(f"  server errors logged: {result.server_errors}")
    return lines


def report(args: argparse.Namespace, bare: Throughput, ours: Throughput, latency: Latency) -> None:
    ratio = ours.requests_per_second / bare.requests_per_second
    cost = server_ms_per_request(bare) / server_ms_per_request(ours)
    lines = [
        f"smsconsole ingest benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"uvicorn {uvicorn.__version__} ({implementations(args.durability)}), "
        f"durability={args.durability}",
        f"load: {args.concurrency} httpx.AsyncClients of one keep-alive connection, closed loop, "
        f"{args.warmup:.0f} s warm-up + {args.seconds:.0f} s measured per server",
        "",
        f"throughput POST /callbacks/messages {'req/s':>16} {'2xx':>7} {'failed':>7} "
        f"{'srv ms/req':>8}   cpu% server/loadgen/subs",
        throughput_row("bare Starlette (parse JSON, 200)", bare),
        throughput_row(f"smsconsole + {args.subscribers} ws subscribers", ours),
        f"  ratio smsconsole / bare: {ratio:.2f} (target >= 0.5) {mark(ratio >= 0.5)}",
        f"  server CPU per request, bare / smsconsole: {cost:.2f} (capacity if CPU-bound)",
        delivery_line(ours),
        f"  server errors logged: bare {bare.server_errors}; smsconsole {ours.server_errors}",
        "",
        *latency_lines(latency, args),
    ]
    print("\n".join(lines), flush=True)


# --- entry point --------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per run")
    parser.add_argument("--concurrency", type=int, default=32, help="load-generator connections")
    parser.add_argument("--subscribers", type=int, default=10, help="websocket subscribers")
    parser.add_argument("--rate", type=float, default=500.0, help="latency run: events/s")
    parser.add_argument("--durability", choices=("full", "normal"), default="full")
    # Internal: the script's own subprocesses.
    parser.add_argument("--serve", choices=("smsconsole", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--subscribe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.subscribers < 1 or args.concurrency < 1 or args.seconds <= 0 or args.rate <= 0:
        parser.error("--subscribers, --concurrency, --seconds and --rate must be positive")
    return args


async def run(args: argparse.Namespace) -> None:
    processes = Processes()
    try:
        with tempfile.TemporaryDirectory(prefix="smsconsole-bench-") as tmp:
            bench = Bench(args, processes, Path(tmp))
            bare = await bench.throughput("bare", subscribers=0)
            ours = await bench.throughput("smsconsole", subscribers=args.subscribers)
            latency = await bench.latency()
    finally:
        processes.stop_all()
    report(args, bare, ours, latency)


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
    try:
        run_fast(run(args))
    except KeyboardInterrupt:
        print("interrupted; subprocesses stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
