"""Voice v2 with Bandwidth's Python SDK (bandwidth-sdk 23.3.1), unchanged, against the sandbox.

Run in the SDK's venv: python voice_flow.py BASE ACCOUNT USER PASSWORD HOOKS FROM APP_ID;
prints one JSON line. HOOKS is a receiver answering ``/answer`` and ``/redirect`` with BXML.
"""

import json
import sys
import time

from bandwidth import ApiClient, Configuration
from bandwidth.api.calls_api import CallsApi
from bandwidth.exceptions import ApiException
from bandwidth.models.bxml import Bxml, Pause, SpeakSentence
from bandwidth.models.create_call import CreateCall
from bandwidth.models.update_call import UpdateCall


def wait_state(calls, account, call_id, wanted):
    deadline = time.monotonic() + 10
    while True:
        state = calls.get_call_state(account, call_id)
        if state.state == wanted or time.monotonic() > deadline:
            return state
        time.sleep(0.02)


def main() -> None:
    base, account, user, password, hooks, from_, app_id = sys.argv[1:8]
    config = Configuration(
        host=base + "/api/v2", username=user, password=password, ignore_operation_servers=True
    )
    calls = CallsApi(ApiClient(config))
    created = calls.create_call_with_http_info(
        account,
        CreateCall(
            to="+14155550199",
            var_from=from_,
            application_id=app_id,
            answer_url=hooks + "/answer",
            disconnect_url=hooks + "/disconnect",
            username="hook-user",
            password="hook-pass",
            tag="sdk",
        ),
    )
    call = created.data
    answered = wait_state(calls, account, call.call_id, "answered")
    redirected = calls.update_call_with_http_info(
        account, call.call_id, UpdateCall(redirect_url=hooks + "/redirect", tag="redirected")
    )
    time.sleep(0.3)  # let the redirect webhook be answered before replacing its BXML
    document = Bxml([SpeakSentence("Hello from the SDK"), Pause(duration=30)]).to_bxml()
    replaced = calls.update_call_bxml_with_http_info(account, call.call_id, document)
    completed = calls.update_call_with_http_info(
        account, call.call_id, UpdateCall(state="completed")
    )
    ended = wait_state(calls, account, call.call_id, "disconnected")
    try:
        calls.update_call(account, call.call_id, UpdateCall(state="completed"))
        conflict = None
    except ApiException as exc:
        conflict = {"status": exc.status, "description": getattr(exc.data, "description", None)}
    try:
        calls.get_call_state(account, "c-unknown")
        missing = None
    except ApiException as exc:
        missing = {"status": exc.status, "type": type(exc).__name__}
    print(
        json.dumps(
            {
                "created_status": created.status_code,
                "location": {k.lower(): v for k, v in (created.headers or {}).items()}.get(
                    "location"
                ),
                "call_id": call.call_id,
                "call_url": call.call_url,
                "answer_method": call.answer_method.value,
                "enqueued": call.enqueued_time is not None,
                "answered_state": answered.state,
                "answered_direction": answered.direction.value,
                "answer_time": answered.answer_time is not None,
                "redirected_status": redirected.status_code,
                "replaced_status": replaced.status_code,
                "completed_status": completed.status_code,
                "ended_state": ended.state,
                "ended_cause": ended.disconnect_cause,
                "conflict": conflict,
                "missing": missing,
            }
        )
    )


if __name__ == "__main__":
    main()
