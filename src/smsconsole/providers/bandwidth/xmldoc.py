"""Reading and writing the Numbers API's XML (docs/bandwidth-v2.md §5) and BXML (§4.9).

Pure: no HTTP. Documents are read with the standard library's ElementTree, which fetches no
external entity; a document declaring a DTD or an entity is refused outright all the same
(an entity-expansion bomb needs no network), as is one over :data:`MAX_DOCUMENT`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from typing import Final

MAX_DOCUMENT: Final = 1024 * 1024
DECLARATION: Final = '<?xml version="1.0" encoding="UTF-8"?>'
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)

Children = Mapping[str, object]  # str | int | bool | Children | list[...] | None


class XmlError(ValueError):
    """A document that is not the XML it should be (words say what is wrong)."""


def parse(body: bytes) -> ET.Element:
    """The root element of an XML document.

    Raises:
        XmlError: The document is empty, too large, declares a DTD or entity, or is not
            well-formed.
    """
    if not body.strip():
        raise XmlError("the answer is empty, not an XML document")
    if len(body) > MAX_DOCUMENT:
        raise XmlError(f"the document is over {MAX_DOCUMENT} bytes")
    if _DTD.search(body):
        raise XmlError("the document declares a DTD or an entity; refused")
    try:
        return ET.fromstring(body)  # no DTD, bounded; ElementTree fetches nothing
    except ET.ParseError as error:
        raise XmlError(f"the document is not well-formed XML ({error})") from None


def element(tag: str, children: Children | None = None, *, text: str | None = None) -> ET.Element:
    """An element with child elements built from ``children``, in their order.

    A ``str``/``int``/``bool`` value becomes a text child (booleans as ``true``/``false``), a
    mapping a nested element, a list repeated elements of that name; ``None`` is left out.
    """
    root = ET.Element(tag)
    if text is not None:
        root.text = text
    for name, value in (children or {}).items():
        _append(root, name, value)
    return root


def _append(parent: ET.Element, name: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            _append(parent, name, item)
        return
    child = ET.SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _append(child, str(key), inner)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    else:
        child.text = str(value)


def to_bytes(root: ET.Element) -> bytes:
    """The document of ``root``, with its declaration, UTF-8."""
    return (DECLARATION + ET.tostring(root, encoding="unicode")).encode("utf-8")


def text(root: ET.Element, path: str) -> str | None:
    """The stripped text at ``path`` under ``root`` (``None`` if absent or empty)."""
    found = root.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def texts(root: ET.Element, path: str) -> Iterator[str]:
    """Every non-empty stripped text at ``path`` under ``root``, in document order."""
    for found in root.iterfind(path):
        if found.text is not None and found.text.strip():
            yield found.text.strip()


def error_words(root: ET.Element) -> tuple[str, str] | None:
    """The ``(code, description)`` of the first error in any of the API's three error shapes
    (§5.9): ``ErrorList/Error``, ``ResponseStatus`` or a search's ``Error``."""
    for path, code_name in (
        (".//ErrorList/Error", "Code"),
        (".//ResponseStatus", "ErrorCode"),
        (".//Error", "Code"),
    ):
        found = root.find(path)
        if found is not None:
            code = text(found, code_name) or ""
            words = text(found, "Description") or ""
            if code or words:
                return code, words
    return None
