"""One SQLite writer thread that commits concurrent writes together (group commit).

Every write is a function run on the writer's own connection. The thread takes all the
writes waiting at that moment, runs them in one transaction and commits them with a single
``COMMIT`` — one fsync for the batch rather than one per request. Only after that commit
does a write's future resolve: for the callback server, "acknowledged" means "committed" at
the configured ``synchronous`` level.

One failing write rolls back alone. The batch first runs without savepoints (two statements
per write saved, the common case); if a write fails, the batch is rolled back and run again
with each write in its own savepoint, so only the failing one is lost. A write may therefore
run twice, the first run rolled back: it must act only through the connection it is given.
The results of a batch reach their callers' event loop in one hand-off, not one per write.

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
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]  # touched only on ``loop``'s thread
    abandoned: bool = False  # the caller gave up (set on the loop's thread, read here)
    settled: bool = False  # its result or error was handed to the loop (writer side)


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
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        job = _Job(work, loop, future)
        with self._closing:
            if self._stopped is not None:
                raise self._stopped
            self._jobs.put(job)
        try:
            return await job.future
        except asyncio.CancelledError:
            job.abandoned = True  # not begun yet: it is skipped
            raise
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
        left: list[_Job[Any]] = []
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                left.append(job)
        _settle([(job, None, self._stopped) for job in left])

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
            stopped = WriterStopped("the store's writer stopped during this write")
            _settle([(job, None, stopped) for job in batch if not job.settled])

    def _commit_batch(self, connection: sqlite3.Connection, batch: list[_Job[Any]]) -> None:
        # Skipped: a write whose caller gave up (a timeout) before the write began.
        jobs = [job for job in batch if not job.abandoned]
        outcomes: list[_Outcome] = []
        try:
            connection.execute("BEGIN IMMEDIATE")
            outcomes = _run_all(connection, jobs)
            if len(jobs) > 1 and any(outcome.error is not None for outcome in outcomes):
                # One failed: run them again, each in its own savepoint, so it fails alone.
                _rollback(connection)
                connection.execute("BEGIN IMMEDIATE")
                outcomes = [_run_in_savepoint(connection, job) for job in jobs]
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
            _settle([(job, None, error) for job in batch if not job.settled])
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
        _settle([(outcome.job, outcome.result, outcome.error) for outcome in outcomes])
        _settle([(job, None, None) for job in batch if job.abandoned])

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


def _run_all(connection: sqlite3.Connection, jobs: list[_Job[Any]]) -> list[_Outcome]:
    """Run the writes one after another, no savepoint; stop at the first that fails.

    A failure rolls the transaction back (the caller runs the batch again with savepoints
    when it held more than this write). The writes after it are not run.
    """
    outcomes = []
    for job in jobs:
        before = connection.total_changes
        try:
            result = job.work(connection)
        except Exception as error:
            if not connection.in_transaction:
                # SQLite rolled the whole transaction back (SQLITE_FULL, SQLITE_IOERR, ...).
                raise
            _rollback(connection)
            return [_Outcome(job, error=error)]
        outcomes.append(_Outcome(job, result, changed=connection.total_changes > before))
    return outcomes


def _run_in_savepoint(connection: sqlite3.Connection, job: _Job[Any]) -> _Outcome:
    """Run one write in a savepoint of its own, so its failure undoes only its changes."""
    before = connection.total_changes
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


def _settle(items: list[tuple[_Job[Any], Any, BaseException | None]]) -> None:
    """Hand results and errors to their callers' loops: one hand-off per loop.

    ``None`` as the error and the result of an abandoned write: nothing to resolve (its
    caller is gone), only marked settled.
    """
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Job[Any], Any, BaseException | None]]]
    by_loop = {}
    for item in items:
        job = item[0]
        if job.settled:
            continue
        job.settled = True
        if not job.abandoned:
            by_loop.setdefault(job.loop, []).append(item)
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
            loop.call_soon_threadsafe(_resolve, settled)


def _resolve(items: list[tuple[_Job[Any], Any, BaseException | None]]) -> None:
    """On the callers' loop: set each future (one cancelled meanwhile is left as it is)."""
    for job, result, error in items:
        if job.future.done():
            continue
        if error is None:
            job.future.set_result(result)
        else:
            job.future.set_exception(error)


def _rollback(connection: sqlite3.Connection) -> None:
    if connection.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
