"""repti-commerce's tables and the SQL side of its ports."""
