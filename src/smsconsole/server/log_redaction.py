"""Secrets out of log lines: tokens, passwords and userinfo in any URL the server logs.

A console may authenticate with ``/ws?token=…`` and the provider's callback URLs carry the
callback password as userinfo; uvicorn logs request targets with their query (its access
line, and its websocket lines even with the access log off). A filter on the loggers that
write them rewrites each record before any handler formats it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Final

HIDDEN: Final = "[redacted]"

# Query parameters whose value is a credential, matched as whole names, any case.
_SECRET_PARAMETERS: Final = (
    "token",
    "access_token",
    "api_token",
    "password",
    "passwd",
    "secret",
    "api_secret",
)
_QUERY_SECRET = re.compile(
    r"(?i)(?<=[?&;])((?:" + "|".join(_SECRET_PARAMETERS) + r")=)[^&;#\s\"']*"
)
# scheme://userinfo@ : everything between "//" and "@" before the host.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#@\s\"']+@")
_AUTHORIZATION = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")

# The loggers uvicorn writes request targets to; ours log paths only but are covered too.
LOGGERS: Final = ("uvicorn.access", "uvicorn.error", "uvicorn", "smsconsole")


def redact(text: str) -> str:
    """``text`` with credentials in URLs and authorization headers replaced by a marker."""
    text = _QUERY_SECRET.sub(rf"\1{HIDDEN}", text)
    text = _USERINFO.sub(rf"\1{HIDDEN}@", text)
    return _AUTHORIZATION.sub(rf"\1 {HIDDEN}", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, arguments and traceback through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let the handler report it as logging does
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER: Final = RedactingFilter()


def install(loggers: Iterable[str] = LOGGERS) -> None:
    """Put the filter on ``loggers`` and on the root logger's handlers (idempotent).

    A logger's filter sees only records logged on that logger, not those of its children;
    the root's handlers see every propagated record, so both are covered.
    """
    for name in loggers:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
