"""Media of Messaging v2 through the real app (docs/bandwidth-v2.md §2.3): upload, download,
list with Continuation-Token, delete, and refusals."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


async def test_a_file_round_trips_with_its_type_and_cache_control(v2: Any) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    put = await v2.client.put(
        v2.messaging("media/a.png"),
        content=png,
        headers={"content-type": "image/png", "cache-control": "no-cache"},
    )
    assert put.status_code == 204
    assert put.content == b""
    got = await v2.client.get(v2.messaging("media/a.png"))
    assert got.status_code == 200
    assert got.content == png
    assert got.headers["content-type"] == "image/png"
    assert got.headers["cache-control"] == "no-cache"
    listed = await v2.client.get(v2.messaging("media"))
    assert listed.status_code == 200
    assert listed.json() == [
        {
            "content": f"{v2.base}/api/v2/users/9900000/media/a.png",
            "contentLength": len(png),
            "mediaName": "a.png",
        }
    ]
    assert "continuation-token" not in listed.headers
    deleted = await v2.client.delete(v2.messaging("media/a.png"))
    assert deleted.status_code == 204
    gone = await v2.client.get(v2.messaging("media/a.png"))
    assert gone.status_code == 404
    assert gone.json()["type"]
    assert gone.json()["description"]
    again = await v2.client.delete(v2.messaging("media/a.png"))
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("content_type", "stored"),
    [
        ("application/json", "application/json"),  # what the SDKs themselves send
        ("text/plain; charset=utf-8", "text/plain; charset=utf-8"),
        (None, "application/octet-stream"),
    ],
)
async def test_any_content_type_is_stored_as_received(
    v2: Any, content_type: str | None, stored: str
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    body = b'{"type":"Buffer","data":[0,1,2]}'
    put = await v2.client.put(v2.messaging("media/x.bin"), content=body, headers=headers)
    assert put.status_code == 204
    got = await v2.client.get(v2.messaging("media/x.bin"))
    assert got.content == body
    assert got.headers["content-type"] == stored


async def test_an_id_with_slashes_is_one_file_whether_encoded_or_not(v2: Any) -> None:
    put = await v2.client.put(
        v2.messaging("media/a%20b%2F0%2Fx.png"), content=b"x", headers={"content-type": "image/png"}
    )
    assert put.status_code == 204
    literal = await v2.client.get(v2.messaging("media/a%20b/0/x.png"))
    assert literal.status_code == 200
    assert literal.content == b"x"
    (item,) = (await v2.client.get(v2.messaging("media"))).json()
    assert item["mediaName"] == "a b/0/x.png"
    second = await v2.client.put(v2.messaging("media/a%20b/0/x.png"), content=b"yz")
    assert second.status_code == 204
    assert (await v2.client.get(v2.messaging("media"))).json()[0]["contentLength"] == 2


async def test_the_list_pages_with_a_continuation_token(v2: Any) -> None:
    v2.app.state.messaging.media_page = 2
    for index in range(5):
        await v2.client.put(v2.messaging(f"media/f{index}"), content=b"x")
    names: list[str] = []
    token = None
    answers = 0
    while True:
        headers = {} if token is None else {"continuation-token": token}
        answer = await v2.client.get(v2.messaging("media"), headers=headers)
        assert answer.status_code == 200
        names.extend(item["mediaName"] for item in answer.json())
        answers += 1
        token = answer.headers.get("continuation-token")
        if token is None:
            break
    assert names == [f"f{index}" for index in range(5)]
    assert answers == 3
    bad = await v2.client.get(v2.messaging("media"), headers={"continuation-token": "nope"})
    assert bad.status_code == 400
    assert bad.json()["type"] == "request-validation"


async def test_a_file_over_the_limit_is_refused(v2: Any) -> None:
    big = b"\0" * (3_932_160 + 1)
    answer = await v2.client.put(v2.messaging("media/big.bin"), content=big)
    assert answer.status_code == 413
    assert answer.json()["type"] == "request-entity-too-large"

    async def chunks() -> Any:
        for _ in range(5):
            yield b"\0" * 1_000_000

    streamed = await v2.client.put(v2.messaging("media/big2.bin"), content=chunks())
    assert streamed.status_code == 413
    assert (await v2.client.get(v2.messaging("media"))).json() == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "media/"), ("PUT", "media/" + "n" * 1100), ("GET", "media/a%0Ab"), ("POST", "media")],
)
async def test_bad_media_requests_get_json_refusals(v2: Any, method: str, path: str) -> None:
    answer = await v2.client.request(method, v2.messaging(path), content=b"x")
    assert answer.status_code in (400, 405)
    assert answer.json()["type"]
    assert answer.json()["description"]


async def test_media_needs_the_account_credentials(v2: Any) -> None:
    await v2.client.put(v2.messaging("media/a.png"), content=b"x")
    async with httpx.AsyncClient(base_url=v2.base) as anonymous:
        answer = await anonymous.get(v2.messaging("media/a.png"))
    assert answer.status_code == 401
    assert answer.json() == {"type": "unauthorized", "description": "Authentication Failed"}


async def test_reset_forgets_the_media(v2: Any) -> None:
    await v2.client.put(v2.messaging("media/a.png"), content=b"x")
    await v2.sim("POST", "reset")
    assert (await v2.client.get(v2.messaging("media"))).json() == []
