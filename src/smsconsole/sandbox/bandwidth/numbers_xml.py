"""XML in and out for the Numbers API: bounded, entity-free parsing of request bodies, element
building, the three error shapes of docs/bandwidth-v2.md §5.9, and the authenticated endpoint.

Every Numbers route is wrapped by :func:`endpoint`: a request without the account's Basic
credentials is answered 401 before the handler runs, and a :class:`NumbersError` the handler
raises is rendered in the shape of its resource, never as a 500.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from smsconsole.sandbox.bandwidth.http import authorized, sandbox_of, xml_response

MAX_BODY = 64 * 1024
MAX_DEPTH = 16  # deeper than any Numbers document; echoing and copying elements recurse
REALM = 'Basic realm="Bandwidth Numbers API (sandbox)"'


class NumbersError(Exception):
    """A refused Numbers request, or a failure recorded on an order.

    Attributes:
        status: HTTP status to answer.
        code: Bandwidth's error code (``4010``, ``5016``, …).
        description: The error's words.
        number: The 10-digit number it is about, if any.
    """

    def __init__(self, status: int, code: str, description: str, number: str | None = None):
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description
        self.number = number


Render = Callable[[NumbersError], ET.Element]
Handler = Callable[[Request], Awaitable[Response]]


def node(tag: str, text: str | None = None, children: Iterable[ET.Element] = ()) -> ET.Element:
    """An element with optional text and children."""
    element = ET.Element(tag)
    element.text = text
    element.extend(children)
    return element


def leaves(pairs: Iterable[tuple[str, str | None]]) -> list[ET.Element]:
    """Text elements for the pairs whose value is not None, in order."""
    return [node(tag, value) for tag, value in pairs if value is not None]


def answer(
    element: ET.Element | None, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """An XML answer; ``None`` is an empty body (no declaration, no content type)."""
    if element is None:
        return Response(b"", status, headers)
    return xml_response(ET.tostring(element, encoding="unicode"), status, headers)


def search_error(error: NumbersError) -> ET.Element:
    """Shape 1: ``<SearchResult><Error><Code/><Description/></Error></SearchResult>``."""
    return node("SearchResult", None, [node("Error", None, _code_words(error))])


def error_list(root: str) -> Render:
    """Shape 2: ``<root><ErrorList><Error>…</Error></ErrorList></root>`` (orders, disconnects)."""

    def render(error: NumbersError) -> ET.Element:
        return node(root, None, [node("ErrorList", None, [error_element(error)])])

    return render


def response_status(root: str) -> Render:
    """Shape 3: ``<root><ResponseStatus><ErrorCode/><Description/></ResponseStatus></root>``."""

    def render(error: NumbersError) -> ET.Element:
        status = leaves([("ErrorCode", error.code), ("Description", error.description)])
        return node(root, None, [node("ResponseStatus", None, status)])

    return render


def error_element(error: NumbersError) -> ET.Element:
    """One ``<Error><Code/><Description/>[<TelephoneNumber/>]</Error>``."""
    return node("Error", None, _code_words(error) + leaves([("TelephoneNumber", error.number)]))


def _code_words(error: NumbersError) -> list[ET.Element]:
    return leaves([("Code", error.code), ("Description", error.description)])


def endpoint(handler: Handler, render: Render) -> Handler:
    """Wrap a Numbers handler: Basic auth first, then its errors rendered by ``render``."""

    async def wrapped(request: Request) -> Response:
        sandbox_of(request)  # learns the base URL for Location headers
        if not authorized(request):
            refusal = NumbersError(401, "401", "Full authentication is required: send the "
                                   "account's API credentials with HTTP Basic")  # fmt: skip
            status = leaves([("ErrorCode", refusal.code), ("Description", refusal.description)])
            return answer(node("ResponseStatus", None, status), 401, {"WWW-Authenticate": REALM})
        try:
            return await handler(request)
        except NumbersError as error:
            return answer(render(error), error.status)

    return wrapped


async def read_xml(request: Request, roots: tuple[str, ...], code: str) -> ET.Element:
    """The request's XML document, whose root must be one of ``roots``.

    Refuses (``NumbersError`` with ``code``, 400; 413 past :data:`MAX_BODY`) a body that is too
    large, not UTF-8, carries a document type or entity declaration (never expanded: no entity
    can be declared without one), is not well-formed, or has another root.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise NumbersError(413, code, f"The request body is larger than {MAX_BODY} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise NumbersError(413, code, f"The request body is larger than {MAX_BODY} bytes.")
        chunks.append(chunk)
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NumbersError(400, code, "The request body must be UTF-8 XML.") from exc
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise NumbersError(400, code, "Document type and entity declarations are not accepted.")
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise NumbersError(400, code, f"The request body is not well-formed XML ({exc}).") from exc
    if _too_deep(root):
        raise NumbersError(400, code, f"The request body nests elements deeper than {MAX_DEPTH}.")
    if root.tag not in roots:
        raise NumbersError(400, code, f"The request body's root element must be <{roots[0]}>.")
    return root


def _too_deep(root: ET.Element) -> bool:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in element)
    return False


def child_text(element: ET.Element, path: str) -> str | None:
    """The stripped text at ``path`` (None when absent; ``""`` when empty)."""
    found = element.find(path)
    if found is None:
        return None
    return (found.text or "").strip()


def flag(value: str | None, default: bool) -> bool | None:
    """``true``/``false`` (any case) as a bool, ``default`` when absent, None when neither."""
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return None


def timestamp(moment: datetime | None = None) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``, as the Numbers API writes times."""
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def ten_digits(e164: str) -> str:
    """``+19195550100`` → ``9195550100``."""
    return e164[2:] if e164.startswith("+1") else e164.lstrip("+")


def e164_of(tn: str) -> str | None:
    """A 10-digit NANP number (or ``1`` + 10 digits, or E.164) as E.164; None if it is not one."""
    digits = tn.strip()
    if digits.startswith("+"):
        digits = digits[1:]
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit() or digits[0] in "01":
        return None
    return f"+1{digits}"
