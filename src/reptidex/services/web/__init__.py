"""repti-web: the breeders' web application (port 8000), server-rendered pages over the six
services' public HTTP APIs; it owns no database. See ``docs/web.md``."""
