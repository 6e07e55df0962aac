"""The console's widgets."""

from __future__ import annotations
