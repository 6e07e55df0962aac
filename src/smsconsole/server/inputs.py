"""Reading what a client sends: JSON documents, whole numbers and text, each checked once.

Pure functions shared by ``/api`` and ``/ws``. Each refusal is an :class:`InvalidInput`
whose message names the field and says what is expected; the HTTP side answers it with a
400, the feed closes with 1008. Nothing here trusts Python's lenient parsers: ``int()``
reads Arabic-Indic digits, underscores and 4300 digits at most; ``str.isdigit()`` says yes
to ``²``; ``json.loads`` recurses on nesting and keeps lone surrogates from ``\\ud800``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

MAX_INT64: Final = 2**63 - 1  # what SQLite (and a seq) can hold
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# C0 and C1 controls (Unicode category Cc), line and paragraph separators, lone surrogates.
_NOT_ONE_LINE: Final = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# The same, less what belongs in a message's text: tab, line feed, carriage return, separators.
_NOT_TEXT: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_ASCII_DIGITS: Final = re.compile(r"[0-9]+")


class InvalidInput(ValueError):
    """A client's input refused; the message names the field and what it must be."""


def decode_json(raw: bytes | str) -> Any:
    """Decode a JSON document from a client.

    Raises:
        InvalidInput: not UTF-8, not JSON, a number past ``int()``'s digit limit, or nested
            deeper than Python recurses (``json`` raises ``RecursionError`` for that).
    """
    try:
        return json.loads(raw)
    except RecursionError:
        raise InvalidInput("not valid JSON: nested too deeply") from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, int digit limit
        raise InvalidInput("not valid JSON") from None


def whole_number(
    raw: object, name: str, *, low: int = 0, high: int = MAX_INT64, digits: bool = True
) -> int:
    """A whole number from ``low`` to ``high``: a JSON integer, or ASCII digits if ``digits``.

    Raises:
        InvalidInput: anything else: signs, spaces, ``_``, other scripts' digits, floats,
            booleans, or a value out of range.
    """
    problem = InvalidInput(f"'{name}' must be a whole number from {low} to {high}")
    if isinstance(raw, bool):
        raise problem
    if isinstance(raw, int):
        value = raw
    elif (
        digits
        and isinstance(raw, str)
        and len(raw) <= len(str(high))
        and _ASCII_DIGITS.fullmatch(raw)
    ):
        value = int(raw)
    else:
        raise problem
    if not low <= value <= high:
        raise problem
    return value


def checked_text(value: str, name: str, *, multiline: bool = False) -> str:
    """``value`` if it is text a person could have typed; else refuse it, naming ``name``.

    Refused: lone surrogates (no UTF-8 encoder takes them: SQLite, msgspec and the provider
    all fail on them, after the fact) and control characters (terminal escapes, NUL, bell);
    unless ``multiline``, line breaks and tabs too. Format characters (zero-width joiners
    of emoji, bidi isolates in a name) are kept: display escapes them.

    Raises:
        InvalidInput: naming the field and the first offending character.
    """
    found = (_NOT_TEXT if multiline else _NOT_ONE_LINE).search(value)
    if found is None:
        return value
    code = ord(found.group())
    if _LONE_SURROGATE.match(found.group()):
        raise InvalidInput(f"'{name}' has a lone surrogate (U+{code:04X}), which is not text")
    where = "" if multiline else " or line break (it is one line)"
    raise InvalidInput(f"'{name}' has a control character{where}: U+{code:04X}")


def without_lone_surrogates(value: Any) -> Any:
    """``value`` (builtins: dict, list, str, ...) with every lone surrogate made U+FFFD.

    For output only: one odd value (from the provider, or stored before it was checked) must
    not make a whole list unanswerable.
    """
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_lone_surrogates(item) for item in value]
    return value
