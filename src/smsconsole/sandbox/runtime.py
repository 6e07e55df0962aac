"""The running sandbox: its settings, world, inventory, engine and delivery.

Handlers reach it as ``request.app.state.sandbox``; tests may too (``app.state.sandbox.world``
holds every record, ``app.state.sandbox.delivery.log`` every callback attempt).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path

from smsconsole.sandbox.delivery import Delivery
from smsconsole.sandbox.engine import Engine
from smsconsole.sandbox.ratelimit import RateLimiter
from smsconsole.sandbox.state import World, load_world, save_world
from smsconsole.sandbox.world import AvailableNumber, generate_inventory

SAVE_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True)
class SandboxConfig:
    """Settings of one sandbox (see ``create_sandbox_app`` for their meaning)."""

    user_id: str = "u-sandbox"
    api_token: str = "t-sandbox"
    api_secret: str = "s-sandbox"
    state_file: Path | None = None
    rate_limits: bool = False
    contacts: bool = False
    callback_timeout_cap: float = 10.0
    seed: int | None = None
    speed: float = 1.0
    contact_interval: float = 45.0


class Sandbox:
    """One simulated Catapult account and its world."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        world = (
            load_world(config.state_file, config.seed)
            if config.state_file is not None
            else World(seed=config.seed)
        )
        self.world = world
        self.inventory: dict[str, AvailableNumber] = {}
        self.delivery = Delivery(world, config.callback_timeout_cap, self.mark_dirty)
        self.engine = Engine(world, self.delivery, config.user_id, config.speed, self.mark_dirty)
        self.limiter = RateLimiter() if config.rate_limits else None
        self._dirty = False
        self._saver: asyncio.Task[None] | None = None
        self._load_inventory()

    def _load_inventory(self) -> None:
        taken = set(self.world.taken_numbers)
        self.inventory = {
            item.number: item
            for item in generate_inventory(self.config.seed)
            if item.number not in taken
        }

    def take(self, number: str) -> None:
        """Remove an ordered number from the inventory for good (released ones never return)."""
        self.inventory.pop(number, None)
        self.world.taken_numbers.append(number)
        self.mark_dirty()

    def mark_dirty(self) -> None:
        """Note that the world changed (saved within a second when a state file is set)."""
        self._dirty = True

    def reset(self) -> None:
        """Forget everything: a fresh world and inventory (``POST /sandbox/reset``)."""
        self.world = World(seed=self.config.seed)
        self.delivery.world = self.world
        self.engine.world = self.world
        self.delivery.log.clear()
        self._load_inventory()
        self.mark_dirty()

    async def start(self) -> None:
        """Start delivery and the periodic saver."""
        await self.delivery.start()
        if self.config.state_file is not None:
            self._saver = asyncio.create_task(self._save_periodically())

    async def stop(self) -> None:
        """Stop lifecycles and delivery; save the world one last time."""
        await self.engine.stop()
        await self.delivery.stop()
        if self._saver is not None:
            self._saver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._saver
        self.save()

    def save(self) -> None:
        """Write the state file now if one is configured."""
        if self.config.state_file is not None:
            save_world(self.world, self.config.state_file)
            self._dirty = False

    async def _save_periodically(self) -> None:
        while True:
            await asyncio.sleep(SAVE_INTERVAL_SECONDS)
            if self._dirty:
                self.save()
