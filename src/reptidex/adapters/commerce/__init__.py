"""repti-commerce's adapters to the other services."""
