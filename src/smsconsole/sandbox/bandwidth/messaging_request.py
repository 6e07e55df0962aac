"""Reading Messaging v2 requests: the send body (§2.1) and the list query (§2.2), checked
field by field into plain values, or refused with the error body of §2.5.

Pure: no HTTP here, only the account the numbers and applications are looked up in.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from smsconsole.sandbox.bandwidth.account import MESSAGING, Account

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
MAX_RECIPIENTS = 10  # a group message has at most 10 participants (§2.1, errorCode 4435)
MAX_TEXT = 2048
MAX_MEDIA = 10
MAX_MEDIA_URL = 4096
MAX_TAG = 1024
MAX_LIMIT = 10000
DEFAULT_LIMIT = 100
MAX_SEARCH_RANGE = timedelta(days=14)
MESSAGE_STATUSES = (
    "RECEIVED", "QUEUED", "SENDING", "SENT", "FAILED", "DELIVERED", "ACCEPTED", "UNDELIVERED"
)  # fmt: skip
DIRECTIONS = ("INBOUND", "OUTBOUND")
MESSAGE_TYPES = ("sms", "mms", "rcs")
SORTABLE = ("receiveTime", "sourceTn", "destinationTn", "messageStatus", "messageId")
ACCEPTED = "Your request could not be accepted"
NOT_E164 = "must be replaced with a valid E164 formatted telephone number"


class MessagingError(Exception):
    """A refused request: its status and the ``{type, description[, fieldErrors]}`` body."""

    def __init__(
        self,
        status: int,
        kind: str,
        description: str,
        field_errors: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.kind = kind
        self.description = description
        self.field_errors = field_errors

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        data: dict[str, Any] = {"type": self.kind, "description": self.description}
        if self.field_errors is not None:
            data["fieldErrors"] = [
                {"fieldName": name, "description": text} for name, text in self.field_errors
            ]
        return data


def invalid(
    reason: str | None = None, fields: list[tuple[str, str]] | None = None
) -> MessagingError:
    """A 400 ``request-validation`` refusal."""
    description = ACCEPTED if reason is None else f"{ACCEPTED}: {reason}"
    return MessagingError(400, "request-validation", description, fields)


@dataclass(frozen=True)
class SendRequest:
    """A checked ``messageRequest``."""

    application_id: str
    to: tuple[str, ...]
    from_: str
    text: str
    media: tuple[str, ...]
    tag: str | None
    priority: str
    expiration: datetime | None


def _timestamp(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _recipients(value: Any, errors: list[tuple[str, str]]) -> tuple[str, ...]:
    # DOCS: "this can be a String, or an array"; SPEC and the SDKs send an array.
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        errors.append(("to", "'to' must be a non-empty list of E164 telephone numbers"))
        return ()
    if len(items) > MAX_RECIPIENTS:
        errors.append(("to", f"'to' may hold at most {MAX_RECIPIENTS} numbers"))
        return ()
    recipients: list[str] = []
    for item in items:
        if not isinstance(item, str) or not E164.fullmatch(item):
            shown = item if isinstance(item, str) else json.dumps(item)
            errors.append(("to", f"'{shown[:40]}' {NOT_E164}"))
        elif item in recipients:
            errors.append(("to", f"'{item}' is listed twice"))
        else:
            recipients.append(item)
    return tuple(recipients)


def _sender(body: Mapping[str, Any], account: Account, errors: list[tuple[str, str]]) -> str:
    sender = body.get("from")
    application_id = body.get("applicationId")
    if not isinstance(application_id, str) or not application_id:
        errors.append(("applicationId", "'applicationId' is required and must be a string"))
        application_id = None
    else:
        app = account.applications.get(application_id)
        if app is None or app.service_type != MESSAGING:
            errors.append(
                (
                    "applicationId",
                    f"'{application_id[:64]}' is not a messaging application of this account",
                )
            )
            application_id = None
    if not isinstance(sender, str) or not sender:
        errors.append(("from", "'from' is required and must be a string"))
        return ""
    if not E164.fullmatch(sender):
        # Alphanumeric sender ids (§2.1) are not simulated: only the account's own numbers.
        errors.append(("from", f"'{sender[:40]}' {NOT_E164}"))
        return sender
    if sender not in account.numbers:
        errors.append(("from", f"'{sender}' is not a number of this account"))
        return sender
    app_of_sender = account.messaging_app_for(sender)
    if app_of_sender is None:
        errors.append(("from", f"the location of '{sender}' has no messaging application"))
    elif application_id is not None and app_of_sender.id != application_id:
        errors.append(
            ("applicationId", f"'{sender}' is not on a location of application '{application_id}'")
        )
    return sender


def _optional_str(
    body: Mapping[str, Any], key: str, limit: int, errors: list[tuple[str, str]]
) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append((key, f"'{key}' must be a string"))
        return None
    if len(value) > limit:
        errors.append((key, f"'{key}' must be {limit} characters or less"))
        return None
    if not _encodable(value):
        errors.append((key, f"'{key}' holds a lone surrogate, which no encoding can carry"))
        return None
    return value


def _encodable(text: str) -> bool:
    # JSON's "\ud800" decodes to a lone surrogate: valid for json, not for UTF-8.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _media(value: Any, errors: list[tuple[str, str]]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(url, str) for url in value):
        errors.append(("media", "'media' must be a list of URLs"))
        return ()
    if len(value) > MAX_MEDIA:
        errors.append(("media", f"'media' may hold at most {MAX_MEDIA} URLs"))
        return ()
    for url in value:
        if len(url) > MAX_MEDIA_URL:
            errors.append(("media", f"each media URL must be {MAX_MEDIA_URL} characters or less"))
            return ()
        if not url.startswith(("http://", "https://")) or not _encodable(url):
            errors.append(("media", f"'{url[:60]}' is not an http(s) URL"))
            return ()
    return tuple(value)


def parse_send(body: Any, account: Account, moment: datetime) -> SendRequest:
    """Check a decoded send body against ``account``; raise :class:`MessagingError` if refused."""
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    errors: list[tuple[str, str]] = []
    sender = _sender(body, account, errors)
    recipients = _recipients(body.get("to"), errors)
    text = _optional_str(body, "text", MAX_TEXT, errors) or ""
    media = _media(body.get("media"), errors)
    tag = _optional_str(body, "tag", MAX_TAG, errors)
    priority = body.get("priority")
    if priority is None:
        priority = "default"
    elif priority not in ("default", "high"):
        errors.append(("priority", "'priority' must be 'default' or 'high'"))
    expiration = None
    raw_expiration = body.get("expiration")
    if raw_expiration is not None:
        expiration = _timestamp(raw_expiration) if isinstance(raw_expiration, str) else None
        if expiration is None:
            errors.append(("expiration", "'expiration' must be an RFC-3339 date-time"))
        elif expiration <= moment:
            errors.append(("expiration", "'expiration' must be a date-time in the future"))
            expiration = None
    if not text and not media and not any(name in ("text", "media") for name, _ in errors):
        errors.append(("text", "a message needs a text or media"))
    if errors:
        raise invalid(fields=errors)
    return SendRequest(
        application_id=str(body["applicationId"]),
        to=recipients,
        from_=sender,
        text=text,
        media=media,
        tag=tag,
        priority=str(priority),
        expiration=expiration,
    )


@dataclass(frozen=True)
class Search:
    """A checked list query: the filters, the sort, the page."""

    message_id: str | None = None
    source: tuple[str, ...] | str | None = None  # a tuple: full numbers; a str: a fragment
    destination: tuple[str, ...] | str | None = None
    status: str | None = None
    direction: str | None = None
    kind: str | None = None
    error_code: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    sort: tuple[str, bool] = ("receiveTime", False)  # (field, descending)
    offset: int = 0
    limit: int = DEFAULT_LIMIT


def _numbers_filter(name: str, value: str | None) -> tuple[str, ...] | str | None:
    if value is None:
        return None
    parts = [part.strip() for part in value.split(",")]
    if len(parts) > 1:
        if len(parts) > 10 or not all(E164.fullmatch(part) for part in parts):
            raise invalid(f"'{name}' must list at most 10 full E164 numbers")
        return tuple(parts)
    if E164.fullmatch(parts[0]):
        return (parts[0],)
    if len(parts[0]) < 5 or len(parts[0]) > 16 or not parts[0].lstrip("+").isdigit():
        raise invalid(f"'{name}' must be a full number, a list of them, or 5 or more digits of one")
    return parts[0]


def page_token(offset: int) -> str:
    """The opaque cursor of a page that starts at ``offset``."""
    raw = json.dumps({"offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")  # no "=": safe in a URL as is


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise invalid("'pageToken' is not a token this API gave") from exc
    offset = data.get("offset") if isinstance(data, dict) else None
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_LIMIT:
        raise invalid("'pageToken' is not a token this API gave")
    return offset


def _integer(name: str, value: str | None, low: int, high: int) -> int | None:
    if value is None:
        return None
    if not value.isascii() or not value.lstrip("-").isdigit() or len(value) > 12:
        raise invalid(f"'{name}' must be an integer")
    number = int(value)
    if not low <= number <= high:
        raise invalid(f"'{name}' must be between {low} and {high}")
    return number


def _choice(name: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        raise invalid(f"'{name}' must be one of {', '.join(allowed)}")
    return value


def parse_search(query: Mapping[str, str]) -> Search:
    """Check a list query (the last value of each parameter); raise :class:`MessagingError`."""
    if not query:
        raise invalid("you must include at least one query parameter")
    since = until = None
    for name in ("fromDateTime", "toDateTime"):
        raw = query.get(name)
        if raw is None:
            continue
        moment = _timestamp(raw)
        if moment is None:
            raise invalid(f"'{name}' must be an ISO-8601 date-time with a time zone")
        if name == "fromDateTime":
            since = moment
        else:
            until = moment
    if since is not None and until is not None:
        if until < since:
            raise invalid("'toDateTime' is before 'fromDateTime'")
        if until - since > MAX_SEARCH_RANGE:
            raise invalid("the date range to search in is at most 14 days")
    sort = ("receiveTime", False)
    raw_sort = query.get("sort")
    if raw_sort is not None:
        field_name, _, order = raw_sort.partition(":")
        if field_name not in SORTABLE or order not in ("", "asc", "desc"):
            fields = ", ".join(SORTABLE)
            raise invalid(f"'sort' must be field:asc or field:desc, the field one of {fields}")
        sort = (field_name, order == "desc")
    limit = _integer("limit", query.get("limit"), 1, MAX_LIMIT)
    offset = _offset(query.get("pageToken"))
    limit = DEFAULT_LIMIT if limit is None else limit
    if offset + limit > MAX_LIMIT:
        raise invalid(f"the sum of limit and the page offset cannot be more than {MAX_LIMIT}")
    message_id = query.get("messageId")
    return Search(
        message_id=message_id,
        source=_numbers_filter("sourceTn", query.get("sourceTn")),
        destination=_numbers_filter("destinationTn", query.get("destinationTn")),
        status=_choice("messageStatus", query.get("messageStatus"), MESSAGE_STATUSES),
        direction=_choice("messageDirection", query.get("messageDirection"), DIRECTIONS),
        kind=_choice("messageType", query.get("messageType"), MESSAGE_TYPES),
        error_code=_integer("errorCode", query.get("errorCode"), 0, 99999),
        since=since,
        until=until,
        sort=sort,
        offset=offset,
        limit=limit,
    )


def matches_number(pattern: tuple[str, ...] | str | None, number: str) -> bool:
    """Whether ``number`` passes a sourceTn/destinationTn filter."""
    if pattern is None:
        return True
    if isinstance(pattern, tuple):
        return number in pattern
    return pattern in number
