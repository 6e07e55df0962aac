"""One SQLite writer thread that commits concurrent writes together (group commit).

Every write is a function run on the writer's own connection. The thread takes all the
writes waiting at that moment, runs each inside its own savepoint (so one failing write
rolls back alone), then commits them with a single ``COMMIT`` — one fsync for the batch
rather than one per request. Only after that commit does a write's future resolve: for the
callback server, "acknowledged" means "committed" at the configured ``synchronous`` level.

After each commit the ``on_commit`` hook receives what the batch's writes returned, in
commit order, on the writer thread; the store uses it to publish new events in ``seq``
order without racing the writers that produced them.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

MAX_BATCH: Final = 256


@dataclass
class _Job(Generic[T]):
    work: Callable[[sqlite3.Connection], T]
    future: Future[T]


class Writer:
    """The single writer of one SQLite database.

    Args:
        connect: Opens the writer's connection (called on the writer thread).
        on_commit: Called on the writer thread after each successful commit with the
            results of the batch's writes, in order.
    """

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        on_commit: Callable[[list[Any]], None] | None = None,
    ) -> None:
        self._connect = connect
        self._on_commit = on_commit
        self._jobs: queue.SimpleQueue[_Job[Any] | None] = queue.SimpleQueue()
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(
            target=self._run, name="smsconsole-store-writer", daemon=True
        )
        self.batches = 0
        self.writes = 0

    def start(self) -> None:
        """Open the connection on the writer thread; raise what opening raised."""
        self._thread.start()
        self._ready.result()

    def stop(self) -> None:
        """Finish the writes already queued, then close the connection."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in a transaction and return its result once it is committed."""
        future: Future[T] = Future()
        self._jobs.put(_Job(work, future))
        return await asyncio.wrap_future(future)

    def _run(self) -> None:
        try:
            connection = self._connect()
        except BaseException as error:  # reported to start(), which re-raises it
            self._ready.set_exception(error)
            return
        self._ready.set_result(None)
        try:
            while (batch := self._next_batch()) is not None:
                self._commit(connection, batch)
        finally:
            connection.close()

    def _next_batch(self) -> list[_Job[Any]] | None:
        first = self._jobs.get()
        if first is None:
            return None
        batch = [first]
        while len(batch) < MAX_BATCH:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is None:
                self._jobs.put(None)  # stop after this batch
                break
            batch.append(job)
        return batch

    def _commit(self, connection: sqlite3.Connection, batch: list[_Job[Any]]) -> None:
        done: list[tuple[_Job[Any], Any]] = []
        failed: list[tuple[_Job[Any], BaseException]] = []
        try:
            connection.execute("BEGIN IMMEDIATE")
            if len(batch) == 1:  # alone in its transaction: no savepoint needed
                try:
                    done.append((batch[0], batch[0].work(connection)))
                except Exception as error:
                    connection.execute("ROLLBACK")
                    batch[0].future.set_exception(error)
                    return
                batch = []
            for job in batch:
                connection.execute("SAVEPOINT job")
                try:
                    result = job.work(connection)
                except Exception as error:
                    connection.execute("ROLLBACK TO job")
                    connection.execute("RELEASE job")
                    failed.append((job, error))
                else:
                    connection.execute("RELEASE job")
                    done.append((job, result))
            connection.execute("COMMIT")
        except sqlite3.Error as commit_error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            for job in batch:
                job.future.set_exception(commit_error)
            return
        self.batches += 1
        self.writes += len(done)
        if self._on_commit is not None and done:
            try:
                self._on_commit([result for _, result in done])
            except Exception:  # the writes are committed; a listener's bug must not hide that
                log.exception("on_commit hook failed")
        for job, result in done:
            job.future.set_result(result)
        for job, job_error in failed:
            job.future.set_exception(job_error)
