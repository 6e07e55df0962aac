"""The telephony providers, each behind the same seam."""
