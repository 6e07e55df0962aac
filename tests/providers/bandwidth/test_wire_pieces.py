"""The v2 provider's pure pieces: XML documents, error words, credentials, search criteria,
message-list items, and the BXML it sends (captured at the edge we do not own: Bandwidth)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import httpx
import pytest

from smsconsole.core import events
from smsconsole.providers.bandwidth import xmldoc
from smsconsole.providers.bandwidth.provider import (
    BandwidthProvider,
    listed_message,
    search_params,
    split_credentials,
)
from smsconsole.providers.bandwidth.wire import BandwidthError, Wire, error_from_answer
from smsconsole.providers.base import NumberSearch, UnreadableRecord

# -- XML -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "DTD or an entity"),
        (b"<x><!entity a 'b'></x>", "DTD or an entity"),
        (b"<x><y></x>", "not well-formed"),
        (b"<x>" + b"a" * (xmldoc.MAX_DOCUMENT + 1) + b"</x>", "over"),
    ],
)
def test_a_bad_document_is_refused_in_words(body: bytes, said: str) -> None:
    with pytest.raises(xmldoc.XmlError, match=said):
        xmldoc.parse(body)


def test_element_builds_children_in_order_with_lists_and_booleans() -> None:
    built = xmldoc.element(
        "Order",
        {
            "Name": "n <&>",
            "SiteId": 2001,
            "Partial": False,
            "Skipped": None,
            "List": {"TelephoneNumber": ["9195550100", "9195550101"]},
        },
    )
    document = xmldoc.to_bytes(built)
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?><Order>')
    root = xmldoc.parse(document)
    assert [child.tag for child in root] == ["Name", "SiteId", "Partial", "List"]
    assert xmldoc.text(root, "Name") == "n <&>"
    assert xmldoc.text(root, "Partial") == "false"
    assert list(xmldoc.texts(root, "List/TelephoneNumber")) == ["9195550100", "9195550101"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            "<OrderResponse><ErrorList><Error><Code>5016</Code><Description>The SiteId "
            "submitted is invalid.</Description></Error></ErrorList></OrderResponse>",
            ("5016", "The SiteId submitted is invalid."),
        ),
        (
            "<SipPeerResponse><ResponseStatus><ErrorCode>13563</ErrorCode><Description>Sip "
            "Peer does not exist</Description></ResponseStatus></SipPeerResponse>",
            ("13563", "Sip Peer does not exist"),
        ),
        (
            "<SearchResult><Error><Code>4010</Code><Description>One of more required search"
            " parameters are missing.</Description></Error></SearchResult>",
            ("4010", "One of more required search parameters are missing."),
        ),
        ("<SitesResponse/>", None),
    ],
)
def test_error_words_read_the_three_shapes(body: str, words: tuple[str, str] | None) -> None:
    assert xmldoc.error_words(ET.fromstring(body)) == words


# -- error answers ---------------------------------------------------------------------------


def _answer(status: int, body: bytes, kind: str) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"content-type": kind})


def test_a_json_error_keeps_the_api_words_and_names_the_fields() -> None:
    body = {
        "type": "request-validation",
        "description": "Your request could not be accepted",
        "fieldErrors": [{"fieldName": "from", "description": "'+1' is not E164"}],
    }
    error = error_from_answer(
        _answer(400, json.dumps(body).encode(), "application/json"), "POST", "/m"
    )
    assert error.status == 400
    assert error.category == "bad-request"
    assert error.code == "request-validation"
    assert error.message == "Your request could not be accepted: from: '+1' is not E164"
    assert "HTTP 400, POST /m" in str(error)


def test_an_xml_error_keeps_the_api_words() -> None:
    body = b"<R><ErrorList><Error><Code>5005</Code><Description>Telephone Number Unavailable</Description></Error></ErrorList></R>"  # noqa: E501
    error = error_from_answer(_answer(400, body, "application/xml"), "POST", "/orders")
    assert (error.code, error.message) == ("5005", "Telephone Number Unavailable")


@pytest.mark.parametrize(
    ("status", "body", "category"),
    [
        (401, b"", "authentication"),
        (403, b"<html>nope</html>", "authorization"),
        (503, b"not json {", "server-error"),
        (418, b"[1, 2]", "error"),
    ],
)
def test_an_error_without_words_says_the_status(status: int, body: bytes, category: str) -> None:
    error = error_from_answer(_answer(status, body, "text/plain"), "GET", "/x")
    assert error.category == category
    assert error.message.startswith(f"Bandwidth answered {status}")


async def test_a_write_that_may_have_arrived_is_not_sent_again() -> None:
    sent: list[str] = []

    def drop(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        raise httpx.ReadError("connection reset")

    wire = Wire(username="u", password="p", transport=httpx.MockTransport(drop))
    try:
        with pytest.raises(BandwidthError) as caught:
            await wire.send("POST", "http://bw.invalid/x", content=b"{}")
        assert sent == ["POST"]
        assert caught.value.outcome_unknown
        assert "check before repeating it" in caught.value.message
        sent.clear()
        with pytest.raises(BandwidthError):
            await wire.send("GET", "http://bw.invalid/x")
        assert sent == ["GET", "GET", "GET"]  # a read is retried (3 attempts)
    finally:
        await wire.aclose()


# -- credentials in callback URLs ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "plain", "username", "password"),
    [
        ("https://h.example/callbacks/calls", "https://h.example/callbacks/calls", None, None),
        (
            "https://smsconsole:p%40ss%3Aw@h.example:8443/callbacks/messages",
            "https://h.example:8443/callbacks/messages",
            "smsconsole",
            "p@ss:w",
        ),
        ("http://u:p@[::1]:8080/callbacks/calls", "http://[::1]:8080/callbacks/calls", "u", "p"),
    ],
)
def test_split_credentials_takes_the_userinfo_out(
    url: str, plain: str, username: str | None, password: str | None
) -> None:
    found = split_credentials(url)
    assert (found.url, found.username, found.password) == (plain, username, password)


# -- number search ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "params"),
    [
        (NumberSearch(city="Cary", state="NC", quantity=3),
         {"quantity": "3", "city": "Cary", "state": "NC"}),
        (NumberSearch(area_code="919"), {"quantity": "10", "areaCode": "919"}),
        (NumberSearch(area_code="919", local_number="555"), {"quantity": "10", "npaNxx": "919555"}),
        (NumberSearch(area_code="919", local_number="5550"),
         {"quantity": "10", "npaNxxx": "9195550"}),
        (NumberSearch(zip_code="27606", in_local_calling_area=True),
         {"quantity": "10", "zip": "27606", "LCA": "true"}),
        (NumberSearch(state="NC", pattern="CAKE"),
         {"quantity": "10", "state": "NC", "localVanity": "CAKE"}),
        (NumberSearch(toll_free=True, quantity=2),
         {"quantity": "2", "tollFreeWildCardPattern": "8**"}),
        (NumberSearch(toll_free=True, pattern="888*"),
         {"quantity": "10", "tollFreeWildCardPattern": "888"}),
    ],
)  # fmt: skip
def test_search_params_speak_v2(criteria: NumberSearch, params: dict[str, str]) -> None:
    assert search_params(criteria) == params


def test_a_wildcard_pattern_is_refused_before_any_request() -> None:
    with pytest.raises(BandwidthError, match="no wildcard patterns") as caught:
        search_params(NumberSearch(area_code="919", pattern="*2?9*"))
    assert caught.value.status == 400


# -- the message list ------------------------------------------------------------------------

ITEM = {
    "messageId": "m-1",
    "accountId": "9900000",
    "sourceTn": "+19195550100",
    "destinationTn": "+14155550123",
    "messageStatus": "DELIVERED",
    "messageDirection": "OUTBOUND",
    "messageType": "sms",
    "segmentCount": 1,
    "errorCode": 0,
    "receiveTime": "2026-12-02T07:27:02.000Z",
}


def test_a_delivered_item_is_a_delivered_state_without_words() -> None:
    assert listed_message(ITEM) == events.MessageEvent(
        event_type="sms",
        direction="out",
        message_id="m-1",
        from_="+19195550100",
        to="+14155550123",
        state="sent",
        delivery_state="delivered",
        segment_count=1,
        time=datetime(2026, 12, 2, 7, 27, 2, tzinfo=UTC),
    )


def test_a_failed_item_keeps_its_error_code() -> None:
    event = listed_message(ITEM | {"messageStatus": "FAILED", "errorCode": 4720})
    assert isinstance(event, events.MessageEvent)
    assert (event.state, event.delivery_state, event.delivery_code) == (
        "error",
        "not-delivered",
        "4720",
    )


def test_an_inbound_item_is_skipped_saying_why() -> None:
    skipped = listed_message(ITEM | {"messageDirection": "INBOUND", "messageStatus": "RECEIVED"})
    assert isinstance(skipped, UnreadableRecord)
    assert skipped.id == "m-1"
    assert "no texts" in skipped.reason
    assert "24 hours" in skipped.reason


@pytest.mark.parametrize(
    "item",
    [
        "not an object",
        {"messageStatus": "SENT"},
        ITEM | {"messageStatus": "TELEPORTED"},
        ITEM | {"sourceTn": 5},
    ],
)
def test_an_unreadable_item_is_skipped(item: object) -> None:
    assert isinstance(listed_message(item), UnreadableRecord)


# -- BXML sent for call control --------------------------------------------------------------


async def _captured_bxml(act: str) -> bytes:
    seen: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    wire = Wire(username="u", password="p", transport=httpx.MockTransport(capture))
    provider = BandwidthProvider(
        wire,
        account_id="9900000",
        messaging_url="http://bw.invalid/api/v2",
        voice_url="http://bw.invalid/api/v2",
        numbers_url="http://bw.invalid/api",
    )
    try:
        url = "http://smsconsole:s%3Ccret@console.example/callbacks/calls"
        if act == "answer":
            await provider.answer_call("c-1", callback_url=url)
        elif act == "speak":
            await provider.speak_sentence("c-1", 'Hi <b>"you"</b> & me', voice="julie")
        else:
            assert await provider.transfer_call("c-1", "+14155550123", callback_url=url) == ""
    finally:
        await provider.aclose()
    [request] = seen
    assert (request.method, request.url.path) == ("PUT", "/api/v2/accounts/9900000/calls/c-1/bxml")
    assert request.headers["content-type"] == "application/xml"
    return request.content


async def test_answering_pauses_then_redirects_back_with_the_credentials() -> None:
    root = ET.fromstring(await _captured_bxml("answer"))
    assert root.tag == "Bxml"
    pause, redirect = list(root)
    assert (pause.tag, pause.get("duration")) == ("Pause", "1")
    assert redirect.tag == "Redirect"
    assert redirect.get("redirectUrl") == "http://console.example/callbacks/calls"
    assert (redirect.get("username"), redirect.get("password")) == ("smsconsole", "s<cret")


async def test_speaking_escapes_the_words_and_then_holds() -> None:
    root = ET.fromstring(await _captured_bxml("speak"))
    speak, hold = list(root)
    assert speak.tag == "SpeakSentence"
    assert speak.get("voice") == "julie"
    assert speak.text == 'Hi <b>"you"</b> & me'
    assert (hold.tag, hold.get("duration")) == ("Pause", "86400")


async def test_transferring_names_our_urls_for_both_legs() -> None:
    root = ET.fromstring(await _captured_bxml("transfer"))
    [transfer] = list(root)
    [number] = list(transfer)
    assert transfer.get("transferCompleteUrl") == "http://console.example/callbacks/calls"
    assert number.text == "+14155550123"
    assert number.get("transferAnswerUrl") == number.get("transferDisconnectUrl")
    assert number.get("password") == "s<cret"
