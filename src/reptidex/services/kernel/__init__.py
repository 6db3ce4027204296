"""What the six services share: settings, logging, errors, health, metrics and the app factory."""
