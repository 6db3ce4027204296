"""repti-community's business: search across the platform (``search``)."""
