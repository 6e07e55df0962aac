"""The telephony providers, each behind the same seam.

``base.py`` is the seam (the :class:`~smsconsole.providers.base.Provider` protocol and the
provider-neutral values), ``factory.py`` opens the provider the configuration names,
``provisioning.py`` holds our rules for the setup flow over any provider, and each provider's
wire format lives in its own package (``catapult/``: Bandwidth's Catapult v1).
"""
