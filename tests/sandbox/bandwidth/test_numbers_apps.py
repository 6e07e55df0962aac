"""Applications in the v2 sandbox (docs/bandwidth-v2.md §5.6): the XML fields mapped onto the
account's ``Application`` (what messaging and voice deliver callbacks with), validation,
updates, and the refusal to delete an application a SIP peer still uses."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from smsconsole.sandbox.bandwidth.account import Credentials

SITE, PEER = "2001", "3001"

MESSAGING = """<Application>
  <ServiceType>Messaging-V2</ServiceType>
  <AppName>texts</AppName>
  <InboundCallbackUrl>https://example.test/in</InboundCallbackUrl>
  <OutboundCallbackUrl>https://example.test/status</OutboundCallbackUrl>
  <InboundCallbackCreds><UserId>in-user</UserId><Password>in-secret</Password></InboundCallbackCreds>
  <OutboundCallbackCreds><UserId>out-user</UserId><Password>out-secret</Password></OutboundCallbackCreds>
  <RequestedCallbackTypes>
    <CallbackType>message-delivered</CallbackType><CallbackType>message-failed</CallbackType>
  </RequestedCallbackTypes>
</Application>"""

VOICE = """<Application>
  <ServiceType>Voice-V2</ServiceType>
  <AppName>calls</AppName>
  <CallInitiatedCallbackUrl>http://127.0.0.1:9/initiate</CallInitiatedCallbackUrl>
  <CallStatusCallbackUrl>http://127.0.0.1:9/status</CallStatusCallbackUrl>
  <CallStatusMethod>get</CallStatusMethod>
  <CallbackCreds><UserId>voice-user</UserId><Password>voice-secret</Password></CallbackCreds>
  <CallbackTimeout>20</CallbackTimeout>
