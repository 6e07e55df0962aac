"""Persistence behind one interface: the event log and the tables derived from it."""

from __future__ import annotations
