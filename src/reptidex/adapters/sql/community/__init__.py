"""repti-community's SQL adapters."""
