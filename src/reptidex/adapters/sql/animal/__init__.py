"""repti-animal's SQL adapters: the collection's tables, repositories and unit of work."""
