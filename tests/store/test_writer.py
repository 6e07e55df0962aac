from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from smsconsole.store.base import StoreUnavailable
from smsconsole.store.writer import Writer, WriterStopped


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER UNIQUE)")
    return connection


def insert(value: int) -> Callable[[sqlite3.Connection], int | None]:
    return lambda c: c.execute("INSERT INTO t (x) VALUES (?)", (value,)).lastrowid


def refused_by_sqlite(result: object) -> type[BaseException] | None:
    """The SQLite error a write was refused with, behind the store's own error; else None."""
    if isinstance(result, StoreUnavailable) and result.__cause__ is not None:
        return type(result.__cause__)
    return None


def count(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM t").fetchone()[0])


async def test_a_failing_write_alone_rolls_back_and_the_next_commits(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    writer = Writer(lambda: connect(path))
    writer.start()
    try:
        await writer.write(insert(1))
        with pytest.raises(StoreUnavailable, match="UNIQUE") as refused:
            await writer.write(insert(1))
        assert refused_by_sqlite(refused.value) is sqlite3.IntegrityError
        await writer.write(insert(2))
    finally:
        writer.stop()
    assert count(path) == 2


async def test_in_a_batch_one_failure_does_not_undo_the_others(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    committed: list[list[object]] = []
    writer = Writer(lambda: connect(path), committed.append)
    writer.start()
    try:
        results = await asyncio.gather(
            *(writer.write(insert(v)) for v in (1, 2, 2, 3)),
            return_exceptions=True,
        )
    finally:
        writer.stop()
    assert [refused_by_sqlite(r) for r in results] == [None, None, sqlite3.IntegrityError, None]
    assert count(path) == 3
    assert sum(len(batch) for batch in committed) == 3
    assert writer.writes == 3


def connect_with_parents(path: Path) -> sqlite3.Connection:
    """A connection whose ``child`` rows need a ``parent``, checked only at COMMIT."""
    connection = connect(path)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("CREATE TABLE IF NOT EXISTS parent (id INTEGER PRIMARY KEY)")
    connection.execute(
        "CREATE TABLE IF NOT EXISTS child"
        " (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
    )
    return connection


def orphan(connection: sqlite3.Connection) -> None:
    connection.execute("INSERT INTO child (p) VALUES (7)")  # fine until COMMIT


def hold(started: threading.Event, gate: threading.Event) -> Callable[[sqlite3.Connection], None]:
    """A write that keeps the writer busy until ``gate`` is set."""

    def work(connection: sqlite3.Connection) -> None:
        started.set()
        gate.wait(5)

    return work


async def test_a_lone_write_whose_commit_fails_gets_the_error(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    writer = Writer(lambda: connect_with_parents(path))
    writer.start()
    try:
        with pytest.raises(StoreUnavailable) as refused:
            await asyncio.wait_for(writer.write(orphan), 2)
        assert refused_by_sqlite(refused.value) is sqlite3.IntegrityError
        assert writer.failure is None  # a constraint says nothing about the disk
        await asyncio.wait_for(writer.write(insert(1)), 2)  # the writer goes on
    finally:
        writer.stop()
    assert count(path) == 1


async def test_when_a_batch_commit_fails_every_write_of_it_gets_the_error(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    started, gate = threading.Event(), threading.Event()
    writer = Writer(lambda: connect_with_parents(path))
    writer.start()
    try:
        first = asyncio.ensure_future(writer.write(hold(started, gate)))
        assert await asyncio.to_thread(started.wait, 2)
        batch = [asyncio.ensure_future(writer.write(w)) for w in (insert(1), orphan, insert(2))]
        await asyncio.sleep(0)  # each task runs to its await: all three queued, one batch
        gate.set()
        await asyncio.wait_for(first, 2)
        results = await asyncio.wait_for(asyncio.gather(*batch, return_exceptions=True), 2)
    finally:
        writer.stop()
    assert [refused_by_sqlite(result) for result in results] == [sqlite3.IntegrityError] * 3
    assert count(path) == 0


async def test_a_write_the_caller_gave_up_on_is_skipped_and_the_writer_goes_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.db"
    started, gate = threading.Event(), threading.Event()
    writer = Writer(lambda: connect(path))
    writer.start()
    try:
        busy = asyncio.ensure_future(writer.write(hold(started, gate)))
        assert await asyncio.to_thread(started.wait, 2)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(writer.write(insert(1)), 0.05)
        gate.set()
        await asyncio.wait_for(busy, 2)
        await asyncio.wait_for(writer.write(insert(2)), 2)
    finally:
        writer.stop()
    assert count(path) == 1


class Escaped(BaseException):
    """Not an Exception: escapes a write's own handling, as a bug in the writer would."""


def escape(connection: sqlite3.Connection) -> None:
    raise Escaped


async def test_if_the_writer_thread_dies_its_writes_and_every_later_one_fail_at_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.db"
    writer = Writer(lambda: connect(path))
    writer.start()
    try:
        with pytest.raises(WriterStopped):
            await asyncio.wait_for(writer.write(escape), 2)
        with pytest.raises(WriterStopped):
            await asyncio.wait_for(writer.write(insert(1)), 0.5)
        assert isinstance(writer.failure, WriterStopped)
    finally:
        writer.stop()


async def test_a_write_after_stop_fails_at_once(tmp_path: Path) -> None:
    writer = Writer(lambda: connect(tmp_path / "w.db"))
    writer.start()
    writer.stop()
    with pytest.raises(WriterStopped):
        await asyncio.wait_for(writer.write(insert(1)), 0.5)


async def test_a_full_database_fails_the_write_and_only_a_real_commit_clears_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.db"
    connections: list[sqlite3.Connection] = []

    def capped() -> sqlite3.Connection:
        connection = connect(path)
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")
        connections.append(connection)
        return connection

    writer = Writer(capped)
    writer.start()
    big = lambda c: c.execute("INSERT INTO t (x) VALUES (zeroblob(100000))")  # noqa: E731
    try:
        with pytest.raises(StoreUnavailable, match="full") as refused:
            await asyncio.wait_for(writer.write(big), 2)
        assert refused_by_sqlite(refused.value) is sqlite3.OperationalError
        assert isinstance(writer.failure, sqlite3.OperationalError)
        await asyncio.wait_for(writer.write(lambda c: None), 2)  # commits nothing
        assert writer.failure is not None
        connections[0].execute("PRAGMA max_page_count = 100000")
        await asyncio.wait_for(writer.write(big), 2)
        assert writer.failure is None
    finally:
        writer.stop()


async def test_a_writes_own_error_that_is_not_sqlites_reaches_the_caller_as_it_is(
    tmp_path: Path,
) -> None:
    def missing(connection: sqlite3.Connection) -> None:
        raise KeyError("m-1")

    writer = Writer(lambda: connect(tmp_path / "w.db"))
    writer.start()
    try:
        with pytest.raises(KeyError):
            await asyncio.wait_for(writer.write(missing), 2)
        assert writer.failure is None
    finally:
        writer.stop()


async def test_a_stopped_writer_is_a_store_that_takes_no_writes(tmp_path: Path) -> None:
    writer = Writer(lambda: connect(tmp_path / "w.db"))
    writer.start()
    writer.stop()
    with pytest.raises(StoreUnavailable, match="closed"):
        await asyncio.wait_for(writer.write(insert(1)), 0.5)


def traced(path: Path, statements: list[str]) -> sqlite3.Connection:
    connection = connect(path)
    connection.set_trace_callback(statements.append)
    return connection


async def submit_together(writer: Writer, values: list[int]) -> list[object]:
    """Submit writes while the writer is held, so they are taken as one batch."""
    started, gate = threading.Event(), threading.Event()
    busy = asyncio.ensure_future(writer.write(hold(started, gate)))
    assert await asyncio.to_thread(started.wait, 2)
    writes = [asyncio.ensure_future(writer.write(insert(v))) for v in values]
    await asyncio.sleep(0.05)  # every one of them queued
    gate.set()
    await busy
    return await asyncio.gather(*writes, return_exceptions=True)


async def test_a_batch_that_succeeds_runs_without_savepoints(tmp_path: Path) -> None:
    path, statements = tmp_path / "w.db", []
    writer = Writer(lambda: traced(path, statements))
    writer.start()
    try:
        statements.clear()
        results = await submit_together(writer, [1, 2, 3, 4])
    finally:
        writer.stop()
    assert all(isinstance(r, int) for r in results)
    assert count(path) == 4
    inserts = [s for s in statements if s.startswith("INSERT")]
    assert len(inserts) == 4
    assert not [s for s in statements if "SAVEPOINT" in s or "RELEASE" in s]
    assert writer.batches == 2  # the held write's own, then the four in one


async def test_a_failure_in_a_batch_runs_it_again_in_savepoints_and_loses_only_itself(
    tmp_path: Path,
) -> None:
    path, statements = tmp_path / "w.db", []
    committed: list[list[object]] = []
    writer = Writer(lambda: traced(path, statements), committed.append)
    writer.start()
    try:
        statements.clear()
        results = await submit_together(writer, [1, 2, 2, 3])
    finally:
        writer.stop()
    assert [refused_by_sqlite(r) for r in results] == [None, None, sqlite3.IntegrityError, None]
    assert count(path) == 3
    assert committed[-1] == results[:2] + results[3:]  # each committed write reported once
    assert sum("SAVEPOINT" in s for s in statements) == 4  # the second run: one per write


async def test_a_batch_reaches_its_loop_in_one_hand_off(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    writer = Writer(lambda: connect(path))
    writer.start()
    loop = asyncio.get_running_loop()
    handed: list[int] = []
    original = loop.call_soon_threadsafe

    def counting(callback: Callable[..., object], *args: object) -> asyncio.Handle:
        if threading.current_thread().name == "smsconsole-store-writer":
            handed.append(1)
        return original(callback, *args)

    try:
        loop.call_soon_threadsafe = counting  # type: ignore[method-assign]
        await submit_together(writer, list(range(10)))
    finally:
        loop.call_soon_threadsafe = original  # type: ignore[method-assign]
        writer.stop()
    assert count(path) == 10
    assert len(handed) == 2  # the held write's batch, then the ten together