</Application>"""


def xml(response: httpx.Response) -> ET.Element:
    assert response.headers["content-type"].startswith("application/xml"), response.text
    return ET.fromstring(response.content)


async def create(v2: Any, body: str) -> tuple[str, ET.Element]:
    response = await v2.client.post(v2.numbers("applications"), content=body)
    assert response.status_code == 201, response.text
    root = xml(response)
    app_id = root.findtext("Application/ApplicationId") or ""
    assert response.headers["location"] == f"{v2.base}/api/accounts/9900000/applications/{app_id}"
    return app_id, root


async def test_a_messaging_application_maps_onto_the_account(v2) -> None:
    app_id, root = await create(v2, MESSAGING)
    assert root.tag == "ApplicationProvisioningResponse"
    shown = root.find("Application")
    assert shown is not None
    assert shown.findtext("ServiceType") == "Messaging-V2"
    assert shown.findtext("AppName") == "texts"
    assert shown.findtext("InboundCallbackUrl") == "https://example.test/in"
    assert shown.findtext("InboundCallbackCreds/UserId") == "in-user"
    assert b"secret" not in ET.tostring(root)  # passwords are never echoed
    assert [t.text for t in shown.iter("CallbackType")] == ["message-delivered", "message-failed"]
    app = v2.state.account.applications[app_id]
    assert (app.service_type, app.name) == ("Messaging-V2", "texts")
    assert (app.inbound_url, app.outbound_url) == (
        "https://example.test/in",
        "https://example.test/status",
    )
    assert app.inbound_creds == Credentials("in-user", "in-secret")
    assert app.outbound_creds == Credentials("out-user", "out-secret")


async def test_a_voice_application_maps_onto_the_account(v2) -> None:
    app_id, root = await create(v2, VOICE)
    shown = root.find("Application")
    assert shown is not None
    assert shown.findtext("CallInitiatedMethod") == "POST"  # the default is echoed
    assert shown.findtext("CallStatusMethod") == "GET"
    assert shown.findtext("CallbackCreds/UserId") == "voice-user"
    assert shown.findtext("InboundCallbackUrl") is None
    app = v2.state.account.applications[app_id]
    assert app.initiated_url == "http://127.0.0.1:9/initiate"
    assert (app.initiated_method, app.status_url, app.status_method) == (
        "POST",
        "http://127.0.0.1:9/status",
        "GET",
    )
    assert app.callback_creds == Credentials("voice-user", "voice-secret")
    assert app.callback_timeout == 20


async def test_applications_are_listed_and_fetched(v2) -> None:
    first, _ = await create(v2, MESSAGING)
    second, _ = await create(v2, VOICE)
    listed = xml(await v2.client.get(v2.numbers("applications")))
    ids = [a.findtext("ApplicationId") for a in listed.findall("ApplicationList/Application")]
    assert ids == [first, second]
    one = xml(await v2.client.get(v2.numbers(f"applications/{second}")))
    assert one.findtext("Application/AppName") == "calls"


async def test_the_old_service_type_words_and_single_url_are_accepted(v2) -> None:
    app_id, root = await create(
        v2,
        "<Application><ServiceType>Messaging</ServiceType><AppName>old</AppName>"
        "<CallbackUrl>http://127.0.0.1:9/all</CallbackUrl></Application>",
    )
    assert root.findtext("Application/ServiceType") == "Messaging-V2"
    app = v2.state.account.applications[app_id]
    assert app.inbound_url == app.outbound_url == "http://127.0.0.1:9/all"


@pytest.mark.parametrize(
    "body",
    [
        "<Application><AppName>x</AppName></Application>",
        "<Application><ServiceType>Fax-V2</ServiceType><AppName>x</AppName></Application>",
        "<Application><ServiceType>Messaging-V2</ServiceType><AppName>x</AppName></Application>",
        "<Application><ServiceType>Voice-V2</ServiceType><AppName>x</AppName></Application>",
        "<Application><ServiceType>Messaging-V2</ServiceType>"
        "<InboundCallbackUrl>http://a.test/</InboundCallbackUrl></Application>",
        "<Application><ServiceType>Messaging-V2</ServiceType><AppName>x</AppName>"
        "<InboundCallbackUrl>ftp://a.test/</InboundCallbackUrl></Application>",
        "<Application><ServiceType>Messaging-V2</ServiceType><AppName>x</AppName>"
        "<InboundCallbackUrl>javascript:alert(1)</InboundCallbackUrl></Application>",
        "<Application><ServiceType>Messaging-V2</ServiceType><AppName>x</AppName>"
        f"<InboundCallbackUrl>http://a.test/{'x' * 3000}</InboundCallbackUrl></Application>",
        "<Application><ServiceType>Voice-V2</ServiceType><AppName>x</AppName>"
        "<CallInitiatedCallbackUrl>http://a.test/</CallInitiatedCallbackUrl>"
        "<CallInitiatedMethod>PUT</CallInitiatedMethod></Application>",
        "<Application><ServiceType>Voice-V2</ServiceType><AppName>x</AppName>"
        "<CallInitiatedCallbackUrl>http://a.test/</CallInitiatedCallbackUrl>"
        "<CallbackTimeout>999</CallbackTimeout></Application>",
        "<Application><ServiceType>Voice-V2</ServiceType><AppName>x</AppName>"
        "<CallInitiatedCallbackUrl>http://a.test/</CallInitiatedCallbackUrl>"
        "<CallbackTimeout>nan</CallbackTimeout></Application>",
        "<Application><ServiceType>Voice-V2</ServiceType><AppName>x</AppName>"
        "<CallInitiatedCallbackUrl>http://a.test/</CallInitiatedCallbackUrl>"
        "<CallbackCreds><Password>p</Password></CallbackCreds></Application>",
        "<Application><ServiceType>Messaging-V2</ServiceType><AppName>x</AppName>"
        "<InboundCallbackUrl>http://a.test/</InboundCallbackUrl>"
        "<RequestedCallbackTypes><CallbackType>everything</CallbackType></RequestedCallbackTypes>"
        "</Application>",
        "<NotAnApplication/>",
    ],
)
async def test_invalid_applications_are_refused(v2, body: str) -> None:
    response = await v2.client.post(v2.numbers("applications"), content=body)
    assert response.status_code == 400, response.text
    root = xml(response)
    assert root.tag == "ApplicationProvisioningResponse"
    assert root.findtext("ResponseStatus/ErrorCode") == "12000"
    assert root.findtext("ResponseStatus/Description")
    assert v2.state.account.applications == {}


async def test_put_replaces_and_patch_changes_only_what_is_sent(v2) -> None:
    app_id, _ = await create(v2, MESSAGING)
    path = v2.numbers(f"applications/{app_id}")
    patched = await v2.client.patch(
        path, content="<Application><AppName>renamed</AppName></Application>"
    )
    assert patched.status_code == 200, patched.text
    app = v2.state.account.applications[app_id]
    assert (app.name, app.outbound_url) == ("renamed", "https://example.test/status")
    assert app.inbound_creds == Credentials("in-user", "in-secret")
    put = await v2.client.put(
        path,
        content="<Application><ServiceType>Messaging-V2</ServiceType><AppName>fresh</AppName>"
        "<InboundCallbackUrl>http://127.0.0.1:9/new</InboundCallbackUrl></Application>",
    )
    assert put.status_code == 200, put.text
    app = v2.state.account.applications[app_id]
    assert (app.name, app.inbound_url, app.outbound_url, app.inbound_creds) == (
        "fresh",
        "http://127.0.0.1:9/new",
        None,
        None,
    )
    changed_type = await v2.client.put(path, content=VOICE)
    assert changed_type.status_code == 400
    cleared = await v2.client.patch(
        path, content="<Application><InboundCallbackUrl/></Application>"
    )
    assert cleared.status_code == 400  # a messaging application keeps its inbound URL
    unknown = await v2.client.patch(
        v2.numbers("applications/nope"), content="<Application><AppName>x</AppName></Application>"
    )
    assert unknown.status_code == 404


async def test_an_application_on_a_peer_cannot_be_deleted(v2) -> None:
    app_id, _ = await create(v2, MESSAGING)
    settings = v2.numbers(f"sites/{SITE}/sippeers/{PEER}/products/messaging/applicationSettings")
    assigned = await v2.client.put(
        settings,
        content=f"<ApplicationsSettings><HttpMessagingV2AppId>{app_id}</HttpMessagingV2AppId>"
        "</ApplicationsSettings>",
    )
    assert assigned.status_code == 200
    peers = xml(await v2.client.get(v2.numbers(f"applications/{app_id}/associatedsippeers")))
    assert [
        (p.findtext("SiteId"), p.findtext("SiteName"), p.findtext("PeerId"), p.findtext("PeerName"))
        for p in peers.findall("AssociatedSipPeers/AssociatedSipPeer")
    ] == [(SITE, "sandbox", PEER, "sandbox-peer")]
    refused = await v2.client.delete(v2.numbers(f"applications/{app_id}"))
    assert refused.status_code == 409
    assert xml(refused).findtext("ResponseStatus/ErrorCode") == "12002"
    await v2.client.put(settings, content="<ApplicationsSettings>REMOVE</ApplicationsSettings>")
    deleted = await v2.client.delete(v2.numbers(f"applications/{app_id}"))
    assert deleted.status_code == 200
    assert app_id not in v2.state.account.applications
    gone = await v2.client.get(v2.numbers(f"applications/{app_id}"))
    assert gone.status_code == 404
    assert xml(gone).findtext("ResponseStatus/ErrorCode") == "12001"
    again = await v2.client.get(v2.numbers(f"applications/{app_id}/associatedsippeers"))
    assert again.status_code == 404
