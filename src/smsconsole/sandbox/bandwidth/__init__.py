"""The Bandwidth v2 sandbox: Messaging v2, Voice v2 (BXML) and the Numbers API on one host.

A simulator of Bandwidth's current API (docs/bandwidth-v2.md §6.4, §7.2) beside the Catapult
v1 one, sharing no code with the server. ``smsconsole sandbox --api bandwidth-v2`` serves it.
"""
