from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from smsconsole.store.writer import Writer


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER UNIQUE)")
    return connection


def insert(value: int) -> Callable[[sqlite3.Connection], int | None]:
    return lambda c: c.execute("INSERT INTO t (x) VALUES (?)", (value,)).lastrowid


def count(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM t").fetchone()[0])


async def test_a_failing_write_alone_rolls_back_and_the_next_commits(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    writer = Writer(lambda: connect(path))
    writer.start()
    try:
        await writer.write(insert(1))
        with pytest.raises(sqlite3.IntegrityError):
            await writer.write(insert(1))
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
    assert [isinstance(r, sqlite3.IntegrityError) for r in results] == [False, False, True, False]
    assert count(path) == 3
    assert sum(len(batch) for batch in committed) == 3
    assert writer.writes == 3
