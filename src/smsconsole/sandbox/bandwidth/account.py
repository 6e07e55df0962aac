"""The simulated account's structure (docs/bandwidth-v2.md §5.1): sites, SIP peers, the
applications on a peer, and the numbers in service on each peer.

A number reaches an application through its SIP peer: the peer's messaging application gets
the number's texts, its voice application the number's calls. Messaging and voice read that
through :meth:`Account.messaging_app_for` / :meth:`Account.voice_app_for` only.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from smsconsole.sandbox.world import Place

MESSAGING: str = "Messaging-V2"
VOICE: str = "Voice-V2"


@dataclass
class Credentials:
    """Basic credentials an application sends with its callbacks (``CallbackCreds`` and kin)."""

    username: str
    password: str


@dataclass
class Application:
    """A Messaging-V2 or Voice-V2 application (§5.6).

    Messaging uses ``inbound_url`` (message-received) and ``outbound_url`` (status events);
    voice uses ``initiated_url`` (the ``initiate`` webhook) and ``status_url`` (disconnect and
    the other status events), each with its HTTP method. The Numbers API sets them from the
    ``<Application>`` XML (``InboundCallbackUrl`` → ``inbound_url``, ``CallbackCreds`` →
    ``callback_creds``, ``CallbackTimeout`` → ``callback_timeout`` in seconds, …); a
    ``service_type`` given as ``Messaging``/``Voice`` is stored as ``Messaging-V2``/``Voice-V2``.
    """

    id: str
    service_type: str
    name: str
    inbound_url: str | None = None
    outbound_url: str | None = None
    inbound_creds: Credentials | None = None
    outbound_creds: Credentials | None = None
    initiated_url: str | None = None
    initiated_method: str = "POST"
    initiated_fallback_url: str | None = None
    status_url: str | None = None
    status_method: str = "POST"
    callback_creds: Credentials | None = None
    requested_callback_types: tuple[str, ...] = ()
    initiated_fallback_method: str = "POST"
    initiated_fallback_creds: Credentials | None = None
    callback_timeout: float | None = None


@dataclass
class SipPeer:
    """A SIP peer ("location") of a site; the applications its numbers use (§5.5, §5.7)."""

    id: str
    site_id: str
    name: str
    is_default: bool = False
    messaging_app_id: str | None = None
    voice_app_id: str | None = None


@dataclass
class Site:
    """A site ("sub-account")."""

    id: str
    name: str
    description: str = ""


@dataclass
class Number:
    """A number in service: E.164, on one SIP peer of one site."""

    e164: str
    site_id: str
    peer_id: str
    order_id: str | None = None
    place: Place | None = None  # where it was offered (None: toll-free)


@dataclass
class Account:
    """Everything the Numbers API manages for one account, seeded with one site and peer."""

    id: str
    sites: dict[str, Site] = field(default_factory=dict)
    peers: dict[str, SipPeer] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    numbers: dict[str, Number] = field(default_factory=dict)  # by E.164
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def seeded(cls, account_id: str) -> Account:
        """A fresh account with its ready site (``2001``) and default SIP peer (``3001``)."""
        account = cls(id=account_id)
        account.sites["2001"] = Site("2001", "sandbox", "The sandbox's site")
        account.peers["3001"] = SipPeer("3001", "2001", "sandbox-peer", is_default=True)
        return account

    def new_id(self, prefix: str = "") -> str:
        """A fresh id, unique within this account (``prefix`` then a number)."""
        return f"{prefix}{next(self._ids)}"

    def peers_of_site(self, site_id: str) -> list[SipPeer]:
        """The site's SIP peers, in creation order."""
        return [peer for peer in self.peers.values() if peer.site_id == site_id]

    def default_peer(self, site_id: str) -> SipPeer | None:
        """The site's default SIP peer (where its ordered numbers go), if it has one."""
        return next((p for p in self.peers_of_site(site_id) if p.is_default), None)

    def peers_using(self, app_id: str) -> list[SipPeer]:
        """The SIP peers whose messaging or voice application is ``app_id``."""
        return [p for p in self.peers.values() if app_id in (p.messaging_app_id, p.voice_app_id)]

    def numbers_on(self, peer_id: str) -> list[Number]:
        """The numbers on a SIP peer, by number."""
        return sorted((n for n in self.numbers.values() if n.peer_id == peer_id),
                      key=lambda n: n.e164)  # fmt: skip

    def peer_of(self, e164: str) -> SipPeer | None:
        """The SIP peer a number of the account is on (None: not the account's)."""
        number = self.numbers.get(e164)
        return None if number is None else self.peers.get(number.peer_id)

    def messaging_app_for(self, e164: str) -> Application | None:
        """The messaging application that gets this number's texts, if any."""
        peer = self.peer_of(e164)
        if peer is None or peer.messaging_app_id is None:
            return None
        return self.applications.get(peer.messaging_app_id)

    def voice_app_for(self, e164: str) -> Application | None:
        """The voice application that gets this number's calls, if any."""
        peer = self.peer_of(e164)
        if peer is None or peer.voice_app_id is None:
            return None
        return self.applications.get(peer.voice_app_id)
