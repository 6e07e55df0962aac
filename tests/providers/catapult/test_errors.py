"""CatapultError and v1 error-body parsing, pure."""

from __future__ import annotations

import json

from smsconsole.providers.catapult.errors import (
    CatapultError,
    error_from_response,
    parse_error_body,
)


def test_error_from_v1_body() -> None:
    body = {
        "category": "authorization",
        "code": "number-access-denied",
        "message": "User u-x does not have permission to use number +19195550187",
        "details": [{"name": "number", "value": "+19195550187"}, {"name": "n", "value": 3}],
    }
    error = error_from_response(401, json.dumps(body).encode(), method="POST", path="/v1/x")
    assert (error.status, error.category, error.code) == (
        401,
        "authorization",
        "number-access-denied",
    )
    assert error.details == (("number", "+19195550187"), ("n", "3"))
    assert error.details_dict["number"] == "+19195550187"
    text = str(error)
    assert "does not have permission" in text
    assert "(HTTP 401, authorization/number-access-denied) on POST /v1/x" in text


def test_details_as_an_object_are_accepted() -> None:
    error = error_from_response(400, b'{"code": "x", "details": {"a": "1"}}')
    assert error.details == (("a", "1"),)
    assert error.category == "bad-request"
    assert error.message == "x"


def test_non_json_and_foreign_json_bodies() -> None:
    assert parse_error_body(b"") is None
    assert parse_error_body(b"<html>") is None
    assert parse_error_body(b'["a"]') is None
    error = error_from_response(502, b"<html>Bad Gateway</html>")
    assert (error.category, error.code) == ("server-error", "")
    assert "Bad Gateway" in error.message


def test_network_error_has_no_status() -> None:
    error = CatapultError("Could not reach Catapult", category="network", code="connect-error")
    assert str(error).startswith("Could not reach Catapult (no response, network/connect-error)")
    assert "status=None" in repr(error)


def test_lone_surrogates_in_the_providers_words_become_replacement_characters() -> None:
    # JSON may escape half of a surrogate pair; Python decodes it to a str that cannot be
    # encoded (a store write of it failed with UnicodeEncodeError, so a send answered 500).
    body = (
        b'{"category": "bad-request", "code": "bad-\\ud800", "message": "no \\udfff here",'
        b' "details": [{"name": "to\\ud83d", "value": "\\ud83d!"}]}'
    )
    error = error_from_response(400, body, method="POST", path="/v1/x")
    assert (error.code, error.message) == ("bad-\ufffd", "no \ufffd here")
    assert error.details == (("to\ufffd", "\ufffd!"),)
    str(error).encode("utf-8")  # every field can now be written anywhere
    paired = b'{"code": "x", "message": "a \\ud83d\\ude00 pair stays whole"}'
    assert error_from_response(400, paired).message == "a \U0001f600 pair stays whole"
