"""Messaging v2 with PyPI bandwidth-sdk 23.3.1, unchanged, against the v2 sandbox.

Usage: python messaging_flow.py BASE ACCOUNT USERNAME PASSWORD APP_ID FROM TO
Prints one JSON line: what the SDK returned (after its own model validation).
"""

from __future__ import annotations

import json
import sys

from bandwidth import ApiClient, Configuration, MediaApi, MessageRequest, MessagesApi
from bandwidth.exceptions import ApiException


def main() -> None:
    base, account, username, password, app_id, sender, recipient = sys.argv[1:8]
    config = Configuration(
        host=base + "/api/v2", username=username, password=password, ignore_operation_servers=True
    )
    result: dict = {}
    with ApiClient(config) as client:
        messages = MessagesApi(client)
        sent = []
        for index in range(3):
            request = MessageRequest(
                application_id=app_id,
                to=[recipient],
                var_from=sender,
                text=f"hi {index}",
                tag=f"t{index}",
            )
            message = messages.create_message(account, request)
            sent.append(message.id)
        result["sent"] = sent
        result["message"] = {
            "direction": message.direction.value,
            "segment_count": message.segment_count,
            "to": message.to,
            "from": message.var_from,
            "tag": message.tag,
            "priority": message.priority.value,
            "time": message.time.isoformat(),
            "owner": message.owner,
            "application_id": message.application_id,
        }
        try:
            messages.create_message(
                account,
                MessageRequest(
                    application_id=app_id, to=[recipient], var_from="+19995550000", text="x"
                ),
            )
        except ApiException as error:
            result["refused"] = {
                "status": error.status,
                "type": error.data.type,
                "field": error.data.field_errors[0].field_name,
            }
        listed = []
        token = None
        pages = 0
        while True:
            page = messages.list_messages(account, source_tn=sender, page_token=token, limit=2)
            pages += 1
            listed.extend(item.message_id for item in page.messages)
            result["total"] = page.total_count
            result["status"] = page.messages[0].message_status.value
            result["direction"] = page.messages[0].message_direction.value
            token = page.page_info.next_page_token if page.page_info else None
            if not token:
                break
        result["listed"] = listed
        result["pages"] = pages

        media = MediaApi(client)
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
        media.upload_media(
            account,
            "a b/0/x.png",
            png,
            content_type="image/png",
            cache_control="no-cache",
            _content_type="image/png",
        )
        media.upload_media(account, "note.txt", b"plain", _content_type="text/plain")
        got = media.get_media(account, "a b/0/x.png")
        result["got_same"] = bytes(got) == png
        files = media.list_media(account)
        result["media"] = [
            {"name": f.media_name, "length": f.content_length, "content": f.content} for f in files
        ]
        media.delete_media(account, "note.txt")
        result["after_delete"] = [f.media_name for f in media.list_media(account)]

    slash = Configuration(
        host=base + "/api/v2/", username=username, password=password, ignore_operation_servers=True
    )
    with ApiClient(slash) as client:
        result["slash_media"] = [f.media_name for f in MediaApi(client).list_media(account)]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
