"""bandwidth-numbers-sdk 1.2.0, unchanged, completes a search → order → list → disconnect flow
against the v2 sandbox (docs/bandwidth-v2.md §6.2). Skipped only when the SDK cannot be
installed into the SDK cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sdk_install

FLOW = Path(__file__).resolve().parent / "sdk" / "numbers_flow.py"


async def test_the_numbers_sdk_searches_orders_lists_and_disconnects(
    v2: Any, numbers_sdk: Path
) -> None:
    args = [str(numbers_sdk), str(FLOW), v2.base, "9900000", "bw-sandbox", "bw-sandbox-password"]
    result = await sdk_install.run_flow(args)
    assert result["empty"] == []
    assert result["refused"] == "5016 Iris error: The SiteId submitted is invalid."
    plain = result["plain"]
    assert len(plain) == 2
    assert all(len(n) == 10 and n.startswith("919") for n in plain)
    assert [(d["city"], d["state"], d["rate_center"], d["lata"]) for d in result["detailed"]] == [
        ("CARY", "NC", "CARY", "426")
    ] * 2
    assert result["order"]["status"] == "RECEIVED"
    assert len(result["order"]["id"]) == 36
    assert result["completed"] == {
        "status": "COMPLETE",
        "numbers": [plain[0]],
        "quantity": "1",
        "failed": "0",
    }
    assert result["area"]["status"] == "COMPLETE"
    (area_number,) = result["area"]["numbers"]
    assert area_number.startswith("910")
    assert result["in_service"] == sorted([plain[0], area_number])
    assert result["total"] == "2"
    assert result["sites"] == [{"id": "2001", "name": "sandbox"}]
    assert result["site"] == {"id": "2001", "name": "sandbox"}
    assert result["peers"] == [{"id": "3001", "name": "sandbox-peer", "default": "true"}]
    assert result["peer_tns"] == sorted([plain[0], area_number])
    second = result["second"]
    assert second["tns"] == [area_number]
    assert result["lookup"] == {
        "peer": second["id"],
        "peer_name": "second",
        "site": "2001",
        "status": "Inservice",
        "site_id": "2001",
    }
    assert v2.state.account.numbers[f"+1{area_number}"].peer_id == second["id"]
    assert result["disconnect"]["created"] == "RECEIVED"
    assert result["disconnect"]["status"] == "COMPLETE"
    assert result["after"] == [area_number]
    assert sorted(v2.state.account.numbers) == [f"+1{area_number}"]
