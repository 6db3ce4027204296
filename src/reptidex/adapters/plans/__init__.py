"""Plan sources: repti-core's billing over HTTP."""
