"""The v1 error a sandbox handler raises, turned into ``{category, code, message, details}``."""

from __future__ import annotations

from collections.abc import Mapping

# Reference §1.9: HTTP status <-> category.
_CATEGORY_BY_STATUS = {
    400: "bad-request",
    401: "authorization",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    429: "too-many-requests",
    503: "unavailable",
}


class ApiError(Exception):
    """A v1 API failure with the documented status, category and code (reference §1.9).

    Args:
        status: HTTP status code.
        code: v1 error code, e.g. ``missing-property``.
        message: Human-readable message (always present: the Python SDK reads it, §1.9).
        category: v1 category; derived from ``status`` when omitted.
        details: Extra ``{name: value}`` pairs added to the request details.
        headers: Extra response headers (``X-RateLimit-Reset``).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        category: str | None = None,
        details: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.category = category or _CATEGORY_BY_STATUS.get(status, "bad-request")
        self.details: dict[str, str] = dict(details or {})
        self.headers: dict[str, str] = dict(headers or {})


def missing_property(resource: str, prop: str) -> ApiError:
    """400 ``missing-property`` with the wording seen on the wire (§1.9)."""
    return ApiError(
        400,
        "missing-property",
        f"The '{resource}' resource property '{prop}' is required but was not specified",
    )


def blank_property(resource: str, prop: str) -> ApiError:
    """400 ``blank-property`` with the wording seen on the wire (§1.9)."""
    return ApiError(
        400,
        "blank-property",
        f"The '{resource}' resource property '{prop}' must contain at least one "
        "non-whitespace character",
    )


def validation_error(message: str) -> ApiError:
    """400 ``validation-error``."""
    return ApiError(400, "validation-error", message)


def not_found(kind: str, ident: str) -> ApiError:
    """404 ``<kind>-not-found``, worded like "The message 'm-…' could not be found" (§1.9)."""
    return ApiError(404, f"{kind}-not-found", f"The {kind} '{ident}' could not be found")
