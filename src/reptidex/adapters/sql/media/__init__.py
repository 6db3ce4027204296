"""repti-media's tables and repositories."""
