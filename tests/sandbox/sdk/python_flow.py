"""The getting-started flow with Bandwidth's v1 Python SDK (bandwidth-sdk 3.0.3), unchanged.

Run in a separate venv: python python_flow.py BASE_URL USER_ID TOKEN SECRET; prints JSON.
"""

import json
import sys

import bandwidth


def main() -> None:
    base, user, token, secret = sys.argv[1:5]
    account = bandwidth.client("account", user, token, secret, api_endpoint=base)
    messaging = bandwidth.client("messaging", user, token, secret, api_endpoint=base)
    app_id = account.create_application(
        name="sdk-app",
        incoming_message_url="http://127.0.0.1:9/messages",
        incoming_call_url="http://127.0.0.1:9/calls",
        callback_http_method="GET",
    )
    app = account.get_application(app_id)
    found = account.search_available_local_numbers(city="Cary", state="NC", quantity=2)
    ordered = account.search_and_order_local_numbers(area_code="910", quantity=1)
    number_id = ordered[0]["id"]
    account.update_phone_number(number_id, application_id=app_id)
    number = account.get_phone_number(number_id)
    by_e164 = account.get_phone_number(ordered[0]["number"])
    message_ids = [
        messaging.send_message(from_=ordered[0]["number"], to="+14155550123", text=f"hi {i}")
        for i in range(3)
    ]
    listed = list(messaging.list_messages(size=2))
    account.delete_phone_number(number_id)
    remaining = list(account.list_phone_numbers())
    print(
        json.dumps(
            {
                "app": app,
                "found": found,
                "ordered": ordered,
                "number": number,
                "by_e164": by_e164,
                "message_ids": message_ids,
                "listed": [m["id"] for m in listed],
                "remaining": remaining,
            }
        )
    )


if __name__ == "__main__":
    main()
