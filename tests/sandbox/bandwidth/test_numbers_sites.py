"""Sites, SIP peers, their numbers and settings, and number lookups in the v2 sandbox
(docs/bandwidth-v2.md §5.4, §5.5, §5.7), through the real app on loopback."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from loopback import wait_for

SITE, PEER = "2001", "3001"


def xml(response: httpx.Response) -> ET.Element:
    assert response.headers["content-type"].startswith("application/xml"), response.text
    return ET.fromstring(response.content)


async def own(v2: Any, area_code: str, count: int, peer: str | None = None) -> list[str]:
    """Order ``count`` numbers of an area code (onto ``peer``) and wait until they are ours."""
    found = await v2.client.get(
        v2.numbers("availableNumbers"), params={"areaCode": area_code, "quantity": count}
    )
    numbers = [e.text or "" for e in xml(found).iter("TelephoneNumber")]
    listed = "".join(f"<TelephoneNumber>{n}</TelephoneNumber>" for n in numbers)
    peer_id = f"<PeerId>{peer}</PeerId>" if peer else ""
    body = (
        f"<Order><SiteId>{SITE}</SiteId>{peer_id}<ExistingTelephoneNumberOrderType>"
        f"<TelephoneNumberList>{listed}</TelephoneNumberList></ExistingTelephoneNumberOrderType>"
        "</Order>"
    )
    created = await v2.client.post(v2.numbers("orders"), content=body)
    assert created.status_code == 201, created.text
    await wait_for(lambda: all(f"+1{n}" in v2.state.account.numbers for n in numbers))
    return numbers


async def new_peer(v2: Any, name: str, default: bool = False) -> str:
    body = f"<SipPeer><PeerName>{name}</PeerName><IsDefaultPeer>{str(default).lower()}"
    response = await v2.client.post(
        v2.numbers(f"sites/{SITE}/sippeers"), content=body + "</IsDefaultPeer></SipPeer>"
    )
    assert response.status_code == 201, response.text
    peer_id = response.headers["location"].rsplit("/", 1)[1]
    assert response.headers["location"] == (
        f"{v2.base}/api/accounts/9900000/sites/{SITE}/sippeers/{peer_id}"
    )
    return peer_id


async def new_app(v2: Any, body: str) -> str:
    response = await v2.client.post(v2.numbers("applications"), content=body)
    assert response.status_code == 201, response.text
    return xml(response).findtext("Application/ApplicationId") or ""


MESSAGING_APP = (
    "<Application><ServiceType>Messaging-V2</ServiceType><AppName>texts</AppName>"
    "<InboundCallbackUrl>http://127.0.0.1:9/in</InboundCallbackUrl></Application>"
)
VOICE_APP = (
    "<Application><ServiceType>Voice-V2</ServiceType><AppName>calls</AppName>"
    "<CallInitiatedCallbackUrl>http://127.0.0.1:9/calls</CallInitiatedCallbackUrl></Application>"
)


async def test_sites_are_listed_fetched_and_created(v2) -> None:
    listed = xml(await v2.client.get(v2.numbers("sites")))
    assert [s.findtext("Id") for s in listed.findall("Sites/Site")] == [SITE]
    assert listed.findtext("Sites/Site/Name") == "sandbox"
    one = xml(await v2.client.get(v2.numbers(f"sites/{SITE}")))
    assert one.tag == "SiteResponse"
    assert one.findtext("Site/Id") == SITE
    created = await v2.client.post(
        v2.numbers("sites"), content="<Site><Name>second</Name><Description>d</Description></Site>"
    )
    assert created.status_code == 201
    site_id = xml(created).findtext("Site/Id")
    assert created.headers["location"].endswith(f"/sites/{site_id}")
    assert site_id in v2.state.account.sites
    unknown = await v2.client.get(v2.numbers("sites/999"))
    assert unknown.status_code == 404
    assert xml(unknown).findtext("ResponseStatus/ErrorCode") == "12008"
    nameless = await v2.client.post(v2.numbers("sites"), content="<Site><Name/></Site>")
    assert nameless.status_code == 400
    assert xml(nameless).findtext("ResponseStatus/Description")


async def test_peers_are_listed_fetched_and_created(v2) -> None:
    listed = xml(await v2.client.get(v2.numbers(f"sites/{SITE}/sippeers")))
    assert listed.tag == "TNSipPeersResponse"
    peers = listed.findall("SipPeers/SipPeer")
    assert [(p.findtext("PeerId"), p.findtext("IsDefaultPeer")) for p in peers] == [(PEER, "true")]
    one = xml(await v2.client.get(v2.numbers(f"sites/{SITE}/sippeers/{PEER}")))
    assert one.findtext("SipPeer/PeerName") == "sandbox-peer"
    second = await new_peer(v2, "second", default=True)
    account = v2.state.account
    assert account.default_peer(SITE).id == second
    assert not account.peers[PEER].is_default
    unknown = await v2.client.get(v2.numbers(f"sites/{SITE}/sippeers/777"))
    assert unknown.status_code == 400
    root = xml(unknown)
    assert root.tag == "SipPeerResponse"
    assert root.findtext("ResponseStatus/ErrorCode") == "13563"
    other_site = await v2.client.get(v2.numbers(f"sites/999/sippeers/{PEER}"))
    assert other_site.status_code == 404


async def test_a_peer_is_deleted_only_when_empty_and_not_the_default(v2) -> None:
    other = await new_peer(v2, "other")
    [number] = await own(v2, "919", 1, peer=other)
    path = v2.numbers(f"sites/{SITE}/sippeers/{other}")
    holding = await v2.client.delete(path)
    assert holding.status_code == 409
    assert xml(holding).findtext("ResponseStatus/ErrorCode") == "13571"
    default = await v2.client.delete(v2.numbers(f"sites/{SITE}/sippeers/{PEER}"))
    assert default.status_code == 409
    assert xml(default).findtext("ResponseStatus/ErrorCode") == "13572"
    moved = await v2.client.post(
        v2.numbers(f"sites/{SITE}/sippeers/{PEER}/movetns"),
        content=f"<SipPeerTelephoneNumbers><FullNumber>{number}</FullNumber>"
        "</SipPeerTelephoneNumbers>",
    )
    assert moved.status_code == 200
    deleted = await v2.client.delete(path)
    assert deleted.status_code == 200
    assert other not in v2.state.account.peers
    gone = await v2.client.delete(path)
    assert gone.status_code == 400
    assert xml(gone).findtext("ResponseStatus/ErrorCode") == "13563"


async def test_a_peers_numbers_and_moving_them(v2) -> None:
    numbers = await own(v2, "919", 3)
    other = await new_peer(v2, "other")
    tns = xml(await v2.client.get(v2.numbers(f"sites/{SITE}/sippeers/{PEER}/tns")))
    assert [e.text for e in tns.iter("FullNumber")] == sorted(numbers)
    moved = await v2.client.post(
        v2.numbers(f"sites/{SITE}/sippeers/{other}/movetns"),
        content=f"<SipPeerTelephoneNumbers><FullNumber>{numbers[0]}</FullNumber>"
        "</SipPeerTelephoneNumbers>",
    )
    assert moved.status_code == 200, moved.text
    assert [e.text for e in xml(moved).iter("FullNumber")] == [numbers[0]]
    assert v2.state.account.numbers[f"+1{numbers[0]}"].peer_id == other
    there = xml(await v2.client.get(v2.numbers(f"sites/{SITE}/sippeers/{other}/tns")))
    assert [e.text for e in there.iter("FullNumber")] == [numbers[0]]
    refused = await v2.client.post(
        v2.numbers(f"sites/{SITE}/sippeers/{other}/movetns"),
        content="<SipPeerTelephoneNumbers><FullNumber>2075550100</FullNumber>"
        f"<FullNumber>{numbers[1]}</FullNumber></SipPeerTelephoneNumbers>",
    )
    assert refused.status_code == 400
    assert xml(refused).findtext("ResponseStatus/ErrorCode") == "13570"
    assert v2.state.account.numbers[f"+1{numbers[1]}"].peer_id == PEER  # all or nothing
    empty = await v2.client.post(
        v2.numbers(f"sites/{SITE}/sippeers/{other}/movetns"),
        content="<SipPeerTelephoneNumbers/>",
    )
    assert empty.status_code == 400


async def test_messaging_application_settings_route_a_peers_texts(v2) -> None:
    (number,) = await own(v2, "212", 1)
    app_id = await new_app(v2, MESSAGING_APP)
    path = v2.numbers(f"sites/{SITE}/sippeers/{PEER}/products/messaging/applicationSettings")
    before = xml(await v2.client.get(path))
    assert before.findtext("ApplicationsSettings/HttpMessagingV2AppId") is None
    body = (
        f"<ApplicationsSettings><HttpMessagingV2AppId>{app_id}</HttpMessagingV2AppId>"
        "</ApplicationsSettings>"
    )
    put = await v2.client.put(path, content=body)
    assert put.status_code == 200, put.text
    assert xml(put).findtext("ApplicationsSettings/HttpMessagingV2AppId") == app_id
    assert (
        xml(await v2.client.get(path)).findtext("ApplicationsSettings/HttpMessagingV2AppId")
        == app_id
    )
    assert v2.state.account.messaging_app_for(f"+1{number}").id == app_id
    removed = await v2.client.put(
        path, content="<ApplicationsSettings>REMOVE</ApplicationsSettings>"
    )
    assert removed.status_code == 200
    assert v2.state.account.messaging_app_for(f"+1{number}") is None
    voice_id = await new_app(v2, VOICE_APP)
    for wrong in (voice_id, "no-such-app"):
        refused = await v2.client.put(
            path,
            content=f"<ApplicationsSettings><HttpMessagingV2AppId>{wrong}</HttpMessagingV2AppId></ApplicationsSettings>",
        )
        assert refused.status_code == 400
        assert xml(refused).findtext("ResponseStatus/ErrorCode") == "13610"


async def test_origination_settings_route_a_peers_calls(v2) -> None:
    (number,) = await own(v2, "713", 1)
    app_id = await new_app(v2, VOICE_APP)
    path = v2.numbers(f"sites/{SITE}/sippeers/{PEER}/products/origination/settings")
    assert xml(await v2.client.get(path)).findtext(".//VoiceProtocol") == "SIP"
    body = (
        "<SipPeerOriginationSettings><VoiceProtocol>HTTP</VoiceProtocol><HttpSettings>"
        f"<HttpVoiceV2AppId>{app_id}</HttpVoiceV2AppId></HttpSettings></SipPeerOriginationSettings>"
    )
    created = await v2.client.post(path, content=body)
    assert created.status_code == 201, created.text
    assert xml(created).findtext(".//HttpSettings/HttpVoiceV2AppId") == app_id
    assert v2.state.account.voice_app_for(f"+1{number}").id == app_id
    fetched = xml(await v2.client.get(path))
    assert fetched.tag == "SipPeerOriginationSettingsResponse"
    assert fetched.findtext("SipPeerOriginationSettings/VoiceProtocol") == "HTTP"
    off = await v2.client.put(
        path,
        content="<SipPeerOriginationSettings><VoiceProtocol>SIP</VoiceProtocol></SipPeerOriginationSettings>",
    )
    assert off.status_code == 200
    assert v2.state.account.voice_app_for(f"+1{number}") is None
    messaging_id = await new_app(v2, MESSAGING_APP)
    wrong = await v2.client.put(path, content=body.replace(app_id, messaging_id))
    assert wrong.status_code == 400
    assert xml(wrong).findtext("ResponseStatus/ErrorCode") == "13610"
    nonsense = await v2.client.put(
        path,
        content="<SipPeerOriginationSettings><VoiceProtocol>FAX</VoiceProtocol></SipPeerOriginationSettings>",
    )
    assert nonsense.status_code == 400


async def test_which_peer_and_site_a_number_is_on(v2) -> None:
    (number,) = await own(v2, "305", 1)
    peer = xml(await v2.client.get(f"/api/tns/{number}/sippeers"))
    assert (peer.tag, peer.findtext("Id"), peer.findtext("Name")) == (
        "SipPeer",
        PEER,
        "sandbox-peer",
    )
    site = xml(await v2.client.get(f"/api/tns/{number}/sites"))
    assert (site.tag, site.findtext("Id"), site.findtext("Name")) == ("Site", SITE, "sandbox")
    for unknown in ("2075550100", "not-a-number"):
        answer = await v2.client.get(f"/api/tns/{unknown}/sites")
        assert answer.status_code == 404
        assert xml(answer).findtext("ResponseStatus/Description")


@pytest.mark.parametrize(
    "path",
    [
        "sites",
        f"sites/{SITE}",
        f"sites/{SITE}/sippeers",
        f"sites/{SITE}/sippeers/{PEER}",
        f"sites/{SITE}/sippeers/{PEER}/tns",
        f"sites/{SITE}/sippeers/{PEER}/products/messaging/applicationSettings",
        f"sites/{SITE}/sippeers/{PEER}/products/origination/settings",
        "inserviceNumbers",
        "applications",
    ],
)
async def test_site_routes_want_credentials(v2, path: str) -> None:
    async with httpx.AsyncClient(base_url=v2.base) as plain:
        response = await plain.get(v2.numbers(path))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic realm=")
