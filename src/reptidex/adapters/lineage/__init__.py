"""Lineage sources: repti-animal over HTTP."""
