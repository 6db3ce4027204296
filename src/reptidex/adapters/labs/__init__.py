"""repti-ops' lab integrations' adapters: the animals of repti-animal over HTTP."""
