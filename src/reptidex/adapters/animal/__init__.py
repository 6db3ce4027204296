"""repti-animal's adapters to the other services."""
