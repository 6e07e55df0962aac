"""One SQLite writer thread that commits concurrent writes together (group commit).

Every write is a function run on the writer's own connection. The thread takes all the
writes waiting at that moment, runs each inside its own savepoint (so one failing write
rolls back alone), then commits them with a single ``COMMIT`` — one fsync for the batch
rather than one per request. Only after that commit does a write's future resolve: for the
callback server, "acknowledged" means "committed" at the configured ``synchronous`` level.

Every write ends in its result or an error, whatever fails: a write, the ``COMMIT`` (a full
disk, a deferred constraint), or the writer thread itself. Whatever SQLite refused reaches
the caller as the store's own :class:`~smsconsole.store.base.StoreUnavailable` (SQLite's
error as its cause), so nothing above the store handles a database driver's errors. A write
the caller gave up on before it started is skipped; a write submitted once the writer has
stopped fails at once. ``failure`` keeps the last commit's error until a commit that changed
something succeeds, which is what ``/readyz`` reports.

After each commit the ``on_commit`` hook receives what the batch's writes returned, in
commit order, on the writer thread; the store uses it to publish new events in ``seq``
order without racing the writers that produced them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeGuard, TypeVar

from smsconsole.store.base import StoreUnavailable

T = TypeVar("T")
log = logging.getLogger(__name__)

MAX_BATCH: Final = 256


class WriterStopped(StoreUnavailable):
    """The writer is not running: it was stopped, or its thread died."""


@dataclass
class _Job(Generic[T]):
    work: Callable[[sqlite3.Connection], T]
    future: Future[T]


@dataclass
class _Outcome:
    job: _Job[Any]
    result: Any = None
    error: Exception | None = None
    changed: bool = False  # it changed rows (a read-only write proves nothing about space)


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
        # Taken to submit a write and to close the queue, so no write lands in a queue that
        # nobody will read again.
        self._closing = threading.Lock()
        self._stopped: WriterStopped | None = None
        self._failure: sqlite3.Error | None = None
        self.batches = 0
        self.writes = 0

    @property
    def failure(self) -> Exception | None:
        """Why the last commit failed, or ``None`` once one that changed something succeeds."""
        return self._stopped or self._failure

    def start(self) -> None:
        """Open the connection on the writer thread; raise what opening raised."""
        self._thread.start()
        self._ready.result()

    def stop(self) -> None:
        """Finish the writes already queued, then close the connection."""
        with self._closing:
            if self._stopped is None:
                self._stopped = WriterStopped("the store is closed")
                self._jobs.put(None)
        if self._thread.ident is not None:  # it was started
            self._thread.join()

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in a transaction and return its result once it is committed.

        Raises:
            WriterStopped: The writer is not running; nothing was written.
            StoreUnavailable: SQLite refused the write or its commit (the cause is its
                error); nothing of it was written.
        """
        future: Future[T] = Future()
        with self._closing:
            if self._stopped is not None:
                raise self._stopped
            self._jobs.put(_Job(work, future))
        try:
            return await asyncio.wrap_future(future)
        except sqlite3.Error as error:
            raise StoreUnavailable(str(error)) from error

    def _run(self) -> None:
        try:
            connection = self._connect()
        except BaseException as error:  # reported to start(), which re-raises it
            self._ready.set_exception(error)
            self._close_queue(WriterStopped(f"the store did not open: {error}"))
            return
        self._ready.set_result(None)
        try:
            while (batch := self._next_batch()) is not None:
                self._commit(connection, batch)
        except BaseException:
            log.critical("the store's writer stopped; every write now fails", exc_info=True)
        finally:
            self._close_queue(WriterStopped("the store's writer stopped"))
            connection.close()

    def _close_queue(self, reason: WriterStopped) -> None:
        with self._closing:
            if self._stopped is None:
                self._stopped = reason
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None and not job.future.done():
                job.future.set_exception(self._stopped)

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
        try:
            self._commit_batch(connection, batch)
        finally:
            # Whatever escaped (a bug, a BaseException from a write), no caller waits forever.
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(
                        WriterStopped("the store's writer stopped during this write")
                    )

    def _commit_batch(self, connection: sqlite3.Connection, batch: list[_Job[Any]]) -> None:
        outcomes: list[_Outcome] = []
        try:
            connection.execute("BEGIN IMMEDIATE")
            for job in batch:
                # False: the caller gave up (a timeout) before the write began; skip it.
                if job.future.set_running_or_notify_cancel():
                    outcomes.append(_run_one(connection, job, alone=len(batch) == 1))
            done = [outcome for outcome in outcomes if outcome.error is None]
            if done:
                connection.execute("COMMIT")
            else:
                _rollback(connection)
        except Exception as error:
            # A failed COMMIT (a full disk, a deferred constraint) or a transaction SQLite
            # rolled back by itself: nothing of the batch is written.
            _rollback(connection)
            if _store_failure(error):
                self._failure = error
            for job in batch:
                if not job.future.done():  # done: the caller gave up on it
                    job.future.set_exception(error)
            return
        self._note_health(outcomes)
        if done:
            self.batches += 1
            self.writes += len(done)
        if self._on_commit is not None and done:
            try:
                self._on_commit([outcome.result for outcome in done])
            except Exception:  # the writes are committed; a listener's bug must not hide that
                log.exception("on_commit hook failed")
        for outcome in outcomes:
            if outcome.error is None:
                outcome.job.future.set_result(outcome.result)
            else:
                outcome.job.future.set_exception(outcome.error)

    def _note_health(self, outcomes: list[_Outcome]) -> None:
        for outcome in outcomes:
            if _store_failure(outcome.error):
                self._failure = outcome.error
                return
        if any(outcome.changed for outcome in outcomes if outcome.error is None):
            self._failure = None


def _store_failure(error: BaseException | None) -> TypeGuard[sqlite3.Error]:
    """Whether a write's error says the store takes no writes (full, read-only, I/O error,
    corrupt, locked), rather than that the write itself was wrong (a constraint, a bug)."""
    return isinstance(error, sqlite3.OperationalError) or type(error) is sqlite3.DatabaseError


def _run_one(connection: sqlite3.Connection, job: _Job[Any], *, alone: bool) -> _Outcome:
    """Run one write; alone in its transaction it needs no savepoint."""
    before = connection.total_changes
    if alone:
        try:
            result = job.work(connection)
        except Exception as error:
            _rollback(connection)
            return _Outcome(job, error=error)
        return _Outcome(job, result, changed=connection.total_changes > before)
    connection.execute("SAVEPOINT job")
    try:
        result = job.work(connection)
    except Exception as error:
        if not connection.in_transaction:
            # SQLite rolled the whole transaction back (SQLITE_FULL, SQLITE_IOERR, ...):
            # the writes before this one are gone too.
            raise
        connection.execute("ROLLBACK TO job")
        connection.execute("RELEASE job")
        return _Outcome(job, error=error)
    connection.execute("RELEASE job")
    return _Outcome(job, result, changed=connection.total_changes > before)


def _rollback(connection: sqlite3.Connection) -> None:
    if connection.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
