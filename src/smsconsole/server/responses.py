"""JSON answers of the server, errors included, in one shape: ``{"error": "..."}``."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.responses import Response

from smsconsole.server.inputs import without_lone_surrogates


class JSON(Response):
    """A JSON response encoded with msgspec (records are msgspec structs)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return msgspec.json.encode(content)
        except UnicodeEncodeError:
            # A lone surrogate somewhere (an application name the provider holds, a value
            # stored before input was checked): answer the rest, with U+FFFD in its place.
            return msgspec.json.encode(without_lone_surrogates(msgspec.to_builtins(content)))


def error(status: int, reason: str, **extra: Any) -> JSON:
    """An error answer: ``{"error": reason, ...extra}`` with ``status``."""
    return JSON({"error": reason, **extra}, status_code=status)


class ApiError(Exception):
    """Raised inside a route to answer with an error; caught by the app."""

    def __init__(self, status: int, reason: str, **extra: Any) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.extra = extra

    def response(self) -> JSON:
        """The answer this error stands for."""
        return error(self.status, self.reason, **self.extra)


def snake(record: msgspec.Struct) -> dict[str, Any]:
    """A provider record with its Python (snake_case) field names, unset fields left out.

    The API speaks snake_case (DESIGN.md) whatever the provider's wire names are.
    """
    return {
        field.name.rstrip("_"): getattr(record, field.name)
        for field in msgspec.structs.fields(record)
        if getattr(record, field.name) is not None
    }
