"""Who the SSH console lets in, and how many: the admission policy, with no sockets.

A connection is *unauthenticated* from its first byte until a key is accepted, and only then
takes one of the ``max_sessions`` slots, so strangers who never log in cannot fill them.
Unauthenticated connections are bounded on their own: a few per source address (IPv6 by its
/64, which one host usually holds whole), and a total, where the oldest gives way to a new
one, so a flood from many addresses delays a real login by at most one round trip rather
than locking it out (OpenSSH's ``MaxStartups`` answers the same problem by random early
drop). How long one may stay unauthenticated is the login grace time, enforced by asyncssh.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Final, Generic, TypeVar

K = TypeVar("K", bound=Hashable)

IPV6_NETWORK_BITS: Final = 64


def address_group(host: str) -> str:
    """The share a source address counts against: itself, or its /64 for IPv6."""
    try:
        address = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_NETWORK_BITS), strict=False))
    return str(address)


@dataclass(frozen=True)
class Arrival(Generic[K]):
    """What to do with a new connection.

    Attributes:
        admitted: False: close the new connection (its address holds its share already).
        evict: Older unauthenticated connections to close to make room for it.
    """

    admitted: bool
    evict: tuple[K, ...] = ()


@dataclass
class Admission(Generic[K]):
    """The count of connections, unauthenticated and logged in, keyed by connection.

    Attributes:
        max_sessions: Logged-in sessions at once.
        max_unauthenticated: Connections not yet logged in, at once, from everywhere.
        max_per_address: Connections not yet logged in, at once, from one address group.
    """

    max_sessions: int
    max_unauthenticated: int
    max_per_address: int
    _waiting: dict[K, str] = field(default_factory=dict)  # in arrival order: oldest first
    _sessions: set[K] = field(default_factory=set)

    def arrive(self, key: K, host: str) -> Arrival[K]:
        """A connection from ``host`` was opened: admit it, and say what gives way to it."""
        group = address_group(host)
        if sum(1 for held in self._waiting.values() if held == group) >= self.max_per_address:
            return Arrival(admitted=False)
        evict: list[K] = []
        for older in self._waiting:
            if len(self._waiting) - len(evict) < self.max_unauthenticated:
                break
            evict.append(older)
        for older in evict:
            del self._waiting[older]
        self._waiting[key] = group
        return Arrival(admitted=True, evict=tuple(evict))

    def has_room(self) -> bool:
        """Whether a login now would get a session slot."""
        return len(self._sessions) < self.max_sessions

    def log_in(self, key: K) -> bool:
        """``key`` authenticated: give it a session slot, or False when all are taken."""
        self._waiting.pop(key, None)
        if key in self._sessions:
            return True
        if not self.has_room():
            return False
        self._sessions.add(key)
        return True

    def leave(self, key: K) -> None:
        """``key`` closed, whatever its state."""
        self._waiting.pop(key, None)
        self._sessions.discard(key)

    @property
    def unauthenticated(self) -> int:
        """Connections not logged in yet."""
        return len(self._waiting)

    @property
    def sessions(self) -> int:
        """Logged-in sessions."""
        return len(self._sessions)
