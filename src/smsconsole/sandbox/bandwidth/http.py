"""What every v2 route shares: the sandbox of a request, Basic auth, JSON and XML answers.

Each API family answers a refused request in its own words (docs/bandwidth-v2.md §2.5, §4.7,
§5.9), so this module only says whether a request may go on; the families render the refusal.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from smsconsole.sandbox.bandwidth.runtime import V2Sandbox

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def sandbox_of(request: Request) -> V2Sandbox:
    """The v2 sandbox serving this request (and it learns the base URL it was called by)."""
    sandbox: V2Sandbox = request.app.state.sandbox
    sandbox.base_url = str(request.base_url).rstrip("/")
    return sandbox


def authorized(request: Request) -> bool:
    """Whether the request carries the account's Basic credentials and names its account id
    (``accountId`` in the path, where the route has one)."""
    config = sandbox_of(request).config
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    username, colon, password = decoded.partition(":")
    if not colon:
        return False
    good = secrets.compare_digest(username.encode(), config.username.encode())
    good &= secrets.compare_digest(password.encode(), config.password.encode())
    account = request.path_params.get("account_id")
    return good and (account is None or account == config.account_id)


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON body with ``Content-Type: application/json``."""
    return Response(json.dumps(data), status, dict(headers or {}), "application/json")


def xml_response(
    body: str, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """An XML document (the declaration is added) with ``Content-Type: application/xml``."""
    return Response(f"{XML_DECLARATION}{body}", status, dict(headers or {}), "application/xml")
