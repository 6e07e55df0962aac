"""A faithful local simulator of Bandwidth's Catapult v1 REST API (reference §12).

Entry points: :func:`smsconsole.sandbox.app.create_sandbox_app` builds the Starlette app and
:func:`smsconsole.sandbox.app.run_sandbox` serves it under uvicorn.
"""

from __future__ import annotations
