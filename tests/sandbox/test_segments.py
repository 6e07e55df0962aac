"""The sandbox's ``segmentCount`` against the same table as the console's counter."""

from __future__ import annotations

from typing import Any

import pytest

from segment_table import SEGMENT_TABLE, Row
from smsconsole.sandbox.engine import segment_count


@pytest.mark.parametrize("row", SEGMENT_TABLE, ids=lambda row: row.name)
def test_segment_count_is_the_shared_table(row: Row) -> None:
    assert segment_count(row.text, []) == row.count


def test_mms_is_one_message_whatever_its_text() -> None:
    assert segment_count("я" * 200, ["https://example.com/a.png"]) == 1


async def test_the_outbox_reports_the_tables_counts(sandbox: Any) -> None:
    number = await sandbox.order(None)
    sent: dict[str, int] = {}
    for row in SEGMENT_TABLE:
        response = await sandbox.client.post(
            sandbox.user("messages"),
            json={"from": number["number"], "to": "+14155550100", "text": row.text},
        )
        assert response.status_code == 201, response.text
        sent[response.headers["location"].rsplit("/", 1)[1]] = row.count
    for message_id, count in sent.items():
        shown = (await sandbox.client.get(sandbox.user(f"messages/{message_id}"))).json()
        assert shown["segmentCount"] == count, shown["text"]
