from __future__ import annotations
import asyncio
from pathlib import Path
from typing import Any
from smsconsole.tui.widgets.thread_view import Bubble

def test_dbg(threaded_server: Any, tmp_path: Path) -> None:
    import importlib.util, sys
    spec = importlib.util.spec_from_file_location("snaps", "/work/main/tests/tui/test_snapshots.py")
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    m.seed_inbox(threaded_server)
    print(threaded_server.api("GET", "/api/conversations").json())
    app = m.console_app(threaded_server.url, tmp_path)
    async def main():
        async with app.run_test(size=(100,30)) as pilot:
            await m.connected_with(3)(pilot)
            print(m.rows(app))
            await pilot.press("enter")
            await asyncio.sleep(1)
            print([b.plain for b in app.inbox_screen.query(Bubble)], app.status.unread)
    asyncio.run(main())
