"""Lenient decoding and write payloads, pure."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from smsconsole.providers.catapult.models import (
    Application,
    ApplicationSettings,
    Audio,
    Message,
    OutboundMessage,
    UserError,
    convert,
    convert_batch_results,
    convert_ordered_numbers,
    id_from_location,
    to_wire,
)


def test_strings_coerce_and_unknown_fields_are_ignored() -> None:
    app = convert(
        {"id": "a-1", "autoAnswer": "false", "incomingCallUrlCallbackTimeout": "2000", "new": []},
        Application,
    )
    assert app.auto_answer is False
    assert app.incoming_call_url_callback_timeout == 2000


def test_delivery_code_number_becomes_string() -> None:
    assert convert({"id": "m-1", "deliveryCode": 720}, Message).delivery_code == "720"
    assert convert({"id": "m-1", "deliveryCode": "0"}, Message).delivery_code == "0"


def test_user_error_time_as_epoch_ms_string() -> None:
    error = convert({"id": "ue-1", "time": "1419032854964", "details": []}, UserError)
    assert error.time == datetime(2014, 12, 19, 23, 47, 34, 964000, tzinfo=UTC)


def test_missing_required_field_is_a_validation_error() -> None:
    with pytest.raises(msgspec.ValidationError):
        convert({"name": "no id"}, Application)


def test_id_from_location() -> None:
    assert id_from_location("https://h/v1/users/u-1/messages/m-abc") == "m-abc"
    assert id_from_location("/v1/users/u-1/calls/c-1/") == "c-1"
    with pytest.raises(ValueError, match="no resource id"):
        id_from_location("")


def test_ordered_number_without_location_is_rejected() -> None:
    with pytest.raises(msgspec.ValidationError):
        convert_ordered_numbers([{"number": "+19195550187"}])


def test_batch_error_without_message_uses_code() -> None:
    [result] = convert_batch_results([{"result": "error", "error": {"code": "blank-property"}}])
    assert not result.accepted
    assert result.error is not None
    assert result.error.message == "blank-property"


def test_write_payloads_omit_unset_fields_and_use_wire_names() -> None:
    message = OutboundMessage(from_="+1", to="+2", receipt_requested="all", callback_timeout=5000)
    assert to_wire(message) == {
        "from": "+1",
        "to": "+2",
        "receiptRequested": "all",
        "callbackTimeout": 5000,
    }
    assert to_wire(Audio(file_url="", loop_enabled=True)) == {"fileUrl": "", "loopEnabled": True}


def test_user_error_time_that_is_not_a_time_is_a_validation_error() -> None:
    with pytest.raises(msgspec.ValidationError, match="'time'"):
        convert({"id": "ue-1", "time": "yesterday"}, UserError)
    assert convert({"id": "ue-1", "time": None}, UserError).time is None


def test_application_settings_send_only_what_is_set() -> None:
    assert to_wire(ApplicationSettings(name="x", auto_answer=False)) == {
        "name": "x",
        "autoAnswer": False,
    }
    assert to_wire(ApplicationSettings(incoming_call_url_callback_timeout=2000)) == {
        "incomingCallUrlCallbackTimeout": 2000
    }
