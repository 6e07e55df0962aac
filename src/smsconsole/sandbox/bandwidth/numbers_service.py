"""The Numbers service's records: the available-number inventory, number orders and disconnect
orders (docs/bandwidth-v2.md §5.2, §5.3, §5.8), on one :class:`V2Sandbox`.

Orders are asynchronous as on Bandwidth: created ``RECEIVED``, then ``PROCESSING``, then
``COMPLETE``, ``PARTIAL`` or ``FAILED`` after simulated delays. A number an order gets, or that
another account takes (``POST /sandbox/numbers/taken``), leaves the inventory for good; a
disconnected number does not come back.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.requests import Request

from smsconsole.sandbox.bandwidth.http import sandbox_of
from smsconsole.sandbox.bandwidth.numbers_search import Search
from smsconsole.sandbox.bandwidth.numbers_xml import NumbersError
from smsconsole.sandbox.bandwidth.runtime import V2Sandbox
from smsconsole.sandbox.world import AvailableNumber, generate_inventory

RECEIVED, PROCESSING = "RECEIVED", "PROCESSING"
COMPLETE, PARTIAL, FAILED = "COMPLETE", "PARTIAL", "FAILED"
SETTLED = (COMPLETE, PARTIAL, FAILED)


def now() -> datetime:
    """The current UTC time."""
    return datetime.now(UTC)


@dataclass
class NumberOrder:
    """A number order: what was asked (``numbers`` for an existing-number order, else
    ``search``), where the numbers go, and how it went."""

    id: str
    user: str
    site_id: str
    peer_id: str
    peer_given: bool
    partial_allowed: bool
    request: ET.Element  # the order type element, echoed in answers
    name: str | None = None
    customer_order_id: str | None = None
    back_order_requested: str = "false"
    numbers: list[str] = field(default_factory=list)  # E.164, existing-number orders
    search: Search | None = None
    quantity: int = 0
    status: str = RECEIVED
    completed: list[str] = field(default_factory=list)  # E.164
    errors: list[NumbersError] = field(default_factory=list)
    failed_quantity: int = 0
    created: datetime = field(default_factory=now)
    modified: datetime = field(default_factory=now)
    settled: datetime | None = None


@dataclass
class DisconnectOrder:
    """A disconnect order: the numbers to release and how it went."""

    id: str
    user: str
    numbers: list[str]  # E.164
    name: str | None = None
    customer_order_id: str | None = None
    protected: str | None = None
    status: str = RECEIVED
    disconnected: list[str] = field(default_factory=list)
    errors: list[NumbersError] = field(default_factory=list)
    created: datetime = field(default_factory=now)
    modified: datetime = field(default_factory=now)


class NumbersService:
    """The inventory and the orders of one :class:`V2Sandbox` (``app.state.numbers``)."""

    def __init__(self, sandbox: V2Sandbox) -> None:
        self.sandbox = sandbox
        self.inventory: dict[str, AvailableNumber] = {}
        self.orders: dict[str, NumberOrder] = {}
        self.disconnects: dict[str, DisconnectOrder] = {}
        self.reset()

    def reset(self) -> None:
        """A full inventory again; no orders."""
        items = generate_inventory(self.sandbox.config.seed)
        self.inventory = {item.number: item for item in items}
        self.orders.clear()
        self.disconnects.clear()

    async def start(self) -> None:
        """Nothing runs until an order is placed."""

    async def stop(self) -> None:
        """Order processing stops with the sandbox's background tasks."""

    def new_id(self) -> str:
        """An order id (a UUID, as Bandwidth's)."""
        return str(uuid.uuid4())

    def take(self, e164: str) -> AvailableNumber | None:
        """Remove a number from the inventory (ordered, or taken by someone else)."""
        return self.inventory.pop(e164, None)


def numbers_of(request: Request) -> NumbersService:
    """The service serving this request."""
    sandbox_of(request)  # learns the base URL
    service: NumbersService = request.app.state.numbers
    return service
