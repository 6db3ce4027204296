"""Adapters of the GDPR port: other services' personal data over HTTP."""
