"""Outgoing webhooks over HTTP: resolving a receiver's host and sending a signed delivery."""
