"""The platform's status: how each service's deep health grades (green, amber, red) and its
uptime per day (``docs/ops.md``, monitoring)."""
