"""Whether a SQLite file can be our store, checked once at open, and why not in one line.

A damaged store must not start and say it is ready (then answer every callback 503, or lose
what the provider sends into a table that is gone). At open: SQLite's ``quick_check`` (every
page and index is well formed; it reads the whole file, measured at about 0.2 s for 100k
messages), the schema version, and that every table, column, index and trigger the schema
defines is there. A refusal names the file, what is wrong and what to do.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Final

from smsconsole.store.base import StoreUnusable

Migrate = Callable[[sqlite3.Connection], None]

# quick_check lists at most this many problems; one is enough to refuse, a few help a report.
PROBLEMS_SHOWN: Final = 3

_MOVE_ASIDE = (
    "restore it from a backup, or move it aside to start with an empty store "
    "(or set [store] path / SMSCONSOLE_STORE_PATH to another file)"
)


def check_pages(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse a file whose pages or indexes are damaged (``PRAGMA quick_check``)."""
    rows = connection.execute(f"PRAGMA quick_check({PROBLEMS_SHOWN})").fetchall()
    problems = [" ".join(str(row[0]).split()) for row in rows if row[0] != "ok"]
    if problems:
        raise StoreUnusable(path, f"is damaged ({'; '.join(problems)})", _MOVE_ASIDE)


def check_schema(connection: sqlite3.Connection, path: Path, migrate: Migrate) -> None:
    """Refuse a store missing any table, column, index or trigger that ``migrate`` makes."""
    actual = _schema(connection)
    missing = sorted(
        [f"{kind} {name}" for kind, name in _expected(migrate).keys() - actual.keys()]
        + [
            f"column {table[1]}.{column}"
            for table, columns in _expected(migrate).items()
            if table in actual
            for column in sorted(columns - actual[table])
        ]
    )
    if missing:
        shown = ", ".join(missing[:PROBLEMS_SHOWN])
        more = f" and {len(missing) - PROBLEMS_SHOWN} more" if len(missing) > PROBLEMS_SHOWN else ""
        raise StoreUnusable(path, f"is damaged (missing {shown}{more})", _MOVE_ASIDE)


def explain(error: sqlite3.Error | OSError, path: Path) -> StoreUnusable:
    """What SQLite's or the system's refusal to open ``path`` means for the user."""
    if path.is_dir():
        return StoreUnusable(path, "is a directory", "set [store] path to a file in it")
    if isinstance(error, OSError):
        where = Path(error.filename or path.parent)
        reason = error.strerror or str(error)
        if where.exists() and not where.is_dir():
            reason = "a file is in the way"
        return StoreUnusable(
            path,
            f"cannot be created ({where}: {reason})",
            "make its directory writable, or set [store] path / SMSCONSOLE_STORE_PATH",
        )
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF  # the primary result code
    if code == sqlite3.SQLITE_NOTADB:
        return StoreUnusable(path, "is not an SQLite database", _MOVE_ASIDE)
    if code == sqlite3.SQLITE_CORRUPT:
        return StoreUnusable(path, f"is damaged ({error})", _MOVE_ASIDE)
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return StoreUnusable(
            path,
            f"cannot be written ({error})",
            f"the file and its directory must be writable (SQLite keeps {path.name}-wal and "
            f"{path.name}-shm beside it), or set [store] path / SMSCONSOLE_STORE_PATH",
        )
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreUnusable(
            path, f"is locked ({error})", "is another smsconsole using it? stop that one first"
        )
    if code == sqlite3.SQLITE_FULL:
        return StoreUnusable(path, f"cannot grow ({error})", "free space on its disk")
    return StoreUnusable(path, f"cannot be opened ({error})", _MOVE_ASIDE)


def _schema(connection: sqlite3.Connection) -> dict[tuple[str, str], frozenset[str]]:
    """Every table, index, trigger and view, with the columns of each table."""
    objects = connection.execute(
        "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'"
    ).fetchall()
    schema: dict[tuple[str, str], frozenset[str]] = {}
    for kind, name in objects:
        columns: frozenset[str] = frozenset()
        if kind == "table":
            columns = frozenset(
                row[0]
                for row in connection.execute("SELECT name FROM pragma_table_info(?)", (name,))
            )
        schema[(kind, name)] = columns
    return schema


@functools.cache
def _expected(migrate: Migrate) -> dict[tuple[str, str], frozenset[str]]:
    """The schema ``migrate`` builds, read from a scratch database in memory."""
    scratch = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(scratch)
        return _schema(scratch)
    finally:
        scratch.close()
