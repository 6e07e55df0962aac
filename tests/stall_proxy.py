"""A loopback TCP proxy that can stall: it keeps accepting and reading, but forwards nothing.

It stands for a provider whose process is stopped (SIGSTOP) while its sockets stay open: the
kernel still accepts connections and buffers what clients send, nobody answers. On
``resume()`` what was buffered reaches the upstream server, which acts on it — even for a
client that has given up and closed — exactly as a resumed process reads its socket buffers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class StallProxy:
    """Forwards ``127.0.0.1:<port>`` to an upstream host and port, unless paused."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self.url = ""

    def pause(self) -> None:
        """Stop forwarding in both directions (connections stay open, data is buffered)."""
        self._flowing.clear()

    def resume(self) -> None:
        """Forward again, starting with what was buffered."""
        self._flowing.set()

    async def start(self) -> None:
        """Listen on a free loopback port; ``url`` is then its base URL."""
        self._server = await asyncio.start_server(self._accepted, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await task
        for writer in self._writers:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        if self._server is not None:
            await self._server.wait_closed()

    def _spawn(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accepted(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        self._writers.append(client_w)
        upstream_r, upstream_w = await asyncio.open_connection(*self._upstream)
        self._writers.append(upstream_w)
        self._spawn(asyncio.create_task(self._pipe(client_r, upstream_w, keep_open=True)))
        self._spawn(asyncio.create_task(self._pipe(upstream_r, client_w, keep_open=False)))

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, keep_open: bool
    ) -> None:
        # Client to upstream keeps the upstream side open after the client leaves: a stopped
        # provider that resumes still reads and acts on a request whose sender gave up.
        try:
            while chunk := await source.read(65536):
                await self._flowing.wait()
                with contextlib.suppress(OSError):
                    sink.write(chunk)
                    await sink.drain()
            if not keep_open:
                sink.close()
        except (OSError, asyncio.IncompleteReadError):
            sink.close()


@contextlib.asynccontextmanager
async def stall_proxy(upstream_url: str) -> AsyncIterator[StallProxy]:
    """A running :class:`StallProxy` in front of ``upstream_url`` (``http://host:port``)."""
    host, _, port = upstream_url.removeprefix("http://").partition(":")
    proxy = StallProxy(host, int(port))
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
