"""bandwidth-numbers-sdk 1.2.0, unchanged, against the v2 sandbox's Numbers API.

Usage: python numbers_flow.py BASE ACCOUNT_ID USERNAME PASSWORD. Searches (plain and with TN
detail), orders a found number and polls it to COMPLETE, lists in-service numbers, sites, a
site's SIP peers and a peer's numbers, then disconnects the number and polls that too. Prints
one JSON line with what the SDK parsed.
"""

import json
import sys
import time

from bandwidth_numbers import Account, Client, RestError, Tns
from bandwidth_numbers.models.telephone_number import TelephoneNumber


def poll(fetch, seconds=10.0):
    deadline = time.monotonic() + seconds
    while True:
        found = fetch()
        if found.order_status not in ("RECEIVED", "PROCESSING") or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def main():
    base, account_id, username, password = sys.argv[1:5]
    client = Client(url=base + "/api", account_id=account_id, username=username, password=password)
    account = Account(client=client)
    empty = list(account.in_service_numbers.list({"page": 1, "size": 10}).items)
    plain = list(account.available_numbers.list({"areaCode": 919, "quantity": 2}).items)
    details = account.available_numbers.list(
        {"city": "CARY", "state": "NC", "quantity": 2, "enableTNDetail": "true"}
    )
    detailed = [
        {"number": d.full_number, "city": d.city, "state": d.state, "rate_center": d.rate_center,
         "lata": d.lata}
        for d in details.items
    ]  # fmt: skip
    site = account.sites.list().items[0]
    try:
        account.orders.create({
            "name": "bad site",
            "site_id": "999",
            "existing_telephone_number_order_type": {
                "telephone_number_list": {"telephone_number": [plain[0]]}
            },
        })  # fmt: skip
        refused = None
    except RestError as error:
        refused = str(error)
    order = account.orders.create({
        "name": "flow order",
        "site_id": site.id,
        "customer_order_id": "flow-1",
        "existing_telephone_number_order_type": {
            "telephone_number_list": {"telephone_number": [plain[0]]}
        },
    })  # fmt: skip
    created = {"id": order.id, "status": order.order_status}
    done = poll(lambda: account.orders.get(order.id))
    completed = list(done.completed_numbers.telephone_number.items)
    area = account.orders.create({
        "name": "area order",
        "site_id": site.id,
        "area_code_search_and_order_type": {"area_code": "910", "quantity": "1"},
    })  # fmt: skip
    area_done = poll(lambda: account.orders.get(area.id))
    in_service = list(account.in_service_numbers.list({"page": 1, "size": 10}).items)
    total = account.in_service_numbers.total_count
    fetched_site = account.sites.get(site.id)
    peers = fetched_site.sip_peers.list().items
    peer = peers[0]
    peer_tns = [tn.full_number for tn in peer.tns.list().items]
    second = fetched_site.sip_peers.create({"peer_name": "second", "is_default_peer": "false"})
    area_number = area_done.completed_numbers.telephone_number.items[0]
    second.movetns.add(area_number)
    second.movetns()
    second_tns = [tn.full_number for tn in second.tns.list().items]
    number = TelephoneNumber(Tns(client=client))
    number.id = area_number
    on_peer = number.sip_peer.get()
    on_site = number.site.get()
    details = Tns(client=client).get(area_number)
    disconnect = account.disconnects.create({
        "name": "flow release",
        "customer_order_id": "flow-2",
        "disconnect_telephone_number_order_type": {
            "telephone_number_list": {"telephone_number": [plain[0]]}
        },
    })  # fmt: skip
    disconnect_status = disconnect.order_status
    released = poll(lambda: account.disconnects.get(disconnect.id))
    after = list(account.in_service_numbers.list({"page": 1, "size": 10}).items)
    print(json.dumps({
        "empty": empty,
        "refused": refused,
        "plain": plain,
        "detailed": detailed,
        "order": created,
        "completed": {
            "status": done.order_status,
            "numbers": completed,
            "quantity": done.completed_quantity,
            "failed": done.failed_quantity,
        },
        "area": {"status": area_done.order_status,
                 "numbers": list(area_done.completed_numbers.telephone_number.items)},
        "in_service": in_service,
        "total": total,
        "sites": [{"id": s.id, "name": s.name} for s in account.sites.list().items],
        "site": {"id": fetched_site.id, "name": fetched_site.name},
        "peers": [{"id": p.id, "name": p.peer_name, "default": p.is_default_peer} for p in peers],
        "peer_tns": peer_tns,
        "second": {"id": second.id, "tns": second_tns},
        "lookup": {"peer": on_peer.id, "peer_name": on_peer.name, "site": on_site.id,
                   "status": details.status, "site_id": details.site_id},
        "disconnect": {"id": disconnect.id, "created": disconnect_status,
                       "status": released.order_status},
        "after": after,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
