"""One rule for what a missing prerequisite does to a test: skip outside CI, fail under CI.

A prerequisite is a server (PostgreSQL, Redis) or a program (Chromium); the data the tests
read is in the repository (tests/data/).
CI counts as on for any true value of the ``CI`` environment variable (``true``, ``1``, ``yes``,
``on``, in any case), so a suite that skipped what it needs never passes as green there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import NoReturn

import pytest

_OFF = ("", "0", "false", "no", "off")


def in_ci(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``environ`` says the tests run in CI (``CI`` set to anything but a false value).

    >>> in_ci({"CI": "1"}), in_ci({"CI": "True"}), in_ci({"CI": "false"}), in_ci({})
    (True, True, False, False)
    """
    return environ.get("CI", "").strip().lower() not in _OFF


def unavailable(reason: str) -> NoReturn:
    """Skip the test outside CI; fail it under CI, where every prerequisite must be there."""
    if in_ci():
        pytest.fail(f"{reason} (under CI it is required, so this fails instead of skipping)")
    pytest.skip(reason)


def outcome_of(call: Callable[[], object]) -> str:
    """``"fail"``, ``"skip"`` or ``"ran"``: what ``call`` did to the test (for the gate's tests,
    where a skip must count as an answer, not end the test as skipped)."""
    try:
        call()
    except pytest.fail.Exception:
        return "fail"
    except pytest.skip.Exception:
        return "skip"
    return "ran"
