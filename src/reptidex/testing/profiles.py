"""The Hypothesis profiles of the kit: ``ci`` (reproducible, bounded) and ``thorough``."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

PROFILES: dict[str, dict[str, Any]] = {
    "ci": {
        "max_examples": 200,
        "derandomize": True,  # the same examples on every run: a red build stays red
        "deadline": None,  # shared CI machines make timings noise
        "database": None,
        "print_blob": True,
        "suppress_health_check": [HealthCheck.too_slow],
    },
    "thorough": {
        "max_examples": 5_000,
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow],
    },
}
"""Settings of each profile, by name."""


def register_profiles() -> None:
    """Register :data:`PROFILES` with Hypothesis (load one with ``--hypothesis-profile``).

    A project's own profile of the same name, registered later (in its ``conftest.py``),
    takes its place.

    >>> register_profiles()
    >>> settings.get_profile("ci").derandomize
    True
    """
    for name, values in PROFILES.items():
        settings.register_profile(name, **values)
