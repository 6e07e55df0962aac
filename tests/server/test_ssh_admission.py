"""The SSH console's admission policy, without sockets."""

from __future__ import annotations

from smsconsole.server.ssh_admission import Admission, address_group


def policy(**limits: int) -> Admission[str]:
    values = {"max_sessions": 2, "max_unauthenticated": 4, "max_per_address": 2} | limits
    return Admission(**values)


def test_ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() -> None:
    assert address_group("2001:db8:1:2::5") == address_group("2001:db8:1:2:ffff::1")
    assert address_group("2001:db8:1:2::5") != address_group("2001:db8:1:3::5")
    assert address_group("::ffff:192.0.2.7") == "192.0.2.7"
    assert address_group("fe80::1%eth0") == address_group("fe80::2")
    assert address_group("not an address") == "not an address"


def test_an_address_beyond_its_share_is_refused_and_others_are_not() -> None:
    admission = policy()
    assert admission.arrive("a1", "192.0.2.1").admitted
    assert admission.arrive("a2", "192.0.2.1").admitted
    assert not admission.arrive("a3", "192.0.2.1").admitted
    assert admission.arrive("b1", "192.0.2.2").admitted
    admission.leave("a1")
    assert admission.arrive("a4", "192.0.2.1").admitted


def test_a_full_waiting_room_lets_the_oldest_go() -> None:
    admission = policy()
    for key, host in (
        ("a1", "10.0.0.1"),
        ("a2", "10.0.0.1"),
        ("b1", "10.0.0.2"),
        ("b2", "10.0.0.2"),
    ):
        assert admission.arrive(key, host).evict == ()
    arrival = admission.arrive("c1", "10.0.0.3")
    assert arrival.admitted
    assert arrival.evict == ("a1",)
    assert admission.unauthenticated == 4
    # a1's slot is free again for its address.
    assert admission.arrive("a3", "10.0.0.1").evict == ("a2",)


def test_only_logged_in_connections_take_session_slots() -> None:
    admission = policy(max_unauthenticated=20, max_per_address=10)
    for n in range(8):
        admission.arrive(f"idle{n}", "10.0.0.9")
    admission.arrive("x", "10.0.0.1")
    admission.arrive("y", "10.0.0.1")
    admission.arrive("z", "10.0.0.1")
    assert admission.has_room()
    assert admission.log_in("x")
    assert admission.log_in("y")
    assert admission.log_in("x")  # asked twice: still one slot
    assert not admission.has_room()
    assert not admission.log_in("z")
    assert admission.sessions == 2
    assert admission.unauthenticated == 8
    admission.leave("x")
    assert admission.log_in("z")
