"""BXML documents as plain data: parsing the verbs the sandbox runs (docs/bandwidth-v2.md §4.9).

Pure: text in, a :class:`Document` of frozen verbs out, or a :class:`BxmlError` saying what is
wrong. Webhook answers have the root ``<Response>``, ``PUT …/bxml`` bodies ``<Bxml>`` (§4.5).
Untrusted text: a document over 64 KB, or one with a DOCTYPE or an ENTITY declaration, is
refused before it reaches the parser.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass

MAX_BYTES = 64 * 1024
METHODS = ("GET", "POST")


class BxmlError(ValueError):
    """A document the sandbox cannot run (the call ends with ``invalid-bxml``)."""


@dataclass(frozen=True)
class Ring:
    """``<Ring>``: ringing for ``duration`` s; ``answer_call`` False keeps a call unanswered."""

    duration: float = 5.0
    answer_call: bool = True


@dataclass(frozen=True)
class Pause:
    """``<Pause>``: silence for ``duration`` s."""

    duration: float = 1.0


@dataclass(frozen=True)
class SpeakSentence:
    """``<SpeakSentence>``: text spoken (no event); voice, gender, locale as given."""

    text: str
    voice: str | None = None
    gender: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class Hook:
    """A webhook target named by a verb: URL, method, credentials and fallback."""

    url: str
    method: str = "POST"
    username: str | None = None
    password: str | None = None
    fallback_url: str | None = None
    fallback_method: str = "POST"
    fallback_username: str | None = None
    fallback_password: str | None = None


@dataclass(frozen=True)
class Gather:
    """``<Gather>``: collect digits (prompts first), then the ``gather`` webhook if any."""

    hook: Hook | None
    prompts: tuple[SpeakSentence, ...] = ()
    max_digits: int = 50
    terminating_digits: str = ""
    inter_digit_timeout: float = 5.0
    first_digit_timeout: float = 5.0
    repeat_count: int = 1
    tag: str | None = None


@dataclass(frozen=True)
class PhoneNumber:
    """A ``<PhoneNumber>`` of a ``<Transfer>``: the number and its B-leg webhooks."""

    number: str
    answer_hook: Hook | None = None
    disconnect_hook: Hook | None = None
    tag: str | None = None


@dataclass(frozen=True)
class Transfer:
    """``<Transfer>``: ring the numbers at once, bridge the first that answers."""

    numbers: tuple[PhoneNumber, ...]
    caller_id: str | None = None
    call_timeout: float = 30.0
    complete_hook: Hook | None = None
    tag: str | None = None


@dataclass(frozen=True)
class Hangup:
    """``<Hangup>``: end the call (reject it when it is an unanswered inbound call)."""


@dataclass(frozen=True)
class Redirect:
    """``<Redirect>``: fetch the next document from ``hook`` (a ``redirect`` webhook)."""

    hook: Hook
    tag: str | None = None


@dataclass(frozen=True)
class Forward:
    """``<Forward>``: hand an unanswered inbound call to ``to``; no control afterwards."""

    to: str
    from_: str | None = None
    call_timeout: float = 30.0


@dataclass(frozen=True)
class Tag:
    """``<Tag>``: set the tag of later webhooks (empty clears it)."""

    value: str


Verb = Ring | Pause | SpeakSentence | Gather | Transfer | Hangup | Redirect | Forward | Tag


@dataclass(frozen=True)
class Document:
    """A parsed document: its verbs in order, and the URL relative URLs resolve against."""

    verbs: tuple[Verb, ...] = ()
    base_url: str | None = None
    root: str = "Response"


def parse(text: str | bytes, root: str = "Response", base_url: str | None = None) -> Document:
    """Parse a BXML document whose root element must be ``root``.

    Raises:
        BxmlError: Too large, a DOCTYPE/ENTITY, not XML, another root, an unknown verb or
            a bad attribute.
    """
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > MAX_BYTES:
        raise BxmlError(f"BXML larger than {MAX_BYTES // 1024} KB")
    upper = raw.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise BxmlError("BXML must not contain a DOCTYPE or ENTITY declaration")
    if not raw.strip():
        raise BxmlError("BXML is empty")
    try:
        element = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise BxmlError(f"BXML is not well-formed XML: {exc}") from exc
    if element.tag != root:
        raise BxmlError(f"the root element must be <{root}>, not <{element.tag}>")
    verbs = tuple(_verb(child) for child in element)
    return Document(verbs, base_url, root)


def _verb(element: ET.Element) -> Verb:
    tag = element.tag
    if tag == "Ring":
        return Ring(
            _seconds(element, "duration", 5.0, 0.1, 86400),
            _boolean(element, "answerCall", True),
        )
    if tag == "Pause":
        return Pause(_seconds(element, "duration", 1.0, 0.1, 86400))
    if tag == "SpeakSentence":
        return _speak(element)
    if tag == "Gather":
        return _gather(element)
    if tag == "Transfer":
        return _transfer(element)
    if tag == "Hangup":
        return Hangup()
    if tag == "Redirect":
        hook = _hook(element, "redirect")
        if hook is None:
            raise BxmlError("<Redirect> needs a redirectUrl")
        return Redirect(hook, element.get("tag"))
    if tag == "Forward":
        to = element.get("to")
        if not to:
            raise BxmlError("<Forward> needs a 'to'")
        return Forward(to, element.get("from"), _seconds(element, "callTimeout", 30.0, 1, 300))
    if tag == "Tag":
        return Tag((element.text or "").strip())
    raise BxmlError(f"unsupported verb <{tag}>")


def _speak(element: ET.Element) -> SpeakSentence:
    # SSML tags inside are allowed: the spoken text is all the text content.
    text = "".join(element.itertext()).strip()
    if not text:
        raise BxmlError("<SpeakSentence> must not be blank")
    return SpeakSentence(text, element.get("voice"), element.get("gender"), element.get("locale"))


def _gather(element: ET.Element) -> Gather:
    prompts = []
    for child in element:
        if child.tag != "SpeakSentence":
            raise BxmlError(f"<Gather> may not contain <{child.tag}> here")
        prompts.append(_speak(child))
    if len(prompts) > 20:
        raise BxmlError("<Gather> takes at most 20 prompts")
    digits = element.get("terminatingDigits", "")
    if any(d not in "0123456789*#" for d in digits):
        raise BxmlError("terminatingDigits takes only 0-9, * and #")
    return Gather(
        hook=_hook(element, "gather"),
        prompts=tuple(prompts),
        max_digits=int(_number(element, "maxDigits", 50, 1, 50, integer=True)),
        terminating_digits=digits,
        inter_digit_timeout=_seconds(element, "interDigitTimeout", 5.0, 1, 60),
        first_digit_timeout=_seconds(element, "firstDigitTimeout", 5.0, 0, 60),
        repeat_count=int(_number(element, "repeatCount", 1, 1, 25, integer=True)),
        tag=element.get("tag"),
    )


def _transfer(element: ET.Element) -> Transfer:
    numbers = []
    for child in element:
        if child.tag != "PhoneNumber":
            raise BxmlError(f"<Transfer> may not contain <{child.tag}> here")
        number = (child.text or "").strip()
        if not is_e164(number):
            raise BxmlError(f"<PhoneNumber> must be an E.164 number, not {number!r}")
        numbers.append(
            PhoneNumber(
                number,
                _hook(child, "transferAnswer"),
                _hook(child, "transferDisconnect", fallback=False),
                child.get("tag"),
            )
        )
    if not 1 <= len(numbers) <= 8:
        raise BxmlError("<Transfer> needs 1 to 8 <PhoneNumber>")
    return Transfer(
        tuple(numbers),
        element.get("transferCallerId") or None,
        _seconds(element, "callTimeout", 30.0, 1, 300),
        _hook(element, "transferComplete"),
        element.get("tag"),
    )


def _hook(element: ET.Element, prefix: str, *, fallback: bool = True) -> Hook | None:
    url = element.get(f"{prefix}Url")
    if not url:
        return None
    fallback_url = element.get(f"{prefix}FallbackUrl") if fallback else None
    return Hook(
        url=url,
        method=_method(element, f"{prefix}Method"),
        username=element.get("username"),
        password=element.get("password"),
        fallback_url=fallback_url or None,
        fallback_method=_method(element, f"{prefix}FallbackMethod"),
        fallback_username=element.get("fallbackUsername"),
        fallback_password=element.get("fallbackPassword"),
    )


def _method(element: ET.Element, name: str) -> str:
    value = element.get(name, "POST").upper()
    if value not in METHODS:
        raise BxmlError(f"{name} must be GET or POST")
    return value


def _boolean(element: ET.Element, name: str, default: bool) -> bool:
    value = element.get(name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise BxmlError(f"{name} must be true or false")
    return value.lower() == "true"


def _seconds(element: ET.Element, name: str, default: float, low: float, high: float) -> float:
    return _number(element, name, default, low, high)


def _number(
    element: ET.Element,
    name: str,
    default: float,
    low: float,
    high: float,
    *,
    integer: bool = False,
) -> float:
    value = element.get(name)
    if value is None:
        return default
    try:
        number = int(value) if integer else float(value)
    except ValueError as exc:
        raise BxmlError(f"{name} must be a number, not {value!r}") from exc
    if not math.isfinite(number) or not low <= number <= high:
        raise BxmlError(f"{name} must be between {low:g} and {high:g}")
    return number


def is_e164(number: str) -> bool:
    """``+`` then 2 to 15 ASCII digits."""
    digits = number[1:]
    if not number.startswith("+") or not 2 <= len(digits) <= 15:
        return False
    return digits.isascii() and digits.isdigit()
