"""Advertising's adapters to other services."""
