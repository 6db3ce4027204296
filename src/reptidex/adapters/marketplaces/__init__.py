"""Partner marketplace integrations' adapters."""
