"""``smsconsole serve`` refuses a store it cannot use: one line naming the file and what to
do, a non-zero exit, no traceback — before anything listens, so nothing says "ready".

Each case runs the real command line in a subprocess against a real bad file.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from smsconsole.store.sqlite import SqliteStore

EXIT_CONFIG = 2
PAGE = 4096


def serve(store: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``python -m smsconsole serve`` on ``store``; it must exit by itself, and soon."""
    empty = tmp_path / "empty.toml"
    empty.touch()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SMSCONSOLE_")}
    env.update(
        SMSCONSOLE_CONFIG=str(empty),
        SMSCONSOLE_SERVER_TOKEN="run-token",
        SMSCONSOLE_SERVER_CALLBACK_PASSWORD="run-callback-secret",
        SMSCONSOLE_STORE_PATH=str(store),
    )
    return subprocess.run(
        [sys.executable, "-m", "smsconsole", "serve", "--port", "0"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def assert_refused(result: subprocess.CompletedProcess[str], store: Path, *words: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr naming the file, no traceback."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert str(store) in lines[0]
    for word in words:
        assert word in lines[0]
    return lines[0]


def make_store(path: Path, messages: int = 0) -> None:
    """A real store, closed (its WAL checkpointed into the file)."""

    async def build() -> None:
        store = SqliteStore(path)
        await store.open()
        for n in range(messages):
            await store.set_contact(f"+1415555{n:04d}", "x" * 500)
        await store.close()

    asyncio.run(build())
    assert not Path(f"{path}-wal").exists()


def test_a_text_file_is_not_a_store(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    store.write_text("my shopping list\n" * 300, encoding="utf-8")
    before = store.read_bytes()
    assert_refused(serve(store, tmp_path), store, "not an SQLite database", "move it aside")
    assert store.read_bytes() == before  # refused as it was found


def test_a_store_of_a_newer_version_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    make_store(store)
    with sqlite3.connect(store) as connection:
        connection.execute("PRAGMA user_version = 99")
    connection.close()
    assert_refused(serve(store, tmp_path), store, "newer smsconsole", "upgrade")


def test_a_store_with_overwritten_pages_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    make_store(store, messages=200)
    with sqlite3.connect(store) as connection:
        # The contacts table's pages: the rows just written.
        root = connection.execute(
            "SELECT rootpage FROM sqlite_schema WHERE name = 'contacts'"
        ).fetchone()[0]
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.close()
    with store.open("r+b") as file:
        for page in range(max(root, pages - 8), pages):  # the last pages written, not page 1
            file.seek(page * PAGE + 100)
            file.write(os.urandom(PAGE - 200))
    before = store.read_bytes()
    line = assert_refused(serve(store, tmp_path), store, "damaged", "backup")
    assert len(line) < 600
    assert store.read_bytes() == before


def test_a_store_missing_a_table_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    make_store(store)
    with sqlite3.connect(store) as connection:
        connection.execute("DROP TABLE calls")
    connection.close()
    assert_refused(serve(store, tmp_path), store, "missing", "table calls")


def test_a_store_missing_a_column_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    make_store(store)
    with sqlite3.connect(store) as connection:
        connection.execute("ALTER TABLE messages DROP COLUMN error_message")
    connection.close()
    assert_refused(serve(store, tmp_path), store, "column messages.error_message")


def test_a_store_whose_directory_cannot_be_made_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("", encoding="utf-8")
    store = tmp_path / "plain-file" / "store.db"
    assert_refused(serve(store, tmp_path), store, "cannot be created")


def test_a_directory_at_the_store_path_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    store.mkdir()
    assert_refused(serve(store, tmp_path), store, "is a directory")


@pytest.fixture
def read_only_directory(tmp_path: Path) -> Iterator[Callable[[], None]]:
    """A directory ``tmp_path / "ro"`` and a function that makes it read-only.

    As root (who writes anywhere whatever the mode) it is a tmpfs remounted read-only; as
    anyone else, mode 0o555.
    """
    directory = tmp_path / "ro"
    directory.mkdir()
    if os.geteuid() != 0:
        yield lambda: directory.chmod(0o555)
        directory.chmod(0o755)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"root, but cannot mount a tmpfs to make read-only: {mounted.stderr}")
    remount = ["mount", "-o", "remount,ro", str(directory)]
    try:
        yield lambda: subprocess.run(remount, check=True)
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def test_a_new_store_in_a_read_only_directory_is_refused(
    tmp_path: Path, read_only_directory: Callable[[], None]
) -> None:
    read_only_directory()
    store = tmp_path / "ro" / "store.db"
    assert_refused(serve(store, tmp_path), store, "cannot be written", "writable")


def test_an_existing_store_in_a_read_only_directory_is_refused(
    tmp_path: Path, read_only_directory: Callable[[], None]
) -> None:
    store = tmp_path / "ro" / "store.db"
    make_store(store)
    read_only_directory()
    assert_refused(serve(store, tmp_path), store, "cannot be written", "-wal")


def test_the_demo_refuses_a_damaged_store_in_its_data_directory_the_same_way(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    store = data / "smsconsole.db"
    store.write_text("not a database\n" * 300, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("SMSCONSOLE_")}
    result = subprocess.run(
        [
            *(sys.executable, "-m", "smsconsole", "demo", "--data", str(data)),
            *("--no-contacts", "--port", "0", "--sandbox-port", "0"),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert_refused(result, store, "not an SQLite database")
